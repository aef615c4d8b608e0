import hashlib
import re
from itertools import groupby
from pathlib import Path
from urllib.parse import urlencode

from django.conf import settings
from django.core.paginator import Paginator
from django.db.models import Count, Q, Sum
from django.http import FileResponse, Http404, HttpResponse, HttpResponseServerError
from django.shortcuts import get_object_or_404, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import cache_control
from django.views.decorators.http import condition

from budgets.models import AmountKind, Municipality, SubsidyProgramme, Vendor
from reports import notation
from reports import search as search_module
from reports.charts import bar_chart
from reports.models import (
    Edition,
    FiscalYear,
    PublishedAmount,
    PublishedAward,
    PublishedContract,
    PublishedEvent,
)
from reports.notation import fiscal_year_label, year_on_year, yen
from reports.pdf import content_disposition


def year_list(request):
    current = Q(reports__editions__is_current=True)
    years = FiscalYear.objects.annotate(report_count=Count("reports", filter=current)).filter(
        report_count__gt=0
    )
    return render(request, "reports/year_list.html", {"years": years})


def year_detail(request, year):
    fiscal_year = get_object_or_404(FiscalYear, year=year)
    return render(
        request,
        "reports/year_detail.html",
        {"fiscal_year": fiscal_year, "departments": _departments(_year_editions(fiscal_year))},
    )


def current_edition(year: int, slug: str, *, with_content: bool = True) -> Edition:
    """The edition the public sees for a division's report of a year, or 404."""
    editions = Edition.objects.select_related(
        "report__fiscal_year", "report__division__department"
    ).defer("data")
    if not with_content:
        editions = editions.defer("html")
    return get_object_or_404(
        editions, is_current=True, report__fiscal_year__year=year, report__division__slug=slug
    )


def _edition_stamp(request, year, slug) -> dict | None:
    """The version fields of the current edition, looked up once per request for both
    validators."""
    stamps = request.__dict__.setdefault("_edition_stamps", {})
    if (year, slug) not in stamps:
        stamps[(year, slug)] = (
            Edition.objects.filter(
                is_current=True, report__fiscal_year__year=year, report__division__slug=slug
            )
            .values("pk", "published_at", "pdf_status", "pdf_size")
            .first()
        )
    return stamps[(year, slug)]


def _design_version() -> str:
    """Changes when the templates that frame an edition change, so that a browser does not
    keep a page in an old design after a release."""
    digest = hashlib.sha256()
    for name in ("base.html", "reports/report_detail.html"):
        for directory in settings.TEMPLATES[0]["DIRS"]:
            path = Path(directory) / name
            if path.exists():
                digest.update(path.read_bytes())
    return digest.hexdigest()[:8]


DESIGN_VERSION = _design_version()


def _report_etag(request, year, slug):
    stamp = _edition_stamp(request, year, slug)
    return f'"{stamp["pk"]}-{stamp["pdf_status"]}-{DESIGN_VERSION}"' if stamp else None


def _settled_last_modified(request, year, slug):
    """The edition's publication time, once its page no longer changes (its PDF is done)."""
    stamp = _edition_stamp(request, year, slug)
    if stamp and stamp["pdf_status"] == Edition.PdfStatus.DONE:
        return stamp["published_at"]
    return None


def _pdf_etag(request, year, slug):
    stamp = _edition_stamp(request, year, slug)
    if stamp and stamp["pdf_status"] == Edition.PdfStatus.DONE:
        return f'"pdf-{stamp["pk"]}-{stamp["pdf_size"]}"'
    return None


def split_contents(html: str) -> tuple[str, str, str]:
    """Split an edition's body into what precedes its table of contents, the table of
    contents (the page's sidebar) and the rest."""
    start = html.find('<nav class="toc"')
    end = html.find("</nav>", start)
    if start < 0 or end < 0:
        return "", "", html
    end += len("</nav>")
    return html[:start], html[start:end], html[end:]


