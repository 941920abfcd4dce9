"""The coordinator's home page: where a coordinator lands after signing in."""

from django.shortcuts import render
from django.utils import timezone

from accounts.models import Role
from accounts.permissions import role_required

from ..selectors.home import SESSIONS_LISTED, coordinator_home


@role_required(Role.COORDINATOR)
def manage_home(request):
    home = coordinator_home(now=timezone.now(), today=timezone.localdate())
    return render(request, "training/manage/home.html", {"home": home, "listed": SESSIONS_LISTED})
