"""The public site: home, fiscal year, report, expenditure item, awards, municipality, vendor,
search, sitemap and robots.txt; drafts never shown; validators; error pages; query counts."""

import re
from datetime import date
from itertools import pairwise

import pytest
from django.core.files.base import ContentFile
from django.db import connection
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext

from budgets.models import (
    Contract,
    ExpenditureItem,
    FormerVendorName,
    SettlementAmount,
    SettlementTable,
    SubsidyProgramme,
    Vendor,
)
from programs.models import Event, Initiative
from public import search
from publication.models import Edition, PublishedAmount, PublishedContract
from publication.publishing import freeze_edition
from reports.models import Report, Section
from tests import factories
from tests.text import squash, visible_text

REPORT_URL = "/reports/2020/digital-administration/"


def text_of(client, url) -> str:
    response = client.get(url)
    assert response.status_code == 200, url
    return squash(visible_text(response.content.decode()))


def html_of(client, url) -> str:
    response = client.get(url)
    assert response.status_code == 200, url
    return response.content.decode()


# Home, fiscal year, report


def test_home_lists_the_latest_years_reports_and_offers_search(client, seed):
    response = client.get("/")

    assert response.status_code == 200
    html = response.content.decode()
    assert f'href="{REPORT_URL}"' in html
    assert 'role="search"' in html and 'name="q"' in html
    assert squash("令和２年度の事務事業実績") in squash(visible_text(html))
    assert "<title>大阪府 事務事業実績（最新：令和２年度）</title>" in html


def test_year_page_shows_each_divisions_edition_date_and_pdf_size(client, seed):
    edition = seed.editions.get()
    edition.pdf.name = "editions/seed.pdf"
    edition.pdf_size = 287_653
    edition.pdf_status = Edition.PdfStatus.DONE
    edition.save()

    text = text_of(client, "/reports/2020/")

    assert squash("スマートシティ戦略部 デジタル行政推進課 第1版") in text
    assert squash("PDF：デジタル行政推進課（280.9 KB）") in text
    assert 'href="/reports/2020/digital-administration.pdf"' in html_of(client, "/reports/2020/")


def test_report_page_has_a_contents_sidebar_whose_anchors_exist(client, seed):
    html = html_of(client, REPORT_URL)

    sidebar = html[html.index('class="report-aside"') : html.index('class="report-main"')]
    anchors = re.findall(r'href="#([^"]+)"', sidebar)
    assert len(anchors) >= 10
    for anchor in anchors:
        assert f'id="{anchor}"' in html
    assert html.count('<nav class="toc"') == 1
    assert html.index("<h1") < html.index('id="toc-title"')


def test_report_page_links_to_the_pages_that_follow_its_figures(client, seed):
    html = html_of(client, REPORT_URL)

    assert 'href="/items/lgwan-levy/"' in html
    vendor = Vendor.objects.get(name="（株）オプテージ")
    assert f'href="/vendors/{vendor.pk}/"' in html
    assert "/awards/?programme=" in html


def test_report_page_names_year_division_and_site_and_is_canonical(client, seed):
    html = html_of(client, REPORT_URL)

    assert "<title>令和２年度 デジタル行政推進課 事務事業実績 | 大阪府 事務事業実績</title>" in html
    assert f'<link rel="canonical" href="http://testserver{REPORT_URL}">' in html
    assert 'aria-current="page">デジタル行政推進課</a>' in html


def test_every_page_has_a_skip_link_landmarks_and_headings_in_order(client, seed):
    for url in [
        "/",
        "/reports/",
        "/reports/2020/",
        REPORT_URL,
        "/items/lgwan-levy/",
        "/awards/",
        "/municipalities/271004/",
        f"/vendors/{Vendor.objects.get(name='（株）オプテージ').pk}/",
        "/search/?q=ICT",
    ]:
        html = html_of(client, url)
        assert '<html lang="ja">' in html
        assert '<a class="skip-link" href="#main">' in html and '<main id="main"' in html
        assert "<header" in html and "<footer" in html and "<nav" in html
        assert len(re.findall(r"<h1[ >]", html)) == 1, url
        levels = [int(n) for n in re.findall(r"<h([1-6])[ >]", html)]
        assert all(b <= a + 1 for a, b in pairwise(levels)), url
        for table in re.findall(r"<table.*?</table>", html, re.S):
            assert "<caption" in table and '<th scope="' in table, url


