"""Delegate-facing forms: the catalogue filters, booking, cancelling, handing a place on."""

from collections.abc import Iterable
from datetime import date

from django import forms

from accounts.models import Borough, User
from pages.form_fields import EmailAddressField, OneLineField

from .models import Course, Programme, Venue

ACCESS_NEEDS_MAX_LENGTH = 1000
SEARCH_MAX_LENGTH = 100


class CatalogueFilterForm(forms.Form):
    """The catalogue's search and filters. months: the months that have sessions listed
    (training.selectors.catalogue.catalogue_months), the only ones offered."""

    q = OneLineField(
        label="Search",
        help_text="Words from a course's title or summary, for example neglect",
        max_length=SEARCH_MAX_LENGTH,
        required=False,
        error_messages={
            "max_length": f"Search words must be {SEARCH_MAX_LENGTH} characters or fewer"
        },
        widget=forms.TextInput(attrs={"type": "search", "spellcheck": "false"}),
    )
    programme = forms.ChoiceField(
        label="Programme", choices=[("", "All programmes"), *Programme.choices], required=False
    )
    course = forms.ModelChoiceField(
        label="Course",
        queryset=Course.objects.filter(is_active=True).order_by("title"),
        empty_label="All courses",
        to_field_name="code",
        required=False,
    )
    month = forms.ChoiceField(
        label="Month",
        required=False,
        error_messages={"invalid_choice": "Choose a month from the list"},
    )
    borough = forms.ModelChoiceField(
        label="Venue borough",
        queryset=Borough.objects.filter(venues__isnull=False).distinct().order_by("name"),
        empty_label="All boroughs",
        required=False,
    )
    venue = forms.ModelChoiceField(
        label="Venue",
        queryset=Venue.objects.order_by("name"),
        empty_label="All venues",
        required=False,
    )
    places_left = forms.BooleanField(label="Only sessions with places left", required=False)

    def __init__(self, *args, months: Iterable[date] = (), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["month"].choices = [
            ("", "Any month"),
            *((f"{month:%Y-%m}", f"{month:%B %Y}") for month in months),
        ]
        self.fields["course"].label_from_instance = lambda course: course.title

    def filters(self) -> dict:
        """The selector's keyword arguments; empty when the form is unbound or invalid."""
        if not self.is_bound or not self.is_valid():
            return {}
        data = self.cleaned_data
        filters = {}
        if data["q"]:
            filters["q"] = data["q"]
        if data["programme"]:
            filters["programme"] = data["programme"]
        if data["course"]:
            filters["course"] = data["course"]
        if data["month"]:
            year, month = data["month"].split("-")
            filters["month"] = date(int(year), int(month), 1)
        if data["borough"]:
            filters["borough"] = data["borough"]
        if data["venue"]:
            filters["venue"] = data["venue"]
        if data["places_left"]:
            filters["places_left"] = True
        return filters

    def described(self) -> str:
        """What was searched for and filtered by, in words: "matching “neglect”, in March
        2032, with places left"; empty when nothing was."""
        filters = self.filters()
        parts = []
        if "q" in filters:
            parts.append(f"matching “{filters['q']}”")
        if "programme" in filters:
            parts.append(f"in the {Programme(filters['programme']).label} programme")
        if "course" in filters:
            parts.append(f"of {filters['course'].title}")
        if "month" in filters:
            parts.append(f"in {filters['month']:%B %Y}")
        if "borough" in filters:
            parts.append(f"at venues in {filters['borough'].name}")
        if "venue" in filters:
            parts.append(f"at {filters['venue'].name}")
        if "places_left" in filters:
            parts.append("with places left")
        return ", ".join(parts)


class BookingForm(forms.Form):
    line_manager_email = EmailAddressField(
        label="Line manager's email address (optional)",
        required=False,
        help_text="We copy them into the confirmation, the reminders and any "
        "non-attendance notice.",
    )
    access_needs = forms.CharField(
        label="Access needs for this session (optional)",
        required=False,
        max_length=ACCESS_NEEDS_MAX_LENGTH,
        error_messages={
            "max_length": f"Access needs must be {ACCESS_NEEDS_MAX_LENGTH:,} characters or fewer"
        },
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="For example a hearing loop, step-free access or dietary needs. "
        "Only the training team and the trainers see this.",
    )


class CancelForm(forms.Form):
    reason = forms.CharField(
        label="Reason for cancelling",
        max_length=300,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"max_length": "The reason must be 300 characters or fewer"},
    )

    def __init__(self, *args, reason_required: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["reason"]
        if reason_required:
            field.required = True
            field.help_text = "The delegate will see this."
            field.error_messages["required"] = "Enter the reason for cancelling"
        else:
            field.label = "Reason for cancelling (optional)"


class SubstituteForm(forms.Form):
    email = EmailAddressField(
        label="Your colleague's work email address",
        help_text="They must have a Coursebook account with the same organisation.",
        error_messages={"required": "Enter your colleague's email address"},
    )

    colleague: User | None = None

    def __init__(self, *args, agency, **kwargs):
        super().__init__(*args, **kwargs)
        self.agency = agency

    def clean_email(self) -> str:
        # Looked up only among the booking's organisation, so the answer says nothing about
        # accounts elsewhere.
        email = self.cleaned_data["email"].strip()
        self.colleague = User.objects.filter(
            email__iexact=email, is_active=True, agency=self.agency
        ).first()
        if self.colleague is None:
            raise forms.ValidationError(
                f"There is no Coursebook account with this email address at {self.agency}. "
                "Check the address, or ask your colleague to register first"
            )
        return email
