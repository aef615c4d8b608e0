import codecs
import csv
import io
import json
import re
from urllib.parse import quote

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from budgets.models import Contract, SettlementAmount, SubsidyAward
from public import opendata
from publication.publishing import freeze_edition
from reports.models import Report
from tests import factories
from tests.text import squash, visible_text

REPORT = "/reports/2020/digital-administration"
DATASETS = ["amounts", "contracts", "awards", "events"]
SITE_FILES = [f"/data/{name}.csv" for name in DATASETS]
REPORT_FILES = [f"{REPORT}/data/{name}.csv" for name in DATASETS] + [f"{REPORT}.json"]


@pytest.fixture(autouse=True)
def empty_cache():
    cache.clear()
    yield
    cache.clear()


def body(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


def rows(response) -> list[dict]:
    assert response.status_code == 200
    return parse(body(response))


def parse(content: bytes) -> list[dict]:
    assert content.startswith(codecs.BOM_UTF8)
    return list(csv.DictReader(io.StringIO(content.decode("utf-8-sig"), newline="")))


def every_download(client) -> str:
    """All the site's open data as one text: each site-wide file and each report's files."""
    texts = [body(client.get(url)).decode("utf-8-sig") for url in SITE_FILES]
    for report in Report.objects.select_related("fiscal_year", "division"):
        prefix = f"/reports/{report.fiscal_year.year}/{report.division.slug}"
        for url in [f"{prefix}/data/{name}.csv" for name in DATASETS] + [f"{prefix}.json"]:
            response = client.get(url)
            if response.status_code == 200:
                texts.append(body(response).decode("utf-8-sig"))
    return "\n".join(texts)


def republish(report, note="数値を訂正"):
    report.refresh_from_db()
    return freeze_edition(report, change_note=note)


# What the seed's files hold


def test_seed_amounts_csv_holds_the_seed_settlement_amounts(client, seed):
    amounts = rows(client.get(f"{REPORT}/data/amounts.csv"))

    assert len(amounts) == 14
    lgwan_2018 = next(r for r in amounts if r["費目コード"] == "lgwan-levy" and r["年度"] == "2018")
    assert lgwan_2018["決算額（円）"] == "38294000"
    assert lgwan_2018["年度（和暦）"] == "平成30年度"
    assert lgwan_2018["予算額（円）"] == ""
    assert lgwan_2018["費目名"] == "地方公共団体情報システム機構への負担金"
    assert {r["課ID"] for r in amounts} == {"digital-administration"}
    assert {r["課名"] for r in amounts} == {"デジタル行政推進課"}
    assert {r["部局名"] for r in amounts} == {"スマートシティ戦略部"}
    assert {(r["報告書の年度"], r["報告書の年度（和暦）"], r["版"]) for r in amounts} == {
        ("2020", "令和２年度", "1")
    }
    periods = {r["期間"] for r in amounts if r["費目コード"].startswith("integrated-addressing")}
    assert periods == {"", "～９月末", "10月～"}
    assert sum(int(r["決算額（円）"]) for r in amounts) == sum(
        SettlementAmount.objects.filter(
            item__code__in={r["費目コード"] for r in amounts},
            fiscal_year__year__gte=2018,
            fiscal_year__year__lte=2020,
        ).values_list("amount", flat=True)
    )


def test_seed_contracts_csv_has_iso_months_and_wareki_periods(client, seed):
    contracts = rows(client.get(f"{REPORT}/data/contracts.csv"))

    assert len(contracts) == 2
    cloud, adviser = contracts
    assert cloud["契約名"] == "大阪版自治体情報セキュリティクラウド構築等業務"
    assert cloud["契約先"] == "（株）オプテージ"
    assert (cloud["契約期間の開始月"], cloud["契約期間の終了月"]) == ("2016-09", "2027-03")
    assert cloud["契約期間（和暦）"] == "平成28年９月～令和９年３月"
    assert cloud["契約金額（円）"] == "163600"
    assert cloud["税込"] == ""
    assert adviser["契約金額（円）"] == "9900000"
    assert adviser["税込"] == "税込"


def test_seed_awards_csv_has_municipality_codes_and_yen(client, seed):
    awards = rows(client.get(f"{REPORT}/data/awards.csv"))

    assert len(awards) == 6
    first = awards[0]
    assert first["市町村コード"] == "272167"
    assert first["市町村名"] == "河内長野市"
    assert first["補助額（円）"] == "5000000"
    assert first["総事業費（円）"] == "37527000"
    assert (first["年度"], first["年度（和暦）"]) == ("2020", "令和２年度")
    assert first["補助金名"] == "大阪府スマートシティ戦略推進補助金"
    assert [r["市町村コード"] for r in awards] == [
        "272167",
        "271004",
        "272043",
        "272086",
        "272116",
        "272051",
    ]
    assert sum(int(r["補助額（円）"]) for r in awards) == 19_977_000


def test_joint_award_joins_codes_with_semicolons_and_names_with_nakaguro(client, seed):
    award = SubsidyAward.objects.get(title="行政手続きのオンライン化事業")
    award.municipalities.add(factories.municipality("272051", "吹田市"))
    republish(seed, "共同実施の市町村を追加")

    awards = rows(client.get(f"{REPORT}/data/awards.csv"))
    joint = next(r for r in awards if r["事業名称"] == "行政手続きのオンライン化事業")

    assert joint["市町村コード"] == "271004;272051"
    assert joint["市町村名"] == "大阪市・吹田市"


def test_seed_events_csv_has_iso_dates_and_wareki(client, seed):
    events = rows(client.get(f"{REPORT}/data/events.csv"))

    assert len(events) == 4
    seminar = next(r for r in events if r["名称"] == "情報セキュリティ技術セミナー")
    assert seminar["開始日"] == "2021-01-28"
    assert seminar["終了日"] == ""
    assert seminar["開催日（和暦）"] == "令和３年１月28日"
    assert seminar["会場"] == "Web配信"
    assert (seminar["参加団体数（団体）"], seminar["参加者数（人）"]) == ("31", "49")
    assert seminar["共催"] == "近畿管区警察局及び大阪府警察本部"
    study = next(r for r in events if r["取組名"] == "大阪版自治体情報セキュリティクラウド勉強会")
    assert (study["開始日"], study["終了日"]) == ("2019-05-20", "2020-03-31")
    assert study["参加者数（人）"] == ""


def test_report_json_is_the_whole_published_report(client, seed):
    response = client.get(f"{REPORT}.json")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json; charset=utf-8"
    document = json.loads(response.content)
    edition = seed.editions.get(is_current=True)
    assert document["edition"]["number"] == 1
    assert document["licence"]["url"] == opendata.LICENCE_URL
    assert {k: v for k, v in document.items() if k not in {"edition", "licence"}} == edition.data
    assert document["fiscal_year"] == {"year": 2020, "label": "令和２年度"}
    assert document["division"]["slug"] == "digital-administration"


# The file format


@pytest.mark.parametrize("url", REPORT_FILES[:4] + SITE_FILES)
def test_csv_is_utf8_with_bom_and_crlf(client, seed, url):
    response = client.get(url)
    content = body(response)

    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert content.startswith(codecs.BOM_UTF8)
    text = content.decode("utf-8")  # strict: the file is UTF-8 throughout
    assert "課名".encode() in content
    assert "課名".encode("cp932") not in content
    header = text.split("\r\n", 1)[0]
    assert header.startswith("\ufeff報告書の年度,報告書の年度（和暦）,部局名,課ID,課名,版,公開日,")
    assert content.endswith(b"\r\n")
    # Outside quoted cells (multi-line award titles), every line ends with CRLF.
    unquoted = re.sub(rb'"[^"]*"', b"", content)
    assert unquoted.count(b"\n") == unquoted.count(b"\r\n") == len(parse(content)) + 1


def test_amounts_header_names_the_unit(client, seed):
    header = rows(client.get("/data/amounts.csv"))[0].keys()

    assert {"年度", "年度（和暦）", "予算額（円）", "決算額（円）"} <= set(header)


@pytest.mark.parametrize(
    ("url", "filename", "fallback"),
    [
        (
            f"{REPORT}/data/amounts.csv",
            "R02_デジタル行政推進課_決算額・予算額_第1版.csv",
            "R02_digital-administration_amounts_ed1.csv",
        ),
        (
            f"{REPORT}.json",
            "R02_デジタル行政推進課_事務事業実績_第1版.json",
            "R02_digital-administration_jimujigyo_ed1.json",
        ),
        ("/data/awards.csv", "事務事業実績_補助金採択事業_全年度.csv", "jimujigyo_awards.csv"),
    ],
)
def test_downloads_are_attachments_with_rfc6266_file_names(client, seed, url, filename, fallback):
    disposition = client.get(url)["Content-Disposition"]

    assert disposition == (
        f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename)}"
    )
    assert fallback.isascii()


