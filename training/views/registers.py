"""Trainers' pages: My sessions, the register, walk-ins, closing, the sign-in sheet.

Only the session's trainers and coordinators may see or change a register; the rules
(when it opens, who may correct it, what closing charges) are in services.registers.
"""

from datetime import timedelta
from functools import wraps

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Prefetch, Q
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone

from accounts.models import Role, User
from accounts.permissions import role_required

from ..documents import render_pdf
from ..errors import TrainingError
from ..forms_register import CloseForm, CorrectionForm, RegisterForm, WalkInForm
from ..models import Booking, Charge, Invoice, Session
from ..permissions import can_take_register
from ..rules.registers import (
    closing_early,
    register_opens_at,
    register_state,
    session_has_started,
)
from ..selectors.catalogue import with_place_counts
from ..selectors.registers import register_bookings, register_counts
from ..services.charges import charge_needs_credit_note
from ..services.registers import (
    attendance_mark,
    attendance_mark_all_attended,
    register_close,
    walk_in_add,
)
from ..services.terms import terms_in_force
from ..spreadsheets import csv_response, spreadsheet_text

RECENT = timedelta(days=90)
SIGN_IN_SHEET_BLANK_ROWS = 6
# A spreadsheet reads a cell starting with one of these as a formula.


# Loading and checking -------------------------------------------------------------------


def register_access(view):
    """Load the session for a register page: anonymous people are sent to sign in, and
    anyone but its trainers and coordinators gets 403."""

    @wraps(view)
    def wrapped(request, pk):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        session = get_object_or_404(
            Session.objects.select_related(
                "course", "venue", "delivering_agency", "register_closed_by"
            ).prefetch_related(
                Prefetch("trainers", queryset=User.objects.select_related("agency")),
            ),
            pk=pk,
        )
        if not can_take_register(request.user, session):
            raise PermissionDenied
        return view(request, session)

    return wrapped


def _people(count: int) -> str:
    return f"{count} {'person' if count == 1 else 'people'}"


# My sessions ----------------------------------------------------------------------------


@role_required(Role.TRAINER, Role.COORDINATOR)
def my_sessions(request):
    now = timezone.now()
    sessions = list(
        with_place_counts(
            Session.objects.filter(trainers=request.user, starts_at__gte=now - RECENT)
            .select_related("course", "venue")
            .annotate(
                marked_count=Count(
                    "bookings",
                    filter=Q(bookings__status=Booking.Status.CONFIRMED)
                    & ~Q(bookings__attendance=Booking.Attendance.UNMARKED),
                )
            )
        ).order_by("starts_at", "pk")
    )
    for session in sessions:
        session.register_state = register_state(session, now=now)
        session.register_opens_at = register_opens_at(session)
    upcoming = [session for session in sessions if session.ends_at >= now]
    recent = [session for session in reversed(sessions) if session.ends_at < now]
    return render(
        request,
        "training/register/my_sessions.html",
        {"upcoming": upcoming, "recent": recent},
    )


# The register ---------------------------------------------------------------------------


@register_access
def register(request, session):
    now = timezone.now()
    state = register_state(session, now=now)
    bookings = list(register_bookings(session))
    form = None
    if state == "open":
        form = RegisterForm(request.POST if request.method == "POST" else None, bookings=bookings)
        if request.method == "POST" and form.is_valid():
            saved, problems = _save_marks(request, form)
            if saved and problems:
                messages.success(request, f"Saved {_people(saved)}'s marks.")
            if not problems:
                counts = register_counts(session)
                message = f"Saved {_people(saved)}'s {'mark' if saved == 1 else 'marks'}."
                if counts["unmarked"]:
                    message += f" {_people(counts['unmarked'])} still to mark."
                else:
                    message += " Everyone is marked: you can close the register."
                messages.success(request, message)
                return redirect("training:register", session.pk)
    elif request.method == "POST":
        messages.info(request, _not_open_message(session, state))
        return redirect("training:register", session.pk)
    is_coordinator = request.user.has_role(Role.COORDINATOR)
    return render(
        request,
        "training/register/register.html",
        {
            "session": session,
            "state": state,
            "bookings": bookings,
            "form": form,
            "counts": register_counts(session),
            "opens_at": register_opens_at(session),
            "late_arrival_minutes": terms_in_force().late_arrival_minutes,
            "can_correct": is_coordinator,
            "started": session_has_started(session, now=now),
        },
    )


def _save_marks(request, form: RegisterForm) -> tuple[int, int]:
    """Each mark is saved by the service on its own: one refused mark keeps the others."""
    saved = problems = 0
    for booking, attendance in form.changed_marks():
        try:
            attendance_mark(booking=booking, attendance=attendance, actor=request.user)
        except TrainingError as error:
            form.add_error(f"mark_{booking.pk}", f"{booking.delegate.full_name}: {error}")
            problems += 1
        else:
            booking.attendance = attendance
            saved += 1
    return saved, problems


def _not_open_message(session: Session, state: str) -> str:
    if state == "not_open":
        opens = timezone.localtime(register_opens_at(session))
        return f"The register opens at {opens:%H:%M on %-d %B %Y}, 30 minutes before the start."
    if state == "closed":
        return "The register is closed: ask a coordinator to correct a mark."
    return "This session was cancelled: it has no register."


