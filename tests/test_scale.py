"""Constant cost per page view, the shared page cache, the health check, settings for more than
one machine, and workers sharing the task table."""

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.contrib.auth.models import User
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from budgets.models import Vendor
from programs.models import Initiative
from public.caching import GENERATION_KEY, bump_public_pages, forget_local_pages
from publication.models import PublishedAmount
from publication.publishing import freeze_edition
from publication.tree import load_report
from tests import factories

BASE_DIR = Path(__file__).resolve().parent.parent


def public_pages(report) -> dict[str, str]:
    year, slug = report.fiscal_year.year, report.division.slug
    edition = report.editions.get(is_current=True)
    code = PublishedAmount.objects.filter(edition=edition).values_list("item_code", flat=True)[0]
    vendor = Vendor.objects.filter(contracts__initiative__section__report=report).first()
    return {
        "home": "/",
        "years": "/reports/",
        "year": f"/reports/{year}/",
        "report": f"/reports/{year}/{slug}/",
        "report pdf": f"/reports/{year}/{slug}.pdf",
        "report json": f"/reports/{year}/{slug}.json",
        "report csv": f"/reports/{year}/{slug}/data/amounts.csv",
        "item": f"/items/{code}/",
        "vendor": f"/vendors/{vendor.pk}/",
        "municipality": "/municipalities/271004/",
        "awards": "/awards/",
        "awards filtered": f"/awards/?year={year}&municipality=271004",
        "search": "/search/?q=取組",
        "search, no hit": "/search/?q=見つからない語",
        "sitemap": "/sitemap.xml",
        "open data": "/data/",
        "volume": f"/volumes/{year}.pdf",
        "health": "/healthz",
    }


def query_counts(client, pages: dict[str, str]) -> dict[str, int]:
    counts = {}
    for name, url in pages.items():
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url)
            if response.streaming:
                b"".join(response.streaming_content)
        assert response.status_code in (200, 404, 503), (name, response.status_code)
        counts[name] = len(queries)
    return counts


@pytest.mark.django_db
def test_every_public_page_costs_the_same_queries_at_1x_and_10x(client):
    small = factories.filled_report(size=1)
    at_1x = query_counts(client, public_pages(small))

    big = factories.filled_report(size=10)
    for year in (2018, 2019):  # more reports and years as well as a bigger report
        factories.filled_report(size=1, year=year)
    at_10x = query_counts(client, public_pages(big))

    assert at_10x == at_1x


@pytest.mark.django_db
def test_draft_render_loads_the_tree_in_the_same_queries_at_1x_and_10x():
    counts = []
    for size in (1, 10):
        report = factories.filled_report(size=size, status="draft")
        with CaptureQueriesContext(connection) as queries:
            tree = load_report(report)
        assert sum(1 for _ in tree.nodes()) == size * 2 * 4 * 3
        counts.append(len(queries))
    assert counts[0] == counts[1]


@pytest.mark.django_db
def test_published_page_is_the_stored_edition_not_a_rebuilt_tree(client, monkeypatch):
    report = factories.filled_report(size=1)
    Initiative.objects.filter(section__report=report, parent=None).update(title="下書きの見出し")

    def refuse(*args, **kwargs):
        raise AssertionError("the public page rebuilt the report tree")

    monkeypatch.setattr("publication.tree.load_report", refuse)
    monkeypatch.setattr("publication.publishing.load_report", refuse)
    page = client.get(report.get_absolute_url()).content.decode()
    assert "取組0-0" in page
    assert "下書きの見出し" not in page


# The shared page cache (on where REDIS_URL is set; here with local memory, as in one process).


@pytest.fixture
def page_cache(settings):
    settings.PUBLIC_PAGE_CACHE_SECONDS = 60
    cache.clear()
    forget_local_pages()
    yield
    cache.clear()
    forget_local_pages()


@pytest.mark.django_db
def test_a_cached_public_page_costs_no_query(client, page_cache):
    report = factories.filled_report(size=1)
    url = report.get_absolute_url()
    first = client.get(url)
    with CaptureQueriesContext(connection) as queries:
        again = client.get(url)
    assert len(queries) == 0
    assert again.content == first.content
    assert again["Content-Security-Policy"] == first["Content-Security-Policy"]


