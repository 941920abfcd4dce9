"""The whole schedule walked with time-machine: messages counted at every step."""

import importlib
import re
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest
from django.apps import apps
from django.core import mail

from evaluations import keys
from evaluations.models import SurveyInvitation, SurveyKind
from evaluations.tasks import end_of_session_send_due, follow_ups_send_due
from notifications.models import OutboxMessage
from notifications.services import outbox_deliver_all
from tests.factories import UserFactory
from training.models import Booking

from .factories import START, answer_end_of_session, answer_follow_up, at, delivered_session

pytestmark = pytest.mark.django_db
CLOSED = START + timedelta(hours=7)


def survey_messages() -> Counter:
    return Counter(
        (m.kind, m.to[0], m.subject.startswith("Reminder"))
        for m in OutboxMessage.objects.filter(kind__startswith="survey_")
    )


def messages_to(address: str) -> list[OutboxMessage]:
    return list(OutboxMessage.objects.filter(kind__startswith="survey_", to=[address]))


def test_end_of_session_invitation_reminders_and_close():
    session, (asha, ben, cal) = delivered_session(attendances=["attended", "partial", "absent"])

    with at(CLOSED + timedelta(hours=1)):
        assert end_of_session_send_due()["messages"] == 2
        assert end_of_session_send_due()["messages"] == 0  # the sweep running twice
    assert SurveyInvitation.objects.filter(kind=SurveyKind.END_OF_SESSION).count() == 2
    assert not SurveyInvitation.objects.filter(booking=cal).exists()  # absent: no form
    assert survey_messages() == Counter(
        {
            ("survey_end_of_session", asha.delegate.email, False): 1,
            ("survey_end_of_session", ben.delegate.email, False): 1,
        }
    )

    with at(CLOSED + timedelta(days=1)):
        answer_end_of_session(SurveyInvitation.objects.get(booking=asha))

    with at(CLOSED + timedelta(days=2)):  # 2 days less an hour after the invitation
        assert end_of_session_send_due()["messages"] == 0
    with at(CLOSED + timedelta(days=2, hours=1)):
        assert end_of_session_send_due()["messages"] == 1
        assert end_of_session_send_due()["messages"] == 0
    with at(CLOSED + timedelta(days=7, hours=1)):
        assert end_of_session_send_due()["messages"] == 1
        assert end_of_session_send_due()["messages"] == 0
    with at(CLOSED + timedelta(days=20)):
        assert end_of_session_send_due()["messages"] == 0  # two reminders, no more
    with at(CLOSED + timedelta(days=31)):
        assert end_of_session_send_due()["messages"] == 0

    # Asha answered on day 1: one message, no reminder. Ben: the invitation, two reminders.
    assert survey_messages() == Counter(
        {
            ("survey_end_of_session", asha.delegate.email, False): 1,
            ("survey_end_of_session", ben.delegate.email, False): 1,
            ("survey_end_of_session", ben.delegate.email, True): 2,
        }
    )


def test_a_reminder_is_judged_when_it_is_sent_not_when_it_was_due():
    session, (asha,) = delivered_session()
    with at(CLOSED + timedelta(hours=1)):
        end_of_session_send_due()
    # The reminder fell due at two days; the sweep only runs after she has answered.
    with at(CLOSED + timedelta(days=2, hours=3)):
        answer_end_of_session(SurveyInvitation.objects.get(booking=asha))
    with at(CLOSED + timedelta(days=2, hours=4)):
        assert end_of_session_send_due()["messages"] == 0
    assert len(messages_to(asha.delegate.email)) == 1


def test_the_sent_message_carries_a_working_link_that_the_database_does_not_hold():
    session, (asha,) = delivered_session()
    OutboxMessage.objects.all().delete()  # the booking's own messages
    with at(CLOSED + timedelta(hours=1)):
        end_of_session_send_due()
        assert outbox_deliver_all() == 1
    (email,) = mail.outbox
    assert email.to == [asha.delegate.email]
    link = re.search(r"http://\S+/evaluations/s/(\S+)/", email.body)
    assert link, email.body
    token = link.group(1)
    invitation = SurveyInvitation.objects.get(booking=asha)
    assert len(token) >= 43  # 256 bits, base64
    assert token not in invitation.token_hash and token != invitation.link_nonce
    message = OutboxMessage.objects.get(kind="survey_end_of_session")
    assert message.status == OutboxMessage.Status.SENT
    assert token not in message.body and token not in str(message.context)


