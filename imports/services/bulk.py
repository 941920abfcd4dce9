"""Multi-row inserts for the import's largest tables, with their ids taken beforehand.

`bulk_create` builds a model instance and prepares every value through the ORM's
compiler: about 75 microseconds a row, most of a 100,000-booking import. These write the
same rows as multi-row INSERT statements in batches, the values adapted once per column
as the database backend would adapt them, and the model's own defaults for the columns
not given. The ids are taken first (PostgreSQL's sequence; on SQLite, past the highest
id ever used, under the write lock the import's transaction holds), so related rows can
be written without reading anything back. Used only inside the import's transaction.
"""

import json
from collections.abc import Callable, Iterable, Sequence

from django.db import connection, models

# PostgreSQL allows 65,535 parameters a statement; SQLite's limit is read from the driver.
MAX_PARAMS = 60_000


def _max_params() -> int:
    if connection.vendor == "sqlite":
        import sqlite3

        raw = connection.connection
        return min(MAX_PARAMS, raw.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER))
    return MAX_PARAMS


def ids_take(model: type[models.Model], count: int) -> list[int]:
    """`count` new primary keys for `model`'s table, which no other row has or will take."""
    if count == 0:
        return []
    table = model._meta.db_table
    column = model._meta.pk.column
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
                [table, column, count],
            )
            return [row[0] for row in cursor.fetchall()]
        if connection.vendor != "sqlite":
            raise NotImplementedError("The history import writes to PostgreSQL or SQLite")
        # Names from the model, quoted: nothing from the files.
        quoted, pk = connection.ops.quote_name(table), connection.ops.quote_name(column)
        cursor.execute(f"SELECT COALESCE(MAX({pk}), 0) FROM {quoted}")  # noqa: S608
        highest = cursor.fetchone()[0]
        cursor.execute("SELECT seq FROM sqlite_sequence WHERE name = %s", [table])
        row = cursor.fetchone()
        start = max(highest, row[0] if row else 0) + 1
    return list(range(start, start + count))


def _adapter(field: models.Field) -> Callable:
    ops = connection.ops
    if isinstance(field, models.DateTimeField):
        return ops.adapt_datetimefield_value
    if isinstance(field, models.DecimalField):
        return lambda value: ops.adapt_decimalfield_value(
            value, field.max_digits, field.decimal_places
        )
    return lambda value: value


def _constant(field: models.Field):
    default = field.get_default()
    if isinstance(field, models.JSONField):  # As text, which both databases parse.
        return json.dumps(default)
    return field.get_db_prep_save(default, connection)


def _copy(table, columns, rows, constants, *, batch_size, on_batch) -> int:
    """PostgreSQL's COPY: the rows streamed, the driver adapting each value."""
    written = 0
    # The driver's own cursor, its errors turned into Django's (IntegrityError and so on).
    with (
        connection.wrap_database_errors,
        connection.cursor() as wrapper,
        wrapper.cursor.copy(
            f"COPY {table} ({columns}) FROM STDIN"  # noqa: S608 (names from the model, quoted)
        ) as copy,
    ):
        for row in rows:
            copy.write_row((*row, *constants))
            written += 1
            if on_batch and written % batch_size == 0:
                on_batch(written)
    if on_batch and written % batch_size:
        on_batch(written)
    return written


def rows_insert(
    model: type[models.Model],
    fields: Sequence[str],
    rows: Iterable[Sequence],
    *,
    batch_size: int,
    on_batch: Callable[[int], None] | None = None,
) -> int:
    """Insert `rows` (values in the order of `fields`, by attribute name: `booking_id`,
    not `booking`) in batches; every other column gets the model's default. Returns the
    number of rows written."""
    meta = model._meta
    by_attname = {field.attname: field for field in meta.concrete_fields}
    given = [by_attname[name] for name in fields]
    given_names = {field.attname for field in given}
    rest = [
        field
        for field in meta.concrete_fields
        if field.attname not in given_names and not (field.primary_key and "id" not in fields)
    ]
    # Defaults are worked out once: the same moment and empty values for every row.
    constants = [_constant(field) for field in rest]
    columns = ", ".join(connection.ops.quote_name(f.column) for f in [*given, *rest])
    table = connection.ops.quote_name(meta.db_table)
    if connection.vendor == "postgresql":
        return _copy(table, columns, rows, constants, batch_size=batch_size, on_batch=on_batch)
    adapters = [_adapter(field) for field in given]
    width = len(given) + len(rest)
    per_statement = max(1, min(batch_size, _max_params() // width))
    one = "(" + ", ".join(["%s"] * width) + ")"
    written = 0
    batch: list = []

    def flush():
        nonlocal written, batch
        if not batch:
            return
        values = ", ".join([one] * (len(batch) // width))
        sql = f"INSERT INTO {table} ({columns}) VALUES {values}"  # noqa: S608
        with connection.cursor() as cursor:
            cursor.execute(sql, batch)
        written += len(batch) // width
        batch = []
        if on_batch:
            on_batch(written)

    for row in rows:
        batch.extend(adapt(value) for adapt, value in zip(adapters, row, strict=True))
        batch.extend(constants)
        if len(batch) >= per_statement * width:
            flush()
    flush()
    return written
