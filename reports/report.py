"""The whole report as plain data: DESIGN section 5's JSON, and what the page adds to it.

``report_build`` runs a fixed number of grouped queries (``figures`` and ``evaluation``)
whatever the size of the data, and combines their rows here. The combining adds up rows
that are already grouped by course or organisation; it never sees a booking or a rating.
"""

from collections import defaultdict
from collections.abc import Iterable
from contextlib import contextmanager
from decimal import ROUND_HALF_UP, Decimal

from django.db import connection, transaction
from django.utils import timezone

from accounts.models import Sector
from evaluations import keys
from evaluations.models import SurveyKind
from training.models import Programme

from . import evaluation, figures
from .figures import BookingCounts, counts_of, pence_as_pounds
from .periods import Filters, Period
from .statistics import experience_summary, paired_summary, share

REACH_YEARS = 4  # the period and the three before it
RATE_DIGITS = 3
MEAN_DIGITS = 2

# The headline figures in the order the page, the exports and the PDF show them.
FIGURE_LABELS = {
    "sessions_delivered": "Sessions delivered",
    "places_offered": "Places offered",
    "booked": "Booked",
    "booking_rate_mean": "Average booking rate",
    "booking_rate_pooled": "Share of all places booked",
    "attended": "Attended",
    "walk_ins": "Walk-ins",
    "attendance_rate": "Attendance rate",
    "no_shows": "No-shows",
    "late_cancellations": "Late cancellations",
    "charges_raised_gbp": "Charges raised (£)",
    "charges_waived_gbp": "Charges waived (£)",
}


def _round(value: float | None, digits: int) -> float | None:
    """Rounded half up, as a person rounds (Python's round() goes half to even)."""
    if value is None:
        return None
    places = Decimal(1).scaleb(-digits)
    return float(Decimal(repr(value)).quantize(places, rounding=ROUND_HALF_UP))


def _significant(value: float | None) -> float | None:
    return None if value is None else float(f"{value:.4g}")


def _summary(*, sessions: dict | None, counts: BookingCounts, booking_rates_shown: bool) -> dict:
    """The headline figures for one set of sessions and bookings. ``sessions`` holds the
    sessions, places and summed booking rates, or is None for a breakdown by who came
    (a sector has no sessions of its own)."""
    shown = sessions is not None and booking_rates_shown
    return {
        "sessions_delivered": sessions["sessions"] if sessions else None,
        "places_offered": sessions["places"] if sessions else None,
        "booked": counts.booked,
        "booking_rate_mean": _round(
            share(sessions["rate_sum"], sessions["sessions"]) if shown else None, RATE_DIGITS
        ),
        "booking_rate_pooled": _round(
            share(counts.booked, sessions["places"]) if shown else None, RATE_DIGITS
        ),
        "attended": counts.attended,
        "walk_ins": counts.walk_ins,
        "attendance_rate": _round(
            share(counts.attended - counts.walk_ins, counts.booked), RATE_DIGITS
        ),
        "no_shows": counts.no_shows,
        "late_cancellations": counts.late_cancellations,
        "charges_raised_gbp": pence_as_pounds(counts.raised_pence),
        "charges_waived_gbp": pence_as_pounds(counts.waived_pence),
    }


def _add_sessions(rows: Iterable[dict]) -> dict:
    total = {"sessions": 0, "places": 0, "rate_sum": 0.0}
    for row in rows:
        total["sessions"] += row["sessions"]
        total["places"] += row["places"] or 0
        total["rate_sum"] += row["rate_sum"] or 0.0
    return total


def _add_counts(rows: Iterable[BookingCounts]) -> BookingCounts:
    total = BookingCounts()
    for counts in rows:
        total = total + counts
    return total


def _headline(period: Period, filters: Filters) -> tuple[dict, list[dict], dict[int, dict]]:
    session_rows = figures.session_rows(period=period, filters=filters)
    course_counts = {
        row["session__course_id"]: counts_of(row)
        for row in figures.booking_rows_by_course(period=period, filters=filters)
    }
    summary = _summary(
        sessions=_add_sessions(session_rows),
        counts=_add_counts(course_counts.values()),
        booking_rates_shown=not filters.narrows_delegates,
    )
    return summary, session_rows, course_counts


