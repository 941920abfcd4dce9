"""The demo's programme from today on, and what is waiting for each person now.

Loaded once, relative to the day it is loaded (the audit trail's "demo_loaded" entry
names the day): a session today for the demo trainer with its register open, then one
session of every course over the next three months at different fill levels, one of them
full with a waiting list; the demo delegate's places on them; late cancellations charged;
the last monthly invoice run made; an email the mail server refused; an organisation to
confirm.

The bookings are written as booking_create, booking_cancel and booking_substitute write
them (the terms in force, the price basis frozen, the waiting list after the places,
late cancellations judged by the notice rule and charged as charge_due says), dated over
the weeks before today, without the audit entries and emails each would have made. The
invoices are issued by the monthly run's service, numbered and with their PDFs, and dated
on the day and at the time the schedule last ran it; the reminders already due are queued
by the reminder service: the emails these queue are recorded as sent, so loading the demo
sends nothing. Only the refused email waits, for a
coordinator to send again.
"""

import random
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib.auth.models import Group
from django.db.models import Max
from django.utils import timezone

from accounts.models import Agency, Borough, OrganisationRequest, Role, User
from audit.models import AuditEntry
from audit.services import audit_record
from notifications.models import OutboxMessage
from notifications.services import MAX_ATTEMPTS, RETRY_FOR
from training.documents import render_pdf
from training.models import (
    Booking,
    Charge,
    Course,
    Invoice,
    Session,
    Terms,
    Venue,
)
from training.rules.cancellation import cancellation_would_be_late, free_cancellation_deadline
from training.rules.prices import PriceBasis, charge_due
from training.services.bookings import line_manager_may_be_asked, queue_booking_message
from training.services.invoices import (
    invoice_mark_paid,
    invoices_monthly_run,
    monthly_run_period_end,
    next_monthly_run_day,
)
from training.services.sessions import reminders_queue_due
from training.services.terms import terms_in_force
from training.working_days import add_working_days, first_working_day_of_month

from . import data

LONDON = ZoneInfo("Europe/London")
LOADED = "demo_loaded"
SESSION_STARTS = time(9, 30)
QUARTER_HOUR = timedelta(minutes=15)
BOOKED_WITHIN_DAYS = 42  # places were asked for over the six weeks before today
HANDED_ON = "Place handed to a colleague"
# Sessions this close are inside the notice period (3 working days by default): a place
# on them cancelled now is cancelled late.
SOON_WORKING_DAYS = 2
# The beat schedule's entry for the monthly invoice run (training.tasks.invoices_monthly).
MONTHLY_RUN_TASK = "monthly-invoices"
ACCESS_NEEDS = ["Hearing loop, please", "Step-free access; I use a wheelchair"]


def live_loaded_on() -> date | None:
    """The day the demo's programme from today on was loaded, or None if it was not."""
    entry = AuditEntry.objects.filter(action=LOADED).order_by("at", "pk").first()
    return date.fromisoformat(entry.data["day"]) if entry else None


def session_length(hours: float) -> timedelta:
    """A full day has half an hour for lunch on top of its training hours."""
    return timedelta(hours=hours + (0.5 if hours > 4 else 0))


