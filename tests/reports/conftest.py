"""The hand-computed dataset: every definition of DESIGN section 5 has a case here.

Financial year 2025-26. The expected figures are worked out by hand in test_figures.py.
"""

from datetime import timedelta
from types import SimpleNamespace

import pytest

from accounts.models import Sector
from evaluations import keys
from evaluations.models import SurveyKind
from reports.periods import financial_year
from tests.factories import AgencyFactory, BoroughFactory, CourseFactory, SessionFactory
from training.models import Booking, Charge, Programme, Session

from .factories import (
    booking,
    cancelled,
    charge,
    delivered_session,
    experience,
    invitation,
    london,
    response,
)

ATT = Booking.Attendance


def build_dataset() -> SimpleNamespace:
    westminster = BoroughFactory(name="Westminster")
    kensington = BoroughFactory(name="Kensington and Chelsea")
    police = AgencyFactory(name="Metropolitan Police", sector=Sector.POLICE, borough=westminster)
    hospital = AgencyFactory(name="St Mary's Hospital", sector=Sector.HEALTH, borough=westminster)
    nursery = AgencyFactory(
        name="Bright Start Nursery",
        sector=Sector.EARLY_YEARS,
        borough=kensington,
        pays_for_places=True,
    )
    lscb = AgencyFactory(name="LSCB Trainer", sector=Sector.OTHER, borough=westminster)
    clch = AgencyFactory(name="CLCH", sector=Sector.HEALTH, borough=westminster)
    core = CourseFactory(
        code="MASCP-L3",
        title="Multi-agency safeguarding",
        programme=Programme.CORE,
        outcomes=["Recognise abuse", "Make a referral"],
    )
    specialist = CourseFactory(
        code="DV-SPEC",
        title="Domestic abuse",
        programme=Programme.SPECIALIST,
        outcomes=["Assess risk"],
    )

    # S1: ten places, a bit of everything.
    s1 = delivered_session(
        course=core, starts_at=london(2025, 6, 10, 9, 30), capacity=10, delivering_agency=lscb
    )
    b1 = booking(s1, police, attendance=ATT.ATTENDED)
    b2 = booking(s1, police, attendance=ATT.PARTIAL)
    b3 = booking(s1, hospital, attendance=ATT.ABSENT)
    charge(b3, pence=8000)
    b4 = booking(s1, hospital, attendance=ATT.TURNED_AWAY)
    charge(
        b4,
        pence=8000,
        kind=Charge.Kind.TURNED_AWAY,
        status=Charge.Status.WAIVED,
        waive_reason="Train strike",
    )
    b5 = booking(s1, nursery, attendance=ATT.ATTENDED)
    charge(b5, pence=10000, kind=Charge.Kind.COURSE_FEE, status=Charge.Status.INVOICED)
    b6 = cancelled(s1, hospital, late=True)
    charge(
        b6,
        pence=8000,
        kind=Charge.Kind.LATE_CANCELLATION,
        status=Charge.Status.WAIVED,
        waived_as_not_owed=True,
        waive_reason="Not owed",
    )
    cancelled(s1, police, late=False)
    booking(s1, police, status=Booking.Status.WAITLISTED)
    booking(s1, hospital, attendance=ATT.ATTENDED, is_walk_in=True, booked_at=s1.starts_at)
    b10 = booking(
        s1, police, attendance=ATT.ATTENDED, promoted_at=s1.starts_at - timedelta(days=2)
    )
    b11 = cancelled(s1, nursery, late=True)
    charge(b11, pence=10000, kind=Charge.Kind.LATE_CANCELLATION)
    # On the waiting list, then came anyway: the waiting place is closed, a walk-in made.
    b12 = booking(s1, police, status=Booking.Status.WAITLISTED)
    b12.status = Booking.Status.CANCELLED
    b12.cancelled_at = s1.starts_at + timedelta(minutes=5)
    b12.save()
    b13 = booking(
        s1,
        police,
        delegate=b12.delegate,
        attendance=ATT.ATTENDED,
        is_walk_in=True,
        booked_at=s1.starts_at + timedelta(minutes=5),
    )

    # S2: imported from the old system, which recorded a cancellation after the start.
    s2 = delivered_session(
        course=core,
        starts_at=london(2025, 9, 15, 10, 0),
        capacity=5,
        delivering_agency=clch,
        import_ref="old-2025-09-15",
    )
    c1 = booking(s2, hospital, attendance=ATT.ATTENDED)
    cancelled(s2, police, late=False, at=s2.starts_at + timedelta(hours=1))
    c3 = booking(s2, police, attendance=ATT.ABSENT)
    charge(c3, pence=4000)
    # Promoted after the start (never confirmed when it started): not booked.
    booking(s2, hospital, promoted_at=s2.starts_at + timedelta(minutes=1))

    # S3: no bookings at all, 00:30 on 1 April in London (still 31 March in UTC).
    s3 = delivered_session(
        course=specialist,
        starts_at=london(2025, 4, 1, 0, 30),
        capacity=8,
        delivering_agency=lscb,
    )

    # Not counted: a cancelled session, a session not delivered, next year's.
    s4 = SessionFactory(
        course=core,
        starts_at=london(2025, 7, 1, 9, 30),
        capacity=10,
        delivering_agency=lscb,
        status=Session.Status.CANCELLED,
    )
    charge(cancelled(s4, police, late=False), pence=8000)
    s5 = SessionFactory(
        course=core, starts_at=london(2026, 3, 10, 9, 30), capacity=10, delivering_agency=lscb
    )
    booking(s5, police, attendance=ATT.ATTENDED)
    s7 = delivered_session(
        course=core, starts_at=london(2026, 4, 1, 0, 30), capacity=10, delivering_agency=lscb
    )
    booking(s7, police, attendance=ATT.ATTENDED)

    # Last year: one session of four places, one delegate.
    s6 = delivered_session(
        course=core, starts_at=london(2025, 3, 31, 10, 0), capacity=4, delivering_agency=lscb
    )
    booking(s6, police, attendance=ATT.ATTENDED)

    # End-of-session evaluations: {position: (before, after)}.
    response(b1, ratings={1: (2, 3), 2: (1, 3)}, answers=experience(4))
    response(b2, ratings={1: (2, 2), 2: (2, 4)}, answers=experience(3))
    response(b5, ratings={1: (3, 2), 2: (None, 3)}, answers=experience(2))
    response(c1, ratings={1: (1, 4), 2: (2, 3)}, answers=experience(4))
    response(b13, ratings={1: (2, 4), 2: (3, 3)}, answers=experience(1))
    response(b10, submitted=False, ratings={1: (1, 4)}, answers=experience(4))  # a draft
    # True pre-ratings.
    response(b1, SurveyKind.PRE_COURSE, ratings={1: 1})
    response(b2, SurveyKind.PRE_COURSE, ratings={1: 2})

    # Follow-up: four invited (one imported), three responded, two changed practice.
    follow_up = SurveyKind.FOLLOW_UP
    response(b1, follow_up, answers={keys.USED_LEARNING: "yes"})
    response(b2, follow_up, answers={keys.USED_LEARNING: "not_yet"})
    invitation(b5, follow_up)
    response(c1, follow_up, imported=True, answers={keys.USED_LEARNING: "partly"})
    invitation(b13, follow_up, sent=False)  # made, not yet sent: not invited
    response(b1, SurveyKind.MANAGER, answers={keys.SEEN_CHANGE: "yes"})
    invitation(b2, SurveyKind.MANAGER)

    return SimpleNamespace(
        period=financial_year(2025),
        police=police,
        hospital=hospital,
        nursery=nursery,
        lscb=lscb,
        clch=clch,
        core=core,
        specialist=specialist,
        westminster=westminster,
        kensington=kensington,
        sessions=[s1, s2, s3],
    )


@pytest.fixture
def dataset(db):
    return build_dataset()