@contextmanager
def _short_queries():
    """One transaction for the report's queries, with PostgreSQL's JIT compiler off in it:
    compiling takes 300 ms for a query that runs in 30 ms, because the planner's cost
    estimate for the per-session subquery is high. One query more, on PostgreSQL only."""
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL jit = off")
        yield


def headline_figures(*, period: Period, filters: Filters | None = None) -> dict:
    """Only the summary: two queries."""
    with _short_queries():
        return _headline(period, filters or Filters())[0]


def _by_course(session_rows, course_counts, rates_shown) -> tuple[list[dict], list[dict]]:
    courses: dict[int, list[dict]] = defaultdict(list)
    for row in session_rows:
        courses[row["course_id"]].append(row)
    by_course, by_programme = [], []
    programmes: dict[str, list[int]] = defaultdict(list)
    for course_id, rows in sorted(courses.items(), key=lambda item: item[1][0]["course__code"]):
        first = rows[0]
        programmes[first["course__programme"]].append(course_id)
        by_course.append(
            {
                "key": first["course__code"],
                "label": first["course__title"],
                "programme": first["course__programme"],
                **_summary(
                    sessions=_add_sessions(rows),
                    counts=course_counts.get(course_id, BookingCounts()),
                    booking_rates_shown=rates_shown,
                ),
            }
        )
    for programme in Programme:
        if programme.value not in programmes:
            continue
        ids = programmes[programme.value]
        by_programme.append(
            {
                "key": programme.value,
                "label": programme.label,
                **_summary(
                    sessions=_add_sessions(r for i in ids for r in courses[i]),
                    counts=_add_counts(course_counts.get(i, BookingCounts()) for i in ids),
                    booking_rates_shown=rates_shown,
                ),
            }
        )
    return by_programme, by_course


def _by_who(agency_rows: list[dict]) -> tuple[list[dict], list[dict], list[dict]]:
    sector_labels = dict(Sector.choices)
    by_agency = [
        {
            "key": row["agency__name"],
            "label": row["agency__name"],
            "sector": row["agency__sector"],
            "borough": row["agency__borough__name"],
            **_summary(sessions=None, counts=counts_of(row), booking_rates_shown=False),
        }
        for row in sorted(agency_rows, key=lambda row: row["agency__name"].lower())
    ]
    sectors: dict[str, BookingCounts] = defaultdict(BookingCounts)
    boroughs: dict[str, BookingCounts] = defaultdict(BookingCounts)
    for row in agency_rows:
        sectors[row["agency__sector"]] += counts_of(row)
        boroughs[row["agency__borough__name"]] += counts_of(row)
    by_sector = [
        {
            "key": code,
            "label": sector_labels.get(code, code),
            **_summary(sessions=None, counts=counts, booking_rates_shown=False),
        }
        for code, counts in sorted(sectors.items())
    ]
    by_borough = [
        {
            "key": name,
            "label": name,
            **_summary(sessions=None, counts=counts, booking_rates_shown=False),
        }
        for name, counts in sorted(boroughs.items())
    ]
    return by_sector, by_borough, by_agency


