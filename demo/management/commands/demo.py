"""Load a realistic partnership to try Coursebook with. Running it again changes nothing."""

import random
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.utils import timezone
from django.utils.text import slugify

from accounts.models import Agency, AgencyMembership, Borough, Role, User
from accounts.services.people import role_grant
from evaluations import keys
from evaluations.models import (
    Answer,
    OutcomeRating,
    Question,
    Questionnaire,
    SurveyInvitation,
    SurveyKind,
    SurveyResponse,
)
from evaluations.schedule import STAGES, reminder_due_after
from evaluations.services.invitations import invitation_new
from training.models import Booking, Charge, Course, LearningOutcome, Session, Venue
from training.rules.prices import ATTENDED, PriceBasis, charge_due, session_is_imported
from training.services.invoices import charges_cutoff
from training.services.terms import terms_in_force
from training.working_days import is_working_day

from ... import data
from ...live import (
    charges_from,
    invoice_run_period_end,
    last_monthly_run,
    live_load,
    live_loaded_on,
    session_length,
)

LONDON = ZoneInfo("Europe/London")

DEMO_DELEGATES = 150
FIRST_NAMES = [
    "Aisha", "Amir", "Ben", "Bola", "Callum", "Chloe", "Daniel", "Deborah", "Efua", "Ellie",
    "Farah", "Fiona", "George", "Grace", "Hannah", "Harpreet", "Imran", "Isla", "James",
    "Jasmine", "Kemi", "Kieran", "Laura", "Leon", "Maria", "Mohammed", "Nadia", "Niamh",
    "Oliver", "Olu", "Priya", "Rachel", "Rosa", "Sam", "Sarah", "Tom", "Usha", "Yusuf", "Zara",
    "Zoe",
]  # fmt: skip
LAST_NAMES = [
    "Adeyemi", "Ahmed", "Begum", "Brown", "Campbell", "Clarke", "Costa", "Davies", "Evans",
    "Fernandes", "Green", "Hall", "Hussain", "Jones", "Kaur", "Khan", "Kowalski", "Lewis",
    "Martin", "Mensah", "Murphy", "Nowak", "O'Brien", "Okafor", "Patel", "Quinn", "Rahman",
    "Roberts", "Santos", "Shah", "Singh", "Smith", "Taylor", "Thomas", "Walker", "White",
    "Williams", "Wilson", "Wright", "Yilmaz",
]  # fmt: skip
JOB_TITLES = {
    "health": ["Health Visitor", "Practice Nurse", "School Nurse", "Paediatric Nurse", "GP"],
    "police": ["Detective Constable", "Police Constable", "Police Sergeant"],
    "probation": ["Probation Officer", "Probation Services Officer"],
    "childrens_services": ["Social Worker", "Family Support Worker", "Team Manager"],
    "adult_social_care": ["Social Worker", "Care Coordinator"],
    "school": ["Teacher", "Designated Safeguarding Lead", "Teaching Assistant"],
    "early_years": ["Nursery Practitioner", "Nursery Manager"],
    "further_education": ["Student Support Officer", "Lecturer"],
    "housing": ["Housing Officer", "Tenancy Support Worker"],
}
WAIVE_REASONS = [
    "Staff illness, evidence seen",
    "Session moved at short notice",
    "Agreed with the organisation's training lead",
]
# Roughly the annual report's 71.6% attendance of places booked.
ATTENDANCE_WEIGHTS = {
    Booking.Attendance.ATTENDED: 70,
    Booking.Attendance.PARTIAL: 5,
    Booking.Attendance.ABSENT: 19,
    Booking.Attendance.TURNED_AWAY: 6,
}


def year_before(day: date) -> date:
    try:
        return day.replace(year=day.year - 1)
    except ValueError:  # 29 February
        return day.replace(year=day.year - 1, day=28)


def joined_at(day: date) -> datetime:
    """The start of a London day: when a demo person joined their organisation."""
    return datetime.combine(day, time(0), tzinfo=LONDON)


