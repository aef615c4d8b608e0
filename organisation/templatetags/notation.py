"""Template filters for Japanese notation; each renders None as an empty string."""

import re
from datetime import date
from decimal import Decimal

from django import template
from django.utils.html import conditional_escape
from django.utils.safestring import mark_safe

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


# A run of katakana (with ー and ・ inside it) is one word: a line break inside it
# (ア／ドバイザー) misreads, and neither browsers nor WeasyPrint know Japanese words.
_KATAKANA_WORD = re.compile(r"[\u30a1-\u30fa\u30fc\uff66-\uff9f][\u30a1-\u30fc\uff66-\uff9f]+")


@register.filter(needs_autoescape=True)
def keep_words(text: str | None, autoescape=True) -> str:
    """``text`` with each katakana word kept on one line (``<span class="word">``)."""
    if text is None:
        return ""
    escaped = conditional_escape(text) if autoescape else text
    return mark_safe(_KATAKANA_WORD.sub(r'<span class="word">\g<0></span>', escaped))
