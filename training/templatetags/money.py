from decimal import Decimal

from django import template

register = template.Library()


@register.filter
def pounds(pence) -> str:
    """Pence as pounds for people to read: 4000 -> £40.00, -4000 -> -£40.00."""
    if pence in (None, ""):
        return ""
    amount = Decimal(int(pence)) / 100
    return f"{'-' if amount < 0 else ''}£{abs(amount):,.2f}"