# HTTP validators


def test_report_page_and_pdf_revalidate_with_etag_and_last_modified(client, seed, settings):
    edition = seed.editions.get()
    edition.pdf.save("seed.pdf", ContentFile(b"%PDF-1.7 test"), save=False)
    edition.pdf_size = 13
    edition.pdf_status = Edition.PdfStatus.DONE
    edition.save()

    for url in [REPORT_URL, "/reports/2020/digital-administration.pdf"]:
        first = client.get(url)
        assert first.status_code == 200
        assert first["ETag"] and first["Last-Modified"]
        assert "no-cache" in first["Cache-Control"]
        again = client.get(url, HTTP_IF_NONE_MATCH=first["ETag"])
        assert again.status_code == 304
        since = client.get(url, HTTP_IF_MODIFIED_SINCE=first["Last-Modified"])
        assert since.status_code == 304

    before = client.get(REPORT_URL)["ETag"]
    freeze_edition(seed, change_note="誤字を修正")
    after = client.get(REPORT_URL, HTTP_IF_NONE_MATCH=before)
    assert after.status_code == 200 and after["ETag"] != before


def test_report_page_without_its_pdf_yet_has_no_last_modified(client, seed):
    response = client.get(REPORT_URL)

    assert response["ETag"]
    assert not response.has_header("Last-Modified")
    assert "PDFは準備中です" in response.content.decode()


# Error pages


def test_not_found_page_is_in_the_sites_design(client, seed):
    response = client.get("/reports/2020/no-such-division/")

    assert response.status_code == 404
    html = response.content.decode()
    assert "ページが見つかりません" in html and "/static/css/site.css" in html
    assert '<a class="skip-link" href="#main">' in html


def test_server_error_page_is_in_the_sites_design_without_the_database(
    db, django_assert_num_queries
):
    from django.urls import get_callable

    from config.urls import handler500

    with django_assert_num_queries(0):
        response = get_callable(handler500)(RequestFactory().get("/"))

    assert response.status_code == 500
    html = response.content.decode()
    assert "エラーが発生しました" in html and "/static/css/site.css" in html
    assert "大阪府 事務事業実績" in html


# Expenditure items


def _item_in_reports(amounts_by_report_year: dict[int, dict[int, int]], code="levy"):
    """One division's reports of several years that each show the same item, with the amounts
    the item had when each report was published."""
    division = factories.division()
    item = ExpenditureItem.objects.create(division=division, code=code, name="負担金")
    reports = []
    for report_year, amounts in amounts_by_report_year.items():
        report = factories.report(report_year, division)
        section = Section.objects.create(report=report, name="グループ")
        initiative = Initiative.objects.create(section=section, title="負担金の支出")
        SettlementTable.objects.create(initiative=initiative, item=item)
        for year, amount in amounts.items():
            SettlementAmount.objects.update_or_create(
                item=item,
                fiscal_year=factories.fiscal_year(year),
                kind="settlement",
                defaults={"amount": amount},
            )
        freeze_edition(report)
        reports.append(report)
    return item, reports


def test_item_page_shows_every_year_with_year_on_year_and_a_chart(client, seed):
    html = html_of(client, "/items/lgwan-levy/")
    text = squash(visible_text(html))

    assert squash("平成30年度38,294,000－令和元年度42,969,708112.2%令和２年度37,245,32086.7%") in (
        text
    )
    assert '<svg class="bar-chart" role="img" aria-labelledby="chart-caption"' in html
    assert len(re.findall(r'<rect x="0" y="\d+" width="[\d.]+%"', html)) == 3
    assert 'width="100.00%"' in html  # the largest year, 令和元年度
    # Two items share this name: the page names its qualifier.
    assert (
        "<title>地方公共団体情報システム機構への負担金（ＬＧＷＡＮ）の決算額の推移"
        "（デジタル行政推進課）" in html
    )


def test_item_page_keeps_amounts_reported_in_thousand_yen(client, db):
    item, _ = _item_in_reports({2020: {2019: 100_000, 2020: 200_000}})
    SettlementAmount.objects.filter(item=item, fiscal_year__year=2020).update(
        amount=5318, unit="thousand"
    )
    report = Report.objects.get(fiscal_year__year=2020, division=item.division)
    freeze_edition(report, change_note="千円単位に訂正")
    text = squash(visible_text(html_of(client, f"/items/{item.code}/")))

    assert squash("令和２年度5,318千円5318.0%") in text
    assert squash("千円単位で報告された額です") in text


