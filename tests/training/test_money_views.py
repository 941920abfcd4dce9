"""Coordinators' charges and invoices pages: filters, waiving, the run, PDFs and exports."""

import csv
import io
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from accounts.models import Role
from audit.models import AuditEntry
from tests.factories import (
    AgencyFactory,
    BookingFactory,
    SessionFactory,
    UserFactory,
    coordinator,
)
from training.models import Booking, Charge, Invoice
from training.services.invoices import credit_note_issue, invoices_run
from training.services.registers import attendance_mark

pytestmark = pytest.mark.django_db
LONDON = ZoneInfo("Europe/London")


def london(*args) -> datetime:
    return datetime(*args, tzinfo=LONDON)


def make_charge(
    agency=None,
    *,
    delegate=None,
    raised_at=None,
    status=Charge.Status.PENDING,
    kind=Charge.Kind.NO_SHOW,
    pence=8000,
    course_title=None,
) -> Charge:
    """Data for the pages: a no-show booking on a delivered session and its charge, as
    register_close leaves them (the charge rules have their own tests)."""
    agency = agency or AgencyFactory()
    delegate = delegate or UserFactory(agency=agency)
    raised_at = raised_at or timezone.now() - timedelta(days=3)
    session_kwargs = {"course__title": course_title} if course_title else {}
    session = SessionFactory(
        starts_at=raised_at - timedelta(hours=8),
        status="delivered",
        register_closed_at=raised_at,
        **session_kwargs,
    )
    booking = BookingFactory(
        session=session, delegate=delegate, agency=agency, attendance=Booking.Attendance.ABSENT
    )
    return Charge.objects.create(
        booking=booking,
        agency=agency,
        kind=kind,
        amount_pence=pence,
        status=status,
        raised_at=raised_at,
    )


@pytest.fixture
def coordinator_client(client):
    user = coordinator()
    client.force_login(user)
    client.user = user
    return client


def pdf_text(data: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def csv_rows(response) -> list[list[str]]:
    body = b"".join(response.streaming_content).decode("utf-8")
    return list(csv.reader(io.StringIO(body)))


def count_queries(client, url, data=None) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url, data or {}).status_code == 200
    return len(queries)


# Who may see the pages -------------------------------------------------------------------


def money_urls():
    make_charge()
    invoice = invoices_run(period_end=timezone.localdate())[0]
    return [
        reverse("training:manage_charges"),
        reverse("training:manage_invoices"),
        reverse("training:manage_invoices_run"),
        reverse("training:manage_invoices_csv"),
        reverse("training:manage_invoice_lines_csv"),
        reverse("training:manage_invoice", args=[invoice.pk]),
        reverse("training:manage_invoice_pdf", args=[invoice.pk]),
        reverse("training:manage_invoice_paid", args=[invoice.pk]),
        reverse("training:manage_invoice_credit", args=[invoice.pk]),
    ]


@pytest.mark.parametrize("role", [Role.DELEGATE, Role.TRAINER, Role.REVIEWER])
def test_money_pages_refuse_other_roles(client, role):
    urls = money_urls()
    client.force_login(UserFactory(roles=[role]))
    for url in urls:
        assert client.get(url).status_code == 403, url
        assert client.post(url, {}).status_code == 403, url
    assert Invoice.objects.get().status == Invoice.Status.ISSUED


def test_money_pages_send_anonymous_people_to_sign_in(client):
    for url in money_urls():
        for response in (client.get(url), client.post(url, {})):
            assert response.status_code == 302, url
            assert response["Location"].startswith(reverse("accounts:login")), url


def test_money_pages_open_for_coordinators(coordinator_client):
    urls = money_urls()
    paid_url = reverse("training:manage_invoice_paid", args=[Invoice.objects.get().pk])
    for url in urls:
        expected = 405 if url == paid_url else 200  # marking paid is a POST
        assert coordinator_client.get(url).status_code == expected, url


def test_coordinators_see_charges_and_invoices_in_the_navigation(coordinator_client):
    response = coordinator_client.get(reverse("training:manage_invoices"))
    items = {item["label"]: item["active"] for item in response.context["nav_items"]}
    assert items["Charges and invoices"] is True
    assert items["Sessions"] is False


