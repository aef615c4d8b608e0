from datetime import date, datetime
from decimal import Decimal

import pytest
from django.template import Context, Engine

from organisation.notation import (
    ERAS,
    comma,
    era_for,
    era_year_text,
    fiscal_year_label,
    fiscal_year_short,
    japanese_date,
    japanese_date_range,
    japanese_month_range,
    japanese_year_month,
    jnum,
    thousand_yen,
    year_on_year,
    yen,
)


def test_era_table_is_in_order_with_one_letter_each():
    assert [era.name for era in ERAS] == ["明治", "大正", "昭和", "平成", "令和"]
    assert [era.letter for era in ERAS] == ["M", "T", "S", "H", "R"]
    assert [era.start for era in ERAS] == sorted(era.start for era in ERAS)


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (date(1868, 1, 25), ("明治", 1)),
        (date(1912, 7, 29), ("明治", 45)),
        (date(1912, 7, 30), ("大正", 1)),
        (date(1926, 12, 24), ("大正", 15)),
        (date(1926, 12, 25), ("昭和", 1)),
        (date(1988, 12, 31), ("昭和", 63)),
        (date(1989, 1, 7), ("昭和", 64)),
        (date(1989, 1, 8), ("平成", 1)),
        (date(2018, 12, 31), ("平成", 30)),
        (date(2019, 4, 30), ("平成", 31)),
        (date(2019, 5, 1), ("令和", 1)),
        (date(2020, 1, 1), ("令和", 2)),
        (date(2021, 1, 28), ("令和", 3)),
    ],
)
def test_era_for(day, expected):
    assert era_for(day) == expected


def test_era_for_accepts_a_datetime():
    assert era_for(datetime(2019, 5, 1, 0, 0)) == ("令和", 1)


def test_era_for_rejects_a_day_before_meiji():
    with pytest.raises(ValueError):
        era_for(date(1868, 1, 24))


@pytest.mark.parametrize(
    ("n", "expected"),
    [
        (0, "０"),
        (1, "１"),
        (2, "２"),
        (3, "３"),
        (4, "４"),
        (5, "５"),
        (6, "６"),
        (7, "７"),
        (8, "８"),
        (9, "９"),
        (10, "10"),
        (12, "12"),
        (30, "30"),
        (99, "99"),
        (100, "100"),
        (2020, "2020"),
    ],
)
def test_jnum_writes_one_digit_full_width_and_more_half_width(n, expected):
    assert jnum(n) == expected


def test_jnum_rejects_a_negative_number():
    with pytest.raises(ValueError):
        jnum(-1)


@pytest.mark.parametrize(
    ("era_year", "expected"),
    [(1, "元"), (2, "２"), (9, "９"), (10, "10"), (30, "30"), (64, "64")],
)
def test_era_year_text(era_year, expected):
    assert era_year_text(era_year) == expected


@pytest.mark.parametrize(
    ("year", "expected"),
    [
        (1868, "明治元年度"),
        (1911, "明治44年度"),
        (1912, "大正元年度"),
        (1925, "大正14年度"),
        (1926, "昭和元年度"),
        (1927, "昭和２年度"),
        (1988, "昭和63年度"),
        (1989, "平成元年度"),
        (1990, "平成２年度"),
        (2018, "平成30年度"),
        (2019, "令和元年度"),
        (2020, "令和２年度"),
        (2027, "令和９年度"),
        (2028, "令和10年度"),
    ],
)
def test_fiscal_year_label_uses_the_era_on_31_december(year, expected):
    assert fiscal_year_label(year) == expected


@pytest.mark.parametrize(
    ("year", "expected"),
    [
        (1925, "T14"),
        (1926, "S01"),
        (1988, "S63"),
        (1989, "H01"),
        (2018, "H30"),
        (2019, "R01"),
        (2020, "R02"),
        (2028, "R10"),
    ],
)
def test_fiscal_year_short(year, expected):
    assert fiscal_year_short(year) == expected


@pytest.mark.parametrize("function", [fiscal_year_label, fiscal_year_short])
def test_fiscal_year_before_meiji_is_rejected(function):
    with pytest.raises(ValueError):
        function(1867)


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (date(1868, 1, 25), "明治元年１月25日"),
        (date(1912, 7, 29), "明治45年７月29日"),
        (date(1912, 7, 30), "大正元年７月30日"),
        (date(1926, 12, 24), "大正15年12月24日"),
        (date(1926, 12, 25), "昭和元年12月25日"),
        (date(1988, 12, 31), "昭和63年12月31日"),
        (date(1989, 1, 7), "昭和64年１月７日"),
        (date(1989, 1, 8), "平成元年１月８日"),
        (date(2018, 4, 1), "平成30年４月１日"),
        (date(2019, 4, 30), "平成31年４月30日"),
        (date(2019, 5, 1), "令和元年５月１日"),
        (date(2020, 1, 1), "令和２年１月１日"),
        (date(2020, 10, 10), "令和２年10月10日"),
        (date(2021, 1, 28), "令和３年１月28日"),
    ],
)
def test_japanese_date_uses_the_era_of_that_day(day, expected):
    assert japanese_date(day) == expected


def test_japanese_date_rejects_a_day_before_meiji():
    with pytest.raises(ValueError):
        japanese_date(date(1868, 1, 24))


