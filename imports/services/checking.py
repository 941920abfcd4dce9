"""Checking a whole history before anything is written: every row of every file.

`history_check` reads the five files, resolves every reference (to a row of the files or
a record already in Coursebook) and returns a plan: what is new, what is already there,
and every problem found. The import writes only a plan without problems.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from functools import partial
from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db.models.functions import Lower
from django.utils import timezone

from accounts.digests import email_digest
from accounts.models import Agency, Borough, Sector, User
from evaluations.models import SurveyInvitation, SurveyKind
from privacy.selectors import anonymised_email_digests
from training.models import Booking, Course, Programme, Session
from training.rules.outcomes import list_in_force
from training.selectors.outcomes import outcome_lists_by_course

from .reading import (
    AGENCIES,
    BOOKINGS,
    COURSES,
    EVALUATIONS,
    SESSIONS,
    BadValue,
    CsvFile,
    FileSpec,
    Problem,
    Row,
    did_you_mean,
    parse_capacity,
    parse_choice,
    parse_email,
    parse_hours,
    parse_moment,
    parse_outcome_ratings,
    parse_rating,
    parse_yes_no,
    problem,
    read_directory,
    text,
    word,
)

SECTORS = {word(code): code for code in Sector.values} | {
    word(str(label)): code for code, label in Sector.choices
}
PROGRAMMES = {code: code for code in Programme.values}
SESSION_STATUSES = {"delivered": Session.Status.DELIVERED, "cancelled": Session.Status.CANCELLED}
BOOKING_STATUSES = {"confirmed": Booking.Status.CONFIRMED, "cancelled": Booking.Status.CANCELLED}
ATTENDANCE = {
    "attended": Booking.Attendance.ATTENDED,
    "partial": Booking.Attendance.PARTIAL,
    "absent": Booking.Attendance.ABSENT,
    "turned_away": Booking.Attendance.TURNED_AWAY,
    "turned away": Booking.Attendance.TURNED_AWAY,
}
ATTENDED = (Booking.Attendance.ATTENDED, Booking.Attendance.PARTIAL)
# The borough words for the two kinds that are not one of the partnership's boroughs.
BOROUGH_KIND_WORDS = {
    "cross-borough": Borough.Kind.CROSS_BOROUGH,
    "cross_borough": Borough.Kind.CROSS_BOROUGH,
    "cross borough": Borough.Kind.CROSS_BOROUGH,
    "outside": Borough.Kind.OUTSIDE,
    "outside the area": Borough.Kind.OUTSIDE,
}
BOROUGH_KIND_NAMES = {
    Borough.Kind.CROSS_BOROUGH: "Cross-borough",
    Borough.Kind.OUTSIDE: "Outside the area",
}
MAX_HINTS = 300
# Databases limit the parameters of one query; lookups go in chunks of this many.
LOOKUP_CHUNK = 900


@dataclass
class AgencyPlan:
    name: str
    line: int = 0
    pk: int | None = None  # Set when it is already in Coursebook.
    sector: str = ""
    borough: str = ""  # A borough's name, in Coursebook or new in `HistoryPlan.boroughs`
    pays: bool = False
    invoice_email: str = ""


@dataclass
class CoursePlan:
    code: str
    line: int = 0
    pk: int | None = None
    title: str = ""
    programme: str = ""
    level: str = ""
    duration_hours: Decimal = Decimal(0)
    outcomes: list[str] = field(default_factory=list)


@dataclass
class SessionPlan:
    ref: str
    line: int = 0
    pk: int | None = None
    course: str = ""
    starts_at: datetime | None = None
    ends_at: datetime | None = None
    venue: str = ""
    capacity: int = 0
    delivered_by: str = ""
    status: str = ""
    outcome_count: int = 0


@dataclass
class PersonPlan:
    email: str
    pk: int | None = None
    line: int = 0  # Their first booking's line.
    name: str = ""
    agency: str = ""
    first_booked_at: datetime | None = None


@dataclass
class BookingPlan:
    session_ref: str
    email: str
    line: int = 0
    pk: int | None = None
    agency: str = ""
    booked_at: datetime | None = None
    status: str = ""
    cancelled_at: datetime | None = None
    attendance: str = Booking.Attendance.UNMARKED
    evaluated: bool = False  # Already evaluated in Coursebook (for those already there).
    delegate_pk: int | None = None  # Whose it is, for those already there.


@dataclass
class EvaluationPlan:
    session_ref: str
    email: str
    line: int = 0
    existing: bool = False
    booking_pk: int | None = None  # Set when the booking is already in Coursebook.
    submitted_at: datetime | None = None
    experience: int | None = None
    ratings: list[tuple[int | None, int | None]] = field(default_factory=list)
    comment: str = ""


@dataclass
class YearFigures:
    """One financial year (1 April to 31 March) of the history, to check against the old
    system's own counts."""

    year: str
    sessions: int = 0
    delivered: int = 0
    bookings: int = 0
    confirmed: int = 0
    attended: int = 0


