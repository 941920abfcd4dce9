"""Who may reach every evaluations page, as seven people, with GET and with POST.

Refused means 403 or 404 (or 405), never the page; "login" means sent to sign in. The
entries follow the project's access-matrix convention, one per URL pattern of the app.
"""

from datetime import timedelta

import pytest
from django.urls import URLResolver, get_resolver, reverse
from django.utils import timezone

from accounts.models import Role
from evaluations.models import SurveyKind
from evaluations.services.invitations import invitation_for_delegate
from evaluations.tokens import link_token
from tests.factories import BookingFactory, CourseFactory, SessionFactory, UserFactory

pytestmark = pytest.mark.django_db

PEOPLE = ["anonymous", "owner", "other_delegate", "trainer", "other_trainer", "coordinator"]
PEOPLE += ["reviewer"]
OK, LOGIN, REFUSED = "ok", "login", "refused"


def level(allowed: set[str], *, anonymous: str = LOGIN) -> dict[str, str]:
    return {
        person: anonymous if person == "anonymous" else (OK if person in allowed else REFUSED)
        for person in PEOPLE
    }


EVERYONE = dict.fromkeys(PEOPLE, OK)
NOBODY = dict.fromkeys(PEOPLE, REFUSED)
REGISTER = level({"trainer", "coordinator"})
COORDINATORS = level({"coordinator"})
OWNER_ONLY = level({"owner"})
# The survey itself: the person the link was sent to, or the delegate signed in. Nobody
# else, coordinators included, and no sign-in page for the anonymous: the link is the way.
RESPONDER = level({"owner"}, anonymous=REFUSED)

MATRIX = {
    "evaluation_short": ("session", OWNER_ONLY),
    "evaluations:link": ("token", EVERYONE),
    "evaluations:link_answer": ("answer_token", EVERYONE),
    "evaluations:link_missing": (None, NOBODY),
    "evaluations:survey": ("invitation", RESPONDER),
    "evaluations:survey_page": ("invitation_page", RESPONDER),
    "evaluations:survey_done": ("invitation", RESPONDER),
    "evaluations:pre_course": ("upcoming_booking", OWNER_ONLY),
    "evaluations:room_screen": ("session", REGISTER),
    "evaluations:room_qr": ("session", REGISTER),
    "evaluations:session_results": ("session", REGISTER),
    "evaluations:questionnaires": (None, COORDINATORS),
    "evaluations:questionnaire_edit": ("questionnaire_kind", COORDINATORS),
}


def evaluation_patterns() -> set[str]:
    names = set()
    for pattern in get_resolver().url_patterns:
        if isinstance(pattern, URLResolver) and pattern.namespace == "evaluations":
            names |= {f"evaluations:{p.name}" for p in pattern.url_patterns}
        elif isinstance(pattern, URLResolver) and (
            getattr(pattern.urlconf_module, "__name__", "") == "evaluations.urls_short"
        ):
            names |= {p.name for p in pattern.url_patterns}
    return names


def test_every_evaluations_page_has_an_entry():
    assert evaluation_patterns() == set(MATRIX)


@pytest.fixture
def world():
    people = {
        "owner": UserFactory(),
        "other_delegate": UserFactory(),
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
    SessionFactory().trainers.add(people["other_trainer"])
    booking = BookingFactory(session=session, delegate=people["owner"], attendance="attended")
    BookingFactory(delegate=people["other_delegate"])
    upcoming = BookingFactory(delegate=people["owner"])
    invitation = invitation_for_delegate(
        booking=booking, kind=SurveyKind.END_OF_SESSION, actor=people["owner"]
    )
    token = link_token(invitation.link_nonce)
    objects = {
        "session": {"pk": session.pk},
        "token": {"token": token},
        "answer_token": {"token": token, "answer": "yes"},
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


@pytest.mark.parametrize("name", sorted(MATRIX))
def test_access(client, world, name):
    people, objects = world
    kwargs_name, rule = MATRIX[name]
    url = reverse(name, kwargs=objects[kwargs_name] if kwargs_name else None)
    problems = []
    for person in sorted(PEOPLE, key=lambda person: rule[person] == OK):
        client.logout()
        if person != "anonymous":
            client.force_login(people[person])
        for method in ("GET", "POST"):
            response = client.get(url) if method == "GET" else client.post(url, {})
            assert response.status_code < 500, f"{method} {name} as {person}: server error"
            if outcome(response) != rule[person] and response.status_code != 405:
                problems.append(f"{method} as {person}: expected {rule[person]}, got {response}")
    assert not problems, f"{name}: " + "; ".join(problems)