@pytest.mark.parametrize("url", REPORT_FILES + SITE_FILES)
def test_downloads_revalidate_with_etag_and_last_modified(client, seed, url):
    response = client.get(url)
    body(response)

    assert response["ETag"].startswith('"')
    assert "no-cache" in response["Cache-Control"]
    edition = seed.editions.get(is_current=True)
    assert response["Last-Modified"] == edition.published_at.strftime("%a, %d %b %Y %H:%M:%S GMT")
    with CaptureQueriesContext(connection) as queries:
        again = client.get(url, headers={"if-none-match": response["ETag"]})
    assert again.status_code == 304
    assert again["ETag"] == response["ETag"]
    assert len(queries) == 1  # finding the editions; no rows are read
    since = client.get(url, headers={"if-modified-since": response["Last-Modified"]})
    assert since.status_code == 304


def test_a_new_edition_changes_the_etags(client, seed):
    before = {url: client.get(url)["ETag"] for url in REPORT_FILES + SITE_FILES}
    republish(seed)
    after = {url: client.get(url)["ETag"] for url in REPORT_FILES + SITE_FILES}

    assert all(after[url] != before[url] for url in before)
    stale = client.get(SITE_FILES[0], headers={"if-none-match": before[SITE_FILES[0]]})
    assert stale.status_code == 200


