import hashlib
import re
from itertools import groupby
from pathlib import Path
from urllib.parse import quote, urlencode

from django.conf import settings
from django.core.paginator import Paginator
from django.db.models import Count, Sum
from django.http import FileResponse, Http404, HttpResponse, HttpResponseServerError
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.templatetags.static import static
from django.urls import reverse
from django.views.decorators.cache import cache_control
from django.views.decorators.http import condition

from budgets.models import AmountKind, Municipality, SubsidyProgramme, Vendor
from organisation import notation
from organisation.models import FiscalYear, Unit
from organisation.notation import fiscal_year_label, year_on_year, yen
from public import search as search_module
from public.charts import bar_chart
from publication import redline
from publication.models import (
    Edition,
    PublishedAmount,
    PublishedAward,
    PublishedContract,
    PublishedEvent,
    Volume,
    published_years,
)
from publication.pdf import pdf_response
from publication.rendering import split_contents
from publication.volume import download_filename, latest_volumes


def year_list(request):
    return render(request, "reports/year_list.html", {"years": published_years()})


def year_detail(request, year):
    fiscal_year = get_object_or_404(FiscalYear, year=year)
    return render(
        request,
        "reports/year_detail.html",
        {
            "fiscal_year": fiscal_year,
            "departments": _departments(_year_editions(fiscal_year)),
            "volumes": latest_volumes(fiscal_year),
        },
    )


def current_edition(year: int, slug: str, *, with_content: bool = True) -> Edition:
    """The edition the public sees for a division's report of a year, or 404."""
    editions = Edition.objects.select_related(
        "report__fiscal_year", "report__division__department"
    ).defer("data")
    if not with_content:
        editions = editions.defer("html")
    return get_object_or_404(editions.current().of_report(year, slug))


def _edition_stamp(request, year, slug) -> dict | None:
    """The version fields of the current edition, looked up once per request for both
    validators."""
    stamps = request.__dict__.setdefault("_edition_stamps", {})
    if (year, slug) not in stamps:
        stamps[(year, slug)] = (
            Edition.objects.current()
            .of_report(year, slug)
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


def _related(edition) -> dict:
    """Links from a report to the pages that follow its figures across years."""
    items = {
        code: _item_name(name, qualifier)
        for code, name, qualifier in PublishedAmount.objects.filter(edition=edition)
        .order_by("id")
        .values_list("item_code", "item_name", "item_qualifier")
    }
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
    return pdf_response(edition.pdf.open("rb"), edition.report, edition)


def edition_changes(request, year, slug, number):
    """What an edition changed from the one before it: 改訂履歴 with its differences. Both
    sides are published editions' frozen data; a draft has no edition and cannot appear."""
    editions = Edition.objects.select_related(
        "report__fiscal_year", "report__division__department"
    ).defer("html")
    edition = get_object_or_404(
        editions,
        report__fiscal_year__year=year,
        report__division__slug=slug,
        number=number,
        number__gt=1,
    )
    previous = get_object_or_404(editions, report=edition.report, number=number - 1)
    context = {
        "report": edition.report,
        "edition": edition,
        "previous": previous,
        "changes": redline.compare(previous.data, edition.data),
    }
    return render(request, "reports/edition_changes.html", context)


# The public site beyond the report itself: home, expenditure items, subsidy awards,
# municipalities, vendors and search. Every page reads current editions' published rows only.

AWARDS_PER_PAGE = 50
SEARCH_RESULTS_PER_PAGE = 20
_edition_links = ("edition__report__fiscal_year", "edition__report__division")
_heavy_edition_fields = ("edition__html", "edition__data")


def _departments(editions):
    return [
        (department, list(items))
        for department, items in groupby(editions, key=lambda e: e.report.division.department)
    ]


def _year_editions(fiscal_year):
    return (
        Edition.objects.current()
        .filter(report__fiscal_year=fiscal_year)
        .select_related("report__fiscal_year", "report__division__department")
        .defer("html", "data")
        .in_site_order()
    )


def home(request):
    years = list(published_years())
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


def _item_name(name: str, qualifier: str) -> str:
    return f"{name}（{qualifier}）" if qualifier else name


def _yen(amount) -> int:
    """A published amount in yen, for ratios and bar lengths only."""
    return amount.amount * 1000 if amount.unit == Unit.THOUSAND_YEN else amount.amount


def _typed(amount, in_yen=notation.comma) -> str:
    """A published amount as it was typed: 5,318千円 stays 5,318千円."""
    if amount.unit == Unit.THOUSAND_YEN:
        return f"{notation.comma(amount.amount)}千円"
    return in_yen(amount.amount)


def expenditure_item(request, code):
    rows = list(
        PublishedAmount.objects.current()
        .filter(item_code=code)
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
                "settlement_shown": _typed(settled) if settled else "－",
                "budget_shown": _typed(by_key[(year, AmountKind.BUDGET)])
                if (year, AmountKind.BUDGET) in by_key
                else "－",
                "budget": by_key.get((year, AmountKind.BUDGET)),
                "ratio": (
                    year_on_year(_yen(settled), _yen(previous)) if comparable else notation.NO_VALUE
                ),
            }
        )
    chart = bar_chart(
        [
            (
                row["label"],
                _typed(row["settlement"], yen),
                _yen(row["settlement"]),
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
            "name": _item_name(latest.item_name, latest.item_qualifier),
            "typed_in_thousands": any(r.unit == Unit.THOUSAND_YEN for r in by_key.values()),
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
    current = PublishedAward.objects.current()
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
        PublishedAward.objects.current()
        .filter(municipalities=place)
        .select_related(*_edition_links)
        .defer(*_heavy_edition_fields)
        .prefetch_related("municipalities")
        .order_by("-fiscal_year", "programme_name", "order", "id")
    )
    # Events record their co-hosts as text; an event counts when one of them is this place.
    candidates = (
        PublishedEvent.objects.current()
        .filter(cohosts__contains=place.name)
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
        PublishedContract.objects.current()
        .filter(vendor=company)
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
    return render(
        request,
        "reports/vendor_detail.html",
        {"vendor": company, "contracts": list(contracts.values())},
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


def favicon(request):
    """Browsers ask for /favicon.ico whatever a page links (the admin's pages link none)."""
    return redirect(static("favicon.ico"))


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


@cache_control(max_age=300)
def volume_pdf(request, year, department=None):
    volumes = (
        Volume.objects.ready()
        .filter(fiscal_year__year=year)
        .select_related("fiscal_year", "department")
    )
    if department is None:
        volumes = volumes.filter(department__isnull=True)
    else:
        volumes = volumes.filter(department__slug=department)
    volume = volumes.order_by("-finished_at", "-id").first()
    if volume is None:
        raise Http404("この合冊はまだ作成されていません。")
    response = FileResponse(volume.pdf.open("rb"), content_type="application/pdf")
    short = notation.fiscal_year_short(volume.fiscal_year.year)
    fallback = f"{short}_{volume.department.slug if volume.department_id else 'all'}_volume.pdf"
    response["Content-Disposition"] = (
        f"inline; filename=\"{fallback}\"; filename*=UTF-8''{quote(download_filename(volume))}"
    )
    return response
