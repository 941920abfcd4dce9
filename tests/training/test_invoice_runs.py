"""A coordinator's invoice run in the background: the request queues it, a Celery task
issues the invoices, the run's page shows how far it has got and then what it issued."""

import re
from datetime import date, timedelta

import pytest
import time_machine
from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.models import Role
from audit.models import AuditEntry
from tests.concurrency import race
from tests.factories import AgencyFactory, UserFactory, coordinator
from training import tasks
from training.models import Charge, Invoice, InvoiceLine, InvoiceRun
from training.services import invoice_runs
from training.services.invoice_runs import invoice_run_create, invoice_run_execute
from training.services.invoices import invoice_issue_for_agency, invoices_run
from training.services.terms import terms_in_force
from training.views.money import RECENT_RUNS

from .test_money_views import date_parts, london, make_charge

pytestmark = pytest.mark.django_db
PERIOD_END = date(2026, 5, 31)


@pytest.fixture
def coordinator_client(client):
    client.user = coordinator()
    client.force_login(client.user)
    return client


@pytest.fixture
def pending(settings):
    """Three organisations' pending charges raised in May 2026."""
    settings.COURSEBOOK_INVOICE_PREFIX = "TRI-"
    charges = []
    for name, count in (("Acorns", 1), ("Holland Park School", 2), ("St Mary's Surgery", 1)):
        agency = AgencyFactory(name=name)
        charges += [
            make_charge(agency, raised_at=london(2026, 5, 10 + n, 10)) for n in range(count)
        ]
    return charges


def run_url(run) -> str:
    return reverse("training:manage_invoice_run", args=[run.pk])


def progress_url(run) -> str:
    return reverse("training:manage_invoice_run_progress", args=[run.pk])


def post_run(client, day=PERIOD_END):
    return client.post(reverse("training:manage_invoices_run"), date_parts("period_end", day))


def assert_each_charge_invoiced_once(charges) -> None:
    lines = list(InvoiceLine.objects.values_list("charge_id", flat=True))
    assert sorted(lines) == sorted(charge.pk for charge in charges)
    statuses = Charge.objects.filter(pk__in=[c.pk for c in charges]).values_list("status")
    assert {status for (status,) in statuses} == {Charge.Status.INVOICED}


# The request queues; the task invoices -----------------------------------------------


def test_the_request_only_queues_the_run_and_the_task_issues_the_invoices(
    coordinator_client, pending, django_capture_on_commit_callbacks
):
    with (
        django_capture_on_commit_callbacks(execute=False) as callbacks,
        CaptureQueriesContext(connection) as queries,
    ):
        response = post_run(coordinator_client)

    run = InvoiceRun.objects.get()
    assert response.status_code == 302
    assert response["Location"] == run_url(run)
    # Nothing is invoiced in the request, whatever the number of organisations.
    assert not Invoice.objects.exists()
    assert set(Charge.objects.values_list("status", flat=True)) == {Charge.Status.PENDING}
    assert len(queries) <= 12
    assert (run.status, run.period_end, run.created_by) == (
        InvoiceRun.Status.QUEUED,
        PERIOD_END,
        coordinator_client.user,
    )
    assert AuditEntry.objects.filter(action="invoice_run_requested").count() == 1
    assert len(callbacks) == 1

    waiting = coordinator_client.get(run_url(run)).content.decode()
    assert "Issuing invoices" in waiting
    assert "Waiting to start" in waiting
    assert f'data-url="{progress_url(run)}"' in waiting
    assert "js/invoice-run-progress.js" in waiting
    assert "<script>" not in waiting  # no inline script: the page's script is a static file

    callbacks[0]()  # the commit queues the task, which runs eagerly here

    run.refresh_from_db()
    assert (run.status, run.done, run.total) == (InvoiceRun.Status.DONE, 3, 3)
    assert run.started_at is not None and run.finished_at is not None
    numbers = ["TRI-000001", "TRI-000002", "TRI-000003"]
    assert sorted(run.invoices.values_list("number", flat=True)) == numbers
    assert_each_charge_invoiced_once(pending)
    assert set(Invoice.objects.values_list("issued_by", flat=True)) == {coordinator_client.user.pk}

    page = coordinator_client.get(run_url(run)).content.decode()
    assert "3 invoices issued" in page
    assert "4 charges, £320.00" in page
    for invoice in Invoice.objects.all():
        assert reverse("training:manage_invoice", args=[invoice.pk]) in page
        assert invoice.agency_name.replace("'", "&#x27;") in page
    assert "js/invoice-run-progress.js" not in page