# The charges page --------------------------------------------------------------------


def shown(response) -> list[int]:
    return [row["charge"].pk for row in response.context["rows"]]


def test_charges_filter_by_organisation_status_and_period(coordinator_client):
    school, nursery = AgencyFactory(name="Holland Park School"), AgencyFactory(name="Acorns")
    april = make_charge(school, raised_at=london(2026, 4, 10, 12))
    may = make_charge(school, raised_at=london(2026, 5, 31, 23, 30))  # still May in London
    june = make_charge(nursery, raised_at=london(2026, 6, 1, 9), pence=4000)
    waived = make_charge(nursery, raised_at=london(2026, 6, 2, 9), status=Charge.Status.WAIVED)
    url = reverse("training:manage_charges")

    response = coordinator_client.get(url)
    assert shown(response) == [waived.pk, june.pk, may.pk, april.pk]
    assert response.context["totals"] == {
        "count": 4,
        "raised_pence": 28000,
        "pending_pence": 20000,
        "invoiced_pence": 0,
        "waived_pence": 8000,
        "withdrawn_pence": 0,
    }
    assert "£280.00" in response.content.decode()
    assert '<strong class="govuk-tag govuk-tag--grey">Not owed</strong>' not in (
        response.content.decode()
    )
    Charge.objects.filter(pk=waived.pk).update(waived_as_not_owed=True)
    response = coordinator_client.get(url)
    assert '<strong class="govuk-tag govuk-tag--grey">Not owed</strong>' in (
        response.content.decode()
    )
    # Withdrawn as not owed, it is neither raised nor waived.
    assert response.context["totals"] == {
        "count": 3,
        "raised_pence": 20000,
        "pending_pence": 20000,
        "invoiced_pence": 0,
        "waived_pence": 0,
        "withdrawn_pence": 8000,
    }
    assert shown(coordinator_client.get(url, {"status": "waived"})) == []
    assert shown(coordinator_client.get(url, {"status": "not_owed"})) == [waived.pk]

    response = coordinator_client.get(url, {"organisation": school.pk})
    assert shown(response) == [may.pk, april.pk]
    response = coordinator_client.get(url, {"status": "pending", "organisation": nursery.pk})
    assert shown(response) == [june.pk]
    assert response.context["totals"]["raised_pence"] == 4000
    period = {
        "raised_from_day": "1",
        "raised_from_month": "5",
        "raised_from_year": "2026",
        "raised_to_day": "31",
        "raised_to_month": "5",
        "raised_to_year": "2026",
    }
    assert shown(coordinator_client.get(url, period)) == [may.pk]


def test_charge_period_running_backwards_is_an_error(coordinator_client):
    response = coordinator_client.get(
        reverse("training:manage_charges"),
        {
            "raised_from_day": "2",
            "raised_from_month": "5",
            "raised_from_year": "2026",
            "raised_to_day": "1",
            "raised_to_month": "5",
            "raised_to_year": "2026",
        },
    )
    assert (
        "The ‘raised to’ date must be on or after the ‘raised from’ date"
        in response.content.decode()
    )


def test_charges_are_paginated(coordinator_client):
    for _ in range(52):
        make_charge(pence=1000)
    url = reverse("training:manage_charges")
    first = coordinator_client.get(url)
    assert len(first.context["rows"]) == 50
    assert first.context["totals"]["raised_pence"] == 52000  # over every page
    assert len(coordinator_client.get(url, {"page": 2}).context["rows"]) == 2


def test_waiving_several_charges_with_a_reason(coordinator_client):
    first, second, other = make_charge(), make_charge(), make_charge()
    url = reverse("training:manage_charges") + "?status=pending"

    response = coordinator_client.post(
        url, {"charges": [first.pk, second.pk], "reason": "  Snow closed the venue "}
    )

    assert response.status_code == 302
    assert response["Location"] == url
    assert "2 charges waived" in coordinator_client.get(url).content.decode()
    for charge in (first, second):
        charge.refresh_from_db()
        assert charge.status == Charge.Status.WAIVED
        assert charge.waive_reason == "Snow closed the venue"
        assert charge.waived_by == coordinator_client.user
    other.refresh_from_db()
    assert other.status == Charge.Status.PENDING
    entries = AuditEntry.objects.filter(action="charge_waived")
    assert sorted(int(e.object_id) for e in entries) == sorted([first.pk, second.pk])
    assert {e.actor for e in entries} == {coordinator_client.user}


