from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "reports"
    verbose_name = "報告書"

    def ready(self):
        from reports import nested_admin_fixes
        from reports.caching import connect_signals

        connect_signals()
        nested_admin_fixes.install()
