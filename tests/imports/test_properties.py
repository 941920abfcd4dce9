"""Property tests: a valid history corrupted at random never leaves a partial import, and
the problem always names the file and line corrupted; harmless changes import the same."""

import csv
import io
import re
import tempfile
from pathlib import Path

import pytest
from django.db import transaction
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from imports.errors import HistoryProblems
from imports.services.history import history_import
from training.models import Session

from .history import FIGURES, HISTORY, write_history
from .test_history import HISTORY_MODELS, delivered_figures

pytestmark = pytest.mark.django_db

PROPERTY_SETTINGS = settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def table(name: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(HISTORY[name])))


def as_csv(rows: list[list[str]]) -> str:
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(rows)
    return out.getvalue()


def snapshot() -> dict[str, int]:
    return {model.__name__: model.objects.count() for model in HISTORY_MODELS}


# Each corruption is sure to break a rule: (file, column, bad values).
BAD_CELLS = [
    ("sessions.csv", "capacity", st.sampled_from(["0", "-3", "many", "2.5", ""])),
    (
        "sessions.csv",
        "start",
        st.text("abcxyz/:-", min_size=1).filter(lambda v: not v[0].isdigit()),
    ),
    ("sessions.csv", "course_code", st.text("QWXZ", min_size=1, max_size=8)),
    ("sessions.csv", "status", st.sampled_from(["done", "postponed", "", "yes"])),
    ("bookings.csv", "email", st.text("abc.", min_size=1).filter(lambda v: "@" not in v)),
    ("bookings.csv", "agency", st.text("QWXZ ", min_size=1).filter(str.strip)),
    ("bookings.csv", "booked_at", st.sampled_from(["2017-02-30T10:00", "31/13/2017 10:00", ""])),
    ("bookings.csv", "session_ref", st.text("QWXZ", min_size=1)),
    ("bookings.csv", "status", st.sampled_from(["booked", "waitlisted", ""])),
    ("evaluations.csv", "experience", st.integers(5, 999).map(str) | st.just("0")),
    ("evaluations.csv", "outcome_ratings", st.sampled_from(["9:9", "1-2", "5:1|1:1", "a:b"])),
    ("evaluations.csv", "submitted_at", st.sampled_from(["soon", "2016-01-01T10:00"])),
    ("agencies.csv", "sector", st.text("QWXZ", min_size=1)),
    ("agencies.csv", "pays", st.sampled_from(["maybe", "2", ""])),
    ("courses.csv", "duration_hours", st.sampled_from(["0", "-1", "six", "2.25", ""])),
]


@st.composite
def bad_cell(draw):
    name, column, values = draw(st.sampled_from(BAD_CELLS))
    rows = table(name)
    index = draw(st.integers(1, len(rows) - 1))
    rows[index][rows[0].index(column)] = draw(values)
    return name, index + 1, as_csv(rows).encode()


@st.composite
def duplicated_booking(draw):
    rows = table("bookings.csv")
    copy = list(rows[draw(st.integers(1, len(rows) - 1))])
    copy[1] = draw(st.sampled_from([str.upper, str.lower, str.title]))(copy[1])
    rows.append(copy)
    return "bookings.csv", len(rows), as_csv(rows).encode()


@st.composite
def bad_bytes(draw):
    name = draw(st.sampled_from(sorted(HISTORY)))
    lines = HISTORY[name].encode().split(b"\n")
    index = draw(st.integers(0, len(lines) - 2))
    at = draw(st.integers(0, len(lines[index])))
    byte = draw(st.sampled_from([b"\xff", b"\xe9", b"\x80", b"\xc3"]))
    lines[index] = lines[index][:at] + byte + lines[index][at:]
    return name, index + 1, b"\n".join(lines)


@PROPERTY_SETTINGS
@given(
    corruption=st.one_of(bad_cell(), duplicated_booking(), bad_bytes()),
    imported_before=st.booleans(),
)
def test_a_corrupted_history_writes_nothing_and_names_the_line(corruption, imported_before):
    name, line, data = corruption
    with transaction.atomic(), tempfile.TemporaryDirectory() as folder:
        if imported_before:
            history_import(directory=write_history(Path(folder) / "clean"))
        before = snapshot()
        directory = write_history(Path(folder) / "bad", {**HISTORY, name: data})

        with pytest.raises(HistoryProblems) as raised:
            history_import(directory=directory)

        assert snapshot() == before
        assert (name, line) in {(p.file, p.line) for p in raised.value.problems}
        assert all(p.line >= 1 for p in raised.value.problems)
        transaction.set_rollback(True)


