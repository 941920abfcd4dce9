"""A coordinator's invoice run issued by a real Celery worker over Redis."""

import threading

import pytest
from celery.contrib.testing.worker import start_worker
from celery.signals import task_postrun
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from config.celery import app as celery_app
from tests.factories import AgencyFactory, coordinator
from training.models import Charge, Invoice, InvoiceRun
from training.services.terms import terms_in_force

from .test_money_views import date_parts, make_charge

pytestmark = [pytest.mark.redis, pytest.mark.django_db(transaction=True)]
RUN_TASK = "training.tasks.invoice_run_issue"


def test_a_worker_issues_the_run_the_page_queued(client, settings):
    assert celery_app.conf.broker_url.startswith("redis://")
    settings.COURSEBOOK_INVOICE_PREFIX = "TRI-"
    terms_in_force()
    charges = [make_charge(AgencyFactory(name=f"Organisation {n}")) for n in range(3)]
    celery_app.conf.task_always_eager = False
    finished: list[str] = []
    done = threading.Semaphore(0)

    def after_task(sender=None, **kwargs):
        connection.close()  # the worker thread's own connection
        if sender.name == RUN_TASK:
            finished.append(sender.name)
            done.release()

    task_postrun.connect(after_task)
    client.force_login(coordinator())
    try:
        with start_worker(celery_app, pool="solo", perform_ping_check=False, shutdown_timeout=10):
            response = client.post(
                reverse("training:manage_invoices_run"),
                date_parts("period_end", timezone.localdate()),
            )
            assert done.acquire(timeout=60), "the worker did not issue the run"
    finally:
        task_postrun.disconnect(after_task)

    run = InvoiceRun.objects.get()
    assert response["Location"] == reverse("training:manage_invoice_run", args=[run.pk])
    assert finished == [RUN_TASK]
    assert (run.status, run.done, run.total) == (InvoiceRun.Status.DONE, 3, 3)
    assert sorted(run.invoices.values_list("number", flat=True)) == [
        "TRI-000001",
        "TRI-000002",
        "TRI-000003",
    ]
    assert Invoice.objects.count() == 3
    assert set(
        Charge.objects.filter(pk__in=[c.pk for c in charges]).values_list("status", flat=True)
    ) == {Charge.Status.INVOICED}
    assert "3 invoices issued" in client.get(response["Location"]).content.decode()
