"""An uploaded history checked and imported by a real Celery worker over Redis."""

import threading

import pytest
from celery.contrib.testing.worker import start_worker
from celery.signals import task_postrun
from django.db import connection
from django.urls import reverse

from config.celery import app as celery_app
from imports.models import ImportJob
from tests.factories import coordinator

from .history import FIGURES, HISTORY
from .test_history import delivered_figures
from .test_pages import upload, zip_of

pytestmark = [
    pytest.mark.redis,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("questionnaires"),
]
IMPORT_TASKS = {"imports.tasks.import_job_check_task", "imports.tasks.import_job_run_task"}


def test_a_worker_checks_then_imports_the_upload(client):
    assert celery_app.conf.broker_url.startswith("redis://")
    celery_app.conf.task_always_eager = False
    finished: list[str] = []
    done = threading.Semaphore(0)

    def after_task(sender=None, **kwargs):
        connection.close()  # the worker thread's own connection
        if sender.name in IMPORT_TASKS:
            finished.append(sender.name)
            done.release()

    task_postrun.connect(after_task)
    client.force_login(coordinator())
    try:
        with start_worker(celery_app, pool="solo", perform_ping_check=False, shutdown_timeout=10):
            upload(client, zip_of(HISTORY))
            assert done.acquire(timeout=30), "the worker did not check the upload"
            job = ImportJob.objects.get()
            assert job.status == ImportJob.Status.CHECKED

            client.post(reverse("imports:job_confirm", args=[job.pk]))
            assert done.acquire(timeout=60), "the worker did not run the import"
    finally:
        task_postrun.disconnect(after_task)

    job.refresh_from_db()
    assert finished == sorted(IMPORT_TASKS)
    assert job.status == ImportJob.Status.DONE
    assert job.folder == ""
    assert delivered_figures() == FIGURES
