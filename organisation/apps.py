from django.apps import AppConfig


class OrganisationConfig(AppConfig):
    """Fiscal years, departments (部) and divisions (課), who works for which and what each role
    may do; the notation of years, numerals and yen."""

    name = "organisation"
    verbose_name = "組織"