def test_imported_sessions_and_bookings_are_never_invited(settings):
    session, (asha, ben) = delivered_session(attendances=["attended", "attended"])
    session.import_ref = "OLD-1"
    session.save(update_fields=["import_ref"])
    other, (cal,) = delivered_session(starts_at=START + timedelta(days=1))
    Booking.objects.filter(pk=cal.pk).update(import_ref="OLD-BOOKING-1")
    with at(CLOSED + timedelta(days=1, hours=1)):
        assert end_of_session_send_due()["messages"] == 0
    with at(START + timedelta(days=91, hours=8)):
        assert follow_ups_send_due()["messages_queued"] == 0
    assert not SurveyInvitation.objects.exists()


def test_follow_up_digest_reminders_manager_and_close(settings):
    dana, eve = UserFactory(), UserFactory()
    morning, (dana_am, eve_am) = delivered_session(
        delegates=[dana, eve],
        attendances=["attended", "partial"],
        line_manager_email="manager@example.org",
    )
    # Dana came to a second workshop the same day: her two follow-ups come as one digest.
    afternoon, (dana_pm,) = delivered_session(
        starts_at=START + timedelta(hours=8), delegates=[dana]
    )
    with at(CLOSED + timedelta(hours=1)):
        end_of_session_send_due()
        answer_end_of_session(SurveyInvitation.objects.get(booking=dana_am))
        end_of_session_send_due()
    OutboxMessage.objects.all().delete()

    day_90 = START.replace(hour=8, minute=0) + timedelta(days=90)
    with at(day_90 - timedelta(days=1)):
        assert follow_ups_send_due()["messages_queued"] == 0
    with at(day_90):
        run = follow_ups_send_due()
        # Three follow-ups (Dana twice, Eve) and the manager's two forms, in three messages:
        # Dana's digest, Eve's, and the manager's digest of the two people they manage.
        assert (run["due"], run["managers_due"], run["invited"], run["messages_queued"]) == (
            3,
            2,
            5,
            3,
        )
        assert follow_ups_send_due()["messages_queued"] == 0  # the daily task run twice
    assert survey_messages() == Counter(
        {
            ("survey_follow_up", dana.email, False): 1,
            ("survey_follow_up", eve.email, False): 1,
            ("survey_manager", "manager@example.org", False): 1,
        }
    )
    with at(day_90 + timedelta(hours=1)):
        assert outbox_deliver_all() == 3
    digest = next(m for m in mail.outbox if m.to == [dana.email])
    assert "Use the referral pathway" in digest.body  # her action plan, quoted back
    assert len(re.findall(r"/evaluations/s/\S+/answer/(yes|partly|not_yet)/", digest.body)) == 6
    assert "Dear colleague" in next(m for m in mail.outbox if m.to == ["manager@example.org"]).body

    with at(day_90 + timedelta(days=3)):
        answer_follow_up(SurveyInvitation.objects.get(booking=eve_am, kind=SurveyKind.FOLLOW_UP))
    with at(day_90 + timedelta(days=7)):
        run = follow_ups_send_due()
        assert (run["invited"], run["messages_queued"]) == (4, 2)  # Dana's two, the manager's
        assert follow_ups_send_due()["messages_queued"] == 0
    with at(day_90 + timedelta(days=14)):
        assert follow_ups_send_due()["messages_queued"] == 2
        assert follow_ups_send_due()["messages_queued"] == 0
    with at(day_90 + timedelta(days=30)):
        assert follow_ups_send_due()["messages_queued"] == 0
    with at(day_90 + timedelta(days=42)):
        assert follow_ups_send_due()["messages_queued"] == 0
        assert not SurveyInvitation.objects.filter(
            kind=SurveyKind.FOLLOW_UP, closes_at__gt=day_90 + timedelta(days=42)
        ).exists()

    assert survey_messages() == Counter(
        {
            ("survey_follow_up", dana.email, False): 1,
            ("survey_follow_up", dana.email, True): 2,
            ("survey_follow_up", eve.email, False): 1,  # answered: no reminder
            ("survey_manager", "manager@example.org", False): 1,
            ("survey_manager", "manager@example.org", True): 2,
        }
    )
    answers = SurveyInvitation.objects.get(booking=eve_am, kind=SurveyKind.FOLLOW_UP)
    assert answers.response.answers.get(question__key=keys.USED_LEARNING).choice == "yes"


