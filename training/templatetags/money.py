from django import template

from ..rules import money

register = template.Library()


@register.filter
def pounds(pence) -> str:
    """Pence as pounds for people to read: 4000 -> £40.00, -4000 -> -£40.00."""
    if pence in (None, ""):
        return ""
    return money.pounds(pence)
