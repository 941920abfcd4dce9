"""python manage.py report: the JSON of DESIGN section 5, and the files."""

import io
import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from openpyxl import load_workbook
from pypdf import PdfReader

pytestmark = pytest.mark.django_db
PERIOD = ["--from", "2025-04-01", "--to", "2026-03-31"]


def test_json_has_the_contracts_shape(dataset, capsys):
    call_command("report", *PERIOD, "--format", "json")
    report = json.loads(capsys.readouterr().out)
    assert list(report) == [
        "period",
        "summary",
        "trainer_agencies",
        "outcomes",
        "experience",
        "by_programme",
        "by_course",
        "by_sector",
        "by_borough",
        "by_agency",
        "follow_up",
    ]
    assert report["period"] == {"from": "2025-04-01", "to": "2026-03-31"}
    assert set(report["summary"]) == {
        "sessions_delivered",
        "places_offered",
        "booked",
        "booking_rate_mean",
        "booking_rate_pooled",
        "attended",
        "walk_ins",
        "attendance_rate",
        "no_shows",
        "late_cancellations",
        "charges_raised_gbp",
        "charges_waived_gbp",
    }
    assert report["summary"]["charges_raised_gbp"] == "400.00"
    assert set(report["outcomes"][0]) == {
        "course",
        "position",
        "outcome",
        "n",
        "before_mean",
        "after_mean",
        "before_median",
        "after_median",
        "improved",
        "unchanged",
        "worse",
        "wilcoxon_p",
        "effect_size",
        "pre_n",
        "pre_mean",
    }
    assert set(report["experience"][0]) == {
        "course",
        "n",
        "mean",
        "good_or_excellent",
        "ci_low",
        "ci_high",
    }
    assert {"invited", "responded", "response_rate", "changed_practice"} <= set(
        report["follow_up"]
    )
    assert report["trainer_agencies"][0] == {
        "agency": "LSCB Trainer",
        "sessions": 2,
        "percent": 66.7,
    }


def test_files_are_written(dataset, tmp_path):
    for fmt in ("csv", "xlsx", "pdf"):
        out = tmp_path / f"report.{fmt}"
        call_command("report", *PERIOD, "--format", fmt, "--output", str(out), "--publish")
        assert out.stat().st_size > 0
    assert "Booked,8,<5" in (tmp_path / "report.csv").read_text()  # last year's 1 hidden
    book = load_workbook(tmp_path / "report.xlsx")
    assert "Headline figures" in book.sheetnames
    text = "\n".join(
        p.extract_text()
        for p in PdfReader(io.BytesIO((tmp_path / "report.pdf").read_bytes())).pages
    )
    assert "Headline figures" in text and "Sessions by trainer agency" in text


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--from", "2026-04-01", "--to", "2025-04-01"], "--to must be on or after --from"),
        (["--from", "1 April"], "is not a date"),
        (["--from", "2000-01-01", "--to", "2025-01-01"], "at most ten years"),
        (["--from", "9999-12-31", "--to", "9999-12-31"], "the year must be from 1990 to 2100"),
        (["--from", "0001-01-01", "--to", "0001-01-02"], "the year must be from 1990 to 2100"),
    ],
)
def test_bad_arguments_say_what_is_wrong(db, args, message):
    with pytest.raises(CommandError, match=message):
        call_command("report", *args)


def test_figures_are_rounded_half_up_as_a_person_would():
    from reports.report import _round

    assert _round(100 * 1 / 16, 1) == 6.3  # round() would give 6.2
    assert _round(1 / 16, 3) == 0.063
    assert _round(2 / 3, 3) == 0.667
    assert _round(None, 3) is None
