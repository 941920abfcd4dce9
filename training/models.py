"""The catalogue: courses, their learning outcomes, venues and scheduled sessions."""

from datetime import timedelta

from django.conf import settings
from django.db import models
from django.db.models.functions import Lower
from django.urls import reverse
from django.utils import timezone

from accounts.models import Agency, Borough

from .rules.limits import MAX_COURSE_HOURS

HALF_DAY_MAX_HOURS = 4


class Programme(models.TextChoices):
    CORE = "core", "Core (mandatory)"
    SPECIALIST = "specialist", "Specialist"
    MANAGERIAL = "managerial", "Managerial"


class Course(models.Model):
    code = models.SlugField(
        max_length=30,
        unique=True,
        allow_unicode=False,
        help_text="A short unique code, for example MASCP-L3.",
    )
    title = models.CharField(max_length=200)
    programme = models.CharField(max_length=20, choices=Programme.choices)
    level = models.CharField(max_length=50, blank=True, help_text="For example, Level 3.")
    duration_hours = models.DecimalField(max_digits=4, decimal_places=1)
    summary = models.TextField(blank=True)
    audience = models.TextField(blank=True, help_text="Who the course is for.")
    fee_pence = models.PositiveIntegerField(
        null=True,
        blank=True,
        help_text="Fee for paying organisations, in pence. Empty: the terms' default.",
    )
    prerequisite = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    refresh_months = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="How long the training counts before a refresher."
    )
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["programme", "title"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(duration_hours__gt=0), name="course_duration_positive"
            ),
            models.CheckConstraint(
                condition=models.Q(duration_hours__lte=MAX_COURSE_HOURS),
                name="course_duration_at_most_a_day",
            ),
        ]

    def __str__(self):
        return f"{self.title} ({self.code})"

    def get_absolute_url(self):
        return reverse("training:course", args=[self.code])

    @property
    def is_half_day(self) -> bool:
        return self.duration_hours <= HALF_DAY_MAX_HOURS


class LearningOutcomeQuerySet(models.QuerySet):
    def current(self):
        """The course's list as it stands now: the version not retired."""
        return self.filter(retired_at__isnull=True)

    def in_force_at(self, moment):
        """The version of the list in force at a moment. A version is in force from when
        it was introduced (the first, from always) until it was retired, so at any moment
        exactly one version of a course's list is."""
        return self.filter(
            models.Q(introduced_at__isnull=True) | models.Q(introduced_at__lte=moment),
            models.Q(retired_at__isnull=True) | models.Q(retired_at__gt=moment),
        )


class LearningOutcome(models.Model):
    """One learning outcome in one version of a course's ordered list.

    A list that has been rated, or taught at a delivered session, is never changed: an
    edit retires it and introduces the next version, so answers already given keep
    pointing at what they rated (training.services.courses.course_update).
    """

    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="outcomes")
    version = models.PositiveSmallIntegerField(default=1)
    position = models.PositiveSmallIntegerField()
    text = models.CharField(max_length=300)
    # Empty for the first version, in force from the start.
    introduced_at = models.DateTimeField(null=True, blank=True)
    retired_at = models.DateTimeField(null=True, blank=True)

    objects = LearningOutcomeQuerySet.as_manager()

    class Meta:
        ordering = ["course", "version", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["course", "version", "position"], name="outcome_version_position_unique"
            ),
            models.UniqueConstraint(
                fields=["course", "position"],
                condition=models.Q(retired_at__isnull=True),
                name="current_outcome_position_unique",
            ),
            models.CheckConstraint(
                condition=models.Q(introduced_at__isnull=True)
                | models.Q(retired_at__isnull=True)
                | models.Q(retired_at__gte=models.F("introduced_at")),
                name="outcome_retired_after_introduced",
            ),
        ]

    def __str__(self):
        return f"{self.position}. {self.text}"


