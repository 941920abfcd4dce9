"""Whole journeys, end to end, in Chromium: each step asserts what the person reads, axe-core
runs on every page visited, and the database is checked at the end.

1. A practitioner registers, confirms their email, books, joins a waiting list, is promoted
   and cancels a booking late.
2. A trainer on a 375-pixel phone marks a register, adds two walk-ins and closes it.
3. A delegate follows the evaluation link, answers (with one mistake on the way), downloads
   the certificate and checks it on the public verification page.
4. A coordinator waives a charge, runs the invoices and opens the invoice issued.
"""

import io
import re
from datetime import timedelta
from decimal import Decimal
from urllib.parse import urlsplit

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect
from pypdf import PdfReader

from accounts.models import User
from evaluations.models import OutcomeRating, SurveyInvitation, SurveyKind
from tests.evaluations.conftest import ensure_default_questionnaires
from tests.evaluations.factories import delivered_session
from tests.factories import AgencyFactory, BookingFactory, SessionFactory, UserFactory, coordinator
from training.models import Booking, Certificate, Charge, Invoice, Session
from training.rules.money import pounds
from training.services.bookings import booking_cancel
from training.services.terms import terms_in_force

from .conftest import PASSWORD, assert_accessible, screenshot, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 375, "height": 812}
CERTIFICATE_CODE = re.compile(r"\b[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}\b")


