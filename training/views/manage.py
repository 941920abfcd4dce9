"""Coordinators' pages: sessions, their lists, booking people on, cancelling, terms."""

from dataclasses import dataclass

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Prefetch, QuerySet
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone

from accounts.errors import AccountError
from accounts.models import Role, User
from accounts.permissions import role_required

from ..errors import TrainingError
from ..forms_manage import (
    BookNewPersonForm,
    BookPeopleForm,
    CourseForm,
    ReasonForm,
    SessionDuplicateForm,
    SessionFilterForm,
    SessionForm,
    TermsForm,
)
from ..models import Booking, Course, Session, Terms
from ..rules.cancellation import (
    cancellation_would_be_late,
    free_cancellation_until,
    made_how,
    never_free_to_cancel,
)
from ..rules.days import day_bounds, week_bounds
from ..rules.money import pounds
from ..rules.prices import PriceBasis, late_cancellation_charge_pence
from ..rules.registers import register_left_open
from ..selectors.catalogue import with_place_counts
from ..selectors.messages import session_messages
from ..selectors.no_shows import with_recent_no_shows
from ..selectors.outcomes import current_outcomes
from ..services.bookings import (
    booking_cancel,
    booking_create,
    booking_create_with_new_account,
)
from ..services.courses import course_create, course_update
from ..services.sessions import session_cancel, session_create, session_duplicate, session_update
from ..services.terms import terms_create, terms_in_force

coordinators_only = role_required(Role.COORDINATOR)
SESSIONS_PER_PAGE = 25


def sessions_with_counts() -> QuerySet[Session]:
    return with_place_counts(Session.objects.select_related("course", "venue"))


def _session_or_404(pk: int) -> Session:
    return get_object_or_404(
        sessions_with_counts().select_related("delivering_agency", "venue__borough"), pk=pk
    )


@coordinators_only
def sessions(request):
    filters = SessionFilterForm(request.GET or None)
    found = sessions_with_counts()
    when = "upcoming"
    now = timezone.now()
    if filters.is_valid():
        when = filters.cleaned_data["when"] or "upcoming"
        if filters.cleaned_data["course"]:
            found = found.filter(course=filters.cleaned_data["course"])
        if filters.cleaned_data["status"]:
            found = found.filter(status=filters.cleaned_data["status"])
        if filters.cleaned_data["register"] == "left_open":
            found = found.filter(register_left_open(now=now))
    if when == "upcoming":
        found = found.filter(starts_at__gte=now).order_by("starts_at", "pk")
    elif when in ("today", "week"):
        today = timezone.localdate()
        starts, ends = day_bounds(today) if when == "today" else week_bounds(today)
        found = found.filter(starts_at__gte=starts, starts_at__lt=ends).order_by("starts_at", "pk")
    elif when == "past":
        found = found.filter(starts_at__lt=now).order_by("-starts_at", "-pk")
    else:
        found = found.order_by("-starts_at", "-pk")
    page = Paginator(found, SESSIONS_PER_PAGE).get_page(request.GET.get("page"))
    left_open = filters.is_valid() and filters.cleaned_data["register"] == "left_open"
    return render(
        request,
        "training/manage/sessions.html",
        {"filters": filters, "page": page, "when": when, "left_open": left_open},
    )


@coordinators_only
def session_create_view(request):
    form = SessionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            session = session_create(actor=request.user, **form.session_fields())
        except TrainingError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, f"The session has been added: {session}.")
            return redirect("training:manage_session", session.pk)
    return render(request, "training/manage/session_form.html", {"form": form, "session": None})


@coordinators_only
def session_edit(request, pk):
    session = get_object_or_404(
        Session.objects.select_related("course").prefetch_related("trainers"), pk=pk
    )
    if session.status != Session.Status.SCHEDULED:
        messages.info(request, "Only a scheduled session can be changed.")
        return redirect("training:manage_session", session.pk)
    form = SessionForm(request.POST or None, initial=SessionForm.initial_for(session))
    if request.method == "POST" and form.is_valid():
        try:
            session_update(session=session, actor=request.user, **form.session_fields())
        except TrainingError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, "The session has been changed.")
            return redirect("training:manage_session", session.pk)
    return render(request, "training/manage/session_form.html", {"form": form, "session": session})


@coordinators_only
def session_duplicate_view(request, pk):
    session = get_object_or_404(Session.objects.select_related("course", "venue"), pk=pk)
    form = SessionDuplicateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            copy = session_duplicate(
                session=session, actor=request.user, starts_at=form.starts_at()
            )
        except TrainingError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, f"The session has been copied: {copy}.")
            return redirect("training:manage_session", copy.pk)
    return render(
        request, "training/manage/session_duplicate.html", {"form": form, "session": session}
    )