def test_the_progress_the_page_polls(coordinator_client, pending):
    run, _ = invoice_run_create(actor=coordinator_client.user, period_end=PERIOD_END)
    assert coordinator_client.get(progress_url(run)).json() == {
        "status": "queued",
        "working": True,
        "done": 0,
        "total": 0,
        "percent": 0,
        "text": "Waiting to start",
    }
    InvoiceRun.objects.filter(pk=run.pk).update(status="running", total=3, done=1)
    assert coordinator_client.get(progress_url(run)).json()["text"] == (
        "1 of 3 organisations invoiced"
    )
    assert coordinator_client.get(progress_url(run)).json()["percent"] == 33
    page = coordinator_client.get(run_url(run)).content.decode()
    assert "1 of 3 organisations invoiced" in page
    assert 'max="3" value="1"' in page

    InvoiceRun.objects.filter(pk=run.pk).update(status="queued", total=0, done=0)
    invoice_run_execute(run_id=run.pk)
    data = coordinator_client.get(progress_url(run)).json()
    assert (data["working"], data["done"], data["total"]) == (False, 3, 3)


def test_one_run_at_a_time_a_second_request_goes_to_the_running_one(coordinator_client, pending):
    post_run(coordinator_client)
    first = InvoiceRun.objects.get()

    form = coordinator_client.get(reverse("training:manage_invoices_run")).content.decode()
    assert "is under way" in form
    assert run_url(first) in form

    response = post_run(coordinator_client, PERIOD_END - timedelta(days=10))
    assert response["Location"] == run_url(first)
    page = coordinator_client.get(response["Location"]).content.decode()
    assert "An invoice run was already under way, so no other was started" in page
    assert InvoiceRun.objects.count() == 1

    invoice_run_execute(run_id=first.pk)
    post_run(coordinator_client)
    assert InvoiceRun.objects.count() == 2  # once it has finished, another may run


def test_the_database_holds_one_run_at_a_time():
    InvoiceRun.objects.create(period_end=PERIOD_END, status=InvoiceRun.Status.RUNNING)
    with pytest.raises(IntegrityError), transaction.atomic():
        InvoiceRun.objects.create(period_end=PERIOD_END)
    InvoiceRun.objects.create(period_end=PERIOD_END, status=InvoiceRun.Status.DONE)


# Safe to run twice -------------------------------------------------------------------


def test_running_the_task_twice_invoices_nothing_twice(pending):
    run, _ = invoice_run_create(actor=UserFactory(roles=[Role.COORDINATOR]), period_end=PERIOD_END)
    tasks.invoice_run_issue.delay(run.pk)
    tasks.invoice_run_issue.delay(run.pk)  # a retried or duplicated task

    run.refresh_from_db()
    assert (run.status, run.done, run.total) == (InvoiceRun.Status.DONE, 3, 3)
    assert Invoice.objects.count() == 3
    assert_each_charge_invoiced_once(pending)


def test_a_run_whose_worker_stopped_is_taken_over_and_finished_once(pending):
    run, _ = invoice_run_create(actor=UserFactory(roles=[Role.COORDINATOR]), period_end=PERIOD_END)
    # The first worker invoiced one organisation, then died before counting it.
    first_agency = pending[0].agency
    invoice_issue_for_agency(agency=first_agency, period_end=PERIOD_END, run=run)
    stopped = timezone.now() - invoice_runs.STALE_AFTER - timedelta(minutes=1)
    InvoiceRun.objects.filter(pk=run.pk).update(
        status=InvoiceRun.Status.RUNNING, total=3, done=0, progressed_at=stopped
    )

    # While its worker is still moving it, another task leaves it alone.
    fresh = InvoiceRun.objects.filter(pk=run.pk)
    fresh.update(progressed_at=timezone.now())
    assert invoice_run_execute(run_id=run.pk).status == InvoiceRun.Status.RUNNING
    assert Invoice.objects.count() == 1

    fresh.update(progressed_at=stopped)
    assert invoice_runs.invoice_runs_waiting() == [run.pk]
    assert tasks.invoice_runs_sweep() == 1

    run.refresh_from_db()
    assert run.status == InvoiceRun.Status.DONE
    assert (run.done, run.total) == (2, 2)  # what was left when it was taken over
    assert run.invoices.count() == 3
    assert_each_charge_invoiced_once(pending)


@pytest.mark.concurrency
@pytest.mark.django_db(transaction=True)
def test_two_workers_given_the_same_run_at_once_invoice_each_charge_once(settings):
    settings.COURSEBOOK_INVOICE_PREFIX = "TRI-"
    terms_in_force()  # The default terms exist before anyone races.
    charges = [make_charge(AgencyFactory(name=f"Organisation {n}")) for n in range(4)]
    run, _ = invoice_run_create(
        actor=UserFactory(roles=[Role.COORDINATOR]), period_end=timezone.localdate()
    )

    outcomes = race([lambda: invoice_run_execute(run_id=run.pk)] * 2, timeout_s=120)

    assert [o for o in outcomes if not isinstance(o, InvoiceRun)] == []
    run.refresh_from_db()
    assert (run.status, run.done, run.total) == (InvoiceRun.Status.DONE, 4, 4)
    numbers = sorted(Invoice.objects.values_list("number", flat=True))
    assert numbers == [f"TRI-{n:06d}" for n in range(1, 5)]
    assert_each_charge_invoiced_once(charges)