@pytest.mark.parametrize(
    ("post", "error"),
    [
        ({"reason": "Snow"}, "Select the charges to waive"),
        ({"charges": "FIRST", "reason": "   "}, "Enter the reason for waiving the charges"),
        ({"charges": ["FIRST", "INVOICED"], "reason": "Snow"}, "Only pending charges"),
        ({"charges": ["FIRST", "999999"], "reason": "Snow"}, "no longer exists"),
    ],
)
def test_waiving_refuses_and_writes_nothing(coordinator_client, post, error):
    first = make_charge()
    invoiced = make_charge(status=Charge.Status.INVOICED)
    ids = {"FIRST": str(first.pk), "INVOICED": str(invoiced.pk)}
    if "charges" in post:
        chosen = post["charges"] if isinstance(post["charges"], list) else [post["charges"]]
        post = {**post, "charges": [ids.get(value, value) for value in chosen]}

    response = coordinator_client.post(reverse("training:manage_charges"), post)

    assert response.status_code == 200
    page = response.content.decode()
    assert "There is a problem" in page
    assert error in page
    assert set(Charge.objects.values_list("status", flat=True)) == {"pending", "invoiced"}
    assert not AuditEntry.objects.filter(action="charge_waived").exists()
    if "charges" in post:  # what was ticked stays ticked
        assert f'value="{first.pk}" checked' in page


def test_repeat_no_shows_panel(coordinator_client):
    now = timezone.now()
    repeat = UserFactory(full_name="Rita Repeat")
    make_charge(delegate=repeat, agency=repeat.agency, raised_at=now - timedelta(days=300))
    make_charge(delegate=repeat, agency=repeat.agency, raised_at=now - timedelta(days=5))
    once = UserFactory(full_name="Olly Once")
    make_charge(delegate=once, agency=once.agency)
    long_ago = UserFactory(full_name="Lorna Longago")
    make_charge(delegate=long_ago, agency=long_ago.agency, raised_at=now - timedelta(days=400))
    make_charge(delegate=long_ago, agency=long_ago.agency, raised_at=now - timedelta(days=10))
    turned_away = UserFactory(full_name="Tom Turnedaway")
    for _ in range(2):
        make_charge(delegate=turned_away, agency=turned_away.agency)
    Booking.objects.filter(delegate=turned_away).update(attendance="turned_away")
    # A register still open does not count yet.
    open_register = UserFactory(full_name="Oscar Open")
    make_charge(delegate=open_register, agency=open_register.agency)
    BookingFactory(
        delegate=open_register,
        attendance="absent",
        session=SessionFactory(starts_at=now - timedelta(hours=2)),
    )

    response = coordinator_client.get(reverse("training:manage_charges"))

    listed = {person.name: person.no_shows for person in response.context["repeat_no_shows"]}
    assert listed == {"Rita Repeat": 2, "Tom Turnedaway": 2}
    page = response.content.decode()
    assert "Rita Repeat" in page
    assert repeat.agency.name in page


# The invoice run ---------------------------------------------------------------------


def date_parts(prefix, day):
    return {f"{prefix}_day": day.day, f"{prefix}_month": day.month, f"{prefix}_year": day.year}