def test_site_wide_files_are_streamed(client, seed):
    for url in SITE_FILES:
        assert client.get(url).streaming


# Formula injection


@pytest.mark.parametrize(
    "title",
    ['=HYPERLINK("https://example.com/","詳細")', "@SUM(A1:A9)", "+81-6", "-1+2", "\tTAB"],
)
def test_text_cells_that_a_spreadsheet_would_run_are_neutralised(client, seed, title):
    award = SubsidyAward.objects.get(title="住民異動受付支援事業")
    award.title = title
    award.save()
    republish(seed)

    for url in [f"{REPORT}/data/awards.csv", "/data/awards.csv"]:
        awards = rows(client.get(url))
        assert [r["事業名称"] for r in awards if r["事業名称"].endswith(title)] == [f"'{title}"]
        # Numbers stay numbers.
        assert "'" not in "".join(r["補助額（円）"] + r["総事業費（円）"] for r in awards)


def test_neutralised_cells_are_quoted_text_in_the_file(client, seed):
    Contract.objects.filter(title__startswith="大阪版").update(title="=1+1")
    republish(seed)

    content = body(client.get(f"{REPORT}/data/contracts.csv")).decode("utf-8-sig")

    assert ",'=1+1," in content
    assert ",=1+1," not in content


# Only current editions are public


def test_draft_report_never_appears_in_downloads_or_on_the_data_page(client, seed):
    draft = factories.filled_report(status=Report.Status.DRAFT)
    Contract.objects.filter(initiative__section__report=draft).update(title="下書きの契約")
    SubsidyAward.objects.filter(programme__division=draft.division).update(title="下書きの事業")
    prefix = f"/reports/2020/{draft.division.slug}"

    for url in [f"{prefix}/data/{name}.csv" for name in DATASETS] + [f"{prefix}.json"]:
        assert client.get(url).status_code == 404
    downloads = every_download(client)
    assert "下書きの契約" not in downloads
    assert "下書きの事業" not in downloads
    assert draft.division.slug not in downloads
    page = client.get("/data/").content.decode()
    assert draft.division.name not in page
    assert draft.division.slug not in page


