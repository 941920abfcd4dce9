"""Every figure of DESIGN section 5 on the hand-computed dataset (conftest.build_dataset).

Working, for S1 (10 places), S2 (5 places, imported) and S3 (8 places, no bookings):

- booked: S1 b1 b2 b3 b4 b5 b10 = 6 (not the walk-ins b9 and b13, not b6 b7 b11 cancelled
  before the start, not the waiting b8, not b12 whose waiting place closed when they came
  as a walk-in); S2 c1, c3 = 2 (not the booking cancelled after the start: cancellations
  are excluded; not the one promoted after the start). 8 in all.
- booking rate: mean (6/10 + 2/5 + 0/8) / 3 = 0.333; pooled 8 / 23 = 0.348.
- attended: S1 b1 b2 (partial) b5 b9 b10 b13, S2 c1 = 7, of whom 2 walk-ins;
  attendance (7 - 2) / 8 = 0.625.
- no-shows: b3 (absent), b4 (turned away), c3 = 3. Late cancellations: b6, b11 = 2.
- charges raised: 80 (b3) + 80 (b4, waived by a coordinator) + 100 (b5) + 100 (b11) + 40
  (c3) = 400.00; b6's charge was withdrawn as not owed, so it is in neither total, and the
  charge on the cancelled session S4 is not counted. Waived: 80.00.
"""

import numpy as np
import pytest
from scipy import stats

from reports.periods import Filters
from reports.report import headline_figures, report_build
from reports.statistics import rank_biserial

pytestmark = pytest.mark.django_db

SUMMARY = {
    "sessions_delivered": 3,
    "places_offered": 23,
    "booked": 8,
    "booking_rate_mean": 0.333,
    "booking_rate_pooled": 0.348,
    "attended": 7,
    "walk_ins": 2,
    "attendance_rate": 0.625,
    "no_shows": 3,
    "late_cancellations": 2,
    "charges_raised_gbp": "400.00",
    "charges_waived_gbp": "80.00",
}


def by_key(rows):
    return {row["key"]: row for row in rows}


def test_the_headline_figures(dataset):
    report = report_build(period=dataset.period)
    assert report["period"] == {"from": "2025-04-01", "to": "2026-03-31"}
    assert report["summary"] == SUMMARY


def test_last_years_figures_beside_them(dataset):
    previous = report_build(period=dataset.period)["previous"]
    assert previous["period"] == {"from": "2024-04-01", "to": "2025-03-31"}
    assert previous["summary"]["sessions_delivered"] == 1
    assert previous["summary"]["places_offered"] == 4
    assert previous["summary"]["booked"] == 1
    assert previous["summary"]["booking_rate_mean"] == 0.25
    assert previous["summary"]["attendance_rate"] == 1.0


def test_trainer_agencies_and_their_table(dataset):
    report = report_build(period=dataset.period)
    assert report["trainer_agencies"] == [
        {"agency": "LSCB Trainer", "sessions": 2, "percent": 66.7},
        {"agency": "CLCH", "sessions": 1, "percent": 33.3},
    ]
    table = report["trainer_agency_table"]
    assert table["agencies"] == ["LSCB Trainer", "CLCH"]
    assert [
        (row["course"], row["programme"], row["sessions"], row["total"]) for row in table["rows"]
    ] == [
        ("MASCP-L3", "core", [1, 1], 2),
        ("DV-SPEC", "specialist", [1, 0], 1),
    ]
    assert table["totals"] == [2, 1]
    assert table["total"] == 3
    assert table["percents"] == [66.7, 33.3]


def test_by_programme_and_course(dataset):
    report = report_build(period=dataset.period)
    core = {**SUMMARY, "sessions_delivered": 2, "places_offered": 15}
    core.update(booking_rate_mean=0.5, booking_rate_pooled=0.533)
    assert {k: by_key(report["by_programme"])["core"][k] for k in SUMMARY} == core
    assert {k: by_key(report["by_course"])["MASCP-L3"][k] for k in SUMMARY} == core
    # A session with no bookings: nothing booked, a rate of 0, attendance undefined.
    empty = by_key(report["by_course"])["DV-SPEC"]
    assert empty["places_offered"] == 8
    assert empty["booked"] == 0
    assert empty["booking_rate_mean"] == 0.0
    assert empty["attendance_rate"] is None
    assert by_key(report["by_programme"])["specialist"]["sessions_delivered"] == 1


def figures(row):
    return tuple(
        row[k]
        for k in (
            "booked",
            "attended",
            "walk_ins",
            "no_shows",
            "late_cancellations",
            "attendance_rate",
            "charges_raised_gbp",
            "charges_waived_gbp",
        )
    )


def test_by_agency_sector_and_borough(dataset):
    report = report_build(period=dataset.period)
    agencies = by_key(report["by_agency"])
    assert figures(agencies["Metropolitan Police"]) == (4, 4, 1, 1, 0, 0.75, "40.00", "0.00")
    assert figures(agencies["St Mary's Hospital"]) == (3, 2, 1, 2, 1, 0.333, "160.00", "80.00")
    assert figures(agencies["Bright Start Nursery"]) == (1, 1, 0, 0, 1, 1.0, "200.00", "0.00")
    sectors = by_key(report["by_sector"])
    assert figures(sectors["police"]) == figures(agencies["Metropolitan Police"])
    assert figures(sectors["early_years"]) == figures(agencies["Bright Start Nursery"])
    boroughs = by_key(report["by_borough"])
    assert figures(boroughs["Westminster"]) == (7, 6, 2, 3, 1, 0.571, "200.00", "80.00")
    # Places are not delegates': no booking rate for a sector.
    assert sectors["police"]["booking_rate_mean"] is None


