from django.apps import AppConfig
from django.db.models.signals import post_migrate


class SpreadsheetsConfig(AppConfig):
    """Reading and writing CSV / XLSX, and the admin's preview → confirm import; each app
    declares its own resources on top of it."""

    name = "spreadsheets"
    verbose_name = "表計算ファイル"

    def ready(self):
        # The admin module reads models: importable only once the registry is ready.
        from spreadsheets.admin import create_import_permissions

        post_migrate.connect(create_import_permissions, dispatch_uid="import-permissions")
