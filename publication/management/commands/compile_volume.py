import time

from django.core.management.base import BaseCommand, CommandError

from organisation.models import Department, FiscalYear
from publication.models import Volume
from publication.volume import VolumeError, start_volume


class Command(BaseCommand):
    help = (
        "年度（または部局）の合冊PDFの作成を始めます。分割ごとの作成は db_worker が行います。"
        "--wait で完成まで待ちます。"
    )

    def add_arguments(self, parser):
        parser.add_argument("year", type=int, help="年度（西暦）。令和２年度なら 2020")
        parser.add_argument("--department", help="部局のURL名。省略すると全部局")
        parser.add_argument("--chunk-size", type=int, default=10, help="1回に組む課の数（既定 10）")
        parser.add_argument("--wait", action="store_true", help="完成（または失敗）まで待つ")
        parser.add_argument("--timeout", type=float, default=3600, help="待つ秒数の上限")

    def handle(self, *args, year, department, chunk_size, wait, timeout, **options):
        fiscal_year = FiscalYear.objects.filter(year=year).first()
        if fiscal_year is None:
            raise CommandError(f"{year}年度はありません。")
        dept = None
        if department:
            dept = Department.objects.filter(slug=department).first()
            if dept is None:
                raise CommandError(f"部局「{department}」はありません。")
        try:
            volume = start_volume(fiscal_year, dept, chunk_size=chunk_size)
        except VolumeError as error:
            raise CommandError(str(error)) from None
        self.stdout.write(
            f"{volume}（ID {volume.pk}）の作成を始めました：{volume.divisions}課、"
            f"{volume.chunks.count()}分割。"
        )
        if not wait:
            return
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            volume.refresh_from_db()
            if volume.status in (Volume.Status.DONE, Volume.Status.FAILED):
                break
            time.sleep(1)
        if volume.status != Volume.Status.DONE:
            state = volume.get_status_display()
            raise CommandError(f"完成しませんでした（{state}）：{volume.error}")
        self.stdout.write(
            f"完成：{volume.pages}ページ、{volume.pdf_size:,}バイト、{volume.pdf.name}"
        )