def test_reach_over_the_years_and_by_month(dataset):
    report = report_build(period=dataset.period)
    reach = report["reach"]
    assert reach["years"] == ["2022-23", "2023-24", "2024-25", "2025-26"]
    assert by_key(reach["by_sector"])["police"]["attended"] == [0, 0, 1, 4]
    assert by_key(reach["by_sector"])["health"]["attended"] == [0, 0, 0, 2]
    assert by_key(reach["by_borough"])["Westminster"]["attended"] == [0, 0, 1, 6]
    assert report["months"] == [
        {"month": "2025-06", "booked": 6, "attended": 6},
        {"month": "2025-09", "booked": 2, "attended": 1},
    ]
    assert report["places_lost"] == {"no_shows": 3, "share_of_places": 0.13}


def raw_pairs():
    """The end-of-session pairs as given, outcome by outcome (the draft left out)."""
    return {
        1: [(2, 3), (2, 2), (3, 2), (1, 4), (2, 4)],
        2: [(1, 3), (2, 4), (2, 3), (3, 3)],  # b5 gave no "before" for outcome 2
    }


def test_outcomes_against_scipy_on_the_raw_pairs(dataset):
    outcomes = {
        (row["course"], row["position"]): row
        for row in report_build(period=dataset.period)["outcomes"]
    }
    first = outcomes["MASCP-L3", 1]
    assert (first["n"], first["before_mean"], first["after_mean"]) == (5, 2.0, 3.0)
    assert (first["before_median"], first["after_median"]) == (2, 3)
    assert (first["improved"], first["unchanged"], first["worse"]) == (0.6, 0.2, 0.2)
    # Ranks of |d| for d = 1, -1, 3, 2: 1.5, 1.5, 4, 3; (8.5 - 1.5) / 10.
    assert first["effect_size"] == 0.7
    assert (first["pre_n"], first["pre_mean"]) == (2, 1.5)
    second = outcomes["MASCP-L3", 2]
    assert (second["n"], second["before_mean"], second["after_mean"]) == (4, 2.0, 3.25)
    assert (second["improved"], second["unchanged"], second["worse"]) == (0.75, 0.25, 0.0)
    assert second["effect_size"] == 1.0
    assert (second["pre_n"], second["pre_mean"]) == (0, None)
    for position, pairs in raw_pairs().items():
        before, after = (np.array(side, dtype=float) for side in zip(*pairs, strict=True))
        expected = stats.wilcoxon(after, before, zero_method="pratt").pvalue
        assert outcomes["MASCP-L3", position]["wilcoxon_p"] == pytest.approx(expected, rel=1e-3)
        assert outcomes["MASCP-L3", position]["effect_size"] == pytest.approx(
            rank_biserial(before, after), abs=1e-3
        )
    # A course without evaluations is listed, empty.
    assert outcomes["DV-SPEC", 1]["n"] == 0
    assert outcomes["DV-SPEC", 1]["wilcoxon_p"] is None


def test_experience_with_its_wilson_interval(dataset):
    experience = {row["course"]: row for row in report_build(period=dataset.period)["experience"]}
    # Ratings 4, 3, 2, 4, 1 (the draft's 4 left out): 3 of 5 Good or Excellent.
    assert experience["MASCP-L3"] == {
        "course": "MASCP-L3",
        "n": 5,
        "mean": 2.8,
        "good_or_excellent": 0.6,
        "ci_low": 0.231,
        "ci_high": 0.882,
    }
    assert experience["DV-SPEC"]["n"] == 0
    assert experience["DV-SPEC"]["good_or_excellent"] is None


def test_follow_up_and_managers_apart(dataset):
    report = report_build(period=dataset.period)
    assert report["follow_up"] == {
        "invited": 4,
        "responded": 3,
        "response_rate": 0.75,
        "changed_practice": 0.667,
        "managers_invited": 2,
        "managers_responded": 1,
        "managers_seen_change": 1,
    }
    rates = {
        row["key"]: (row["invited"], row["responded"], row["response_rate"])
        for row in report["follow_up_by_agency"]
    }
    assert rates == {
        "Metropolitan Police": (2, 2, 1.0),
        "St Mary's Hospital": (1, 1, 1.0),
        "Bright Start Nursery": (1, 0, 0.0),
    }


def test_session_filters(dataset):
    summary = headline_figures(
        period=dataset.period, filters=Filters(delivering_agency_id=dataset.clch.pk)
    )
    assert (summary["sessions_delivered"], summary["places_offered"], summary["booked"]) == (
        1,
        5,
        2,
    )
    assert summary["booking_rate_mean"] == 0.4
    specialist = headline_figures(period=dataset.period, filters=Filters(programme="specialist"))
    assert (specialist["sessions_delivered"], specialist["booked"]) == (1, 0)


def test_delegate_filters_withhold_the_booking_rates(dataset):
    report = report_build(period=dataset.period, filters=Filters(sector="health"))
    summary = report["summary"]
    assert (summary["booked"], summary["attended"], summary["no_shows"]) == (3, 2, 2)
    assert summary["booking_rate_mean"] is None
    assert summary["booking_rate_pooled"] is None
    assert [row["key"] for row in report["by_agency"]] == ["St Mary's Hospital"]
    # The evaluations narrow too: only c1 was from the hospital.
    first = next(row for row in report["outcomes"] if row["course"] == "MASCP-L3")
    assert first["n"] == 1


def test_empty_period_gives_zeros_and_nulls(db):
    from reports.periods import financial_year

    report = report_build(period=financial_year(2030))
    assert report["summary"]["sessions_delivered"] == 0
    assert report["summary"]["booking_rate_mean"] is None
    assert report["summary"]["attendance_rate"] is None
    assert report["follow_up"]["response_rate"] is None
    assert report["outcomes"] == []
