"""Phones and wide screens: no coordinator, reviewer or trainer page scrolls sideways on a
375-pixel phone, however wide its tables (they scroll inside their own region), and at
1280 pixels every item of the navigation, "Sign out" too, stays on one line."""

from datetime import date, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import OrganisationChange, OrganisationRequest
from evaluations.models import SurveyInvitation
from evaluations.services.invitations import invitations_create_for_closed_registers
from imports.models import ImportJob
from notifications.models import OutboxMessage
from tests.evaluations.conftest import ensure_default_questionnaires
from tests.evaluations.factories import answer_end_of_session, delivered_session
from tests.factories import AgencyFactory, BookingFactory, SessionFactory, UserFactory
from tests.reports.conftest import build_dataset
from training.models import Booking, Invoice, InvoiceRun
from training.services.invoice_runs import invoice_run_execute

from .conftest import assert_accessible, screenshot, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 375, "height": 812}
LAPTOP = {"width": 1280, "height": 800}
LONG_NAME = "Bartholomew Featherstonehaugh-Smythe"
LONG_AGENCY = "Central London Community Healthcare NHS Trust"

WIDTHS = """() => ({
    page: document.documentElement.scrollWidth,
    window: window.innerWidth,
    widest_table: Math.max(0, ...Array.from(document.querySelectorAll('main table'))
                                       .map(table => table.scrollWidth)),
    regions: Array.from(document.querySelectorAll('.app-table-scroll')).map(region => ({
        focusable: region.tabIndex === 0,
        role: region.getAttribute('role'),
        named: Boolean(region.getAttribute('aria-label')
                       || document.getElementById(region.getAttribute('aria-labelledby'))),
    })),
})"""