@coordinators_only
def session_cancel_view(request, pk):
    session = _session_or_404(pk)
    if session.status != Session.Status.SCHEDULED:
        messages.info(request, "Only a scheduled session can be cancelled.")
        return redirect("training:manage_session", session.pk)
    form = ReasonForm(
        request.POST or None,
        label="Reason for cancelling",
        help_text="It goes into the email everyone booked or waiting receives.",
    )
    told = session.confirmed_count + session.waitlisted_count
    if request.method == "POST" and form.is_valid():
        try:
            session_cancel(session=session, actor=request.user, reason=form.cleaned_data["reason"])
        except TrainingError as error:
            form.add_error(None, str(error))
        else:
            messages.success(
                request,
                f"The session has been cancelled. {told} {'person' if told == 1 else 'people'} "
                "will be told by email.",
            )
            return redirect("training:manage_session", session.pk)
    return render(
        request,
        "training/manage/session_cancel.html",
        {"form": form, "session": session, "told": told},
    )


@coordinators_only
def session_detail(request, pk):
    session = get_object_or_404(
        Session.objects.select_related(
            "course", "venue", "venue__borough", "delivering_agency"
        ).prefetch_related(
            Prefetch("trainers", queryset=User.objects.select_related("agency")),
        ),
        pk=pk,
    )
    bookings = with_recent_no_shows(
        Booking.objects.filter(session=session)
        .select_related("delegate", "agency", "booked_by", "cancelled_by")
        .order_by("booked_at", "pk")
    )
    confirmed, waiting, cancelled = [], [], []
    for booking in bookings:
        {
            Booking.Status.CONFIRMED: confirmed,
            Booking.Status.WAITLISTED: waiting,
            Booking.Status.CANCELLED: cancelled,
        }[booking.status].append(booking)
    # Ordered as the waiting list is served, so the position is the place in the list.
    waiting = list(enumerate(waiting, start=1))
    return render(
        request,
        "training/manage/session.html",
        {
            "session": session,
            "confirmed": confirmed,
            "waiting": waiting,
            "cancelled": cancelled,
            "places_left": max(session.capacity - len(confirmed), 0),
            "is_open": session.status == Session.Status.SCHEDULED
            and session.starts_at > timezone.now(),
            "history": session_messages(session),
        },
    )


@coordinators_only
def booking_cancel_view(request, pk):
    booking = get_object_or_404(
        Booking.objects.select_related(
            "delegate", "agency", "terms", "session__course", "session__venue"
        ),
        pk=pk,
    )
    session = booking.session
    if not booking.is_active:
        messages.info(request, "This booking has already been cancelled.")
        return redirect("training:manage_session", session.pk)
    late = cancellation_would_be_late(booking=booking)
    form = ReasonForm(
        request.POST or None,
        label="Reason for cancelling",
        help_text="For example, “Asked by phone on behalf of their manager”. It is recorded in "
        "the audit trail.",
    )
    if request.method == "POST" and form.is_valid():
        try:
            booking_cancel(
                booking=booking,
                actor=request.user,
                reason=form.cleaned_data["reason"],
                late_shown=request.POST.get("late_shown") == "1",
            )
        except TrainingError as error:
            form.add_error(None, str(error))
        else:
            place = "place" if booking.status == Booking.Status.CONFIRMED else "waiting-list place"
            messages.success(
                request,
                f"{booking.delegate.full_name}’s {place} has been cancelled."
                + (" It was a late cancellation." if late else ""),
            )
            return redirect("training:manage_session", session.pk)
    return render(
        request,
        "training/manage/booking_cancel.html",
        {
            "form": form,
            "booking": booking,
            "session": session,
            "late": late,
            "charge": pounds(late_cancellation_charge_pence(booking=booking)) if late else None,
            "charge_is_fee": PriceBasis.of(booking).agency_pays,
            "free_until": free_cancellation_until(booking=booking),
            "never_free": never_free_to_cancel(booking=booking),
            "made_how": made_how(booking),
        },
    )


@dataclass
class BookingOutcome:
    person: User
    outcome: str  # booked, waitlisted or refused
    detail: str = ""


@coordinators_only
def session_book(request, pk):
    session = _session_or_404(pk)
    form = BookPeopleForm(request.POST or None)
    outcomes = None
    if request.method == "POST" and form.is_valid():
        outcomes = []
        for person in form.cleaned_data["emails"]:
            try:
                booking = booking_create(session=session, delegate=person, actor=request.user)
            except TrainingError as error:
                outcomes.append(BookingOutcome(person, "refused", str(error)))
            else:
                if booking.status == Booking.Status.CONFIRMED:
                    outcomes.append(BookingOutcome(person, "booked"))
                else:
                    outcomes.append(BookingOutcome(person, "waitlisted"))
        form = BookPeopleForm()
        session = _session_or_404(pk)  # The counts have changed.
    return render(
        request,
        "training/manage/session_book.html",
        {
            "form": form,
            "session": session,
            "outcomes": outcomes,
            "counts": {
                kind: sum(1 for o in outcomes if o.outcome == kind)
                for kind in ("booked", "waitlisted", "refused")
            }
            if outcomes
            else None,
        },
    )


