"""Coordinators' pages for the venues sessions are held at: list, add, change, retire."""

from django.contrib import messages
from django.db.models import Count, Q
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone

from accounts.models import Role
from accounts.permissions import role_required

from ..errors import TrainingError
from ..forms_manage import VenueForm
from ..models import Session, Venue
from ..services.venues import venue_create, venue_update

coordinators_only = role_required(Role.COORDINATOR)


@coordinators_only
def venues(request):
    upcoming = Q(sessions__status=Session.Status.SCHEDULED, sessions__starts_at__gt=timezone.now())
    listed = (
        Venue.objects.select_related("borough")
        .annotate(upcoming_count=Count("sessions", filter=upcoming))
        .order_by("-is_active", "name")
    )
    return render(request, "training/manage/venues.html", {"venues": listed})


@coordinators_only
def venue_create_view(request):
    form = VenueForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            venue = venue_create(actor=request.user, **form.venue_fields())
        except TrainingError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, f"{venue} has been added to the venues.")
            return redirect("training:manage_venues")
    return render(request, "training/manage/venue_form.html", {"form": form, "venue": None})


@coordinators_only
def venue_edit(request, pk):
    venue = get_object_or_404(Venue, pk=pk)
    form = VenueForm(request.POST or None, venue=venue, initial=VenueForm.initial_for(venue))
    if request.method == "POST" and form.is_valid():
        was_active = venue.is_active
        try:
            venue = venue_update(venue=venue, actor=request.user, **form.venue_fields())
        except TrainingError as error:
            form.add_error(None, str(error))
        else:
            if was_active and not venue.is_active:
                message = (
                    f"{venue} has been retired: it is no longer offered for new sessions. "
                    "Sessions already there keep it."
                )
            elif venue.is_active and not was_active:
                message = f"{venue} is offered for new sessions again."
            else:
                message = f"{venue} has been changed."
            messages.success(request, message)
            return redirect("training:manage_venues")
    return render(request, "training/manage/venue_form.html", {"form": form, "venue": venue})
