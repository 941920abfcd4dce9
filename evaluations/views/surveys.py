"""The survey pages, reached through a personal link without signing in, or from My
training by the signed-in delegate.

The first GET of a link swaps its token for an entry in the session and redirects, as
Django's password reset does, so the token stays out of logs and Referer headers. A GET
never records an answer (mail scanners follow links): an answer link only chooses the
answer on the form, and the person confirms with the button.
"""

import contextlib

from django.conf import settings
from django.http import HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache

from training.services.certificates import certificate_unavailable_reason

from .. import keys
from ..errors import EvaluationError, SurveyAlreadySubmittedError, SurveyClosedError
from ..forms import SurveyPageForm, initial_from
from ..models import SurveyInvitation, SurveyKind
from ..selectors import action_plan, invitation_for_survey, survey_form
from ..services.responses import response_save_page, response_submit
from ..tokens import invitation_for_token

SESSION_KEY = "evaluations_invitations"
ANSWER_LINK_VALUES = {value for value, _ in keys.USED_LEARNING_CHOICES}

PROBLEMS = {
    # (heading, explanation, HTTP status)
    "invalid": (
        "This link does not work",
        "Check that you copied the whole link from the email. If it still does not work, "
        "use the link in the latest email we sent you, or sign in to find your surveys "
        "in My training.",
        404,
    ),
    "closed": (
        "This survey has closed",
        "The time to answer this survey has passed. Thank you for your interest.",
        410,
    ),
    "submitted": (
        "You have already sent your answers",
        "Thank you: we have your answers. Each survey can be answered once.",
        200,
    ),
    "forbidden": (
        "Open the survey from your email",
        "This page opens from the personal link in the email we sent you, or from "
        "My training when you are signed in.",
        403,
    ),
}


def _problem(request, problem: str):
    heading, explanation, status = PROBLEMS[problem]
    return render(
        request,
        "evaluations/link_problem.html",
        {"heading": heading, "explanation": explanation},
        status=status,
    )


def _state(invitation: SurveyInvitation) -> str | None:
    if invitation.submitted_at is not None:
        return "submitted"
    now = timezone.now()
    if not invitation.opens_at <= now < invitation.closes_at:
        return "closed"
    return None


def allow_in_session(request, invitation: SurveyInvitation) -> None:
    allowed = request.session.get(SESSION_KEY, [])
    if invitation.pk not in allowed:
        request.session[SESSION_KEY] = [*allowed[-19:], invitation.pk]


@never_cache
def link_open(request, token: str = "", answer: str = ""):
    """The link in the email: look the token up by its hash, then redirect without it."""
    invitation = invitation_for_token(token)
    if invitation is None:
        return _problem(request, "invalid")
    problem = _state(invitation)
    if problem:
        return _problem(request, problem)
    allow_in_session(request, invitation)
    url = reverse("evaluations:survey", args=[invitation.pk])
    if answer in ANSWER_LINK_VALUES and invitation.kind == SurveyKind.FOLLOW_UP:
        url += f"?{keys.USED_LEARNING}={answer}"
    return HttpResponseRedirect(url)


def link_missing(request):
    return _problem(request, "invalid")


def _may_answer(request, invitation: SurveyInvitation) -> bool:
    if invitation.pk in request.session.get(SESSION_KEY, []):
        return True
    user = request.user
    return (
        user.is_authenticated
        and invitation.kind != SurveyKind.MANAGER
        and invitation.booking.delegate_id == user.pk
    )


def survey_access(view):
    def wrapped(request, pk, *args, **kwargs):
        invitation = invitation_for_survey(pk)
        if invitation is None or invitation.is_imported or not _may_answer(request, invitation):
            return _problem(request, "forbidden")
        return view(request, invitation, *args, **kwargs)

    wrapped.__name__ = view.__name__
    wrapped.__doc__ = view.__doc__
    return never_cache(wrapped)