# When the broker or the run fails ---------------------------------------------------


def test_with_the_broker_down_the_sweep_starts_the_run(
    coordinator_client, pending, monkeypatch, django_capture_on_commit_callbacks
):
    def broker_down(*args, **kwargs):
        raise ConnectionRefusedError("no broker")

    monkeypatch.setattr(tasks.invoice_run_issue, "delay", broker_down)
    with django_capture_on_commit_callbacks(execute=True):
        response = post_run(coordinator_client)
    assert response.status_code == 302
    run = InvoiceRun.objects.get()
    assert run.status == InvoiceRun.Status.QUEUED
    assert "Waiting to start" in coordinator_client.get(run_url(run)).content.decode()

    assert tasks.invoice_runs_sweep() == 0  # not yet: its task may still be on its way
    InvoiceRun.objects.filter(pk=run.pk).update(
        created_at=timezone.now() - invoice_runs.SWEEP_AFTER - timedelta(seconds=1)
    )
    assert tasks.invoice_runs_sweep() == 1

    run.refresh_from_db()
    assert run.status == InvoiceRun.Status.DONE
    assert_each_charge_invoiced_once(pending)
    assert settings.CELERY_BEAT_SCHEDULE["invoice-runs-sweep"]["task"] == (
        "training.tasks.invoice_runs_sweep"
    )


def test_a_run_that_fails_keeps_the_invoices_it_issued(coordinator_client, pending, monkeypatch):
    real_issue = invoice_issue_for_agency
    calls = []

    def fails_on_the_second(**kwargs):
        calls.append(kwargs["agency"].name)
        if len(calls) == 2:
            raise RuntimeError("Holland Park School's PDF could not be made")
        return real_issue(**kwargs)

    monkeypatch.setattr(invoice_runs, "invoice_issue_for_agency", fails_on_the_second)
    run, _ = invoice_run_create(actor=coordinator_client.user, period_end=PERIOD_END)
    invoice_run_execute(run_id=run.pk)

    run.refresh_from_db()
    assert (run.status, run.done, run.total) == (InvoiceRun.Status.FAILED, 1, 3)
    assert [invoice.agency_name for invoice in run.invoices.all()] == ["Acorns"]
    page = coordinator_client.get(run_url(run)).content.decode()
    assert "The invoice run stopped" in page
    assert "The invoices listed were issued" in page
    assert "It invoiced 1 of 3 organisations: 1 invoice, 1 charge, £80.00" in page
    assert "Holland Park School" not in page  # nothing of the error's message is shown

    # A failed run no longer holds the place: the next run invoices the rest.
    monkeypatch.undo()
    again, queued = invoice_run_create(actor=coordinator_client.user, period_end=PERIOD_END)
    assert queued
    invoice_run_execute(run_id=again.pk)
    assert again.invoices.count() == 2
    assert_each_charge_invoiced_once(pending)


# Who may see it, and bad input -----------------------------------------------------


@pytest.mark.parametrize("role", [Role.DELEGATE, Role.TRAINER, Role.REVIEWER])
def test_the_run_pages_refuse_other_roles(client, pending, role):
    run, _ = invoice_run_create(actor=UserFactory(roles=[Role.COORDINATOR]), period_end=PERIOD_END)
    client.force_login(UserFactory(roles=[role]))
    for url in (run_url(run), progress_url(run), reverse("training:manage_invoices_run")):
        assert client.get(url).status_code == 403, url
    assert post_run(client).status_code == 403
    assert InvoiceRun.objects.count() == 1


def test_a_run_that_does_not_exist_is_not_found(coordinator_client):
    too_big = "9223372036854775808"
    for name in ("training:manage_invoice_run", "training:manage_invoice_run_progress"):
        url = reverse(name, args=[1]).replace("/1/", f"/{too_big}/")
        assert coordinator_client.get(url).status_code == 404
        assert coordinator_client.get(reverse(name, args=[999])).status_code == 404


def test_the_run_page_runs_the_same_queries_whatever_it_issued(coordinator_client, settings):
    def finished_run(organisations):
        for _ in range(organisations):
            make_charge(AgencyFactory())
            make_charge(AgencyFactory())
        run, _ = invoice_run_create(actor=coordinator_client.user, period_end=timezone.localdate())
        return invoice_run_execute(run_id=run.pk)

    def queries(run):
        with CaptureQueriesContext(connection) as captured:
            assert coordinator_client.get(run_url(run)).status_code == 200
        return len(captured)

    few, many = queries(finished_run(1)), queries(finished_run(8))
    assert few == many
    assert many <= 10


