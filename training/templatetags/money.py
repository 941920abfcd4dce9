from django import template

from ..rules import invoices, money

register = template.Library()


@register.filter
def pounds(pence) -> str:
    """Pence as pounds for people to read: 4000 -> £40.00, -4000 -> -£40.00."""
    if pence in (None, ""):
        return ""
    return money.pounds(pence)


@register.filter
def charges_raised(invoice) -> str:
    """The days an invoice's charges were raised on, as its page and its PDF print them."""
    return invoices.charges_raised_text(invoice.period_start, invoice.period_end)
