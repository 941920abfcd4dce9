"""Who may reach every page: one entry per URL pattern of the project, found from the URL
resolver, so a new page without an entry fails the suite with its name.

Each pattern is requested with GET and with POST (empty data) as each of seven people:
anonymous, the delegate who owns the objects, another delegate of the same organisation,
the trainer of the session, the trainer of another session, a coordinator and a reviewer.
Refused means 403 or 404 (405 for a method the page does not take, 410 for a closed
survey link), never the data.
"""

from dataclasses import dataclass
from datetime import timedelta

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from accounts.models import OrganisationChange, OrganisationRequest, Role
from evaluations.models import SurveyKind
from evaluations.services.invitations import invitation_for_delegate
from evaluations.tokens import link_token
from imports.models import ImportJob
from reports.models import ReportJob
from tests.factories import (
    AgencyFactory,
    BookingFactory,
    BoroughFactory,
    CourseFactory,
    SessionFactory,
    UserFactory,
)
from training.models import Booking, Certificate, Invoice, InvoiceRun

pytestmark = pytest.mark.django_db

PEOPLE = [
    "anonymous",
    "owner",
    "other_delegate",
    "trainer",
    "other_trainer",
    "coordinator",
    "reviewer",
]
OK, LOGIN, REFUSED = "ok", "login", "refused"


def level(allowed: set[str], *, anonymous: str = LOGIN) -> dict[str, str]:
    return {
        person: anonymous if person == "anonymous" else (OK if person in allowed else REFUSED)
        for person in PEOPLE
    }


EVERYONE = dict.fromkeys(PEOPLE, OK)
NOBODY = dict.fromkeys(PEOPLE, REFUSED)
SIGNED_IN = level(set(PEOPLE) - {"anonymous"})
OWNER_OR_COORDINATOR = level({"owner", "coordinator"})
OWNER_ONLY = level({"owner"})
REGISTER = level({"trainer", "coordinator"})
TRAINERS = level({"trainer", "other_trainer", "coordinator"})
COORDINATORS = level({"coordinator"})
REVIEWERS = level({"coordinator", "reviewer"})
# A survey: the person the link was sent to, or the delegate signed in; nobody else,
# coordinators included, and no sign-in page for the anonymous: the link is the way in.
RESPONDER = level({"owner"}, anonymous=REFUSED)


@dataclass
class Rule:
    kwargs: str | None = None  # which object of the world fills the pattern's arguments
    get: dict | None = None
    post: dict | None = None  # the same as get unless given

    @property
    def post_rule(self) -> dict:
        return self.post if self.post is not None else self.get


