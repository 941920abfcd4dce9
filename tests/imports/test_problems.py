"""Each kind of bad row: its exact message, with file and line, and nothing written."""

import io

import pytest
from django.core.management import CommandError, call_command

from accounts.models import Agency, Borough, User
from audit.models import AuditEntry
from evaluations.models import SurveyInvitation
from imports.errors import HistoryProblems
from imports.services.history import history_import
from training.models import Booking, Course, Session

from .history import (
    AGENCIES,
    BOOKINGS,
    COURSES,
    EVALUATIONS,
    HISTORY,
    SESSIONS,
    with_line,
    write_history,
)

pytestmark = pytest.mark.django_db


def problems_of(tmp_path, **files) -> list[str]:
    """Every problem the import reports for the history with these files replaced."""
    changed = {
        name.replace("_", ".", 1) if "." not in name else name: v for name, v in files.items()
    }
    directory = write_history(tmp_path, {**HISTORY, **changed})
    with pytest.raises(HistoryProblems) as raised:
        history_import(directory=directory)
    assert_nothing_written()
    return [str(problem) for problem in raised.value.problems]


def assert_nothing_written():
    for model in (Borough, Agency, User, Course, Session, Booking, SurveyInvitation, AuditEntry):
        assert model.objects.count() == 0, model


