"""Certificates of attendance: the delegate's download and the public verification page."""

import re

from django import forms
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone

from pages.form_fields import OneLineField

from ..documents import render_pdf
from ..errors import TrainingError
from ..models import Booking, Certificate
from ..selectors.outcomes import session_outcomes
from ..services.certificates import (
    CODE_ALPHABET,
    certificate_issue,
    certificate_unavailable_reason,
)

CODE_LENGTH = 12
CODE_EXAMPLE = "K7QX-M2VR-9WZP"


def normalise_code(typed: str) -> str | None:
    """The code as printed (XXXX-XXXX-XXXX) from however it was typed: any case, with or
    without spaces and dashes; None when it cannot be a certificate code."""
    raw = re.sub(r"[^0-9A-Za-z]", "", typed).upper()
    if len(raw) != CODE_LENGTH or any(ch not in CODE_ALPHABET for ch in raw):
        return None
    return "-".join(raw[i : i + 4] for i in range(0, CODE_LENGTH, 4))


@login_required
def certificate_download(request, pk):
    """The delegate's own certificate as a PDF; nobody else's, coordinators included."""
    booking = get_object_or_404(
        Booking.objects.select_related("session__course", "delegate"), pk=pk
    )
    if booking.delegate_id != request.user.pk:
        raise PermissionDenied
    reason = certificate_unavailable_reason(booking)
    if reason is None:
        try:
            certificate = certificate_issue(booking=booking)
        except TrainingError as error:
            reason = str(error)
    if reason:
        return render(
            request,
            "training/certificate_unavailable.html",
            {
                "booking": booking,
                "session": booking.session,
                "reason": reason,
                "evaluation_needed": settings.COURSEBOOK_CERTIFICATE_NEEDS_EVALUATION,
            },
        )
    course = booking.session.course
    session_date = timezone.localdate(booking.session.starts_at)
    pdf = render_pdf(
        "documents/certificate.html",
        {
            "certificate": certificate,
            "delegate_name": booking.delegate.full_name,
            "course": course,
            "outcomes": session_outcomes(booking.session),
            "session_date": session_date,
            "verify_url": settings.COURSEBOOK_SITE_URL.rstrip("/")
            + reverse("certificates:verify", args=[certificate.code]),
        },
    )
    response = HttpResponse(pdf, content_type="application/pdf")
    filename = f"certificate-{course.code}-{session_date:%Y-%m-%d}.pdf"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


class CertificateCodeForm(forms.Form):
    code = OneLineField(
        label="Certificate code",
        help_text=f"It is on the certificate, for example {CODE_EXAMPLE}",
        max_length=40,
        error_messages={"required": "Enter the code from the certificate"},
        widget=forms.TextInput(
            attrs={
                "class": "govuk-input--width-10",
                "autocomplete": "off",
                "autocapitalize": "characters",
                "spellcheck": "false",
            }
        ),
    )

    def clean_code(self) -> str:
        code = normalise_code(self.cleaned_data["code"])
        if code is None:
            raise forms.ValidationError(
                f"Enter the 12-character code from the certificate, like {CODE_EXAMPLE}"
            )
        return code


def certificate_verify_lookup(request):
    """A form to type a code in; a valid one goes to its verification page."""
    form = CertificateCodeForm(request.GET if "code" in request.GET else None)
    if form.is_bound and form.is_valid():
        return redirect("certificates:verify", code=form.cleaned_data["code"])
    return render(request, "training/certificate_verify_lookup.html", {"form": form})


def certificate_verify(request, code):
    """Confirms a certificate is genuine, showing only what the certificate states.

    A certificate whose booking is no longer attended (a coordinator corrected the
    register) is treated as not found."""
    canonical = normalise_code(code)
    if canonical and canonical != code:
        return redirect("certificates:verify", code=canonical)
    certificate = (
        Certificate.objects.select_related("booking__delegate", "booking__session__course")
        .filter(
            code=canonical or "",
            booking__status=Booking.Status.CONFIRMED,
            booking__attendance=Booking.Attendance.ATTENDED,
        )
        .first()
    )
    if certificate is None:
        return render(
            request,
            "training/certificate_verify.html",
            {"code": code, "form": CertificateCodeForm()},
            status=404,
        )
    session = certificate.booking.session
    return render(
        request,
        "training/certificate_verify.html",
        {
            "code": certificate.code,
            "certificate": certificate,
            "delegate_name": certificate.booking.delegate.full_name,
            "course": session.course,
            "session_date": timezone.localdate(session.starts_at),
        },
    )
