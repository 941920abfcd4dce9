"""PDF documents (invoices, sign-in sheets, certificates) rendered by WeasyPrint."""

from django.conf import settings
from django.template.loader import render_to_string


def render_pdf(template_name: str, context: dict) -> bytes:
    from weasyprint import HTML  # Imported here: loading Pango costs time at start-up.

    html = render_to_string(
        template_name,
        {
            "partnership_name": settings.COURSEBOOK_PARTNERSHIP_NAME,
            "partnership_address": settings.COURSEBOOK_PARTNERSHIP_ADDRESS,
            "support_email": settings.COURSEBOOK_SUPPORT_EMAIL,
            "site_url": settings.COURSEBOOK_SITE_URL.rstrip("/"),
            **context,
        },
    )
    return HTML(string=html, base_url=str(settings.BASE_DIR)).write_pdf()
