"""Small numbers in published output: pure functions over the report's plain data.

The rule, the same for the page, CSV, XLSX and PDF when marked for publication:

- a count of people from 1 to 4 is shown as "<5" (primary suppression);
- a row or column of a table with just one hidden cell would let it be worked out from
  the total, so one more cell of that row or column is hidden too, shown as "[c]"
  (secondary suppression): the smallest other cell, preferring one that is not zero;
- the breakdowns are suppressed together, not one by one, because their rows add up to
  one another: an organisation's counts add up to its sector's and its borough's, a
  course's to its programme's, and every breakdown to the summary. A total made of one
  hidden part and shown parts would give the hidden one away, so a second part of it is
  hidden too, and any hidden count that the sums still pin down, however they are
  combined, takes one more with it, until nothing changes;
- a rate or mean built on a hidden count is withheld ("[c]").

Counts of sessions and places are about the programme, not about people, and are shown.
"""

import copy
from collections.abc import Hashable, Sequence
from fractions import Fraction

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
# Every breakdown's rows add up to the summary.
BREAKDOWN_KEYS = ("by_programme", "by_course", "by_sector", "by_borough", "by_agency")
# (child table, the child's field naming its parent row, parent table): the children of a
# parent row add up to it.
BREAKDOWN_PARENTS = (
    ("by_agency", "sector", "by_sector"),
    ("by_agency", "borough", "by_borough"),
    ("by_course", "programme", "by_programme"),
)

Cell = Hashable
# A total and the cells it is the sum of.
Sum = tuple[Cell, Sequence[Cell]]