class Venue(models.Model):
    """Where sessions are held: a place with an address in a borough, or an online
    platform (for example the partnership's video-call account), which has neither."""

    name = models.CharField(max_length=200, unique=True)
    is_online = models.BooleanField("online", default=False)
    address = models.TextField(blank=True)
    borough = models.ForeignKey(
        Borough, on_delete=models.PROTECT, null=True, blank=True, related_name="venues"
    )
    access_information = models.TextField(
        blank=True, help_text="Step-free access, hearing loop, nearest station."
    )
    # A retired venue is not offered for new sessions; the sessions held there keep it.
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(Lower("name"), name="venue_name_unique_any_case"),
            models.CheckConstraint(
                condition=models.Q(is_online=True) | models.Q(borough__isnull=False),
                name="venue_in_person_has_borough",
            ),
        ]

    def __str__(self):
        return self.name


class Session(models.Model):
    """One scheduled run of a course."""

    class Status(models.TextChoices):
        SCHEDULED = "scheduled", "Scheduled"
        CANCELLED = "cancelled", "Cancelled"
        DELIVERED = "delivered", "Delivered"

    course = models.ForeignKey(Course, on_delete=models.PROTECT, related_name="sessions")
    starts_at = models.DateTimeField(db_index=True)
    ends_at = models.DateTimeField()
    venue = models.ForeignKey(
        Venue, on_delete=models.PROTECT, null=True, blank=True, related_name="sessions"
    )
    online_url = models.URLField("online joining link", blank=True)
    capacity = models.PositiveIntegerField()
    trainers = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="sessions_training"
    )
    delivering_agency = models.ForeignKey(
        Agency,
        on_delete=models.PROTECT,
        related_name="sessions_delivered",
        help_text="The trainer agency the reports count.",
    )
    booking_opens_at = models.DateTimeField(null=True, blank=True)
    booking_closes_at = models.DateTimeField(null=True, blank=True)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.SCHEDULED)
    register_closed_at = models.DateTimeField(null=True, blank=True)
    register_closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    import_ref = models.CharField(max_length=100, null=True, blank=True, unique=True)
    # Raised each time the time or place changes: the SEQUENCE of the calendar invites, so
    # that calendars replace the invite they hold with the newer one.
    schedule_sequence = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["starts_at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_at__gt=models.F("starts_at")),
                name="session_ends_after_start",
            ),
            models.CheckConstraint(
                condition=models.Q(capacity__gt=0), name="session_capacity_positive"
            ),
        ]

    def __str__(self):
        local = timezone.localtime(self.starts_at)
        return f"{self.course.title}, {local:%-d %b %Y %H:%M}"

    def get_absolute_url(self):
        return reverse("training:session", args=[self.pk])

    @property
    def duration(self) -> timedelta:
        return self.ends_at - self.starts_at


class SessionMessage(models.Model):
    """A message a coordinator or one of its trainers sent to people on a session (a room
    change, joining instructions), each recipient emailed on their own through the outbox."""

    class Group(models.TextChoices):
        BOOKED = "booked", "Booked"
        WAITING = "waiting", "On the waiting list"
        ATTENDED = "attended", "Attended"
        CANCELLED_WITH_SESSION = (
            "cancelled_with_session",
            "Booked or waiting when it was cancelled",
        )

    session = models.ForeignKey(Session, on_delete=models.PROTECT, related_name="messages")
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    subject = models.CharField(max_length=150)
    body = models.TextField()
    recipient_groups = models.JSONField(default=list)
    recipient_count = models.PositiveIntegerField()
    sent_at = models.DateTimeField(default=timezone.now)
    # The form's one-off key: a second submission of the same form (a double click) finds
    # this message instead of sending again.
    submission_key = models.UUIDField(unique=True)

    class Meta:
        ordering = ["-sent_at", "-pk"]

    def __str__(self):
        return f"{self.subject} ({self.session})"

    @property
    def recipient_group_labels(self) -> list[str]:
        labels = dict(self.Group.choices)
        return [labels.get(group, group) for group in self.recipient_groups]