def test_superseded_edition_never_appears_in_downloads_or_on_the_data_page(client, seed):
    SubsidyAward.objects.filter(title="市民課窓口受付支援システム").update(
        title="窓口受付支援システム（改訂）"
    )
    SettlementAmount.objects.filter(item__code="lgwan-levy", fiscal_year__year=2018).update(
        amount=38_300_000
    )
    republish(seed, "補助金採択事業の名称と決算額を訂正")

    downloads = every_download(client)
    assert "市民課窓口受付支援システム" not in downloads
    assert "窓口受付支援システム（改訂）" in downloads
    assert "38294000" not in downloads
    assert "38300000" in downloads
    for url in [f"{REPORT}/data/awards.csv", "/data/awards.csv"]:
        awards = rows(client.get(url))
        assert len(awards) == 6
        assert {r["版"] for r in awards} == {"2"}
    assert json.loads(client.get(f"{REPORT}.json").content)["edition"]["number"] == 2
    for url in [f"{REPORT}/data/awards.csv", f"{REPORT}.json"]:
        assert quote("_第2版.") in client.get(url)["Content-Disposition"]
    page = squash(visible_text(client.get("/data/").content.decode()))
    assert "第2版" in page
    assert "第1版" not in page


def test_report_without_a_current_edition_gives_404_for_its_downloads(client, db):
    draft = factories.filled_report(status=Report.Status.REVIEW)
    prefix = f"/reports/2020/{draft.division.slug}"

    for url in [f"{prefix}/data/{name}.csv" for name in DATASETS] + [f"{prefix}.json"]:
        assert client.get(url).status_code == 404
    assert client.get("/reports/2020/no-such-division/data/amounts.csv").status_code == 404
    assert client.get(f"{prefix}/data/secrets.csv").status_code == 404


def test_site_wide_files_with_nothing_published_hold_only_the_header(client, db):
    factories.filled_report(status=Report.Status.DRAFT)

    for url in SITE_FILES:
        response = client.get(url)
        assert rows(response) == []
        assert "Last-Modified" not in response


# Site-wide files


def test_site_wide_files_hold_every_current_report_in_year_order(client, seed):
    other = factories.filled_report(year=2019)
    mine = factories.filled_report(year=2021)

    amounts = rows(client.get("/data/amounts.csv"))

    years = [int(r["報告書の年度"]) for r in amounts]
    assert years == sorted(years)
    assert {r["課ID"] for r in amounts} == {
        "digital-administration",
        other.division.slug,
        mine.division.slug,
    }
    seed_rows = [r for r in amounts if r["課ID"] == "digital-administration"]
    assert seed_rows == rows(client.get(f"{REPORT}/data/amounts.csv"))
    per_report = [
        rows(client.get(f"/reports/{r.fiscal_year.year}/{r.division.slug}/data/awards.csv"))
        for r in (other, seed, mine)
    ]
    assert rows(client.get("/data/awards.csv")) == [row for report in per_report for row in report]


# The data page


def test_data_page_lists_every_download_with_its_real_size(client, seed):
    factories.filled_report(year=2019)
    response = client.get("/data/")
    html = response.content.decode()

    assert response.status_code == 200
    for file in response.context["site_files"]:
        assert f'href="{file["url"]}"' in html
        assert file["size"] == len(body(client.get(file["url"])))
    files = [file for item in response.context["reports"] for file in item["files"]]
    assert len(files) == 2 * 5
    for file in files:
        assert f'href="{file["url"]}"' in html
        assert file["size"] == len(body(client.get(file["url"])))
    for url in REPORT_FILES + SITE_FILES:
        assert f'href="{url}"' in html


def test_data_page_sizes_come_from_the_cache_once_measured(client, seed):
    client.get("/data/")
    with CaptureQueriesContext(connection) as queries:
        client.get("/data/")

    assert len(queries) == 1


def test_data_page_explains_columns_and_licence(client, seed):
    html = client.get("/data/").content.decode()
    text = squash(visible_text(html))

    assert '<a href="https://creativecommons.org/licenses/by/4.0/deed.ja" rel="license">' in html
    assert "CCBY4.0" in text
    assert squash("出典：大阪府 事務事業実績（令和２年度 デジタル行政推進課）") in text
    for dataset in opendata.DATASETS:
        assert f">{dataset.title}の列</caption>" in html
        for column in dataset.all_columns:
            assert f'<th scope="row">{column.name}</th>' in html
    assert squash("決算額（円）決算額（円）。空欄は報告書に記載なし38294000") in text


