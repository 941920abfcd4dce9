"""The all-or-nothing history import: a checked plan written in one transaction, in bulk.

Imported records carry `import_ref` (a session's `ref`; for a booking, the session's ref and
the keyed digest of the email, `accounts.digests.booking_import_ref`, so that no email is
kept there), so they are recognised when the same files are imported again, and skipped by
everything that sends messages or raises charges: an import raises no charge, queues no
message and sends no evaluation invitation. Evaluations are written as submitted, imported
invitations that were never mailed and whose token nobody holds.
"""

import hashlib
import secrets
from bisect import bisect_right
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path

from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group
from django.db import IntegrityError, OperationalError, connection, transaction
from django.utils import timezone

from accounts.digests import booking_import_ref
from accounts.models import Agency, AgencyMembership, Borough, Role, User
from audit.services import audit_record
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
from training.models import Booking, Course, LearningOutcome, Session, Terms, Venue
from training.rules.cancellation import free_cancellation_deadline
from training.rules.outcomes import list_in_force
from training.rules.prices import PriceBasis
from training.selectors.outcomes import outcome_lists_by_course

from ..errors import HistoryImportError, HistoryProblems
from ..models import ImportJob
from .bulk import ids_take, rows_insert
from .checking import ATTENDED, LOOKUP_CHUNK, HistoryPlan, history_check
from .reading import FILE_NAMES

BATCH_SIZE = 2000
SESSION_COLUMNS = (
    "id",
    "course_id",
    "starts_at",
    "ends_at",
    "venue_id",
    "online_url",
    "capacity",
    "delivering_agency_id",
    "status",
    "register_closed_at",
    "import_ref",
    "created_at",
)
BOOKING_COLUMNS = (
    "id",
    "session_id",
    "delegate_id",
    "agency_id",
    "terms_id",
    "status",
    "booked_at",
    "cancelled_at",
    "cancelled_late",
    "is_walk_in",
    "attendance",
    "attendance_marked_at",
    "evaluated_at",
    "import_ref",
    "priced_half_day",
    "priced_agency_pays",
    "priced_course_fee_pence",
)
INVITATION_COLUMNS = (
    "id",
    "booking_id",
    "kind",
    "questionnaire_id",
    "token_hash",
    "recipient_email",
    "created_at",
    "opens_at",
    "closes_at",
    "submitted_at",
    "is_imported",
)
RESPONSE_COLUMNS = (
    "id",
    "invitation_id",
    "started_at",
    "updated_at",
    "submitted_at",
    "page_reached",
)
ANSWER_COLUMNS = ("response_id", "question_id", "rating", "text")
RATING_COLUMNS = ("response_id", "outcome_id", "before", "after")
# How long an imported invitation is shown as having been open, as the native ones are.
EVALUATION_OPEN_DAYS = 30

Progress = Callable[[str, int, int], None]


def plan_summary(plan: HistoryPlan) -> dict:
    """The plan as plain data: per file what is new and already there, and the years."""
    return {
        "files": plan.present,
        "rows": plan.rows,
        "counts": plan.counts(),
        "years": [vars(year) for year in plan.financial_years()],
        "venues_created": plan.venues_created,
        "erased_rows": plan.erased_rows,
        "nothing_new": plan.nothing_new(),
    }