CASES = {
    "unknown course": (
        {"sessions.csv": SESSIONS.replace("MASCP-L3,12/03/2018", "MASCP-L4,12/03/2018")},
        ["sessions.csv:3: course_code: unknown course 'MASCP-L4': did you mean 'MASCP-L3'?"],
    ),
    "unknown agency": (
        {
            "bookings.csv": with_line(
                BOOKINGS,
                3,
                "S1,bob@example.org,Bob Jones,St Marys Hospital,2017-04-02T10:00,confirmed,,"
                "absent",
            )
        },
        [
            "bookings.csv:3: agency: unknown organisation 'St Marys Hospital': "
            "did you mean 'St Mary's Hospital'?"
        ],
    ),
    "unknown session reference": (
        {
            "evaluations.csv": with_line(
                EVALUATIONS, 3, "S7,dan@example.org,2017-05-11T09:00,3,|2:3,"
            )
        },
        ["evaluations.csv:3: session_ref: unknown session 'S7'"],
    ),
    "rating outside 1-4": (
        {
            "evaluations.csv": with_line(
                EVALUATIONS, 2, "S1,ann.smith@example.org,2017-05-10T17:00,0,2:5|1:3,Very useful"
            )
        },
        [
            "evaluations.csv:2: experience: rating '0' is outside 1-4 (Poor 1 to Excellent 4)",
            "evaluations.csv:2: outcome_ratings: outcome 1: rating '5' is outside 1-4 "
            "(Poor 1 to Excellent 4)",
        ],
    ),
    "end before start": (
        {"sessions.csv": SESSIONS.replace("2017-05-10T16:00", "2017-05-10T08:00")},
        [
            "sessions.csv:2: end: the session ends (2017-05-10T08:00) before it starts "
            "(2017-05-10T09:30)"
        ],
    ),
    "malformed date": (
        {
            "bookings.csv": BOOKINGS.replace("2017-04-02T10:00", "2017-13-02 10:00").replace(
                "01/03/2018 12:00", "31/02/2018 12:00"
            )
        },
        [
            "bookings.csv:3: booked_at: '2017-13-02 10:00' is not a date and time: use "
            "2018-03-31T09:30 or 31/03/2018 09:30",
            "bookings.csv:6: booked_at: '31/02/2018 12:00' is not a date and time: use "
            "2018-03-31T09:30 or 31/03/2018 09:30",
        ],
    ),
    "a London time the clocks skipped": (
        {"sessions.csv": SESSIONS.replace("S4,DV-1,2018-07-01T09:30", "S4,DV-1,2018-03-25T01:30")},
        [
            "sessions.csv:5: start: '2018-03-25T01:30' did not happen in London: the clocks "
            "went forward an hour"
        ],
    ),
    "duplicate booking row": (
        {
            "bookings.csv": BOOKINGS + "S1,ANN.SMITH@example.org,Ann Smith,Westminster "
            "Children's Services,2017-04-01T10:00,confirmed,,attended\n"
        },
        [
            "bookings.csv:11: email: ann.smith@example.org is already booked on session 'S1' "
            "on line 2"
        ],
    ),
    "wrong header": (
        {
            "courses.csv": with_line(
                COURSES, 1, "code,title,programme,level,hours,learning_outcomes"
            )
        },
        [
            "courses.csv:1: hours: unknown column 'hours'",
            "courses.csv:1: duration_hours: the header has no 'duration_hours' column: it "
            "must name code, title, programme, level, duration_hours, learning_outcomes",
        ],
    ),
    "missing header": (
        {"agencies.csv": with_line(AGENCIES, 1, None)},
        [
            "agencies.csv:1: westminster children's services: unknown column "
            "'westminster children's services'",
            "agencies.csv:1: childrens_services: unknown column 'childrens_services'",
            "agencies.csv:1: westminster: unknown column 'westminster'",
            "agencies.csv:1: no: unknown column 'no'",
            "agencies.csv:1: name: the header has no 'name' column: it must name name, "
            "sector, borough, pays, invoice_email",
            "agencies.csv:1: sector: the header has no 'sector' column: it must name name, "
            "sector, borough, pays, invoice_email",
            "agencies.csv:1: borough: the header has no 'borough' column: it must name name, "
            "sector, borough, pays, invoice_email",
            "agencies.csv:1: pays: the header has no 'pays' column: it must name name, "
            "sector, borough, pays, invoice_email",
        ],
    ),
    "empty file": (
        {"courses.csv": ""},
        [
            "courses.csv:1: (header): the file is empty: it needs a header row naming code, "
            "title, programme, level, duration_hours, learning_outcomes"
        ],
    ),
    "non-UTF-8 bytes": (
        {"agencies.csv": AGENCIES.encode().replace(b"St Mary's", b"St Mary\xe9s")},
        ["agencies.csv:3: (text): byte 0xE9 is not UTF-8 text: save the file as CSV UTF-8"],
    ),
    "unknown sector": (
        {
            "agencies.csv": AGENCIES.replace("Health,cross", "Helth,cross").replace(
                "childrens_services,", "Fire and rescue,"
            )
        },
        [
            "agencies.csv:2: sector: unknown sector 'Fire and rescue': use one of "
            "adult_social_care, childrens_services, early_years, faith, further_education, "
            "health, housing, other, police, private, probation, school, voluntary",
            "agencies.csv:3: sector: unknown sector 'Helth': did you mean 'health'?",
        ],
    ),
    "unknown borough word": (
        {"agencies.csv": AGENCIES.replace("cross-borough", "cross-borogh")},
        ["agencies.csv:3: borough: unknown borough 'cross-borogh': did you mean 'cross-borough'?"],
    ),
    "an evaluation for a booking that was not attended": (
        {"evaluations.csv": EVALUATIONS + "S1,bob@example.org,2017-05-10T17:00,2,2:2|2:2,\n"},
        [
            "evaluations.csv:6: email: bob@example.org did not attend session 'S1' (absent): "
            "only people who attended are evaluated"
        ],
    ),
    "an evaluation with no booking": (
        {"evaluations.csv": EVALUATIONS + "S2,dan@example.org,2018-03-12T17:00,2,2:2|2:2,\n"},
        ["evaluations.csv:6: email: dan@example.org has no booking on session 'S2'"],
    ),
    "wrong number of outcome pairs": (
        {"evaluations.csv": EVALUATIONS.replace("10:00,4,2:3,", "10:00,4,2:3|3:4,")},
        [
            "evaluations.csv:5: outcome_ratings: 2 before:after pairs given, but the course has "
            "1 learning outcome"
        ],
    ),
    "a cancelled booking without its time": (
        {"bookings.csv": BOOKINGS.replace("cancelled,2018-05-02T09:00,", "cancelled,,")},
        [
            "bookings.csv:9: cancelled_at: empty: a cancelled booking needs the time it was "
            "cancelled"
        ],
    ),
    "attendance on a cancelled session": (
        {
            "bookings.csv": BOOKINGS.replace(
                "2018-06-10T09:00,confirmed,,", "2018-06-10T09:00,confirmed,,attended"
            )
        },
        ["bookings.csv:10: attendance: the session was cancelled: nobody attended it"],
    ),
    "unknown status": (
        {"sessions.csv": SESSIONS.replace(",cancelled\n", ",postponed\n")},
        [
            "sessions.csv:5: status: unknown session status 'postponed': use one of cancelled, "
            "delivered"
        ],
    ),
    "more places than a session can have": (
        {"sessions.csv": SESSIONS.replace("Town Hall,20,", "Town Hall,3000000000,")},
        ["sessions.csv:2: capacity: capacity '3000000000' is not from 1 to 1,000"],
    ),
    "a capacity in other digits": (
        {"sessions.csv": SESSIONS.replace("Town Hall,20,", "Town Hall,٣,")},
        ["sessions.csv:2: capacity: '٣' is not a whole number"],
    ),
    "a year far in the future, with an offset": (
        {"sessions.csv": SESSIONS.replace("2017-05-10T16:00", "9999-12-31T20:00-05:00")},
        ["sessions.csv:2: end: '9999-12-31T20:00-05:00' is not a year from 1990 to 2100"],
    ),
    "the first year of the calendar": (
        {"bookings.csv": BOOKINGS.replace("2017-04-01T10:00", "0001-01-01T00:30+01:00")},
        ["bookings.csv:2: booked_at: '0001-01-01T00:30+01:00' is not a year from 1990 to 2100"],
    ),
    "a course longer than the course form allows": (
        {"courses.csv": COURSES.replace("Level 3,6.5,", "Level 3,30,")},
        [
            "courses.csv:2: duration_hours: '30' is not a number of hours above 0 and up to "
            "24, with at most one decimal"
        ],
    ),
}


