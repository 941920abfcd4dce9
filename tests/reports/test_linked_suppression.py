# ruff: noqa: E501 (CSV rows are kept whole, as a spreadsheet writes them)
"""Secondary suppression across the linked breakdowns: an organisation's counts add up to
its sector's and its borough's, a course's to its programme's, and every breakdown to the
summary, so a hidden count must not come back from subtracting published totals."""

import csv
import io
import itertools

import pytest
import time_machine
from django.core.management import call_command
from django.urls import reverse
from openpyxl import load_workbook

from reports.periods import financial_year
from reports.publication import (
    PEOPLE_COUNTS,
    SMALL,
    report_publish,
)
from reports.report import report_build
from reports.tables import BREAKDOWNS, COUNT, breakdown_table

from ..imports.history import write_history
from .factories import reviewer

# Four organisations, one session: Hospital H sends 2, Clinic K 9 (both health, both
# Westminster), Police P 6 (Westminster), Nursery N 8 (Kensington and Chelsea).
AGENCIES = """\
name,sector,borough,pays,invoice_email
Hospital H,health,Westminster,no,
Clinic K,health,Westminster,no,
Police P,police,Westminster,no,
Nursery N,early_years,Kensington and Chelsea,no,
"""
COURSES = """\
code,title,programme,level,duration_hours,learning_outcomes
FULL1,Full day core,core,Level 3,7,Outcome one
"""
SESSIONS = """\
ref,course_code,start,end,venue,capacity,delivered_by,status
A,FULL1,2019-06-12T09:30,2019-06-12T16:30,Town Hall,40,Police P,delivered
"""
PEOPLE = {"Hospital H": 2, "Clinic K": 9, "Police P": 6, "Nursery N": 8}
BOOKINGS = "session_ref,email,name,agency,booked_at,status,cancelled_at,attendance\n" + "".join(
    f"A,{agency[0].lower()}{n}@example.org,{agency} {n},{agency},2019-05-01T10:00,confirmed,,attended\n"
    for agency, count in PEOPLE.items()
    for n in range(count)
)
EVALUATIONS = "session_ref,email,submitted_at,experience,outcome_ratings,comment\n"
HISTORY = {
    "agencies.csv": AGENCIES,
    "courses.csv": COURSES,
    "sessions.csv": SESSIONS,
    "bookings.csv": BOOKINGS,
    "evaluations.csv": EVALUATIONS,
}
YEAR = financial_year(2019)
# Which breakdown's rows add up to which: (child, the child's field naming its parent, parent).
PARENTS = [
    ("by_agency", "sector", "by_sector"),
    ("by_agency", "borough", "by_borough"),
    ("by_course", "programme", "by_programme"),
]
TABLES = ["by_programme", "by_course", "by_sector", "by_borough", "by_agency"]


def hidden(value) -> bool:
    return isinstance(value, str)


def sums_of(report: dict):
    """Every published total with the cells it adds up to, worked out afresh from the
    report's own rows: (total cell, part cells), a cell being (table, row number, column)."""
    for column in PEOPLE_COUNTS:
        for table in TABLES:
            yield ("summary", 0, column), [(table, i, column) for i in range(len(report[table]))]
        for child, field, parent in PARENTS:
            for p, parent_row in enumerate(report[parent]):
                children = [
                    (child, i, column)
                    for i, row in enumerate(report[child])
                    if row[field] == parent_row["key"]
                ]
                yield (parent, p, column), children


def value_of(report: dict, cell):
    table, row, column = cell
    rows = [report["summary"]] if table == "summary" else report[table]
    return rows[row][column]


def recovered(published: dict) -> list[tuple]:
    """Each hidden cell that a shown total minus its shown parts, or a shown part subtracted
    with the others from a total, gives back exactly: (cell, what it gives)."""
    found = []
    for total, parts in sums_of(published):
        cells = [total, *parts]
        secret = [cell for cell in cells if hidden(value_of(published, cell))]
        if len(secret) == 1:
            found.append((secret[0], "the only hidden cell of a total and its parts"))
    return found


def recovered_by_pairs(published: dict, report: dict) -> list[tuple]:
    """Brute force over every pair of sums: a hidden cell worked out as (total one minus
    its shown parts) minus (total two minus its shown parts), when the two leave it alone."""
    found = []
    sums = list(sums_of(published))
    for (t1, p1), (t2, p2) in itertools.combinations(sums, 2):
        for sign in (1, -1):
            terms: dict = {}
            for cell, factor in [(t1, -1), *((c, 1) for c in p1)]:
                terms[cell] = terms.get(cell, 0) + factor
            for cell, factor in [(t2, -1), *((c, 1) for c in p2)]:
                terms[cell] = terms.get(cell, 0) - sign * factor
            secret = {c: f for c, f in terms.items() if f and hidden(value_of(published, c))}
            if len(secret) == 1:
                ((cell, factor),) = secret.items()
                shown = sum(f * value_of(report, c) for c, f in terms.items() if c not in secret)
                assert -shown / factor == value_of(report, cell)  # the sums do hold
                found.append((cell, "two totals subtracted"))
    return found


