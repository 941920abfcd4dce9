"""Small numbers in published output: pure functions over the report's plain data.

The rule, the same for the page, CSV, XLSX and PDF when marked for publication:

- a count of people from 1 to 4 is shown as "<5" (primary suppression);
- a row or column of a table with just one hidden cell would let it be worked out from
  the total, so one more cell of that row or column is hidden too, shown as "[c]"
  (secondary suppression): the smallest other cell, preferring one that is not zero;
- the tables are suppressed together, not one by one, because their rows add up to one
  another: an organisation's counts add up to its sector's and its borough's, a course's
  to its programme's, every breakdown and the months to the summary, the organisations'
  follow-up to the follow-up; and the reach tables' last year is the period itself. A
  total made of one hidden part and shown parts would give the hidden one away, so a
  second part of it is hidden too; a hidden count that the totals still pin down, by
  combining them or by the ranges the marks allow (two "<5" making a shown 8 are two 4s),
  takes one more shown cell around it; until nothing changes. A count can still follow
  only where every count around it is hidden already: a hidden zero, or "<5"s whose
  ranges meet (a "<5" programme of four "<5" courses is four 1s);
- a rate or mean built on a hidden count is withheld ("[c]").

Counts of sessions and places are about the programme, not about people, and are shown.
"""

import copy
import math
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
    tables. The cells a total adds up to and the total are a line too; when a hidden cell
    is still pinned down, by combining sums or by the ranges its marks allow, one more
    shown cell of a sum around it is hidden. Repeated until nothing changes."""
    marks: dict[Cell, str] = {cell: SMALL for cell, value in values.items() if is_small(value)}
    order = {cell: number for number, cell in enumerate(values)}
    all_lines = [*lines, *([total, *parts] for total, parts in sums)]
    group = _linked_groups(values, sums)

    def hide_one_of(cells) -> Cell | None:
        """Hide the smallest shown cell, preferring one that is not zero."""
        candidates = [cell for cell in cells if cell not in marks and _is_count(values[cell])]
        if not candidates:
            return None
        chosen = min(candidates, key=lambda cell: (values[cell] == 0, values[cell], order[cell]))
        marks[chosen] = HIDDEN
        return chosen

    while True:
        changed = False
        for line in all_lines:
            if sum(1 for cell in line if cell in marks) == 1:
                changed |= hide_one_of(line) is not None
        if changed:
            continue
        pinned = {*_pinned_down(sums, marks), *_pinned_by_bounds(values, sums, marks)}
        # One a group of linked cells at a time (a column, as a rule): a cell hidden for
        # one may free others of its group.
        groups_done = set()
        for cell in sorted(pinned, key=order.__getitem__):
            if group[cell] not in groups_done and hide_one_of(_around(cell, sums, marks)):
                groups_done.add(group[cell])
        if not groups_done:
            return marks


def _linked_groups(values: dict, sums: Sequence[Sum]) -> dict[Cell, Cell]:
    """Each cell's group: the cells joined to it through sums, named by one of them."""
    parent = {cell: cell for cell in values}

    def root(cell):
        while parent[cell] != cell:
            parent[cell] = parent[parent[cell]]
            cell = parent[cell]
        return cell

    for total, parts in sums:
        for part in parts:
            parent[root(part)] = root(total)
    return {cell: root(cell) for cell in values}


PROPAGATION_ROUNDS = 50


class _Total:
    """A sum of numbers some of which may be infinite, less any one of them."""

    def __init__(self, numbers: list) -> None:
        self.finite = sum(n for n in numbers if not math.isinf(n))
        self.infinite = [n for n in numbers if math.isinf(n)]

    def without(self, number) -> float:
        rest = list(self.infinite)
        if math.isinf(number):
            rest.remove(number)
            return rest[0] if rest else self.finite
        return rest[0] if rest else self.finite - number


