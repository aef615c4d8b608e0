"""Reading the notation of past reports: era years, dates, periods, numbers and amounts.

Past reports write years in 和暦 (平成30年度, 令和元年度, H30), digits full or half width, and
amounts with commas and a unit (38,294,000円; 5,000 in a 千円 column). Everything here is pure:
text in, Python values out, ``None`` when the text says something else.
"""

import re
import unicodedata
from datetime import date

from organisation.notation import ERAS

ERA_START = {era.name: era.start.year for era in ERAS} | {
    era.letter: era.start.year for era in ERAS
}
ERA_NAMES = "|".join(era.name for era in ERAS)
ERA_LETTERS = "".join(era.letter for era in ERAS)

# After NFKC: 令和2年, 令和元年, H30年, R2, 2020年
YEAR = (
    rf"(?:(?P<era>{ERA_NAMES}|[{ERA_LETTERS}])\s*(?P<n>元|\d{{1,2}})"
    r"|(?P<western>(?:18|19|20|21)\d\d))\s*年?"
)
FISCAL_YEAR = re.compile(rf"^{YEAR}\s*度\s*(?:[(](?P<period>[^()]*)[)])?$")


def nfkc(text: str) -> str:
    return unicodedata.normalize("NFKC", text)


def western_year(era: str | None, n: str | None, western: str | None) -> int:
    if western:
        return int(western)
    return ERA_START[era] + (1 if n == "元" else int(n)) - 1


def fiscal_year(text: str) -> tuple[int, str] | None:
    """平成30年度 → (2018, ""); 令和２年度（～９月末） → (2020, "～９月末")."""
    match = FISCAL_YEAR.match(nfkc(text).replace(" ", "").replace("\n", ""))
    if not match:
        return None
    year = western_year(match["era"], match["n"], match["western"])
    period = ""
    if match["period"] is not None:
        # The label is kept as typed in the source: take it from the original text.
        original = re.search(r"[(（]([^()（）]*)[)）]\s*$", text.replace("\n", ""))
        period = original[1].strip() if original else match["period"]
    return year, period


def years_in(text: str) -> list[int]:
    """Every fiscal or calendar year named in ``text``, in order."""
    normal = nfkc(text)
    return [
        western_year(m["era"], m["n"], m["western"])
        for m in re.finditer(
            rf"(?:(?P<era>{ERA_NAMES})\s*(?P<n>元|\d{{1,2}})|(?P<western>(?:19|20)\d\d))\s*年",
            normal,
        )
    ]


RANGE_SEPARATOR = r"\s*(?:~|〜|から|-|―)\s*"


def _date_parts(match, prefix=""):
    get = match.groupdict()
    year = None
    if get.get(f"{prefix}era") or get.get(f"{prefix}western"):
        year = western_year(get[f"{prefix}era"], get[f"{prefix}n"], get[f"{prefix}western"])
    month = int(get[f"{prefix}month"]) if get.get(f"{prefix}month") else None
    day = int(get[f"{prefix}day"]) if get.get(f"{prefix}day") else None
    return year, month, day


def _named(pattern: str, prefix: str) -> str:
    return re.sub(r"\(\?P<(\w+)>", lambda m: f"(?P<{prefix}{m[1]}>", pattern)


_ONE_DATE = rf"(?:{YEAR})?\s*(?:(?P<month>\d{{1,2}})\s*月)?\s*(?:(?P<day>\d{{1,2}})\s*日)?"
DATE_RANGE = re.compile(
    rf"^\s*{_named(YEAR, 'a')}\s*(?P<amonth>\d{{1,2}})\s*月\s*(?P<aday>\d{{1,2}})\s*日"
    rf"(?:{RANGE_SEPARATOR}{_named(_ONE_DATE, 'b')}\s*(?:まで)?)?"
)
MONTH_RANGE = re.compile(
    rf"^\s*{_named(YEAR, 'a')}\s*(?P<amonth>\d{{1,2}})\s*月"
    rf"{RANGE_SEPARATOR}{_named(YEAR, 'b')}\s*(?P<bmonth>\d{{1,2}})\s*月\s*(?:まで)?\s*$"
)


def date_range(text: str) -> tuple[date, date | None, str] | None:
    """令和３年３月８日～31日 → (2021-03-08, 2021-03-31, rest); the rest is what follows."""
    normal = nfkc(text)
    match = DATE_RANGE.match(normal)
    if not match:
        return None
    year, month, day = _date_parts(match, "a")
    try:
        starts = date(year, month, day)
        ends = None
        end_year, end_month, end_day = _date_parts(match, "b")
        if end_day or end_month:
            ends = date(end_year or year, end_month or month, end_day or 1)
    except (ValueError, TypeError):
        return None
    rest = original_rest(text, normal, match.end())
    return starts, ends, rest


def original_rest(text: str, normal: str, end: int) -> str:
    """The text after ``normal[:end]``, taken from ``text`` as typed (NFKC keeps the count of
    most characters, but not all, so count from the end)."""
    tail = normal[end:]
    for i in range(len(text) + 1):
        if nfkc(text[i:]) == tail:
            return text[i:].strip(" \u3000")
    return tail.strip()


def month_range(text: str) -> tuple[tuple[int, int], tuple[int, int]] | None:
    """平成28年９月～令和９年３月 → ((2016, 9), (2027, 3))."""
    match = MONTH_RANGE.match(nfkc(text).replace("\n", ""))
    if not match:
        return None
    start_year, start_month, _ = _date_parts(match, "a")
    end_year, end_month, _ = _date_parts(match, "b")
    return (start_year, start_month), (end_year, end_month)


def one_date(text: str) -> date | None:
    found = date_range(text)
    return found[0] if found else None


NUMBER = re.compile(r"^(?P<sign>[△▲-])?\s*(?P<digits>\d[\d,]*(?:\.\d+)?)\s*(?P<unit>千円|円)?$")


def amount(text: str) -> tuple[int, str | None] | None:
    """38,294,000円 → (38294000, "yen"); 5,000 → (5000, None): the unit comes from the table."""
    normal = nfkc(text).replace(" ", "").replace("\n", "")
    match = NUMBER.match(normal)
    if not match or "." in match["digits"] or match["sign"]:
        return None
    unit = {"円": "yen", "千円": "thousand", None: None}[match["unit"]]
    return int(match["digits"].replace(",", "")), unit


def count(text: str, unit: str) -> int | None:
    """31団体49名 → count(…, "団体") = 31."""
    match = re.search(rf"(\d[\d,]*)\s*{unit}", nfkc(text))
    return int(match[1].replace(",", "")) if match else None


def unit_in(text: str) -> str | None:
    """The unit a caption or header declares: （単位：千円） → "thousand"."""
    normal = nfkc(text)
    if "千円" in normal:
        return "thousand"
    if re.search(r"単位\s*:\s*円|\(円\)", normal):
        return "yen"
    return None
