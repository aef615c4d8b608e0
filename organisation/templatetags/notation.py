"""Template filters for Japanese notation; each renders None as an empty string."""

from datetime import date
from decimal import Decimal

from django import template

from organisation import notation

register = template.Library()


@register.filter
def fiscal_year(year: int | None) -> str:
    return "" if year is None else notation.fiscal_year_label(year)


@register.filter(expects_localtime=True)
def wareki_date(value: date | None) -> str:
    return "" if value is None else notation.japanese_date(value)


@register.filter(expects_localtime=True)
def wareki_month(value: date | None) -> str:
    return "" if value is None else notation.japanese_year_month(value.year, value.month)


@register.filter
def jnum(n: int | None) -> str:
    return "" if n is None else notation.jnum(n)


@register.filter
def comma(n: int | Decimal | None) -> str:
    return "" if n is None else notation.comma(n)


@register.filter
def yen(amount: int | None) -> str:
    return "" if amount is None else notation.yen(amount)


@register.filter
def thousand_yen(amount_yen: int | None) -> str:
    return "" if amount_yen is None else notation.thousand_yen(amount_yen)