class _Writer:
    def __init__(self, plan: HistoryPlan, *, progress: Progress | None, batch_size: int):
        self.plan, self.progress, self.batch_size = plan, progress, batch_size
        self.now = timezone.now()

    def tell(self, stage: str, done: int, total: int) -> None:
        if self.progress:
            self.progress(stage, done, total)

    def places(self) -> None:
        plan = self.plan
        Borough.objects.bulk_create(
            [Borough(name=name, kind=kind) for name, kind in plan.boroughs.items()]
        )
        boroughs = dict(Borough.objects.values_list("name", "pk"))
        new = [
            Agency(
                name=agency.name,
                sector=agency.sector,
                borough_id=boroughs[agency.borough],
                pays_for_places=agency.pays,
                invoice_contact_email=agency.invoice_email,
                created_at=self.now,
            )
            for agency in plan.agencies.values()
            if agency.pk is None
        ]
        Agency.objects.bulk_create(new)
        self.agency_pks = {}
        self.agency_boroughs = {}
        self.agencies_by_pk: dict[int, Agency] = {}
        for agency in Agency.objects.only("pk", "name", "borough_id", "pays_for_places"):
            self.agency_pks[agency.name] = agency.pk
            self.agency_boroughs[agency.pk] = agency.borough_id
            self.agencies_by_pk[agency.pk] = agency

    def courses(self) -> None:
        new = [plan for plan in self.plan.courses.values() if plan.pk is None]
        created = Course.objects.bulk_create(
            [
                Course(
                    code=plan.code,
                    title=plan.title,
                    programme=plan.programme,
                    level=plan.level,
                    duration_hours=plan.duration_hours,
                )
                for plan in new
            ]
        )
        LearningOutcome.objects.bulk_create(
            [
                LearningOutcome(course_id=course.pk, position=position, text=outcome)
                for course, plan in zip(created, new, strict=True)
                for position, outcome in enumerate(plan.outcomes, start=1)
            ]
        )
        self.courses_by_pk = {
            course.pk: course
            for course in Course.objects.only("pk", "code", "duration_hours", "fee_pence")
        }
        self.course_pks = {course.code: pk for pk, course in self.courses_by_pk.items()}
        self.outcome_lists = outcome_lists_by_course()

    def sessions(self) -> None:
        new = [plan for plan in self.plan.sessions.values() if plan.pk is None and plan.line]
        venues = {name.lower(): pk for name, pk in Venue.objects.values_list("name", "pk")}
        new_venues: dict[str, Venue] = {}
        for plan in new:
            name = plan.venue
            online = name.startswith(("http://", "https://"))
            if name and not online and name.lower() not in venues | new_venues.keys():
                # The old system knew a venue by its name only: its address is for a
                # coordinator to add, and its borough is the delivering agency's.
                borough = self.agency_boroughs[self.agency_pks[plan.delivered_by]]
                new_venues[name.lower()] = Venue(name=name, address="", borough_id=borough)
        for venue in Venue.objects.bulk_create(new_venues.values()):
            venues[venue.name.lower()] = venue.pk
        self.plan.venues_created = len(new_venues)
        ids = ids_take(Session, len(new))
        rows = (
            (
                pk,
                self.course_pks[plan.course],
                plan.starts_at,
                plan.ends_at,
                venues.get(plan.venue.lower()) if plan.venue else None,
                plan.venue if plan.venue.startswith(("http://", "https://")) else "",
                plan.capacity,
                self.agency_pks[plan.delivered_by],
                plan.status,
                plan.ends_at if plan.status == Session.Status.DELIVERED else None,
                plan.ref,
                self.now,
            )
            for pk, plan in zip(ids, new, strict=True)
        )
        rows_insert(
            Session,
            SESSION_COLUMNS,
            rows,
            batch_size=self.batch_size,
            on_batch=lambda done: self.tell("Writing sessions", done, len(new)),
        )
        self.session_rows = {
            plan.ref: {
                "pk": pk,
                "course_id": self.course_pks[plan.course],
                "starts_at": plan.starts_at,
                "ends_at": plan.ends_at,
            }
            for pk, plan in zip(ids, new, strict=True)
        }
        # Those already in Coursebook, as they are there.
        existing = [plan.ref for plan in self.plan.sessions.values() if plan.pk is not None]
        for start in range(0, len(existing), LOOKUP_CHUNK):
            for values in Session.objects.filter(
                import_ref__in=existing[start : start + LOOKUP_CHUNK]
            ).values("pk", "import_ref", "course_id", "starts_at", "ends_at"):
                self.session_rows[values["import_ref"]] = values

    def people(self) -> None:
        new = [person for person in self.plan.people.values() if person.pk is None]
        ids = ids_take(User, len(new))
        # No usable password: the person claims the account with a password reset.
        rows = (
            (
                pk,
                person.email,
                person.name,
                self.agency_pks[person.agency],
                make_password(None),
                self.now,
            )
            for pk, person in zip(ids, new, strict=True)
        )
        rows_insert(
            User,
            ("id", "email", "full_name", "agency_id", "password", "date_joined"),
            rows,
            batch_size=self.batch_size,
            on_batch=lambda done: self.tell("Creating accounts", done, len(new)),
        )
        rows_insert(
            AgencyMembership,
            ("user_id", "agency_id", "started_at"),
            (
                (pk, self.agency_pks[person.agency], person.first_booked_at)
                for pk, person in zip(ids, new, strict=True)
            ),
            batch_size=self.batch_size,
        )
        delegate = Group.objects.get_or_create(name=Role.DELEGATE)[0]
        rows_insert(
            User.groups.through,
            ("user_id", "group_id"),
            ((pk, delegate.pk) for pk in ids),
            batch_size=self.batch_size,
        )
        self.person_pks = {person.email: person.pk for person in self.plan.people.values()}
        self.person_pks.update({person.email: pk for pk, person in zip(ids, new, strict=True)})

    def terms(self) -> None:
        rows = list(Terms.objects.order_by("effective_from"))
        if not rows:  # A new partnership's bookings are judged by the default terms.
            moments = [b.booked_at for b in self.plan.bookings.values() if b.pk is None]
            rows = [Terms.objects.create(effective_from=min(moments, default=self.now))]
        self.terms_rows = rows
        self.terms_from = [terms.effective_from for terms in rows]

    def terms_at(self, moment: datetime) -> Terms:
        index = bisect_right(self.terms_from, moment) - 1
        return self.terms_rows[max(index, 0)]

    def bookings(self) -> None:
        plan = self.plan
        new = [booking for booking in plan.bookings.values() if booking.pk is None]
        ids = ids_take(Booking, len(new))
        deadlines: dict[tuple[str, int], datetime] = {}

        def row(pk: int, booking) -> tuple:
            session = self.session_rows[booking.session_ref]
            terms = self.terms_at(booking.booked_at)
            late = False
            if booking.status == Booking.Status.CANCELLED:
                key = (booking.session_ref, terms.pk)
                if key not in deadlines:
                    deadlines[key] = free_cancellation_deadline(
                        session=Session(starts_at=session["starts_at"]), terms=terms
                    )
                late = booking.cancelled_at >= deadlines[key]
            evaluation = plan.evaluations.get((booking.session_ref, booking.email))
            marked = booking.attendance != Booking.Attendance.UNMARKED
            # Priced as a native booking made then would be (imported ones raise no charge).
            price = PriceBasis.now(
                course=self.courses_by_pk[session["course_id"]],
                agency=self.agencies_by_pk[self.agency_pks[booking.agency]],
            )
            walk_in = booking.attendance in ATTENDED and booking.booked_at >= session["starts_at"]
            return (
                pk,
                session["pk"],
                self.person_pks[booking.email],
                self.agency_pks[booking.agency],
                terms.pk,
                booking.status,
                booking.booked_at,
                booking.cancelled_at,
                late,
                walk_in,
                booking.attendance,
                session["ends_at"] if marked else None,
                evaluation.submitted_at if evaluation and not evaluation.existing else None,
                booking_import_ref(session_ref=booking.session_ref, email=booking.email),
                price.half_day,
                price.agency_pays,
                price.course_fee_pence,
            )

        rows_insert(
            Booking,
            BOOKING_COLUMNS,
            map(row, ids, new),
            batch_size=self.batch_size,
            on_batch=lambda done: self.tell("Writing bookings", done, len(new)),
        )
        self.booking_pks = {
            (booking.session_ref, booking.email): pk for pk, booking in zip(ids, new, strict=True)
        }
        # Bookings imported before, evaluated in this import.
        evaluated = [
            Booking(pk=evaluation.booking_pk, evaluated_at=evaluation.submitted_at)
            for evaluation in plan.evaluations.values()
            if evaluation.booking_pk is not None and not evaluation.existing
        ]
        Booking.objects.bulk_update(evaluated, ["evaluated_at"], batch_size=self.batch_size)

    def evaluations(self) -> None:
        plan = self.plan
        new = [evaluation for evaluation in plan.evaluations.values() if not evaluation.existing]
        if not new:
            return
        questionnaire = (
            Questionnaire.objects.filter(kind=SurveyKind.END_OF_SESSION)
            .order_by("-version")
            .first()
        )
        questions = dict(
            Question.objects.filter(
                questionnaire=questionnaire, key__in=[keys.EXPERIENCE, keys.COMMENTS]
            ).values_list("key", "pk")
        )
        if questionnaire is None or keys.EXPERIENCE not in questions:
            raise HistoryImportError(
                "The end-of-session questionnaire has no overall rating question to import "
                "the evaluations into"
            )
        experience, comments = questions[keys.EXPERIENCE], questions.get(keys.COMMENTS)
        invitation_ids = ids_take(SurveyInvitation, len(new))
        response_ids = ids_take(SurveyResponse, len(new))
        invitations, responses, answers, ratings = [], [], [], []
        for invitation_id, response_id, evaluation in zip(
            invitation_ids, response_ids, new, strict=True
        ):
            session = self.session_rows[evaluation.session_ref]
            submitted = evaluation.submitted_at
            invitations.append(
                (
                    invitation_id,
                    evaluation.booking_pk
                    or self.booking_pks[(evaluation.session_ref, evaluation.email)],
                    SurveyKind.END_OF_SESSION,
                    questionnaire.pk,
                    # Random, and its token thrown away: an imported link opens nothing.
                    hashlib.sha256(secrets.token_bytes(32)).hexdigest(),
                    evaluation.email,
                    session["ends_at"],
                    session["ends_at"],
                    max(session["ends_at"] + timedelta(days=EVALUATION_OPEN_DAYS), submitted),
                    submitted,
                    True,
                )
            )
            responses.append((response_id, invitation_id, submitted, submitted, submitted, 3))
            if evaluation.experience is not None:
                answers.append((response_id, experience, evaluation.experience, ""))
            if evaluation.comment and comments:
                answers.append((response_id, comments, None, evaluation.comment))
            # Rated in the order of the list in force when the session started.
            in_force = list_in_force(
                self.outcome_lists.get(session["course_id"], []), session["starts_at"]
            )
            outcome_pks = in_force.outcome_ids if in_force else ()
            for outcome_pk, (before, after) in zip(outcome_pks, evaluation.ratings, strict=False):
                if before is not None or after is not None:
                    ratings.append((response_id, outcome_pk, before, after))
        total = len(invitations) + len(responses) + len(answers) + len(ratings)
        done = 0
        for model, columns, rows in (
            (SurveyInvitation, INVITATION_COLUMNS, invitations),
            (SurveyResponse, RESPONSE_COLUMNS, responses),
            (Answer, ANSWER_COLUMNS, answers),
            (OutcomeRating, RATING_COLUMNS, ratings),
        ):
            rows_insert(
                model,
                columns,
                rows,
                batch_size=self.batch_size,
                on_batch=lambda written, before=done: self.tell(
                    "Writing evaluations", before + written, total
                ),
            )
            done += len(rows)


