from itertools import groupby

from django.db.models import Count, Q
from django.http import Http404
from django.shortcuts import get_object_or_404, render

from reports.models import FiscalYear, Report
from reports.tree import get_report, load_report


def year_list(request):
    published = Q(reports__status=Report.Status.PUBLISHED)
    years = FiscalYear.objects.annotate(report_count=Count("reports", filter=published)).filter(
        report_count__gt=0
    )
    return render(request, "reports/year_list.html", {"years": years})


def year_detail(request, year):
    fiscal_year = get_object_or_404(FiscalYear, year=year)
    reports = (
        Report.objects.published()
        .filter(fiscal_year=fiscal_year)
        .select_related("division__department")
        .order_by("division__department__order", "division__department_id", "division__order")
    )
    departments = [
        (department, list(items))
        for department, items in groupby(reports, key=lambda r: r.division.department)
    ]
    return render(
        request,
        "reports/year_detail.html",
        {"fiscal_year": fiscal_year, "departments": departments},
    )


def _published_report(year, slug) -> Report:
    try:
        return get_report(year, slug, Report.objects.published())
    except Report.DoesNotExist:
        raise Http404("この事務事業実績は公開されていません。") from None


def report_detail(request, year, slug):
    report = _published_report(year, slug)
    tree = load_report(report)
    return render(request, "reports/report_detail.html", {"report": report, "tree": tree})
