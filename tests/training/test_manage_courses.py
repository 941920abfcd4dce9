"""Coordinators manage the catalogue's courses: add, change, reorder the learning outcomes,
retire. What has been rated keeps what it rated: a change makes a new version of the list."""

import html
import re
from datetime import datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse

from audit.models import AuditEntry
from evaluations.models import OutcomeRating, SurveyInvitation, SurveyKind
from evaluations.selectors import evaluations_for_person
from evaluations.services.invitations import (
    invitation_for_delegate,
    invitations_create_for_closed_registers,
)
from evaluations.services.responses import PageAnswers, response_submit
from reports.periods import financial_year_of
from reports.report import report_build
from tests.evaluations.factories import answer_end_of_session
from tests.factories import (
    AgencyFactory,
    CourseFactory,
    SessionFactory,
    UserFactory,
    coordinator,
)
from tests.training.test_certificates import pdf_text
from training.errors import CourseError
from training.models import Booking, Charge, Course, LearningOutcome
from training.selectors.outcomes import current_outcomes, session_outcomes
from training.services.bookings import booking_cancel, booking_create
from training.services.courses import course_update
from training.services.registers import attendance_mark, register_close

pytestmark = pytest.mark.django_db
LONDON = ZoneInfo("Europe/London")
START = datetime(2027, 3, 4, 9, 30, tzinfo=LONDON)  # a Thursday
CLOSED = START + timedelta(hours=7)
OUTCOMES = ["Recognise the signs of abuse", "Know who to contact"]
ROLES = ["delegate", "trainer", "reviewer"]


def at(moment):
    return time_machine.travel(moment, tick=False)


@pytest.fixture
def coordinator_client(client):
    client.force_login(coordinator())
    return client


def rows(*texts: str, positions: list | None = None, spare: int = 0) -> dict:
    """The learning outcome rows of the course form: text and position of each."""
    positions = positions or list(range(1, len(texts) + 1))
    data = {}
    for number, (text, position) in enumerate(zip(texts, positions, strict=True), start=1):
        data[f"outcome_{number}"] = text
        data[f"outcome_{number}_position"] = "" if position is None else str(position)
    for number in range(len(texts) + 1, len(texts) + spare + 1):
        data[f"outcome_{number}"] = data[f"outcome_{number}_position"] = ""
    return data


def course_post(*, outcomes: dict | None = None, **overrides) -> dict:
    data = {
        "code": "MASCP-L3",
        "title": "Multi-agency safeguarding",
        "programme": "core",
        "level": "Level 3",
        "duration_hours": "6.5",
        "fee": "",
        "summary": "What every practitioner needs to know.",
        "audience": "Everyone working with children.",
        "prerequisite": "",
        "refresh_months": "36",
        "is_active": "on",
    }
    data |= rows(*OUTCOMES, spare=3) if outcomes is None else outcomes
    return data | overrides


def edit_url(course) -> str:
    return reverse("training:manage_course_edit", args=[course.code])


def deliver(course, *, starts_at, people: int = 1) -> tuple:
    """A session of the course booked ahead, everyone attended, the register closed."""
    with at(starts_at - timedelta(days=30)):
        trainer = UserFactory(roles=["trainer"])
        session = SessionFactory(
            course=course, starts_at=starts_at, ends_at=starts_at + timedelta(hours=7)
        )
        session.trainers.add(trainer)
        bookings = [
            booking_create(session=session, delegate=person, actor=person)
            for person in [UserFactory() for _ in range(people)]
        ]
    with at(starts_at + timedelta(hours=7)):
        for booking in bookings:
            attendance_mark(booking=booking, attendance="attended", actor=trainer)
        register_close(session=session, actor=trainer)
    with at(starts_at + timedelta(hours=8)):
        invitations_create_for_closed_registers()
    session.refresh_from_db()
    return session, bookings


def evaluation(booking) -> SurveyInvitation:
    return SurveyInvitation.objects.get(booking=booking, kind=SurveyKind.END_OF_SESSION)


def error_summary(page: str) -> list[str]:
    summary = page[page.index('class="govuk-error-summary"') :]
    summary = summary[: summary.index("</ul>")]
    return [
        html.unescape(re.sub(r"<[^>]+>", "", item)).strip()
        for item in re.findall(r"<li>(.*?)</li>", summary)
    ]


def value_of(page: str, name: str) -> str | None:
    """The value an input of the page holds."""
    (tag,) = re.findall(rf'<input[^>]*name="{name}"[^>]*>', page)
    value = re.search(r'value="([^"]*)"', tag)
    return html.unescape(value.group(1)) if value else None