# Imports take turns: the second sees what the first wrote and skips it.
IMPORT_LOCK_KEY = 7_301_911  # Any constant of Coursebook's own; pg_advisory_xact_lock's key.
IMPORT_LOCK_TIMEOUT = "600s"


def _imports_lock() -> None:
    """One import at a time, held to the end of the transaction. SQLite's transactions
    take the database's write lock when they begin, which does the same there."""
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL lock_timeout = %s", [IMPORT_LOCK_TIMEOUT])
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [IMPORT_LOCK_KEY])


def _checked(plan: HistoryPlan) -> HistoryPlan:
    if not plan.present:
        raise HistoryImportError(f"None of {', '.join(FILE_NAMES)} is there: nothing to import")
    if not plan.ok:
        raise HistoryProblems(plan.problems)
    return plan


def _statistics_refresh() -> None:
    """After a large import, PostgreSQL's planner statistics still describe the tables as
    they were; a report run at once would plan its joins for a handful of rows. Refresh
    them for the tables the import fills (autovacuum would, later)."""
    if connection.vendor != "postgresql":
        return
    tables = [
        model._meta.db_table
        for model in (User, Session, Booking, SurveyInvitation, SurveyResponse, Answer)
    ] + [OutcomeRating._meta.db_table]
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE " + ", ".join(connection.ops.quote_name(t) for t in tables))