MATRIX: dict[str, Rule] = {
    # Public pages and sign-in
    "pages:home": Rule(get=EVERYONE),
    "pages:privacy": Rule(get=EVERYONE),
    "pages:accessibility": Rule(get=EVERYONE),
    "pages:healthz": Rule(get=EVERYONE),
    "accounts:register": Rule(get=EVERYONE),
    "accounts:registered": Rule(get=EVERYONE),
    "accounts:verify_email": Rule("token", get=EVERYONE),
    "accounts:resend_verification": Rule(get=SIGNED_IN),
    "accounts:login": Rule(get=EVERYONE),
    "accounts:logout": Rule(get=EVERYONE),
    "accounts:password_reset": Rule(get=EVERYONE),
    "accounts:password_reset_done": Rule(get=EVERYONE),
    "accounts:password_reset_confirm": Rule("token", get=EVERYONE),
    "accounts:password_reset_complete": Rule(get=EVERYONE),
    "accounts:email_change_confirm": Rule("email_token", get=EVERYONE),
    "certificates:verify_lookup": Rule(get=EVERYONE),
    "certificates:verify": Rule("certificate_code", get=EVERYONE),
    # One's own account and record
    "accounts:profile": Rule(get=SIGNED_IN),
    "accounts:details_edit": Rule(get=SIGNED_IN),
    "accounts:password_change": Rule(get=SIGNED_IN),
    "accounts:email_change": Rule(get=SIGNED_IN),
    "accounts:organisation_change": Rule(get=SIGNED_IN),
    "privacy:my_record": Rule(get=SIGNED_IN),
    # The catalogue
    "training:catalogue": Rule(get=EVERYONE),
    "training:course": Rule("course", get=EVERYONE),
    "training:session": Rule("session", get=EVERYONE),
    "training:book": Rule("session", get=SIGNED_IN),
    "training:my_training": Rule(get=SIGNED_IN),
    # A delegate's booking
    "training:booking": Rule("booking", get=OWNER_OR_COORDINATOR),
    "training:booking_cancel": Rule("booking", get=OWNER_OR_COORDINATOR),
    "training:booking_substitute": Rule("booking", get=OWNER_OR_COORDINATOR),
    "training:booking_ics": Rule("booking", get=OWNER_ONLY),
    "training:certificate": Rule("booking", get=OWNER_ONLY),
    # Registers
    "training:my_sessions": Rule(get=TRAINERS),
    "training:register": Rule("session", get=REGISTER),
    "training:register_mark_all": Rule("session", get=REGISTER),
    "training:register_walk_in": Rule("session", get=REGISTER),
    "training:register_close": Rule("session", get=REGISTER),
    "training:register_sign_in_sheet": Rule("session", get=REGISTER),
    "training:register_csv": Rule("session", get=REGISTER),
    "training:register_correct": Rule("booking", get=COORDINATORS),
    "training:message_session": Rule("session", get=REGISTER),
    # Evaluations: personal links, the survey pages, the room, results and questionnaires
    "evaluation_short": Rule("session", get=OWNER_ONLY),
    "evaluations:link": Rule("survey_token", get=EVERYONE),
    "evaluations:link_answer": Rule("survey_answer_token", get=EVERYONE),
    "evaluations:link_missing": Rule(get=NOBODY),
    "evaluations:survey": Rule("invitation", get=RESPONDER),
    "evaluations:survey_page": Rule("invitation_page", get=RESPONDER),
    "evaluations:survey_done": Rule("invitation", get=RESPONDER),
    "evaluations:pre_course": Rule("upcoming_booking", get=OWNER_ONLY),
    "evaluations:room_screen": Rule("session", get=REGISTER),
    "evaluations:room_qr": Rule("session", get=REGISTER),
    "evaluations:session_results": Rule("session", get=REGISTER),
    "evaluations:questionnaires": Rule(get=COORDINATORS),
    "evaluations:questionnaire_edit": Rule("questionnaire_kind", get=COORDINATORS),
    # Reports: the Learning & Development subgroup's reviewers, and coordinators
    "reports:report": Rule(get=REVIEWERS),
    "reports:download": Rule("report_csv", get=REVIEWERS),
    "reports:pdf": Rule(get=REVIEWERS),
    "reports:job": Rule("report_job", get=REVIEWERS),
    "reports:job_download": Rule("report_job", get=REVIEWERS),
    # Coordinators' pages
    "accounts:people": Rule(get=COORDINATORS),
    "accounts:person_roles": Rule("owner", get=COORDINATORS),
    "accounts:agency_list": Rule(get=COORDINATORS),
    "accounts:agency_create": Rule(get=COORDINATORS),
    "accounts:agency_edit": Rule("agency", get=COORDINATORS),
    "accounts:organisation_requests": Rule(get=COORDINATORS),
    "accounts:organisation_request_decide": Rule("organisation_request", get=COORDINATORS),
    "accounts:organisation_change_decide": Rule("organisation_change", get=COORDINATORS),
    "privacy:person_data": Rule("owner", get=COORDINATORS),
    "privacy:person_record": Rule("owner", get=COORDINATORS),
    "notifications:failed": Rule(get=COORDINATORS),
    "notifications:retry": Rule(get=COORDINATORS),
    "imports:index": Rule(get=COORDINATORS),
    "imports:job": Rule("import_job", get=COORDINATORS),
    "imports:job_progress": Rule("import_job", get=COORDINATORS),
    "imports:job_confirm": Rule("import_job", get=COORDINATORS),
    "imports:job_cancel": Rule("import_job", get=COORDINATORS),
    "imports:problems_csv": Rule("import_job", get=COORDINATORS),
    "training:manage_home": Rule(get=COORDINATORS),
    "training:manage_sessions": Rule(get=COORDINATORS),
    "training:manage_session_create": Rule(get=COORDINATORS),
    "training:manage_session": Rule("session", get=COORDINATORS),
    "training:manage_session_edit": Rule("session", get=COORDINATORS),
    "training:manage_session_duplicate": Rule("session", get=COORDINATORS),
    "training:manage_session_cancel": Rule("session", get=COORDINATORS),
    "training:manage_session_book": Rule("session", get=COORDINATORS),
    "training:manage_session_book_new_person": Rule("session", get=COORDINATORS),
    "training:manage_booking_cancel": Rule("booking", get=COORDINATORS),
    "training:manage_terms": Rule(get=COORDINATORS),
    "training:manage_courses": Rule(get=COORDINATORS),
    "training:manage_course_create": Rule(get=COORDINATORS),
    "training:manage_course_edit": Rule("course", get=COORDINATORS),
    "training:manage_venues": Rule(get=COORDINATORS),
    "training:manage_venue_create": Rule(get=COORDINATORS),
    "training:manage_venue_edit": Rule("venue", get=COORDINATORS),
    "training:manage_charges": Rule(get=COORDINATORS),
    "training:manage_invoices": Rule(get=COORDINATORS),
    "training:manage_invoices_run": Rule(get=COORDINATORS),
    "training:manage_invoices_csv": Rule(get=COORDINATORS),
    "training:manage_invoice_lines_csv": Rule(get=COORDINATORS),
    "training:manage_invoice": Rule("invoice", get=COORDINATORS),
    "training:manage_invoice_pdf": Rule("invoice", get=COORDINATORS),
    "training:manage_invoice_paid": Rule("invoice", get=COORDINATORS),
    "training:manage_invoice_credit": Rule("invoice", get=COORDINATORS),
    "training:manage_invoice_run": Rule("invoice_run", get=COORDINATORS),
    "training:manage_invoice_run_progress": Rule("invoice_run", get=COORDINATORS),
}

