import secrets

from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import BaseCommand

from publication.publishing import freeze_edition
from reports.models import Report


class Command(BaseCommand):
    help = "見本の報告書（令和２年度）と管理者ログインを用意します。何度実行しても安全です。"

    def handle(self, *args, **options):
        if not Report.objects.exists():
            call_command("loaddata", "fy2020", verbosity=0)
            call_command("populate_history", auto=True, verbosity=0)
            for report in Report.objects.all():
                freeze_edition(report)
            self.stdout.write(
                "令和２年度 デジタル行政推進課 の事務事業実績を読み込み、第1版として公開しました。"
            )
        User = get_user_model()
        if User.objects.filter(is_superuser=True).exists():
            self.stdout.write("管理者ログインは作成済みです（http://127.0.0.1:8000/admin/）。")
            return
        password = secrets.token_urlsafe(12)
        User.objects.create_superuser("admin", "admin@example.invalid", password)
        self.stdout.write(
            self.style.SUCCESS(
                "管理者ログインを作成しました（この表示は一度だけです）\n"
                f"  URL:        http://127.0.0.1:8000/admin/\n"
                f"  ユーザー名: admin\n"
                f"  パスワード: {password}"
            )
        )
