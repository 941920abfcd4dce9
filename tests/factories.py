from datetime import timedelta
from decimal import Decimal

import factory
from django.contrib.auth.models import Group
from django.utils import timezone

from accounts.models import Agency, Borough, Role, Sector, User
from training.models import Booking, Course, LearningOutcome, Programme, Session, Venue
from training.services.terms import terms_in_force


class BoroughFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Borough
        django_get_or_create = ["name"]

    name = "Westminster"


class AgencyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Agency

    name = factory.Sequence(lambda n: f"Agency {n}")
    sector = Sector.HEALTH
    borough = factory.SubFactory(BoroughFactory)
    invoice_contact_email = factory.LazyAttribute(
        lambda o: f"invoices{o.name[-3:].strip()}@example.org"
    )


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"person{n}@example.org")
    full_name = factory.Sequence(lambda n: f"Person {n}")
    job_title = "Social worker"
    agency = factory.SubFactory(AgencyFactory)
    email_verified_at = factory.LazyFunction(timezone.now)
    password = factory.django.Password("a-long-test-password")

    @factory.post_generation
    def roles(self, create, extracted, **kwargs):
        if not create:
            return
        for role in extracted or []:
            self.groups.add(Group.objects.get_or_create(name=role)[0])


def coordinator(**kwargs) -> User:
    return UserFactory(roles=[Role.COORDINATOR], **kwargs)


class CourseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Course
        skip_postgeneration_save = True

    code = factory.Sequence(lambda n: f"COURSE-{n}")
    title = factory.Sequence(lambda n: f"Safeguarding workshop {n}")
    programme = Programme.CORE
    level = "Level 3"
    duration_hours = Decimal("6.5")

    @factory.post_generation
    def outcomes(self, create, extracted, **kwargs):
        if not create:
            return
        for position, text in enumerate(extracted or ["Know what to do"], start=1):
            LearningOutcome.objects.create(course=self, position=position, text=text)


class VenueFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Venue

    name = factory.Sequence(lambda n: f"Venue {n}")
    address = "1 High Street, London"
    borough = factory.SubFactory(BoroughFactory)


class SessionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Session

    course = factory.SubFactory(CourseFactory)
    starts_at = factory.LazyFunction(lambda: timezone.now() + timedelta(days=30))
    ends_at = factory.LazyAttribute(lambda o: o.starts_at + timedelta(hours=7))
    venue = factory.SubFactory(VenueFactory)
    capacity = 20
    delivering_agency = factory.SubFactory(AgencyFactory)


class BookingFactory(factory.django.DjangoModelFactory):
    """A booking written directly, for setting up data; tests of behaviour book through
    training.services.bookings.booking_create."""

    class Meta:
        model = Booking

    session = factory.SubFactory(SessionFactory)
    delegate = factory.SubFactory(UserFactory)
    agency = factory.LazyAttribute(lambda o: o.delegate.agency)
    terms = factory.LazyFunction(lambda: terms_in_force())
    priced_half_day = factory.LazyAttribute(lambda o: o.session.course.is_half_day)
    priced_agency_pays = factory.LazyAttribute(lambda o: o.agency.pays_for_places)
    priced_course_fee_pence = factory.LazyAttribute(lambda o: o.session.course.fee_pence)
    status = Booking.Status.CONFIRMED
    booked_by = factory.LazyAttribute(lambda o: o.delegate)


def trainer(**kwargs) -> User:
    return UserFactory(roles=[Role.TRAINER], **kwargs)