# The Django admin has its own staff check and is not part of Coursebook's pages.
EXCLUDED_NAMESPACES = {"admin"}


def project_patterns() -> dict[str, URLPattern]:
    found: dict[str, URLPattern] = {}

    def walk(patterns, namespace):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                if pattern.namespace in EXCLUDED_NAMESPACES:
                    continue
                walk(pattern.url_patterns, pattern.namespace or namespace)
            else:
                assert pattern.name, f"{pattern.pattern} has no name, so it has no entry"
                found[f"{namespace}:{pattern.name}" if namespace else pattern.name] = pattern

    walk(get_resolver().url_patterns, None)
    return found


def test_every_url_pattern_has_an_entry_in_the_matrix():
    missing = sorted(set(project_patterns()) - set(MATRIX))
    assert not missing, f"URL patterns with no entry in the access matrix: {missing}"
    stale = sorted(set(MATRIX) - set(project_patterns()))
    assert not stale, f"Entries for URL patterns that no longer exist: {stale}"


@pytest.fixture
def world():
    borough = BoroughFactory()
    school = AgencyFactory(name="Matrix Primary School", borough=borough)
    people = {
        "owner": UserFactory(agency=school),
        "other_delegate": UserFactory(agency=school),
        "trainer": UserFactory(roles=[Role.TRAINER]),
        "other_trainer": UserFactory(roles=[Role.TRAINER]),
        "coordinator": UserFactory(roles=[Role.COORDINATOR]),
        "reviewer": UserFactory(roles=[Role.REVIEWER]),
    }
    started = timezone.now() - timedelta(hours=2)
    session = SessionFactory(
        course=CourseFactory(outcomes=["Know what to do"]),
        starts_at=started,
        ends_at=started + timedelta(hours=6),
    )
    session.trainers.add(people["trainer"])
    other_session = SessionFactory()
    other_session.trainers.add(people["other_trainer"])
    booking = BookingFactory(session=session, delegate=people["owner"], attendance="attended")
    BookingFactory(session=other_session, delegate=people["other_delegate"])
    Certificate.objects.create(booking=booking, code="ABCD-EFGH-JKMN")
    upcoming = BookingFactory(delegate=people["owner"])
    invitation = invitation_for_delegate(
        booking=booking, kind=SurveyKind.END_OF_SESSION, actor=people["owner"]
    )
    token = link_token(invitation.link_nonce)
    invoice = Invoice.objects.create(
        number="MATRIX-1",
        agency=school,
        period_start=started.date(),
        period_end=started.date(),
        total_pence=0,
        agency_name=school.name,
        pdf=b"%PDF-1.4",
    )
    request = OrganisationRequest.objects.create(
        requested_by=people["other_delegate"],
        name="New charity",
        sector="voluntary",
        borough=borough,
    )
    change = OrganisationChange.objects.create(
        user=people["owner"], agency=AgencyFactory(name="Matrix Academy", borough=borough)
    )
    job = ImportJob.objects.create(created_by=people["coordinator"])
    invoice_run = InvoiceRun.objects.create(
        created_by=people["coordinator"], period_end=started.date()
    )
    report = ReportJob.objects.create(
        created_by=people["reviewer"],
        period_start=started.date(),
        period_end=started.date(),
        status=ReportJob.Status.DONE,
        pdf=b"%PDF-1.4",
    )
    objects = {
        "token": {"uidb64": "MQ", "token": "not-a-real-token"},
        "email_token": {"token": "not-a-real-token"},
        "certificate_code": {"code": "ABCD-EFGH-JKMN"},
        "course": {"code": session.course.code},
        "session": {"pk": session.pk},
        "venue": {"pk": session.venue_id},
        "booking": {"pk": booking.pk},
        "owner": {"pk": people["owner"].pk},
        "agency": {"pk": school.pk},
        "organisation_request": {"pk": request.pk},
        "organisation_change": {"pk": change.pk},
        "invoice": {"pk": invoice.pk},
        "import_job": {"pk": job.pk},
        "invoice_run": {"pk": invoice_run.pk},
        "report_csv": {"extension": "csv"},
        "report_job": {"pk": report.pk},
        "survey_token": {"token": token},
        "survey_answer_token": {"token": token, "answer": "yes"},
        "invitation": {"pk": invitation.pk},
        "invitation_page": {"pk": invitation.pk, "page": 1},
        "upcoming_booking": {"pk": upcoming.pk},
        "questionnaire_kind": {"kind": SurveyKind.END_OF_SESSION},
    }
    return people, objects