def test_item_page_takes_each_years_amount_from_the_latest_report(client, db):
    _item_in_reports({2020: {2019: 100_000, 2020: 200_000}, 2021: {2020: 250_000, 2021: 300_000}})

    text = text_of(client, "/items/levy/")

    assert squash("令和元年度100,000－令和２年度250,000250.0%令和３年度300,000120.0%") in text
    assert text.count(squash("令和２年度")) >= 1 and "200,000" not in text


def test_item_page_marks_a_partial_year_without_colour_alone(client, seed):
    html = html_of(client, "/items/integrated-addressing-system/")

    assert "令和２年度（～９月末）" in html
    assert "chart-bar chart-bar-partial" in html
    assert "斜線の棒は、年度の一部の期間の額です" in html
    # No year-on-year ratio against a part of a year.
    assert squash("令和２年度（～９月末）8,756,286－") in squash(visible_text(html))


def test_item_only_in_a_draft_is_not_found(client, db):
    report = factories.filled_report(status=Report.Status.DRAFT)
    code = ExpenditureItem.objects.filter(division=report.division).first().code

    assert client.get(f"/items/{code}/").status_code == 404


def test_item_page_keeps_the_published_amount_while_a_draft_changes_it(client, seed):
    SettlementAmount.objects.filter(item__code="lgwan-levy", fiscal_year__year=2020).update(
        amount=99_999_999
    )

    text = text_of(client, "/items/lgwan-levy/")

    assert "37,245,320" in text and "99,999,999" not in text


# Subsidy awards


def test_awards_page_lists_the_seeds_awards_with_totals(client, seed):
    text = text_of(client, "/awards/")

    assert squash("件数6件補助額の合計19,977,000円総事業費の合計148,957,000円") in text
    assert squash("大阪市行政手続きのオンライン化事業大阪府スマートシティ戦略推進補助金") in text


def test_awards_filter_by_year_municipality_and_programme(client, seed):
    programme = SubsidyProgramme.objects.get()

    by_city = text_of(client, "/awards/?municipality=271004")
    assert squash("件数1件補助額の合計5,000,000円") in by_city
    assert "行政手続きのオンライン化事業" in by_city and "住民異動受付支援事業" not in by_city

    assert squash("件数6件") in text_of(client, f"/awards/?programme={programme.pk}&year=2020")
    # Only places with an award are offered; others are ignored like any unknown value.
    no_award = html_of(client, "/awards/?municipality=272027")  # 岸和田市
    assert "岸和田市" not in no_award and squash("件数6件") in squash(visible_text(no_award))
    # Unknown values are ignored rather than failing.
    assert squash("件数6件") in text_of(client, "/awards/?year=abc&programme=999&page=x")


def test_awards_page_is_paginated(client, db):
    report = factories.filled_report(size=7)  # 56 awards, each shown in all 14 award tables

    first = html_of(client, "/awards/")
    second = html_of(client, "/awards/?page=2")

    assert "56件中 1～50件目" in first and 'rel="next"' in first
    assert "56件中 51～56件目" in second and 'aria-current="page"' in second
    assert report.division.name in first


def test_draft_awards_are_not_listed(client, seed):
    factories.filled_report(status=Report.Status.REVIEW)

    assert squash("件数6件") in text_of(client, "/awards/")
    assert "テスト補助金" not in text_of(client, "/awards/")


# Municipalities and vendors


def test_municipality_page_shows_its_awards_and_the_events_it_cohosted(client, seed):
    cohosted = Initiative.objects.get(pk=25)
    Event.objects.create(
        initiative=cohosted, title="研修会", starts_on=date(2021, 2, 1), cohosts="大阪市、堺市"
    )
    Event.objects.create(
        initiative=cohosted, title="別の研修会", starts_on=date(2021, 2, 2), cohosts="東大阪市"
    )
    freeze_edition(seed, change_note="開催実績を追加")

    text = text_of(client, "/municipalities/271004/")

    assert squash("大阪市種別市団体コード271004") in text
    assert squash("件数1件補助額の合計5,000,000円") in text
    assert "研修会" in text and "別の研修会" not in text