def signed_in(client, person):
    client.force_login(person)
    return client


# Adding a course ---------------------------------------------------------------------------


def test_the_add_page_has_the_labelled_fields_and_a_row_per_learning_outcome(coordinator_client):
    page = coordinator_client.get(reverse("training:manage_course_create")).content.decode()
    for label in [
        "Code",
        "Title",
        "Programme",
        "Level (optional)",
        "Length, in hours",
        "Fee for paying organisations (£, optional)",
        "Summary (optional)",
        "Who the course is for (optional)",
        "Learning outcome 1",
        "Position of learning outcome 1",
        "Learning outcome 5",
        "Prerequisite course (optional)",
        "Refresh after, in months (optional)",
    ]:
        assert f">{label}</" in page, label
    assert "Learning outcome 6" not in page
    assert "to reorder them, change their positions" in page
    assert "Listed in the catalogue" not in page  # a new course is listed
    assert ">Add the course</button>" in page


def test_a_coordinator_adds_a_course_and_sees_it_listed(coordinator_client):
    prerequisite = CourseFactory(title="Safeguarding basics")
    data = course_post(
        code="mascp-l3",
        fee="120",
        prerequisite=str(prerequisite.pk),
        outcomes=rows("Know who to contact", "Recognise the signs", positions=[2, 1], spare=3),
    )
    response = coordinator_client.post(reverse("training:manage_course_create"), data, follow=True)
    assert response.redirect_chain[-1][0] == reverse("training:manage_courses")
    page = response.content.decode()
    assert "Multi-agency safeguarding (MASCP-L3) has been added to the catalogue." in page
    assert "MASCP-L3, Level 3" in page
    course = Course.objects.get(code="MASCP-L3")
    assert (
        course.title,
        course.programme,
        course.level,
        course.duration_hours,
        course.fee_pence,
        course.prerequisite,
        course.refresh_months,
        course.summary,
        course.audience,
        course.is_active,
    ) == (
        "Multi-agency safeguarding",
        "core",
        "Level 3",
        Decimal("6.5"),
        12000,
        prerequisite,
        36,
        "What every practitioner needs to know.",
        "Everyone working with children.",
        True,
    )
    # In order of position, renumbered from 1; the empty rows are not outcomes.
    assert list(course.outcomes.values_list("version", "position", "text")) == [
        (1, 1, "Recognise the signs"),
        (1, 2, "Know who to contact"),
    ]
    entry = AuditEntry.objects.get(action="course_created")
    assert entry.data["outcomes"] == ["Recognise the signs", "Know who to contact"]
    catalogue = coordinator_client.get(reverse("training:course", args=["MASCP-L3"])).text
    assert catalogue.index("Recognise the signs") < catalogue.index("Know who to contact")


@pytest.mark.parametrize(
    "overrides, field, message",
    [
        ({"code": "mascp-l3"}, "code", "A course with the code MASCP-L3 already exists"),
        ({"duration_hours": "0"}, "duration_hours", "The length must be at least half an hour"),
        ({"duration_hours": "200"}, "duration_hours", "The length must be 24 hours or less"),
        ({"duration_hours": "-3"}, "duration_hours", "The length must be at least half an hour"),
        ({"duration_hours": "lots"}, "duration_hours", "Enter the length in hours"),
        (
            {"outcomes": rows("", "", "")},
            "outcome_1",
            "Enter at least one learning outcome",
        ),
        ({"outcomes": {}}, "outcome_1", "Enter at least one learning outcome"),
        (
            {"outcomes": rows("Know the signs", "Know the law", positions=[1, 1])},
            "outcome_2_position",
            "Learning outcomes 1 and 2 both have position 1: give each a different position",
        ),
        (
            {"outcomes": rows("Know the signs", positions=["first"])},
            "outcome_1_position",
            "Enter the position of learning outcome 1 as a whole number",
        ),
        (
            {"outcomes": rows("Know the signs", positions=[0])},
            "outcome_1_position",
            "Enter the position of learning outcome 1 as a whole number",
        ),
        (
            {"outcomes": rows("Know the signs", "know the SIGNS")},
            "outcome_2",
            "Learning outcome 2 is the same as learning outcome 1",
        ),
        (
            {"outcomes": rows("x" * 301)},
            "outcome_1",
            "Learning outcome 1 must be 300 characters or fewer",
        ),
        ({"code": "MASCP L3!"}, "code", "Use only letters, numbers and hyphens in the code"),
        ({"title": ""}, "title", "Enter the course's title"),
        ({"programme": "basket-weaving"}, "programme", "Choose the programme"),
        ({"prerequisite": "9223372036854775808"}, "prerequisite", "Select the prerequisite"),
        ({"refresh_months": "0"}, "refresh_months", "Enter 1 month or more"),
        ({"fee": "-5"}, "fee", "Enter an amount of £0.00 or more"),
    ],
)
def test_bad_input_is_a_govuk_error_and_writes_nothing(
    coordinator_client, overrides, field, message
):
    CourseFactory(code="MASCP-L3")
    before = (Course.objects.count(), LearningOutcome.objects.count())
    data = course_post(**({"code": "NEW-1"} | overrides))
    response = coordinator_client.post(reverse("training:manage_course_create"), data)
    assert response.status_code == 200
    page = response.content.decode()
    assert "<title>Error: Add a course" in page
    assert any(item.startswith(message) for item in error_summary(page)), error_summary(page)
    assert f'href="#id_{field}' in page  # the summary links to the field
    assert f'id="id_{field}_error"' in page  # and the message is by the field
    assert (Course.objects.count(), LearningOutcome.objects.count()) == before
    assert not AuditEntry.objects.filter(action="course_created").exists()