# Finding runs again ------------------------------------------------------------------


def runs_table(page: str) -> list[list[str]]:
    """The rows of the invoices page's table of recent runs, as the cells' text."""
    start = page.index('id="runs-caption"')
    body = page[page.index("<tbody", start) : page.index("</tbody>", start)]
    return [
        [
            " ".join(re.sub(r"<[^>]+>", " ", cell).split())
            for cell in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)
        ]
        for row in re.findall(r"<tr[^>]*>(.*?)</tr>", body, re.S)
    ]


def test_the_invoices_page_lists_recent_runs_and_each_invoice_links_to_its_run(
    coordinator_client, pending
):
    coordinator_client.user.full_name = "Cora Ordinator"
    coordinator_client.user.save()
    invoices_url = reverse("training:manage_invoices")
    assert "Recent invoice runs" not in coordinator_client.get(invoices_url).content.decode()

    with time_machine.travel(london(2026, 6, 1, 9, 30), tick=False):
        done, _ = invoice_run_create(actor=coordinator_client.user, period_end=PERIOD_END)
        invoice_run_execute(run_id=done.pk)
    with time_machine.travel(london(2026, 6, 2, 14, 5), tick=False):
        waiting, _ = invoice_run_create(
            actor=UserFactory(full_name="Sam Second", roles=[Role.COORDINATOR]),
            period_end=date(2026, 6, 1),
        )

    page = coordinator_client.get(invoices_url).content.decode()
    assert runs_table(page) == [
        [
            "Invoice run asked for 2 Jun 2026, 14:05",
            "Sam Second",
            "1 Jun 2026",
            "Waiting to start",
            "0 so far",
        ],
        [
            "Invoice run asked for 1 Jun 2026, 09:30",
            "Cora Ordinator",
            "31 May 2026",
            "Finished",
            "3",
        ],
    ]
    assert f'href="{run_url(waiting)}"' in page
    assert f'href="{run_url(done)}"' in page

    invoice = done.invoices.order_by("number").first()
    detail = coordinator_client.get(reverse("training:manage_invoice", args=[invoice.pk]))
    html = detail.content.decode()
    assert f'href="{run_url(done)}"' in html
    assert "Asked for on 1 June 2026, for charges raised up to 31 May 2026" in html


def test_an_invoice_from_the_monthly_run_names_no_run(coordinator_client, pending):
    (invoice, *_) = invoices_run(period_end=PERIOD_END)
    html = coordinator_client.get(reverse("training:manage_invoice", args=[invoice.pk])).content
    assert "Invoice run</dt>" not in html.decode()
    assert "by the monthly run" in html.decode()


def test_only_the_latest_runs_are_listed_with_how_each_ended(coordinator_client, monkeypatch):
    stopped, _ = invoice_run_create(actor=coordinator_client.user, period_end=PERIOD_END)
    InvoiceRun.objects.filter(pk=stopped.pk).update(status=InvoiceRun.Status.FAILED)
    for _ in range(RECENT_RUNS):
        run, _ = invoice_run_create(actor=coordinator_client.user, period_end=PERIOD_END)
        invoice_run_execute(run_id=run.pk)
    page = coordinator_client.get(reverse("training:manage_invoices")).content.decode()
    rows = runs_table(page)
    assert len(rows) == RECENT_RUNS
    assert {row[3] for row in rows} == {"Finished"}
    assert f'href="{run_url(stopped)}"' not in page

    InvoiceRun.objects.filter(pk=run.pk).update(status=InvoiceRun.Status.FAILED)
    page = coordinator_client.get(reverse("training:manage_invoices")).content.decode()
    assert runs_table(page)[0][3] == "Stopped"


def test_the_invoices_page_runs_the_same_queries_whatever_the_runs(coordinator_client, settings):
    def queries():
        with CaptureQueriesContext(connection) as captured:
            assert coordinator_client.get(reverse("training:manage_invoices")).status_code == 200
        return len(captured)

    def finished_run(organisations):
        for _ in range(organisations):
            make_charge(AgencyFactory())
        run, _ = invoice_run_create(actor=coordinator_client.user, period_end=timezone.localdate())
        return invoice_run_execute(run_id=run.pk)

    finished_run(1)
    few = queries()
    for organisations in (3, 4, 2, 5, 1, 2):
        finished_run(organisations)
    invoice_run_create(
        actor=UserFactory(roles=[Role.COORDINATOR]), period_end=timezone.localdate()
    )
    assert queries() == few
