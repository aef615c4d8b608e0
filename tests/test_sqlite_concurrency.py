"""The default SQLite database of `make run` under several writers at once: web server,
db_worker and staff never see "database is locked".

Each test runs separate processes on a file database configured exactly as `make run`
configures it (config/settings.py), whatever database the rest of the suite uses.
"""

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

SETUP = """
import django
django.setup()
"""

WRITER = (
    SETUP
    + """
import sys, time
from django.contrib.auth.models import User
from django.db import transaction

name, start = sys.argv[1], float(sys.argv[2])
time.sleep(max(0, start - time.time()))
for i in range(40):
    # A read, then a write, in one transaction: what a save in the admin does.
    with transaction.atomic():
        User.objects.filter(username__startswith=name).count()
        User.objects.create(username=f"{name}-{i}")
        time.sleep(0.002)
"""
)

PREPARE_PUBLISH = (
    SETUP
    + """
from reports import workflow
from organisation.models import DivisionRole
from reports.models import Report
from tests import factories
from tests.conftest import person

report = factories.filled_report(size=1, status=Report.Status.DRAFT)
editor = person("editor_a", report.division, DivisionRole.Role.EDITOR)
person("approver_a", report.division, DivisionRole.Role.APPROVER)
person("approver_a2", report.division, DivisionRole.Role.APPROVER)
workflow.submit(report, editor)
print(report.pk)
"""
)

PUBLISHER = (
    SETUP
    + """
import sys, time
from django.contrib.auth.models import User
from django.test import Client

username, pk, start = sys.argv[1], sys.argv[2], float(sys.argv[3])
client = Client()
client.force_login(User.objects.get(username=username))
time.sleep(max(0, start - time.time()))
response = client.post(
    f"/admin/reports/report/{pk}/workflow/publish/", {"change_note": "同時に公開"}
)
print(response.status_code)
print(response.content.decode())
"""
)


@pytest.fixture
def sqlite_file(tmp_path):
    """A migrated file database, with the environment that points processes at it."""
    env = {
        **{k: v for k, v in os.environ.items() if k != "DATABASE_URL"},
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "MEDIA_ROOT": str(tmp_path / "media"),
        "TASKS_BACKEND": "django_tasks.backends.dummy.DummyBackend",
        "PYTHONPATH": str(ROOT),
    }
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--no-input", "-v0"],
        cwd=ROOT,
        env=env,
        check=True,
    )
    return env


def _start(code, env, *args):
    return subprocess.Popen(
        [sys.executable, "-c", code, *map(str, args)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def test_concurrent_writers_wait_for_each_other_instead_of_failing(sqlite_file):
    start = time.time() + 3
    writers = [_start(WRITER, sqlite_file, f"w{n}", start) for n in range(4)]
    outcomes = [(w.wait(timeout=120), w.stderr.read()) for w in writers]

    for code, stderr in outcomes:
        assert "database is locked" not in stderr
        assert code == 0, stderr
    counted = subprocess.run(
        [
            sys.executable,
            "-c",
            SETUP + "from django.contrib.auth.models import User; print(User.objects.count())",
        ],
        cwd=ROOT,
        env=sqlite_file,
        capture_output=True,
        text=True,
        check=True,
    )
    assert counted.stdout.strip() == "160"


def test_two_approvers_publishing_at_once_one_wins_the_other_is_told(sqlite_file):
    prepared = subprocess.run(
        [sys.executable, "-c", PREPARE_PUBLISH],
        cwd=ROOT,
        env=sqlite_file,
        capture_output=True,
        text=True,
        check=True,
    )
    pk = prepared.stdout.strip().splitlines()[-1]
    start = time.time() + 4
    publishers = [
        _start(PUBLISHER, sqlite_file, name, pk, start) for name in ("approver_a", "approver_a2")
    ]
    answers = []
    for publisher in publishers:
        publisher.wait(timeout=120)
        stdout, stderr = publisher.stdout.read(), publisher.stderr.read()
        assert "database is locked" not in stderr
        status, _, page = stdout.partition("\n")
        answers.append((int(status), page))

    assert sorted(status for status, _ in answers) == [200, 302]
    [refused] = [page for status, page in answers if status == 200]
    assert "公開できるのは「確認依頼」中の報告書だけです。" in refused