class Terms(models.Model):
    """Terms and conditions; a booking is judged by the version in force when it was made."""

    effective_from = models.DateTimeField(unique=True)
    notice_working_days = models.PositiveSmallIntegerField(
        default=3, help_text="Cancellation is free until this many working days before the start."
    )
    late_cancellation_half_day_pence = models.PositiveIntegerField(default=4000)
    late_cancellation_full_day_pence = models.PositiveIntegerField(default=8000)
    non_attendance_half_day_pence = models.PositiveIntegerField(default=4000)
    non_attendance_full_day_pence = models.PositiveIntegerField(default=8000)
    fee_half_day_pence = models.PositiveIntegerField(default=5000)
    fee_full_day_pence = models.PositiveIntegerField(default=10000)
    promotion_grace_hours = models.PositiveSmallIntegerField(
        default=24,
        help_text="A delegate promoted from the waiting list may cancel free for this long.",
    )
    late_arrival_minutes = models.PositiveSmallIntegerField(
        default=15, help_text="Arriving later than this means being turned away."
    )
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        ordering = ["-effective_from"]
        verbose_name = "terms and conditions"
        verbose_name_plural = "terms and conditions"

    def __str__(self):
        return f"Terms from {timezone.localtime(self.effective_from):%-d %b %Y}"


class Booking(models.Model):
    """A delegate's place, or place in the queue, on a session."""

    class Status(models.TextChoices):
        CONFIRMED = "confirmed", "Booked"
        WAITLISTED = "waitlisted", "On the waiting list"
        CANCELLED = "cancelled", "Cancelled"

    class Attendance(models.TextChoices):
        UNMARKED = "unmarked", "Not marked"
        ATTENDED = "attended", "Attended"
        PARTIAL = "partial", "Partly attended"
        ABSENT = "absent", "Absent"
        TURNED_AWAY = "turned_away", "Turned away"

    ACTIVE = (Status.CONFIRMED, Status.WAITLISTED)

    session = models.ForeignKey(Session, on_delete=models.PROTECT, related_name="bookings")
    delegate = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="bookings"
    )
    # A snapshot: people change jobs, and the charge stays with the agency booked under.
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="bookings")
    terms = models.ForeignKey(Terms, on_delete=models.PROTECT, related_name="bookings")
    status = models.CharField(max_length=20, choices=Status.choices)
    # What the booking is priced by besides its terms, frozen when it is made (see
    # training.rules.prices): a later change to the course's length or fee, or to the
    # organisation's paying flag, moves no booking's price.
    priced_half_day = models.BooleanField("priced as a half day")
    priced_agency_pays = models.BooleanField("organisation paid for places")
    priced_course_fee_pence = models.PositiveIntegerField(
        "course fee when booked, in pence", null=True, blank=True
    )
    booked_at = models.DateTimeField(default=timezone.now)
    booked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    promoted_at = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    cancelled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    cancellation_reason = models.CharField(max_length=300, blank=True)
    cancelled_late = models.BooleanField(default=False)
    substitute_for = models.OneToOneField(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="substituted_by"
    )
    is_walk_in = models.BooleanField(default=False)
    line_manager_email = models.EmailField(blank=True)
    # What the booking page said when the place was booked (COURSEBOOK_MANAGER_FOLLOW_UP
    # then): that the line manager may be asked, months later, about the training's effect.
    line_manager_may_be_asked = models.BooleanField(default=False)
    access_needs = models.TextField(blank=True)
    attendance = models.CharField(
        max_length=20, choices=Attendance.choices, default=Attendance.UNMARKED
    )
    attendance_marked_at = models.DateTimeField(null=True, blank=True)
    attendance_marked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    # Set by the evaluations app when the end-of-session evaluation is submitted.
    evaluated_at = models.DateTimeField(null=True, blank=True)
    import_ref = models.CharField(max_length=200, null=True, blank=True, unique=True)

    class Meta:
        ordering = ["booked_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["session", "delegate"],
                condition=models.Q(status__in=["confirmed", "waitlisted"]),
                name="one_active_booking_per_delegate",
            ),
        ]
        indexes = [models.Index(fields=["session", "status", "booked_at"])]

    def __str__(self):
        return f"{self.delegate} on {self.session}"

    def get_absolute_url(self):
        return reverse("training:booking", args=[self.pk])

    @property
    def is_active(self) -> bool:
        return self.status in self.ACTIVE


