"""The linked suppression as a pure function: totals and the cells they add up to, across
tables, and a brute-force audit that no hidden count can be worked out from what is shown."""

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from reports.publication import (
    HIDDEN,
    PEOPLE_COUNTS,
    SMALL,
    linked_marks,
    report_publish,
)

from .test_linked_suppression import hidden, sums_of, value_of


def determined(values: dict, marks: dict, sums) -> list:
    """Hidden cells whose value follows from the sums, however combined: a hidden cell is
    known exactly when leaving it out of the hidden cells' equations lowers their rank."""
    hidden = list(marks)
    matrix = np.zeros((len(sums), len(hidden)))
    for row, (total, parts) in enumerate(sums):
        for cell, sign in ((total, -1), *((part, 1) for part in parts)):
            if cell in marks:
                matrix[row, hidden.index(cell)] += sign
    if not hidden:
        return []
    rank = np.linalg.matrix_rank(matrix)
    return [
        cell
        for n, cell in enumerate(hidden)
        if np.linalg.matrix_rank(np.delete(matrix, n, axis=1)) < rank
    ]


def test_a_total_of_one_hidden_part_and_shown_parts_hides_a_second_part():
    values = {"health": 11, "hospital": 2, "clinic": 9}
    marks = linked_marks(values, lines=[], sums=[("health", ["hospital", "clinic"])])
    assert marks == {"hospital": SMALL, "clinic": HIDDEN}  # the part, not the total


def test_a_part_that_is_its_totals_only_part_is_hidden_with_it():
    values = {"police sector": 6, "police force": 6, "clinic": 9, "health": 9}
    sums = [("police sector", ["police force"]), ("health", ["clinic"])]
    lines = [["police force", "clinic"]]  # one table's column
    marks = linked_marks({**values, "hospital": 3}, lines=lines, sums=sums)
    assert marks == {"hospital": SMALL}  # nothing links the 3 to the rest
    marks = linked_marks(values, lines=[["police force", "clinic"], ["police force"]], sums=sums)
    assert marks == {}
    values["police force"] = values["police sector"] = 3
    marks = linked_marks(values, lines=lines, sums=sums)
    # The force is small; its sector is the same count, and the column takes the clinic,
    # which takes health with it.
    assert marks == {
        "police force": SMALL,
        "police sector": SMALL,
        "clinic": HIDDEN,
        "health": HIDDEN,
    }


def test_a_count_pinned_down_only_by_combining_three_totals_takes_one_more():
    # Three "<5" counts, each pair of them adding up to a shown total: every total has two
    # hidden parts, yet x = (a - b + c) / 2.
    values = {"a": 5, "b": 7, "c": 6, "x": 2, "y": 3, "z": 4}
    sums = [("a", ["x", "y"]), ("b", ["y", "z"]), ("c", ["x", "z"])]
    assert determined(values, {"x": SMALL, "y": SMALL, "z": SMALL}, sums) == ["x", "y", "z"]
    marks = linked_marks(values, lines=[], sums=sums)
    assert [cell for cell, mark in marks.items() if mark == HIDDEN] == ["a"]
    assert determined(values, marks, sums) == []


def test_two_small_counts_making_eight_are_both_fours_so_a_third_is_hidden():
    values = {"sector": 14, "first": 4, "second": 4, "third": 6}
    sums = [("sector", ["first", "second", "third"])]
    marks = linked_marks(values, lines=[], sums=sums)
    assert marks == {"first": SMALL, "second": SMALL, "third": HIDDEN}
    # Two small counts and a shown total of 2: both are ones.
    values = {"sector": 7, "first": 1, "second": 1, "third": 5}
    assert linked_marks(values, lines=[], sums=sums)["third"] == HIDDEN
    # Three and four in a total of 12: 1 to 4 each, so 7 can be made more than one way.
    values = {"sector": 12, "first": 3, "second": 4, "third": 5}
    assert linked_marks(values, lines=[], sums=sums) == {"first": SMALL, "second": SMALL}


def counts(draw) -> dict:
    return {
        column: draw(st.sampled_from([0, 0, 1, 2, 3, 4, 5, 6, 9, 14])) for column in PEOPLE_COUNTS
    }


