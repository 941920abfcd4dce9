"""A signed-in person changes what they sign in with: their password or their email.

Both forms ask for the current password, checked through sign-in's own path
(accounts.forms.CurrentPasswordMixin), so wrong guesses count towards the same lockout.
"""

from django.db import IntegrityError, transaction
from django.utils import timezone

from audit.services import audit_record
from notifications.services import outbox_enqueue

from ..errors import AccountError
from ..models import EmailChange, User
from ..tokens import (
    email_change_nonce_new,
    email_change_timeout,
    email_change_token,
    email_change_token_hash,
    looks_like_email_change_token,
)

LINK_FAILED = "This link has expired or has already been used"


@transaction.atomic
def user_change_password(*, user: User, password: str) -> User:
    """A signed-in person sets a new password, having given their current one.

    Every other session of theirs ends, as a session is signed with the password's hash;
    the view keeps the one in use (update_session_auth_hash). They are emailed, so that a
    change they did not make comes to light.
    """
    user = User.objects.select_for_update().get(pk=user.pk)
    user.set_password(password)
    user.save(update_fields=["password"])
    audit_record(actor=user, action="password_changed", obj=user, summary="Changed their password")
    outbox_enqueue(
        kind="password_changed",
        to=[user.email],
        subject="Your Coursebook password has been changed",
        template="accounts/password_changed",
        context={"user": user, "changed_at": f"{timezone.localtime():%-d %B %Y at %H:%M}"},
    )
    return user


def _withdraw_pending_email_change(user: User) -> None:
    EmailChange.objects.filter(user=user, status=EmailChange.Status.PENDING).update(
        status=EmailChange.Status.WITHDRAWN, resolved_at=timezone.now()
    )


@transaction.atomic
def email_change_request(*, user: User, new_email: str) -> EmailChange:
    """A signed-in person asks to use another email address.

    Nothing changes until they open the link sent to the new address: until then they
    sign in with the old one. A later request replaces a waiting one.

    If another account already uses the address, no link is sent; its owner is told that
    someone asked to use it. The person asking sees the same as for a free address, so
    the form does not tell them who has an account.
    """
    new_email = new_email.strip().lower()
    user = User.objects.select_for_update().get(pk=user.pk)
    if new_email == user.email.lower():
        raise AccountError("This is already your email address")
    _withdraw_pending_email_change(user)
    nonce = email_change_nonce_new()
    change = EmailChange.objects.create(
        user=user,
        old_email=user.email,
        new_email=new_email,
        nonce=nonce,
        token_hash=email_change_token_hash(email_change_token(nonce)),
    )
    # The addresses stay out of the audit trail: it outlives them.
    audit_record(
        actor=user,
        action="email_change_requested",
        obj=user,
        summary="Asked to change their email address",
        data={"email_change": change.pk},
    )
    if User.objects.filter(email__iexact=new_email).exclude(pk=user.pk).exists():
        outbox_enqueue(
            kind="email_change_address_taken",
            to=[new_email],
            subject="Someone asked to use this email address on Coursebook",
            template="accounts/email_change_address_taken",
            # Names the change, for erasing the requester's messages (privacy).
            context={"change": change},
        )
    else:
        outbox_enqueue(
            kind="email_change_confirm",
            to=[new_email],
            subject="Confirm your new email address for Coursebook",
            template="accounts/email_change_confirm",
            context={"change": change},
            # The body holds the link: not kept once sent.
            withhold_body=True,
        )
    return change


@transaction.atomic
def email_change_confirm(*, token: str) -> User:
    """The link sent to a new address was opened: the account now uses that address, and
    it counts as confirmed. The link works once, within email_change_timeout; the old
    address is told of the change, so that a change the owner did not make comes to
    light. An address taken by another account meanwhile is refused.
    """
    if not looks_like_email_change_token(token):
        raise AccountError(LINK_FAILED)
    change = (
        EmailChange.objects.select_for_update()
        .filter(token_hash=email_change_token_hash(token), status=EmailChange.Status.PENDING)
        .first()
    )
    if change is None or timezone.now() > change.requested_at + email_change_timeout():
        raise AccountError(LINK_FAILED)
    user = User.objects.select_for_update().get(pk=change.user_id)
    if not user.is_active:
        raise AccountError(LINK_FAILED)
    taken = AccountError(
        "This email address is now used by another Coursebook account, so your account "
        "keeps its current one"
    )
    if User.objects.filter(email__iexact=change.new_email).exclude(pk=user.pk).exists():
        raise taken
    now = timezone.now()
    old_email = user.email
    user.email = change.new_email
    user.email_verified_at = now
    try:
        # A savepoint: an account registered with the address at this moment wins the
        # unique index.
        with transaction.atomic():
            user.save(update_fields=["email", "email_verified_at"])
    except IntegrityError as error:
        raise taken from error
    change.status = EmailChange.Status.CONFIRMED
    change.resolved_at = now
    change.save(update_fields=["status", "resolved_at"])
    audit_record(
        actor=user,
        action="email_changed",
        obj=user,
        summary="Changed their email address",
        data={"email_change": change.pk},
    )
    outbox_enqueue(
        kind="email_changed",
        to=[old_email],
        subject="Your Coursebook email address has been changed",
        template="accounts/email_changed",
        context={"user": user, "new_email": change.new_email, "change": change},
    )
    return user