def _trainer_agencies(session_rows: list[dict]) -> tuple[list[dict], dict]:
    """The share of sessions each delivering agency gave, and the annual report's table:
    one row a course, one column a delivering agency, totals and percentages."""
    agency_sessions: dict[str, int] = defaultdict(int)
    for row in session_rows:
        agency_sessions[row["delivering_agency__name"]] += row["sessions"]
    total = sum(agency_sessions.values())
    agencies = sorted(agency_sessions, key=lambda name: (-agency_sessions[name], name))
    trainer_agencies = [
        {
            "agency": name,
            "sessions": agency_sessions[name],
            "percent": _round(100 * agency_sessions[name] / total, 1),
        }
        for name in agencies
    ]
    cells: dict[tuple[str, str], int] = defaultdict(int)
    courses: dict[str, dict] = {}
    for row in session_rows:
        cells[row["course__code"], row["delivering_agency__name"]] += row["sessions"]
        courses[row["course__code"]] = {
            "course": row["course__code"],
            "title": row["course__title"],
            "programme": row["course__programme"],
        }
    programme_order = [p.value for p in Programme]
    rows = [
        {
            **course,
            "sessions": [cells.get((code, name), 0) for name in agencies],
            "total": sum(cells.get((code, name), 0) for name in agencies),
        }
        for code, course in sorted(
            courses.items(),
            key=lambda item: (programme_order.index(item[1]["programme"]), item[0]),
        )
    ]
    table = {
        "agencies": agencies,
        "rows": rows,
        "totals": [agency_sessions[name] for name in agencies],
        "total": total,
        "percents": [item["percent"] for item in trainer_agencies],
    }
    return trainer_agencies, table


def _outcomes(period: Period, filters: Filters) -> list[dict]:
    pairs: dict[int, dict[tuple[int, int], int]] = defaultdict(dict)
    for row in evaluation.outcome_pair_counts(period=period, filters=filters):
        pairs[row["outcome_id"]][row["before"], row["after"]] = row["n"]
    pre = {
        row["outcome_id"]: row
        for row in evaluation.pre_rating_counts(period=period, filters=filters)
    }
    results = []
    rated = pairs.keys() | pre.keys()
    for outcome in evaluation.outcome_list(period=period, filters=filters, rated=rated):
        summary = paired_summary(pairs.get(outcome["pk"], {}))
        pre_row = pre.get(outcome["pk"])
        results.append(
            {
                "course": outcome["course__code"],
                "position": outcome["position"],
                "outcome": outcome["text"],
                "n": summary.n,
                "before_mean": _round(summary.before_mean, MEAN_DIGITS),
                "after_mean": _round(summary.after_mean, MEAN_DIGITS),
                "before_median": summary.before_median,
                "after_median": summary.after_median,
                "improved": _round(summary.improved, RATE_DIGITS),
                "unchanged": _round(summary.unchanged, RATE_DIGITS),
                "worse": _round(summary.worse, RATE_DIGITS),
                "wilcoxon_p": _significant(summary.wilcoxon_p),
                "effect_size": _round(summary.effect_size, RATE_DIGITS),
                "pre_n": pre_row["n"] if pre_row else 0,
                "pre_mean": _round(pre_row["total"] / pre_row["n"], MEAN_DIGITS)
                if pre_row
                else None,
            }
        )
    return results


def _experience(period: Period, filters: Filters, by_course: list[dict], course_ids) -> list[dict]:
    counts: dict[int, dict[int, int]] = defaultdict(dict)
    questions = evaluation.question_ids(keys.EXPERIENCE)
    for row in evaluation.experience_counts(period=period, filters=filters, questions=questions):
        counts[row["response__invitation__booking__session__course_id"]][row["rating"]] = row["n"]
    results = []
    for course in by_course:
        summary = experience_summary(counts.get(course_ids[course["key"]], {}))
        results.append(
            {
                "course": course["key"],
                "n": summary.n,
                "mean": _round(summary.mean, MEAN_DIGITS),
                "good_or_excellent": _round(summary.good_or_excellent, RATE_DIGITS),
                "ci_low": _round(summary.ci_low, RATE_DIGITS),
                "ci_high": _round(summary.ci_high, RATE_DIGITS),
            }
        )
    return results


