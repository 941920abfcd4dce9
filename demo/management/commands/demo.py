"""Load a realistic partnership to try Coursebook with. Running it again changes nothing."""

import random
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from accounts.models import Agency, AgencyMembership, Borough, User
from accounts.services.people import role_grant
from training.models import Course, LearningOutcome, Session, Venue

from ... import data

LONDON = ZoneInfo("Europe/London")


def financial_year_start(today: date) -> date:
    return date(today.year if today.month >= 4 else today.year - 1, 4, 1)


def working_days(start: date, end: date) -> list[date]:
    days = []
    day = start
    while day <= end:
        if day.weekday() < 5:
            days.append(day)
        day += timedelta(days=1)
    return days


class Command(BaseCommand):
    help = "Load a demo partnership: boroughs, organisations, the 2017-18 workshops, a year "
    "of sessions and one account per role."

    def add_arguments(self, parser):
        parser.add_argument(
            "--allow-production",
            action="store_true",
            help="Load the demo even with DEBUG off (it creates accounts with known passwords).",
        )

    def handle(self, *args, allow_production=False, **options):
        if not settings.DEBUG and not allow_production:
            raise CommandError(
                "The demo creates accounts with known passwords; run it with DEBUG=true, "
                "or pass --allow-production on a server nobody else can reach."
            )
        with transaction.atomic():
            created = self.load()
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo partnership ready ({created} new records). Sign in with any of these "
                f"(password: {data.DEMO_PASSWORD}):"
            )
        )
        for email, name, _title, _agency, role in data.DEMO_ACCOUNTS:
            self.stdout.write(f"  {role:<12} {email:<36} {name}")

    def load(self) -> int:
        created = 0
        boroughs = {}
        for name, kind in data.BOROUGHS:
            boroughs[name], new = Borough.objects.get_or_create(name=name, defaults={"kind": kind})
            created += new
        agencies = {}
        for name, sector, borough, pays in data.AGENCIES:
            slug = "".join(ch for ch in name.lower() if ch.isalnum())[:30]
            agencies[name], new = Agency.objects.get_or_create(
                name=name,
                defaults={
                    "sector": sector,
                    "borough": boroughs[borough],
                    "pays_for_places": pays,
                    "invoice_contact_name": "Accounts payable",
                    "invoice_contact_email": f"invoices@{slug}.example.org",
                },
            )
            created += new
        venues = []
        for name, address, borough, access in data.VENUES:
            venue, new = Venue.objects.get_or_create(
                name=name,
                defaults={
                    "address": address,
                    "borough": boroughs[borough],
                    "access_information": access,
                },
            )
            venues.append(venue)
            created += new
        accounts = {}
        for email, name, title, agency, role in data.DEMO_ACCOUNTS:
            user, new = User.objects.get_or_create(
                email=email,
                defaults={
                    "full_name": name,
                    "job_title": title,
                    "agency": agencies[agency],
                    "email_verified_at": timezone.now(),
                },
            )
            if new:
                user.set_password(data.DEMO_PASSWORD)
                user.save(update_fields=["password"])
                AgencyMembership.objects.create(user=user, agency=user.agency, job_title=title)
                role_grant(user=user, role="delegate")
                if role != "delegate":
                    role_grant(user=user, role=role)
                created += 1
            accounts[role] = user
        created += self.load_courses_and_sessions(agencies, venues, accounts["trainer"])
        return created

    def load_courses_and_sessions(self, agencies, venues, trainer) -> int:
        created = 0
        rng = random.Random(2017)  # noqa: S311 - repeatable demo data, not security
        today = timezone.localdate()
        year_start = financial_year_start(today)
        days = working_days(year_start, date(year_start.year + 1, 3, 31))
        for code, title, programme, level, hours, outcomes, runs in data.COURSES:
            course, new = Course.objects.get_or_create(
                code=code,
                defaults={
                    "title": title,
                    "programme": programme,
                    "level": level,
                    "duration_hours": Decimal(str(hours)),
                    "summary": data.SUMMARIES[programme],
                    "audience": "Practitioners and volunteers from every partner agency "
                    "who work with children, young people and families.",
                    "refresh_months": 36 if programme == "core" else None,
                },
            )
            created += new
            if new:
                LearningOutcome.objects.bulk_create(
                    LearningOutcome(course=course, position=i, text=text)
                    for i, text in enumerate(outcomes, start=1)
                )
            index = 0
            for agency_name, count in runs.items():
                for _ in range(count):
                    index += 1
                    day = rng.choice(days)
                    starts_at = datetime.combine(day, time(9, 30), tzinfo=LONDON)
                    ends_at = starts_at + timedelta(hours=hours + (0.5 if hours > 4 else 0))
                    session, new = Session.objects.get_or_create(
                        import_ref=f"demo-{code}-{index}",
                        defaults={
                            "course": course,
                            "starts_at": starts_at,
                            "ends_at": ends_at,
                            "venue": rng.choice(venues),
                            "capacity": 25 if programme == "core" else 18,
                            "delivering_agency": agencies[agency_name],
                            "booking_opens_at": starts_at - timedelta(days=90),
                            "status": Session.Status.DELIVERED
                            if day < today
                            else Session.Status.SCHEDULED,
                        },
                    )
                    if new:
                        created += 1
                        if agency_name == "LSCB Trainer":
                            session.trainers.add(trainer)
        return created
