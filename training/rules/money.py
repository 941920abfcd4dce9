"""Money: kept in whole pence, shown in pounds."""

from decimal import Decimal


def pence_to_gbp(pence: int) -> Decimal:
    """Pence as pounds, exactly."""
    return Decimal(int(pence)) / 100


def pounds(pence: int, *, short: bool = False) -> str:
    """Pence as pounds for people to read: 4000 -> £40.00 (short: £40), -4050 -> -£40.50."""
    amount = pence_to_gbp(pence)
    text = f"{abs(amount):,.2f}"
    if short and text.endswith(".00"):
        text = text[:-3]
    return f"{'-' if amount < 0 else ''}£{text}"
