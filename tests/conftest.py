import pytest


@pytest.fixture(autouse=True)
def fast_password_hasher(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def seed(db):
    """The FY2020 report of デジタル行政推進課, loaded from the project's fixture."""
    from django.core.management import call_command

    from reports.models import Report

    call_command("loaddata", "fy2020", verbosity=0)
    return Report.objects.get(fiscal_year__year=2020, division__slug="digital-administration")