def test_data_page_is_semantic_html(client, seed):
    html = client.get("/data/").content.decode()

    assert '<html lang="ja">' in html
    assert len(re.findall(r"<h1[ >]", html)) == 1
    tables = re.findall(r"<table.*?</table>", html, re.S)
    assert len(tables) == 2 + len(opendata.DATASETS)
    for table in tables:
        assert re.search(r"<caption[ >]", table)
        assert '<th scope="col">' in table
        assert '<th scope="row">' in table


def test_data_page_is_paginated(client, seed, monkeypatch):
    monkeypatch.setattr(opendata, "EDITIONS_PER_PAGE", 1)
    older = factories.filled_report(year=2019)

    first = client.get("/data/")
    second = client.get("/data/?page=2")

    assert [i["report"] for i in first.context["reports"]] == [seed]
    assert [i["report"] for i in second.context["reports"]] == [older]
    assert 'href="?page=2"' in first.content.decode()
    # The site-wide files cover every page.
    assert "/data/amounts.csv" in second.content.decode()


def test_report_page_and_footer_link_to_the_data(client, seed):
    html = client.get(f"{REPORT}/").content.decode()

    assert "データ（CSV・JSON）" in html
    for url in REPORT_FILES:
        assert f'href="{url}"' in html
    assert 'href="/data/"' in html


# Queries do not grow with the number of reports


def _query_counts(client) -> dict[str, tuple[int, int]]:
    """(cold cache, warm cache) query counts of the data page and of each site-wide file."""
    counts = {}
    for url in ["/data/", *SITE_FILES]:
        cache.clear()
        measured = []
        for _ in range(2):
            with CaptureQueriesContext(connection) as queries:
                body(client.get(url))
            measured.append(len(queries))
        counts[url] = tuple(measured)
    return counts


def test_query_counts_do_not_grow_with_the_number_of_reports(client, db):
    factories.filled_report()
    one = _query_counts(client)
    for year in range(2011, 2020):
        factories.filled_report(year=year)
    ten = _query_counts(client)

    assert ten == one
    assert one["/data/"] == (7, 1)
    assert all(count <= 3 for url in SITE_FILES for count in one[url])


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        (f"{REPORT}/data/amounts.csv", 2),
        (f"{REPORT}/data/contracts.csv", 2),
        (f"{REPORT}/data/awards.csv", 3),  # and the awards' municipalities
        (f"{REPORT}/data/events.csv", 2),
        (f"{REPORT}.json", 1),
    ],
)
def test_report_downloads_take_a_fixed_number_of_queries(client, seed, url, expected):
    factories.filled_report(size=3)
    with CaptureQueriesContext(connection) as queries:
        body(client.get(url))

    assert len(queries) == expected


def test_query_counts_do_not_grow_with_the_size_of_a_report(client, db):
    factories.filled_report(size=1)
    one = _query_counts(client)
    factories.filled_report(size=10, year=2019)
    ten = _query_counts(client)

    assert ten == one


def test_amounts_reported_in_thousand_yen_keep_their_unit(client, seed):
    SettlementAmount.objects.filter(item__code="lgwan-levy", fiscal_year__year=2020).update(
        amount=37245, unit="thousand"
    )
    freeze_edition(seed, change_note="千円単位に訂正")

    amounts = rows(client.get(f"{REPORT}/data/amounts.csv"))
    lgwan = next(r for r in amounts if r["費目コード"] == "lgwan-levy" and r["年度"] == "2020")
    assert (lgwan["決算額（円）"], lgwan["決算額（千円）"]) == ("", "37245")
    assert lgwan["費目の区別"] == "ＬＧＷＡＮ"
    data = json.loads(body(client.get(f"{REPORT}.json")))
    [table] = [
        t
        for s in data["sections"]
        for i in s["initiatives"]
        for c in i["children"]
        for t in c["settlement_tables"]
        if t["item_code"] == "lgwan-levy"
    ]
    latest = table["amounts"][-1]
    assert (latest["amount"], latest["unit"], latest["amount_yen"]) == (37245, "千円", None)
