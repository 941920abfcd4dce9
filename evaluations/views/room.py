"""In the room: the trainer shows a short link and QR code at the end of the session; a
delegate who opens it signed in lands on their own form (others sign in first). Also the
signed-in delegate's own links from My training and the 7-day reminder."""

import io
from functools import wraps

import segno
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone

from training.models import Booking, Session
from training.permissions import can_take_register

from ..errors import EvaluationError
from ..models import SurveyKind
from ..services.invitations import invitation_for_delegate


def short_link(session: Session) -> str:
    return settings.COURSEBOOK_SITE_URL.rstrip("/") + reverse(
        "evaluation_short", args=[session.pk]
    )


def _started(session: Session) -> bool:
    return session.starts_at <= timezone.now() and session.status != Session.Status.CANCELLED


def trainer_session(view):
    """The session for its trainers and coordinators; others sign in, or get 403."""

    @wraps(view)
    def wrapped(request, pk):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        session = get_object_or_404(Session.objects.select_related("course"), pk=pk)
        if not can_take_register(request.user, session):
            raise PermissionDenied
        return view(request, session)

    return wrapped


@trainer_session
def room_screen(request, session):
    """The trainer's screen: the short link and its QR code, once the session has started."""
    return render(
        request,
        "evaluations/room_screen.html",
        {"session": session, "started": _started(session), "link": short_link(session)},
    )


@trainer_session
def room_qr(request, session):
    """The QR code of the short link, as an SVG image of its own (the pages' Content
    Security Policy allows images from Coursebook only)."""
    if not _started(session):
        raise Http404
    image = io.BytesIO()
    segno.make(short_link(session), error="m").save(image, kind="svg", scale=8, border=2)
    return HttpResponse(image.getvalue(), content_type="image/svg+xml")


def _own_booking(request, queryset) -> Booking | None:
    return (
        queryset.filter(delegate=request.user)
        .select_related("session__course", "delegate")
        .order_by("-booked_at")
        .first()
    )


@login_required
def room_link(request, pk):
    """The short link: the signed-in delegate's own end-of-session form for the session."""
    booking = _own_booking(
        request, Booking.objects.filter(session_id=pk, status=Booking.Status.CONFIRMED)
    )
    if booking is None:
        return render(request, "evaluations/not_booked.html", status=404)
    return _open(request, booking, SurveyKind.END_OF_SESSION)


@login_required
def pre_course(request, pk):
    """From My training and the 7-day reminder: the delegate's optional rating of each
    learning outcome before coming."""
    booking = get_object_or_404(Booking.objects.select_related("session__course"), pk=pk)
    if booking.delegate_id != request.user.pk:
        raise PermissionDenied
    return _open(request, booking, SurveyKind.PRE_COURSE)


def _open(request, booking: Booking, kind: str):
    try:
        invitation = invitation_for_delegate(booking=booking, kind=kind, actor=request.user)
    except EvaluationError as error:
        messages.info(request, str(error))
        return redirect("training:my_training")
    return redirect("evaluations:survey", invitation.pk)