class ChargeQuerySet(models.QuerySet):
    """The charges by what they count as, so that nothing summing them has to remember
    that a charge withdrawn as not owed is stored as waived (DESIGN section 5):

    - owed: pending or invoiced, money the organisation is asked for;
    - waived_by_coordinator: a coordinator's decision, with a reason;
    - withdrawn: turned out not to be owed (a corrected register, a credited invoice, a
      cancelled session), in no figure of charges raised or waived;
    - raised: every charge but the withdrawn ones (owed + waived by a coordinator).
    """

    OWED = models.Q(status__in=["pending", "invoiced"])
    WAIVED_BY_COORDINATOR = models.Q(status="waived", waived_as_not_owed=False)
    WITHDRAWN = models.Q(status="waived", waived_as_not_owed=True)
    RAISED = ~WITHDRAWN

    def pending(self):
        return self.filter(status="pending")

    def invoiced(self):
        return self.filter(status="invoiced")

    def owed(self):
        return self.filter(self.OWED)

    def waived_by_coordinator(self):
        return self.filter(self.WAIVED_BY_COORDINATOR)

    def withdrawn(self):
        return self.filter(self.WITHDRAWN)

    def raised(self):
        return self.filter(self.RAISED)


class Charge(models.Model):
    """Money an organisation owes for a booking, under the booking's terms."""

    class Kind(models.TextChoices):
        LATE_CANCELLATION = "late_cancellation", "Late cancellation"
        NO_SHOW = "no_show", "Did not attend"
        TURNED_AWAY = "turned_away", "Turned away (arrived late)"
        COURSE_FEE = "course_fee", "Course fee"

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        INVOICED = "invoiced", "Invoiced"
        WAIVED = "waived", "Waived"

    booking = models.ForeignKey(Booking, on_delete=models.PROTECT, related_name="charges")
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="charges")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    amount_pence = models.PositiveIntegerField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    raised_at = models.DateTimeField(default=timezone.now)
    waived_at = models.DateTimeField(null=True, blank=True)
    waived_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    waive_reason = models.CharField(max_length=300, blank=True)
    # Waived because it turned out not to be owed (a corrected register, a credited
    # invoice, a cancelled session), not by a coordinator's decision: owed again if a
    # later correction says so.
    waived_as_not_owed = models.BooleanField(default=False)
    invoice = models.ForeignKey(
        "Invoice", on_delete=models.PROTECT, null=True, blank=True, related_name="charges"
    )

    objects = ChargeQuerySet.as_manager()

    class Meta:
        ordering = ["raised_at", "pk"]
        constraints = [
            # One charge per booking: the fee replaces any penalty for paying organisations,
            # and closing a register twice cannot charge twice.
            models.UniqueConstraint(fields=["booking"], name="one_charge_per_booking"),
            models.CheckConstraint(
                condition=models.Q(amount_pence__gt=0), name="charge_amount_positive"
            ),
        ]
        indexes = [models.Index(fields=["agency", "status"])]

    def __str__(self):
        return f"{self.get_kind_display()}: {self.booking}"


