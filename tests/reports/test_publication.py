"""Small numbers: primary and secondary suppression, the same rule in every output."""

import json

import pytest
from django.core.management import call_command

from reports.publication import HIDDEN, SMALL, report_publish, suppress_row, suppression_marks
from reports.report import report_build


def hidden_per_line(marks):
    rows = [sum(1 for mark in row if mark) for row in marks]
    columns = [sum(1 for row in marks if row[j]) for j in range(len(marks[0]))]
    return rows, columns


def test_a_three_is_hidden_with_one_more_cell_of_its_row_and_column():
    matrix = [[3, 10, 12], [20, 7, 9], [15, 30, 6]]
    marks = suppression_marks(matrix)
    assert marks[0][0] == SMALL
    assert marks[0][1] == HIDDEN  # the smallest other cell of its row
    assert marks[2][0] == HIDDEN  # the smallest other cell of its column
    rows, columns = hidden_per_line(marks)
    # No row or column is left with a single hidden cell, which its total would give away.
    assert all(count != 1 for count in rows + columns)


def test_a_summary_with_one_small_count_hides_another():
    row = {"booked": 40, "attended": 30, "walk_ins": 2, "no_shows": 10, "late_cancellations": 6}
    published = suppress_row(row, list(row))
    assert published == {
        "booked": 40,
        "attended": 30,
        "walk_ins": SMALL,
        "no_shows": 10,
        "late_cancellations": HIDDEN,
    }


def test_nothing_small_hides_nothing():
    assert suppression_marks([[5, 10], [0, 7]]) == [[None, None], [None, None]]


def test_zeros_are_shown_and_a_zero_is_hidden_only_when_nothing_else_is_left():
    marks = suppression_marks([[2, 0], [9, 8]])
    assert marks[0] == [SMALL, HIDDEN]  # only a zero was left in the row
    assert marks[1][0] == HIDDEN and marks[1][1] == HIDDEN


@pytest.mark.django_db
def test_published_tables_hide_small_counts_and_unpublished_shows_them(dataset):
    report = report_build(period=dataset.period)
    sectors = {row["key"]: row for row in report["by_sector"]}
    assert sectors["health"]["booked"] == 3

    published = report_publish(report)
    # The summary: walk-ins (2) and no-shows (3) hidden, no other count needed with two.
    summary = published["summary"]
    assert (summary["walk_ins"], summary["no_shows"], summary["booked"]) == (SMALL, SMALL, 8)
    assert summary["attendance_rate"] == HIDDEN
    # Last year's: one delegate, booked and attended.
    previous = published["previous"]["summary"]
    assert (previous["booked"], previous["attended"], previous["walk_ins"]) == (SMALL, SMALL, 0)
    assert previous["sessions_delivered"] == 1  # sessions are not people
    table = published["by_sector"]
    health = next(row for row in table if row["key"] == "health")
    assert health["booked"] == SMALL
    assert health["attendance_rate"] == HIDDEN  # built on a hidden count
    assert health["charges_raised_gbp"] == HIDDEN  # money in a breakdown is a few people's
    columns = ("booked", "attended", "walk_ins", "no_shows", "late_cancellations")
    marks = [[isinstance(row[c], str) for c in columns] for row in table]
    # booked's column: the 3, and one more hidden.
    assert sum(row[0] for row in marks) >= 2
    assert all(sum(row) != 1 for row in marks)
    assert all(sum(column) != 1 for column in zip(*marks, strict=True))
    # Sessions are about the programme, not people.
    assert published["trainer_agencies"] == report["trainer_agencies"]
    # Outcomes on fewer than 5 pairs are withheld whole.
    second = next(row for row in published["outcomes"] if row["position"] == 2)
    assert second["n"] == SMALL
    assert second["before_mean"] == HIDDEN and second["wilcoxon_p"] == HIDDEN
    first = next(row for row in published["outcomes"] if row["course"] == "MASCP-L3")
    assert first["n"] == 5 and first["before_mean"] == 2.0
    assert published["follow_up"]["invited"] == SMALL
    assert published["follow_up"]["response_rate"] == HIDDEN
    # The reach over the years, the same rule.
    police = next(row for row in published["reach"]["by_sector"] if row["key"] == "police")
    assert police["attended"][2] == SMALL


@pytest.mark.django_db
def test_the_command_json_shows_the_3_unless_published(dataset, capsys):
    call_command("report", "--from", "2025-04-01", "--to", "2026-03-31")
    plain = json.loads(capsys.readouterr().out)
    health = next(row for row in plain["by_sector"] if row["key"] == "health")
    assert health["booked"] == 3
    call_command("report", "--from", "2025-04-01", "--to", "2026-03-31", "--publish")
    published = json.loads(capsys.readouterr().out)
    health = next(row for row in published["by_sector"] if row["key"] == "health")
    assert health["booked"] == SMALL
