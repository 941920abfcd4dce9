"""The retention rules, in one place: the privacy notice and the monthly run both read them."""

from datetime import date, datetime

from django.conf import settings


def years_before(moment: datetime, years: int) -> datetime:
    """The same moment `years` earlier (29 February becomes 28 February)."""
    try:
        return moment.replace(year=moment.year - years)
    except ValueError:
        return moment.replace(year=moment.year - years, day=28)


def personal_data_cutoff(now: datetime) -> datetime:
    """People whose last booking, attendance, answer or sign-in is before this are anonymised."""
    return years_before(now, settings.COURSEBOOK_RETENTION_YEARS)


def retention_terms() -> dict:
    """What the privacy notice promises, from the settings that enforce it."""
    return {
        "personal_data_years": settings.COURSEBOOK_RETENTION_YEARS,
        "invoice_years": settings.COURSEBOOK_INVOICE_RETENTION_YEARS,
    }


def invoice_kept_until(issued: date) -> date:
    """Issued invoices are kept to the end of the financial year, plus the finance period."""
    end_year = issued.year + 1 if issued.month >= 4 else issued.year
    return date(end_year + settings.COURSEBOOK_INVOICE_RETENTION_YEARS, 3, 31)
