"""Register forms: one set of radios per person, walk-ins and coordinators' corrections.

The marks form is built from bookings already loaded by the view, with plain choices,
so forty people cost no more queries than five.
"""

from collections.abc import Iterable

from django import forms

from accounts.models import Agency
from pages.form_fields import EmailAddressField, OneLineField

from .models import Booking

MARKS = [
    (Booking.Attendance.ATTENDED.value, "Attended"),
    (Booking.Attendance.PARTIAL.value, "Partial"),
    (Booking.Attendance.ABSENT.value, "Absent"),
    (Booking.Attendance.TURNED_AWAY.value, "Turned away"),
]
COMPACT_RADIOS = {"class": "govuk-radios--inline govuk-radios--small"}


def mark_field_name(booking: Booking) -> str:
    return f"mark_{booking.pk}"


class RegisterForm(forms.Form):
    """A choice for each person on the register; an empty choice leaves them unmarked."""

    def __init__(self, *args, bookings: Iterable[Booking], **kwargs):
        super().__init__(*args, **kwargs)
        self.rows: list[tuple[Booking, forms.BoundField]] = []
        for booking in bookings:
            name = mark_field_name(booking)
            self.fields[name] = forms.ChoiceField(
                label=booking.delegate.full_name,
                choices=MARKS,
                required=False,
                widget=forms.RadioSelect(attrs=COMPACT_RADIOS),
                initial=None
                if booking.attendance == Booking.Attendance.UNMARKED
                else booking.attendance,
                error_messages={
                    "invalid_choice": f"Choose attended, partial, absent or turned away "
                    f"for {booking.delegate.full_name}"
                },
            )
            self.rows.append((booking, self[name]))

    def changed_marks(self) -> list[tuple[Booking, str]]:
        """(booking, new mark) for every person whose chosen mark differs from the saved one."""
        return [
            (booking, self.cleaned_data[field.name])
            for booking, field in self.rows
            if self.cleaned_data.get(field.name)
            and self.cleaned_data[field.name] != booking.attendance
        ]


class WalkInForm(forms.Form):
    full_name = OneLineField(
        label="Full name",
        max_length=200,
        error_messages={"required": "Enter the person's full name"},
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    email = EmailAddressField(
        label="Email address",
        help_text="We use it to send them the evaluation and their certificate.",
        error_messages={
            "required": "Enter the person's email address",
            "invalid": "Enter an email address in the correct format, like name@example.org",
        },
        widget=forms.EmailInput(
            attrs={"autocomplete": "off", "spellcheck": "false", "inputmode": "email"}
        ),
    )
    agency = forms.ModelChoiceField(
        label="Organisation (if they have no Coursebook account)",
        help_text="Someone who has an account is recorded under the organisation it "
        "names, which is the one charged.",
        queryset=Agency.objects.filter(is_active=True).order_by("name"),
        empty_label="Select their organisation",
        required=False,
    )


class CorrectionForm(forms.Form):
    attendance = forms.ChoiceField(
        label="Mark",
        choices=MARKS,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose attended, partial, absent or turned away"},
    )
    reason = forms.CharField(
        label="Reason for the correction",
        max_length=250,
        help_text="It is kept in the audit trail.",
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": "Enter the reason for the correction"},
    )


class CloseForm(forms.Form):
    """A confirmation whose errors the page's error summary shows. Before the session's
    end it has one field: the trainer confirms closing early (the evaluation goes out at
    once)."""

    def __init__(self, *args, early: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if early:
            self.fields["close_early"] = forms.BooleanField(
                label="Close the register now, before the session ends",
                error_messages={
                    "required": "Confirm that you want to close the register before the "
                    "session ends"
                },
            )
