"""Open data on the public site: the figures of published reports as CSV and JSON.

Every file is built from what an edition froze when it was published (its Published* rows and
its ``data``), and only from current editions, so drafts and superseded editions never appear.
An edition never changes: it keys the ETag, Last-Modified and the cached file sizes.

CSV files are UTF-8 with BOM (Excel opens them as such), CRLF line ends, a header row in
Japanese, and every text cell that a spreadsheet would run as a formula prefixed with ``'``.
"""

import codecs
import csv
import hashlib
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from itertools import groupby
from operator import itemgetter
from urllib.parse import quote

from django.core.cache import cache
from django.core.paginator import Paginator
from django.db.models import Q
from django.db.models.fields.json import KT
from django.http import HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import path, register_converter, reverse
from django.utils import timezone
from django.utils.cache import get_conditional_response, patch_cache_control
from django.utils.http import http_date
from django.views.decorators.http import require_safe

from budgets.models import AmountKind
from organisation import notation
from organisation.models import Unit
from publication.models import (
    SITE_ORDER,
    Edition,
    PublishedAmount,
    PublishedAward,
    PublishedContract,
    PublishedEvent,
)
from spreadsheets.importing import neutralise

# Part of every ETag and cache key: bump it when the columns or the JSON's shape change.
FORMAT_VERSION = "1"
LICENCE_NAME = "クリエイティブ・コモンズ 表示 4.0 国際（CC BY 4.0）"
LICENCE_URL = "https://creativecommons.org/licenses/by/4.0/deed.ja"
BOM = codecs.BOM_UTF8
EDITIONS_PER_PAGE = 50
# Rows read from the database at a time, so that a large archive is never in memory whole.
CHUNK = 2000
# Editions measured per query when the data page needs file sizes it has not seen yet.
MEASURE_BATCH = 500
SIZES_CACHE_KEY = f"opendata:sizes:{FORMAT_VERSION}"

# The order of reports on the site; the rows of one edition stay together.
REPORT_ORDER = ("report__fiscal_year__year", *SITE_ORDER, "id")
ROW_ORDER = tuple(f"edition__{field}" for field in REPORT_ORDER)


@dataclass(frozen=True)
class Column:
    name: str
    meaning: str
    example: str


@dataclass(frozen=True)
class Dataset:
    slug: str
    title: str
    description: str
    columns: tuple[Column, ...]
    rows: Callable[[Q], Iterator[tuple[int, list]]]

    @property
    def all_columns(self) -> tuple[Column, ...]:
        return EDITION_COLUMNS + self.columns

    @property
    def header(self) -> list[str]:
        return [column.name for column in self.all_columns]


# The first columns of every CSV: which report and edition a row comes from.
EDITION_COLUMNS = (
    Column("報告書の年度", "事務事業実績の年度（西暦。年度が始まる年）", "2020"),
    Column("報告書の年度（和暦）", "事務事業実績の年度（和暦）", "令和２年度"),
    Column("部局名", "課が属する部局", "スマートシティ戦略部"),
    Column(
        "課ID", "課を表す半角英字の識別子（ページのURLにも使われます）", "digital-administration"
    ),
    Column("課名", "事務事業実績を作成した課", "デジタル行政推進課"),
    Column("版", "公開された版の番号（改訂して公開するたびに１増えます）", "1"),
    Column("公開日", "その版の公開日（YYYY-MM-DD）", "2021-06-30"),
)


def amount_rows(where: Q) -> Iterator[tuple[int, list]]:
    """One row per expenditure item and fiscal year, its 予算額 and 決算額 side by side."""
    amounts = (
        PublishedAmount.objects.filter(where)
        .order_by(*ROW_ORDER, "item_code", "fiscal_year", "kind", "id")
        .values_list(
            "edition_id",
            "item_code",
            "item_name",
            "fiscal_year",
            "kind",
            "amount",
            "period_label",
            "unit",
            "item_qualifier",
        )
    )
    for (edition_id, code, year), group in groupby(
        amounts.iterator(CHUNK), key=itemgetter(0, 1, 3)
    ):
        group = list(group)
        # An amount stays in the unit it was reported in: 千円 amounts go to their own columns.
        by_kind = {(kind, unit): amount for _, _, _, _, kind, amount, _, unit, _ in group}
        periods = dict.fromkeys(row[6] for row in group if row[6])
        yield (
            edition_id,
            [
                code,
                group[0][2],
                year,
                notation.fiscal_year_label(year),
                "／".join(periods),
                by_kind.get((AmountKind.BUDGET, Unit.YEN)),
                by_kind.get((AmountKind.SETTLEMENT, Unit.YEN)),
                by_kind.get((AmountKind.BUDGET, Unit.THOUSAND_YEN)),
                by_kind.get((AmountKind.SETTLEMENT, Unit.THOUSAND_YEN)),
                group[0][8],
            ],
        )


