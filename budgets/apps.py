from django.apps import AppConfig


class BudgetsConfig(AppConfig):
    name = "budgets"
    verbose_name = "予算・決算"

    def ready(self):
        from django.db.models.signals import post_migrate

        from budgets.import_admin import create_import_permissions

        post_migrate.connect(create_import_permissions, sender=self)
