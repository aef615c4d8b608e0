from django.apps import AppConfig


class BudgetsConfig(AppConfig):
    """Expenditure items and their amounts by year, contracts and vendors, subsidy programmes
    and awards, municipalities; their spreadsheet resources."""

    name = "budgets"
    verbose_name = "予算・決算"
