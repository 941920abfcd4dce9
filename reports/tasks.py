from celery import shared_task

from .services import report_job_run, report_jobs_queued


@shared_task(name="reports.tasks.report_pdf_build")
def report_pdf_build(job_id: int) -> str:
    return report_job_run(job_id=job_id).status


@shared_task(name="reports.tasks.report_pdfs_sweep")
def report_pdfs_sweep() -> int:
    """Start the PDFs whose task was never queued; each job is claimed under a lock."""
    started = 0
    for job_id in report_jobs_queued():
        report_job_run(job_id=job_id)
        started += 1
    return started
