"""Booking, cancelling, substituting and the waiting list.

Capacity is guarded by locking the session row before counting: every write that can
change who holds a place takes that lock first, so places are never oversold whatever
the concurrency (on SQLite, IMMEDIATE transactions serialise writers the same way).
"""

from django.conf import settings
from django.db import IntegrityError, OperationalError, connection, transaction
from django.utils import timezone

from accounts.models import Agency, User
from accounts.services.people import unclaimed_account_create
from audit.services import audit_record
from notifications.services import outbox_enqueue

from ..errors import BookingError, SessionBusyError
from ..models import Booking, Session
from ..rules.cancellation import cancellation_would_be_late
from ..rules.prices import PriceBasis, late_cancellation_charge_pence
from ..rules.waiting_list import QUEUE_ORDER, ahead_of
from .charges import charge_sync
from .terms import terms_in_force

BOOKING_ICS = "training.calendar.booking_ics"
SESSION_LOCK_TIMEOUT_MS = 5000
LOCK_NOT_AVAILABLE = "55P03"  # PostgreSQL's SQLSTATE when lock_timeout runs out
REASON_MAX_LENGTH = Booking._meta.get_field("cancellation_reason").max_length


def session_lock(session_id: int) -> Session:
    """Lock the session row for the rest of the transaction.

    Only the session's row: its course is read alongside but not locked, so bookings on
    other sessions of the same course do not queue behind this one. On PostgreSQL a wait
    for the lock is bounded, as pretix's lock_objects bounds it: past
    COURSEBOOK_SESSION_LOCK_TIMEOUT_MS the booking is refused with SessionBusyError,
    a message to try again, instead of a request that hangs. (On SQLite writers queue
    at BEGIN IMMEDIATE, bounded by the connection's timeout.)
    """
    if connection.vendor == "postgresql":
        timeout_ms = getattr(
            settings, "COURSEBOOK_SESSION_LOCK_TIMEOUT_MS", SESSION_LOCK_TIMEOUT_MS
        )
        with connection.cursor() as cursor:
            # For this transaction only: is_local=true, as SET LOCAL.
            cursor.execute("SELECT set_config('lock_timeout', %s, true)", [f"{int(timeout_ms)}ms"])
    try:
        return (
            Session.objects.select_for_update(of=("self",))
            .select_related("course")
            .get(pk=session_id)
        )
    except OperationalError as error:
        if getattr(error.__cause__, "sqlstate", None) == LOCK_NOT_AVAILABLE:
            raise SessionBusyError(
                "Many people are booking this session right now; try again"
            ) from error
        raise


def _confirmed_count(session: Session) -> int:
    return Booking.objects.filter(session=session, status=Booking.Status.CONFIRMED).count()


def _copy_to(booking: Booking) -> list[str]:
    return [booking.line_manager_email] if booking.line_manager_email else []


# Messages about holding a place copy the line manager, when the delegate holds one.
COPIED_TO_LINE_MANAGER = {"booking_confirmed", "booking_promoted", "session_changed"}


def queue_booking_message(booking: Booking, *, kind: str, subject: str, ics_method: str = ""):
    has_place = booking.status == Booking.Status.CONFIRMED
    outbox_enqueue(
        kind=kind,
        to=[booking.delegate.email],
        cc=_copy_to(booking) if kind in COPIED_TO_LINE_MANAGER and has_place else [],
        subject=subject,
        template=f"training/{kind}",
        context={
            "booking": booking,
            "session": booking.session,
            "course": booking.session.course,
            "delegate": booking.delegate,
        },
        ics_builder=BOOKING_ICS if ics_method else "",
        ics_object=booking if ics_method else None,
        ics_method=ics_method,
    )


def booking_mark_cancelled(
    booking: Booking, *, actor: User | None, reason: str, late: bool = False
) -> Booking:
    """The one change of a booking to cancelled; the caller holds the session's lock and
    records why in the audit trail."""
    booking.status = Booking.Status.CANCELLED
    booking.cancelled_at = timezone.now()
    booking.cancelled_by = actor
    booking.cancellation_reason = reason[:REASON_MAX_LENGTH]
    booking.cancelled_late = late
    booking.save(
        update_fields=[
            "status",
            "cancelled_at",
            "cancelled_by",
            "cancellation_reason",
            "cancelled_late",
        ]
    )
    return booking


def check_session_bookable(session: Session, *, now=None) -> None:
    now = now or timezone.now()
    if session.status == Session.Status.CANCELLED:
        raise BookingError("This session has been cancelled")
    if session.status == Session.Status.DELIVERED or session.starts_at <= now:
        raise BookingError("This session has already started")
    if session.booking_opens_at and now < session.booking_opens_at:
        opens = timezone.localtime(session.booking_opens_at)
        raise BookingError(f"Booking for this session opens on {opens:%-d %B %Y at %H:%M}")
    if session.booking_closes_at and now >= session.booking_closes_at:
        raise BookingError("Booking for this session has closed")