def test_what_was_typed_is_kept_when_the_form_comes_back_with_an_error(coordinator_client):
    data = course_post(duration_hours="0", outcomes=rows("A", "B", "C", "D", "E", "F", "G"))
    page = coordinator_client.post(reverse("training:manage_course_create"), data).text
    assert value_of(page, "outcome_7") == "G" and ">Learning outcome 7<" in page
    assert value_of(page, "title") == "Multi-agency safeguarding"


# Changing a course -------------------------------------------------------------------------


def test_the_change_page_shows_the_outcomes_in_order_with_spare_rows(coordinator_client):
    course = CourseFactory(outcomes=OUTCOMES)
    page = coordinator_client.get(edit_url(course)).text
    assert value_of(page, "outcome_1") == "Recognise the signs of abuse"
    assert value_of(page, "outcome_1_position") == "1"
    assert value_of(page, "outcome_2") == "Know who to contact"
    assert value_of(page, "outcome_2_position") == "2"
    assert value_of(page, "outcome_3") is None and value_of(page, "outcome_3_position") is None
    assert "Learning outcome 5" in page and "Learning outcome 6" not in page
    assert ">Listed in the catalogue</" in page
    assert ">Save changes</button>" in page
    assert 'name="code"' not in page  # the code is not asked again


def test_reordering_outcomes_nobody_has_rated_keeps_the_version(coordinator_client):
    course = CourseFactory(outcomes=["First", "Second", "Third"])
    data = course_post(outcomes=rows("First", "Second", "Third", positions=[3, 1, 2], spare=3))
    response = coordinator_client.post(edit_url(course), data, follow=True)
    course.refresh_from_db()
    assert f"{course} has been changed.</p>" in response.text
    assert list(course.outcomes.values_list("version", "position", "text")) == [
        (1, 1, "Second"),
        (1, 2, "Third"),
        (1, 3, "First"),
    ]
    assert not course.outcomes.filter(retired_at__isnull=False).exists()
    entry = AuditEntry.objects.get(action="course_updated")
    assert entry.data["outcomes"]["to"] == ["Second", "Third", "First"]
    assert entry.data["outcomes"]["new_version"] is False
    page = coordinator_client.get(reverse("training:course", args=[course.code])).text
    assert page.index("Second") < page.index("Third") < page.index("First")


def test_an_outcome_without_a_position_goes_last_and_an_emptied_one_goes(coordinator_client):
    course = CourseFactory(outcomes=["First", "Second", "Third"])
    data = course_post(
        outcomes=rows("First", "", "Third", "Added", positions=[2, 2, 1, None], spare=2)
    )
    assert coordinator_client.post(edit_url(course), data).status_code == 302
    assert [o.text for o in current_outcomes(course)] == ["Third", "First", "Added"]


def test_saving_the_same_outcomes_leaves_their_rows_alone(coordinator_client):
    course = CourseFactory(outcomes=OUTCOMES)
    kept = list(course.outcomes.values_list("pk", flat=True))
    assert coordinator_client.post(edit_url(course), course_post()).status_code == 302
    entry = AuditEntry.objects.get(action="course_updated")
    assert "title" in entry.data and "outcomes" not in entry.data
    assert list(course.outcomes.values_list("pk", flat=True)) == kept


