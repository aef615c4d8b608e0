"""Japanese notation for generated report text: 和暦, numerals and amounts.

Numbers the system generates follow the source document: one digit is written
full-width (２), two or more digits half-width (30).
"""

import calendar
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import NamedTuple


class Era(NamedTuple):
    name: str
    letter: str
    start: date


ERAS: tuple[Era, ...] = (
    Era("明治", "M", date(1868, 1, 25)),
    Era("大正", "T", date(1912, 7, 30)),
    Era("昭和", "S", date(1926, 12, 25)),
    Era("平成", "H", date(1989, 1, 8)),
    Era("令和", "R", date(2019, 5, 1)),
)

NO_VALUE = "－"

_FULL_WIDTH_DIGITS = str.maketrans("0123456789", "０１２３４５６７８９")


def _era(d: date) -> tuple[Era, int]:
    if isinstance(d, datetime):
        d = d.date()
    for era in reversed(ERAS):
        if d >= era.start:
            return era, d.year - era.start.year + 1
    raise ValueError(f"{d.isoformat()} is before the 明治 era")


def era_for(d: date) -> tuple[str, int]:
    """Return the era name and era year of the day ``d``: ("令和", 3)."""
    era, era_year = _era(d)
    return era.name, era_year


def jnum(n: int) -> str:
    """Write a generated number: one digit full-width, two or more half-width."""
    if n < 0:
        raise ValueError(f"jnum() takes a non-negative number, not {n}")
    text = str(n)
    return text.translate(_FULL_WIDTH_DIGITS) if len(text) == 1 else text


def era_year_text(era_year: int) -> str:
    """Write an era year, the first one as 元."""
    return "元" if era_year == 1 else jnum(era_year)


def _year_text(d: date) -> str:
    name, era_year = era_for(d)
    return f"{name}{era_year_text(era_year)}年"


def fiscal_year_label(year: int) -> str:
    """Name the fiscal year starting 1 April ``year`` by the era on 31 December: 令和２年度."""
    return f"{_year_text(date(year, 12, 31))}度"


def fiscal_year_short(year: int) -> str:
    """Short form of the fiscal year for file names: R02."""
    era, era_year = _era(date(year, 12, 31))
    return f"{era.letter}{era_year:02d}"


def japanese_date(d: date) -> str:
    """Write a date in the era of that very day: 令和３年１月28日."""
    return f"{_year_text(d)}{jnum(d.month)}月{jnum(d.day)}日"


def japanese_year_month(year: int, month: int) -> str:
    """Write a month in the era of its last day: 平成31年４月, 令和元年５月."""
    if not 1 <= month <= 12:
        raise ValueError(f"month must be in 1..12, not {month}")
    last_day = date(year, month, calendar.monthrange(year, month)[1])
    return f"{_year_text(last_day)}{jnum(month)}月"


def japanese_date_range(start: date, end: date | None) -> str:
    """Write a period of days.

    Within one month the end gives its day only (令和３年３月８日～31日); otherwise
    both dates are written in full (令和元年５月20日から令和２年３月31日まで).
    """
    if end is None or end == start:
        return japanese_date(start)
    if end < start:
        raise ValueError(f"end {end.isoformat()} is before start {start.isoformat()}")
    same_month = (start.year, start.month) == (end.year, end.month)
    if same_month and era_for(start)[0] == era_for(end)[0]:
        return f"{japanese_date(start)}～{jnum(end.day)}日"
    return f"{japanese_date(start)}から{japanese_date(end)}まで"


def japanese_month_range(start: tuple[int, int], end: tuple[int, int] | None) -> str:
    """Write a period of (year, month) pairs: 平成28年９月～令和９年３月; 平成28年９月～ if open."""
    if end is None:
        return f"{japanese_year_month(*start)}～"
    if end < start:
        raise ValueError(f"end {end} is before start {start}")
    if end == start:
        return japanese_year_month(*start)
    return f"{japanese_year_month(*start)}～{japanese_year_month(*end)}"


def comma(n: int | Decimal) -> str:
    """Group thousands with commas, keeping the sign and any fraction digits."""
    return format(n, ",f") if isinstance(n, Decimal) else format(n, ",")


def yen(amount: int) -> str:
    return f"{comma(amount)}円"


def thousand_yen(amount_yen: int) -> str:
    """Show an amount held in yen in 千円, rounded half up: 1500 → 2."""
    thousands = (Decimal(amount_yen) / 1000).quantize(Decimal(1), rounding=ROUND_HALF_UP)
    return comma(int(thousands))


def year_on_year(current: int, previous: int | None) -> str:
    """Return ``current`` as a percentage of ``previous`` to one decimal, or － without a base."""
    if not previous:
        return NO_VALUE
    ratio = (Decimal(current) * 100 / Decimal(previous)).quantize(
        Decimal("0.1"), rounding=ROUND_HALF_UP
    )
    return f"{ratio}%"