def test_invoice_run_shows_what_it_will_invoice_then_runs(
    coordinator_client, settings, django_capture_on_commit_callbacks
):
    settings.COURSEBOOK_INVOICE_PREFIX = "TRI-"
    school, nursery = AgencyFactory(name="Holland Park School"), AgencyFactory(name="Acorns")
    make_charge(school, raised_at=london(2026, 5, 3, 10))
    make_charge(school, raised_at=london(2026, 5, 31, 22))
    make_charge(nursery, raised_at=london(2026, 5, 20, 10), pence=4000)
    later = make_charge(nursery, raised_at=london(2026, 6, 1, 0, 30))
    url = reverse("training:manage_invoices_run")

    default = coordinator_client.get(url)
    assert default.context["period_end"] == timezone.localdate() - timedelta(days=1)

    response = coordinator_client.get(url, date_parts("period_end", date(2026, 5, 31)))
    rows = [(row.agency, row.charges, row.total_pence) for row in response.context["preview"]]
    assert rows == [("Acorns", 1, 4000), ("Holland Park School", 2, 16000)]
    page = response.content.decode()
    assert "Issue 2 invoices" in page
    assert "£200.00" in page

    with django_capture_on_commit_callbacks(execute=True):
        response = coordinator_client.post(url, date_parts("period_end", date(2026, 5, 31)))
    page = coordinator_client.get(response["Location"]).content.decode()
    assert "2 invoices issued" in page
    assert "3 charges, £200.00" in page
    assert "TRI-000001" in page and "TRI-000002" in page
    assert Invoice.objects.count() == 2
    later.refresh_from_db()
    assert later.status == Charge.Status.PENDING
    assert Invoice.objects.get(agency=school).issued_by == coordinator_client.user

    with django_capture_on_commit_callbacks(execute=True):
        response = coordinator_client.post(url, date_parts("period_end", date(2026, 5, 31)))
    page = coordinator_client.get(response["Location"]).content.decode()
    assert "Nothing to invoice" in page
    assert "No pending charges were raised up to 31 May 2026" in page
    assert Invoice.objects.count() == 2


def test_invoice_run_refuses_a_future_date(coordinator_client):
    make_charge()
    response = coordinator_client.post(
        reverse("training:manage_invoices_run"),
        date_parts("period_end", timezone.localdate() + timedelta(days=1)),
    )
    assert response.status_code == 200
    assert "The date must be today or in the past" in response.content.decode()
    assert not Invoice.objects.exists()


# Invoices: list, detail, PDF, paid, credit note --------------------------------------


@pytest.fixture
def issued(settings):
    settings.COURSEBOOK_INVOICE_PREFIX = "TRI-"
    school = AgencyFactory(
        name="Holland Park School",
        invoice_contact_name="The Bursar",
        purchase_order_ref="PO-7781",
    )
    make_charge(school, delegate=UserFactory(full_name="Ada Absent"), course_title="MASCP Level 3")
    make_charge(school, delegate=UserFactory(full_name="Ben Late"), pence=4000)
    return invoices_run(period_end=timezone.localdate())[0]


def test_invoice_list_filters(coordinator_client, issued):
    other = make_charge(AgencyFactory(name="Acorns"))
    invoices_run(period_end=timezone.localdate())
    url = reverse("training:manage_invoices")

    response = coordinator_client.get(url)
    assert [i.number for i in response.context["page"]] == ["TRI-000002", "TRI-000001"]
    page = response.content.decode()
    assert "Holland Park School" in page
    assert "£120.00" in page

    response = coordinator_client.get(url, {"organisation": other.agency_id})
    assert [i.number for i in response.context["page"]] == ["TRI-000002"]
    response = coordinator_client.get(url, {"status": "paid"})
    assert list(response.context["page"]) == []
    assert "invoices.csv?status=paid" in response.content.decode()


def test_invoice_page_shows_lines_and_total(coordinator_client, issued):
    response = coordinator_client.get(reverse("training:manage_invoice", args=[issued.pk]))
    page = response.content.decode()
    for expected in [
        "TRI-000001",
        "Ada Absent",
        "Ben Late",
        "MASCP Level 3",
        "£120.00",
        "PO-7781",
    ]:
        assert expected in page, expected
    assert "Mark as paid" in page
    assert "Issue a credit note" in page


def test_invoice_pdf_is_the_stored_document(coordinator_client, issued):
    response = coordinator_client.get(reverse("training:manage_invoice_pdf", args=[issued.pk]))
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == 'attachment; filename="TRI-000001.pdf"'
    assert response.content == bytes(Invoice.objects.get(pk=issued.pk).pdf)
    text = pdf_text(response.content)
    for expected in [
        "TRI-000001",
        "Holland Park School",
        "The Bursar",
        "PO-7781",
        "Ada Absent",
        "Ben Late",
        "MASCP Level 3",
        "Did not attend",
        "£80.00",
        "£40.00",
        "£120.00",
    ]:
        assert expected in text, expected