def session_start(day: date, *, now: datetime) -> datetime:
    """Half past nine; today's session earlier if need be, so that it is running or starts
    within the quarter hour, and its register (open from 30 minutes before) is open
    whenever the demo is loaded."""
    starts = datetime.combine(day, SESSION_STARTS, tzinfo=LONDON)
    local = timezone.localtime(now)
    if day == local.date():
        quarter = local.replace(minute=local.minute // 15 * 15, second=0, microsecond=0)
        starts = min(starts, quarter + QUARTER_HOUR)
    return starts


def monthly_run_time() -> time:
    """The time of day the monthly invoice run goes: the beat schedule's."""
    schedule = settings.CELERY_BEAT_SCHEDULE[MONTHLY_RUN_TASK]["schedule"]
    return time(min(schedule.hour), min(schedule.minute))


def _run_day_before(day: date) -> date:
    """The monthly run day of the month before the one of day."""
    month_before = day.replace(day=1) - timedelta(days=1)
    return first_working_day_of_month(month_before.year, month_before.month)


def last_monthly_run(now: datetime) -> datetime:
    """When the monthly invoice run last went, by now: at the beat schedule's time on the
    run day before next_monthly_run_day's, or, on a run day before that time, on the
    month before's."""
    run_day = _run_day_before(next_monthly_run_day(today=timezone.localdate(now)))
    ran_at = datetime.combine(run_day, monthly_run_time(), tzinfo=LONDON)
    if ran_at > now:
        ran_at = datetime.combine(_run_day_before(run_day), monthly_run_time(), tzinfo=LONDON)
    return ran_at


def invoice_run_period_end(now: datetime) -> date:
    """The last day whose charges the last monthly run invoiced: the month before its day's
    ends. The charges raised since are pending."""
    return monthly_run_period_end(timezone.localdate(last_monthly_run(now)))


def charges_from(now: datetime) -> date:
    """The first day of Coursebook's own sessions, and of the demo's charges: the first of
    the month the last monthly run invoiced. The sessions before it came from the old
    system, their money settled there."""
    return invoice_run_period_end(now).replace(day=1)


def live_load(
    *, agencies: dict[str, Agency], venues: list[Venue], accounts, people, now: datetime
) -> int:
    """Load the programme from today on, unless it was loaded already; returns how many
    records were made."""
    if live_loaded_on() is not None:
        return 0
    today = timezone.localdate(now)
    rng = random.Random(2026)  # noqa: S311 - repeatable demo data, not security
    sessions = upcoming_sessions_create(
        agencies=agencies, venues=venues, trainer=accounts["trainer"], now=now, rng=rng
    )
    bookings = upcoming_bookings_create(
        sessions=sessions, people=people, delegate=accounts["delegate"], now=now, rng=rng
    )
    charges = late_cancellations_charge(bookings)
    before = OutboxMessage.objects.aggregate(last=Max("pk"))["last"] or 0
    reminders_queue_due(now=now)
    invoices = monthly_invoices_issue(coordinator=accounts["coordinator"], now=now, rng=rng)
    OutboxMessage.objects.filter(pk__gt=before, status=OutboxMessage.Status.PENDING).update(
        status=OutboxMessage.Status.SENT, sent_at=now, attempts=1
    )
    failed = failed_email_create(bookings, now=now)
    organisation_request_create(now=now)
    audit_record(
        actor=None,
        action=LOADED,
        obj=sessions[0][0],
        summary=f"Demo loaded, its sessions relative to {today:%-d %B %Y}",
        data={"day": today.isoformat()},
    )
    made = [sessions, bookings, charges, invoices, [failed] if failed else []]
    return sum(len(rows) for rows in made) + 2  # the newcomer and their request


def upcoming_sessions_create(*, agencies, venues, trainer: User, now: datetime, rng) -> list:
    """One session of every course from today on (data.UPCOMING_SESSIONS), today's first;
    the demo trainer trains the LSCB Trainer's. Each comes with how full it is to be and
    how many working days from today it is."""
    today = timezone.localdate(now)
    courses = {course.code: course for course in Course.objects.all()}
    opened = datetime.combine(today - timedelta(days=60), time(9), tzinfo=LONDON)
    sessions = []
    for code, agency_name, working_days, fill in data.UPCOMING_SESSIONS:
        course = courses[code]
        starts_at = session_start(add_working_days(today, working_days), now=now)
        online_url = data.ONLINE_COURSES.get(code, "")
        session = Session.objects.create(
            course=course,
            starts_at=starts_at,
            ends_at=starts_at + session_length(float(course.duration_hours)),
            venue=None if online_url else rng.choice(venues),
            online_url=online_url,
            capacity=25 if course.programme == "core" else 18,
            delivering_agency=agencies[agency_name],
            booking_opens_at=opened,
            created_at=opened - timedelta(days=7),
        )
        if agency_name == "LSCB Trainer":
            session.trainers.add(trainer)
        sessions.append((session, fill, working_days))
    return sessions


def booking_times(rng: random.Random, *, today: date, count: int) -> list[datetime]:
    """When places were asked for, over the weeks before today, earliest first."""
    times = []
    for _ in range(count):
        day = today - timedelta(days=rng.randint(1, BOOKED_WITHIN_DAYS))
        at = datetime.combine(day, time(8), tzinfo=LONDON)
        times.append(at + timedelta(minutes=rng.randint(0, 600)))
    return sorted(times)


def _booking(session: Session, person: User, *, at: datetime, status: str, terms: Terms, rng):
    """A booking as booking_create makes it: the person's organisation and the terms in
    force, the price basis frozen, and a line manager named by about one in four."""
    manager = f"manager{rng.randint(1, 40)}@demo.coursebook.test" if rng.random() < 0.25 else ""
    return Booking(
        session=session,
        delegate=person,
        agency=person.agency,
        terms=terms,
        **PriceBasis.now(course=session.course, agency=person.agency).booking_fields(),
        status=status,
        booked_at=at,
        booked_by=person,
        line_manager_email=manager,
        line_manager_may_be_asked=line_manager_may_be_asked(),
    )


def _cancel(booking: Booking, *, now: datetime, reason: str, soon: bool) -> None:
    """As booking_cancel does, at a moment between booking and now: inside the notice
    period for a session starting soon, otherwise well before it."""
    after = booking.booked_at
    if soon:
        deadline = free_cancellation_deadline(session=booking.session, terms=booking.terms)
        after = max(after, deadline)
    booking.cancelled_at = after + (now - after) / 2
    booking.cancelled_late = cancellation_would_be_late(booking=booking, at=booking.cancelled_at)
    booking.status = Booking.Status.CANCELLED
    booking.cancelled_by = booking.delegate
    booking.cancellation_reason = reason


def upcoming_bookings_create(*, sessions, people, delegate: User, now: datetime, rng) -> list:
    """Places on the sessions to their fill level (a full one with a waiting list), a
    cancellation on most, late on the sessions starting soon, and the demo delegate's
    places (data.DEMO_DELEGATE_UPCOMING), one of them handed to a colleague."""
    today = timezone.localdate(now)
    terms = terms_in_force(now)
    colleague = next((p for p in people if p.agency_id == delegate.agency_id), None)
    crowd = [p for p in people if p != colleague]
    bookings, replacements = [], []
    delegate_roles = dict(data.DEMO_DELEGATE_UPCOMING)
    for session, fill, working_days in sessions:
        soon = working_days <= SOON_WORKING_DAYS
        places = {
            data.EMPTY: 0,
            data.SOME: round(session.capacity * rng.uniform(0.3, 0.55)),
            data.NEARLY_FULL: session.capacity - 2,
            data.FULL: session.capacity,
        }[fill]
        if not places:
            continue
        waiting = data.WAITING_LIST_LENGTH if fill == data.FULL else 0
        # A cancelled place on a full session would have gone to its waiting list.
        cancelled = 0 if waiting else 1
        people_here = rng.sample(crowd, places + waiting + cancelled)
        times = booking_times(rng, today=today, count=len(people_here))
        statuses = [Booking.Status.CONFIRMED] * places + [Booking.Status.WAITLISTED] * waiting
        statuses += [Booking.Status.CONFIRMED] * cancelled
        role = delegate_roles.pop(session.course.code, None)
        if role == data.WAITING:
            people_here[places + data.DEMO_DELEGATE_WAITING_POSITION - 1] = delegate
        elif role in (data.CONFIRMED, data.HANDED_ON):
            people_here[places // 2] = delegate
        elif role == data.CANCELLED:
            people_here.append(delegate)
            times.append(times[len(times) // 2])
            statuses.append(Booking.Status.CONFIRMED)
        here = [
            _booking(session, person, at=at, status=status, terms=terms, rng=rng)
            for person, at, status in zip(people_here, times, statuses, strict=True)
        ]
        for booking in here[places + waiting :]:
            _cancel(booking, now=now, reason=rng.choice(data.CANCEL_REASONS), soon=soon)
        if soon:
            for booking, needs in zip(here, ACCESS_NEEDS, strict=False):
                booking.access_needs = needs
        if role == data.HANDED_ON and colleague is not None:
            handed = here[places // 2]
            _cancel(handed, now=now, reason=HANDED_ON, soon=soon)
            replacements.append(_handed_on(handed, colleague))
        bookings += here
    Booking.objects.bulk_create(bookings)
    Booking.objects.bulk_create(replacements)  # after the places they replace: their pks
    return bookings + replacements


def _handed_on(booking: Booking, colleague: User) -> Booking:
    """The colleague's place, as booking_substitute makes it: the same organisation, terms
    and price, booked by the one who handed it on; the colleague's line manager is not
    asked about it later (they never saw the booking page)."""
    return Booking(
        session=booking.session,
        delegate=colleague,
        agency_id=booking.agency_id,
        terms=booking.terms,
        **PriceBasis.of(booking).booking_fields(),
        status=Booking.Status.CONFIRMED,
        booked_at=booking.cancelled_at,
        booked_by=booking.delegate,
        substitute_for=booking,
        line_manager_email=colleague.line_manager_email,
        line_manager_may_be_asked=False,
    )


def late_cancellations_charge(bookings: list[Booking]) -> list[Charge]:
    """What charge_sync raises when a place is cancelled late: charge_due's charge, pending."""
    charges = []
    for booking in bookings:
        due = charge_due(booking) if booking.status == Booking.Status.CANCELLED else None
        if due:
            charges.append(
                Charge(
                    booking=booking,
                    agency_id=booking.agency_id,
                    kind=due[0],
                    amount_pence=due[1],
                    raised_at=booking.cancelled_at,
                )
            )
    return Charge.objects.bulk_create(charges)


def monthly_invoices_issue(*, coordinator: User, now: datetime, rng) -> list[Invoice]:
    """The last monthly run's invoices, issued by the monthly run's own service (numbers
    without gaps, a PDF each), then dated as the run issued them: on its day, at its time.
    About a third were paid a few working days later: those whose day has come."""
    ran_at = last_monthly_run(now)
    run_day = timezone.localdate(ran_at)
    issued = invoices_monthly_run(today=run_day)
    for n, invoice in enumerate(issued):
        _dated_as_issued(invoice, at=ran_at + timedelta(seconds=n))
    for invoice in issued[::3]:
        paid_on = add_working_days(run_day, rng.randint(3, 12))
        paid_at = datetime.combine(paid_on, time(10), tzinfo=LONDON)
        paid_at += timedelta(minutes=rng.randint(0, 360))
        if paid_at <= now:
            invoice_mark_paid(invoice=invoice, actor=coordinator)
            _audit_entry_dated(invoice, action="invoice_paid", at=paid_at)
    return issued


def _dated_as_issued(invoice: Invoice, *, at: datetime) -> None:
    """An invoice dated when the run issued it, everywhere the date is: the invoice, the PDF
    that prints it (rendered again, as the service renders it), the email that took it (sent
    then) and its audit entry. The service dates what it issues now."""
    invoice.issued_at = at
    lines = sorted(invoice.lines.all(), key=lambda line: (line.session_key, line.delegate_name))
    invoice.pdf = render_pdf("documents/invoice.html", {"invoice": invoice, "lines": lines})
    invoice.save(update_fields=["issued_at", "pdf"])
    OutboxMessage.objects.filter(kind=invoice.kind, context__invoice__pk=invoice.pk).update(
        created_at=at,
        next_attempt_at=at,
        attachment=invoice.pdf,
        status=OutboxMessage.Status.SENT,
        sent_at=at,
        attempts=1,
    )
    _audit_entry_dated(invoice, action="invoice_issued", at=at)


def _audit_entry_dated(invoice: Invoice, *, action: str, at: datetime) -> None:
    AuditEntry.objects.filter(
        action=action, object_type=Invoice._meta.label_lower, object_id=str(invoice.pk)
    ).update(at=at)


def failed_email_create(bookings: list[Booking], *, now: datetime) -> OutboxMessage | None:
    """A booking confirmation the mail server refused for three days, as the outbox leaves
    one it gave up on: listed in "Emails not sent", and sent once a coordinator asks."""
    gave_up_by = now - RETRY_FOR
    booking = next(
        (
            b
            for b in sorted(bookings, key=lambda b: (b.booked_at, b.pk))
            if b.status == Booking.Status.CONFIRMED and b.booked_at < gave_up_by
        ),
        None,
    )
    if booking is None:
        return None
    queue_booking_message(
        booking,
        kind="booking_confirmed",
        subject=f"Booking confirmed: {booking.session.course.title}",
        ics_method="REQUEST",
    )
    message = OutboxMessage.objects.latest("pk")
    message.created_at = booking.booked_at
    message.status = OutboxMessage.Status.FAILED
    message.attempts = MAX_ATTEMPTS
    message.next_attempt_at = booking.booked_at + RETRY_FOR
    message.last_error = data.FAILED_EMAIL_ERROR
    message.save()
    return message


def organisation_request_create(*, now: datetime) -> OrganisationRequest:
    """Someone who registered two days ago naming an organisation Coursebook does not list:
    their email confirmed, their account waits for a coordinator to add the organisation
    (or match it to one listed)."""
    name, email, job_title, (organisation, sector, borough) = data.ORGANISATION_REQUEST
    asked = now - timedelta(days=2)
    person = User(
        email=email,
        full_name=name,
        job_title=job_title,
        email_verified_at=asked + timedelta(minutes=5),
        date_joined=asked,
    )
    person.set_unusable_password()
    person.save()
    person.groups.add(Group.objects.get_or_create(name=Role.DELEGATE)[0])
    return OrganisationRequest.objects.create(
        requested_by=person,
        name=organisation,
        sector=sector,
        borough=Borough.objects.get(name=borough),
        created_at=asked,
    )
