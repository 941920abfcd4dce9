"""Coordinators' forms: sessions, cancellations, booking people on, terms versions.

Dates use the GOV.UK date input pattern (day, month, year) and times a plain text box,
so every form works without JavaScript; times are Europe/London local times.
"""

from datetime import date, datetime, time
from decimal import Decimal

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils import timezone

from accounts.models import Agency, Borough, Role, User
from pages.form_fields import DecimalNumberField, EmailAddressField, OneLineField

from .models import Course, LearningOutcome, Programme, Session, Terms, Venue
from .rules.days import local_datetime
from .rules.limits import (
    FIRST_YEAR,
    LAST_YEAR,
    MAX_COURSE_HOURS,
    MAX_OUTCOMES,
    MAX_PLACES,
    MAX_REFRESH_MONTHS,
)

# Dates typed into the forms keep to rules.limits' years: wide enough for the partnership's
# history and plans, narrow enough that a day after the last one is still a date.
# The biggest id the databases store: a bigger one is refused before it is looked up.
MAX_ID = 2**63 - 1
TIME_FORMATS = ["%H:%M", "%H.%M", "%I:%M%p", "%I:%M %p", "%I.%M%p", "%I%p", "%I %p"]
TIME_HINT = "Use the 24-hour clock, for example 09:30 or 14:00 (UK time)"
MAX_PEOPLE_PER_BOOKING = 100


class DateInput(forms.MultiWidget):
    """The GOV.UK date input: three text boxes, day, month and year."""

    template_name = "training/manage/widgets/date_input.html"
    PARTS = (("day", "Day", 2), ("month", "Month", 2), ("year", "Year", 4))

    def __init__(self, attrs=None):
        widgets = {
            name: forms.TextInput(attrs={"inputmode": "numeric"}) for name, _, _ in self.PARTS
        }
        super().__init__(widgets, attrs)

    def decompress(self, value):
        if isinstance(value, date):
            return [value.day, value.month, value.year]
        return [None, None, None]

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        for subwidget, (_, label, width) in zip(
            context["widget"]["subwidgets"], self.PARTS, strict=True
        ):
            subwidget["label"] = label
            subwidget["width"] = width
        return context


class DateField(forms.MultiValueField):
    """A date typed as day, month and year, with GOV.UK's error messages.

    The messages name the date in words of its own (error_name, "The date of the session"),
    since a label such as "Takes effect on" does not start a sentence; without one they
    quote the label."""

    widget = DateInput

    def __init__(self, *, error_name: str = "", **kwargs):
        parts = [forms.CharField(required=False) for _ in DateInput.PARTS]
        super().__init__(fields=parts, require_all_fields=False, **kwargs)
        label = str(self.label or "").removesuffix(" (optional)")
        self.error_name = error_name or (f"The date for ‘{label}’" if label else "The date")

    def compress(self, data_list):
        if not data_list or not any(data_list):
            return None
        missing = [
            name
            for (name, _, _), value in zip(DateInput.PARTS, data_list, strict=True)
            if not value
        ]
        if missing:
            raise ValidationError(f"{self.error_name} must include a {' and '.join(missing)}")
        try:
            day, month, year = (int(str(value).strip()) for value in data_list)
            if year < 1000:
                raise ValueError
            day = date(year, month, day)
        except (ValueError, OverflowError) as error:
            raise ValidationError(f"{self.error_name} must be a real date") from error
        if day.year > LAST_YEAR:
            raise ValidationError(f"{self.error_name} must be in or before {LAST_YEAR}")
        if day.year < FIRST_YEAR:
            raise ValidationError(f"{self.error_name} must be in or after {FIRST_YEAR}")
        return day


class TimeField(forms.TimeField):
    def __init__(self, **kwargs):
        kwargs.setdefault("help_text", TIME_HINT)
        kwargs.setdefault("widget", forms.TextInput(attrs={"class": "govuk-input--width-5"}))
        super().__init__(input_formats=TIME_FORMATS, **kwargs)
        self.error_messages["invalid"] = "Enter a real time, for example 09:30 or 14:00"

    def prepare_value(self, value):
        return value.strftime("%H:%M") if isinstance(value, time) else value


