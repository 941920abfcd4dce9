from typing import Any

from django.db import models

from .models import AuditEntry


def audit_record(
    *,
    actor: Any,
    action: str,
    obj: models.Model,
    summary: str,
    data: dict | None = None,
) -> AuditEntry:
    """Write one audit entry; called inside the transaction of the change it records."""
    return AuditEntry.objects.create(
        actor=actor if getattr(actor, "pk", None) else None,
        action=action,
        object_type=obj._meta.label_lower,
        object_id=str(obj.pk),
        summary=summary[:300],
        data=data or {},
    )