def test_a_change_to_the_length_and_fee_does_not_move_what_bookings_were_priced_by(client):
    course = CourseFactory(outcomes=OUTCOMES, duration_hours=Decimal("3"))
    paying = UserFactory(agency=AgencyFactory(pays_for_places=True))
    with at(START - timedelta(days=30)):
        session = SessionFactory(
            course=course, starts_at=START, ends_at=START + timedelta(hours=3)
        )
        booking = booking_create(session=session, delegate=paying, actor=paying)
    assert (booking.priced_half_day, booking.priced_course_fee_pence) == (True, None)
    with at(START - timedelta(days=20)):
        data = course_post(duration_hours="7", fee="250.00")
        signed_in(client, coordinator())
        assert client.post(edit_url(course), data).status_code == 302
    course.refresh_from_db()
    assert (course.duration_hours, course.fee_pence) == (Decimal("7"), 25000)
    booking.refresh_from_db()
    assert (booking.priced_half_day, booking.priced_course_fee_pence) == (True, None)
    with at(START - timedelta(days=1)):
        booking_cancel(booking=booking, actor=paying)
    charge = Charge.objects.get(booking=booking)
    assert (charge.kind, charge.amount_pence) == ("course_fee", 5000)  # the half-day fee


def test_retiring_a_course_takes_it_out_of_the_catalogue_and_leaves_bookings(
    coordinator_client,
):
    course = CourseFactory(outcomes=OUTCOMES, title="Retiring workshop")
    session = SessionFactory(course=course)
    delegate = UserFactory()
    booking = booking_create(session=session, delegate=delegate, actor=delegate)
    assert "Retiring workshop" in coordinator_client.get(reverse("training:catalogue")).text
    data = course_post(title="Retiring workshop")
    del data["is_active"]
    response = coordinator_client.post(edit_url(course), data, follow=True)
    course.refresh_from_db()
    assert (
        f"{course} has been retired: it is no longer listed in the catalogue or offered for "
        "new sessions. Its sessions and bookings stay as they are."
    ) in response.text
    assert "has been changed" not in response.text
    course.refresh_from_db()
    assert course.is_active is False
    (row,) = re.findall(
        r"<tr[^>]*>\s*<td[^>]*><a[^>]*>Retiring workshop</a>.*?</tr>", response.text, re.S
    )
    assert "Retired" in row
    assert "Retiring workshop" not in coordinator_client.get(reverse("training:catalogue")).text
    page = coordinator_client.get(reverse("training:course", args=[course.code])).text
    assert "This course is no longer offered" in page
    booking.refresh_from_db()
    assert booking.status == Booking.Status.CONFIRMED
    new_session = coordinator_client.get(reverse("training:manage_session_create")).text
    assert "Retiring workshop" not in new_session
    # Its scheduled session can still be changed: the course stays chosen.
    edit = coordinator_client.get(reverse("training:manage_session_edit", args=[session.pk]))
    assert f'value="{course.pk}" selected' in edit.text

    # Listed again, the banner says so.
    again = coordinator_client.post(
        edit_url(course), course_post(title="Retiring workshop"), follow=True
    )
    assert (
        f"{course} is listed in the catalogue again and can be offered for new sessions."
    ) in again.text
    assert "Retiring workshop" in coordinator_client.get(reverse("training:catalogue")).text
    unchanged = coordinator_client.post(
        edit_url(course), course_post(title="Retiring workshop"), follow=True
    )
    assert f"{course} has been changed." in unchanged.text


def test_a_course_cannot_need_itself_first(coordinator_client):
    first = CourseFactory(code="FIRST")
    second = CourseFactory(code="SECOND", prerequisite=first)
    data = course_post(prerequisite=str(second.pk))
    response = coordinator_client.post(edit_url(first), data)
    assert "A course cannot need itself first" in response.text
    first.refresh_from_db()
    assert first.prerequisite is None


def test_the_services_refuse_what_the_form_refuses():
    course = CourseFactory(outcomes=OUTCOMES)
    actor = coordinator()
    for kwargs, message in [
        ({"duration_hours": Decimal("0")}, "more than 0 hours"),
        ({"duration_hours": Decimal("200")}, "24 hours or less"),
        ({"outcomes": ["  ", ""]}, "Enter at least one learning outcome"),
        ({"outcomes": ["Same", "same"]}, "Each learning outcome must be different"),
    ]:
        with pytest.raises(CourseError, match=message):
            course_update(course=course, actor=actor, **kwargs)
    course.refresh_from_db()
    assert course.duration_hours == Decimal("6.5")
    assert [o.text for o in current_outcomes(course)] == OUTCOMES