@survey_access
def survey(request, invitation):
    """Where the person stopped: the first page not yet kept, or the only page."""
    problem = _state(invitation)
    if problem == "submitted":
        return redirect("evaluations:survey_done", invitation.pk)
    if problem:
        return _problem(request, problem)
    form = survey_form(invitation)
    url = reverse("evaluations:survey_page", args=[invitation.pk, form.page_reached])
    if request.GET.get(keys.USED_LEARNING) in ANSWER_LINK_VALUES:
        url += f"?{keys.USED_LEARNING}={request.GET[keys.USED_LEARNING]}"
    return HttpResponseRedirect(url)


@survey_access
def survey_page(request, invitation, page: int):
    problem = _state(invitation)
    if problem == "submitted":
        return redirect("evaluations:survey_done", invitation.pk)
    if problem:
        return _problem(request, problem)
    survey = survey_form(invitation)
    pages = survey.pages
    if page not in pages or page > survey.page_reached:
        return redirect("evaluations:survey_page", invitation.pk, survey.page_reached)
    questions = survey.questions_on(page)
    initial = initial_from(questions, survey.outcomes, survey.answers, survey.ratings)
    chosen = request.GET.get(keys.USED_LEARNING)
    if chosen in ANSWER_LINK_VALUES and any(q.key == keys.USED_LEARNING for q in questions):
        initial[keys.USED_LEARNING] = chosen
    form = SurveyPageForm(
        request.POST if request.method == "POST" else None,
        questions=questions,
        outcomes=survey.outcomes,
        initial_answers=initial,
    )
    last = page == pages[-1]
    if request.method == "POST" and form.is_valid():
        try:
            if last:
                response_submit(invitation=invitation, page=page, answers=form.page_answers())
            else:
                response_save_page(invitation=invitation, page=page, answers=form.page_answers())
        except SurveyAlreadySubmittedError:
            return redirect("evaluations:survey_done", invitation.pk)
        except SurveyClosedError:
            return _problem(request, "closed")
        except EvaluationError as error:
            form.add_error(None, str(error))
        else:
            if last:
                return redirect("evaluations:survey_done", invitation.pk)
            return redirect("evaluations:survey_page", invitation.pk, pages[pages.index(page) + 1])
    elif request.method == "POST":
        _keep_valid_answers(invitation, page, form)
    booking = invitation.booking
    return render(
        request,
        "evaluations/survey_page.html",
        {
            "invitation": invitation,
            "booking": booking,
            "session": booking.session,
            "course": booking.session.course,
            "questionnaire": invitation.questionnaire,
            "form": form,
            "page": page,
            "page_number": pages.index(page) + 1,
            "page_count": len(pages),
            "previous_page": pages[pages.index(page) - 1] if page != pages[0] else None,
            "last": last,
            "first": page == pages[0],
            "action_plan": action_plan(booking) if invitation.kind == SurveyKind.FOLLOW_UP else "",
            "answer_chosen": chosen in ANSWER_LINK_VALUES,
            "results_min_responses": settings.COURSEBOOK_RESULTS_MIN_RESPONSES,
        },
    )


def _keep_valid_answers(invitation, page: int, form: SurveyPageForm) -> None:
    """A page sent with errors keeps what was valid, so a refresh or coming back later
    loses nothing typed."""
    answers = form.page_answers(answered_only=True)
    if answers.answers or answers.ratings:
        # Closed or submitted meanwhile: the page says so when it is opened again.
        with contextlib.suppress(EvaluationError):
            response_save_page(invitation=invitation, page=page, answers=answers, complete=False)


@survey_access
def survey_done(request, invitation):
    if invitation.submitted_at is None:
        return redirect("evaluations:survey", invitation.pk)
    booking = invitation.booking
    certificate = (
        invitation.kind == SurveyKind.END_OF_SESSION
        and certificate_unavailable_reason(booking) is None
    )
    return render(
        request,
        "evaluations/survey_done.html",
        {
            "invitation": invitation,
            "booking": booking,
            "session": booking.session,
            "course": booking.session.course,
            "certificate": certificate,
            "signed_in_as_delegate": request.user.is_authenticated
            and request.user.pk == booking.delegate_id,
        },
    )