def history_import(
    *,
    directory: Path,
    actor: User | None = None,
    dry_run: bool = False,
    job: ImportJob | None = None,
    progress: Progress | None = None,
    batch_size: int = BATCH_SIZE,
) -> HistoryPlan:
    """Import the history in `directory`, all or nothing.

    Every row of every file is checked first; any problem raises HistoryProblems with all
    of them and nothing is written. A valid history is written in one transaction, in
    batches, with one audit entry; records already in Coursebook (the same session ref,
    the same session and email) are left as they are, so importing twice creates nothing
    the second time. A dry run checks and returns the plan without writing. The command's
    imports are recorded as an ImportJob too, so the coordinators' page lists every import.
    """
    if dry_run:
        return _checked(history_check(directory=directory, progress=progress))
    try:
        with transaction.atomic():
            _imports_lock()
            plan = _checked(history_check(directory=directory, progress=progress))
            if plan.nothing_new():
                return plan
            writer = _Writer(plan, progress=progress, batch_size=batch_size)
            writer.places()
            writer.courses()
            writer.sessions()
            writer.people()
            writer.terms()
            writer.bookings()
            writer.evaluations()
            transaction.on_commit(_statistics_refresh)
            summary = plan_summary(plan)
            if job is None:
                job = ImportJob.objects.create(
                    source=ImportJob.Source.COMMAND,
                    status=ImportJob.Status.DONE,
                    created_by=actor,
                    checked_at=writer.now,
                    confirmed_by=actor,
                    confirmed_at=writer.now,
                    finished_at=timezone.now(),
                    summary=summary,
                )
            counts = summary["counts"]
            audit_record(
                actor=actor,
                action="history_imported",
                obj=job,
                summary=", ".join(
                    f"{counts[name]['new']} {name.removesuffix('.csv')}"
                    for name in counts
                    if counts[name]["new"]
                ),
                data=summary,
            )
    except IntegrityError as error:
        # Someone else wrote one of the same records meanwhile (a coordinator adding an
        # organisation or a course by hand as the import wrote it).
        raise HistoryImportError(
            "Another change wrote some of the same records at the same time: nothing was "
            "imported. Run the import again."
        ) from error
    except OperationalError as error:
        if connection.vendor == "postgresql" and getattr(error.__cause__, "sqlstate", "") in (
            "55P03",  # lock_not_available: the lock's timeout ran out
        ):
            raise HistoryImportError(
                "Another import is still running: try again when it has finished"
            ) from error
        raise
    return plan
