"""One spelling of an email address for signing in and for counting failed attempts."""

from django.http import HttpRequest


def email_normalise(email: str | None) -> str:
    """Emails match without regard to case or surrounding spaces, so Kim@ and kim@ are one."""
    return (email or "").strip().lower()


def axes_username(request: HttpRequest, credentials: dict | None = None) -> str:
    """The name django-axes counts failures under: the normalised email.

    Counting the address as typed gave `VERA@`, `vera@` and `Vera@` five tries each.
    """
    if credentials:
        return email_normalise(credentials.get("username"))
    data = getattr(request, "data", request.POST)
    return email_normalise(data.get("username"))
