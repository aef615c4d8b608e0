from django.apps import AppConfig


class ReportsConfig(AppConfig):
    """A division's report of a fiscal year, its groups, and the workflow that publishes it."""

    name = "reports"
    verbose_name = "報告書"