def test_no_manager_form_for_a_booking_made_while_the_booking_page_did_not_say_so(settings):
    settings.COURSEBOOK_MANAGER_FOLLOW_UP = False
    _, (gap,) = delivered_session(line_manager_email="manager@example.org")
    assert gap.line_manager_may_be_asked is False
    settings.COURSEBOOK_MANAGER_FOLLOW_UP = True  # on again by the time the follow-up is due
    with at(START + timedelta(days=90, hours=2)):
        assert follow_ups_send_due()["managers_due"] == 0
    assert not SurveyInvitation.objects.filter(kind=SurveyKind.MANAGER).exists()
    assert SurveyInvitation.objects.filter(booking=gap, kind=SurveyKind.FOLLOW_UP).exists()


def test_no_manager_form_once_the_setting_is_off_whatever_the_booking_page_said(settings):
    settings.COURSEBOOK_MANAGER_FOLLOW_UP = True
    _, (told,) = delivered_session(line_manager_email="boss@example.org")
    assert told.line_manager_may_be_asked is True
    settings.COURSEBOOK_MANAGER_FOLLOW_UP = False
    with at(START + timedelta(days=90, hours=2)):
        assert follow_ups_send_due()["managers_due"] == 0
    assert not SurveyInvitation.objects.filter(kind=SurveyKind.MANAGER).exists()


def test_the_follow_up_delay_is_a_setting(settings):
    settings.COURSEBOOK_FOLLOW_UP_DAYS = 120
    delivered_session()
    with at(START + timedelta(days=90, hours=2)):
        assert follow_ups_send_due()["messages_queued"] == 0
    with at(START + timedelta(days=120, hours=2)):
        assert follow_ups_send_due()["messages_queued"] == 1


def test_a_reminder_after_the_secret_key_is_rotated_carries_the_same_link(settings):
    session, (asha,) = delivered_session()
    OutboxMessage.objects.all().delete()
    with at(CLOSED + timedelta(hours=1)):
        end_of_session_send_due()
        outbox_deliver_all()
    settings.SECRET_KEY_FALLBACKS = [settings.SECRET_KEY]
    settings.SECRET_KEY = "a-new-secret-key-for-coursebook-" + "x" * 30
    with at(CLOSED + timedelta(days=2, hours=2)):
        end_of_session_send_due()
        outbox_deliver_all()
    first, reminder = (re.search(r"/evaluations/s/(\S+)/", m.body).group(1) for m in mail.outbox)
    assert first == reminder


def test_a_follow_up_delay_outside_90_to_180_days_is_refused(settings):
    settings.COURSEBOOK_FOLLOW_UP_DAYS = 200
    delivered_session()
    with at(START + timedelta(days=200, hours=8)), pytest.raises(ValueError, match="90 and 180"):
        follow_ups_send_due()
    assert not SurveyInvitation.objects.filter(kind=SurveyKind.FOLLOW_UP).exists()


def test_bookings_made_before_the_notice_was_recorded_are_filled_in_by_their_date(settings):
    fill_in = importlib.import_module(
        "training.migrations.0008_booking_line_manager_may_be_asked"
    ).fill_in
    _, (before, after) = delivered_session(attendances=["attended", "attended"])
    Booking.objects.update(line_manager_may_be_asked=False)
    Booking.objects.filter(pk=before.pk).update(booked_at=datetime(2026, 11, 30, 23, tzinfo=UTC))
    settings.COURSEBOOK_MANAGER_FOLLOW_UP_BOOKED_FROM = "2026-12-01"

    fill_in(apps, None)

    assert not Booking.objects.get(pk=before.pk).line_manager_may_be_asked
    assert Booking.objects.get(pk=after.pk).line_manager_may_be_asked