@pytest.mark.parametrize(
    ("year", "month", "expected"),
    [
        (1868, 1, "明治元年１月"),
        (1912, 7, "大正元年７月"),
        (1926, 11, "大正15年11月"),
        (1926, 12, "昭和元年12月"),
        (1988, 12, "昭和63年12月"),
        (1989, 1, "平成元年１月"),
        (1989, 2, "平成元年２月"),
        (2016, 9, "平成28年９月"),
        (2018, 12, "平成30年12月"),
        (2019, 4, "平成31年４月"),
        (2019, 5, "令和元年５月"),
        (2020, 1, "令和２年１月"),
        (2027, 3, "令和９年３月"),
    ],
)
def test_japanese_year_month_uses_the_era_of_the_last_day(year, month, expected):
    assert japanese_year_month(year, month) == expected


@pytest.mark.parametrize("month", [0, 13, -1])
def test_japanese_year_month_rejects_a_month_outside_the_year(month):
    with pytest.raises(ValueError):
        japanese_year_month(2020, month)


@pytest.mark.parametrize(
    ("start", "end", "expected"),
    [
        (date(2021, 1, 28), None, "令和３年１月28日"),
        (date(2021, 1, 28), date(2021, 1, 28), "令和３年１月28日"),
        (date(2021, 3, 8), date(2021, 3, 31), "令和３年３月８日～31日"),
        (date(2021, 3, 1), date(2021, 3, 2), "令和３年３月１日～２日"),
        (date(2019, 5, 20), date(2020, 3, 31), "令和元年５月20日から令和２年３月31日まで"),
        (date(2019, 4, 30), date(2019, 5, 1), "平成31年４月30日から令和元年５月１日まで"),
        (date(2020, 3, 31), date(2020, 4, 1), "令和２年３月31日から令和２年４月１日まで"),
        (date(1989, 1, 5), date(1989, 1, 10), "昭和64年１月５日から平成元年１月10日まで"),
    ],
)
def test_japanese_date_range(start, end, expected):
    assert japanese_date_range(start, end) == expected


def test_japanese_date_range_rejects_an_end_before_the_start():
    with pytest.raises(ValueError):
        japanese_date_range(date(2021, 3, 8), date(2021, 3, 7))


@pytest.mark.parametrize(
    ("start", "end", "expected"),
    [
        ((2016, 9), (2027, 3), "平成28年９月～令和９年３月"),
        ((2016, 9), None, "平成28年９月～"),
        ((2019, 4), (2019, 5), "平成31年４月～令和元年５月"),
        ((2020, 4), (2020, 4), "令和２年４月"),
    ],
)
def test_japanese_month_range(start, end, expected):
    assert japanese_month_range(start, end) == expected


def test_japanese_month_range_rejects_an_end_before_the_start():
    with pytest.raises(ValueError):
        japanese_month_range((2020, 4), (2020, 3))


@pytest.mark.parametrize(
    ("n", "expected"),
    [
        (0, "0"),
        (999, "999"),
        (1000, "1,000"),
        (38294000, "38,294,000"),
        (-1000, "-1,000"),
        (Decimal("88.38"), "88.38"),
        (Decimal("2000.5"), "2,000.5"),
        (Decimal("-1234.50"), "-1,234.50"),
        (Decimal("1E+3"), "1,000"),
    ],
)
def test_comma(n, expected):
    assert comma(n) == expected


@pytest.mark.parametrize(
    ("amount", "expected"),
    [(0, "0円"), (500, "500円"), (38294000, "38,294,000円")],
)
def test_yen(amount, expected):
    assert yen(amount) == expected


@pytest.mark.parametrize(
    ("amount_yen", "expected"),
    [
        (0, "0"),
        (499, "0"),
        (500, "1"),
        (1499, "1"),
        (1500, "2"),
        (5000000, "5,000"),
        (37527000, "37,527"),
        (37527499, "37,527"),
        (37527500, "37,528"),
    ],
)
def test_thousand_yen_rounds_half_up(amount_yen, expected):
    assert thousand_yen(amount_yen) == expected


@pytest.mark.parametrize(
    ("current", "previous", "expected"),
    [
        (37245320, 42969708, "86.7%"),
        (100, 100, "100.0%"),
        (1, 3, "33.3%"),
        (2, 3, "66.7%"),
        (1005, 1000, "100.5%"),
        (0, 1000, "0.0%"),
        (100, None, "－"),
        (100, 0, "－"),
    ],
)
def test_year_on_year(current, previous, expected):
    assert year_on_year(current, previous) == expected


def render(source: str, **context) -> str:
    engine = Engine(libraries={"notation": "organisation.templatetags.notation"})
    return engine.from_string("{% load notation %}" + source).render(Context(context))


def test_filters_render_in_a_template():
    source = (
        "{{ year|fiscal_year }} {{ held|wareki_date }} {{ started|wareki_month }} "
        "{{ count|jnum }} {{ people|comma }} {{ cost|yen }} {{ subsidy|thousand_yen }}"
    )
    rendered = render(
        source,
        year=2020,
        held=date(2021, 1, 28),
        started=date(2016, 9, 1),
        count=2,
        people=12345,
        cost=38294000,
        subsidy=5000000,
    )
    assert rendered == "令和２年度 令和３年１月28日 平成28年９月 ２ 12,345 38,294,000円 5,000"


@pytest.mark.parametrize(
    "name", ["fiscal_year", "wareki_date", "wareki_month", "jnum", "comma", "yen", "thousand_yen"]
)
def test_filters_render_none_as_empty(name):
    assert render(f"[{{{{ value|{name} }}}}]", value=None) == "[]"