def test_municipality_page_of_a_place_without_awards(client, seed):
    text = text_of(client, "/municipalities/272027/")

    assert "岸和田市の採択事業はありません" in text
    assert client.get("/municipalities/999999/").status_code == 404


def test_vendor_page_lists_each_contract_once_with_former_names(client, db):
    vendor = Vendor.objects.create(name="（株）オプテージ")
    FormerVendorName.objects.create(
        vendor=vendor, name="（株）ケイ・オプティコム", renamed_on=date(2019, 4, 1)
    )
    division = factories.division()
    for year in (2020, 2021):
        report = factories.report(year, division)
        section = Section.objects.create(report=report, name="グループ")
        initiative = Initiative.objects.create(section=section, title="セキュリティクラウド")
        Contract.objects.create(
            initiative=initiative,
            title="セキュリティクラウド構築等業務",
            vendor=vendor,
            starts_on=date(2016, 9, 1),
            ends_on=date(2027, 3, 1),
            amount=163_600,
        )
        freeze_edition(report)

    text = text_of(client, f"/vendors/{vendor.pk}/")

    assert text.count(squash("セキュリティクラウド構築等業務")) == 1
    assert squash("（株）ケイ・オプティコム（平成31年４月１日に名称を変更）") in text
    assert squash("平成28年９月～令和９年３月163,600円") in text
    assert squash(f"令和３年度{division.name}令和２年度{division.name}") in text


def test_vendor_with_draft_contracts_only_is_not_found(client, db):
    report = factories.filled_report(status=Report.Status.DRAFT)
    vendor = Contract.objects.filter(initiative__section__report=report).first().vendor

    assert client.get(f"/vendors/{vendor.pk}/").status_code == 404


# Search


@pytest.mark.parametrize(
    ("query", "found"),
    [
        ("ICT", "庁内<mark>ＩＣＴ</mark>化の推進"),
        ("ｉｃｔ", "庁内<mark>ＩＣＴ</mark>化の推進"),
        ("lgwan", "総合行政ネットワーク（<mark>ＬＧＷＡＮ</mark>）の運営"),
        ("はんこレス", "<mark>はんこレス</mark>"),
    ],
)
def test_search_ignores_width_and_case_and_highlights_the_match(client, seed, query, found):
    html = html_of(client, f"/search/?q={query}")

    assert found in html
    assert f'href="{REPORT_URL}"' in html
    assert re.search(rf'href="{REPORT_URL}#i\d+"', html)


def test_search_needs_every_word(client, seed):
    both = visible_text(html_of(client, "/search/?q=ＬＧＷＡＮ 負担金"))
    assert "件の箇所が見つかりました" in both

    none = visible_text(html_of(client, "/search/?q=ＬＧＷＡＮ 存在しない語"))
    assert "見つかりませんでした" in none


def test_search_escapes_what_it_shows(client, db):
    report = factories.report(status=Report.Status.PUBLISHED)
    section = Section.objects.create(report=report, name="グループ")
    Initiative.objects.create(
        section=section, title="<script>alert(1)</script>", body="危険な<b>タグ</b>とＩＣＴ"
    )
    freeze_edition(report)

    html = html_of(client, "/search/?q=ict+<script>")

    assert "<script>alert" not in html
    assert "<mark>&lt;script&gt;</mark>alert(1)&lt;/script&gt;" in html
    assert "危険な&lt;b&gt;タグ&lt;/b&gt;と<mark>ＩＣＴ</mark>" in html
    assert 'value="ict &lt;script&gt;"' in html


def test_search_does_not_find_drafts_or_later_edits(client, seed):
    factories.filled_report(status=Report.Status.DRAFT)
    Initiative.objects.filter(title="はんこレス").update(title="はんこゼロ")

    assert "見つかりませんでした" in visible_text(html_of(client, "/search/?q=取組0-0"))
    assert "見つかりませんでした" in visible_text(html_of(client, "/search/?q=はんこゼロ"))
    assert "<mark>はんこレス</mark>" in html_of(client, "/search/?q=はんこレス")


def test_search_groups_results_by_report_and_paginates(client, db):
    factories.filled_report(size=2, year=2020)
    factories.filled_report(size=2, year=2021)  # 2 reports × 4 groups × 4 = 32 取組

    first = html_of(client, "/search/?q=取組")
    second = html_of(client, "/search/?q=取組&page=2")

    assert "32件の箇所が見つかりました（1～20件目を表示）" in visible_text(first)
    assert first.index("令和３年度") < first.index("令和２年度")  # newest year first
    assert first.count('class="search-group"') == 2
    assert 'href="?q=%E5%8F%96%E7%B5%84&amp;page=2"' in first
    assert "21～32件目" in visible_text(second)