def contract_rows(where: Q) -> Iterator[tuple[int, list]]:
    contracts = (
        PublishedContract.objects.filter(where)
        .order_by(*ROW_ORDER, "starts_on", "id")
        .values_list(
            "edition_id", "title", "vendor_name", "starts_on", "ends_on", "amount", "tax_included"
        )
    )
    for edition_id, title, vendor, starts, ends, amount, tax_included in contracts.iterator(CHUNK):
        yield (
            edition_id,
            [
                title,
                vendor,
                f"{starts:%Y-%m}",
                f"{ends:%Y-%m}",
                notation.japanese_month_range((starts.year, starts.month), (ends.year, ends.month)),
                amount,
                "税込" if tax_included else "",
            ],
        )


def award_rows(where: Q) -> Iterator[tuple[int, list]]:
    awards = (
        PublishedAward.objects.filter(where)
        .order_by(*ROW_ORDER, "fiscal_year", "order", "id")
        .prefetch_related("municipalities")
    )
    for award in awards.iterator(CHUNK):
        municipalities = award.municipalities.all()
        yield (
            award.edition_id,
            [
                award.programme_name,
                award.fiscal_year,
                notation.fiscal_year_label(award.fiscal_year),
                ";".join(m.code for m in municipalities),
                "・".join(m.name for m in municipalities),
                award.title,
                award.subsidy,
                award.total_cost,
            ],
        )


def event_rows(where: Q) -> Iterator[tuple[int, list]]:
    events = PublishedEvent.objects.filter(where).order_by(*ROW_ORDER, "starts_on", "id")
    for event in events.iterator(CHUNK):
        yield (
            event.edition_id,
            [
                event.heading,
                event.title,
                event.starts_on.isoformat(),
                event.ends_on.isoformat() if event.ends_on else None,
                notation.japanese_date_range(event.starts_on, event.ends_on),
                event.venue,
                event.organisations,
                event.participants,
                event.cohosts,
            ],
        )