@register_access
def register_mark_all(request, session):
    if request.method != "POST":
        return redirect("training:register", session.pk)
    try:
        marked = attendance_mark_all_attended(session=session, actor=request.user)
    except TrainingError as error:
        messages.info(request, str(error))
    else:
        if marked:
            messages.success(
                request,
                f"{_people(marked)} marked as attended. Change anyone who was not there, "
                "then save.",
            )
        else:
            messages.info(request, "Everyone already has a mark.")
    return redirect("training:register", session.pk)


@register_access
def register_walk_in(request, session):
    state = register_state(session, now=timezone.now())
    if state != "open":
        messages.info(request, _not_open_message(session, state))
        return redirect("training:register", session.pk)
    form = WalkInForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            booking = walk_in_add(
                session=session,
                actor=request.user,
                full_name=form.cleaned_data["full_name"],
                email=form.cleaned_data["email"],
                agency=form.cleaned_data["agency"],
            )
        except TrainingError as error:
            form.add_error(None, str(error))
        else:
            messages.success(
                request,
                f"{booking.delegate.full_name} ({booking.agency}) has been added to the "
                "register as attended.",
            )
            return redirect("training:register", session.pk)
    return render(request, "training/register/walk_in.html", {"session": session, "form": form})


@register_access
def register_close_view(request, session):
    now = timezone.now()
    state = register_state(session, now=now)
    if state in ("cancelled", "closed") and request.method != "POST":
        messages.info(request, _not_open_message(session, state))
        return redirect("training:register", session.pk)
    early = state == "open" and closing_early(session, now=now)
    form = CloseForm(request.POST if request.method == "POST" else None, early=early)
    if request.method == "POST" and form.is_valid():
        charged_before = Charge.objects.filter(booking__session=session).count()
        try:
            register_close(session=session, actor=request.user)
        except TrainingError as error:
            form.add_error(None, str(error))
        else:
            # Only what closing raised: late cancellations were charged when they happened.
            charges = Charge.objects.filter(booking__session=session).count() - charged_before
            messages.success(
                request,
                "The register is closed and the session is marked as delivered. "
                + (
                    f"{charges} {'charge has' if charges == 1 else 'charges have'} been raised."
                    if charges
                    else "No charges were raised."
                ),
            )
            return redirect("training:register", session.pk)
    return render(
        request,
        "training/register/close.html",
        {
            "session": session,
            "state": state,
            "form": form,
            "counts": register_counts(session),
            "opens_at": register_opens_at(session),
            "started": session_has_started(session, now=now),
            "early": early,
        },
    )


@role_required(Role.COORDINATOR)
def register_correct(request, pk):
    booking = get_object_or_404(
        Booking.objects.select_related("session__course", "delegate", "agency"),
        pk=pk,
        status=Booking.Status.CONFIRMED,
    )
    session = booking.session
    if session.register_closed_at is None:
        messages.info(request, "The register is still open: change the mark on the register.")
        return redirect("training:register", session.pk)
    form = CorrectionForm(
        request.POST if request.method == "POST" else None,
        initial={"attendance": booking.attendance},
    )
    if request.method == "POST" and form.is_valid():
        try:
            attendance_mark(
                booking=booking,
                attendance=form.cleaned_data["attendance"],
                actor=request.user,
                reason=form.cleaned_data["reason"],
            )
        except TrainingError as error:
            form.add_error(None, str(error))
        else:
            booking.refresh_from_db(fields=["attendance"])
            done = (
                f"{booking.delegate.full_name}'s mark is now “{booking.get_attendance_display()}”."
            )
            invoiced = charge_needs_credit_note(booking)
            if invoiced is None:
                messages.success(request, f"{done} Any charge not yet invoiced has been updated.")
            elif invoiced.invoice.status == Invoice.Status.PAID:
                messages.warning(
                    request,
                    f"{done} The charge is on invoice {invoiced.invoice.number}, which has "
                    "been paid: agree any refund with the organisation.",
                )
            else:
                messages.warning(
                    request,
                    f"{done} The charge is on invoice {invoiced.invoice.number}, which cannot "
                    "change: credit that invoice to correct it.",
                )
            return redirect("training:register", session.pk)
    return render(
        request,
        "training/register/correct.html",
        {"session": session, "booking": booking, "form": form},
    )


# Sign-in sheet and attendance list ------------------------------------------------------


@register_access
def register_sign_in_sheet(request, session):
    bookings = list(register_bookings(session))
    pdf = render_pdf(
        "documents/sign_in_sheet.html",
        {
            "session": session,
            "bookings": bookings,
            "blank_rows": range(SIGN_IN_SHEET_BLANK_ROWS),
            "late_arrival_minutes": terms_in_force().late_arrival_minutes,
        },
    )
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = (
        f'inline; filename="sign-in-sheet-{session.course.code}-'
        f'{timezone.localtime(session.starts_at):%Y-%m-%d}.pdf"'
    )
    return response


@register_access
def register_csv(request, session):
    filename = (
        f"attendance-{session.course.code}-{timezone.localtime(session.starts_at):%Y-%m-%d}.csv"
    )
    rows = (
        [
            spreadsheet_text(cell)
            for cell in (
                booking.delegate.full_name,
                booking.delegate.email,
                booking.agency.name,
                booking.get_attendance_display(),
                "yes" if booking.is_walk_in else "no",
            )
        ]
        for booking in register_bookings(session)
    )
    return csv_response(filename, ["name", "email", "organisation", "attendance", "walk-in"], rows)