def test_marking_an_invoice_paid(coordinator_client, issued):
    url = reverse("training:manage_invoice_paid", args=[issued.pk])
    response = coordinator_client.post(url, follow=True)
    assert "Invoice TRI-000001 is marked as paid" in response.content.decode()
    issued.refresh_from_db()
    assert issued.status == Invoice.Status.PAID
    assert AuditEntry.objects.filter(action="invoice_paid", object_id=str(issued.pk)).exists()

    response = coordinator_client.post(url, follow=True)
    assert "Only an issued invoice can be marked as paid" in response.content.decode()
    assert "Mark as paid" not in response.content.decode()


def test_crediting_an_invoice_asks_for_a_reason_then_voids_it(coordinator_client, issued):
    url = reverse("training:manage_invoice_credit", args=[issued.pk])
    confirm = coordinator_client.get(url).content.decode()
    assert "Are you sure you want to credit this invoice?" in confirm
    assert "£120.00" in confirm

    response = coordinator_client.post(url, {"reason": ""})
    assert "Enter the reason for the credit note" in response.content.decode()
    assert Invoice.objects.count() == 1

    response = coordinator_client.post(url, {"reason": "Sessions cancelled by us"})
    note = Invoice.objects.get(kind=Invoice.Kind.CREDIT_NOTE)
    assert response["Location"] == reverse("training:manage_invoice", args=[note.pk])
    page = coordinator_client.get(response["Location"]).content.decode()
    assert f"Credit note {note.number} issued for £120.00. Invoice TRI-000001 is void." in page
    assert (
        "2 charges still owed under the register are pending again, for the "
        "organisation&#x27;s next invoice." in page
    )
    assert "waived" not in page
    assert "Sessions cancelled by us" in page
    issued.refresh_from_db()
    assert issued.status == Invoice.Status.VOID
    assert note.total_pence == -12000
    # Still owed under the register: they go on the next invoice.
    assert set(Charge.objects.values_list("status", flat=True)) == {"pending"}
    assert set(Charge.objects.values_list("invoice", flat=True)) == {None}
    assert "Sessions cancelled by us" in pdf_text(bytes(note.pdf))
    # A void invoice cannot be credited again.
    response = coordinator_client.post(url, {"reason": "Again"}, follow=True)
    assert "Only an unpaid issued invoice can be credited" in response.content.decode()
    assert Invoice.objects.count() == 2


def test_the_credit_note_banner_says_what_became_of_each_charge(coordinator_client, issued):
    owed, corrected = Charge.objects.order_by("pk")
    # The register was wrong for one delegate: they were there, so nothing is owed.
    attendance_mark(
        booking=corrected.booking,
        attendance=Booking.Attendance.ATTENDED,
        actor=coordinator_client.user,
        reason="Signed in after all",
    )

    response = coordinator_client.post(
        reverse("training:manage_invoice_credit", args=[issued.pk]),
        {"reason": "Register corrected"},
        follow=True,
    )

    owed.refresh_from_db()
    corrected.refresh_from_db()
    assert (owed.status, owed.invoice) == (Charge.Status.PENDING, None)
    assert (corrected.status, corrected.waived_as_not_owed) == (Charge.Status.WAIVED, True)
    banner = str(list(response.context["messages"])[0])
    assert banner.endswith(
        "Invoice TRI-000001 is void. 1 charge still owed under the register is pending again, "
        "for the organisation's next invoice. 1 charge no longer owed is withdrawn as not owed."
    )
    assert "charges are waived" not in response.content.decode()


# Exports for the finance system ------------------------------------------------------


