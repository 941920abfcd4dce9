"""Personal survey links: made, hashed and looked up.

The token in a link is an HMAC of the invitation's random nonce under SECRET_KEY (256
bits), and the database holds only its SHA-256. A copy of the database therefore reveals
no working link, and the token can be recomputed when a message is rendered instead of
being stored anywhere, the outbox included.
"""

import base64
import hashlib
import secrets

from django.conf import settings
from django.utils.crypto import salted_hmac

LINK_SALT = "coursebook.evaluations.survey-link"
# What a token can look like: 43 URL-safe base64 characters. Anything else is refused
# before the database is asked.
TOKEN_LENGTH = 43


def link_nonce_new() -> str:
    return secrets.token_hex(16)


def link_token(nonce: str, *, secret: str | None = None) -> str:
    digest = salted_hmac(LINK_SALT, nonce, secret=secret, algorithm="sha256").digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def invitation_link_token(invitation) -> str:
    """The token of an invitation's link, as first mailed: made with SECRET_KEY, or with the
    key it had then (SECRET_KEY_FALLBACKS), so that rotating the key keeps the links
    already sent working and reminders carry the same link."""
    for secret in (settings.SECRET_KEY, *settings.SECRET_KEY_FALLBACKS):
        token = link_token(invitation.link_nonce, secret=secret)
        if token_hash(token) == invitation.token_hash:
            return token
    return link_token(invitation.link_nonce)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def new_link() -> tuple[str, str]:
    """(nonce, token hash) for a new invitation."""
    nonce = link_nonce_new()
    return nonce, token_hash(link_token(nonce))


def looks_like_token(token: str) -> bool:
    return len(token) == TOKEN_LENGTH and all(
        ch.isascii() and (ch.isalnum() or ch in "-_") for ch in token
    )


def invitation_for_token(token: str):
    """The mailed invitation a link's token opens, or None (malformed, unknown, tampered,
    imported, or a kind that is never mailed)."""
    from .models import SurveyInvitation, SurveyKind

    if not looks_like_token(token):
        return None
    return (
        SurveyInvitation.objects.filter(token_hash=token_hash(token), is_imported=False)
        .exclude(kind=SurveyKind.PRE_COURSE)
        .first()
    )
