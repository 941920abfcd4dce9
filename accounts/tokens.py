"""Single-use email links: verification (built like Django's password reset tokens) and
the confirmation of a new email address (a random nonce, stored hashed)."""

import base64
import hashlib
import secrets
from datetime import timedelta

from django.conf import settings
from django.contrib.auth.tokens import PasswordResetTokenGenerator
from django.utils.crypto import salted_hmac


class EmailVerificationTokenGenerator(PasswordResetTokenGenerator):
    key_salt = "coursebook.accounts.EmailVerificationTokenGenerator"

    def _make_hash_value(self, user, timestamp):
        # Verifying sets email_verified_at, which changes the hash: the link works once.
        verified = "" if user.email_verified_at is None else user.email_verified_at.isoformat()
        return f"{user.pk}{user.email}{verified}{timestamp}"


email_verification_token = EmailVerificationTokenGenerator()


# A new email address's link: /account/email/confirm/<token>/. The token is an HMAC of a
# random nonce under SECRET_KEY (256 bits), recomputed when the email is rendered, so it
# is stored nowhere, the outbox included; the database keeps only its SHA-256.
EMAIL_CHANGE_SALT = "coursebook.accounts.email-change"
EMAIL_CHANGE_TOKEN_LENGTH = 43  # URL-safe base64 of 32 bytes, without padding


def email_change_timeout() -> timedelta:
    """How long the link to a new address works: as long as a password reset link."""
    return timedelta(seconds=settings.PASSWORD_RESET_TIMEOUT)


def email_change_nonce_new() -> str:
    return secrets.token_hex(16)


def email_change_token(nonce: str) -> str:
    digest = salted_hmac(EMAIL_CHANGE_SALT, nonce, algorithm="sha256").digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def email_change_token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def looks_like_email_change_token(token: str) -> bool:
    """Anything that cannot be a token is refused before the database is asked."""
    return len(token) == EMAIL_CHANGE_TOKEN_LENGTH and all(
        ch.isascii() and (ch.isalnum() or ch in "-_") for ch in token
    )