DATASETS = (
    Dataset(
        "amounts",
        "決算額・予算額",
        "取組ごとの表に載せた費目の金額。費目と年度ごとに１行で、予算額と決算額を並べます。",
        (
            Column(
                "費目コード",
                "費目（支出の項目）の識別子。年度が違っても同じ費目には同じコード",
                "lgwan-levy",
            ),
            Column("費目名", "費目の名称", "地方公共団体情報システム機構への負担金"),
            Column("年度", "金額の年度（西暦）", "2018"),
            Column("年度（和暦）", "金額の年度（和暦）", "平成30年度"),
            Column(
                "期間", "年度の一部の期間だけの金額のとき、その期間。空欄は年度全体", "～９月末"
            ),
            Column("予算額（円）", "予算額（円）。空欄は報告書に記載なし", ""),
            Column("決算額（円）", "決算額（円）。空欄は報告書に記載なし", "38294000"),
            Column(
                "予算額（千円）",
                "千円単位で報告された予算額（千円）。円単位の額はわからないので円の欄は空欄",
                "",
            ),
            Column(
                "決算額（千円）",
                "千円単位で報告された決算額（千円）。円単位の額はわからないので円の欄は空欄",
                "",
            ),
            Column(
                "費目の区別",
                "同じ名前の費目を見分けるための言葉。空欄は区別なし",
                "ＬＧＷＡＮ",
            ),
        ),
        amount_rows,
    ),
    Dataset(
        "contracts",
        "契約",
        "報告書に載せた委託契約など。契約ごとに１行。",
        (
            Column("契約名", "契約の名称", "大阪版自治体情報セキュリティクラウド構築等業務"),
            Column("契約先", "契約の相手方（報告書に載せた名称）", "（株）オプテージ"),
            Column("契約期間の開始月", "契約期間の始まりの月（YYYY-MM）", "2016-09"),
            Column("契約期間の終了月", "契約期間の終わりの月（YYYY-MM）", "2027-03"),
            Column("契約期間（和暦）", "契約期間を和暦で", "平成28年９月～令和９年３月"),
            Column("契約金額（円）", "契約金額（円）", "163600"),
            Column(
                "税込",
                "報告書で税込と示した金額は「税込」。空欄は税込・税抜の記載なし",
                "税込",
            ),
        ),
        contract_rows,
    ),
    Dataset(
        "awards",
        "補助金採択事業",
        "市町村への補助金の採択事業。事業ごとに１行。",
        (
            Column("補助金名", "補助金の名称", "大阪府スマートシティ戦略推進補助金"),
            Column("年度", "採択の年度（西暦）", "2020"),
            Column("年度（和暦）", "採択の年度（和暦）", "令和２年度"),
            Column(
                "市町村コード",
                "事業を行う市町村の全国地方公共団体コード（６桁）。共同実施は「;」で区切ります",
                "272167",
            ),
            Column("市町村名", "事業を行う市町村。共同実施は「・」で区切ります", "河内長野市"),
            Column("事業名称", "採択した事業の名称", "行政手続きのオンライン化事業"),
            Column("補助額（円）", "補助金の額（円）", "5000000"),
            Column("総事業費（円）", "事業全体の費用（円）", "57376000"),
        ),
        award_rows,
    ),
    Dataset(
        "events",
        "開催実績",
        "セミナーや会議などの開催実績。開催ごとに１行。",
        (
            Column("取組名", "開催実績を載せた取組の見出し", "情報セキュリティ技術セミナーの開催"),
            Column("名称", "催しの名称。空欄は取組名と同じ", "情報セキュリティ技術セミナー"),
            Column("開始日", "開催日、または期間の初日（YYYY-MM-DD）", "2021-01-28"),
            Column("終了日", "期間の最終日（YYYY-MM-DD）。空欄は１日だけの開催", ""),
            Column("開催日（和暦）", "開催日を和暦で", "令和３年１月28日"),
            Column("会場", "会場または開催方法", "Web配信"),
            Column("参加団体数（団体）", "参加した団体の数。空欄は記載なし", "31"),
            Column("参加者数（人）", "参加した人の数。空欄は記載なし", "49"),
            Column("共催", "共催した団体", "近畿管区警察局及び大阪府警察本部"),
        ),
        event_rows,
    ),
)
DATASETS_BY_SLUG = {dataset.slug: dataset for dataset in DATASETS}


# Building the files


class _Echo:
    """A file whose ``write`` hands back what it was given: csv.writer then returns lines."""

    def write(self, text: str) -> str:
        return text


def _cell(value):
    if value is None:
        return ""
    return neutralise(value)


def line_encoder() -> Callable[[list], bytes]:
    """A function that writes one CSV record as UTF-8 bytes ending in CRLF."""
    writer = csv.writer(_Echo(), lineterminator="\r\n")
    return lambda cells: writer.writerow([_cell(cell) for cell in cells]).encode("utf-8")


def head(dataset: Dataset) -> bytes:
    """The BOM and the header row: what every file of ``dataset`` starts with."""
    return BOM + line_encoder()(dataset.header)


def editions():
    """Editions with the names they froze, which their files carry (a division renamed later
    keeps its old name in the reports published before)."""
    return Edition.objects.annotate(
        frozen_year=KT("data__fiscal_year__year"),
        frozen_department=KT("data__department__name"),
        frozen_division_slug=KT("data__division__slug"),
        frozen_division_name=KT("data__division__name"),
    )


def edition_cells(edition: Edition) -> list:
    year = int(edition.frozen_year)
    return [
        year,
        notation.fiscal_year_label(year),
        edition.frozen_department,
        edition.frozen_division_slug,
        edition.frozen_division_name,
        edition.number,
        timezone.localdate(edition.published_at).isoformat(),
    ]


def csv_chunks(dataset: Dataset, where: Q, prefixes: dict[int, list]) -> Iterator[bytes]:
    """The CSV of ``dataset``'s rows matching ``where``, a few hundred rows per chunk.

    ``prefixes`` maps each edition id to its first cells; rows of other editions (published
    after ``prefixes`` was read) are left out, to appear in the next download.
    """
    line = line_encoder()
    lines = [head(dataset)]
    for edition_id, cells in dataset.rows(where):
        prefix = prefixes.get(edition_id)
        if prefix is None:
            continue
        lines.append(line(prefix + cells))
        if len(lines) >= 500:
            yield b"".join(lines)
            lines = []
    yield b"".join(lines)