def test_invoice_csv_has_decimal_amounts_and_cannot_run_formulas(coordinator_client, settings):
    settings.COURSEBOOK_INVOICE_PREFIX = "TRI-"
    risky = AgencyFactory(
        name='=HYPERLINK("http://evil.example")',
        invoice_contact_name="+44 20 7946 0000",
        purchase_order_ref="-PO-1",
    )
    make_charge(
        risky, delegate=UserFactory(full_name="@Evil Name"), course_title="-1+1", pence=4050
    )
    invoice = invoices_run(period_end=timezone.localdate())[0]
    note = credit_note_issue(invoice=invoice, actor=coordinator_client.user, reason="=1+1")

    rows = csv_rows(coordinator_client.get(reverse("training:manage_invoices_csv")))
    header, *data = rows
    assert header[:4] == ["number", "kind", "credits_invoice", "organisation"]
    by_number = {row[0]: dict(zip(header, row, strict=True)) for row in data}
    assert by_number["TRI-000001"]["total_gbp"] == "40.50"
    assert by_number["TRI-000001"]["status"] == "void"
    assert by_number["TRI-000001"]["organisation"] == '\'=HYPERLINK("http://evil.example")'
    assert by_number["TRI-000001"]["invoice_contact_name"] == "'+44 20 7946 0000"
    assert by_number["TRI-000001"]["purchase_order_ref"] == "'-PO-1"
    credit = by_number[note.number]
    assert credit["total_gbp"] == "-40.50"  # a number, not escaped
    assert credit["credits_invoice"] == "TRI-000001"
    assert credit["reason"] == "'=1+1"
    assert credit["issued_on"] == timezone.localdate().isoformat()

    response = coordinator_client.get(reverse("training:manage_invoice_lines_csv"))
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert "attachment" in response["Content-Disposition"]
    header, *lines = csv_rows(response)
    assert header == [
        "invoice_number",
        "kind",
        "organisation",
        "charge_id",
        "delegate",
        "course",
        "session_date",
        "reason",
        "amount_gbp",
    ]
    assert [(line[0], line[4], line[5], line[8]) for line in lines] == [
        ("TRI-000001", "'@Evil Name", "'-1+1", "40.50"),
        (note.number, "'@Evil Name", "'-1+1", "-40.50"),
    ]


def test_csv_exports_follow_the_list_filters(coordinator_client, issued):
    invoices_run(period_end=timezone.localdate())  # nothing more to invoice
    make_charge(AgencyFactory(name="Acorns"))
    invoices_run(period_end=timezone.localdate())
    rows = csv_rows(
        coordinator_client.get(
            reverse("training:manage_invoices_csv"), {"organisation": issued.agency_id}
        )
    )
    assert [row[0] for row in rows[1:]] == ["TRI-000001"]
    lines = csv_rows(
        coordinator_client.get(
            reverse("training:manage_invoice_lines_csv"), {"organisation": issued.agency_id}
        )
    )
    assert sorted(line[4] for line in lines[1:]) == ["Ada Absent", "Ben Late"]
    assert sorted(line[8] for line in lines[1:]) == ["40.00", "80.00"]


# Queries stay fixed whatever the data ------------------------------------------------


def test_charges_page_runs_the_same_queries_whatever_the_number_of_charges(coordinator_client):
    url = reverse("training:manage_charges")
    for _ in range(2):
        make_charge()
    make_charge(status=Charge.Status.WAIVED)
    few = count_queries(coordinator_client, url)
    for _ in range(15):
        make_charge()
    for _ in range(3):
        person = UserFactory()
        make_charge(person.agency, delegate=person)
        make_charge(person.agency, delegate=person, status=Charge.Status.WAIVED)
    invoices_run(period_end=timezone.localdate())
    make_charge()
    many = count_queries(coordinator_client, url)
    assert few == many
    assert many <= 12


def test_invoice_list_and_page_run_the_same_queries_whatever_the_size(coordinator_client):
    make_charge()
    first = invoices_run(period_end=timezone.localdate())[0]
    list_url = reverse("training:manage_invoices")
    few = count_queries(coordinator_client, list_url)
    few_page = count_queries(
        coordinator_client, reverse("training:manage_invoice", args=[first.pk])
    )
    agency = AgencyFactory()
    for _ in range(12):
        make_charge(agency)
    for _ in range(6):
        make_charge()
    invoices = invoices_run(period_end=timezone.localdate())
    credit_note_issue(invoice=invoices[0], actor=coordinator_client.user, reason="Wrong")
    many = count_queries(coordinator_client, list_url)
    big = Invoice.objects.get(agency=agency, kind=Invoice.Kind.INVOICE)
    many_page = count_queries(
        coordinator_client, reverse("training:manage_invoice", args=[big.pk])
    )
    assert few == many
    assert few_page == many_page
    assert many <= 10
