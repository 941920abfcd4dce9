"""Keeping the tokens of emailed links out of logs.

A password reset or verification link, the link confirming a new email address, and a
survey's personal link, carries a secret in its path. Django's reset view swaps it for a
session key on the first request, but that first request is still logged, by gunicorn's
access log and by Django's request logging. Both log the path with the token replaced
(config.gunicorn_conf for gunicorn, TokenFilter for Django's loggers).
"""

import logging
import re

# Paths whose last two segments are a user id and a single-use token. Django's reset view
# redirects to .../set-password/, which holds no secret and is left as it is.
TOKEN_PATH = re.compile(
    r"(/account/(?:reset|verify)/)(?!resend/)[^/\s?#\"]+/(?!set-password/)[^/\s?#\"]+"
)


# A survey's personal link: /evaluations/s/<token>/ and /evaluations/s/<token>/answer/<a>/.
SURVEY_TOKEN_PATH = re.compile(r"(/evaluations/s/)[^/\s?#\"]+")

# The link that confirms a new email address: /account/email/confirm/<token>/.
EMAIL_CHANGE_TOKEN_PATH = re.compile(r"(/account/email/confirm/)[^/\s?#\"]+")


def scrub_tokens(text: str) -> str:
    """The text with every link token replaced by <token>."""
    text = TOKEN_PATH.sub(r"\1<uid>/<token>", text)
    text = EMAIL_CHANGE_TOKEN_PATH.sub(r"\1<token>", text)
    return SURVEY_TOKEN_PATH.sub(r"\1<token>", text)


class TokenFilter(logging.Filter):
    """A logging filter: formats the record's message and removes link tokens from it
    (django.request logs "Bad Request: <path>", runserver the request line)."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        scrubbed = scrub_tokens(message)
        if scrubbed != message:
            record.msg, record.args = scrubbed, None
        return True