def _follow_up(period: Period, filters: Filters) -> tuple[dict, list[dict]]:
    kinds = {
        row["kind"]: row for row in evaluation.follow_up_counts(period=period, filters=filters)
    }
    empty = {"invited": 0, "responded": 0, "changed": 0}
    delegates = kinds.get(SurveyKind.FOLLOW_UP, empty)
    managers = kinds.get(SurveyKind.MANAGER, empty)
    follow_up = {
        "invited": delegates["invited"],
        "responded": delegates["responded"],
        "response_rate": _round(share(delegates["responded"], delegates["invited"]), RATE_DIGITS),
        "changed_practice": _round(
            share(delegates["changed"], delegates["responded"]), RATE_DIGITS
        ),
        "managers_invited": managers["invited"],
        "managers_responded": managers["responded"],
        "managers_seen_change": managers["changed"],
    }
    by_agency = [
        {
            "key": row["booking__agency__name"],
            "label": row["booking__agency__name"],
            "invited": row["invited"],
            "responded": row["responded"],
            "response_rate": _round(share(row["responded"], row["invited"]), RATE_DIGITS),
        }
        for row in sorted(
            evaluation.follow_up_counts_by_agency(period=period, filters=filters),
            key=lambda row: row["booking__agency__name"].lower(),
        )
    ]
    return follow_up, by_agency


def _reach(period: Period, filters: Filters) -> dict:
    periods = [period]
    for _ in range(REACH_YEARS - 1):
        periods.insert(0, periods[0].previous_year())
    sector_labels = dict(Sector.choices)
    sectors: dict[str, list[int]] = defaultdict(lambda: [0] * len(periods))
    boroughs: dict[str, list[int]] = defaultdict(lambda: [0] * len(periods))
    for row in figures.reach_rows(periods=periods, filters=filters):
        sectors[row["agency__sector"]][row["year"]] += row["attended"]
        boroughs[row["agency__borough__name"]][row["year"]] += row["attended"]
    return {
        "years": [p.label() for p in periods],
        "by_sector": [
            {"key": code, "label": sector_labels.get(code, code), "attended": counts}
            for code, counts in sorted(
                sectors.items(), key=lambda item: sector_labels.get(item[0], item[0])
            )
        ],
        "by_borough": [
            {"key": name, "label": name, "attended": counts}
            for name, counts in sorted(boroughs.items())
        ],
    }


def report_build(*, period: Period, filters: Filters | None = None) -> dict:
    """The report of DESIGN section 5 for a period, unsuppressed, with the page's extras:
    last year's headline figures, the trainer-agency table, reach over the years, the
    months, and the follow-up response rate by organisation."""
    with _short_queries():
        return _report(period, filters or Filters())


def _report(period: Period, filters: Filters) -> dict:
    rates_shown = not filters.narrows_delegates
    summary, session_rows, course_counts = _headline(period, filters)
    by_programme, by_course = _by_course(session_rows, course_counts, rates_shown)
    course_ids = {row["course__code"]: row["course_id"] for row in session_rows}
    by_sector, by_borough, by_agency = _by_who(
        figures.booking_rows_by_agency(period=period, filters=filters)
    )
    trainer_agencies, trainer_table = _trainer_agencies(session_rows)
    follow_up, follow_up_by_agency = _follow_up(period, filters)
    previous = period.previous_year()
    return {
        "period": period.as_json(),
        "filters": filters.as_dict(),
        "summary": summary,
        "trainer_agencies": trainer_agencies,
        "outcomes": _outcomes(period, filters),
        "experience": _experience(period, filters, by_course, course_ids),
        "by_programme": by_programme,
        "by_course": by_course,
        "by_sector": by_sector,
        "by_borough": by_borough,
        "by_agency": by_agency,
        "follow_up": follow_up,
        "follow_up_by_agency": follow_up_by_agency,
        "previous": {
            "period": previous.as_json(),
            "summary": _headline(previous, filters)[0],
        },
        "trainer_agency_table": trainer_table,
        "reach": _reach(period, filters),
        "places_lost": {
            "no_shows": summary["no_shows"],
            "share_of_places": _round(
                share(summary["no_shows"], summary["places_offered"]), RATE_DIGITS
            ),
        },
        "months": [
            {
                "month": row["month"].date().isoformat()[:7],
                "booked": row["booked"],
                "attended": row["attended"],
            }
            for row in figures.monthly_rows(period=period, filters=filters)
        ],
        "made_at": timezone.now().isoformat(timespec="seconds"),
        "published": False,
    }