# Anything a spreadsheet might hold: huge and negative numbers, digits of other scripts
# ('²', '٣'), dates at the ends of the calendar, and any text at all.
ANY_VALUE = st.one_of(
    st.integers().map(str),
    st.integers(min_value=10**9, max_value=10**40).map(str),
    st.sampled_from(["²", "٣", "٣٠", "１２", "-0", "1e9", "3000000000", "99999999999999999999"]),
    st.sampled_from(["9999-12-31T20:00-05:00", "0001-01-01T00:30+01:00", "31/12/9999 23:59"]),
    st.sampled_from(["1989-12-31T23:00", "2101-01-01T09:00", "2017-05-10T09:30+14:00"]),
    st.text(max_size=30),
)


# The cells holding numbers and dates, drawn as often as all the others together.
NUMBER_AND_DATE_CELLS = [
    ("sessions.csv", "capacity"),
    ("sessions.csv", "start"),
    ("sessions.csv", "end"),
    ("courses.csv", "duration_hours"),
    ("bookings.csv", "booked_at"),
    ("bookings.csv", "cancelled_at"),
    ("evaluations.csv", "submitted_at"),
    ("evaluations.csv", "experience"),
    ("evaluations.csv", "outcome_ratings"),
]
ANY_CELL = [(name, column) for name in sorted(HISTORY) for column in table(name)[0]]


def changed(name: str, line: int, column: str, value: str) -> tuple[str, int, bytes]:
    rows = table(name)
    rows[line - 1][rows[0].index(column)] = value
    return name, line, as_csv(rows).encode()


@st.composite
def any_cell(draw):
    name, column = draw(st.sampled_from(NUMBER_AND_DATE_CELLS) | st.sampled_from(ANY_CELL))
    line = draw(st.integers(2, len(table(name))))
    return changed(name, line, column, draw(ANY_VALUE))


def problems_of(directory: Path, *, dry_run: bool) -> list:
    try:
        history_import(directory=directory, dry_run=dry_run)
    except HistoryProblems as raised:
        assert raised.problems
        return [str(p) for p in raised.problems]
    return []


@settings(PROPERTY_SETTINGS, max_examples=120)
@given(change=any_cell())
@example(change=changed("sessions.csv", 2, "capacity", "3000000000"))
@example(change=changed("sessions.csv", 3, "capacity", "99999999999999999999"))
@example(change=changed("sessions.csv", 2, "end", "9999-12-31T20:00-05:00"))
@example(change=changed("bookings.csv", 2, "booked_at", "0001-01-01T00:30+01:00"))
@example(change=changed("evaluations.csv", 2, "experience", "٣"))
def test_any_value_in_any_cell_imports_or_names_its_line(change):
    """Never an exception: the dry run and the import agree, and either the history
    imports or nothing is written and each problem is a file:line: column: reason."""
    name, line, data = change
    with transaction.atomic(), tempfile.TemporaryDirectory() as folder:
        directory = write_history(Path(folder), {**HISTORY, name: data})
        before = snapshot()

        found = problems_of(directory, dry_run=True)
        assert problems_of(directory, dry_run=False) == found

        if found:
            assert snapshot() == before
            assert all(re.fullmatch(r"[a-z]+\.csv:[0-9]+: [a-z_]+: .+", p, re.S) for p in found)
        else:
            assert Session.objects.count() == len(table("sessions.csv")) - 1
        transaction.set_rollback(True)


def _respelled(draw, value: str) -> str:
    changed = "".join(ch.upper() if draw(st.booleans()) else ch.lower() for ch in value)
    return draw(st.sampled_from(["", " ", "  "])) + changed + draw(st.sampled_from(["", " "]))


@st.composite
def harmless_changes(draw):
    """Rows in another order, emails in any case with spaces around them, a BOM."""
    files = {}
    for name in HISTORY:
        rows = table(name)
        body = draw(st.permutations(rows[1:]))
        if "email" in rows[0]:
            column = rows[0].index("email")
            body = [
                row[:column] + [_respelled(draw, row[column])] + row[column + 1 :] for row in body
            ]
        files[name] = draw(st.sampled_from(["", "\ufeff"])) + as_csv([rows[0], *body])
    return files


@PROPERTY_SETTINGS
@given(files=harmless_changes())
def test_rows_in_any_order_and_emails_in_any_case_import_the_same(files):
    with transaction.atomic(), tempfile.TemporaryDirectory() as folder:
        history_import(directory=write_history(Path(folder), files))

        assert delivered_figures() == FIGURES
        transaction.set_rollback(True)