@dataclass
class HistoryPlan:
    problems: list[Problem] = field(default_factory=list)
    present: list[str] = field(default_factory=list)
    boroughs: dict[str, str] = field(default_factory=dict)  # new name -> kind
    agencies: dict[str, AgencyPlan] = field(default_factory=dict)
    courses: dict[str, CoursePlan] = field(default_factory=dict)
    sessions: dict[str, SessionPlan] = field(default_factory=dict)
    people: dict[str, PersonPlan] = field(default_factory=dict)
    bookings: dict[tuple[str, str], BookingPlan] = field(default_factory=dict)
    evaluations: dict[tuple[str, str], EvaluationPlan] = field(default_factory=dict)
    rows: dict[str, int] = field(default_factory=dict)
    # Booking and evaluation rows of people whose data was erased: never written again.
    erased_rows: int = 0
    venues_created: int = 0  # Known once written: venues are matched by name then.

    @property
    def ok(self) -> bool:
        return not self.problems

    def counts(self) -> dict[str, dict[str, int]]:
        """Per file: rows, new, and already in Coursebook; and the people and boroughs."""

        def split(plans: Iterable, is_new: Callable) -> dict[str, int]:
            plans = list(plans)
            new = sum(1 for plan in plans if is_new(plan))
            return {"new": new, "existing": len(plans) - new}

        in_files = {key: plan for key, plan in self.sessions.items() if plan.line}
        return {
            AGENCIES.name: split(
                (p for p in self.agencies.values() if p.line), lambda p: p.pk is None
            ),
            COURSES.name: split(
                (p for p in self.courses.values() if p.line), lambda p: p.pk is None
            ),
            SESSIONS.name: split(in_files.values(), lambda p: p.pk is None),
            BOOKINGS.name: split(self.bookings.values(), lambda p: p.pk is None),
            EVALUATIONS.name: split(self.evaluations.values(), lambda p: not p.existing),
            "people": split(self.people.values(), lambda p: p.pk is None),
            "boroughs": {"new": len(self.boroughs), "existing": 0},
        }

    def nothing_new(self) -> bool:
        return all(
            count["new"] == 0 for name, count in self.counts().items() if name != "boroughs"
        )

    def financial_years(self) -> list[YearFigures]:
        """Sessions, bookings and attended in the files, by the financial year the session
        started in."""
        years: dict[str, YearFigures] = {}
        for session in self.sessions.values():
            if not session.line:
                continue
            figures = _year(years, session.starts_at)
            figures.sessions += 1
            figures.delivered += session.status == Session.Status.DELIVERED
        for booking in self.bookings.values():
            session = self.sessions.get(booking.session_ref)
            if session is None or session.starts_at is None:
                continue
            figures = _year(years, session.starts_at)
            figures.bookings += 1
            figures.confirmed += booking.status == Booking.Status.CONFIRMED
            figures.attended += booking.attendance in ATTENDED
        return [years[key] for key in sorted(years)]


def financial_year(day: date) -> str:
    start = day.year if day.month >= 4 else day.year - 1
    return f"{start}-{(start + 1) % 100:02d}"


def _year(years: dict[str, YearFigures], moment: datetime) -> YearFigures:
    label = financial_year(timezone.localtime(moment).date())
    return years.setdefault(label, YearFigures(label))


