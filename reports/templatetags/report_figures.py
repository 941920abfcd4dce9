"""How a report's figure reads: rates as percentages, money in pounds, markers as they are."""

from django import template

from reports.tables import MEAN, MONEY, P_VALUE, RATE, TEXT, row_kinds

register = template.Library()
NOT_AVAILABLE = "–"


@register.filter
def figure(value, kind: str = "count") -> str:
    if value is None or value == "":
        return NOT_AVAILABLE if kind != TEXT else ""
    if isinstance(value, str):
        if kind == MONEY and value[:1].isdigit():
            return f"£{float(value):,.2f}"
        return value
    if kind == RATE:
        return f"{value * 100:.1f}%"
    if kind == MEAN:
        return f"{value:.2f}"
    if kind == P_VALUE:
        return "< 0.001" if value < 0.001 else f"{value:.3f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


@register.simple_tag
def table_rows(table):
    """Each row as (kind, value) pairs, for the templates."""
    return [
        list(zip(row_kinds(table, index), row, strict=True))
        for index, row in enumerate(table.rows)
    ]