class IdsChoiceField(forms.ModelMultipleChoiceField):
    """Rows chosen by id, where an id that is not a whole number the database can hold is
    refused as not on the list rather than sent to the database."""

    def _check_values(self, value):
        for pk in value:
            text = str(pk).strip()
            if not (text.isascii() and text.isdigit()) or int(text) > MAX_ID:
                raise ValidationError(
                    self.error_messages["invalid_pk_value"],
                    code="invalid_pk_value",
                    params={"pk": pk},
                )
        return super()._check_values(value)


class TrainerChoiceField(IdsChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.full_name} ({obj.agency})" if obj.agency_id else obj.full_name


def trainer_people():
    return (
        User.objects.filter(groups__name=Role.TRAINER, is_active=True)
        .select_related("agency")
        .order_by("full_name")
        .distinct()
    )


class SessionForm(forms.Form):
    course = forms.ModelChoiceField(
        queryset=Course.objects.filter(is_active=True).order_by("title"),
        empty_label="Select a course",
        error_messages={
            "required": "Select the course",
            "invalid_choice": "Select the course from the list",
        },
    )
    date = DateField(
        label="Date",
        error_name="The date of the session",
        help_text="For example, 27 3 2026",
        error_messages={"required": "Enter the date of the session"},
    )
    start_time = TimeField(
        label="Start time", error_messages={"required": "Enter the time the session starts"}
    )
    end_time = TimeField(
        label="End time", error_messages={"required": "Enter the time the session ends"}
    )
    venue = forms.ModelChoiceField(
        queryset=Venue.objects.filter(is_active=True).order_by("name"),
        required=False,
        empty_label="Online only",
        help_text="Give a venue, an online joining link or both.",
        error_messages={"invalid_choice": "Select a venue from the list"},
    )
    online_url = forms.URLField(
        label="Online joining link (optional)", required=False, assume_scheme="https"
    )
    capacity = forms.IntegerField(
        label="Places",
        min_value=1,
        max_value=MAX_PLACES,
        error_messages={
            "required": "Enter the number of places",
            "invalid": "Enter the number of places as a whole number, for example 20",
            "min_value": "Places must be 1 or more",
            "max_value": f"Places must be {MAX_PLACES:,} or fewer",
        },
        widget=forms.NumberInput(attrs={"class": "govuk-input--width-4"}),
    )
    trainers = TrainerChoiceField(
        queryset=trainer_people(),
        required=False,
        widget=forms.CheckboxSelectMultiple(attrs={"class": "govuk-checkboxes--small"}),
        help_text="People with the trainer role. Select all that apply.",
        error_messages={
            "invalid_choice": "Select trainers from the list",
            "invalid_pk_value": "Select trainers from the list",
        },
    )
    delivering_agency = forms.ModelChoiceField(
        label="Delivering agency",
        queryset=Agency.objects.filter(is_active=True).order_by("name"),
        empty_label="Select the agency delivering the session",
        error_messages={
            "required": "Select the agency delivering the session",
            "invalid_choice": "Select the delivering agency from the list",
        },
        help_text="The trainer agency the reports count.",
    )
    booking_opens_date = DateField(
        label="Booking opens (optional)",
        error_name="The date booking opens",
        required=False,
        help_text="Leave empty to take bookings as soon as the session is listed.",
    )
    booking_opens_time = TimeField(
        label="Time booking opens (optional)",
        required=False,
        help_text=f"{TIME_HINT}. Leave empty for the start of that day.",
    )
    booking_closes_date = DateField(
        label="Booking closes (optional)",
        error_name="The date booking closes",
        required=False,
        help_text="Leave empty to take bookings until the session starts.",
    )
    booking_closes_time = TimeField(
        label="Time booking closes (optional)",
        required=False,
        help_text=f"{TIME_HINT}. Leave empty for the end of that day.",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Retired courses and venues are not offered, except the ones a session being
        # changed already has.
        course, venue = self.initial.get("course"), self.initial.get("venue")
        if course:
            self.fields["course"].queryset = Course.objects.filter(
                Q(is_active=True) | Q(pk=course)
            ).order_by("title")
        if venue:
            self.fields["venue"].queryset = Venue.objects.filter(
                Q(is_active=True) | Q(pk=venue)
            ).order_by("name")

    @classmethod
    def initial_for(cls, session: Session) -> dict:
        starts = timezone.localtime(session.starts_at)
        ends = timezone.localtime(session.ends_at)
        initial = {
            "course": session.course_id,
            "date": starts.date(),
            "start_time": starts.time(),
            "end_time": ends.time(),
            "venue": session.venue_id,
            "online_url": session.online_url,
            "capacity": session.capacity,
            "trainers": [trainer.pk for trainer in session.trainers.all()],
            "delivering_agency": session.delivering_agency_id,
        }
        for edge in ("opens", "closes"):
            moment = getattr(session, f"booking_{edge}_at")
            if moment:
                moment = timezone.localtime(moment)
                initial[f"booking_{edge}_date"] = moment.date()
                initial[f"booking_{edge}_time"] = moment.time()
        return initial

    def clean(self):
        data = super().clean()
        day, start, end = data.get("date"), data.get("start_time"), data.get("end_time")
        if day and start and end and end <= start:
            self.add_error("end_time", "The end time must be after the start time")
        if "venue" in data and "online_url" in data and not (data["venue"] or data["online_url"]):
            self.add_error("venue", "Select a venue or give an online joining link")
        for edge in ("opens", "closes"):
            if data.get(f"booking_{edge}_time") and not data.get(f"booking_{edge}_date"):
                self.add_error(
                    f"booking_{edge}_date",
                    f"Enter the date booking {edge}, or leave the time empty",
                )
        return data

    def session_fields(self) -> dict:
        """Keyword arguments for session_create and session_update."""
        data = self.cleaned_data
        opens = closes = None
        if data["booking_opens_date"]:
            opens = local_datetime(
                data["booking_opens_date"], data["booking_opens_time"] or time()
            )
        if data["booking_closes_date"]:
            closes = local_datetime(
                data["booking_closes_date"], data["booking_closes_time"] or time(23, 59)
            )
        return {
            "course": data["course"],
            "starts_at": local_datetime(data["date"], data["start_time"]),
            "ends_at": local_datetime(data["date"], data["end_time"]),
            "venue": data["venue"],
            "online_url": data["online_url"],
            "capacity": data["capacity"],
            "delivering_agency": data["delivering_agency"],
            "booking_opens_at": opens,
            "booking_closes_at": closes,
            "trainers": list(data["trainers"]),
        }


class SessionDuplicateForm(forms.Form):
    date = DateField(
        label="Date of the new session",
        error_name="The date of the new session",
        help_text="For example, 27 3 2026",
        error_messages={"required": "Enter the date of the new session"},
    )
    start_time = TimeField(
        label="Start time",
        error_messages={"required": "Enter the time the new session starts"},
        help_text=f"{TIME_HINT}. The new session lasts as long as this one.",
    )

    def clean(self):
        data = super().clean()
        if data.get("date") and data.get("start_time") and self.starts_at() <= timezone.now():
            self.add_error("date", "The new session must start in the future")
        return data

    def starts_at(self) -> datetime:
        return local_datetime(self.cleaned_data["date"], self.cleaned_data["start_time"])


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label="Reason",
        max_length=300,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": "Enter the reason"},
    )

    def __init__(self, *args, label: str = "Reason", help_text: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["reason"].label = label
        self.fields["reason"].help_text = help_text
        self.fields["reason"].error_messages["required"] = f"Enter the {label.lower()}"


class BookPeopleForm(forms.Form):
    emails = forms.CharField(
        label="Email addresses",
        widget=forms.Textarea(attrs={"rows": 8, "spellcheck": "false", "autocomplete": "off"}),
        help_text="One email address a line. Each person must already have an account; "
        "their line manager and access needs are taken from their account.",
        max_length=MAX_PEOPLE_PER_BOOKING * 320,  # 320: the longest email address
        error_messages={
            "required": "Enter at least one email address",
            "max_length": f"Book at most {MAX_PEOPLE_PER_BOOKING} people at a time",
        },
    )

    def clean_emails(self) -> list[User]:
        """Every line is checked before anyone is booked: one bad line books nobody."""
        lines = [
            (number, line.strip())
            for number, line in enumerate(self.cleaned_data["emails"].splitlines(), start=1)
            if line.strip()
        ]
        if not lines:
            raise ValidationError("Enter at least one email address")
        if len(lines) > MAX_PEOPLE_PER_BOOKING:
            raise ValidationError(f"Book at most {MAX_PEOPLE_PER_BOOKING} people at a time")
        problems, wanted = [], {}
        for number, line in lines:
            try:
                validate_email(line)
            except ValidationError:
                problems.append((number, f"“{line}” is not an email address"))
                continue
            if line.lower() in wanted:
                problems.append((number, f"{line} is on the list twice"))
            wanted.setdefault(line.lower(), (number, line))
        people = {
            person.email_lower: person
            for person in User.objects.annotate(email_lower=Lower("email"))
            .filter(email_lower__in=list(wanted))
            .select_related("agency")
        }
        problems += [
            (number, f"nobody has an account with the email address {line}")
            for email, (number, line) in wanted.items()
            if email not in people
        ]
        if problems:
            raise ValidationError(
                [f"Line {number}: {problem}" for number, problem in sorted(problems)]
            )
        return [people[email] for email in wanted]


class BookNewPersonForm(forms.Form):
    """Someone with no account yet: their name, email address and organisation."""

    full_name = OneLineField(
        label="Full name",
        max_length=200,
        error_messages={
            "required": "Enter the person's full name",
            "max_length": "The full name must be 200 characters or fewer",
        },
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    email = EmailAddressField(
        label="Email address",
        help_text="We email them their booking, and how to claim their account.",
        max_length=254,
        error_messages={
            "required": "Enter the person's email address",
            "invalid": "Enter an email address in the correct format, like name@example.org",
            "max_length": "The email address must be 254 characters or fewer",
        },
        widget=forms.EmailInput(
            attrs={"autocomplete": "off", "spellcheck": "false", "inputmode": "email"}
        ),
    )
    agency = forms.ModelChoiceField(
        label="Organisation",
        help_text="The organisation they book under, and the one any charges go to.",
        queryset=Agency.objects.filter(is_active=True).order_by("name"),
        empty_label="Select their organisation",
        error_messages={
            "required": "Select the organisation the person works for",
            "invalid_choice": "Select the organisation the person works for",
        },
    )

    def clean_email(self) -> str:
        return self.cleaned_data["email"].strip().lower()


class SessionFilterForm(forms.Form):
    WHEN = [
        ("upcoming", "Upcoming"),
        ("today", "Today"),
        ("week", "This week"),
        ("past", "Past"),
        ("all", "All"),
    ]
    when = forms.ChoiceField(label="When", choices=WHEN, required=False)
    course = forms.ModelChoiceField(
        queryset=Course.objects.order_by("title"), required=False, empty_label="All courses"
    )
    status = forms.ChoiceField(
        label="Status", choices=[("", "All statuses"), *Session.Status.choices], required=False
    )
    register = forms.ChoiceField(
        label="Register",
        choices=[("", "Any register"), ("left_open", "Still open after the session")],
        required=False,
    )


def pounds_to_pence(value: Decimal) -> int:
    return int((value * 100).to_integral_value())


class MoneyField(DecimalNumberField):
    """Pounds and pence typed as 40 or 40.00; the value is whole pence."""

    def __init__(self, **kwargs):
        super().__init__(
            max_digits=8,
            decimal_places=2,
            min_value=Decimal(0),
            max_value=Decimal("999999.99"),
            error_messages={
                "required": "Enter an amount in pounds, for example 40.00",
                "invalid": "Enter an amount in pounds, for example 40.00",
                "min_value": "Enter an amount of £0.00 or more",
                "max_value": "Enter an amount of £999,999.99 or less",
                "max_decimal_places": "Enter an amount in pounds and pence, for example 40.50",
            },
            widget=forms.TextInput(
                attrs={"class": "govuk-input--width-5", "inputmode": "decimal"}
            ),
            **kwargs,
        )

    def to_python(self, value):
        if isinstance(value, str):
            value = value.strip().removeprefix("£").replace(",", "")
        return super().to_python(value)

    def prepare_value(self, value):
        return f"{value:.2f}" if isinstance(value, Decimal) else value


class TermsForm(forms.Form):
    effective_date = DateField(
        label="Takes effect on",
        error_name="The date the terms take effect",
        error_messages={"required": "Enter the date the terms take effect"},
        help_text="Today or later. Bookings already made keep the terms they were made under.",
    )
    effective_time = TimeField(
        label="Time it takes effect (optional)",
        required=False,
        help_text=f"{TIME_HINT}. Leave empty for straight away if the date is today, "
        "otherwise the start of that day.",
    )
    notice_working_days = forms.IntegerField(
        label="Notice period, in working days",
        min_value=0,
        max_value=60,
        help_text="Cancelling is free until this many working days before the start.",
        widget=forms.NumberInput(attrs={"class": "govuk-input--width-3"}),
    )
    late_cancellation_half_day = MoneyField(label="Late cancellation, half day (£)")
    late_cancellation_full_day = MoneyField(label="Late cancellation, full day (£)")
    non_attendance_half_day = MoneyField(label="Non-attendance, half day (£)")
    non_attendance_full_day = MoneyField(label="Non-attendance, full day (£)")
    fee_half_day = MoneyField(
        label="Fee for paying organisations, half day (£)",
        help_text="A course's own fee, when it has one, takes precedence.",
    )
    fee_full_day = MoneyField(label="Fee for paying organisations, full day (£)")
    promotion_grace_hours = forms.IntegerField(
        label="Free cancellation after promotion, in hours",
        min_value=0,
        max_value=24 * 14,
        help_text="Someone given a place from the waiting list may cancel free for this long.",
        widget=forms.NumberInput(attrs={"class": "govuk-input--width-3"}),
    )
    late_arrival_minutes = forms.IntegerField(
        label="Late arrival, in minutes",
        min_value=0,
        max_value=240,
        help_text="Arriving later than this means being turned away.",
        widget=forms.NumberInput(attrs={"class": "govuk-input--width-3"}),
    )

    MONEY = (
        "late_cancellation_half_day",
        "late_cancellation_full_day",
        "non_attendance_half_day",
        "non_attendance_full_day",
        "fee_half_day",
        "fee_full_day",
    )

    @classmethod
    def initial_from(cls, terms: Terms) -> dict:
        initial = {
            "notice_working_days": terms.notice_working_days,
            "promotion_grace_hours": terms.promotion_grace_hours,
            "late_arrival_minutes": terms.late_arrival_minutes,
        }
        for name in cls.MONEY:
            initial[name] = Decimal(getattr(terms, f"{name}_pence")) / 100
        return initial

    def clean(self):
        data = super().clean()
        day, at = data.get("effective_date"), data.get("effective_time")
        if day and "effective_time" not in self.errors:
            today = timezone.localdate()
            if day < today or (at is not None and local_datetime(day, at) < timezone.now()):
                self.add_error("effective_date", "The date must be today or in the future")
        return data

    def effective_from(self) -> datetime | None:
        """None means straight away."""
        day, at = self.cleaned_data["effective_date"], self.cleaned_data["effective_time"]
        if at is None:
            return None if day == timezone.localdate() else local_datetime(day, time())
        return local_datetime(day, at)

    def terms_fields(self) -> dict:
        data = self.cleaned_data
        fields = {
            "notice_working_days": data["notice_working_days"],
            "promotion_grace_hours": data["promotion_grace_hours"],
            "late_arrival_minutes": data["late_arrival_minutes"],
        }
        for name in self.MONEY:
            fields[f"{name}_pence"] = pounds_to_pence(data[name])
        return fields


OUTCOME_ROWS_NEW_COURSE = 5
OUTCOME_SPARE_ROWS = 3


class CourseForm(forms.Form):
    """A course in the catalogue; the code is given once, when it is added.

    The learning outcomes are a row each: its text and its position in the list, so that
    they can be reordered without JavaScript. A few empty rows take new outcomes; emptying
    a row's text removes that outcome.
    """

    code = forms.SlugField(
        label="Code",
        max_length=30,
        help_text="A short unique code, for example MASCP-L3. It cannot change later.",
        error_messages={
            "required": "Enter the course's code",
            "invalid": "Use only letters, numbers and hyphens in the code",
            "max_length": "The code must be 30 characters or fewer",
        },
        widget=forms.TextInput(attrs={"class": "govuk-input--width-10", "spellcheck": "false"}),
    )
    title = OneLineField(
        label="Title",
        max_length=200,
        error_messages={
            "required": "Enter the course's title",
            "max_length": "The title must be 200 characters or fewer",
        },
    )
    programme = forms.ChoiceField(
        label="Programme",
        choices=Programme.choices,
        widget=forms.RadioSelect,
        error_messages={
            "required": "Choose the programme",
            "invalid_choice": "Choose the programme from the list",
        },
    )
    level = OneLineField(
        label="Level (optional)",
        max_length=50,
        required=False,
        help_text="For example, Level 3.",
        widget=forms.TextInput(attrs={"class": "govuk-input--width-10"}),
    )
    duration_hours = DecimalNumberField(
        label="Length, in hours",
        max_digits=3,
        decimal_places=1,
        min_value=Decimal("0.5"),
        max_value=Decimal(MAX_COURSE_HOURS),
        help_text="4 hours or less is a half day. Bookings already made keep their price.",
        error_messages={
            "required": "Enter the course's length in hours",
            "invalid": "Enter the length in hours, for example 3 or 6.5",
            "min_value": "The length must be at least half an hour",
            "max_value": f"The length must be {MAX_COURSE_HOURS} hours or less",
            "max_decimal_places": "Enter the length to the nearest tenth of an hour",
            "max_digits": f"The length must be {MAX_COURSE_HOURS} hours or less",
        },
        widget=forms.TextInput(attrs={"class": "govuk-input--width-4", "inputmode": "decimal"}),
    )
    fee = MoneyField(
        label="Fee for paying organisations (£, optional)",
        required=False,
        help_text="Leave empty for the terms' half-day or full-day fee.",
    )
    summary = forms.CharField(
        label="Summary (optional)",
        max_length=5000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    audience = forms.CharField(
        label="Who the course is for (optional)",
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    prerequisite = forms.ModelChoiceField(
        label="Prerequisite course (optional)",
        queryset=Course.objects.order_by("title"),
        required=False,
        empty_label="None",
        error_messages={"invalid_choice": "Select the prerequisite from the list"},
    )
    refresh_months = forms.IntegerField(
        label="Refresh after, in months (optional)",
        min_value=1,
        max_value=MAX_REFRESH_MONTHS,
        required=False,
        help_text="How long the training counts before a refresher, for example 36.",
        error_messages={
            "invalid": "Enter a whole number of months, for example 36",
            "min_value": "Enter 1 month or more",
            "max_value": f"Enter {MAX_REFRESH_MONTHS} months or fewer",
        },
        widget=forms.NumberInput(attrs={"class": "govuk-input--width-3"}),
    )
    is_active = forms.BooleanField(
        label="Listed in the catalogue",
        required=False,
        initial=True,
        help_text="Untick to retire the course: it leaves the catalogue and no new session "
        "can be added. Its sessions, bookings and charges stay as they are.",
    )

    # The outcome rows go in before this field.
    OUTCOMES_BEFORE = "prerequisite"

    def __init__(self, *args, course: Course | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.course = course
        if course is not None:
            del self.fields["code"]
            self.fields["prerequisite"].queryset = Course.objects.exclude(pk=course.pk).order_by(
                "title"
            )
        else:
            del self.fields["is_active"]
        self.outcome_row_count = self._outcome_row_count()
        fields = {}
        for name, field in self.fields.items():
            if name == self.OUTCOMES_BEFORE:
                for number in range(1, self.outcome_row_count + 1):
                    fields[f"outcome_{number}"] = self._outcome_field(number)
                    fields[f"outcome_{number}_position"] = self._position_field(number)
            fields[name] = field
        self.fields = fields

    def _outcome_row_count(self) -> int:
        if self.is_bound:  # As many rows as were sent, so that nothing typed is lost.
            sent = [
                int(number)
                for key in self.data
                if (number := key.removeprefix("outcome_")).isdigit()
                and int(number) <= MAX_OUTCOMES
            ]
            return max(sent, default=1)
        given = sum(1 for key in self.initial if key.removeprefix("outcome_").isdigit())
        if given:
            return min(given + OUTCOME_SPARE_ROWS, MAX_OUTCOMES)
        return OUTCOME_ROWS_NEW_COURSE

    @staticmethod
    def _outcome_field(number: int) -> forms.CharField:
        return OneLineField(
            label=f"Learning outcome {number}",
            max_length=300,
            required=False,
            error_messages={
                "max_length": f"Learning outcome {number} must be 300 characters or fewer"
            },
        )

    @staticmethod
    def _position_field(number: int) -> forms.IntegerField:
        message = (
            f"Enter the position of learning outcome {number} as a whole number from 1 to "
            f"{MAX_OUTCOMES}, or leave it empty"
        )
        return forms.IntegerField(
            label=f"Position of learning outcome {number}",
            min_value=1,
            max_value=MAX_OUTCOMES,
            required=False,
            error_messages={"invalid": message, "min_value": message, "max_value": message},
            widget=forms.TextInput(
                attrs={"class": "govuk-input--width-2", "inputmode": "numeric"}
            ),
        )

    @property
    def outcome_rows(self) -> list[tuple[forms.BoundField, forms.BoundField]]:
        """The outcome rows' bound fields, text and position, for the template."""
        return [
            (self[f"outcome_{number}"], self[f"outcome_{number}_position"])
            for number in range(1, self.outcome_row_count + 1)
        ]

    @property
    def fields_before_outcomes(self) -> list[forms.BoundField]:
        names = list(self.fields)
        return [self[name] for name in names[: names.index("outcome_1")]]

    @property
    def fields_after_outcomes(self) -> list[forms.BoundField]:
        names = list(self.fields)
        return [self[name] for name in names[names.index(self.OUTCOMES_BEFORE) :]]

    @classmethod
    def initial_for(cls, course: Course, outcomes: list[LearningOutcome]) -> dict:
        initial = {
            "title": course.title,
            "programme": course.programme,
            "level": course.level,
            "duration_hours": course.duration_hours,
            "fee": None if course.fee_pence is None else Decimal(course.fee_pence) / 100,
            "summary": course.summary,
            "audience": course.audience,
            "prerequisite": course.prerequisite_id,
            "refresh_months": course.refresh_months,
            "is_active": course.is_active,
        }
        for number, outcome in enumerate(outcomes, start=1):
            initial[f"outcome_{number}"] = outcome.text
            initial[f"outcome_{number}_position"] = number
        return initial

    def clean_code(self) -> str:
        code = self.cleaned_data["code"].strip().upper()
        if Course.objects.filter(code__iexact=code).exists():
            raise ValidationError(f"A course with the code {code} already exists")
        return code

    def clean(self):
        data = super().clean()
        rows = []  # (row number, text, position or None) of the rows with a text
        for number in range(1, self.outcome_row_count + 1):
            if {f"outcome_{number}", f"outcome_{number}_position"} & set(self.errors):
                continue
            text = data.get(f"outcome_{number}", "").strip()
            if text:
                rows.append((number, text, data.get(f"outcome_{number}_position")))
        if not rows:
            if not any(name.startswith("outcome_") for name in self.errors):
                self.add_error("outcome_1", "Enter at least one learning outcome")
            return data
        by_position, by_text = {}, {}
        for number, text, position in rows:
            if position is not None and position in by_position:
                self.add_error(
                    f"outcome_{number}_position",
                    f"Learning outcomes {by_position[position]} and {number} both have position "
                    f"{position}: give each a different position",
                )
            by_position.setdefault(position, number)
            if text.casefold() in by_text:
                self.add_error(
                    f"outcome_{number}",
                    f"Learning outcome {number} is the same as learning outcome "
                    f"{by_text[text.casefold()]}",
                )
            by_text.setdefault(text.casefold(), number)
        # In order of position; rows without one go last, in the order they are on the page.
        rows.sort(key=lambda row: (row[2] is None, row[2] or 0, row[0]))
        data["outcomes"] = [text for _, text, _ in rows]
        return data

    def course_fields(self) -> dict:
        """Keyword arguments for course_create and course_update."""
        data = self.cleaned_data
        fields = {
            "title": data["title"],
            "programme": data["programme"],
            "level": data["level"],
            "duration_hours": data["duration_hours"],
            "fee_pence": None if data["fee"] is None else pounds_to_pence(data["fee"]),
            "summary": data["summary"],
            "audience": data["audience"],
            "outcomes": data["outcomes"],
            "prerequisite": data["prerequisite"],
            "refresh_months": data["refresh_months"],
        }
        if self.course is None:
            fields["code"] = data["code"]
        else:
            fields["is_active"] = data["is_active"]
        return fields


class VenueForm(forms.Form):
    """A venue: in person, with an address and a borough, or online, with neither."""

    IN_PERSON, ONLINE = "in_person", "online"

    name = OneLineField(
        label="Name",
        max_length=200,
        help_text="As delegates will see it, for example Hammersmith Town Hall, Room 2.",
        error_messages={
            "required": "Enter the venue's name",
            "max_length": "The name must be 200 characters or fewer",
        },
    )
    kind = forms.ChoiceField(
        label="Online or in person",
        choices=[(IN_PERSON, "In person"), (ONLINE, "Online")],
        widget=forms.RadioSelect,
        help_text="An online venue is a video-call platform or account, for example the "
        "partnership's Microsoft Teams.",
        error_messages={
            "required": "Select whether the venue is online or in person",
            "invalid_choice": "Select whether the venue is online or in person",
        },
    )
    address = forms.CharField(
        label="Address",
        max_length=1000,
        required=False,
        help_text="Needed for a venue in person, with the postcode. Not kept for an online venue.",
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"max_length": "The address must be 1,000 characters or fewer"},
    )
    borough = forms.ModelChoiceField(
        label="Borough",
        queryset=Borough.objects.exclude(kind=Borough.Kind.CROSS_BOROUGH).order_by("kind", "name"),
        required=False,
        empty_label="Select a borough",
        help_text="Needed for a venue in person: the catalogue can be searched by it.",
        error_messages={"invalid_choice": "Select the borough from the list"},
    )
    access_information = forms.CharField(
        label="Access information (optional)",
        max_length=2000,
        required=False,
        help_text="For example step-free access, a hearing loop and the nearest station; "
        "for an online venue, captions or joining by phone. Delegates see it with their "
        "booking and reminders.",
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"max_length": "The access information must be 2,000 characters or fewer"},
    )
    is_active = forms.BooleanField(
        label="Offered for new sessions",
        required=False,
        initial=True,
        help_text="Untick to retire the venue: it is no longer offered when a session is "
        "added. Sessions already at this venue keep it.",
    )

    def __init__(self, *args, venue: Venue | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.venue = venue
        if venue is None:
            del self.fields["is_active"]

    @classmethod
    def initial_for(cls, venue: Venue) -> dict:
        return {
            "name": venue.name,
            "kind": cls.ONLINE if venue.is_online else cls.IN_PERSON,
            "address": venue.address,
            "borough": venue.borough_id,
            "access_information": venue.access_information,
            "is_active": venue.is_active,
        }

    def clean_name(self) -> str:
        name = self.cleaned_data["name"].strip()
        others = Venue.objects.filter(name__iexact=name)
        if self.venue is not None:
            others = others.exclude(pk=self.venue.pk)
        if others.exists():
            raise ValidationError(f"A venue called {name} already exists")
        return name

    def clean(self):
        data = super().clean()
        if data.get("kind") == self.IN_PERSON:
            if "address" not in self.errors and not data.get("address", "").strip():
                self.add_error("address", "Enter the venue's address")
            if "borough" not in self.errors and data.get("borough") is None:
                self.add_error("borough", "Select the venue's borough")
        return data

    def venue_fields(self) -> dict:
        """Keyword arguments for venue_create and venue_update."""
        data = self.cleaned_data
        online = data["kind"] == self.ONLINE
        fields = {
            "name": data["name"],
            "is_online": online,
            "address": "" if online else data["address"],
            "borough": None if online else data["borough"],
            "access_information": data["access_information"],
        }
        if self.venue is not None:
            fields["is_active"] = data["is_active"]
        return fields