def _related(edition) -> dict:
    """Links from a report to the pages that follow its figures across years."""
    items = dict(
        PublishedAmount.objects.filter(edition=edition)
        .order_by("id")
        .values_list("item_code", "item_name")
    )
    vendors = dict(
        PublishedContract.objects.filter(edition=edition, vendor__isnull=False)
        .order_by("id")
        .values_list("vendor_id", "vendor_name")
    )
    programmes = list(
        dict.fromkeys(
            PublishedAward.objects.filter(edition=edition, programme__isnull=False)
            .order_by("id")
            .values_list("programme_id", "programme_name", "fiscal_year")
        )
    )
    return {"items": items, "vendors": vendors, "programmes": programmes}


def report_context(report, body: str, edition=None) -> dict:
    """What the report page shows around a body: its contents as the sidebar, the edition,
    its history and links to related pages. The view and ``export_report`` share it."""
    head, contents, rest = split_contents(body)
    return {
        "report": report,
        "edition": edition,
        "body_head": head,
        "contents": contents,
        "body": rest,
        "history": report.editions.order_by("number").defer("html", "data"),
        "related": _related(edition) if edition else {},
    }


@cache_control(no_cache=True)
@condition(etag_func=_report_etag, last_modified_func=_settled_last_modified)
def report_detail(request, year, slug):
    edition = current_edition(year, slug)
    return render(
        request,
        "reports/report_detail.html",
        report_context(edition.report, edition.html, edition),
    )


@cache_control(no_cache=True)
@condition(etag_func=_pdf_etag, last_modified_func=_settled_last_modified)
def report_pdf(request, year, slug):
    """The current edition's PDF, rendered when it was published; never rendered here."""
    edition = current_edition(year, slug, with_content=False)
    if not edition.pdf_ready:
        response = HttpResponse(
            "PDFは作成中です。しばらくしてから、もう一度お試しください。",
            status=503,
            content_type="text/plain; charset=utf-8",
        )
        response["Retry-After"] = "60"
        return response
    return pdf_response(edition.pdf.open("rb"), edition.report)


def pdf_response(file, report) -> FileResponse:
    response = FileResponse(file, content_type="application/pdf")
    response["Content-Disposition"] = content_disposition(report)
    return response


# The public site beyond the report itself: home, expenditure items, subsidy awards,
# municipalities, vendors and search. Every page reads current editions' published rows only.

AWARDS_PER_PAGE = 50
SEARCH_RESULTS_PER_PAGE = 20
_not_drafts = {"edition__is_current": True}
_edition_links = ("edition__report__fiscal_year", "edition__report__division")
_heavy_edition_fields = ("edition__html", "edition__data")


def _departments(editions):
    return [
        (department, list(items))
        for department, items in groupby(editions, key=lambda e: e.report.division.department)
    ]


def _year_editions(fiscal_year):
    return (
        Edition.objects.filter(is_current=True, report__fiscal_year=fiscal_year)
        .select_related("report__fiscal_year", "report__division__department")
        .defer("html", "data")
        .order_by(
            "report__division__department__order",
            "report__division__department_id",
            "report__division__order",
            "report__division_id",
        )
    )


def home(request):
    years = list(
        FiscalYear.objects.annotate(
            report_count=Count("reports", filter=Q(reports__editions__is_current=True))
        ).filter(report_count__gt=0)
    )
    latest = years[0] if years else None
    departments = _departments(_year_editions(latest)) if latest else []
    return render(
        request,
        "reports/home.html",
        {"latest": latest, "departments": departments, "years": years},
    )


def _published_in(edition_rows) -> list[dict]:
    """The reports (newest first) that published some rows, each once, with its first anchor."""
    seen = {}
    for row in edition_rows:
        seen.setdefault(row.edition_id, row)
    return sorted(
        (
            {
                "report": row.edition.report,
                "url": f"{row.edition.report.get_absolute_url()}#{row.anchor}",
            }
            for row in seen.values()
        ),
        key=lambda link: -link["report"].fiscal_year.year,
    )


