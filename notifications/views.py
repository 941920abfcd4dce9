from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from accounts.models import Role
from accounts.permissions import role_required

from .forms import RetryForm
from .services import outbox_failed, outbox_retry, outbox_sent_again_waiting, outbox_waiting_count

PER_PAGE = 50


@role_required(Role.COORDINATOR)
def failed(request):
    """The emails given up on, those sent again that have not gone yet, and only when there
    are neither, and nothing else waits, that every email has been sent."""
    page = Paginator(outbox_failed(), PER_PAGE).get_page(request.GET.get("page"))
    waiting = outbox_sent_again_waiting()
    sent_again = list(waiting[:PER_PAGE])
    return render(
        request,
        "notifications/failed.html",
        {
            "page": page,
            "sent_again": sent_again,
            "sent_again_count": len(sent_again) if len(sent_again) < PER_PAGE else waiting.count(),
            # Counted only where the page would otherwise say every email has been sent.
            "waiting_count": 0 if page.paginator.count or sent_again else outbox_waiting_count(),
        },
    )


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
            request,
            f"{count} email{'s' if count != 1 else ''} will be sent again shortly. "
            f"{'It is' if count == 1 else 'They are'} listed as waiting until "
            f"{'it has' if count == 1 else 'they have'} gone.",
        )
    else:
        messages.info(request, "There was no email left to send again.")
    return redirect("notifications:failed")