class InvoiceRun(models.Model):
    """A coordinator's invoice run, made in the background by a Celery task: what was asked
    for, how far it has got, and the invoices it issued (Invoice.run)."""

    class Status(models.TextChoices):
        QUEUED = "queued", "Waiting to start"
        RUNNING = "running", "Issuing invoices"
        DONE = "done", "Finished"
        FAILED = "failed", "Stopped"

    ACTIVE = (Status.QUEUED, Status.RUNNING)

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    # Charges raised up to and including this London day are invoiced.
    period_end = models.DateField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    # Organisations to invoice, counted when the run starts, and those done so far.
    total = models.PositiveIntegerField(default=0)
    done = models.PositiveIntegerField(default=0)
    started_at = models.DateTimeField(null=True, blank=True)
    # When the run last moved on: a running run that has not moved for a while lost its worker.
    progressed_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    error = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            # One run at a time: a second is not queued while one waits or works.
            models.UniqueConstraint(
                models.Value(True),
                condition=models.Q(status__in=["queued", "running"]),
                name="one_invoice_run_at_a_time",
            ),
        ]

    def __str__(self):
        return f"Invoice run up to {self.period_end} ({self.get_status_display()})"

    def get_absolute_url(self):
        return reverse("training:manage_invoice_run", args=[self.pk])

    @property
    def is_working(self) -> bool:
        return self.status in self.ACTIVE

    @property
    def percent(self) -> int:
        return min(100, round(100 * self.done / self.total)) if self.total else 0


class Invoice(models.Model):
    """An organisation's charges for a period. Issued invoices never change; a correction
    is a credit note, itself an Invoice of kind credit note pointing at the original."""

    class Kind(models.TextChoices):
        INVOICE = "invoice", "Invoice"
        CREDIT_NOTE = "credit_note", "Credit note"

    class Status(models.TextChoices):
        ISSUED = "issued", "Issued"
        PAID = "paid", "Paid"
        VOID = "void", "Void"

    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.INVOICE)
    number = models.CharField(max_length=40, unique=True)
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="invoices")
    period_start = models.DateField()
    period_end = models.DateField()
    issued_at = models.DateTimeField(default=timezone.now)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.ISSUED)
    total_pence = models.IntegerField()
    # Snapshots, so the document reads the same whatever changes later.
    agency_name = models.CharField(max_length=200)
    invoice_contact_name = models.CharField(max_length=200, blank=True)
    invoice_contact_email = models.EmailField(blank=True)
    invoice_address = models.TextField(blank=True)
    purchase_order_ref = models.CharField(max_length=100, blank=True)
    credit_for = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="credit_notes"
    )
    reason = models.CharField(max_length=300, blank=True)
    pdf = models.BinaryField(editable=False)
    # The coordinator's run that issued it; none for the monthly run and credit notes.
    run = models.ForeignKey(
        InvoiceRun, on_delete=models.PROTECT, null=True, blank=True, related_name="invoices"
    )

    class Meta:
        ordering = ["-issued_at", "-pk"]

    def __str__(self):
        return self.number

    def get_absolute_url(self):
        return reverse("training:manage_invoice", args=[self.pk])


class InvoiceLine(models.Model):
    invoice = models.ForeignKey(Invoice, on_delete=models.CASCADE, related_name="lines")
    charge = models.ForeignKey(Charge, on_delete=models.PROTECT, related_name="invoice_lines")
    delegate_name = models.CharField(max_length=200)
    course_title = models.CharField(max_length=200)
    session_date = models.DateField()
    reason = models.CharField(max_length=100)
    amount_pence = models.IntegerField()

    class Meta:
        ordering = ["session_date", "delegate_name", "pk"]

    def __str__(self):
        return f"{self.delegate_name}: {self.reason}"

    @property
    def session_key(self) -> tuple:
        """What the invoice PDF groups its lines by: the session's date and course."""
        return (self.session_date, self.course_title)


class DocumentSequence(models.Model):
    """Gap-free numbering: the row is locked while a number is taken and used."""

    name = models.CharField(max_length=30, unique=True)
    prefix = models.CharField(max_length=20)
    next_number = models.PositiveIntegerField(default=1)

    def __str__(self):
        return f"{self.prefix}{self.next_number}"


class Certificate(models.Model):
    """A certificate of attendance, verifiable by its code without revealing anything else."""

    booking = models.OneToOneField(Booking, on_delete=models.PROTECT, related_name="certificate")
    code = models.CharField(max_length=20, unique=True)
    issued_at = models.DateTimeField(default=timezone.now)

    def __str__(self):
        return self.code
