"""One line in the log for each refused request.

Django's request logger writes a refused request (403 for PermissionDenied, 400 for a bad
request body) with the exception's full traceback, although the refusal is an ordinary
answer: the log fills with tracebacks that are not errors and hides the ones that are.
ClientErrorFilter, on the django.request logger, rewrites every 4xx record as one line
(status, method, path with link tokens removed, and the user's id) and drops the
traceback. Server errors (5xx) are left as Django writes them, traceback and all.
"""

import logging
from http import HTTPStatus

from django.db import DatabaseError

from config.log_tokens import scrub_tokens


def _user(request) -> str:
    try:
        user_id = getattr(getattr(request, "user", None), "pk", None)
    except DatabaseError:  # a log line never turns a refusal into a server error
        user_id = None
    return f"user {user_id}" if user_id is not None else "not signed in"


def _reason(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Client error"


def _printable(text: str) -> str:
    # As Django does: a path may hold any character, a newline included.
    return text.encode("unicode_escape").decode("ascii")


class ClientErrorFilter(logging.Filter):
    """A logging filter: a 4xx record of django.request becomes one line, without a
    traceback, e.g. "Forbidden: GET /training/manage/ (status 403, user 12)"."""

    def filter(self, record: logging.LogRecord) -> bool:
        status = getattr(record, "status_code", None)
        request = getattr(record, "request", None)
        if not isinstance(status, int) or not 400 <= status < 500 or request is None:
            return True
        record.msg = "%s: %s %s (status %s, %s)"
        record.args = (
            _reason(status),
            _printable(request.method or ""),
            _printable(scrub_tokens(request.path)),
            status,
            _user(request),
        )
        record.exc_info = record.exc_text = record.stack_info = None
        return True
