"""Property tests: a valid history corrupted at random never leaves a partial import, and
the problem always names the file and line corrupted; harmless changes import the same."""

import csv
import io
import tempfile
from pathlib import Path

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from imports.errors import HistoryProblems
from imports.services.history import history_import

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