def test_empty_search_shows_the_form_only(client, db):
    html = html_of(client, "/search/")

    assert 'name="q"' in html and "件の箇所" not in html
    assert '<meta name="robots" content="noindex">' in html


def test_snippet_maps_a_normalised_match_back_to_the_original_text():
    words = search.terms("ＩＣＴ 活用")

    assert words == ["ict", "活用"]
    assert (
        search.highlight("庁内ＩＣＴを活用", words) == "庁内<mark>ＩＣＴ</mark>を<mark>活用</mark>"
    )
    long = "前置き。" * 30 + "ＩＣＴ" + "後書き。" * 60
    snippet = search.snippet(long, words)
    assert snippet.startswith("…") and snippet.endswith("…") and "<mark>ＩＣＴ</mark>" in snippet


def test_snippet_never_starts_inside_a_word():
    words = search.terms("大阪")

    latin = search.snippet("い" * 10 + "GovTech" + "う" * 36 + "大阪", words)
    clause = search.snippet("あ" * 20 + "の会議。" + "え" * 24 + "大阪", words)

    assert latin.startswith("…GovTech")
    assert clause.startswith("…え")


# Sitemap and robots.txt


def test_sitemap_lists_current_editions_only(client, seed):
    draft = factories.filled_report(status=Report.Status.DRAFT)

    xml = client.get("/sitemap.xml").content.decode()

    assert f"<loc>http://testserver{REPORT_URL}</loc>" in xml
    assert "<loc>http://testserver/reports/2020/</loc>" in xml
    assert "<loc>http://testserver/items/lgwan-levy/</loc>" in xml
    assert draft.division.slug not in xml
    assert "item-" not in xml  # the draft's items


def test_robots_txt_names_the_sitemap(client, db):
    response = client.get("/robots.txt")

    assert response["Content-Type"].startswith("text/plain")
    text = response.content.decode()
    assert "Disallow: /admin/" in text
    assert "Sitemap: http://testserver/sitemap.xml" in text


# Query counts: the same at 1× and 10× the data


def _page_urls(report) -> dict[str, str]:
    edition = report.editions.get(is_current=True)
    return {
        "home": "/",
        "years": "/reports/",
        "year": "/reports/2020/",
        "report": report.get_absolute_url(),
        "item": f"/items/{PublishedAmount.objects.filter(edition=edition).first().item_code}/",
        "awards": "/awards/?year=2020&municipality=271004",
        "municipality": "/municipalities/271004/",
        "vendor": f"/vendors/{PublishedContract.objects.filter(edition=edition)[0].vendor_id}/",
        "search": "/search/?q=取組",
        "sitemap": "/sitemap.xml",
        "robots": "/robots.txt",
        "not found": "/reports/2020/no-such-division/",
    }


QUERIES = {
    "home": 2,
    "years": 1,
    "year": 3,  # with the compiled volume's downloads (reports/volumes)
    "report": 6,
    "item": 1,
    "awards": 7,
    "municipality": 4,
    "vendor": 3,
    "search": 2,
    "sitemap": 6,
    "robots": 0,
    "not found": 2,
}


def test_query_counts_of_every_page_type_do_not_grow_with_the_data(client, db):
    counts = {}
    for size in (1, 10):
        for page, url in _page_urls(factories.filled_report(size=size)).items():
            with CaptureQueriesContext(connection) as queries:
                response = client.get(url)
            assert response.status_code in (200, 404), url
            counts.setdefault(page, []).append(len(queries))

    assert counts == {page: [n, n] for page, n in QUERIES.items()}


def test_query_counts_for_the_seed(client, seed):
    vendor = Vendor.objects.get(name="（株）オプテージ")
    for url, expected in [
        ("/", QUERIES["home"]),
        (REPORT_URL, QUERIES["report"]),
        ("/items/lgwan-levy/", QUERIES["item"]),
        ("/awards/", QUERIES["awards"]),
        (f"/vendors/{vendor.pk}/", QUERIES["vendor"]),
        ("/search/?q=ICT", QUERIES["search"]),
    ]:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        assert len(queries) == expected, url
