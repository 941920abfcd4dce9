"""Who may take a session's register: its trainers and coordinators, checked on the server."""

from accounts.models import Role, User

from .models import Session


def can_take_register(user: User, session: Session) -> bool:
    if not user.is_authenticated:
        return False
    if user.has_role(Role.COORDINATOR):
        return True
    return session.trainers.filter(pk=user.pk).exists()