@pytest.fixture(autouse=True)
def _setup(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.COURSEBOOK_RESULTS_MIN_RESPONSES = 1


def everyone(page, *, wide_tables: bool) -> dict:
    """Checks the page the browser is on: it does not scroll sideways, each table region
    is named and reachable by keyboard, and axe finds nothing."""
    widths = page.evaluate(WIDTHS)
    assert widths["page"] <= widths["window"], (page.url, widths)
    assert all(
        region == {"focusable": True, "role": "region", "named": True}
        for region in widths["regions"]
    ), (page.url, widths["regions"])
    if wide_tables:  # the data is wide enough for the check to mean something
        assert widths["widest_table"] > widths["window"], (page.url, widths)
    assert_accessible(page)
    return widths


def a_busy_programme(coordinator_user):
    """A year of reports, and something on every coordinator page, with long names."""
    ensure_default_questionnaires()  # before the reports' data, which makes its own
    build_dataset()  # 2025-26: delivered sessions, bookings of every kind, charges
    agency = AgencyFactory(name=LONG_AGENCY, pays_for_places=True)
    people = [
        UserFactory(full_name=f"{LONG_NAME} {n}", email=f"bartholomew.{n}@example.org")
        for n in range(3)
    ]
    # A future session with someone booked, waiting and cancelled.
    upcoming = SessionFactory(
        course__title="Multi-Agency Safeguarding and Child Protection (Level 3)",
        venue__name="Westminster Council House, Training Suite",
        starts_at=timezone.now() + timedelta(days=20),
        ends_at=timezone.now() + timedelta(days=20, hours=7),
        capacity=1,
    )
    upcoming.trainers.add(coordinator_user)
    for person, status in zip(
        people,
        [Booking.Status.CONFIRMED, Booking.Status.WAITLISTED, Booking.Status.CANCELLED],
        strict=True,
    ):
        BookingFactory(
            session=upcoming,
            delegate=person,
            agency=agency,
            status=status,
            cancelled_at=timezone.now() if status == Booking.Status.CANCELLED else None,
        )
    # Delivered last week: absences charged, answers to show in the results.
    delivered, _ = delivered_session(
        starts_at=timezone.now() - timedelta(days=7),
        attendances=["attended", "absent", "turned_away"],
        delegates=[UserFactory(agency=agency) for _ in range(3)],
    )
    invitations_create_for_closed_registers()
    answer_end_of_session(SurveyInvitation.objects.filter(booking__session=delivered).first())
    OrganisationRequest.objects.create(
        requested_by=people[0],
        name="Kensington and Chelsea Foundation for Children and Young People",
        sector="voluntary",
        borough=agency.borough,
    )
    OrganisationChange.objects.create(user=people[1], agency=agency, job_title="Safeguarding lead")
    OutboxMessage.objects.create(
        kind="booking_confirmed",
        to=["bartholomew.0@example.org"],
        subject="Booking confirmed: Multi-Agency Safeguarding and Child Protection (Level 3)",
        template="accounts/password_reset",
        context={"path": {"value": "/"}},
        status=OutboxMessage.Status.FAILED,
        attempts=21,
        last_error="550 5.1.1 Mailbox unavailable: the recipient's address was not found",
    )
    job = ImportJob.objects.create(
        status=ImportJob.Status.PROBLEMS,
        created_by=coordinator_user,
        upload_name="history-2012-to-2024-from-the-old-booking-system.zip",
        problems=[
            {
                "file": "bookings.csv",
                "line": 1234,
                "column": "session_ref",
                "reason": "no session with this ref in sessions.csv or already imported",
            }
        ],
        problem_count=1,
    )
    return upcoming, delivered, job


def test_no_coordinator_page_scrolls_sideways_on_a_phone(browser_page, live_server):
    cora = UserFactory(
        email="cora@example.org",
        full_name="Cora Ordinator",
        roles=["coordinator", "trainer", "reviewer"],
    )
    upcoming, delivered, job = a_busy_programme(cora)
    page = browser_page
    page.set_viewport_size(PHONE)
    page.goto(live_server.url + "/account/sign-in/")
    sign_in(page, cora.email)

    def visit(path: str, *, wide_tables: bool = True) -> dict:
        page.goto(live_server.url + path)
        return everyone(page, wide_tables=wide_tables)

    visit(reverse("training:manage_home"), wide_tables=False)
    visit(reverse("training:manage_sessions") + "?when=all")
    visit(reverse("training:manage_session", args=[upcoming.pk]))
    visit(reverse("training:manage_session", args=[delivered.pk]), wide_tables=False)
    visit(reverse("training:manage_terms"))
    visit(reverse("training:manage_courses"), wide_tables=False)
    visit(reverse("training:manage_venues"), wide_tables=False)
    visit(reverse("training:message_session", args=[upcoming.pk]), wide_tables=False)
    visit(reverse("training:manage_charges"))
    visit(reverse("training:manage_invoices_run"), wide_tables=False)
    run = InvoiceRun.objects.create(created_by=cora, period_end=date.today())
    invoice_run_execute(run_id=run.pk)
    visit(reverse("training:manage_invoice_run", args=[run.pk]), wide_tables=False)
    visit(reverse("training:manage_invoices"))
    visit(reverse("training:manage_invoice", args=[Invoice.objects.first().pk]), wide_tables=False)
    visit(reverse("accounts:people"))
    visit(reverse("accounts:agency_list"))
    visit(reverse("accounts:organisation_requests"))
    visit(reverse("notifications:failed"))
    visit(reverse("imports:index"), wide_tables=False)
    visit(reverse("imports:job", args=[job.pk]), wide_tables=False)
    visit(reverse("reports:report") + "?year=2025")
    visit(reverse("evaluations:session_results", args=[delivered.pk]), wide_tables=False)
    visit(reverse("evaluations:questionnaires"), wide_tables=False)
    visit(reverse("training:my_sessions"), wide_tables=False)
    screenshot(page, "my-sessions-on-a-phone")


def test_the_navigation_items_stay_whole_on_a_laptop(browser_page, live_server):
    # Every role: the longest navigation there is.
    UserFactory(email="cora@example.org", roles=["coordinator", "trainer", "reviewer"])
    page = browser_page
    page.set_viewport_size(LAPTOP)
    page.goto(live_server.url + "/account/sign-in/")
    sign_in(page, "cora@example.org")
    for path in (reverse("training:manage_sessions"), reverse("reports:report")):
        page.goto(live_server.url + path)
        lines = page.evaluate(
            """() => Array.from(document.querySelectorAll(
                    '.govuk-service-navigation__item a, .govuk-service-navigation__item button'
                )).map(item => {
                    const text = document.createRange();
                    text.selectNodeContents(item);
                    const tops = new Set(Array.from(text.getClientRects(),
                                                    rect => Math.round(rect.top)));
                    return [item.innerText.trim(), tops.size];
                })"""
        )
        assert ["Sign out", 1] in lines, lines
        assert all(count == 1 for _, count in lines), lines
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
        sign_out = page.get_by_role("button", name="Sign out").bounding_box()
        line_height = page.evaluate(
            """() => parseFloat(getComputedStyle(
                document.querySelector('.app-service-navigation__button')).lineHeight)"""
        )
        assert sign_out["height"] < 1.5 * line_height, (sign_out, line_height)
    screenshot(page, "navigation-at-1280")


def test_the_register_is_a_compact_row_per_person_on_a_phone(browser_page, live_server):
    session = SessionFactory(
        starts_at=timezone.now() - timedelta(minutes=10),
        ends_at=timezone.now() + timedelta(hours=3),
        capacity=30,
    )
    trainer = UserFactory(email="tia@example.org", roles=["trainer"])
    session.trainers.add(trainer)
    agency = AgencyFactory(name="St Mary's Hospital")
    for n in range(25):
        BookingFactory(
            session=session, delegate=UserFactory(full_name=f"Asha Patel {n:02}", agency=agency)
        )
    page = browser_page
    page.set_viewport_size({"width": 320, "height": 640})  # the narrowest phone
    page.goto(live_server.url + "/account/sign-in/")
    sign_in(page, trainer.email)
    page.goto(live_server.url + reverse("training:register", args=[session.pk]))
    everyone(page, wide_tables=False)
    rows = page.evaluate(
        """() => Array.from(document.querySelectorAll('.app-register-person'), row => {
            const marks = Array.from(row.querySelectorAll('.govuk-radios__item'),
                                     mark => mark.getBoundingClientRect());
            return {height: row.getBoundingClientRect().height,
                    lines: new Set(marks.map(mark => Math.round(mark.top))).size,
                    labels_on_one_line: Array.from(row.querySelectorAll('.govuk-radios__label'))
                        .every(label => label.getBoundingClientRect().height < 45)};
        })"""
    )
    assert len(rows) == 25
    # The name and organisation on one line, the four marks two by two under them: each
    # person 140 px or less, where four stacked radios took more than 250.
    assert all(row["lines"] == 2 and row["labels_on_one_line"] for row in rows), rows
    assert all(row["height"] <= 140 for row in rows), rows
    # The name still names the person's group of radios.
    group = page.get_by_role("group", name="Asha Patel 07")
    assert group.get_by_role("radio").count() == 4
    group.get_by_label("Turned away").check()
    screenshot(page, "register-of-25-on-a-phone")
