"""Small numbers in published output: pure functions over the report's plain data.

The rule, the same for the page, CSV, XLSX and PDF when marked for publication:

- a count of people from 1 to 4 is shown as "<5" (primary suppression);
- a row or column of a table with just one hidden cell would let it be worked out from
  the total, so one more cell of that row or column is hidden too, shown as "[c]"
  (secondary suppression): the smallest other cell, preferring one that is not zero;
- a rate or mean built on a hidden count is withheld ("[c]").

Counts of sessions and places are about the programme, not about people, and are shown.
"""

import copy
from collections.abc import Sequence

SMALL = "<5"
HIDDEN = "[c]"
SMALLEST_SHOWN = 5

PEOPLE_COUNTS = ("booked", "attended", "walk_ins", "no_shows", "late_cancellations")
# A rate and the counts it is built on.
RATE_BASES = {
    "booking_rate_mean": ("booked",),
    "booking_rate_pooled": ("booked",),
    "attendance_rate": ("attended", "walk_ins", "booked"),
}
# Money in a breakdown points at a few people's charges: shown only in the summary.
BREAKDOWN_MONEY = ("charges_raised_gbp", "charges_waived_gbp")


def is_small(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 1 <= value < SMALLEST_SHOWN


def suppression_marks(matrix: Sequence[Sequence[int | None]]) -> list[list[str | None]]:
    """For a table of counts, which cells to hide: None (shown), SMALL or HIDDEN."""
    marks: list[list[str | None]] = [
        [SMALL if is_small(value) else None for value in row] for row in matrix
    ]
    lines = [[(i, j) for j in range(len(row))] for i, row in enumerate(matrix)]
    width = max((len(row) for row in matrix), default=0)
    lines += [[(i, j) for i in range(len(matrix)) if j < len(matrix[i])] for j in range(width)]
    changed = True
    while changed:
        changed = False
        for line in lines:
            hidden = [cell for cell in line if marks[cell[0]][cell[1]]]
            if len(hidden) != 1:
                continue
            candidates = [
                (matrix[i][j] == 0, matrix[i][j], i, j)
                for i, j in line
                if not marks[i][j] and isinstance(matrix[i][j], int)
            ]
            if candidates:
                _, _, i, j = min(candidates)
                marks[i][j] = HIDDEN
                changed = True
    return marks


def suppress_rows(rows: list[dict], columns: Sequence[str]) -> list[dict]:
    """A table of dicts, its count columns suppressed as one matrix."""
    marks = suppression_marks([[row[column] for column in columns] for row in rows])
    published = []
    for row, row_marks in zip(rows, marks, strict=True):
        row = dict(row)
        for column, mark in zip(columns, row_marks, strict=True):
            if mark:
                row[column] = mark
        published.append(row)
    return published


def suppress_row(row: dict, columns: Sequence[str]) -> dict:
    """One row on its own (a summary): its counts add up to one another (booked is those
    who came, the no-shows and the rest), so a single hidden count takes another with it."""
    return suppress_rows([row], columns)[0]


def withhold_rates(row: dict, bases: dict[str, Sequence[str]]) -> dict:
    row = dict(row)
    for rate, counts in bases.items():
        if rate in row and any(isinstance(row.get(count), str) for count in counts):
            row[rate] = HIDDEN
    return row


def _breakdown(rows: list[dict]) -> list[dict]:
    published = suppress_rows(rows, PEOPLE_COUNTS)
    return [
        {**withhold_rates(row, RATE_BASES), **dict.fromkeys(BREAKDOWN_MONEY, HIDDEN)}
        for row in published
    ]


def _withhold_all(row: dict, keep: Sequence[str]) -> dict:
    return {key: (value if key in keep or value is None else HIDDEN) for key, value in row.items()}


def _outcome(row: dict) -> dict:
    row = dict(row)
    if is_small(row["n"]):
        row = _withhold_all(row, ("course", "position", "outcome", "pre_n", "pre_mean"))
        row["n"] = SMALL
    if is_small(row["pre_n"]):
        row["pre_n"], row["pre_mean"] = SMALL, HIDDEN
    return row


def _experience(row: dict) -> dict:
    if not is_small(row["n"]):
        return row
    return {**_withhold_all(row, ("course",)), "n": SMALL}


def _follow_up(row: dict) -> dict:
    counts = ("invited", "responded", "managers_invited", "managers_responded")
    published = suppress_row(row, (*counts, "managers_seen_change"))
    return withhold_rates(
        published,
        {"response_rate": ("invited", "responded"), "changed_practice": ("responded",)},
    )


def _years(rows: list[dict]) -> list[dict]:
    marks = suppression_marks([row["attended"] for row in rows])
    return [
        {
            **row,
            "attended": [mark or value for value, mark in zip(row["attended"], line, strict=True)],
        }
        for row, line in zip(rows, marks, strict=True)
    ]


def report_publish(report: dict) -> dict:
    """The report as it may be published: same shape, small numbers hidden."""
    published = copy.deepcopy(report)
    published["summary"] = withhold_rates(
        suppress_row(report["summary"], PEOPLE_COUNTS), RATE_BASES
    )
    previous = published["previous"]
    previous["summary"] = withhold_rates(
        suppress_row(previous["summary"], PEOPLE_COUNTS), RATE_BASES
    )
    for key in ("by_programme", "by_course", "by_sector", "by_borough", "by_agency"):
        published[key] = _breakdown(report[key])
    published["outcomes"] = [_outcome(row) for row in report["outcomes"]]
    published["experience"] = [_experience(row) for row in report["experience"]]
    published["follow_up"] = _follow_up(report["follow_up"])
    published["follow_up_by_agency"] = [
        withhold_rates(row, {"response_rate": ("invited", "responded")})
        for row in suppress_rows(report["follow_up_by_agency"], ("invited", "responded"))
    ]
    published["reach"]["by_sector"] = _years(report["reach"]["by_sector"])
    published["reach"]["by_borough"] = _years(report["reach"]["by_borough"])
    published["months"] = suppress_rows(report["months"], ("booked", "attended"))
    lost = published["places_lost"]
    if is_small(lost["no_shows"]):
        published["places_lost"] = {"no_shows": SMALL, "share_of_places": HIDDEN}
    published["published"] = True
    return published