def is_small(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 1 <= value < SMALLEST_SHOWN


def _is_count(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _pinned_down(sums: Sequence[Sum], marks: dict[Cell, str]) -> list[Cell]:
    """The hidden cells whose value follows from the shown ones through the sums, however
    the sums are combined (Gauss-Jordan elimination, exact, over the hidden cells only: a
    hidden cell is known when the reduced equations hold a row with it alone)."""
    rows: dict[Cell, dict[Cell, Fraction]] = {}  # pivot cell -> its reduced equation
    for total, parts in sums:
        equation: dict[Cell, Fraction] = {}
        for cell, sign in ((total, -1), *((part, 1) for part in parts)):
            if cell in marks:
                equation[cell] = equation.get(cell, Fraction(0)) + sign
        equation = {cell: factor for cell, factor in equation.items() if factor}
        for pivot, row in rows.items():
            if pivot in equation:
                equation = _subtract(equation, row, equation[pivot])
        if not equation:
            continue
        pivot = next(iter(equation))
        equation = {cell: factor / equation[pivot] for cell, factor in equation.items()}
        for other, row in rows.items():
            if pivot in row:
                rows[other] = _subtract(row, equation, row[pivot])
        rows[pivot] = equation
    return [pivot for pivot, row in rows.items() if len(row) == 1]


def _subtract(row: dict, other: dict, times: Fraction) -> dict:
    result = dict(row)
    for cell, factor in other.items():
        result[cell] = result.get(cell, Fraction(0)) - times * factor
    return {cell: factor for cell, factor in result.items() if factor}


def linked_marks(
    values: dict[Cell, int | None], *, lines: Sequence[Sequence[Cell]], sums: Sequence[Sum] = ()
) -> dict[Cell, str]:
    """Which cells to hide (SMALL or HIDDEN) among counts that may share rows, columns and
    totals. ``lines`` are groups of cells no one of which may be the only hidden one (a
    table's rows and columns); ``sums`` are totals with the cells they add up to, across
    tables. The cells a total adds up to and the total are a line too; when a total's
    hidden parts can only be at their bounds, or a hidden cell is still pinned down by
    combining sums, one more shown cell of a sum around it is hidden. Repeated until
    nothing changes."""
    marks: dict[Cell, str] = {cell: SMALL for cell, value in values.items() if is_small(value)}
    order = {cell: number for number, cell in enumerate(values)}
    all_lines = [*lines, *([total, *parts] for total, parts in sums)]

    def hide_one_of(cells) -> bool:
        candidates = [cell for cell in cells if cell not in marks and _is_count(values[cell])]
        if not candidates:
            return False
        chosen = min(candidates, key=lambda cell: (values[cell] == 0, values[cell], order[cell]))
        marks[chosen] = HIDDEN
        return True

    while True:
        changed = False
        for line in all_lines:
            if sum(1 for cell in line if cell in marks) == 1:
                changed |= hide_one_of(line)
        if changed:
            continue
        for total, parts in sums:
            if _at_its_bounds(values, marks, total, parts) and hide_one_of([total, *parts]):
                changed = True
        if changed:
            continue
        # One at a time: a cell hidden for one may free others.
        for cell in sorted(_pinned_down(sums, marks), key=order.__getitem__):
            if hide_one_of(_around(cell, sums, marks)):
                break
        else:
            return marks


def _at_its_bounds(values: dict, marks: dict, total: Cell, parts: Sequence[Cell]) -> bool:
    """A shown total whose hidden parts must each be at their least ("<5" is at least 1,
    "[c]" at least 0) or, all "<5", at their greatest (4) to add up: 8 made of two "<5"
    is two 4s."""
    hidden = [part for part in parts if part in marks]
    if total in marks or not hidden:
        return False
    rest = values[total] - sum(values[part] for part in parts if part not in marks)
    least = sum(1 if marks[part] == SMALL else 0 for part in hidden)
    if rest == least:
        return True
    return all(marks[part] == SMALL for part in hidden) and rest == len(hidden) * (
        SMALLEST_SHOWN - 1
    )


def _around(cell: Cell, sums: Sequence[Sum], marks: dict[Cell, str]) -> list[Cell]:
    """The cells of the sums holding ``cell``; if all of them are hidden already, those of
    the sums holding those, and so on outwards."""
    reached, frontier, seen = [], {cell}, set()
    while frontier:
        found = [
            number
            for number, (total, parts) in enumerate(sums)
            if number not in seen and frontier & {total, *parts}
        ]
        seen.update(found)
        reached = [c for number in found for c in (sums[number][0], *sums[number][1])]
        if any(c not in marks for c in reached):
            return reached
        frontier = {c for c in reached if c not in frontier}
    return reached


def suppression_marks(matrix: Sequence[Sequence[int | None]]) -> list[list[str | None]]:
    """For a table of counts, which cells to hide: None (shown), SMALL or HIDDEN."""
    values = {(i, j): value for i, row in enumerate(matrix) for j, value in enumerate(row)}
    width = max((len(row) for row in matrix), default=0)
    lines = [[(i, j) for j in range(len(row))] for i, row in enumerate(matrix)]
    lines += [[(i, j) for i in range(len(matrix)) if j < len(matrix[i])] for j in range(width)]
    marks = linked_marks(values, lines=lines)
    return [[marks.get((i, j)) for j in range(len(row))] for i, row in enumerate(matrix)]


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


def _table_lines(table: str, rows: list[dict], columns: Sequence[str]) -> list[list[Cell]]:
    """A table's rows and columns, as lines of cells named (table, row number, column)."""
    lines = [[(table, i, column) for column in columns] for i in range(len(rows))]
    lines += [[(table, i, column) for i in range(len(rows))] for column in columns]
    return lines


def breakdown_cells(report: dict) -> tuple[dict[Cell, int], list[list[Cell]], list[Sum]]:
    """The summary and the breakdowns' people counts as one set of linked cells: each
    table's rows and columns, the summary as the total of every breakdown, and each
    parent row (a sector, a borough, a programme) as the total of its children."""
    values: dict[Cell, int] = {}
    lines: list[list[Cell]] = []
    sums: list[Sum] = []
    tables = {"summary": [report["summary"]]} | {key: report[key] for key in BREAKDOWN_KEYS}
    for table, rows in tables.items():
        for i, row in enumerate(rows):
            values.update({(table, i, column): row[column] for column in PEOPLE_COUNTS})
        lines += _table_lines(table, rows, PEOPLE_COUNTS)
    for table in BREAKDOWN_KEYS:
        for column in PEOPLE_COUNTS:
            parts = [(table, i, column) for i in range(len(report[table]))]
            sums.append((("summary", 0, column), parts))
    for child, field, parent in BREAKDOWN_PARENTS:
        for p, parent_row in enumerate(report[parent]):
            children = [
                i for i, row in enumerate(report[child]) if row[field] == parent_row["key"]
            ]
            for column in PEOPLE_COUNTS:
                sums.append(((parent, p, column), [(child, i, column) for i in children]))
    return values, lines, sums


def _apply(rows: list[dict], table: str, marks: dict[Cell, str]) -> list[dict]:
    return [
        {
            **row,
            **{
                column: marks[table, i, column]
                for column in PEOPLE_COUNTS
                if (table, i, column) in marks
            },
        }
        for i, row in enumerate(rows)
    ]


def _breakdowns(report: dict) -> dict:
    """The summary and the breakdowns, suppressed together."""
    values, lines, sums = breakdown_cells(report)
    marks = linked_marks(values, lines=lines, sums=sums)
    published = {
        "summary": withhold_rates(_apply([report["summary"]], "summary", marks)[0], RATE_BASES)
    }
    for key in BREAKDOWN_KEYS:
        published[key] = [
            {**withhold_rates(row, RATE_BASES), **dict.fromkeys(BREAKDOWN_MONEY, HIDDEN)}
            for row in _apply(report[key], key, marks)
        ]
    return published


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
    published.update(_breakdowns(report))
    previous = published["previous"]
    previous["summary"] = withhold_rates(
        suppress_row(previous["summary"], PEOPLE_COUNTS), RATE_BASES
    )
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
    # The same count as the summary's no-shows: hidden when that is.
    no_shows = published["summary"]["no_shows"]
    if isinstance(no_shows, str):
        published["places_lost"] = {"no_shows": no_shows, "share_of_places": HIDDEN}
    published["published"] = True
    return published