def line_manager_may_be_asked() -> bool:
    """What the booking page says now about asking the line manager later (the training
    booking_page tag shows it), frozen on each booking the delegate makes themselves on
    that page; a coordinator's booking or a colleague's handed-on place never saw it."""
    return settings.COURSEBOOK_MANAGER_FOLLOW_UP


def booking_create(
    *,
    session: Session,
    delegate: User,
    actor: User,
    line_manager_email: str | None = None,
    access_needs: str | None = None,
    terms_shown_id: int | None = None,
) -> Booking:
    """Book a place, or a place on the waiting list when the session is full.

    One active booking per delegate per session (the database's unique constraint is
    the check); the booking is judged by the terms in force now and charged to the
    delegate's current (confirmed) organisation, and freezes what sets its price: the
    course's length and fee and whether the organisation pays for places. A delegate
    who books from a page showing the terms passes the version shown (terms_shown_id):
    if another has come into force since, the booking is refused so that nobody is held
    to terms they were not shown. Only session.pk is read: the session is loaded under
    its lock.
    """
    if actor.pk == delegate.pk and not delegate.is_verified:
        raise BookingError("Confirm your email address before you book")
    if delegate.agency_id is None:
        raise BookingError("Your organisation has not been confirmed yet")
    # Everything that needs no lock is done first: the session row stays locked only
    # for the count, the inserts and the commit.
    terms = terms_in_force()
    agency = delegate.agency
    if terms_shown_id is not None and terms_shown_id != terms.pk:
        raise BookingError(
            "The terms and conditions have changed since the page was opened. "
            "Read them again, then confirm your booking."
        )
    with transaction.atomic():
        session = session_lock(session.pk)
        check_session_bookable(session)
        status = (
            Booking.Status.CONFIRMED
            if _confirmed_count(session) < session.capacity
            else Booking.Status.WAITLISTED
        )
        try:
            # No query first to look for a second active booking: the unique constraint
            # refuses one, and the whole transaction is rolled back, so nothing is written.
            booking = Booking.objects.create(
                session=session,
                delegate=delegate,
                agency=agency,
                terms=terms,
                **PriceBasis.now(course=session.course, agency=agency).booking_fields(),
                status=status,
                booked_by=actor,
                line_manager_email=(
                    delegate.line_manager_email
                    if line_manager_email is None
                    else line_manager_email
                ),
                access_needs=delegate.access_needs if access_needs is None else access_needs,
                # Only the delegate booking for themselves saw the booking page say so.
                line_manager_may_be_asked=line_manager_may_be_asked() and actor.pk == delegate.pk,
            )
        except IntegrityError as error:  # The unique constraint: a second active booking.
            raise BookingError(
                f"{delegate.full_name} already has a place on this session"
            ) from error
        audit_record(
            actor=actor,
            action="booking_made" if status == Booking.Status.CONFIRMED else "waitlist_joined",
            obj=booking,
            summary=f"{delegate} {booking.get_status_display().lower()} on {session}",
        )
        if status == Booking.Status.CONFIRMED:
            queue_booking_message(
                booking,
                kind="booking_confirmed",
                subject=f"Booking confirmed: {session.course.title}",
                ics_method="REQUEST",
            )
        else:
            queue_booking_message(
                booking,
                kind="waitlist_joined",
                subject=f"On the waiting list: {session.course.title}",
            )
    return booking


def booking_create_with_new_account(
    *, session: Session, full_name: str, email: str, agency: Agency, actor: User
) -> Booking:
    """A coordinator books someone who has no account yet.

    The account is made first (accounts' unclaimed_account_create: a delegate of `agency`
    with no password, audited, and an email saying how to claim it), then the place is
    booked as any other (booking_create: the terms and price frozen, the confirmation or
    waiting-list email). All in one transaction: if the place cannot be booked, no
    account is left behind. An address that already has an account is refused with
    AccountError; that person is booked by their email address instead.
    """
    check_session_bookable(session)
    with transaction.atomic():
        delegate = unclaimed_account_create(
            email=email,
            full_name=full_name,
            agency=agency,
            actor=actor,
            occasion=f"{session.course.title} on "
            f"{timezone.localtime(session.starts_at):%-d %B %Y}",
            cause="booked",
        )
        return booking_create(session=session, delegate=delegate, actor=actor)


def waitlist_position(booking: Booking) -> int | None:
    """1 for the next person to be offered a place."""
    if booking.status != Booking.Status.WAITLISTED:
        return None
    ahead = Booking.objects.filter(
        ahead_of(booked_at=booking.booked_at, pk=booking.pk),
        session_id=booking.session_id,
        status=Booking.Status.WAITLISTED,
    )
    return ahead.count() + 1


