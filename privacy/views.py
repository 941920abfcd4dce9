import json

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from accounts.models import Role, User
from accounts.permissions import role_required
from audit.services import audit_record

from .errors import PrivacyError
from .forms import EraseForm
from .models import Anonymisation
from .selectors import person_record
from .services import person_erase


def _record_download(user: User, filename: str) -> HttpResponse:
    body = json.dumps(
        {"exported_at": timezone.now().isoformat(), **person_record(user)},
        cls=DjangoJSONEncoder,
        indent=2,
        ensure_ascii=False,
    )
    response = HttpResponse(body, content_type="application/json; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@never_cache
@require_GET
@login_required
def my_record(request):
    """A delegate downloads everything Coursebook holds about them."""
    with transaction.atomic():
        audit_record(
            actor=request.user,
            action="person_record_exported",
            obj=request.user,
            summary="Downloaded their own record",
        )
    return _record_download(request.user, "my-coursebook-record.json")


@never_cache
@role_required(Role.COORDINATOR)
def person_data(request, pk):
    """A coordinator's page for one person's data: subject access export and erasure."""
    person = get_object_or_404(User.objects.select_related("agency"), pk=pk)
    anonymisation = Anonymisation.objects.filter(user=person).first()
    form = EraseForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            person_erase(user_id=person.pk, actor=request.user, reason=form.cleaned_data["reason"])
        except PrivacyError as error:
            form.add_error(None, str(error))
        else:
            messages.success(
                request, "The person's data has been erased. Their figures remain in the reports."
            )
            return redirect("privacy:person_data", pk=person.pk)
    return render(
        request,
        "privacy/person_data.html",
        {"person": person, "anonymisation": anonymisation, "form": form},
    )


@never_cache
@require_GET
@role_required(Role.COORDINATOR)
def person_record_download(request, pk):
    person = get_object_or_404(User, pk=pk)
    with transaction.atomic():
        audit_record(
            actor=request.user,
            action="person_record_exported",
            obj=person,
            summary=f"Record of person {person.pk} exported for a subject access request",
        )
    return _record_download(person, f"coursebook-record-{person.pk}.json")
