from celery import shared_task

from .services.jobs import import_job_check, import_job_run, import_uploads_expire


@shared_task(name="imports.tasks.import_job_check_task")
def import_job_check_task(job_id: int) -> str:
    return import_job_check(job_id=job_id).status


@shared_task(name="imports.tasks.import_job_run_task")
def import_job_run_task(job_id: int) -> str:
    return import_job_run(job_id=job_id).status


@shared_task(name="imports.tasks.import_uploads_expire_task")
def import_uploads_expire_task() -> int:
    return import_uploads_expire()
