"""A keyed digest of an email address, to recognise a person without keeping their email.

The history import names each booking it writes by the session's ref and this digest, and
an anonymisation keeps the digest of the email the person had, so that importing the same
history again finds what is there and leaves out those whose data was erased. It lives in
`accounts` because both `imports` and `privacy` depend on `accounts` and neither on the
other: the digest is about an account's email, and nothing here reads either app.

HMAC-SHA256 under SECRET_KEY with a salt of its own: without the key, a digest cannot be
checked against a list of guessed addresses. Rotating SECRET_KEY changes every digest.
"""

from django.utils.crypto import salted_hmac

SALT = "coursebook.accounts.email_digest"
DIGEST_LENGTH = 64  # The whole hex digest: 64 characters, with room for a 100-character ref.


def email_digest(email: str) -> str:
    """The hex digest of the address, the same whatever its case or surrounding spaces."""
    return salted_hmac(SALT, email.strip().lower(), algorithm="sha256").hexdigest()[:DIGEST_LENGTH]


def booking_import_ref(*, session_ref: str, email: str) -> str:
    """The `import_ref` of an imported booking: the session's ref and the email's digest."""
    return f"{session_ref}:{email_digest(email)}"