@coordinators_only
def session_book_new_person(request, pk):
    """Book someone who has no account: one is made for them, and they are told how to
    claim it. Someone who has one is booked by email address on session_book."""
    session = _session_or_404(pk)
    form = BookNewPersonForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            booking = booking_create_with_new_account(
                session=session,
                full_name=data["full_name"],
                email=data["email"],
                agency=data["agency"],
                actor=request.user,
            )
        except AccountError:
            form.add_error(
                "email",
                f"{data['email']} already has an account: book them by their email "
                "address on the ‘Book people on’ page",
            )
        except TrainingError as error:
            form.add_error(None, str(error))
        else:
            place = (
                "booked on"
                if booking.status == Booking.Status.CONFIRMED
                else "put on the waiting list for"
            )
            messages.success(
                request,
                f"{booking.delegate.full_name} has been {place} this session. We made an "
                f"account for them and emailed {booking.delegate.email} how to claim it.",
            )
            return redirect("training:manage_session_book", session.pk)
    return render(
        request, "training/manage/session_book_new_person.html", {"form": form, "session": session}
    )


@coordinators_only
def terms(request):
    current = terms_in_force()
    form = TermsForm(request.POST or None, initial=TermsForm.initial_from(current))
    if request.method == "POST" and form.is_valid():
        try:
            created = terms_create(
                actor=request.user, effective_from=form.effective_from(), **form.terms_fields()
            )
        except TrainingError as error:
            form.add_error(None, str(error))
        else:
            messages.success(
                request,
                f"The new terms take effect on "
                f"{timezone.localtime(created.effective_from):%-d %B %Y at %H:%M}.",
            )
            return redirect("training:manage_terms")
    versions = [
        {
            "terms": version,
            "in_force": version.pk == current.pk,
            "future": version.effective_from > timezone.now(),
            "late_cancellation": (
                pounds(version.late_cancellation_half_day_pence),
                pounds(version.late_cancellation_full_day_pence),
            ),
            "non_attendance": (
                pounds(version.non_attendance_half_day_pence),
                pounds(version.non_attendance_full_day_pence),
            ),
            "fee": (pounds(version.fee_half_day_pence), pounds(version.fee_full_day_pence)),
        }
        for version in Terms.objects.order_by("-effective_from")
    ]
    return render(request, "training/manage/terms.html", {"form": form, "versions": versions})


# Courses --------------------------------------------------------------------------------


@coordinators_only
def courses(request):
    listed = Course.objects.order_by("-is_active", "programme", "title")
    return render(request, "training/manage/courses.html", {"courses": listed})


@coordinators_only
def course_create_view(request):
    form = CourseForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            course = course_create(actor=request.user, **form.course_fields())
        except TrainingError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, f"{course} has been added to the catalogue.")
            return redirect("training:manage_courses")
    return render(request, "training/manage/course_form.html", {"form": form, "course": None})


@coordinators_only
def course_edit(request, code):
    course = get_object_or_404(Course.objects.select_related("prerequisite"), code=code)
    outcomes = current_outcomes(course)
    form = CourseForm(
        request.POST or None, course=course, initial=CourseForm.initial_for(course, outcomes)
    )
    if request.method == "POST" and form.is_valid():
        was_active = course.is_active
        try:
            course = course_update(course=course, actor=request.user, **form.course_fields())
        except TrainingError as error:
            form.add_error(None, str(error))
        else:
            if was_active and not course.is_active:
                message = (
                    f"{course} has been retired: it is no longer listed in the catalogue or "
                    "offered for new sessions. Its sessions and bookings stay as they are."
                )
            elif course.is_active and not was_active:
                message = (
                    f"{course} is listed in the catalogue again and can be offered for new "
                    "sessions."
                )
            else:
                message = f"{course} has been changed."
            version = current_outcomes(course)[0].version
            if outcomes and version != outcomes[0].version:
                message += (
                    f" Its learning outcomes are now version {version}: evaluations already "
                    "given keep the outcomes they rated."
                )
            messages.success(request, message)
            return redirect("training:manage_courses")
    return render(
        request,
        "training/manage/course_form.html",
        {"form": form, "course": course, "outcomes": outcomes},
    )