def _pinned_by_bounds(values: dict, sums: Sequence[Sum], marks: dict[Cell, str]) -> list[Cell]:
    """The hidden cells that the sums narrow to one value, knowing that "<5" is 1 to 4 and
    "[c]" is 0 or more: a shown 8 made of two "<5" is two 4s. Each sum narrows the range
    of each hidden cell in it given the others' ranges, round after round."""
    low = {cell: 1 if mark == SMALL else 0 for cell, mark in marks.items()}
    high = {
        cell: SMALLEST_SHOWN - 1 if mark == SMALL else math.inf for cell, mark in marks.items()
    }

    def bounds(cell) -> tuple:
        return (low[cell], high[cell]) if cell in marks else (values[cell], values[cell])

    equations = [
        [(total, -1), *((part, 1) for part in parts)]
        for total, parts in sums
        if any(cell in marks for cell in (total, *parts))
        and all(cell in marks or _is_count(values[cell]) for cell in (total, *parts))
    ]
    for _ in range(PROPAGATION_ROUNDS):
        narrowed = False
        for terms in equations:
            # sum(sign * cell) == 0: each hidden cell is minus the others' signed sum.
            lows = [sign * bounds(cell)[0 if sign > 0 else 1] for cell, sign in terms]
            highs = [sign * bounds(cell)[1 if sign > 0 else 0] for cell, sign in terms]
            least, most = _Total(lows), _Total(highs)
            for (cell, sign), own_low, own_high in zip(terms, lows, highs, strict=True):
                if cell not in marks:
                    continue
                # The others' signed sum lies in [least - own_low, most - own_high].
                others = (least.without(own_low), most.without(own_high))
                new = sorted((-others[0] * sign, -others[1] * sign))
                new_low, new_high = max(low[cell], new[0]), min(high[cell], new[1])
                if (new_low, new_high) != (low[cell], high[cell]):
                    low[cell], high[cell], narrowed = new_low, new_high, True
        if not narrowed:
            break
    return [cell for cell in marks if low[cell] == high[cell]]


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


FOLLOW_UP_COUNTS = (
    "invited",
    "responded",
    "managers_invited",
    "managers_responded",
    "managers_seen_change",
)
FOLLOW_UP_RATES = {"response_rate": ("invited", "responded"), "changed_practice": ("responded",)}
MONTH_COUNTS = ("booked", "attended")
AGENCY_FOLLOW_UP_COUNTS = ("invited", "responded")
REACH_PARTS = ("by_sector", "by_borough")


def _count_tables(report: dict) -> dict[str, tuple[list[dict], Sequence]]:
    """Every published table of people counts: its rows, and the fields holding them. The
    reach tables' rows are their lists of counts by year, keyed by the year's place."""
    reach = report["reach"]
    years = tuple(range(len(reach["years"])))
    return {
        "summary": ([report["summary"]], PEOPLE_COUNTS),
        "previous": ([report["previous"]["summary"]], PEOPLE_COUNTS),
        **{key: (report[key], PEOPLE_COUNTS) for key in BREAKDOWN_KEYS},
        "follow_up": ([report["follow_up"]], FOLLOW_UP_COUNTS),
        "follow_up_by_agency": (report["follow_up_by_agency"], AGENCY_FOLLOW_UP_COUNTS),
        "months": (report["months"], MONTH_COUNTS),
        **{
            f"reach_{part}": ([dict(enumerate(row["attended"])) for row in reach[part]], years)
            for part in REACH_PARTS
        },
    }


def _same_cells(report: dict) -> dict[Cell, Cell]:
    """Places where one count is published twice: the reach tables' last year is the
    period itself, so a sector's or borough's count there is its attended count."""
    same = {}
    last = len(report["reach"]["years"]) - 1
    for part in REACH_PARTS:
        rows = {row["key"]: i for i, row in enumerate(report[part])}
        for i, row in enumerate(report["reach"][part]):
            if last >= 0 and row["key"] in rows:
                same[f"reach_{part}", i, last] = (part, rows[row["key"]], "attended")
    return same