def waitlist_promote(*, session: Session) -> list[Booking]:
    """Fill free places from the waiting list, first come first served.

    Call with the session locked. The waiting list closes when the session starts.
    """
    now = timezone.now()
    if session.status != Session.Status.SCHEDULED or session.starts_at <= now:
        return []
    free = session.capacity - _confirmed_count(session)
    if free <= 0:
        return []
    promoted = list(
        Booking.objects.filter(session=session, status=Booking.Status.WAITLISTED)
        .select_related("delegate", "session__course", "session__venue")
        .order_by(*QUEUE_ORDER)[:free]
    )
    for booking in promoted:
        booking.status = Booking.Status.CONFIRMED
        booking.promoted_at = now
        booking.save(update_fields=["status", "promoted_at"])
        audit_record(
            actor=None,
            action="booking_promoted",
            obj=booking,
            summary=f"{booking.delegate} promoted from the waiting list on {session}",
        )
        queue_booking_message(
            booking,
            kind="booking_promoted",
            subject=f"A place has come up: {session.course.title}",
            ics_method="REQUEST",
        )
    return promoted


def booking_cancel(
    *, booking: Booking, actor: User, reason: str = "", late_shown: bool | None = None
) -> Booking:
    """Cancel a booking or a waiting-list place before the session starts.

    A confirmed place cancelled inside the notice period is recorded as late (the
    charges service raises what it costs); the freed place goes to the waiting list.
    From a page that stated the cost, late_shown is what it stated: if the notice period
    has ended (or a promotion's grace has) since, nothing is cancelled, so that nobody is
    charged without having been told.
    """
    with transaction.atomic():
        session = session_lock(booking.session_id)
        booking = (
            Booking.objects.select_for_update()
            .select_related("terms", "delegate")
            .get(pk=booking.pk)
        )
        booking.session = session
        if not booking.is_active:
            raise BookingError("This booking has already been cancelled")
        if session.starts_at <= timezone.now():
            raise BookingError("The session has started: it can no longer be cancelled")
        was_confirmed = booking.status == Booking.Status.CONFIRMED
        late = cancellation_would_be_late(booking=booking)
        if late_shown is not None and late != late_shown:
            raise BookingError(
                "What cancelling costs has changed since the page was opened. "
                "Check it again, then confirm."
            )
        booking_mark_cancelled(booking, actor=actor, reason=reason, late=late)
        audit_record(
            actor=actor,
            action="booking_cancelled_late" if booking.cancelled_late else "booking_cancelled",
            obj=booking,
            summary=f"{booking.delegate} cancelled on {session}"
            + (f": {reason}" if reason else ""),
            data={
                "late": booking.cancelled_late,
                "charge_pence": late_cancellation_charge_pence(booking=booking)
                if booking.cancelled_late
                else 0,
            },
        )
        charge_sync(booking=booking, actor=actor)
        if was_confirmed:
            queue_booking_message(
                booking,
                kind="booking_cancelled",
                subject=f"Booking cancelled: {session.course.title}",
                ics_method="CANCEL",
            )
            waitlist_promote(session=session)
        else:
            queue_booking_message(
                booking,
                kind="waitlist_left",
                subject=f"Off the waiting list: {session.course.title}",
            )
    return booking


def booking_substitute(*, booking: Booking, substitute: User, actor: User) -> Booking:
    """Hand a place to a colleague of the same organisation, free, until the start."""
    with transaction.atomic():
        session = session_lock(booking.session_id)
        booking = Booking.objects.select_for_update().select_related("delegate").get(pk=booking.pk)
        if booking.status != Booking.Status.CONFIRMED:
            raise BookingError("Only a confirmed place can be handed to a colleague")
        if session.starts_at <= timezone.now():
            raise BookingError("The session has started: the place can no longer be handed on")
        if substitute.pk == booking.delegate_id:
            raise BookingError("Choose a colleague other than the person booked")
        if substitute.agency_id != booking.agency_id:
            raise BookingError(
                "A place can only be handed to a colleague from the same organisation"
            )
        if Booking.objects.filter(
            session=session, delegate=substitute, status__in=Booking.ACTIVE
        ).exists():
            raise BookingError(f"{substitute.full_name} already has a place on this session")
        # No name in the stored reason: it would outlive the colleague's erasure. The
        # replacement booking points back at this one (substitute_for).
        booking_mark_cancelled(booking, actor=actor, reason="Place handed to a colleague")
        replacement = Booking.objects.create(
            session=session,
            delegate=substitute,
            agency_id=booking.agency_id,
            terms=booking.terms,
            **PriceBasis.of(booking).booking_fields(),  # The place keeps its price.
            status=Booking.Status.CONFIRMED,
            booked_by=actor,
            substitute_for=booking,
            line_manager_email=substitute.line_manager_email,
            access_needs=substitute.access_needs,
            # The colleague never saw the booking page: their line manager is not asked.
            line_manager_may_be_asked=False,
        )
        audit_record(
            actor=actor,
            action="booking_substituted",
            obj=replacement,
            summary=f"{booking.delegate} handed their place on {session} to {substitute}",
            data={"from_booking": booking.pk},
        )
        queue_booking_message(
            booking,
            kind="booking_cancelled",
            subject=f"Place handed on: {session.course.title}",
            ics_method="CANCEL",
        )
        queue_booking_message(
            replacement,
            kind="booking_confirmed",
            subject=f"Booking confirmed: {session.course.title}",
            ics_method="REQUEST",
        )
    return replacement
