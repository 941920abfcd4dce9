from django.conf import settings
from django.urls import reverse

from accounts.models import Role

# label, url name, the view names it is active for, role needed (None: anyone; a tuple: any
# of them), signed in only
NAVIGATION = [
    ("Home", "training:manage_home", ("training:manage_home",), Role.COORDINATOR, True),
    (
        "Training catalogue",
        "training:catalogue",
        ("training:catalogue", "training:course", "training:session"),
        None,
        False,
    ),
    (
        "My training",
        "training:my_training",
        ("training:my_training", "training:booking"),
        None,
        True,
    ),
    (
        "My sessions",
        "training:my_sessions",
        ("training:my_sessions", "training:register"),
        Role.TRAINER,
        True,
    ),
    (
        "Sessions",
        "training:manage_sessions",
        (
            "training:manage_session",
            "training:manage_booking",
            "training:manage_terms",
            "training:manage_course",
            "training:manage_venue",
            "imports:",
        ),
        Role.COORDINATOR,
        True,
    ),
    (
        "Questionnaires",
        "evaluations:questionnaires",
        ("evaluations:questionnaire",),
        Role.COORDINATOR,
        True,
    ),
    (
        "Charges and invoices",
        "training:manage_charges",
        ("training:manage_charges", "training:manage_invoice"),
        Role.COORDINATOR,
        True,
    ),
    (
        "Reports",
        "reports:report",
        ("reports:",),
        (Role.REVIEWER, Role.COORDINATOR),
        True,
    ),
    (
        "Your account",
        "accounts:profile",
        ("accounts:profile", "accounts:details_edit", "accounts:organisation_change"),
        None,
        True,
    ),
    (
        "Organisations",
        "accounts:agency_list",
        ("accounts:agency", "accounts:organisation_request", "accounts:people", "accounts:person"),
        Role.COORDINATOR,
        True,
    ),
]


def _roles(role) -> tuple:
    return role if isinstance(role, tuple) else (role,)


def service(request):
    user = getattr(request, "user", None)
    signed_in = bool(user and user.is_authenticated)
    match = getattr(request, "resolver_match", None)
    current = match.view_name if match else ""
    items = [
        {
            "label": label,
            "url": reverse(url_name),
            "active": any(current.startswith(prefix) for prefix in active_for),
        }
        for label, url_name, active_for, role, needs_sign_in in NAVIGATION
        if (signed_in or not needs_sign_in)
        and (role is None or (signed_in and any(map(user.has_role, _roles(role)))))
    ]
    return {
        "partnership_name": settings.COURSEBOOK_PARTNERSHIP_NAME,
        "service_phase": settings.COURSEBOOK_PHASE,
        "support_email": settings.COURSEBOOK_SUPPORT_EMAIL,
        "nav_items": items,
    }
