import re
from itertools import pairwise

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from reports.models import Report
from tests import factories
from tests.seed_facts import FACTS
from tests.text import missing_in_order, squash, visible_text

REPORT_URL = "/reports/2020/digital-administration/"


def test_seed_report_page_shows_every_fact_in_the_seed_order(client, seed):
    response = client.get(REPORT_URL)

    assert response.status_code == 200
    assert len(FACTS) >= 150
    assert missing_in_order(visible_text(response.content.decode()), FACTS) == []


def test_generated_markers_follow_the_seed(client, seed):
    text = squash(visible_text(client.get(REPORT_URL).content.decode()))

    for heading in [
        "1庁内ICT化の推進",
        "(1)「3つのレス」の推進",
        "〇はんこレス",
        "①情報セキュリティ技術セミナーの開催",
        "7【新規】大阪府スマートシティ戦略推進補助金",
        "・チャットツール",
    ]:
        assert squash(heading) in text


def test_settlement_table_has_wareki_headers_period_labels_and_year_on_year(client, seed):
    html = client.get(REPORT_URL).content.decode()
    text = squash(visible_text(html))

    assert squash("令和２年度（～９月末）") in text
    assert squash("令和２年度（10月～）") in text
    # LGWAN levy: 37,245,320 / 42,969,708 = 86.7 %
    assert squash("前年度比－112.2%86.7%") in text


def test_award_table_is_in_thousand_yen_with_a_total_row(client, seed):
    html = client.get(REPORT_URL).content.decode()
    text = squash(visible_text(html))

    assert squash("補助額（千円）") in text
    assert squash("合計19,977148,957") in text


def test_contract_notes_name_the_vendors_former_name(client, seed):
    text = squash(visible_text(client.get(REPORT_URL).content.decode()))

    assert (
        squash("※「（株）ケイ・オプティコム」は平成31年４月１日より「（株）オプテージ」へ改名")
        in text
    )
    assert squash("9,900,000円(税込)") in text


def test_report_page_is_semantic_html(client, seed):
    html = client.get(REPORT_URL).content.decode()

    assert '<html lang="ja">' in html
    assert len(re.findall(r"<h1[ >]", html)) == 1
    tables = re.findall(r"<table.*?</table>", html, re.S)
    assert len(tables) == 9  # six settlement tables, two contract tables, one award table
    for table in tables:
        assert re.search(r"<caption[ >]", table)
        assert re.search(r'<th scope="(col|row)"', table)
    levels = [int(n) for n in re.findall(r"<h([1-6])[ >]", html)]
    assert all(b <= a + 1 for a, b in pairwise(levels))


def test_years_and_year_pages_link_to_the_report(client, seed):
    years = client.get("/reports/").content.decode()
    year = client.get("/reports/2020/").content.decode()

    assert 'href="/reports/2020/"' in years and "令和２年度" in years
    assert f'href="{REPORT_URL}"' in year
    assert "スマートシティ戦略部" in year and "デジタル行政推進課" in year


@pytest.mark.parametrize("status", [Report.Status.DRAFT, Report.Status.REVIEW])
def test_unpublished_report_is_not_shown(client, db, status):
    report = factories.filled_report(status=status)
    url = report.get_absolute_url()

    assert client.get(url).status_code == 404
    assert report.division.name not in client.get("/reports/2020/").content.decode()
    assert 'href="/reports/2020/"' not in client.get("/reports/").content.decode()


def test_unknown_report_is_404(client, seed):
    assert client.get("/reports/2020/no-such-division/").status_code == 404
    assert client.get("/reports/1999/digital-administration/").status_code == 404


def _queries_for(client, report) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(report.get_absolute_url())
    assert response.status_code == 200
    return len(queries)


def test_report_page_queries_do_not_grow_with_the_report(client, db):
    small = _queries_for(client, factories.filled_report(size=1))
    large = _queries_for(client, factories.filled_report(size=10))

    assert small == large
    assert small <= 15


def test_report_page_query_count_for_the_seed(client, seed, django_assert_max_num_queries):
    with django_assert_max_num_queries(15):
        client.get(REPORT_URL)
