import json
from pathlib import Path

from django.core.files.storage import default_storage
from django.core.management.base import BaseCommand, CommandError
from django.template.loader import render_to_string

from organisation.context_processors import site
from public.views import report_context
from publication.pdf import PdfError, pdf_for
from publication.publishing import body_html
from publication.serializers import report_data
from publication.tree import get_report, load_report
from reports.models import Report


def render_report_html(report: Report) -> str:
    """The public page's HTML of ``report``, with its current content."""
    edition = report.editions.current().defer("html", "data").first()
    body = body_html(report, load_report(report))
    context = {**report_context(report, body, edition), **site(None)}
    return render_to_string("reports/report_detail.html", context)


class Command(BaseCommand):
    help = "事務事業実績を書き出します。例：export_report 2020 digital-administration"

    def add_arguments(self, parser):
        parser.add_argument("year", type=int, help="年度（西暦）。令和２年度なら 2020")
        parser.add_argument("division", help="課のURL名。例：digital-administration")
        parser.add_argument("--format", choices=["html", "json", "pdf"], default="html")
        parser.add_argument(
            "--output", type=Path, help="出力先のファイル。省略すると標準出力（PDFでは必須）"
        )

    def handle(self, *args, year, division, format, output, **options):
        try:
            report = get_report(year, division)
        except Report.DoesNotExist:
            raise CommandError(
                f"{year}年度の「{division}」の事務事業実績は見つかりません。"
            ) from None
        if format == "pdf":
            self.export_pdf(report, output)
            return
        if format == "json":
            content = json.dumps(report_data(load_report(report)), ensure_ascii=False, indent=1)
        else:
            content = render_report_html(report)
        if output:
            output.write_text(content, encoding="utf-8")
            self.stderr.write(f"{output} に書き出しました。")
        else:
            self.stdout.write(content)

    def export_pdf(self, report, output):
        if not output:
            raise CommandError("PDFは --output で出力先のファイルを指定してください。")
        try:
            name, _ = pdf_for(report)
        except PdfError as error:
            raise CommandError(str(error)) from None
        with default_storage.open(name) as stored:
            output.write_bytes(stored.read())
        self.stderr.write(f"{output} に書き出しました。")
