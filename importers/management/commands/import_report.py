from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from importers.build import build_report
from importers.document import ImportRefused
from importers.parser import parse
from importers.preview import preview, preview_text
from importers.readers import check_size, read_document
from organisation.models import Division
from reports.conventions import DEFAULT_DOCUMENT_NAME


class Command(BaseCommand):
    help = (
        "過去の報告書（.txt / .docx / .pdf）を読み取り、下書きの事務事業実績を作ります。"
        "例：import_report 報告書.pdf --year 2020 --division digital-administration --dry-run"
    )

    def add_arguments(self, parser):
        parser.add_argument("path", type=Path, help="取り込むファイル")
        parser.add_argument(
            "--year", type=int, required=True, help="年度（西暦）。令和２年度なら 2020"
        )
        parser.add_argument(
            "--division", required=True, help="課のURL名。例：digital-administration"
        )
        parser.add_argument(
            "--name",
            default="",
            help="文書の名称（表紙や各ページの表題）。省略すると文書の表紙から読み取ります"
            f"（読み取れなければ「{DEFAULT_DOCUMENT_NAME}」）",
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="読み取り結果を表示するだけにする"
        )
        parser.add_argument(
            "--replace", action="store_true", help="この年度の下書きがあれば置き換える"
        )

    def handle(self, *args, path, year, division, name, dry_run, replace, **options):
        try:
            division_obj = Division.objects.get(slug=division)
        except Division.DoesNotExist:
            raise CommandError(f"課「{division}」は見つかりません。") from None
        if not path.is_file():
            raise CommandError(f"ファイル {path} は見つかりません。")
        try:
            check_size(path.stat().st_size)
            parsed = parse(
                read_document(path.name, path.read_bytes()), name or DEFAULT_DOCUMENT_NAME
            )
        except ImportRefused as refusal:
            raise CommandError(str(refusal)) from None
        parsed.document_name = name or parsed.document_name
        if parsed.year and parsed.year != year:
            parsed.warnings.append(
                f"文書の年度（{parsed.year}）と指定した年度（{year}）が違います。"
            )
        self.stdout.write(preview_text(preview(parsed)))
        if dry_run:
            self.stdout.write("（--dry-run のため、何も作成していません）")
            return
        try:
            report = build_report(parsed, year=year, division=division_obj, replace=replace)
        except ImportRefused as refusal:
            raise CommandError(f"取り込みませんでした：{refusal}") from None
        self.stdout.write(f"下書き「{report}」を作成しました。")
