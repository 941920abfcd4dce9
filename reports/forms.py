"""The report's period and filters, read from the page's address (a GET form)."""

from django import forms

from accounts.models import Agency, Borough, Sector
from training.forms_manage import DateField
from training.models import Course, Programme, Session

from .periods import Filters, Period, current_financial_year, financial_year
from .services import MAX_PERIOD_DAYS

YEARS_OFFERED = 10


def financial_years() -> list[tuple[str, str]]:
    latest = current_financial_year().start.year
    return [
        (str(year), f"April {year} to March {year + 1}")
        for year in range(latest, latest - YEARS_OFFERED, -1)
    ]


class ReportForm(forms.Form):
    year = forms.ChoiceField(label="Financial year", required=False, choices=financial_years)
    date_from = DateField(
        label="Or from",
        error_name="The first day of the period",
        required=False,
        help_text="For a period of your own, for example 1 9 2025",
    )
    date_to = DateField(
        label="To",
        error_name="The last day of the period",
        required=False,
        help_text="For example, 31 8 2026",
    )
    programme = forms.ChoiceField(
        choices=[("", "All programmes"), *Programme.choices], required=False
    )
    course = forms.ModelChoiceField(
        queryset=Course.objects.order_by("code"), required=False, empty_label="All courses"
    )
    delivering_agency = forms.ModelChoiceField(
        label="Trainer agency",
        queryset=Agency.objects.filter(
            pk__in=Session.objects.values("delivering_agency_id")
        ).order_by("name"),
        required=False,
        empty_label="All trainer agencies",
    )
    sector = forms.ChoiceField(
        label="Delegates' sector", choices=[("", "All sectors"), *Sector.choices], required=False
    )
    borough = forms.ModelChoiceField(
        label="Delegates' borough",
        queryset=Borough.objects.order_by("kind", "name"),
        required=False,
        empty_label="All boroughs",
    )
    agency = forms.ModelChoiceField(
        label="Delegates' organisation",
        queryset=Agency.objects.order_by("name"),
        required=False,
        empty_label="All organisations",
    )
    publish = forms.BooleanField(
        label="Show as it would be published (counts under 5 hidden)", required=False
    )

    def clean(self):
        data = super().clean()
        start, end = data.get("date_from"), data.get("date_to")
        # A day typed but not a real date already has its error.
        if start and not end and "date_to" not in self.errors:
            self.add_error("date_to", "Enter the last day of the period")
        elif end and not start and "date_from" not in self.errors:
            self.add_error("date_from", "Enter the first day of the period")
        elif start and end:
            if end < start:
                self.add_error("date_to", "The last day must be on or after the first day")
            elif (end - start).days > MAX_PERIOD_DAYS:
                self.add_error("date_to", "A report covers at most ten years")
        return data

    def period(self) -> Period:
        data = self.cleaned_data if self.is_valid() else {}
        if data.get("date_from") and data.get("date_to"):
            return Period(start=data["date_from"], end=data["date_to"])
        if data.get("year"):
            return financial_year(int(data["year"]))
        return current_financial_year()

    def filters(self) -> Filters:
        data = self.cleaned_data if self.is_valid() else {}
        return Filters(
            programme=data.get("programme") or "",
            course_id=data["course"].pk if data.get("course") else None,
            delivering_agency_id=(
                data["delivering_agency"].pk if data.get("delivering_agency") else None
            ),
            sector=data.get("sector") or "",
            borough_id=data["borough"].pk if data.get("borough") else None,
            agency_id=data["agency"].pk if data.get("agency") else None,
        )

    @property
    def for_publication(self) -> bool:
        return bool(self.is_valid() and self.cleaned_data.get("publish"))
