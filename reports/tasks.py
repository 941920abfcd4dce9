from celery import shared_task

from .services import report_job_run


@shared_task(name="reports.tasks.report_pdf_build")
def report_pdf_build(job_id: int) -> str:
    return report_job_run(job_id=job_id).status