def report_json(edition: Edition, data: dict) -> bytes:
    """The whole report as published in ``edition``, with the edition and the licence."""
    document = {
        "edition": {
            "number": edition.number,
            "published_at": timezone.localtime(edition.published_at).isoformat(timespec="seconds"),
        },
        "licence": {"name": "CC BY 4.0", "url": LICENCE_URL},
        **data,
    }
    return json.dumps(document, ensure_ascii=False, indent=1).encode("utf-8")


# File sizes, for the data page


def _size_key(edition: Edition) -> str:
    return f"{edition.pk}:{edition.published_at.isoformat()}"


def _measure(batch: list[Edition]) -> dict[int, dict[str, int]]:
    """Bytes of the rows of each dataset of the editions in ``batch``, and of their JSON."""
    sizes = {edition.pk: dict.fromkeys(DATASETS_BY_SLUG, 0) for edition in batch}
    prefixes = {edition.pk: edition_cells(edition) for edition in batch}
    where = Q(edition_id__in=list(prefixes))
    line = line_encoder()
    for dataset in DATASETS:
        for edition_id, cells in dataset.rows(where):
            sizes[edition_id][dataset.slug] += len(line(prefixes[edition_id] + cells))
    by_pk = {edition.pk: edition for edition in batch}
    data = Edition.objects.filter(pk__in=list(by_pk)).values_list("pk", "data")
    for pk, document in data.iterator(CHUNK):
        sizes[pk]["json"] = len(report_json(by_pk[pk], document))
    return sizes


def row_bytes(current: list[Edition]) -> dict[int, dict[str, int]]:
    """For each edition of ``current``: bytes of its rows in each CSV (without the BOM and
    header row, so that per-report and site-wide sizes follow) and of its JSON.

    Measured by building the files once per edition, then kept in the cache: an edition never
    changes. ``current`` is every current edition; the cached entry keeps only those.
    """
    known = cache.get(SIZES_CACHE_KEY) or {}
    sizes = {e.pk: known[_size_key(e)] for e in current if _size_key(e) in known}
    missing = [e for e in current if e.pk not in sizes]
    for start in range(0, len(missing), MEASURE_BATCH):
        sizes.update(_measure(missing[start : start + MEASURE_BATCH]))
    if missing or len(known) != len(sizes):
        cache.set(SIZES_CACHE_KEY, {_size_key(e): sizes[e.pk] for e in current}, timeout=None)
    return sizes


# Responses


def attachment(filename: str, fallback: str) -> str:
    """RFC 6266: the Japanese file name, and an ASCII one for clients that cannot read it."""
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename)}"


def _etag(*parts) -> str:
    digest = hashlib.sha256(":".join(map(str, (FORMAT_VERSION, *parts))).encode()).hexdigest()
    return f'"{digest[:32]}"'


def _download(request, build, *, etag, last_modified, filename, fallback):
    """The response of ``build()``, or 304 Not Modified when the client has this version."""
    timestamp = int(last_modified.timestamp()) if last_modified else None
    response = get_conditional_response(request, etag=etag, last_modified=timestamp)
    if response is None:
        response = build()
        response["Content-Disposition"] = attachment(filename, fallback)
    response["ETag"] = etag
    if timestamp is not None:
        response["Last-Modified"] = http_date(timestamp)
    # Caches may keep a copy but ask each time whether it is still current.
    patch_cache_control(response, public=True, no_cache=True)
    return response


def _current_or_404(year: int, slug: str, *, with_data: bool = False) -> Edition:
    """The current edition of a report, with the names the files carry, or 404."""
    queryset = (
        editions()
        .select_related("report__fiscal_year", "report__division")
        .defer("html", *([] if with_data else ["data"]))
    )
    return get_object_or_404(queryset.current().of_report(year, slug))


def _file_stem(edition: Edition) -> tuple[str, str]:
    """The Japanese and ASCII beginnings of a report's file names: R02_デジタル行政推進課.
    Each file name ends with its edition (_第2版), as the PDF's does."""
    report = edition.report
    short = notation.fiscal_year_short(report.fiscal_year.year)
    return f"{short}_{report.division.name}", f"{short}_{report.division.slug}"


