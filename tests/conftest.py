import pytest

DUMMY_TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
IMMEDIATE_TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


@pytest.fixture(autouse=True)
def test_settings(settings, tmp_path):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    # Background jobs are queued and not run, unless a test asks for `immediate_tasks`.
    settings.TASKS = DUMMY_TASKS
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def immediate_tasks(settings):
    """Background jobs (edition PDFs) run at once, inside the request that queues them."""
    settings.TASKS = IMMEDIATE_TASKS


@pytest.fixture
def seed(db):
    """The FY2020 report of デジタル行政推進課, loaded from the project's fixture and published
    as its first edition."""
    from django.core.management import call_command

    from reports.models import Report
    from reports.publishing import freeze_edition

    call_command("loaddata", "fy2020", verbosity=0)
    call_command("populate_history", auto=True, verbosity=0)
    report = Report.objects.get(fiscal_year__year=2020, division__slug="digital-administration")
    freeze_edition(report)
    return report
