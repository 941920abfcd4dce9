"""Single-use email verification links, built like Django's password reset tokens."""

from django.contrib.auth.tokens import PasswordResetTokenGenerator


class EmailVerificationTokenGenerator(PasswordResetTokenGenerator):
    key_salt = "coursebook.accounts.EmailVerificationTokenGenerator"

    def _make_hash_value(self, user, timestamp):
        # Verifying sets email_verified_at, which changes the hash: the link works once.
        verified = "" if user.email_verified_at is None else user.email_verified_at.isoformat()
        return f"{user.pk}{user.email}{verified}{timestamp}"


email_verification_token = EmailVerificationTokenGenerator()
