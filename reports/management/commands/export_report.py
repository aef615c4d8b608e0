import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.template.loader import render_to_string

from reports.context_processors import site
from reports.models import Report
from reports.serializers import report_data
from reports.tree import get_report, load_report


def render_report_html(report: Report) -> str:
    """The public page's HTML of ``report``."""
    tree = load_report(report)
    context = {"report": report, "tree": tree, **site(None)}
    return render_to_string("reports/report_detail.html", context)


class Command(BaseCommand):
    help = "事務事業実績を書き出します。例：export_report 2020 digital-administration"

    def add_arguments(self, parser):
        parser.add_argument("year", type=int, help="年度（西暦）。令和２年度なら 2020")
        parser.add_argument("division", help="課のURL名。例：digital-administration")
        parser.add_argument("--format", choices=["html", "json"], default="html")
        parser.add_argument("--output", type=Path, help="出力先のファイル。省略すると標準出力")

    def handle(self, *args, year, division, format, output, **options):
        try:
            report = get_report(year, division)
        except Report.DoesNotExist:
            raise CommandError(
                f"{year}年度の「{division}」の事務事業実績は見つかりません。"
            ) from None
        if format == "json":
            content = json.dumps(report_data(load_report(report)), ensure_ascii=False, indent=1)
        else:
            content = render_report_html(report)
        if output:
            output.write_text(content, encoding="utf-8")
            self.stderr.write(f"{output} に書き出しました。")
        else:
            self.stdout.write(content)