def total(rows: list[dict], **fields) -> dict:
    return {
        **fields,
        "label": fields["key"],
        **{column: sum(row[column] for row in rows) for column in PEOPLE_COUNTS},
        "booking_rate_mean": None,
        "booking_rate_pooled": None,
        "attendance_rate": None,
        "charges_raised_gbp": "0.00",
        "charges_waived_gbp": "0.00",
    }


@st.composite
def reports(draw) -> dict:
    """A report's tables of people counts, each total the sum of its parts, as the report
    builds them: organisations in sectors and boroughs, courses in programmes."""
    agencies = [
        total(
            [counts(draw)],
            key=f"Organisation {n}",
            sector=draw(st.sampled_from(["health", "police", "school"])),
            borough=draw(st.sampled_from(["Westminster", "Camden"])),
        )
        for n in range(draw(st.integers(1, 7)))
    ]
    summary = total(agencies, key="all")
    # The same people split by course instead: each course takes a share of what is left.
    left = {column: summary[column] for column in PEOPLE_COUNTS}
    courses = []
    number = draw(st.integers(1, 4))
    for n in range(number):
        row = {
            c: left[c] if n == number - 1 else draw(st.integers(0, left[c])) for c in PEOPLE_COUNTS
        }
        left = {c: left[c] - row[c] for c in PEOPLE_COUNTS}
        courses.append(
            total([row], key=f"C{n}", programme=draw(st.sampled_from(["core", "specialist"])))
        )

    def grouped(rows, field):
        keys = sorted({row[field] for row in rows})
        return [total([row for row in rows if row[field] == key], key=key) for key in keys]

    return {
        "summary": summary,
        "previous": {"summary": total([], key="last year")},
        "by_programme": grouped(courses, "programme"),
        "by_course": courses,
        "by_sector": grouped(agencies, "sector"),
        "by_borough": grouped(agencies, "borough"),
        "by_agency": agencies,
        "outcomes": [],
        "experience": [],
        "follow_up": dict.fromkeys(
            [
                "invited",
                "responded",
                "managers_invited",
                "managers_responded",
                "managers_seen_change",
            ],
            0,
        )
        | {"response_rate": None, "changed_practice": None},
        "follow_up_by_agency": [],
        "reach": {
            "years": ["2025-26"],
            "by_sector": [
                {"key": row["key"], "label": row["key"], "attended": [row["attended"]]}
                for row in grouped(agencies, "sector")
                if row["attended"]
            ],
            "by_borough": [
                {"key": row["key"], "label": row["key"], "attended": [row["attended"]]}
                for row in grouped(agencies, "borough")
                if row["attended"]
            ],
        },
        "months": [
            {"month": "2025-06", "booked": summary["booked"], "attended": summary["attended"]}
        ],
        "places_lost": {"no_shows": summary["no_shows"], "share_of_places": None},
    }


@settings(max_examples=60, deadline=None)
@given(report=reports())
def test_no_hidden_count_follows_from_the_published_totals(report):
    published = report_publish(report)
    # The totals and parts worked out afresh from the rows, not taken from the code.
    sums = list(sums_of(report))
    cells = {cell for total, parts in sums for cell in (total, *parts)}
    values = {cell: value_of(report, cell) for cell in cells}
    marks = {
        cell: value_of(published, cell) for cell in cells if hidden(value_of(published, cell))
    }
    # Only a hidden zero may follow from the sums, where every count around it is hidden
    # already (a summary of no one but a late cancellation, say).
    for cell in determined(values, marks, sums):
        assert (marks[cell], values[cell]) == (HIDDEN, 0)
    for table in ("by_sector", "by_agency", "by_course"):
        for row, original in zip(published[table], report[table], strict=True):
            for column in PEOPLE_COUNTS:
                assert row[column] == original[column] or row[column] in (SMALL, HIDDEN)
                assert row[column] != original[column] or not 1 <= original[column] <= 4
    # The period's column of the reach tables is the breakdowns' attended, hidden alike.
    attended = {row["key"]: row["attended"] for row in published["by_sector"]}
    for row in published["reach"]["by_sector"]:
        assert row["attended"][-1] == attended[row["key"]]
    # Places lost to no-shows are the summary's no-shows, hidden alike.
    assert isinstance(published["places_lost"]["no_shows"], str) == isinstance(
        published["summary"]["no_shows"], str
    )