@pytest.mark.django_db(transaction=True)
def test_publishing_makes_cached_pages_stale(client, page_cache):
    report = factories.filled_report(size=1)
    url = report.fiscal_year.get_absolute_url()
    other = factories.filled_report(size=1)
    assert other.division.name in client.get(url).content.decode()

    newcomer = factories.filled_report(size=1, status="draft")
    client.get(url)  # cached without the newcomer
    freeze_edition(newcomer)  # commits, then bumps the generation
    assert newcomer.division.name in client.get(url).content.decode()


@pytest.mark.django_db
def test_staff_with_a_session_always_get_a_fresh_page(client, page_cache):
    report = factories.filled_report(size=1)
    url = report.get_absolute_url()
    client.get(url)
    client.force_login(User.objects.create_user("staff", password="pw", is_staff=True))
    with CaptureQueriesContext(connection) as queries:
        client.get(url)
    assert len(queries) > 0


@pytest.mark.django_db
def test_a_lost_generation_never_comes_back_as_an_old_value(page_cache):
    bump_public_pages()
    first = cache.get(GENERATION_KEY)
    bump_public_pages()
    assert cache.get(GENERATION_KEY) == first + 1
    cache.delete(GENERATION_KEY)  # evicted, or the cache restarted
    bump_public_pages()
    assert cache.get(GENERATION_KEY) > first + 1


# Health check


@pytest.mark.django_db
def test_health_check_reports_database_and_cache(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "cache": "ok"}
    assert "no-cache" in response["Cache-Control"]


@pytest.mark.django_db
def test_health_check_fails_when_the_cache_does_not_answer(client, settings):
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:9/0",  # the discard port: refused at once
        }
    }
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["cache"].startswith("error")
    assert response.json()["database"] == "ok"


# Settings for more than one machine, read from the environment.


def _settings_in_child(**env) -> list[str]:
    code = (
        "import django; django.setup(); "
        "from django.conf import settings; from django.core.files.storage import storages; "
        "print(type(storages['default']).__name__); print(settings.CACHES['default']['BACKEND']); "
        "print(settings.PUBLIC_PAGE_CACHE_SECONDS)"
    )
    environment = {
        k: v for k, v in os.environ.items() if k not in {"REDIS_URL", "AWS_STORAGE_BUCKET_NAME"}
    }
    environment.update(DJANGO_SETTINGS_MODULE="config.settings", **env)
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=BASE_DIR,
        env=environment,
        capture_output=True,
        text=True,
        check=True,
    )
    return result.stdout.split()


def test_media_on_s3_and_cache_on_redis_when_the_environment_says_so():
    shared = _settings_in_child(
        AWS_STORAGE_BUCKET_NAME="reports-media",
        AWS_S3_ENDPOINT_URL="http://127.0.0.1:9000",
        REDIS_URL="redis://127.0.0.1:6379/0",
    )
    assert shared == ["S3Storage", "django.core.cache.backends.redis.RedisCache", "600"]
    local = _settings_in_child()
    assert local == [
        "FileSystemStorage",
        "django.core.cache.backends.locmem.LocMemCache",
        "0",
    ]


# Workers on several hosts share the task table: django-tasks-db claims a task with
# SELECT … FOR UPDATE SKIP LOCKED on PostgreSQL, so two workers never run the same task.


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(
    not os.environ.get("DATABASE_URL", "").startswith("postgres"),
    reason="SKIP LOCKED: PostgreSQL only",
)
def test_two_workers_on_postgresql_never_run_the_same_task(settings):
    from django_tasks_db.models import DBTaskResult

    from tests.tasks_for_tests import slow_noop

    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    for n in range(16):
        slow_noop.enqueue(n)
    name = connection.settings_dict["NAME"]
    url = os.environ["DATABASE_URL"].rsplit("/", 1)[0] + f"/{name}"
    env = {**os.environ, "DATABASE_URL": url, "TASKS_BACKEND": "django_tasks_db.DatabaseBackend"}
    workers = [
        subprocess.Popen(
            [
                sys.executable,
                "manage.py",
                "db_worker",
                "--batch",
                "--no-startup-delay",
                "--interval",
                "0",
                f"--worker-id=w{n}",
            ],
            cwd=BASE_DIR,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for n in (1, 2)
    ]
    deadline = time.monotonic() + 60
    for worker in workers:
        worker.wait(timeout=max(1, deadline - time.monotonic()))
    results = list(DBTaskResult.objects.all())
    assert len(results) == 16
    assert all(r.status == "SUCCESSFUL" for r in results)
    assert all(len(r.worker_ids) == 1 for r in results)
    assert {r.worker_ids[0] for r in results} == {"w1", "w2"}
