from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from accounts.models import Role
from accounts.permissions import role_required

from .forms import RetryForm
from .services import outbox_failed, outbox_retry

PER_PAGE = 50


@role_required(Role.COORDINATOR)
def failed(request):
    page = Paginator(outbox_failed(), PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "notifications/failed.html", {"page": page})


@role_required(Role.COORDINATOR)
@require_POST
def retry(request):
    form = RetryForm(request.POST)
    if not form.is_valid():
        messages.info(request, "Choose an email to send again.")
        return redirect("notifications:failed")
    chosen = form.cleaned_data["message"]
    ids = [chosen] if chosen else outbox_failed().values_list("pk", flat=True)
    count = outbox_retry(message_ids=ids, actor=request.user)
    if count:
        messages.success(
            request, f"{count} email{'s' if count != 1 else ''} will be sent again shortly."
        )
    else:
        messages.info(request, "There was no email left to send again.")
    return redirect("notifications:failed")