def outcome(response) -> str:
    if response.status_code in (403, 404, 405, 410):
        return REFUSED
    if response.status_code == 302 and response["Location"].startswith(reverse("accounts:login")):
        return LOGIN
    return OK


def _acceptable(expected: str, got: str, status: int) -> bool:
    # A page that takes only one method answers the other with 405, whoever asks.
    return expected == got or status == 405


@pytest.mark.parametrize("name", sorted(MATRIX))
def test_access(client, world, name):
    people, objects = world
    rule = MATRIX[name]
    url = reverse(name, kwargs=objects[rule.kwargs] if rule.kwargs else None)
    problems = []
    # Refused people first: what the allowed ones post may change the objects.
    order = sorted(PEOPLE, key=lambda person: rule.get[person] == OK)
    for person in order:
        client.logout()
        if person != "anonymous":
            client.force_login(people[person], backend="django.contrib.auth.backends.ModelBackend")
        for method, expected in (("GET", rule.get[person]), ("POST", rule.post_rule[person])):
            response = client.get(url) if method == "GET" else client.post(url, {})
            assert response.status_code < 500, f"{method} {name} as {person}: server error"
            got = outcome(response)
            if not _acceptable(expected, got, response.status_code):
                problems.append(
                    f"{method} as {person}: expected {expected}, got {response.status_code}"
                )
    assert not problems, f"{name}: " + "; ".join(problems)
    assert Booking.objects.filter(pk=objects["booking"]["pk"]).exists()
