"""Updating a row with only what changed, as HackSoft's model_update does."""

from django.db import models


class _Unchanged:
    """The default of an update service's keyword arguments: leave the field as it is."""

    def __repr__(self):
        return "UNCHANGED"


UNCHANGED = _Unchanged()


def apply_changes(instance: models.Model, values: dict) -> dict[str, tuple]:
    """Set on the instance each value that is given and differs from what it holds;
    return {name: (old, new)} for those. Nothing is saved."""
    changed = {}
    for name, value in values.items():
        if value is UNCHANGED:
            continue
        old = getattr(instance, name)
        if old != value:
            changed[name] = (old, value)
            setattr(instance, name, value)
    return changed