@require_safe
def report_csv(request, year, slug, dataset):
    """One table of a report's current edition as CSV."""
    dataset = DATASETS_BY_SLUG[dataset]
    edition = _current_or_404(year, slug)
    stem, ascii_stem = _file_stem(edition)

    def build():
        prefixes = {edition.pk: edition_cells(edition)}
        content = b"".join(csv_chunks(dataset, Q(edition=edition), prefixes))
        return HttpResponse(content, content_type="text/csv; charset=utf-8")

    return _download(
        request,
        build,
        etag=_etag(dataset.slug, _size_key(edition)),
        last_modified=edition.published_at,
        filename=f"{stem}_{dataset.title}_{edition.label}.csv",
        fallback=f"{ascii_stem}_{dataset.slug}_ed{edition.number}.csv",
    )


@require_safe
def report_json_download(request, year, slug):
    """The whole report of the current edition as JSON."""
    edition = _current_or_404(year, slug, with_data=True)
    stem, ascii_stem = _file_stem(edition)
    return _download(
        request,
        lambda: HttpResponse(
            report_json(edition, edition.data), content_type="application/json; charset=utf-8"
        ),
        etag=_etag("json", _size_key(edition)),
        last_modified=edition.published_at,
        filename=f"{stem}_事務事業実績_{edition.label}.json",
        fallback=f"{ascii_stem}_jimujigyo_ed{edition.number}.json",
    )


def current_editions():
    return editions().current().defer("html", "data").order_by(*REPORT_ORDER)


@require_safe
def site_csv(request, dataset):
    """One table of every current edition, all years, streamed."""
    dataset = DATASETS_BY_SLUG[dataset]
    current = list(current_editions())
    prefixes = {edition.pk: edition_cells(edition) for edition in current}
    latest = max((edition.published_at for edition in current), default=None)
    return _download(
        request,
        lambda: StreamingHttpResponse(
            csv_chunks(dataset, Q(edition__is_current=True), prefixes),
            content_type="text/csv; charset=utf-8",
        ),
        etag=_etag(dataset.slug, *sorted(_size_key(edition) for edition in current)),
        last_modified=latest,
        filename=f"事務事業実績_{dataset.title}_全年度.csv",
        fallback=f"jimujigyo_{dataset.slug}.csv",
    )


@require_safe
def data_page(request):
    current = list(
        current_editions()
        .select_related("report__fiscal_year", "report__division__department")
        .order_by("-report__fiscal_year__year", *REPORT_ORDER[1:])
    )
    sizes = row_bytes(current)
    heads = {dataset.slug: len(head(dataset)) for dataset in DATASETS}
    site_files = [
        {
            "dataset": dataset,
            "url": reverse("opendata:site_csv", args=[dataset.slug]),
            "size": heads[dataset.slug] + sum(sizes[e.pk][dataset.slug] for e in current),
        }
        for dataset in DATASETS
    ]
    page = Paginator(current, EDITIONS_PER_PAGE).get_page(request.GET.get("page"))
    reports = []
    for edition in page:
        year, slug = edition.report.fiscal_year.year, edition.report.division.slug
        files = [
            {
                "title": f"{dataset.title}（CSV）",
                "url": reverse("opendata:report_csv", args=[year, slug, dataset.slug]),
                "size": heads[dataset.slug] + sizes[edition.pk][dataset.slug],
            }
            for dataset in DATASETS
        ]
        files.append(
            {
                "title": "報告書全体（JSON）",
                "url": reverse("opendata:report_json", args=[year, slug]),
                "size": sizes[edition.pk]["json"],
            }
        )
        reports.append({"edition": edition, "report": edition.report, "files": files})
    return render(
        request,
        "reports/data.html",
        {
            "site_files": site_files,
            "page": page,
            "reports": reports,
            "datasets": DATASETS,
            "licence_name": LICENCE_NAME,
            "licence_url": LICENCE_URL,
        },
    )


class DatasetConverter:
    regex = "|".join(DATASETS_BY_SLUG)

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


register_converter(DatasetConverter, "opendata_dataset")

app_name = "opendata"
urlpatterns = [
    path("data/", data_page, name="page"),
    path("data/<opendata_dataset:dataset>.csv", site_csv, name="site_csv"),
    path(
        "reports/<int:year>/<slug:slug>/data/<opendata_dataset:dataset>.csv",
        report_csv,
        name="report_csv",
    ),
    path("reports/<int:year>/<slug:slug>.json", report_json_download, name="report_json"),
]