def published_cells(report: dict) -> tuple[dict[Cell, int], list[list[Cell]], list[Sum]]:
    """The report's people counts as one set of linked cells, named (table, row number,
    column): each table's rows and columns; the summary as the total of every breakdown
    and of the months; each parent row (a sector, a borough, a programme) as the total of
    its children; the follow-up as the total of its organisations; and each year's
    reach as the total of that year's summary."""
    same = _same_cells(report)
    tables = _count_tables(report)

    def cell(table: str, i: int, column) -> Cell:
        return same.get((table, i, column), (table, i, column))

    def column_of(table: str, column) -> list[Cell]:
        return [cell(table, i, column) for i in range(len(tables[table][0]))]

    values: dict[Cell, int] = {}
    lines: list[list[Cell]] = []
    for table, (rows, columns) in tables.items():
        for i, row in enumerate(rows):
            values.update({cell(table, i, column): row[column] for column in columns})
            lines.append([cell(table, i, column) for column in columns])
        lines += [column_of(table, column) for column in columns]
    sums: list[Sum] = []
    for column in PEOPLE_COUNTS:
        sums += [(("summary", 0, column), column_of(table, column)) for table in BREAKDOWN_KEYS]
    sums += [(("summary", 0, column), column_of("months", column)) for column in MONTH_COUNTS]
    sums += [
        (("follow_up", 0, column), column_of("follow_up_by_agency", column))
        for column in AGENCY_FOLLOW_UP_COUNTS
    ]
    for child, field, parent in BREAKDOWN_PARENTS:
        for p, parent_row in enumerate(report[parent]):
            children = [
                i for i, row in enumerate(report[child]) if row[field] == parent_row["key"]
            ]
            sums += [
                ((parent, p, column), [cell(child, i, column) for i in children])
                for column in PEOPLE_COUNTS
            ]
    years = len(report["reach"]["years"])
    for total, year in (("summary", years - 1), ("previous", years - 2)):
        if year >= 0:
            sums += [
                ((total, 0, "attended"), column_of(f"reach_{part}", year)) for part in REACH_PARTS
            ]
    return values, lines, sums


def _marked(rows: list[dict], columns: Sequence, table: str, marks: dict, same: dict) -> list:
    """The rows with their hidden counts replaced by their marks."""
    return [
        {
            **row,
            **{
                column: marks[cell]
                for column in columns
                if (cell := same.get((table, i, column), (table, i, column))) in marks
            },
        }
        for i, row in enumerate(rows)
    ]


def _suppressed(report: dict) -> dict:
    """Every table of people counts, suppressed together, its rates withheld with them."""
    values, lines, sums = published_cells(report)
    marks = linked_marks(values, lines=lines, sums=sums)
    same = _same_cells(report)
    tables = {
        table: _marked(rows, columns, table, marks, same)
        for table, (rows, columns) in _count_tables(report).items()
    }
    reach = {
        part: [
            {**row, "attended": [counts[year] for year in sorted(counts)]}
            for row, counts in zip(report["reach"][part], tables[f"reach_{part}"], strict=True)
        ]
        for part in REACH_PARTS
    }
    return {
        "summary": withhold_rates(tables["summary"][0], RATE_BASES),
        "previous": {
            **report["previous"],
            "summary": withhold_rates(tables["previous"][0], RATE_BASES),
        },
        **{
            key: [
                {**withhold_rates(row, RATE_BASES), **dict.fromkeys(BREAKDOWN_MONEY, HIDDEN)}
                for row in tables[key]
            ]
            for key in BREAKDOWN_KEYS
        },
        "follow_up": withhold_rates(tables["follow_up"][0], FOLLOW_UP_RATES),
        "follow_up_by_agency": [
            withhold_rates(row, {"response_rate": AGENCY_FOLLOW_UP_COUNTS})
            for row in tables["follow_up_by_agency"]
        ],
        "months": tables["months"],
        "reach": {**report["reach"], **reach},
    }


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


def report_publish(report: dict) -> dict:
    """The report as it may be published: same shape, small numbers hidden."""
    published = copy.deepcopy(report)
    published.update(_suppressed(report))
    published["outcomes"] = [_outcome(row) for row in report["outcomes"]]
    published["experience"] = [_experience(row) for row in report["experience"]]
    # The same count as the summary's no-shows: hidden when that is.
    no_shows = published["summary"]["no_shows"]
    if isinstance(no_shows, str):
        published["places_lost"] = {"no_shows": no_shows, "share_of_places": HIDDEN}
    published["published"] = True
    return published