# A new version once the outcomes have been used ---------------------------------------------


def test_editing_rated_outcomes_makes_a_new_version_and_past_answers_keep_theirs(client):
    course = CourseFactory(outcomes=OUTCOMES, title="Safeguarding")
    old_session, (answered, pending) = deliver(course, starts_at=START, people=2)
    with at(CLOSED + timedelta(hours=2)):
        answer_end_of_session(evaluation(answered))
    rated_before = list(OutcomeRating.objects.values_list("outcome_id", "before", "after"))
    old_rows = list(course.outcomes.all())

    boss = coordinator()
    with at(CLOSED + timedelta(days=1)):
        data = course_post(
            title="Safeguarding",
            outcomes=rows(
                "Know who to contact", "Recognise the signs of abuse", "Record a concern"
            ),
        )
        response = signed_in(client, boss).post(edit_url(course), data, follow=True)
    assert (
        f"{course} has been changed. Its learning outcomes are now version 2: evaluations "
        "already given keep the outcomes they rated."
    ) in response.text

    # The rated rows are untouched, retired; the new list is version 2.
    for row in old_rows:
        kept = LearningOutcome.objects.get(pk=row.pk)
        assert (kept.version, kept.position, kept.text) == (1, row.position, row.text)
        assert kept.retired_at == CLOSED + timedelta(days=1)
    assert [(o.version, o.text) for o in current_outcomes(course)] == [
        (2, "Know who to contact"),
        (2, "Recognise the signs of abuse"),
        (2, "Record a concern"),
    ]
    assert list(OutcomeRating.objects.values_list("outcome_id", "before", "after")) == (
        rated_before
    )
    entry = AuditEntry.objects.get(action="course_updated")
    assert entry.data["outcomes"]["new_version"] is True
    assert entry.data["outcomes"]["version"] == 2

    # The course page shows the current list only.
    page = client.get(reverse("training:course", args=[course.code])).text
    assert "Record a concern" in page
    assert page.count("Recognise the signs of abuse") == 1
    # The change page says which version it is.
    assert "This is version 2 of the list" in client.get(edit_url(course)).text

    # The old session's results still show what was rated.
    results = client.get(reverse("evaluations:session_results", args=[old_session.pk])).text
    assert "1. Recognise the signs of abuse" in results
    assert "2. Know who to contact" in results
    assert "Record a concern" not in results

    # The report counts the rated rows, as they were.
    report = report_build(period=financial_year_of(START.date()))
    mine = [row for row in report["outcomes"] if row["course"] == course.code]
    assert [(row["position"], row["outcome"], row["n"]) for row in mine] == [
        (1, "Recognise the signs of abuse", 1),
        (2, "Know who to contact", 1),
    ]

    # The other person at the old session is still asked about what it taught.
    with at(CLOSED + timedelta(days=2)):
        client.force_login(pending.delegate)
        url = reverse("evaluations:survey_page", args=[evaluation(pending).pk, 1])
        survey = client.get(url).text
    assert "Recognise the signs of abuse" in survey and "Record a concern" not in survey

    # What the delegate's record holds names the outcomes they rated.
    (exported,) = [
        row for row in evaluations_for_person(answered.delegate) if row["kind"] == "end_of_session"
    ]
    assert [row["outcome"] for row in exported["learning_outcomes"]] == OUTCOMES

    # A session after the change is evaluated on the new list.
    new_session, (later,) = deliver(course, starts_at=START + timedelta(days=14))
    assert [o.text for o in session_outcomes(new_session)] == [
        "Know who to contact",
        "Recognise the signs of abuse",
        "Record a concern",
    ]
    with at(START + timedelta(days=14, hours=9)):
        client.force_login(later.delegate)
        url = reverse("evaluations:survey_page", args=[evaluation(later).pk, 1])
        survey = client.get(url).text
    assert "Record a concern" in survey
    with at(START + timedelta(days=14, hours=9)):
        answer_end_of_session(evaluation(later))
    new_ids = {o.pk for o in current_outcomes(course)}
    rated = set(
        OutcomeRating.objects.filter(response__invitation__booking=later).values_list(
            "outcome_id", flat=True
        )
    )
    assert rated == new_ids
    # The year's report has both lists, each with its own answers.
    report = report_build(period=financial_year_of(START.date()))
    mine = [row for row in report["outcomes"] if row["course"] == course.code]
    assert [(row["position"], row["outcome"], row["n"]) for row in mine] == [
        (1, "Recognise the signs of abuse", 1),
        (2, "Know who to contact", 1),
        (1, "Know who to contact", 1),
        (2, "Recognise the signs of abuse", 1),
        (3, "Record a concern", 1),
    ]


