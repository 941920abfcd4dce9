"""Importing a history, then running the report: the figures of DESIGN section 5, worked
out by hand from tests/imports/history.py, and unchanged by importing it again."""

import io
import json

import pytest
from django.core.management import call_command
from scipy.stats import wilcoxon

from .history import write_history

pytestmark = pytest.mark.django_db


def report() -> dict:
    out = io.StringIO()
    call_command(
        "report", "--from", "2017-04-01", "--to", "2019-03-31", "--format", "json", stdout=out
    )
    return json.loads(out.getvalue())


def import_history(directory) -> None:
    call_command("import_history", str(directory), stdout=io.StringIO(), stderr=io.StringIO())


def test_the_report_of_an_imported_history_gives_the_figures_worked_out_by_hand(tmp_path):
    import_history(write_history(tmp_path))
    figures = report()
    summary = figures["summary"]

    # S1, S2 and S3 delivered; S4 cancelled. Capacities 20, 15 and 30.
    assert summary["sessions_delivered"] == 3
    assert summary["places_offered"] == 65
    # Booked before the start and not cancelled: Ann and Bob on S1 and S2, Ann on S3. Dan
    # came in off the street on S1; Cat cancelled both her places before they started.
    assert summary["booked"] == 5
    assert summary["booking_rate_mean"] == pytest.approx((2 / 20 + 2 / 15 + 1 / 30) / 3, abs=5e-4)
    assert summary["booking_rate_pooled"] == pytest.approx(5 / 65, abs=5e-4)
    # Ann (three times, once partly) and Dan the walk-in.
    assert summary["attended"] == 4
    assert summary["attendance_rate"] == pytest.approx((4 - 1) / 5, abs=5e-4)
    assert summary["no_shows"] == 2  # Bob: absent on S1, turned away on S2
    assert summary["late_cancellations"] == 1  # Cat, the day before S1
    # Imported sessions raise no charges.
    assert summary["charges_raised_gbp"] == "0.00"
    assert summary["charges_waived_gbp"] == "0.00"

    shares = {
        row["agency"]: (row["sessions"], row["percent"]) for row in figures["trainer_agencies"]
    }
    assert shares == {
        "Westminster Children's Services": (2, 66.7),
        "St Mary's Hospital": (1, 33.3),
    }

    outcomes = {(row["course"], row["position"]): row for row in figures["outcomes"]}
    # MASCP-L3, outcome 1: Ann 2 -> 4 on S1 and 3 -> 4 on S2; Dan left it unrated.
    first = outcomes[("MASCP-L3", 1)]
    assert (first["n"], first["before_mean"], first["after_mean"]) == (2, 2.5, 4.0)
    # Outcome 2: Ann 1 -> 3, Dan 2 -> 3, Ann 3 -> 3.
    second = outcomes[("MASCP-L3", 2)]
    assert second["n"] == 3
    assert second["before_mean"] == pytest.approx(2.0, abs=0.01)
    assert second["after_mean"] == 3.0
    assert second["improved"] == pytest.approx(2 / 3, abs=5e-4)
    assert second["unchanged"] == pytest.approx(1 / 3, abs=5e-4)
    expected_p = wilcoxon([1, 2, 3], [3, 3, 3], zero_method="pratt").pvalue
    assert second["wilcoxon_p"] == pytest.approx(expected_p, rel=1e-2)
    assert outcomes[("DV-1", 1)]["n"] == 1

    experience = {row["course"]: row for row in figures["experience"]}
    assert (experience["MASCP-L3"]["n"], experience["MASCP-L3"]["good_or_excellent"]) == (3, 1.0)
    assert experience["MASCP-L3"]["mean"] == pytest.approx(10 / 3, abs=0.01)
    assert (experience["DV-1"]["n"], experience["DV-1"]["mean"]) == (1, 4.0)
    assert figures["follow_up"]["invited"] == 0


def test_importing_the_history_twice_changes_no_figure(tmp_path):
    directory = write_history(tmp_path)
    import_history(directory)
    first = report()
    import_history(directory)
    assert report() == first
