"""The delegate's side: booking, My training, cancelling, handing a place on."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render

from accounts.models import Role
from accounts.selectors import pending_organisation_change

from ..calendar import booking_ics
from ..errors import TrainingError
from ..forms import BookingForm, CancelForm, SubstituteForm
from ..models import Booking, Session
from ..rules.money import pounds
from ..rules.prices import late_cancellation_charge_pence
from ..selectors.bookings import booking_can_change, bookings_for_display, delegate_active_booking
from ..selectors.catalogue import session_with_counts
from ..selectors.costs import booking_terms, booking_terms_of, cancellation_preview
from ..selectors.my_training import my_training
from ..services.bookings import (
    booking_cancel,
    booking_create,
    booking_substitute,
    check_session_bookable,
)

# The booking page shows the "Booking confirmed" panel when it is reached from the booking
# form; a query flag rather than a session write keeps the booking request lean.
JUST_BOOKED = "new"


def _booking_for(request, pk: int, *, owner_only: bool = False) -> Booking:
    """The booking, if it is the user's own or the user is a coordinator; else 403."""
    booking = get_object_or_404(bookings_for_display(), pk=pk)
    if booking.delegate_id == request.user.pk:
        return booking
    if not owner_only and request.user.has_role(Role.COORDINATOR):
        return booking
    raise PermissionDenied


@login_required
def book(request, pk):
    user = request.user
    form = BookingForm(
        request.POST if request.method == "POST" else None,
        initial={"line_manager_email": user.line_manager_email, "access_needs": user.access_needs},
    )
    if request.method == "POST" and form.is_valid():
        # The hot path of a booking rush: no queries before the service, which loads the
        # session under its lock (and finds it missing, for a 404).
        shown = request.POST.get("terms_version", "")
        # Anything but plain digits (such as "²", which isdigit() accepts) is no version.
        shown_id = int(shown) if shown.isascii() and shown.isdigit() else 0
        try:
            booking = booking_create(
                session=Session(pk=pk),
                delegate=user,
                actor=user,
                line_manager_email=form.cleaned_data["line_manager_email"],
                access_needs=form.cleaned_data["access_needs"],
                terms_shown_id=shown_id,
            )
        except Session.DoesNotExist as error:
            raise Http404 from error
        except TrainingError as error:
            form.add_error(None, str(error))
        else:
            return redirect(f"{booking.get_absolute_url()}?{JUST_BOOKED}=1")
    try:
        session = session_with_counts(pk)
    except Session.DoesNotExist as error:
        raise Http404 from error
    existing = delegate_active_booking(session=session, delegate=user)
    if existing is not None and request.method != "POST":
        messages.info(request, "You already have a place on this session.")
        return redirect(existing)
    try:
        check_session_bookable(session)
    except TrainingError as error:
        not_bookable = str(error)
    else:
        not_bookable = ""
    terms = (
        booking_terms(session=session, agency=user.agency, waiting=not session.places_left)
        if user.agency
        else None
    )
    return render(
        request,
        "training/book.html",
        {
            "session": session,
            "form": form,
            "terms": terms,
            "not_bookable": not_bookable,
            "pending_change": pending_organisation_change(user),
        },
    )


@login_required
def my_training_view(request):
    return render(request, "training/my_training.html", {"training": my_training(request.user)})


@login_required
def booking_detail(request, pk):
    booking = _booking_for(request, pk)
    just_booked = request.GET.get(JUST_BOOKED) == "1" and booking.delegate_id == request.user.pk
    return render(
        request,
        "training/booking.html",
        {
            "booking": booking,
            "session": booking.session,
            "is_own": booking.delegate_id == request.user.pk,
            "can_change": booking_can_change(booking),
            "terms": booking_terms_of(booking),
            "just_booked": just_booked,
        },
    )


@login_required
def booking_cancel_view(request, pk):
    booking = _booking_for(request, pk)
    is_own = booking.delegate_id == request.user.pk
    if not booking_can_change(booking):
        messages.info(request, "This booking can no longer be cancelled.")
        return redirect(booking)
    form = CancelForm(
        request.POST if request.method == "POST" else None, reason_required=not is_own
    )
    if request.method == "POST" and form.is_valid():
        try:
            cancelled = booking_cancel(
                booking=booking,
                actor=request.user,
                reason=form.cleaned_data["reason"],
                late_shown=request.POST.get("late_shown") == "1",
            )
        except TrainingError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _cancelled_message(cancelled, is_own=is_own))
            return redirect("training:my_training" if is_own else cancelled.get_absolute_url())
    return render(
        request,
        "training/booking_cancel.html",
        {
            "booking": booking,
            "session": booking.session,
            "is_own": is_own,
            "preview": cancellation_preview(booking),
            "form": form,
        },
    )


def _cancelled_message(booking: Booking, *, is_own: bool) -> str:
    whose = "Your" if is_own else f"{booking.delegate.full_name}'s"
    message = f"{whose} booking on {booking.session.course.title} is cancelled."
    if booking.cancelled_late:
        charge = pounds(late_cancellation_charge_pence(booking=booking), short=True)
        message += f" It was a late cancellation: {booking.agency} will be charged {charge}."
    return message


@login_required
def booking_substitute_view(request, pk):
    booking = _booking_for(request, pk)
    is_own = booking.delegate_id == request.user.pk
    if booking.status != Booking.Status.CONFIRMED or not booking_can_change(booking):
        messages.info(request, "This place can no longer be handed to a colleague.")
        return redirect(booking)
    form = SubstituteForm(
        request.POST if request.method == "POST" else None, agency=booking.agency
    )
    if request.method == "POST" and form.is_valid():
        try:
            replacement = booking_substitute(
                booking=booking, substitute=form.colleague, actor=request.user
            )
        except TrainingError as error:
            form.add_error("email", str(error))
        else:
            whose = "Your" if is_own else f"{booking.delegate.full_name}'s"
            messages.success(
                request,
                f"{whose} place on {booking.session.course.title} has been handed to "
                f"{replacement.delegate.full_name}. We have emailed them the details.",
            )
            return redirect("training:my_training" if is_own else replacement.get_absolute_url())
    return render(
        request,
        "training/booking_substitute.html",
        {"booking": booking, "session": booking.session, "is_own": is_own, "form": form},
    )


@login_required
def booking_ics_view(request, pk):
    booking = _booking_for(request, pk, owner_only=True)
    if booking.status == Booking.Status.WAITLISTED:
        raise Http404("A waiting-list place has no calendar invite")
    method = "REQUEST" if booking.status == Booking.Status.CONFIRMED else "CANCEL"
    response = HttpResponse(
        booking_ics(booking, method=method), content_type="text/calendar; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="coursebook-booking-{booking.pk}.ics"'
    return response
