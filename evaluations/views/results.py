"""Results of a session's evaluations, and the coordinators' questionnaire wording.

Trainers see their own sessions' aggregates, and comments without names, only from the
minimum number of responses; coordinators see who answered.
"""

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render

from accounts.models import Role
from accounts.permissions import role_required
from training.models import Session
from training.permissions import can_take_register

from ..errors import EvaluationError
from ..forms import QuestionnaireEditForm
from ..models import SurveyKind
from ..selectors import session_results
from ..services.questionnaires import (
    questionnaire_current,
    questionnaire_edit,
    questionnaires_latest,
)


def session_results_view(request, pk):
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    session = get_object_or_404(Session.objects.select_related("course"), pk=pk)
    if not can_take_register(request.user, session):
        raise PermissionDenied
    results = session_results(session, with_names=request.user.has_role(Role.COORDINATOR))
    return render(
        request, "evaluations/session_results.html", {"results": results, "session": session}
    )


@role_required(Role.COORDINATOR)
def questionnaires(request):
    return render(
        request, "evaluations/questionnaires.html", {"questionnaires": questionnaires_latest()}
    )


@role_required(Role.COORDINATOR)
def questionnaire_edit_view(request, kind):
    if kind not in SurveyKind.values:
        raise Http404
    questionnaire = questionnaire_current(kind=kind)
    form = QuestionnaireEditForm(
        request.POST if request.method == "POST" else None, questionnaire=questionnaire
    )
    if request.method == "POST" and form.is_valid():
        try:
            edited = questionnaire_edit(
                questionnaire=questionnaire,
                actor=request.user,
                title=form.cleaned_data["title"],
                introduction=form.cleaned_data["introduction"],
                wording=form.wording(),
            )
        except EvaluationError as error:
            form.add_error(None, str(error))
        else:
            if edited.pk != questionnaire.pk:
                messages.success(
                    request,
                    f"Version {questionnaire.version} already has answers, so your wording is "
                    f"version {edited.version}. New invitations use it.",
                )
            else:
                messages.success(request, "The wording has been saved.")
            return redirect("evaluations:questionnaires")
    return render(
        request,
        "evaluations/questionnaire_edit.html",
        {"questionnaire": questionnaire, "form": form},
    )