def import_history(tmp_path) -> None:
    call_command(
        "import_history",
        str(write_history(tmp_path, HISTORY)),
        stdout=io.StringIO(),
        stderr=io.StringIO(),
    )


@pytest.mark.django_db
def test_no_hidden_count_of_the_four_organisations_can_be_worked_out(tmp_path):
    import_history(tmp_path)
    report = report_build(period=YEAR)
    agencies = {row["key"]: row for row in report["by_agency"]}
    assert {name: agencies[name]["booked"] for name in PEOPLE} == PEOPLE
    sectors = {row["key"]: row["booked"] for row in report["by_sector"]}
    assert sectors["health"] == 11  # the sum the hospital's 2 could be taken from

    published = report_publish(report)
    agencies = {row["key"]: row for row in published["by_agency"]}
    assert agencies["Hospital H"]["booked"] == SMALL
    # Health is Hospital H and Clinic K: the clinic's 9 may not be shown beside health's 11.
    sectors = {row["key"]: row for row in published["by_sector"]}
    assert hidden(sectors["health"]["booked"]) or hidden(agencies["Clinic K"]["booked"])
    # Police is Police P alone: the two are shown or hidden together.
    assert hidden(sectors["police"]["booked"]) == hidden(agencies["Police P"]["booked"])

    hidden_cells = [
        (table, i, column)
        for table in ["summary", *TABLES]
        for i in range(len([published["summary"]] if table == "summary" else published[table]))
        for column in PEOPLE_COUNTS
        if hidden(value_of(published, (table, i, column)))
    ]
    assert ("by_agency", list(agencies).index("Hospital H"), "booked") in hidden_cells
    assert recovered(published) == []
    assert recovered_by_pairs(published, report) == []
    # The headline total stays shown: the hiding is done among the parts.
    assert published["summary"]["booked"] == 25
    # The reach tables' last year is this period: the same counts, hidden alike, or
    # police's 6 and early years' 8 would be read there.
    for part in ("by_sector", "by_borough"):
        attended = {row["key"]: row["attended"] for row in published[part]}
        for row in published["reach"][part]:
            assert row["attended"][-1] == attended[row["key"]]
    assert hidden(sectors["police"]["attended"])


@pytest.mark.django_db
def test_the_checker_finds_what_suppressing_each_table_alone_gives_away(tmp_path):
    """The review's case, with each breakdown suppressed on its own as before: the checker
    above does find the hospital's 2 (health's 11 minus the clinic's 9)."""
    import_history(tmp_path)
    report = report_build(period=YEAR)
    alone = report_publish(report)
    for table in TABLES:
        one = report_publish({**report, **{t: [] for t in TABLES if t != table}})
        alone[table] = one[table]
    agency = [row["key"] for row in report["by_agency"]].index("Hospital H")
    assert ("by_agency", agency, "booked") in [cell for cell, _ in recovered(alone)]


def csv_table(text: str, title: str) -> list[list[str]]:
    rows = list(csv.reader(io.StringIO(text)))
    start = rows.index([title]) + 2  # the title, then the header
    end = rows.index([], start) if [] in rows[start:] else len(rows)
    return rows[start:end]


def shown(value) -> str:
    return value if isinstance(value, str) else str(value)


@pytest.mark.django_db
def test_the_page_csv_and_xlsx_publish_the_same_linked_suppression(client, tmp_path):
    import_history(tmp_path)
    published = report_publish(report_build(period=YEAR))
    client.force_login(reviewer())
    query = {"year": "2019", "publish": "on"}
    with time_machine.travel("2020-01-15 12:00:00+00:00", tick=False):
        page = client.get(reverse("reports:report"), query)
        text = client.get(reverse("reports:download", args=["csv"]), query).content.decode()
        book = load_workbook(
            io.BytesIO(client.get(reverse("reports:download", args=["xlsx"]), query).content)
        )
    on_page = page.context["report"]
    for key in TABLES:
        assert [{c: row[c] for c in PEOPLE_COUNTS} for row in on_page[key]] == [
            {c: row[c] for c in PEOPLE_COUNTS} for row in published[key]
        ]
        table = breakdown_table(published, key)
        expected = [[shown(value) for value in row] for row in table.rows]
        counts = [i for i, column in enumerate(table.columns) if column.kind == COUNT]
        assert [[row[i] for i in counts] for row in csv_table(text, BREAKDOWNS[key][1])] == [
            [row[i] for i in counts] for row in expected
        ]
        sheet = book[table.title[:31]]
        cells = [list(row) for row in sheet.iter_rows(min_row=6, values_only=True)]
        assert [[shown(row[i]) for i in counts] for row in cells] == [
            [row[i] for i in counts] for row in expected
        ]
    assert page.context["report"]["summary"]["booked"] == 25
