"""The catalogue: courses, their learning outcomes, venues and scheduled sessions."""

from datetime import timedelta

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone

from accounts.models import Agency, Borough

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
        ]

    def __str__(self):
        return f"{self.title} ({self.code})"

    def get_absolute_url(self):
        return reverse("training:course", args=[self.code])

    @property
    def is_half_day(self) -> bool:
        return self.duration_hours <= HALF_DAY_MAX_HOURS


class LearningOutcome(models.Model):
    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="outcomes")
    position = models.PositiveSmallIntegerField()
    text = models.CharField(max_length=300)

    class Meta:
        ordering = ["course", "position"]
        constraints = [
            models.UniqueConstraint(fields=["course", "position"], name="outcome_position_unique"),
        ]

    def __str__(self):
        return f"{self.position}. {self.text}"


class Venue(models.Model):
    name = models.CharField(max_length=200, unique=True)
    address = models.TextField()
    borough = models.ForeignKey(Borough, on_delete=models.PROTECT, related_name="venues")
    access_information = models.TextField(
        blank=True, help_text="Step-free access, hearing loop, nearest station."
    )

    class Meta:
        ordering = ["name"]

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
    import_ref = models.CharField(max_length=100, null=True, blank=True, unique=True)
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

    def late_cancellation_pence(self, course: Course) -> int:
        if course.is_half_day:
            return self.late_cancellation_half_day_pence
        return self.late_cancellation_full_day_pence

    def non_attendance_pence(self, course: Course) -> int:
        if course.is_half_day:
            return self.non_attendance_half_day_pence
        return self.non_attendance_full_day_pence

    def fee_pence(self, course: Course) -> int:
        if course.fee_pence is not None:
            return course.fee_pence
        return self.fee_half_day_pence if course.is_half_day else self.fee_full_day_pence


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
    access_needs = models.TextField(blank=True)
    attendance = models.CharField(
        max_length=20, choices=Attendance.choices, default=Attendance.UNMARKED
    )
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
