"""PDF rendering: an invoice of 200 lines, a sign-in sheet for 40 delegates, a certificate.

The invoice is a month's charges for one large organisation: 200 lines over 12 sessions,
every kind of charge, ordered as training.services.invoices orders them.

Renders each document with WeasyPrint as Coursebook does (training.documents.render_pdf)
in a throwaway SQLite database (migrated here, removed at the end; no network), and
prints one JSON object with the best of 3 timings in seconds and the targets:

    .venv/bin/python bench/pdfs.py [--repeat 3]

A template that does not exist yet is reported as null.
"""

import argparse
import json
import os
import sys
import tempfile
import time
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
TARGETS_S = {"invoice_200_lines": 2.0, "sign_in_sheet_40_delegates": 1.0, "certificate": 0.5}
INVOICE_LINES = 200
SESSIONS_IN_MONTH = 12
DELEGATES = 40


def setup_django(var_dir: str) -> None:
    sys.path.insert(0, str(BASE_DIR))
    os.environ["COURSEBOOK_VAR_DIR"] = var_dir
    os.environ["DEBUG"] = "true"
    os.environ.pop("DATABASE_URL", None)
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings"
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0, interactive=False)


def best_of(repeat: int, render) -> float:
    timings = []
    for _ in range(repeat):
        started = time.perf_counter()
        pdf = render()
        timings.append(time.perf_counter() - started)
        assert pdf.startswith(b"%PDF"), "not a PDF"
    return round(min(timings), 3)


def template_exists(name: str) -> bool:
    from django.template import TemplateDoesNotExist
    from django.template.loader import get_template

    try:
        get_template(name)
    except TemplateDoesNotExist:
        return False
    return True


def make_data():
    from django.utils import timezone

    from accounts.models import Agency, Borough, Sector, User
    from training.models import (
        Booking,
        Certificate,
        Course,
        Invoice,
        InvoiceLine,
        LearningOutcome,
        Session,
        Venue,
    )
    from training.rules.prices import PriceBasis
    from training.services.terms import terms_in_force

    borough = Borough.objects.create(name="Westminster")
    agencies = [
        Agency.objects.create(name=f"Agency {n}", sector=Sector.HEALTH, borough=borough)
        for n in range(8)
    ]
    course = Course.objects.create(
        code="MASCP-L3",
        title="Multi-agency safeguarding children, Level 3",
        programme="core",
        level="Level 3",
        duration_hours=Decimal("6.5"),
    )
    for position in range(1, 6):
        LearningOutcome.objects.create(
            course=course,
            position=position,
            text=f"Outcome {position}: recognise, respond to and record concerns",
        )
    venue = Venue.objects.create(
        name="Kensington Town Hall", address="Hornton Street\nLondon W8 7NX", borough=borough
    )
    starts = timezone.now() + timedelta(days=1)
    session = Session.objects.create(
        course=course,
        starts_at=starts,
        ends_at=starts + timedelta(hours=7),
        venue=venue,
        capacity=DELEGATES,
        delivering_agency=agencies[0],
    )
    trainer = User.objects.create(email="trainer@example.org", full_name="Tess Trainer")
    session.trainers.add(trainer)
    terms = terms_in_force()
    bookings = []
    for n in range(DELEGATES):
        delegate = User.objects.create(
            email=f"delegate{n}@example.org",
            full_name=f"Delegate Number {n} Longer-Surname",
            agency=agencies[n % len(agencies)],
        )
        bookings.append(
            Booking.objects.create(
                session=session,
                delegate=delegate,
                agency=delegate.agency,
                terms=terms,
                **PriceBasis.now(course=session.course, agency=delegate.agency).booking_fields(),
                status=Booking.Status.CONFIRMED,
            )
        )
    invoice = Invoice(
        number="LSCB-000001",
        agency=agencies[1],
        period_start=starts.date().replace(day=1),
        period_end=starts.date(),
        total_pence=INVOICE_LINES * 8000,
        agency_name="Holland Park School",
        invoice_contact_name="The Bursar",
        invoice_contact_email="bursar@school.example.org",
        invoice_address="Airlie Gardens\nLondon W8 7AF",
        purchase_order_ref="PO-7781",
    )
    # A month of charges for one large organisation: 200 lines over the month's sessions
    # (the programme runs about a hundred workshops a year), ordered as the service
    # orders them, with delegate names of realistic lengths and every kind of charge.
    titles = [f"{course.title}, cohort {n}" for n in range(SESSIONS_IN_MONTH)]
    reasons = ["Did not attend", "Late cancellation", "Turned away (arrived late)", "Course fee"]
    lines = sorted(
        (
            InvoiceLine(
                delegate_name=f"Delegate {n} Fitzwilliam-Longer-Surname",
                course_title=titles[n % SESSIONS_IN_MONTH],
                session_date=starts.date() + timedelta(days=n % SESSIONS_IN_MONTH),
                reason=reasons[(n // SESSIONS_IN_MONTH) % len(reasons)],
                amount_pence=8000,
            )
            for n in range(INVOICE_LINES)
        ),
        key=lambda line: (line.session_key, line.delegate_name),
    )
    certificate = Certificate(booking=bookings[0], code="ABCD-EFGH-JKLM")
    return session, bookings, invoice, lines, certificate


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--repeat", type=int, default=3, choices=range(1, 11))
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="coursebook-bench-pdfs-") as var_dir:
        setup_django(var_dir)
        from django.conf import settings

        from training.documents import render_pdf
        from training.services.terms import terms_in_force

        session, bookings, invoice, lines, certificate = make_data()
        course = session.course
        renders = {
            "invoice_200_lines": (
                "documents/invoice.html",
                {"invoice": invoice, "lines": lines},
            ),
            "sign_in_sheet_40_delegates": (
                "documents/sign_in_sheet.html",
                {
                    "session": session,
                    "bookings": bookings,
                    "blank_rows": range(5),
                    "late_arrival_minutes": terms_in_force().late_arrival_minutes,
                },
            ),
            "certificate": (
                "documents/certificate.html",
                {
                    "certificate": certificate,
                    "delegate_name": bookings[0].delegate.full_name,
                    "course": course,
                    "outcomes": list(course.outcomes.order_by("position")),
                    "session_date": session.starts_at.date(),
                    "verify_url": settings.COURSEBOOK_SITE_URL.rstrip("/")
                    + f"/certificates/verify/{certificate.code}/",
                },
            ),
        }
        started = time.perf_counter()
        render_pdf("documents/invoice.html", {"invoice": invoice, "lines": lines[:1]})
        warm_up_s = round(time.perf_counter() - started, 3)
        seconds = {
            name: (
                best_of(args.repeat, lambda t=template, c=context: render_pdf(t, c))
                if template_exists(template)
                else None
            )
            for name, (template, context) in renders.items()
        }
    print(
        json.dumps(
            {
                "seconds_best_of": args.repeat,
                "seconds": seconds,
                "targets_s": TARGETS_S,
                "within_target": {
                    name: None if value is None else value < TARGETS_S[name]
                    for name, value in seconds.items()
                },
                "first_render_s": warm_up_s,
                "cpus": os.cpu_count(),
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