def expenditure_item(request, code):
    rows = list(
        PublishedAmount.objects.filter(item_code=code, **_not_drafts)
        .select_related(*_edition_links, "edition__report__division__department")
        .defer(*_heavy_edition_fields)
        .order_by("fiscal_year", "kind", "-edition__report__fiscal_year__year", "-edition_id")
    )
    if not rows:
        raise Http404("この費目は公開されていません。")
    # A year's amount may appear in several reports (each shows three years): the latest
    # report's figure wins.
    by_key = {}
    for row in rows:
        by_key.setdefault((row.fiscal_year, row.kind), row)
    latest = max(rows, key=lambda r: (r.edition.report.fiscal_year.year, r.edition_id))
    years = sorted({year for year, _ in by_key})
    has_budget = any(kind == AmountKind.BUDGET for _, kind in by_key)
    table = []
    for year in years:
        settled = by_key.get((year, AmountKind.SETTLEMENT))
        previous = by_key.get((year - 1, AmountKind.SETTLEMENT))
        comparable = settled and previous and not settled.period_label and not previous.period_label
        labels = [r.period_label for r in (settled, by_key.get((year, AmountKind.BUDGET))) if r]
        period = next((label for label in labels if label), "")
        table.append(
            {
                "year": year,
                "label": fiscal_year_label(year) + (f"（{period}）" if period else ""),
                "settlement": settled,
                "budget": by_key.get((year, AmountKind.BUDGET)),
                "ratio": (
                    year_on_year(settled.amount, previous.amount)
                    if comparable
                    else notation.NO_VALUE
                ),
            }
        )
    chart = bar_chart(
        [
            (
                row["label"],
                yen(row["settlement"].amount),
                row["settlement"].amount,
                bool(row["settlement"].period_label),
            )
            for row in table
            if row["settlement"]
        ]
    )
    return render(
        request,
        "reports/item_detail.html",
        {
            "code": code,
            "name": latest.item_name,
            "division": latest.edition.report.division,
            "latest_report": latest.edition.report,
            "table": table,
            "has_budget": has_budget,
            "chart": chart,
            "sources": _published_in(rows),
        },
    )


def _int_or_none(value):
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def awards(request):
    current = PublishedAward.objects.filter(**_not_drafts)
    links = PublishedAward.municipalities.through.objects.filter(
        publishedaward__edition__is_current=True
    )
    years = list(current.order_by("-fiscal_year").values_list("fiscal_year", flat=True).distinct())
    programmes = list(
        SubsidyProgramme.objects.filter(pk__in=current.values("programme_id")).only("name")
    )
    municipalities = list(
        Municipality.objects.filter(pk__in=links.values("municipality_id")).only("code", "name")
    )
    chosen = {
        "year": _int_or_none(request.GET.get("year")),
        "municipality": request.GET.get("municipality", ""),
        "programme": _int_or_none(request.GET.get("programme")),
    }
    found = current
    if chosen["year"] in years:
        found = found.filter(fiscal_year=chosen["year"])
    else:
        chosen["year"] = None
    if any(m.code == chosen["municipality"] for m in municipalities):
        found = found.filter(municipalities__code=chosen["municipality"])
    else:
        chosen["municipality"] = ""
    if any(p.pk == chosen["programme"] for p in programmes):
        found = found.filter(programme_id=chosen["programme"])
    else:
        chosen["programme"] = None
    totals = found.aggregate(
        count=Count("pk"), subsidy=Sum("subsidy"), total_cost=Sum("total_cost")
    )
    found = (
        found.select_related(*_edition_links)
        .defer(*_heavy_edition_fields)
        .prefetch_related("municipalities")
        .order_by("-fiscal_year", "programme_name", "edition_id", "order", "id")
    )
    page = Paginator(found, AWARDS_PER_PAGE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "reports/awards.html",
        {
            "years": years,
            "programmes": programmes,
            "municipalities": municipalities,
            "chosen": chosen,
            "filtered": any(chosen.values()),
            "totals": totals,
            "page": page,
            "query": query.urlencode(),
        },
    )