@pytest.fixture(autouse=True)
def _setup(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    ensure_default_questionnaires()  # A transactional test's flush removes them.


def sent_to(address: str, subject_starts: str):
    """The one email sent to the address whose subject starts so."""
    (message,) = [
        m for m in mail.outbox if address in m.to and m.subject.startswith(subject_starts)
    ]
    return message


def link_in(body: str, path_part: str) -> str:
    """The path of the link in an email that holds path_part (the site's address in the
    email is the configured one, not the test server's)."""
    (url,) = [word for word in body.split() if word.startswith("http") and path_part in word]
    return urlsplit(url).path


def pdf_text(content: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


def download(page, click) -> tuple[str, bytes]:
    """Run the click that starts a download; its suggested filename and its bytes."""
    with page.expect_download() as started:
        click()
    done = started.value
    with open(done.path(), "rb") as file:
        return done.suggested_filename, file.read()


def test_a_practitioner_registers_books_waits_is_promoted_and_cancels_late(
    browser_page, live_server
):
    agency = AgencyFactory(name="Holland Park School")
    # Starts tomorrow: well inside the notice period of three working days.
    soon = SessionFactory(
        course__title="Working with families",
        course__duration_hours=Decimal("3"),
        starts_at=timezone.now() + timedelta(days=1),
    )
    full = SessionFactory(course__title="Court skills", capacity=1)
    holder = BookingFactory(session=full, delegate__full_name="Ash Holder")
    page = browser_page

    # Registering: the form, then the "check your email" page.
    page.goto(live_server.url + "/account/register/")
    expect(page.get_by_role("heading", name="Create an account", level=1)).to_be_visible()
    assert_accessible(page)
    page.get_by_label("Full name").fill("Sam Practitioner")
    page.get_by_label("Work email address").fill("sam@school.example.org")
    page.get_by_label("Job title").fill("Designated safeguarding lead")
    page.get_by_label("Organisation", exact=True).select_option(label="Holland Park School")
    page.get_by_label("Create a password").fill(PASSWORD)
    page.get_by_label("Confirm your password").fill(PASSWORD)
    page.get_by_role("button", name="Create account").click()
    page.wait_for_url(re.compile(r"/account/register/done/$"))
    panel = page.locator(".govuk-panel--confirmation")
    expect(panel).to_contain_text("Check your email")
    expect(panel).to_contain_text("We have sent a link to sam@school.example.org")
    assert_accessible(page)
    sam = User.objects.get(email="sam@school.example.org")
    assert sam.email_verified_at is None
    assert sam.agency == agency

    # The link in the email confirms the address, once.
    verification = sent_to(sam.email, "Confirm")
    page.goto(live_server.url + link_in(verification.body, "/verify/"))
    page.wait_for_url(re.compile(r"/account/sign-in/"))
    expect(page.locator(".govuk-notification-banner")).to_contain_text(
        "Your email address is confirmed"
    )
    sign_in(page, sam.email)
    sam.refresh_from_db()
    assert sam.email_verified_at is not None

    # A place on tomorrow's session.
    page.goto(live_server.url + soon.get_absolute_url())
    expect(page.get_by_role("heading", name="Working with families")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("button", name="Book a place").click()
    page.wait_for_url(re.compile(rf"/training/sessions/{soon.pk}/book/$"))
    expect(page.locator("main")).to_contain_text("The place is booked under Holland Park School")
    assert_accessible(page)
    page.get_by_role("button", name="Confirm booking").click()
    page.wait_for_url(re.compile(r"/training/bookings/\d+/\?new=1$"))
    expect(page.locator(".govuk-panel--confirmation")).to_contain_text("Booking confirmed")
    assert_accessible(page)
    booked = Booking.objects.get(session=soon, delegate=sam)
    assert (booked.status, booked.agency) == (Booking.Status.CONFIRMED, agency)

    # The other session is full: the waiting list.
    page.goto(live_server.url + full.get_absolute_url())
    expect(page.locator("main")).to_contain_text("This session is full")
    assert_accessible(page)
    page.get_by_role("button", name="Join the waiting list").click()
    page.wait_for_url(re.compile(rf"/training/sessions/{full.pk}/book/$"))
    assert_accessible(page)
    page.get_by_role("button", name="Join the waiting list").click()
    page.wait_for_url(re.compile(r"/training/bookings/\d+/\?new=1$"))
    panel = page.locator(".govuk-panel--confirmation")
    expect(panel).to_contain_text("You are on the waiting list")
    expect(panel).to_contain_text("You are number 1 in the queue")
    assert_accessible(page)
    waiting = Booking.objects.get(session=full, delegate=sam)
    assert waiting.status == Booking.Status.WAITLISTED

    page.goto(live_server.url + reverse("training:my_training"))
    expect(page.get_by_role("table", name="On the waiting list")).to_contain_text("Court skills")
    assert_accessible(page)

    # The place holder cancels: the first on the waiting list is promoted and emailed.
    booking_cancel(booking=holder, actor=holder.delegate, reason="Off sick")
    page.reload()
    expect(page.get_by_role("table", name="Booked", exact=True)).to_contain_text("Court skills")
    expect(page.get_by_role("table", name="On the waiting list")).to_have_count(0)
    assert_accessible(page)
    promoted = sent_to(sam.email, "A place has come up: Court skills")
    assert "moved from the waiting list" in promoted.body
    page.goto(live_server.url + link_in(promoted.body, "/training/bookings/"))
    page.wait_for_url(re.compile(rf"/training/bookings/{waiting.pk}/$"))
    expect(page.locator(".govuk-summary-list").first).to_contain_text(
        "Place offered from the waiting list"
    )
    assert_accessible(page)
    waiting.refresh_from_db()
    assert waiting.status == Booking.Status.CONFIRMED
    assert waiting.promoted_at is not None

    # Cancelling tomorrow's session now is late, and the page says what it costs.
    charge = pounds(terms_in_force().late_cancellation_half_day_pence, short=True)
    page.goto(live_server.url + reverse("training:my_training"))
    page.get_by_role("link", name=re.compile(r"^Manage booking for Working with families")).click()
    page.wait_for_url(re.compile(rf"/training/bookings/{booked.pk}/$"))
    page.get_by_role("button", name="Cancel the booking").click()
    page.wait_for_url(re.compile(rf"/training/bookings/{booked.pk}/cancel/$"))
    expect(page.locator(".govuk-warning-text")).to_contain_text(
        f"Cancelling now will cost Holland Park School {charge}: it is a late cancellation."
    )
    assert_accessible(page)
    screenshot(page, "journey-late-cancellation")
    page.get_by_role("button", name=f"Cancel and accept the {charge} charge").click()
    page.wait_for_url(re.compile(r"/training/my-training/$"))
    expect(page.locator(".govuk-notification-banner--success")).to_contain_text(
        "Your booking on Working with families is cancelled. It was a late cancellation: "
        f"Holland Park School will be charged {charge}."
    )
    expect(page.get_by_role("table", name="Cancelled")).to_contain_text("Late")
    assert_accessible(page)

    booked.refresh_from_db()
    assert booked.status == Booking.Status.CANCELLED
    assert booked.cancelled_late
    assert list(Charge.objects.values_list("booking_id", "agency_id", "kind", "amount_pence")) == [
        (
            booked.pk,
            agency.pk,
            Charge.Kind.LATE_CANCELLATION,
            terms_in_force().late_cancellation_half_day_pence,
        )
    ]


def test_a_trainer_on_a_phone_marks_adds_walk_ins_and_closes_the_register(
    browser_page, live_server
):
    session = SessionFactory(
        course__title="Domestic abuse and children",
        starts_at=timezone.now() - timedelta(minutes=20),
    )
    trainer = UserFactory(email="tia@example.org", full_name="Tia Trainer", roles=["trainer"])
    session.trainers.add(trainer)
    asha = BookingFactory(session=session, delegate__full_name="Asha Patel")
    ben = BookingFactory(session=session, delegate__full_name="Ben Okafor")
    academy = AgencyFactory(name="Chelsea Academy")
    hospital = AgencyFactory(name="St Mary's Hospital")
    chris = UserFactory(email="chris@example.org", full_name="Chris Known", agency=hospital)
    page = browser_page
    page.set_viewport_size(PHONE)

    page.goto(live_server.url + reverse("training:register", args=[session.pk]))
    page.wait_for_url(re.compile(r"/account/sign-in/"))
    sign_in(page, trainer.email)
    page.wait_for_url(re.compile(rf"/sessions/{session.pk}/register/$"))
    expect(page.get_by_role("heading", name="Register", level=1)).to_be_visible()
    expect(page.locator("main")).to_contain_text("0 of 2 people marked")
    assert_accessible(page)
    # Nothing wider than the phone: no sideways scrolling.
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")

    # Everyone marked attended in one go, then the one who did not come changed.
    page.get_by_role("button", name="Mark everyone attended").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text(
        "2 people marked as attended"
    )
    assert_accessible(page)
    page.get_by_role("group", name="Ben Okafor").get_by_label("Absent").check()
    page.get_by_role("button", name="Save").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text(
        "Saved 1 person's mark. Everyone is marked: you can close the register."
    )
    expect(page.get_by_role("group", name="Asha Patel").get_by_label("Attended")).to_be_checked()
    assert_accessible(page)

    # A walk-in without an account: an account under the organisation the trainer chose.
    page.get_by_role("button", name="Add a walk-in").click()
    page.wait_for_url(re.compile(rf"/sessions/{session.pk}/register/walk-in/$"))
    assert_accessible(page)
    page.get_by_label("Full name").fill("Nia New")
    page.get_by_label("Email address").fill("nia@academy.example.org")
    page.get_by_label(re.compile(r"^Organisation")).select_option(label="Chelsea Academy")
    page.get_by_role("button", name="Add to the register").click()
    page.wait_for_url(re.compile(rf"/sessions/{session.pk}/register/$"))
    expect(page.locator(".govuk-notification-banner")).to_contain_text(
        "Nia New (Chelsea Academy) has been added to the register as attended."
    )
    assert_accessible(page)

    # A walk-in with an account: recorded under their own organisation, whatever is chosen.
    page.get_by_role("button", name="Add a walk-in").click()
    page.wait_for_url(re.compile(r"/register/walk-in/$"))
    page.get_by_label("Full name").fill("Chris Known")
    page.get_by_label("Email address").fill("Chris@Example.org")
    page.get_by_label(re.compile(r"^Organisation")).select_option(label="Chelsea Academy")
    page.get_by_role("button", name="Add to the register").click()
    page.wait_for_url(re.compile(rf"/sessions/{session.pk}/register/$"))
    expect(page.locator(".govuk-notification-banner")).to_contain_text(
        "Chris Known (St Mary's Hospital) has been added to the register as attended."
    )
    expect(page.locator("main")).to_contain_text("4 of 4 people marked")
    assert_accessible(page)

    page.get_by_role("button", name="Close the register").click()
    page.wait_for_url(re.compile(r"/register/close/$"))
    summary = page.locator(".govuk-summary-list")
    expect(summary.locator(".govuk-summary-list__row", has_text="Attended")).to_contain_text("3")
    expect(summary.locator(".govuk-summary-list__row", has_text="Absent")).to_contain_text("1")
    expect(summary.locator(".govuk-summary-list__row", has_text="Not marked")).to_contain_text("0")
    expect(page.locator("main")).to_contain_text("This session is due to end at")
    assert_accessible(page)
    page.get_by_label("Close the register now, before the session ends").check()
    page.get_by_role("button", name="Close the register").click()
    page.wait_for_url(re.compile(rf"/sessions/{session.pk}/register/$"))
    expect(page.locator(".govuk-notification-banner")).to_contain_text(
        "The register is closed and the session is marked as delivered. 1 charge has been raised."
    )
    main = page.locator("main")
    expect(main).to_contain_text("by Tia Trainer. The session is delivered.")
    expect(main).to_contain_text("3 attended, 0 partial, 1 absent, 0 turned away.")
    register = page.locator(".govuk-summary-list")
    expect(register.locator(".govuk-summary-list__row", has_text="Nia New")).to_contain_text(
        "Chelsea Academy (walk-in)"
    )
    expect(register.locator(".govuk-summary-list__row", has_text="Chris Known")).to_contain_text(
        "St Mary's Hospital (walk-in)"
    )
    expect(register.locator(".govuk-summary-list__row", has_text="Ben Okafor")).to_contain_text(
        "Absent"
    )
    expect(page.get_by_role("button", name="Save")).to_have_count(0)
    assert_accessible(page)
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    screenshot(page, "journey-closed-register-on-a-phone")

    session.refresh_from_db()
    assert session.status == Session.Status.DELIVERED
    assert session.register_closed_by == trainer
    rows = Booking.objects.filter(session=session).values_list(
        "delegate__email", "agency__name", "attendance", "is_walk_in", "status"
    )
    assert sorted(rows) == sorted(
        [
            (asha.delegate.email, asha.agency.name, "attended", False, "confirmed"),
            (ben.delegate.email, ben.agency.name, "absent", False, "confirmed"),
            ("nia@academy.example.org", "Chelsea Academy", "attended", True, "confirmed"),
            ("chris@example.org", "St Mary's Hospital", "attended", True, "confirmed"),
        ]
    )
    assert User.objects.get(email="nia@academy.example.org").agency == academy
    chris.refresh_from_db()
    assert chris.agency == hospital  # The walk-in did not move them.
    assert list(Charge.objects.values_list("booking_id", "kind")) == [(ben.pk, "no_show")]
    # Each walk-in is told: the new one how to claim the account, the other that they were
    # recorded (so that a wrong entry comes to light).
    claim = sent_to("nia@academy.example.org", "You were recorded at a training session")
    assert "Forgotten your password?" in claim.body
    sent_to("chris@example.org", "Recorded as attending: Domestic abuse and children")


def test_a_delegate_evaluates_downloads_and_verifies_the_certificate(browser_page, live_server):
    dee = UserFactory(email="dee@example.org", full_name="Dee Legate")
    # The register closed an hour ago: the invitation went out then.
    session, (booking,) = delivered_session(
        starts_at=timezone.now() - timedelta(hours=8), delegates=[dee]
    )
    course = session.course
    outcomes = list(course.outcomes.order_by("position"))
    page = browser_page

    invitation_email = sent_to(dee.email, f"Evaluate {course.title}")
    page.goto(live_server.url + link_in(invitation_email.body, "/s/"))
    page.wait_for_url(re.compile(r"/page/1/$"))
    expect(page.get_by_role("heading", name="Who sees your answers")).to_be_visible()
    assert_accessible(page)
    for outcome in outcomes:
        page.get_by_role("group", name=outcome.text).get_by_label("Good").check()
    for question, answer in [
        ("Overall, how would you rate the workshop?", "Excellent"),
        ("How would you rate the trainer's knowledge of the subject?", "Excellent"),
        ("How would you rate the materials and handouts?", "Good"),
        ("How would you rate the venue, or the online delivery?", "Satisfactory"),
        ("Were the workshop's objectives met?", "Fully"),
    ]:
        page.get_by_role("group", name=question).get_by_label(answer).check()
    page.get_by_role("button", name="Save and continue").click()

    # The "before" page, with the second outcome left out: the error summary, the first
    # answer kept.
    page.wait_for_url(re.compile(r"/page/2/$"))
    expect(page.locator("main")).to_contain_text("Thinking back to before the workshop")
    assert_accessible(page)
    page.get_by_role("group", name=outcomes[0].text).get_by_label("Satisfactory").check()
    page.get_by_role("button", name="Save and continue").click()
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_contain_text("There is a problem")
    expect(summary.get_by_role("link")).to_have_count(1)
    expect(
        page.get_by_role("group", name=outcomes[0].text).get_by_label("Satisfactory")
    ).to_be_checked()
    assert_accessible(page)
    page.get_by_role("group", name=outcomes[1].text).get_by_label("Poor").check()
    page.get_by_role("button", name="Save and continue").click()

    page.wait_for_url(re.compile(r"/page/3/$"))
    assert_accessible(page)
    page.get_by_label("What will you do differently").fill("Check the referral route first")
    page.get_by_role("button", name="Send your answers").click()

    page.wait_for_url(re.compile(r"/thank-you/$"))
    expect(page.locator(".govuk-panel--confirmation")).to_contain_text(
        f"We have your answers about {course.title}"
    )
    certificate_link = page.get_by_role(
        "link", name="Download your certificate of attendance (PDF)"
    )
    expect(page.locator("main")).to_contain_text("You will be asked to sign in first")
    assert_accessible(page)
    booking.refresh_from_db()
    assert booking.evaluated_at is not None
    invitation = SurveyInvitation.objects.get(booking=booking, kind=SurveyKind.END_OF_SESSION)
    assert list(
        OutcomeRating.objects.filter(response__invitation=invitation)
        .order_by("outcome__position")
        .values_list("before", "after")
    ) == [(2, 3), (1, 3)]

    # The certificate: signing in on the way, then the PDF.
    certificate_link.click()
    page.wait_for_url(re.compile(r"/account/sign-in/"))
    assert_accessible(page)
    page.get_by_label("Email address").fill(dee.email)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    filename, content = download(page, lambda: page.get_by_role("button", name="Sign in").click())
    assert filename.startswith(f"certificate-{course.code}-") and filename.endswith(".pdf")
    text = pdf_text(content)
    assert "Dee Legate" in text
    assert course.title in text
    certificate = Certificate.objects.get(booking=booking)
    # The code, and the verification address that ends with it.
    assert set(CERTIFICATE_CODE.findall(text)) == {certificate.code}
    response = page.request.get(
        live_server.url + reverse("training:certificate", args=[booking.pk])
    )
    assert response.status == 200
    assert response.headers["content-type"] == "application/pdf"
    assert response.body().startswith(b"%PDF")

    # Anyone may check it, signed out, by the code printed on it.
    page.context.clear_cookies()
    page.goto(live_server.url + reverse("certificates:verify_lookup"))
    expect(page.get_by_role("heading", name="Check a certificate of attendance")).to_be_visible()
    assert_accessible(page)
    page.get_by_label("Certificate code").fill(certificate.code.lower().replace("-", " "))
    page.get_by_role("button", name="Check the certificate").click()
    page.wait_for_url(re.compile(rf"/certificates/verify/{certificate.code}/$"))
    expect(page.locator(".govuk-panel--confirmation")).to_contain_text(
        "This certificate is genuine"
    )
    details = page.locator(".govuk-summary-list")
    expect(details).to_contain_text("Dee Legate")
    expect(details).to_contain_text(course.title)
    expect(page.locator('form[action="/account/sign-out/"]')).to_have_count(0)
    assert_accessible(page)


def test_a_coordinator_waives_a_charge_and_invoices_the_rest(browser_page, live_server):
    academy = AgencyFactory(name="Chelsea Academy", invoice_contact_email="bursar@example.org")
    una = UserFactory(full_name="Una Waived", agency=academy)
    vic = UserFactory(full_name="Vic Invoiced", agency=academy)
    # Delivered three days ago; both were absent, so closing the register charged both.
    session, (una_booking, vic_booking) = delivered_session(
        starts_at=timezone.now() - timedelta(days=3),
        attendances=["absent", "absent"],
        delegates=[una, vic],
    )
    una_charge = Charge.objects.get(booking=una_booking)
    vic_charge = Charge.objects.get(booking=vic_booking)
    cora = coordinator(email="cora@example.org", full_name="Cora Ordinator")
    page = browser_page

    page.goto(live_server.url + reverse("training:manage_charges"))
    page.wait_for_url(re.compile(r"/account/sign-in/"))
    sign_in(page, cora.email)
    page.wait_for_url(re.compile(r"/training/manage/charges/$"))
    expect(page.get_by_role("heading", name="2 charges")).to_be_visible()
    assert_accessible(page)

    # Without a reason nothing is waived.
    page.get_by_label(re.compile(r"^Select did not attend for Una Waived")).check()
    page.get_by_role("button", name="Waive the selected charges").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text(
        "Enter the reason for waiving the charges"
    )
    expect(page.get_by_label(re.compile(r"^Select did not attend for Una Waived"))).to_be_checked()
    assert_accessible(page)
    una_charge.refresh_from_db()
    assert una_charge.status == Charge.Status.PENDING

    page.get_by_label("Reason for waiving").fill("Snow closed the school that day")
    page.get_by_role("button", name="Waive the selected charges").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text(
        "1 charge waived. The reason is kept with it."
    )
    waived_row = page.get_by_role("row", name=re.compile("Una Waived"))
    expect(waived_row).to_contain_text("Waived")
    expect(waived_row).to_contain_text("Snow closed the school that day (Cora Ordinator)")
    assert_accessible(page)

    # The invoice run: a preview, then one invoice for what is still pending.
    page.get_by_role("link", name="Run invoices now").click()
    page.wait_for_url(re.compile(r"/training/manage/invoices/run/$"))
    preview = page.get_by_role("table", name=re.compile("Pending charges raised up to"))
    expect(preview.get_by_role("row", name=re.compile("Chelsea Academy"))).to_contain_text(
        pounds(vic_charge.amount_pence)
    )
    assert_accessible(page)
    page.get_by_role("button", name="Issue 1 invoice").click()
    # The run's page: the task runs eagerly in the tests, so the run has finished.
    page.wait_for_url(re.compile(r"/training/manage/invoices/runs/\d+/$"))
    invoice = Invoice.objects.get()
    expect(page.locator(".govuk-panel")).to_contain_text("1 invoice issued")
    assert_accessible(page)

    page.get_by_role("link", name=invoice.number).click()
    page.wait_for_url(re.compile(rf"/training/manage/invoices/{invoice.pk}/$"))
    expect(page.get_by_role("heading", name=invoice.number, level=1)).to_be_visible()
    lines = page.get_by_role("table", name="1 line")
    expect(lines).to_contain_text("Vic Invoiced")
    expect(lines).not_to_contain_text("Una Waived")
    expect(lines.locator("tfoot")).to_contain_text(pounds(vic_charge.amount_pence))
    assert_accessible(page)

    filename, content = download(
        page, lambda: page.get_by_role("button", name=re.compile("^Download the PDF")).click()
    )
    assert filename == f"{invoice.number}.pdf"
    text = pdf_text(content)
    assert invoice.number in text
    assert "Vic Invoiced" in text
    assert "Una Waived" not in text
    response = page.request.get(
        live_server.url + reverse("training:manage_invoice_pdf", args=[invoice.pk])
    )
    assert response.headers["content-type"] == "application/pdf"
    # The organisation's invoice contact has the same PDF.
    emailed = sent_to("bursar@example.org", f"Invoice {invoice.number}")
    ((attached_name, attached, mimetype),) = emailed.attachments
    assert (attached_name, mimetype) == (f"{invoice.number}.pdf", "application/pdf")
    assert "Vic Invoiced" in pdf_text(attached) and "Una Waived" not in pdf_text(attached)

    una_charge.refresh_from_db()
    vic_charge.refresh_from_db()
    assert (una_charge.status, una_charge.waive_reason, una_charge.waived_by) == (
        Charge.Status.WAIVED,
        "Snow closed the school that day",
        cora,
    )
    assert (vic_charge.status, vic_charge.invoice) == (Charge.Status.INVOICED, invoice)
    assert invoice.agency == academy
    assert invoice.total_pence == vic_charge.amount_pence
    assert list(invoice.lines.values_list("charge_id", flat=True)) == [vic_charge.pk]
    assert session.status == Session.Status.DELIVERED