@pytest.mark.parametrize("files, expected", CASES.values(), ids=CASES.keys())
def test_a_bad_row_is_reported_with_file_line_and_column(tmp_path, files, expected):
    assert problems_of(tmp_path, **files) == expected


def test_every_problem_is_listed_not_only_the_first(tmp_path):
    files = {
        "sessions.csv": SESSIONS.replace("MASCP-L3,12/03/2018", "MASCP-L4,12/03/2018"),
        "bookings.csv": BOOKINGS.replace("2017-04-02T10:00", "yesterday"),
        "evaluations.csv": EVALUATIONS.replace("2:4|1:3", "2:9|1:3"),
    }

    found = problems_of(tmp_path, **files)

    assert [line.split(": ")[0] for line in found] == [
        "sessions.csv:3",
        "bookings.csv:3",
        "evaluations.csv:2",
    ]


def test_the_command_prints_each_problem_and_exits_non_zero(tmp_path):
    directory = write_history(tmp_path, {**HISTORY, "courses.csv": ""})
    err = io.StringIO()

    with pytest.raises(CommandError) as raised:
        call_command("import_history", str(directory), stdout=io.StringIO(), stderr=err)

    assert str(raised.value) == "1 problem found: nothing was imported"
    assert "courses.csv:1: (header): the file is empty" in err.getvalue()
    assert_nothing_written()


def test_a_dry_run_reports_the_same_problems(tmp_path):
    directory = write_history(tmp_path, {**HISTORY, "courses.csv": ""})
    err = io.StringIO()

    with pytest.raises(CommandError):
        call_command(
            "import_history", str(directory), "--dry-run", stdout=io.StringIO(), stderr=err
        )

    assert "courses.csv:1: (header): the file is empty" in err.getvalue()


def test_a_name_already_in_coursebook_in_another_case_is_refused(tmp_path):
    from tests.factories import AgencyFactory

    AgencyFactory(name="ST MARY'S HOSPITAL")
    directory = write_history(tmp_path)

    with pytest.raises(HistoryProblems) as raised:
        history_import(directory=directory)

    assert [str(p) for p in raised.value.problems] == [
        "agencies.csv:3: name: 'ST MARY'S HOSPITAL' is already in Coursebook: write its name "
        "exactly as it is there"
    ]


def test_a_directory_without_any_of_the_files_is_an_error(tmp_path):
    (tmp_path / "Bookings.CSV").write_text(HISTORY["bookings.csv"])

    with pytest.raises(CommandError) as raised:
        call_command("import_history", str(tmp_path), stdout=io.StringIO(), stderr=io.StringIO())

    assert str(raised.value) == (
        "None of agencies.csv, courses.csv, sessions.csv, bookings.csv, evaluations.csv is "
        "there: nothing to import"
    )
