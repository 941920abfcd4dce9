from django.http import Http404
from django.shortcuts import get_object_or_404, render

from ..errors import TrainingError
from ..forms import CatalogueFilterForm
from ..models import Course, Session
from ..selectors.bookings import delegate_active_booking
from ..selectors.catalogue import (
    catalogue_listings,
    catalogue_months,
    session_with_counts,
    upcoming_sessions,
    with_place_counts,
)
from ..selectors.costs import booking_terms, booking_terms_for_either
from ..selectors.outcomes import current_outcomes_prefetch
from ..services.bookings import check_session_bookable


def catalogue(request):
    form = CatalogueFilterForm(request.GET or None, months=catalogue_months())
    filters = form.filters()
    listings = catalogue_listings(**filters)
    return render(
        request,
        "training/catalogue.html",
        {
            "form": form,
            "programmes": listings.programmes,
            "session_count": listings.session_count,
            "filtered": bool(filters),
            "described": form.described(),
        },
    )


def course_detail(request, code):
    course = get_object_or_404(
        Course.objects.prefetch_related(current_outcomes_prefetch()).select_related(
            "prerequisite"
        ),
        code=code,
    )
    # A retired course keeps its page (certificates and records name it), with no sessions.
    sessions = (
        with_place_counts(upcoming_sessions().filter(course=course)) if course.is_active else []
    )
    return render(request, "training/course.html", {"course": course, "sessions": sessions})


def session_detail(request, pk):
    try:
        session = session_with_counts(pk)
    except Session.DoesNotExist as error:
        raise Http404 from error
    try:
        check_session_bookable(session)
    except TrainingError as error:
        not_bookable = str(error)
    else:
        not_bookable = ""
    booking = None
    if request.user.is_authenticated:
        booking = delegate_active_booking(session=session, delegate=request.user)
    # What booking costs, before anyone starts to: for the person's own organisation, or
    # for either kind of organisation when it is not known yet.
    terms = terms_for_either = None
    if booking is None and not not_bookable:
        agency = getattr(request.user, "agency", None)
        waiting = not session.places_left
        if agency is not None:
            terms = booking_terms(session=session, agency=agency, waiting=waiting)
        else:
            terms_for_either = booking_terms_for_either(session=session, waiting=waiting)
    return render(
        request,
        "training/session.html",
        {
            "session": session,
            "not_bookable": not_bookable,
            "booking": booking,
            "terms": terms,
            "terms_for_either": terms_for_either,
        },
    )