def test_the_certificate_lists_what_the_session_taught(client):
    course = CourseFactory(outcomes=OUTCOMES)
    session, (booking,) = deliver(course, starts_at=START)
    with at(CLOSED + timedelta(hours=2)):
        answer_end_of_session(evaluation(booking))
    with at(CLOSED + timedelta(days=1)):
        course_update(course=course, actor=coordinator(), outcomes=["A new way of working"])
    with at(CLOSED + timedelta(days=2)):
        client.force_login(booking.delegate)
        response = client.get(reverse("training:certificate", args=[booking.pk]))
    text = " ".join(pdf_text(response.content).split())
    assert all(outcome in text for outcome in OUTCOMES)
    assert "A new way of working" not in text


def test_a_delivered_session_alone_makes_the_next_change_a_new_version(client):
    course = CourseFactory(outcomes=OUTCOMES)
    deliver(course, starts_at=START)
    assert not OutcomeRating.objects.exists()
    with at(CLOSED + timedelta(days=1)):
        data = course_post(outcomes=rows(*reversed(OUTCOMES)))
        response = signed_in(client, coordinator()).post(edit_url(course), data, follow=True)
    assert "Its learning outcomes are now version 2" in response.text
    assert course.outcomes.filter(version=1, retired_at__isnull=False).count() == 2
    assert [o.text for o in current_outcomes(course)] == list(reversed(OUTCOMES))
    # The next change, before anything uses version 2, keeps it.
    with at(CLOSED + timedelta(days=2)):
        course_update(course=course, actor=coordinator(), outcomes=["Only this"])
    assert [(o.version, o.text) for o in current_outcomes(course)] == [(2, "Only this")]
    assert course.outcomes.count() == 3


def test_a_rating_given_before_the_session_also_keeps_its_outcomes():
    course = CourseFactory(outcomes=OUTCOMES)
    delegate = UserFactory()
    with at(START - timedelta(days=30)):
        session = SessionFactory(course=course, starts_at=START, ends_at=CLOSED)
        booking = booking_create(session=session, delegate=delegate, actor=delegate)
        invitation = invitation_for_delegate(
            booking=booking, kind=SurveyKind.PRE_COURSE, actor=delegate
        )
        ratings = {outcome.pk: {"pre": 2} for outcome in session_outcomes(session)}
        response_submit(invitation=invitation, page=1, answers=PageAnswers(ratings=ratings))
    with at(START - timedelta(days=20)):
        course_update(course=course, actor=coordinator(), outcomes=["Something else"])
    assert set(OutcomeRating.objects.values_list("outcome__text", flat=True)) == set(OUTCOMES)
    assert [(o.version, o.text) for o in session_outcomes(session)] == [(2, "Something else")]


# Who may -----------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_only_coordinators_reach_the_course_pages(client, role):
    course = CourseFactory(outcomes=OUTCOMES, duration_hours=Decimal("3"))
    client.force_login(UserFactory(roles=[] if role == "delegate" else [role]))
    for url in (
        reverse("training:manage_courses"),
        reverse("training:manage_course_create"),
        edit_url(course),
    ):
        assert client.get(url).status_code == 403
        assert client.post(url, course_post(code="OTHER", duration_hours="7")).status_code == 403
    course.refresh_from_db()
    assert course.duration_hours == Decimal("3")
    assert Course.objects.count() == 1
    assert not AuditEntry.objects.filter(action__startswith="course_").exists()


def test_the_course_list_runs_a_fixed_number_of_queries(
    coordinator_client, django_assert_max_num_queries
):
    for _ in range(5):
        SessionFactory()
    with django_assert_max_num_queries(8):
        assert coordinator_client.get(reverse("training:manage_courses")).status_code == 200


def test_the_sessions_page_links_to_courses_and_venues(coordinator_client):
    page = coordinator_client.get(reverse("training:manage_sessions")).text
    assert f'href="{reverse("training:manage_courses")}">Courses</a>' in page
    assert f'href="{reverse("training:manage_venues")}">Venues</a>' in page
