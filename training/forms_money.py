"""Coordinators' forms for charges and invoices: filters, waiving, the invoice run."""

from datetime import date, timedelta

from django import forms
from django.utils import timezone

from accounts.models import Agency

from .forms_manage import DateField, IdsChoiceField
from .models import Charge, Invoice
from .selectors.charges import CHARGE_FILTERS


def _organisations():
    return Agency.objects.order_by("name", "pk")


class PeriodFilterForm(forms.Form):
    """A filter with an optional date range; the range must run forwards."""

    date_fields = ("", "")

    def clean(self):
        data = super().clean()
        start_field, end_field = self.date_fields
        start, end = data.get(start_field), data.get(end_field)
        if start and end and end < start:
            start_name = self.fields[start_field].error_name
            self.add_error(
                end_field,
                f"{self.fields[end_field].error_name} must be on or after "
                f"{start_name[0].lower()}{start_name[1:]}",
            )
        return data


class ChargeFilterForm(PeriodFilterForm):
    date_fields = ("raised_from", "raised_to")

    organisation = forms.ModelChoiceField(
        queryset=_organisations(),
        required=False,
        empty_label="All organisations",
        error_messages={"invalid_choice": "Select an organisation from the list"},
    )
    status = forms.ChoiceField(
        choices=[
            ("", "All statuses"),
            *((value, label) for value, (label, _) in CHARGE_FILTERS.items()),
        ],
        required=False,
    )
    raised_from = DateField(
        label="Raised from",
        error_name="The ‘raised from’ date",
        required=False,
        help_text="For example, 1 4 2026",
    )
    raised_to = DateField(
        label="Raised to",
        error_name="The ‘raised to’ date",
        required=False,
        help_text="For example, 30 4 2026",
    )


class InvoiceFilterForm(PeriodFilterForm):
    date_fields = ("issued_from", "issued_to")

    organisation = forms.ModelChoiceField(
        queryset=_organisations(),
        required=False,
        empty_label="All organisations",
        error_messages={"invalid_choice": "Select an organisation from the list"},
    )
    status = forms.ChoiceField(
        choices=[("", "All statuses"), *Invoice.Status.choices], required=False
    )
    issued_from = DateField(
        label="Issued from",
        error_name="The ‘issued from’ date",
        required=False,
        help_text="For example, 1 4 2026",
    )
    issued_to = DateField(
        label="Issued to",
        error_name="The ‘issued to’ date",
        required=False,
        help_text="For example, 30 4 2026",
    )


class ChargeWaiveForm(forms.Form):
    """The charges ticked in the table and the reason; the service decides which may be
    waived, so a charge invoiced since the page was loaded is refused with its reason."""

    charges = IdsChoiceField(
        queryset=Charge.objects.all(),
        label="Charges to waive",
        widget=forms.CheckboxSelectMultiple,
        error_messages={
            "required": "Select the charges to waive",
            "invalid_choice": "A selected charge no longer exists: reload the page",
            "invalid_pk_value": "A selected charge no longer exists: reload the page",
        },
    )
    reason = forms.CharField(
        label="Reason for waiving",
        max_length=300,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="For example, “Snow closed the venue”. It is kept with each charge and in "
        "the audit trail.",
        error_messages={
            "required": "Enter the reason for waiving the charges",
            "max_length": "The reason must be 300 characters or fewer",
        },
    )

    def clean_reason(self) -> str:
        reason = self.cleaned_data["reason"].strip()
        if not reason:
            raise forms.ValidationError("Enter the reason for waiving the charges")
        return reason


def yesterday() -> date:
    return timezone.localdate() - timedelta(days=1)


class InvoiceRunForm(forms.Form):
    period_end = DateField(
        label="Invoice charges raised up to and including",
        error_name="The date to invoice charges up to",
        help_text="Usually the last day of last month. For example, 31 5 2026",
        error_messages={"required": "Enter the date to invoice charges up to"},
    )

    def clean_period_end(self) -> date:
        day = self.cleaned_data["period_end"]
        if day > timezone.localdate():
            raise forms.ValidationError("The date must be today or in the past")
        return day