def address_label(name: str, *, longest: int = 40) -> str:
    """A name as an email address's label: its words, lower case and joined by hyphens, as
    many whole words as fit in `longest` characters (never a word cut short)."""
    label = ""
    for word in slugify(name).split("-"):
        longer = f"{label}-{word}" if label else word
        if len(longer) > longest:
            break
        label = longer
    return label


def statistics_refresh() -> None:
    """After the load, as after a history import: PostgreSQL's planner statistics still
    describe the tables nearly empty, and a report planned for a handful of rows takes
    minutes on the year's thousands. Refresh them for the tables the demo fills."""
    if connection.vendor != "postgresql":
        return
    models = [User, Session, Booking, Charge, SurveyInvitation, SurveyResponse, Answer]
    tables = [model._meta.db_table for model in [*models, OutcomeRating]]
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE " + ", ".join(connection.ops.quote_name(t) for t in tables))


def history_days(today: date) -> list[date]:
    """The working days of the year before today: the demo's history, so that a report
    of the last 12 months always has a year of figures, whatever the day."""
    days = []
    day = year_before(today)
    while day < today:
        if is_working_day(day):
            days.append(day)
        day += timedelta(days=1)
    return days


class Command(BaseCommand):
    help = "Load a demo partnership: boroughs, organisations, the 2017-18 workshops, the "
    "year before today delivered, the programme from today on and one account per role."

    def add_arguments(self, parser):
        parser.add_argument(
            "--allow-production",
            action="store_true",
            help="Load the demo even with DEBUG off (it creates accounts with known passwords).",
        )

    def handle(self, *args, allow_production=False, **options):
        if not settings.DEBUG and not allow_production:
            raise CommandError(
                "The demo creates accounts with known passwords; run it with DEBUG=true, "
                "or pass --allow-production on a server nobody else can reach."
            )
        with transaction.atomic():
            created = self.load()
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo partnership ready ({created} new records). Sign in with any of these "
                f"(password: {data.DEMO_PASSWORD}):"
            )
        )
        for email, name, _title, _agency, role in data.DEMO_ACCOUNTS:
            self.stdout.write(f"  {role:<12} {email:<36} {name}")
        loaded_on = live_loaded_on()
        if loaded_on is not None and loaded_on != timezone.localdate():
            self.stdout.write(
                self.style.WARNING(
                    f"The demo was loaded on {loaded_on:%-d %B %Y}: its sessions are relative "
                    "to that day. For a demo of today, load it into an empty database "
                    "(for make run: rm var/coursebook.sqlite3)."
                )
            )

    def load(self) -> int:
        now = timezone.now()
        created = 0
        boroughs = {}
        for name, kind in data.BOROUGHS:
            boroughs[name], new = Borough.objects.get_or_create(name=name, defaults={"kind": kind})
            created += new
        agencies = {}
        for name, sector, borough, pays in data.AGENCIES:
            agencies[name], new = Agency.objects.get_or_create(
                name=name,
                defaults={
                    "sector": sector,
                    "borough": boroughs[borough],
                    "pays_for_places": pays,
                    "invoice_contact_name": "Accounts payable",
                    "invoice_contact_email": f"invoices@{address_label(name)}.example.org",
                },
            )
            created += new
        venues = []
        for name, address, borough, access in data.VENUES:
            venue, new = Venue.objects.get_or_create(
                name=name,
                defaults={
                    "address": address,
                    "borough": boroughs[borough],
                    "access_information": access,
                },
            )
            venues.append(venue)
            created += new
        accounts = {}
        # The demo's own accounts have been with their organisations two years.
        joined = joined_at(year_before(year_before(timezone.localdate(now))))
        for email, name, title, agency, role in data.DEMO_ACCOUNTS:
            user, new = User.objects.get_or_create(
                email=email,
                defaults={
                    "full_name": name,
                    "job_title": title,
                    "agency": agencies[agency],
                    "date_joined": joined,
                    "email_verified_at": joined,
                },
            )
            if new:
                user.set_password(data.DEMO_PASSWORD)
                user.save(update_fields=["password"])
                AgencyMembership.objects.create(
                    user=user, agency=user.agency, job_title=title, started_at=joined
                )
                role_grant(user=user, role="delegate")
                if role != "delegate":
                    role_grant(user=user, role=role)
                created += 1
            accounts[role] = user
        # The year behind the demo is written once, with the programme from today on.
        first_load = live_loaded_on() is None
        created += self.load_courses(agencies, venues, accounts["trainer"], now, first_load)
        people = self.load_delegates(agencies, now)
        created += self.created_delegates
        if first_load:
            created += self.load_past_bookings(
                people, accounts["delegate"], accounts["coordinator"], now
            )
        created += live_load(
            agencies=agencies, venues=venues, accounts=accounts, people=people, now=now
        )
        if created:
            statistics_refresh()
        return created

    def load_courses(self, agencies, venues, trainer, now: datetime, first_load: bool) -> int:
        """The courses and, on the first load, the year's delivered sessions: those before
        the demo's charges start came from the old system (import_ref set: their money was
        settled there, nothing about them is ever sent); the later ones are Coursebook's
        own."""
        created = 0
        rng = random.Random(2017)  # noqa: S311 - repeatable demo data, not security
        days = history_days(timezone.localdate(now))
        own_from = datetime.combine(charges_from(now), time(0), tzinfo=LONDON)
        # The year's sessions in a shuffled order, one every other working day or so: the
        # last of them a day or two ago, whatever the day the demo is loaded.
        runs_total = sum(sum(runs.values()) for *_, runs in data.COURSES)
        slots = [days[(2 * n + 1) * len(days) // (2 * runs_total)] for n in range(runs_total)]
        rng.shuffle(slots)
        for code, title, programme, level, hours, outcomes, runs in data.COURSES:
            course, new = Course.objects.get_or_create(
                code=code,
                defaults={
                    "title": title,
                    "programme": programme,
                    "level": level,
                    "duration_hours": Decimal(str(hours)),
                    "summary": data.SUMMARIES[programme],
                    "audience": "Practitioners and volunteers from every partner agency "
                    "who work with children, young people and families.",
                    "refresh_months": 36 if programme == "core" else None,
                },
            )
            created += new
            if new:
                LearningOutcome.objects.bulk_create(
                    LearningOutcome(course=course, position=i, text=text)
                    for i, text in enumerate(outcomes, start=1)
                )
            if not first_load:
                continue
            index = 0
            for agency_name, count in runs.items():
                for _ in range(count):
                    index += 1
                    day = slots.pop()
                    starts_at = datetime.combine(day, time(9, 30), tzinfo=LONDON)
                    session = Session.objects.create(
                        import_ref=f"demo-{code}-{index}" if starts_at < own_from else None,
                        course=course,
                        starts_at=starts_at,
                        ends_at=starts_at + session_length(hours),
                        venue=rng.choice(venues),
                        capacity=25 if programme == "core" else 18,
                        delivering_agency=agencies[agency_name],
                        booking_opens_at=starts_at - timedelta(days=90),
                        created_at=starts_at - timedelta(days=100),
                        status=Session.Status.DELIVERED,
                    )
                    created += 1
                    if agency_name == "LSCB Trainer":
                        session.trainers.add(trainer)
        return created

    def load_delegates(self, agencies, now: datetime) -> list[User]:
        """The demo's delegates: people from the organisations that send staff to training,
        who cannot sign in (no password), with them since before the year behind the demo
        (a few months to three years before it): before any of their bookings."""
        rng = random.Random(1989)  # noqa: S311 - repeatable demo data, not security
        joining = random.Random(1990)  # noqa: S311 - repeatable demo data, not security
        year_ago = year_before(timezone.localdate(now))
        trainer_agencies = {name for *_, runs in data.COURSES for name in runs}
        employers = [a for name, a in agencies.items() if name not in trainer_agencies]
        people = []
        for n in range(1, DEMO_DELEGATES + 1):
            first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
            agency = rng.choice(employers)
            slug = f"{first}.{last}".lower().replace("'", "")
            joined = joined_at(year_ago - timedelta(days=joining.randint(90, 1100)))
            person = User(
                email=f"{slug}.{n}@demo.coursebook.test",
                full_name=f"{first} {last}",
                job_title=rng.choice(JOB_TITLES.get(agency.sector, ["Volunteer", "Manager"])),
                agency=agency,
                date_joined=joined,
                email_verified_at=joined,
            )
            person.set_unusable_password()
            people.append(person)
        emails = [p.email for p in people]
        existing = set(User.objects.filter(email__in=emails).values_list("email", flat=True))
        new = User.objects.bulk_create(p for p in people if p.email not in existing)
        if new:
            AgencyMembership.objects.bulk_create(
                AgencyMembership(
                    user=p, agency=p.agency, job_title=p.job_title, started_at=p.date_joined
                )
                for p in new
            )
            delegate_group = Group.objects.get_or_create(name=Role.DELEGATE)[0]
            User.groups.through.objects.bulk_create(
                User.groups.through(user_id=p.pk, group_id=delegate_group.pk) for p in new
            )
        self.created_delegates = len(new)
        return list(User.objects.filter(email__in=emails).select_related("agency").order_by("pk"))

    def load_past_bookings(self, people, demo_delegate, coordinator, now: datetime) -> int:
        """Registers for the demo's delivered sessions, written directly (not through the
        booking services): places nearly full, about a quarter of them not attended, the
        registers closed and, on Coursebook's own sessions (from the first day of the
        month the last monthly run invoiced), the charges charge_due calls for raised as
        closing the register raises them, without telling anyone."""
        sessions = list(
            Session.objects.filter(
                status=Session.Status.DELIVERED, bookings__isnull=True, starts_at__lt=now
            )
            .select_related("course")
            .prefetch_related("trainers")
            .order_by("starts_at", "pk")
        )
        if not sessions:
            return 0
        rng = random.Random(716)  # noqa: S311 - repeatable demo data, not security
        terms = terms_in_force(sessions[0].starts_at)
        kinds, weights = list(ATTENDANCE_WEIGHTS), list(ATTENDANCE_WEIGHTS.values())
        bookings = []
        for session in sessions:
            trainer = next(iter(session.trainers.all()), None)
            session.register_closed_at = session.ends_at + timedelta(minutes=10)
            session.register_closed_by = trainer
            booked = round((session.capacity - 1) * rng.uniform(0.85, 1.0))
            for person in rng.sample(people, booked):
                bookings.append(
                    Booking(
                        session=session,
                        delegate=person,
                        agency=person.agency,
                        terms=terms,
                        **PriceBasis.now(
                            course=session.course, agency=person.agency
                        ).booking_fields(),
                        status=Booking.Status.CONFIRMED,
                        booked_at=session.starts_at - timedelta(days=rng.randint(3, 80)),
                        booked_by=person,
                        attendance=rng.choices(kinds, weights)[0],
                        attendance_marked_at=session.starts_at + timedelta(minutes=20),
                        attendance_marked_by=trainer,
                    )
                )
        for booking in bookings:
            self.vary_past_booking(booking, rng)
        bookings += self.demo_walk_ins(sessions, people, bookings, terms, rng)
        for booking in bookings:
            # About two in three of those who came answered the evaluation the next day.
            evaluated = booking.session.ends_at + timedelta(days=1)
            if booking.attendance in ATTENDED and rng.random() < 0.68 and evaluated <= now:
                booking.evaluated_at = evaluated
        own = [session for session in sessions if not session_is_imported(session)]
        bookings += self.demo_delegate_bookings(own, demo_delegate, terms, now)
        Session.objects.bulk_update(sessions, ["register_closed_at", "register_closed_by"])
        Booking.objects.bulk_create(bookings)
        evaluations = self.load_past_evaluations(bookings, rng, now)
        charges = []
        for booking in bookings:
            due = charge_due(booking)  # nothing for the sessions from the old system
            if due:
                charges.append(
                    Charge(
                        booking=booking,
                        agency=booking.agency,
                        kind=due[0],
                        amount_pence=due[1],
                        raised_at=booking.session.register_closed_at,
                    )
                )
        # A few waived by the coordinators, as the partnership does for illness or a
        # session moved at short notice: days later, and before the monthly run took them.
        ran_at = last_monthly_run(now)
        invoiced_before = charges_cutoff(invoice_run_period_end(now))
        for charge in charges:
            if rng.random() < 0.08:
                waived_at = charge.raised_at + timedelta(days=3)
                invoiced = charge.raised_at < invoiced_before
                if waived_at > now or (invoiced and waived_at > ran_at):
                    continue
                charge.status = Charge.Status.WAIVED
                charge.waived_at = waived_at
                charge.waived_by = coordinator
                charge.waive_reason = rng.choice(WAIVE_REASONS)
        Charge.objects.bulk_create(charges)
        return len(bookings) + len(charges) + evaluations

    @staticmethod
    def vary_past_booking(booking: Booking, rng: random.Random) -> None:
        """Some of the places were cancelled, a few of them late; some named a manager."""
        start = booking.session.starts_at
        roll = rng.random()
        if roll < 0.08:
            late = roll < 0.04  # half of them inside the notice period
            booking.status = Booking.Status.CANCELLED
            booking.cancelled_at = start - timedelta(days=1 if late else 12)
            booking.cancelled_by = booking.delegate
            booking.cancelled_late = late
            booking.booked_at = min(booking.booked_at, booking.cancelled_at - timedelta(days=2))
            booking.attendance = Booking.Attendance.UNMARKED
            booking.attendance_marked_at = None
            booking.attendance_marked_by = None
        if rng.random() < 0.25:
            booking.line_manager_email = f"manager{rng.randint(1, 40)}@demo.coursebook.test"
            booking.line_manager_may_be_asked = True

    @staticmethod
    def demo_walk_ins(sessions, people, bookings, terms, rng: random.Random) -> list[Booking]:
        """About one session in four had someone come without a booking."""
        booked = {(b.session_id, b.delegate_id) for b in bookings}
        walk_ins = []
        for session in sessions:
            if rng.random() >= 0.25:
                continue
            person = rng.choice(people)
            if (session.pk, person.pk) in booked:
                continue
            walk_ins.append(
                Booking(
                    session=session,
                    delegate=person,
                    agency=person.agency,
                    terms=terms,
                    **PriceBasis.now(course=session.course, agency=person.agency).booking_fields(),
                    status=Booking.Status.CONFIRMED,
                    is_walk_in=True,
                    booked_at=session.starts_at + timedelta(minutes=5),
                    booked_by=session.register_closed_by,
                    attendance=Booking.Attendance.ATTENDED,
                    attendance_marked_at=session.starts_at + timedelta(minutes=5),
                    attendance_marked_by=session.register_closed_by,
                )
            )
        return walk_ins

    def load_past_evaluations(
        self, bookings: list[Booking], rng: random.Random, now: datetime
    ) -> int:
        """Evaluations of the delivered sessions: "now" ratings mostly a step or two above
        the "before" ones, and, for sessions more than the follow-up delay ago, the
        follow-up survey answered by about a third. On the sessions from the old system
        they are imported (never mailed); on Coursebook's own, everyone there was invited
        and reminded as the schedule says (see past_invitation)."""
        current = {
            kind: Questionnaire.objects.filter(kind=kind).first() for kind in SurveyKind.values
        }
        if None in current.values():
            return 0
        questions = {
            question.key: question
            for question in Question.objects.filter(questionnaire__in=current.values())
        }
        outcomes: dict[int, list[int]] = {}
        for course_id, pk in LearningOutcome.objects.order_by("position").values_list(
            "course_id", "pk"
        ):
            outcomes.setdefault(course_id, []).append(pk)
        follow_up_days = timedelta(days=settings.COURSEBOOK_FOLLOW_UP_DAYS)
        invitations = []

        def invite(booking, kind, *, opens_at, submitted_at, closes_at=None, to=""):
            if submitted_at is not None and submitted_at > now:
                submitted_at = None
            invitations.append(
                self.past_invitation(
                    booking,
                    kind=kind,
                    questionnaire=current[kind],
                    opens_at=opens_at,
                    closes_at=closes_at,
                    submitted_at=submitted_at,
                    recipient_email=to,
                    now=now,
                )
            )

        for booking in bookings:
            session = booking.session
            there = booking.status == Booking.Status.CONFIRMED and booking.attendance in ATTENDED
            if session_is_imported(session):
                if booking.evaluated_at is not None:
                    invite(
                        booking,
                        SurveyKind.END_OF_SESSION,
                        opens_at=session.ends_at,
                        submitted_at=booking.evaluated_at,
                    )
            elif there:  # invited when the register closed
                invite(
                    booking,
                    SurveyKind.END_OF_SESSION,
                    opens_at=session.register_closed_at,
                    submitted_at=booking.evaluated_at,
                    to=booking.delegate.email,
                )
            if there and session.ends_at < now - follow_up_days and rng.random() < 0.6:
                invited = session.ends_at + follow_up_days
                if booking.line_manager_email:
                    invite(
                        booking,
                        SurveyKind.MANAGER,
                        opens_at=invited,
                        submitted_at=invited + timedelta(days=5) if rng.random() < 0.45 else None,
                        to=booking.line_manager_email,
                    )
                invite(
                    booking,
                    SurveyKind.FOLLOW_UP,
                    opens_at=invited,
                    submitted_at=invited + timedelta(days=3) if rng.random() < 0.35 else None,
                    to=booking.delegate.email,
                )
            if there and rng.random() < 0.15:
                # Rated themselves before coming, from the 7-day reminder.
                before = session.starts_at - timedelta(days=6)
                invite(
                    booking,
                    SurveyKind.PRE_COURSE,
                    opens_at=before,
                    closes_at=session.starts_at,
                    submitted_at=before + timedelta(hours=2),
                    to=booking.delegate.email,
                )
        SurveyInvitation.objects.bulk_create(invitations)
        responses = [
            SurveyResponse(
                invitation=invitation,
                started_at=invitation.submitted_at,
                updated_at=invitation.submitted_at,
                submitted_at=invitation.submitted_at,
                page_reached=3 if invitation.kind == SurveyKind.END_OF_SESSION else 1,
            )
            for invitation in invitations
            if invitation.submitted_at is not None
        ]
        SurveyResponse.objects.bulk_create(responses)
        answers, ratings = [], []
        for response in responses:
            invitation = response.invitation
            if invitation.kind == SurveyKind.END_OF_SESSION:
                for key in (keys.EXPERIENCE, keys.TRAINER_KNOWLEDGE, keys.MATERIALS, keys.VENUE):
                    rating = rng.choices([1, 2, 3, 4], [2, 8, 45, 45])[0]
                    answers.append(
                        Answer(response=response, question=questions[key], rating=rating)
                    )
                answers.append(
                    Answer(
                        response=response,
                        question=questions[keys.OBJECTIVES_MET],
                        choice=rng.choices(["fully", "partly", "not_met"], [80, 18, 2])[0],
                    )
                )
                for outcome in outcomes.get(invitation.booking.session.course_id, []):
                    before = rng.choices([1, 2, 3, 4], [15, 45, 35, 5])[0]
                    after = min(4, max(1, before + rng.choices([-1, 0, 1, 2], [5, 25, 50, 20])[0]))
                    ratings.append(
                        OutcomeRating(
                            response=response, outcome_id=outcome, before=before, after=after
                        )
                    )
            elif invitation.kind == SurveyKind.PRE_COURSE:
                for outcome in outcomes.get(invitation.booking.session.course_id, []):
                    ratings.append(
                        OutcomeRating(
                            response=response,
                            outcome_id=outcome,
                            pre=rng.choices([1, 2, 3, 4], [20, 45, 30, 5])[0],
                        )
                    )
            elif invitation.kind == SurveyKind.MANAGER:
                answers.append(
                    Answer(
                        response=response,
                        question=questions[keys.SEEN_CHANGE],
                        choice=rng.choices(["yes", "partly", "no", "unsure"], [45, 30, 10, 15])[0],
                    )
                )
            else:
                answers.append(
                    Answer(
                        response=response,
                        question=questions[keys.USED_LEARNING],
                        choice=rng.choices(["yes", "partly", "not_yet"], [55, 30, 15])[0],
                    )
                )
                answers.append(
                    Answer(
                        response=response,
                        question=questions[keys.CONFIDENCE],
                        rating=rng.choices([2, 3, 4], [15, 55, 30])[0],
                    )
                )
        Answer.objects.bulk_create(answers)
        OutcomeRating.objects.bulk_create(ratings)
        return len(invitations) + len(responses) + len(answers) + len(ratings)

    @staticmethod
    def past_invitation(
        booking: Booking,
        *,
        kind: str,
        questionnaire: Questionnaire,
        opens_at: datetime,
        closes_at: datetime | None,
        submitted_at: datetime | None,
        recipient_email: str,
        now: datetime,
    ) -> SurveyInvitation:
        """A survey invitation as it stands now. On a session from the old system it is
        imported: never mailed, and no link opens it. On Coursebook's own, it has its link
        and, for the surveys that are mailed, was sent when it opened and reminded when the
        schedule says, until answered or closed: so the sweeps find nothing due."""
        invitation = invitation_new(
            booking_id=booking.pk,
            kind=kind,
            questionnaire_id=questionnaire.pk,
            recipient_email=recipient_email,
            opens_at=opens_at,
            now=opens_at,
        )
        invitation.booking = booking
        invitation.closes_at = closes_at or invitation.closes_at
        invitation.submitted_at = submitted_at
        if session_is_imported(booking.session):
            invitation.is_imported = True
            invitation.link_nonce = ""
            return invitation
        if kind == SurveyKind.PRE_COURSE:  # asked for on the booking page, never mailed
            return invitation
        invitation.sent_at = opens_at
        for stage in STAGES[1:]:
            due = opens_at + reminder_due_after(kind, stage)
            answered = submitted_at is not None and submitted_at <= due
            if due > now or due >= invitation.closes_at or answered:
                break
            setattr(invitation, stage, due)
        return invitation

    def demo_delegate_bookings(self, sessions, delegate, terms, now: datetime) -> list[Booking]:
        """The demo delegate (a practice nurse) attended the latest delivered Level 3
        session and the latest of another course, and filled in the evaluation of the
        first: its certificate downloads, the other's evaluation is open. The latest
        session of a third course, on another day, they missed: a no-show, charged. All
        three are Coursebook's own sessions (the sessions given)."""
        if Booking.objects.filter(delegate=delegate).exists():
            return []
        latest = sorted(sessions, key=lambda s: (s.course.level == "Level 3", s.starts_at))
        chosen = latest[-1:]
        for _ in range(2):
            chosen += [
                s
                for s in reversed(sessions)
                if all(
                    s.course_id != c.course_id and s.starts_at.date() != c.starts_at.date()
                    for c in chosen
                )
            ][:1]
        marks = [
            Booking.Attendance.ATTENDED,
            Booking.Attendance.ATTENDED,
            Booking.Attendance.ABSENT,
        ]
        return [
            Booking(
                session=session,
                delegate=delegate,
                agency=delegate.agency,
                terms=terms,
                **PriceBasis.now(course=session.course, agency=delegate.agency).booking_fields(),
                status=Booking.Status.CONFIRMED,
                booked_at=session.starts_at - timedelta(days=30),
                booked_by=delegate,
                attendance=mark,
                attendance_marked_at=session.starts_at + timedelta(minutes=20),
                attendance_marked_by=session.register_closed_by,
                evaluated_at=(
                    min(session.ends_at + timedelta(days=1), now - timedelta(hours=1))
                    if n == 0
                    else None
                ),
            )
            for n, (session, mark) in enumerate(zip(chosen, marks, strict=False))
        ]
