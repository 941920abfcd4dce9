import logging

from django.apps import AppConfig

logger = logging.getLogger(__name__)


def _register_closed(sender, *, session_id: int, **kwargs) -> None:
    """Invite the session's delegates now rather than at the next hourly sweep."""
    from .tasks import end_of_session_send_due

    try:
        end_of_session_send_due.delay(session_id)
    except Exception:  # A broker outage delays the invitations; the sweep sends them.
        logger.warning("Could not queue the evaluation invitations", exc_info=True)


class EvaluationsConfig(AppConfig):
    name = "evaluations"

    def ready(self):
        from training.signals import register_closed

        register_closed.connect(_register_closed, dispatch_uid="evaluations.register_closed")