_COHOST_SEPARATORS = re.compile(r"[、，,・／/\s]+|及び|および|並びに")


def municipality(request, code):
    place = get_object_or_404(Municipality, code=code)
    place_awards = list(
        PublishedAward.objects.filter(municipalities=place, **_not_drafts)
        .select_related(*_edition_links)
        .defer(*_heavy_edition_fields)
        .prefetch_related("municipalities")
        .order_by("-fiscal_year", "programme_name", "order", "id")
    )
    # Events record their co-hosts as text; an event counts when one of them is this place.
    candidates = (
        PublishedEvent.objects.filter(cohosts__contains=place.name, **_not_drafts)
        .select_related(*_edition_links)
        .defer(*_heavy_edition_fields)
        .order_by("-starts_on", "id")
    )
    events = [e for e in candidates if place.name in _COHOST_SEPARATORS.split(e.cohosts)]
    return render(
        request,
        "reports/municipality_detail.html",
        {
            "place": place,
            "awards": place_awards,
            "subsidy_total": sum(a.subsidy for a in place_awards),
            "cost_total": sum(a.total_cost for a in place_awards),
            "events": events,
        },
    )


def vendor(request, pk):
    company = get_object_or_404(Vendor.objects.prefetch_related("former_names"), pk=pk)
    published = list(
        PublishedContract.objects.filter(vendor=company, **_not_drafts)
        .select_related(*_edition_links)
        .defer(*_heavy_edition_fields)
        .order_by("-starts_on", "title", "-edition__report__fiscal_year__year", "id")
    )
    if not published:
        raise Http404("この事業者との契約は公開されていません。")
    # A contract over several years appears in each year's report: list it once, with every
    # report that mentions it.
    contracts = {}
    for row in published:
        key = (row.title, row.starts_on, row.ends_on, row.amount, row.tax_included)
        contract = contracts.setdefault(key, {"contract": row, "reports": []})
        contract["reports"].append(
            {
                "report": row.edition.report,
                "url": f"{row.edition.report.get_absolute_url()}#{row.anchor}",
            }
        )
    # The name of the newest publication: a rename reaches the public with the next edition.
    newest = max(published, key=lambda row: (row.edition.published_at, row.edition_id))
    published_on = timezone.localdate(newest.edition.published_at)
    former = [
        f
        for f in company.former_names.all()
        if f.name != newest.vendor_name and f.renamed_on <= published_on
    ]
    return render(
        request,
        "reports/vendor_detail.html",
        {
            "vendor": company,
            "vendor_name": newest.vendor_name,
            "former_names": former,
            "contracts": list(contracts.values()),
        },
    )


def search(request):
    query = request.GET.get("q", "").strip()[: search_module.MAX_QUERY_LENGTH]
    words = search_module.terms(query)
    page = groups = None
    if words:
        page = Paginator(search_module.entries(words), SEARCH_RESULTS_PER_PAGE).get_page(
            request.GET.get("page")
        )
        groups = search_module.group_by_report(page.object_list, words)
    return render(
        request,
        "reports/search.html",
        {
            "query": query,
            "page": page,
            "groups": groups,
            "pagination_query": urlencode({"q": query}),
        },
    )


def robots_txt(request):
    lines = [
        "User-agent: *",
        "Disallow: /admin/",
        "Disallow: /search/",
        f"Sitemap: {request.build_absolute_uri(reverse('sitemap'))}",
    ]
    return HttpResponse("\n".join(lines) + "\n", content_type="text/plain; charset=utf-8")


def server_error(request):
    """The 500 page in the site's design, rendered without the database or the request."""
    context = {"site_name": settings.SITE_NAME, "prefecture": settings.PREFECTURE}
    return HttpResponseServerError(render_to_string("500.html", context))
