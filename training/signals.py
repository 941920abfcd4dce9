"""Signals other apps listen to, so that training never imports them."""

from django.dispatch import Signal

# Sent once a register's closing has committed, with session_id.
register_closed = Signal()
