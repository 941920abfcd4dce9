"""The report's period and filters: plain values, shared by the page, the command and the PDF."""

from dataclasses import asdict, dataclass, replace
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.db.models import Q
from django.utils import timezone

LONDON = ZoneInfo("Europe/London")
FINANCIAL_YEAR_STARTS = 4  # April


@dataclass(frozen=True)
class Period:
    """Sessions whose start date (in London) falls in [start, end], both days included."""

    start: date
    end: date

    @property
    def starts_at(self) -> datetime:
        return datetime.combine(self.start, time.min, tzinfo=LONDON)

    @property
    def ends_before(self) -> datetime:
        return datetime.combine(self.end + timedelta(days=1), time.min, tzinfo=LONDON)

    def previous_year(self) -> "Period":
        return Period(start=_years_back(self.start, 1), end=_years_back(self.end, 1))

    def label(self) -> str:
        if self == financial_year(
            self.start.year if self.start.month >= 4 else self.start.year - 1
        ):
            return f"{self.start.year}-{str(self.end.year)[2:]}"
        return f"{self.start:%-d %b %Y} to {self.end:%-d %b %Y}"

    def as_json(self) -> dict:
        return {"from": self.start.isoformat(), "to": self.end.isoformat()}


def _years_back(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


def financial_year(start_year: int) -> Period:
    """1 April of start_year to 31 March of the next year."""
    return Period(
        start=date(start_year, FINANCIAL_YEAR_STARTS, 1),
        end=date(start_year + 1, FINANCIAL_YEAR_STARTS, 1) - timedelta(days=1),
    )


def financial_year_of(day: date) -> Period:
    return financial_year(day.year if day.month >= FINANCIAL_YEAR_STARTS else day.year - 1)


def current_financial_year() -> Period:
    return financial_year_of(timezone.localdate())


@dataclass(frozen=True)
class Filters:
    """Session filters (what was delivered) and delegate filters (who came).

    Session filters narrow the sessions counted; delegate filters narrow the bookings and
    evaluations to delegates of an organisation, sector or borough. With a delegate filter
    the places offered are still every place on those sessions, so the booking rates are
    withheld (they would compare some delegates with all the places).
    """

    programme: str = ""
    course_id: int | None = None
    delivering_agency_id: int | None = None
    sector: str = ""
    borough_id: int | None = None
    agency_id: int | None = None

    @property
    def narrows_delegates(self) -> bool:
        return bool(self.sector or self.borough_id or self.agency_id)

    def session_q(self, prefix: str = "") -> Q:
        q = Q()
        if self.programme:
            q &= Q(**{f"{prefix}course__programme": self.programme})
        if self.course_id:
            q &= Q(**{f"{prefix}course_id": self.course_id})
        if self.delivering_agency_id:
            q &= Q(**{f"{prefix}delivering_agency_id": self.delivering_agency_id})
        return q

    def booking_q(self, prefix: str = "") -> Q:
        q = Q()
        if self.sector:
            q &= Q(**{f"{prefix}agency__sector": self.sector})
        if self.borough_id:
            q &= Q(**{f"{prefix}agency__borough_id": self.borough_id})
        if self.agency_id:
            q &= Q(**{f"{prefix}agency_id": self.agency_id})
        return q

    def as_dict(self) -> dict:
        return {key: value for key, value in asdict(self).items() if value}

    def without_delegates(self) -> "Filters":
        return replace(self, sector="", borough_id=None, agency_id=None)