class _Cells:
    """One row's cells, parsed column by column; each bad cell adds its problem."""

    def __init__(self, spec: FileSpec, row: Row, problems: list[Problem]):
        self.spec, self.row, self.problems = spec, row, problems
        self.ok = True

    def bad(self, column: str, reason: str) -> None:
        self.problems.append(problem(self.spec.name, self.row.line, column, reason))
        self.ok = False

    def get(self, column: str, parse: Callable | None = None, *, required: bool = True):
        raw = self.row.values.get(column, "")
        if not raw:
            if required:
                self.bad(column, f"empty: every row needs a {column.replace('_', ' ')}")
            return None
        try:
            return parse(raw) if parse else raw
        except BadValue as error:
            self.bad(column, str(error))
            return None


def _chunks(values: Iterable, size: int = LOOKUP_CHUNK):
    values = list(values)
    for start in range(0, len(values), size):
        yield values[start : start + size]


def _limit(max_length: int, what: str) -> Callable[[str], str]:
    return lambda value: text(value, max_length=max_length, what=what)


class _Checker:
    def __init__(self, files: dict[str, CsvFile], plan: HistoryPlan):
        self.files, self.plan, self.problems = files, plan, plan.problems
        self.now = timezone.now()
        self.hints: dict[tuple[str, str], str] = {}

    def hint(self, what: str, value: str, candidates: Iterable[str]) -> str:
        """' (did you mean ...?)' for an unknown reference, worked out once per value and
        for the first few hundred values only: a column wrong from top to bottom must not
        cost a search through every name for each of its rows."""
        key = (what, value)
        if key not in self.hints:
            if len(self.hints) >= MAX_HINTS:
                return ""
            self.hints[key] = did_you_mean(value, candidates)
        return self.hints[key]

    def cells(self, spec: FileSpec, row: Row) -> _Cells:
        return _Cells(spec, row, self.problems)

    def readable(self, spec: FileSpec) -> bool:
        return self.files[spec.name].readable

    # Organisations and boroughs --------------------------------------------------------

    def load_places(self) -> None:
        self.boroughs = {b.name.lower(): b for b in Borough.objects.order_by("name")}
        self.first_of_kind: dict[str, str] = {}
        for borough in self.boroughs.values():
            self.first_of_kind.setdefault(borough.kind, borough.name)
        self.db_agencies = dict(Agency.objects.values_list("name", "pk"))
        self.db_agencies_lower = {name.lower(): name for name in self.db_agencies}

    def borough(self, value: str) -> str:
        """The name of the borough meant: a kind's word, a known name, or a new borough."""
        lowered = word(value)
        kind = BOROUGH_KIND_WORDS.get(lowered)
        if kind is not None:
            name = self.first_of_kind.get(kind) or BOROUGH_KIND_NAMES[kind]
            self.first_of_kind.setdefault(kind, name)
            if name.lower() not in self.boroughs:
                self.plan.boroughs.setdefault(name, kind)
            return name
        known = self.boroughs.get(value.strip().lower())
        if known is not None:
            return known.name
        for name in self.plan.boroughs:
            if name.lower() == value.strip().lower():
                return name
        # A slip of the keyboard must not create a borough: near misses are refused.
        candidates = [b.name for b in self.boroughs.values()] + list(self.plan.boroughs)
        candidates += ["cross-borough", "outside"]
        hint = did_you_mean(value, candidates)
        if hint:
            raise BadValue(f"unknown borough '{value}'{hint}")
        name = text(value.strip(), max_length=100, what="borough")
        self.plan.boroughs[name] = Borough.Kind.PARTNERSHIP
        return name

    def agency_known(self, name: str) -> bool:
        return name in self.plan.agencies or name in self.db_agencies

    def agency_ref(self, cells: _Cells, column: str) -> str | None:
        name = cells.get(column)
        if name is None or self.agency_known(name):
            return name
        if self.readable(AGENCIES):
            known = list(self.plan.agencies) + list(self.db_agencies)
            cells.bad(
                column, f"unknown organisation '{name}'{self.hint('organisation', name, known)}"
            )
        return None

    def check_agencies(self) -> None:
        by_lower: dict[str, AgencyPlan] = {}  # Names differing only in case are one name.
        for row in self.files[AGENCIES.name].rows:
            cells = self.cells(AGENCIES, row)
            name = cells.get("name", _limit(200, "name"))
            sector = cells.get("sector", lambda v: parse_choice(v, SECTORS, "sector"))
            borough = cells.get("borough", self.borough)
            pays = cells.get("pays", parse_yes_no)
            invoice_email = cells.get("invoice_email", parse_email, required=False) or ""
            if name is None:
                continue
            earlier = by_lower.get(name.lower())
            if earlier is not None:
                cells.bad("name", f"'{name}' is already on line {earlier.line}")
                continue
            pk = self.db_agencies.get(name)
            if pk is None and name.lower() in self.db_agencies_lower:
                cells.bad(
                    "name",
                    f"'{self.db_agencies_lower[name.lower()]}' is already in Coursebook: "
                    "write its name exactly as it is there",
                )
            self.plan.agencies[name] = by_lower[name.lower()] = AgencyPlan(
                name=name,
                line=row.line,
                pk=pk,
                sector=sector or "",
                borough=borough or "",
                pays=bool(pays),
                invoice_email=invoice_email,
            )

    # Courses --------------------------------------------------------------------------

    def load_courses(self) -> None:
        # The learning outcomes ratings are matched to: the version of the course's list
        # in force when the session started (training.rules.outcomes).
        self.outcome_lists = outcome_lists_by_course()
        self.db_courses = {
            code: (pk, len(self.db_outcomes(pk, None)))
            for pk, code in Course.objects.values_list("pk", "code")
        }
        self.course_codes_by_pk = {pk: code for code, (pk, _) in self.db_courses.items()}

    @staticmethod
    def course_code(value: str) -> str:
        text(value, max_length=30, what="course code")
        if not all(ch.isascii() and (ch.isalnum() or ch in "-_") for ch in value):
            raise BadValue(f"'{value}' is not a course code: letters, digits, - and _ only")
        return value

    @staticmethod
    def outcomes(value: str) -> list[str]:
        outcomes = [part.strip() for part in value.split("|") if part.strip()]
        for outcome in outcomes:
            text(outcome, max_length=300, what="learning outcome")
        return outcomes

    def check_courses(self) -> None:
        for row in self.files[COURSES.name].rows:
            cells = self.cells(COURSES, row)
            code = cells.get("code", self.course_code)
            title = cells.get("title", _limit(200, "title"))
            programme = cells.get("programme", lambda v: parse_choice(v, PROGRAMMES, "programme"))
            level = cells.get("level", _limit(50, "level"), required=False) or ""
            hours = cells.get("duration_hours", parse_hours)
            outcomes = cells.get("learning_outcomes", self.outcomes, required=False) or []
            if code is None:
                continue
            if code in self.plan.courses:
                cells.bad("code", f"'{code}' is already on line {self.plan.courses[code].line}")
                continue
            pk = self.db_courses.get(code, (None, 0))[0]
            self.plan.courses[code] = CoursePlan(
                code=code,
                line=row.line,
                pk=pk,
                title=title or "",
                programme=programme or "",
                level=level,
                duration_hours=hours or Decimal(0),
                outcomes=outcomes,
            )

    def db_outcomes(self, course_pk: int, starts_at: datetime | None) -> tuple[int, ...]:
        """The ids of a course's learning outcomes in force at the moment, in order."""
        found = list_in_force(self.outcome_lists.get(course_pk, []), starts_at)
        return found.outcome_ids if found else ()

    def outcome_count(self, code: str, starts_at: datetime | None) -> int:
        if code in self.db_courses:  # What Coursebook holds is what ratings are matched to.
            return len(self.db_outcomes(self.db_courses[code][0], starts_at))
        return len(self.plan.courses[code].outcomes)

    # Sessions -------------------------------------------------------------------------

    def load_sessions(self) -> None:
        """The sessions already in Coursebook that the files name, in chunks."""
        refs = {row.values["ref"] for row in self.files[SESSIONS.name].rows}
        for spec in (BOOKINGS, EVALUATIONS):
            refs |= {row.values["session_ref"] for row in self.files[spec.name].rows}
        refs.discard("")
        self.db_sessions: dict[str, SessionPlan] = {}
        for chunk in _chunks(refs):
            for values in Session.objects.filter(import_ref__in=chunk).values(
                "pk", "import_ref", "course_id", "starts_at", "ends_at", "status"
            ):
                code = self.course_codes_by_pk[values["course_id"]]
                self.db_sessions[values["import_ref"]] = SessionPlan(
                    ref=values["import_ref"],
                    pk=values["pk"],
                    course=code,
                    starts_at=values["starts_at"],
                    ends_at=values["ends_at"],
                    status=values["status"],
                    outcome_count=self.outcome_count(code, values["starts_at"]),
                )

    @staticmethod
    def venue(value: str) -> str:
        """A venue's name, or an online joining link."""
        if value.startswith(("http://", "https://")):
            try:
                URLValidator()(value)
            except ValidationError:
                raise BadValue(f"'{value}' is not a web address") from None
        return text(value, max_length=200, what="venue")

    def check_sessions(self) -> None:
        courses_readable = self.readable(COURSES)
        for row in self.files[SESSIONS.name].rows:
            cells = self.cells(SESSIONS, row)
            ref = cells.get("ref", _limit(100, "ref"))
            code = cells.get("course_code")
            if code is not None and code not in self.plan.courses and code not in self.db_courses:
                if courses_readable:
                    known = list(self.plan.courses) + list(self.db_courses)
                    cells.bad(
                        "course_code", f"unknown course '{code}'{self.hint('course', code, known)}"
                    )
                code = None
            starts_at = cells.get("start", parse_moment)
            ends_at = cells.get("end", parse_moment)
            if starts_at and ends_at and ends_at <= starts_at:
                cells.bad(
                    "end",
                    f"the session ends ({row.values['end']}) before it starts "
                    f"({row.values['start']})",
                )
            venue = cells.get("venue", self.venue, required=False) or ""
            capacity = cells.get("capacity", parse_capacity)
            delivered_by = self.agency_ref(cells, "delivered_by")
            status = cells.get(
                "status", lambda v: parse_choice(v, SESSION_STATUSES, "session status")
            )
            if status == Session.Status.DELIVERED and ends_at and ends_at > self.now:
                cells.bad("status", "a session that has not ended yet cannot be delivered")
            if ref is None:
                continue
            if ref in self.plan.sessions:
                cells.bad("ref", f"'{ref}' is already on line {self.plan.sessions[ref].line}")
                continue
            existing = self.db_sessions.get(ref)
            self.plan.sessions[ref] = SessionPlan(
                ref=ref,
                line=row.line,
                pk=existing.pk if existing else None,
                course=code or "",
                starts_at=starts_at,
                ends_at=ends_at,
                venue=venue,
                capacity=capacity or 0,
                delivered_by=delivered_by or "",
                status=status or "",
                outcome_count=self.outcome_count(code, starts_at) if code else 0,
            )

    def session_ref(self, cells: _Cells) -> SessionPlan | None:
        ref = cells.get("session_ref")
        if ref is None:
            return None
        session = self.plan.sessions.get(ref)
        if session is None and ref in self.db_sessions:
            session = self.plan.sessions[ref] = self.db_sessions[ref]  # Not in the files.
        if session is None and self.readable(SESSIONS):
            hint = self.hint("session", ref, self.plan.sessions)
            cells.bad("session_ref", f"unknown session '{ref}'{hint}")
        return session

    # Bookings -------------------------------------------------------------------------

    def load_bookings(self) -> None:
        """The accounts the files name, the people among them whose data was erased, and the
        bookings and evaluations already imported on the sessions already in Coursebook.

        An imported booking is known by its `import_ref` (the session's ref and the email's
        digest), whatever became of the account since; one made in Coursebook, by its
        delegate's email."""
        emails = set()
        for spec in (BOOKINGS, EVALUATIONS):
            emails |= {row.values["email"].strip().lower() for row in self.files[spec.name].rows}
        emails.discard("")
        self.digests = {email: email_digest(email) for email in emails}
        self.erased = anonymised_email_digests(digests=self.digests.values())
        self.db_people: dict[str, int] = {}
        for chunk in _chunks(emails):
            self.db_people.update(
                User.objects.annotate(email_lower=Lower("email"))
                .filter(email_lower__in=chunk)
                .values_list("email_lower", "pk")
            )
        # Keyed by the session's ref and the email's digest.
        self.db_bookings: dict[tuple[str, str], BookingPlan] = {}
        session_refs = {session.pk: ref for ref, session in self.db_sessions.items()}
        for chunk in _chunks(session_refs):
            found = (
                Booking.objects.filter(session_id__in=chunk)
                .annotate(email_lower=Lower("delegate__email"))
                .values(
                    "pk",
                    "session_id",
                    "delegate_id",
                    "import_ref",
                    "email_lower",
                    "status",
                    "attendance",
                    "evaluated_at",
                )
            )
            for values in found:
                ref = session_refs[values["session_id"]]
                digest = (
                    values["import_ref"].removeprefix(f"{ref}:")
                    if values["import_ref"]
                    else email_digest(values["email_lower"])
                )
                key = (ref, digest)
                # A cancelled booking and a later active one: the active one is the booking.
                if key in self.db_bookings and values["status"] == Booking.Status.CANCELLED:
                    continue
                self.db_bookings[key] = BookingPlan(
                    session_ref=ref,
                    email="",  # Not read: an account's email may have changed or gone.
                    pk=values["pk"],
                    status=values["status"],
                    attendance=values["attendance"],
                    evaluated=values["evaluated_at"] is not None,
                    delegate_pk=values["delegate_id"],
                )
        booking_keys = {plan.pk: key for key, plan in self.db_bookings.items()}
        self.db_evaluated: set[tuple[str, str]] = set()
        for chunk in _chunks(booking_keys):
            for booking_id in SurveyInvitation.objects.filter(
                booking_id__in=chunk, kind=SurveyKind.END_OF_SESSION, submitted_at__isnull=False
            ).values_list("booking_id", flat=True):
                self.db_evaluated.add(booking_keys[booking_id])

    def is_erased(self, email: str) -> bool:
        return self.digests[email] in self.erased

    def db_booking(self, session_ref: str, email: str) -> BookingPlan | None:
        return self.db_bookings.get((session_ref, self.digests[email]))

    def check_bookings(self) -> None:
        plan = self.plan
        for row in self.files[BOOKINGS.name].rows:
            cells = self.cells(BOOKINGS, row)
            session = self.session_ref(cells)
            email = cells.get("email", parse_email)
            name = cells.get("name", _limit(200, "name"), required=False)
            agency = self.agency_ref(cells, "agency")
            booked_at = cells.get("booked_at", parse_moment)
            status = cells.get(
                "status", lambda v: parse_choice(v, BOOKING_STATUSES, "booking status")
            )
            cancelled_at = cells.get("cancelled_at", parse_moment, required=False)
            attendance = cells.get(
                "attendance", lambda v: parse_choice(v, ATTENDANCE, "attendance"), required=False
            )
            if status == Booking.Status.CANCELLED:
                if cancelled_at is None and not row.values["cancelled_at"]:
                    cells.bad(
                        "cancelled_at",
                        "empty: a cancelled booking needs the time it was cancelled",
                    )
                if attendance:
                    cells.bad("attendance", "a cancelled booking has no attendance")
            elif status == Booking.Status.CONFIRMED and row.values["cancelled_at"]:
                cells.bad("cancelled_at", "a confirmed booking was not cancelled: leave it empty")
            if cancelled_at and booked_at and cancelled_at < booked_at:
                cells.bad("cancelled_at", "the booking was cancelled before it was made")
            if attendance and session and session.status == Session.Status.CANCELLED:
                cells.bad("attendance", "the session was cancelled: nobody attended it")
            if session is None or email is None:
                continue
            if self.is_erased(email):
                # Their data was erased: already there, never brought back, and not named.
                plan.erased_rows += 1
                continue
            key = (session.ref, email)
            if key in plan.bookings:
                cells.bad(
                    "email",
                    f"{email} is already booked on session '{session.ref}' on line "
                    f"{plan.bookings[key].line}",
                )
                continue
            existing = self.db_booking(session.ref, email)
            plan.bookings[key] = BookingPlan(
                session_ref=session.ref,
                email=email,
                line=row.line,
                pk=existing.pk if existing else None,
                agency=agency or "",
                booked_at=booked_at,
                status=status or "",
                cancelled_at=cancelled_at,
                attendance=attendance or Booking.Attendance.UNMARKED,
                evaluated=existing.evaluated if existing else False,
            )
            person = plan.people.get(email)
            if person is None:
                person = plan.people[email] = PersonPlan(
                    email=email, pk=self.db_people.get(email), line=row.line
                )
            if person.pk is None and existing:
                # An account whose email changed since is found by its imported booking.
                person.pk = existing.delegate_pk
            # An account takes the name and organisation of the person's latest booking.
            if booked_at and (
                person.first_booked_at is None or booked_at >= person.first_booked_at
            ):
                person.name = name or person.name
                person.agency = agency or person.agency
            if booked_at and (
                person.first_booked_at is None or booked_at < person.first_booked_at
            ):
                person.first_booked_at = booked_at

        for person in plan.people.values():
            if person.pk is None and not person.name:
                plan.problems.append(
                    problem(
                        BOOKINGS.name,
                        person.line,
                        "name",
                        f"empty: {person.email} has no account in Coursebook yet, so a row "
                        "of theirs needs a name",
                    )
                )

    # Evaluations ----------------------------------------------------------------------

    def check_evaluations(self) -> None:
        plan = self.plan
        bookings_readable = self.readable(BOOKINGS)
        for row in self.files[EVALUATIONS.name].rows:
            cells = self.cells(EVALUATIONS, row)
            session = self.session_ref(cells)
            email = cells.get("email", parse_email)
            submitted_at = cells.get("submitted_at", parse_moment)
            experience = cells.get("experience", parse_rating, required=False)
            ratings = None
            if session is not None and session.course:  # The course says how many pairs.
                ratings = cells.get(
                    "outcome_ratings",
                    partial(parse_outcome_ratings, outcomes=session.outcome_count),
                    required=False,
                )
            comment = cells.get("comment", _limit(5000, "comment"), required=False) or ""
            if session and submitted_at and session.starts_at and submitted_at < session.starts_at:
                cells.bad(
                    "submitted_at", "the evaluation was submitted before the session started"
                )
            if session is None or email is None:
                continue
            key = (session.ref, email)
            if self.is_erased(email):
                plan.erased_rows += 1
                continue
            booking = plan.bookings.get(key) or self.db_booking(session.ref, email)
            if booking is None:
                if bookings_readable:
                    cells.bad("email", f"{email} has no booking on session '{session.ref}'")
                continue
            if booking.status != Booking.Status.CONFIRMED or booking.attendance not in ATTENDED:
                shown = (
                    "cancelled"
                    if booking.status == Booking.Status.CANCELLED
                    else (Booking.Attendance(booking.attendance).label.lower())
                )
                cells.bad(
                    "email",
                    f"{email} did not attend session '{session.ref}' ({shown}): only people "
                    "who attended are evaluated",
                )
            if key in plan.evaluations:
                cells.bad(
                    "email",
                    f"{email} already has an evaluation of session '{session.ref}' on line "
                    f"{plan.evaluations[key].line}",
                )
                continue
            plan.evaluations[key] = EvaluationPlan(
                session_ref=session.ref,
                email=email,
                line=row.line,
                existing=(session.ref, self.digests[email]) in self.db_evaluated
                or booking.evaluated,
                booking_pk=booking.pk,
                submitted_at=submitted_at,
                experience=experience,
                ratings=ratings or [],
                comment=comment,
            )


def history_check(*, directory: Path, progress: Callable | None = None) -> HistoryPlan:
    """Read and check every row of the five files of `directory` (any may be absent) and
    return the plan: what would be created, what is already in Coursebook, and every
    problem, in file and line order. Reads only; writes nothing."""
    plan = HistoryPlan()
    files = read_directory(directory, plan.problems)
    plan.present = [name for name, csv_file in files.items() if csv_file.present]
    plan.rows = {name: len(csv_file.rows) for name, csv_file in files.items()}
    checker = _Checker(files, plan)
    steps = [
        ("organisations", checker.load_places, checker.check_agencies, AGENCIES),
        ("courses", checker.load_courses, checker.check_courses, COURSES),
        ("sessions", checker.load_sessions, checker.check_sessions, SESSIONS),
        ("bookings", checker.load_bookings, checker.check_bookings, BOOKINGS),
        ("evaluations", None, checker.check_evaluations, EVALUATIONS),
    ]
    for number, (_, load, check, spec) in enumerate(steps):
        if progress:
            progress(f"Checking {spec.name}", number, len(steps))
        if load:
            load()
        check()
    if progress:
        progress("Checked", len(steps), len(steps))
    plan.problems.sort()
    return plan
