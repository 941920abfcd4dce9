"""After erasure, nothing in the database names the person or holds their email: a whole
journey (booking, a place handed on, a walk-in, a turned-down change of organisation, an
evaluation, an invoice, mail), then a dump of every table searched for them. Issued
invoice PDFs are finance records kept as issued (the privacy notice says so): their
bytes are left out of the search."""

import json
from datetime import datetime, timedelta
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.management import call_command

from accounts.services.people import organisation_change_reject, organisation_change_request
from notifications.services import outbox_deliver_all
from privacy.services import person_erase
from tests.factories import AgencyFactory, CourseFactory, SessionFactory, UserFactory, coordinator
from training.models import Booking
from training.services.bookings import booking_create, booking_substitute
from training.services.invoices import invoices_run
from training.services.registers import attendance_mark, register_close, walk_in_add

from .test_privacy import evaluation

pytestmark = pytest.mark.django_db
LONDON = ZoneInfo("Europe/London")
START = datetime(2026, 6, 18, 9, 30, tzinfo=LONDON)

PEOPLE = {
    "vera": ("Verity Okonkwo-Lund", "verity.ol@stmarys.example.org"),
    "sam": ("Samphire Quillfeather", "samphire.q@stmarys.example.org"),
    "walt": ("Walter Brackenbury", "walter.b@stmarys.example.org"),
}


def dump() -> str:
    out = StringIO()
    call_command(
        "dumpdata",
        "--natural-foreign",
        exclude=["contenttypes", "auth.permission", "sessions"],
        stdout=out,
    )
    rows = json.loads(out.getvalue())
    for row in rows:
        if row["model"] == "training.invoice":
            row["fields"]["pdf"] = "(issued document, kept as issued)"
    return json.dumps(rows, ensure_ascii=False).lower()


def test_after_erasure_nothing_names_the_people_or_holds_their_email():
    school = AgencyFactory(name="St Mary's Primary School", sector="school", pays_for_places=True)
    people = {
        key: UserFactory(full_name=name, email=email, agency=school)
        for key, (name, email) in PEOPLE.items()
        if key != "walt"
    }
    boss = coordinator()
    with time_machine.travel(START - timedelta(days=40), tick=False):
        session = SessionFactory(
            course=CourseFactory(outcomes=["Know what to do"]),
            starts_at=START,
            ends_at=START + timedelta(hours=7),
        )
        later = SessionFactory(starts_at=START + timedelta(days=60))
        trainer = UserFactory(roles=["trainer"])
        session.trainers.add(trainer)
        booking = booking_create(session=session, delegate=people["vera"], actor=people["vera"])
        handed = booking_create(session=later, delegate=people["vera"], actor=people["vera"])
        booking_substitute(booking=handed, substitute=people["sam"], actor=boss)
        change = organisation_change_request(
            user=people["vera"], agency=AgencyFactory(name="Another School")
        ).organisation_changes.get()
        organisation_change_reject(
            change=change, actor=boss, note="Verity Okonkwo-Lund is still at St Mary's"
        )
    with time_machine.travel(START + timedelta(minutes=40), tick=False):
        attendance_mark(booking=booking, attendance="attended", actor=trainer)
        walk_in = walk_in_add(
            session=session,
            actor=trainer,
            full_name=PEOPLE["walt"][0],
            email=PEOPLE["walt"][1],
            agency=school,
        )
    with time_machine.travel(START + timedelta(hours=8), tick=False):
        register_close(session=session, actor=trainer)
    with time_machine.travel(START + timedelta(days=1), tick=False):
        evaluation(booking, experience=4, before=2, after=3, comment="Verity liked it")
    with time_machine.travel(START + timedelta(days=40), tick=False):
        invoices_run(period_end=(START + timedelta(days=35)).date())
    outbox_deliver_all()

    before = dump()
    for name, email in PEOPLE.values():
        assert name.lower() in before and email in before  # the search can find them

    for person in (people["vera"], people["sam"], walk_in.delegate):
        person_erase(user_id=person.pk, actor=boss, reason="Asked to be erased")

    after = dump()
    for name, email in PEOPLE.values():
        for word in (name.lower(), *name.lower().split(" "), email):
            if len(word) > 3:
                assert word not in after, word
    assert Booking.objects.filter(session=session).count() == 2  # the figures stay
