"""Report editor benchmark (`make bench`, or on its own: .venv/bin/python bench/editor.py).

The editor page (文書編集) of the seed report, of a report ten times its size
(tests/factories.py ``filled_report(10)``) and of the seed's groups copied ten times (ten times
the seed's 表記チェック findings, all listed in the page's panel), for an editor of the division
and for an administrator, in a temporary SQLite database: server time (median of 5 requests
after one that warms the template cache, measured around Django's test client, so middleware
included), page size and number of queries; beside the goals of issue 11 and beside the
nested report page it replaced.
"""

import os
import statistics
import sys
import tempfile
import time
import warnings
from pathlib import Path
from unicodedata import east_asian_width

BASE_DIR = Path(__file__).resolve().parent.parent
RUNS = 5

# The nested page the editor replaced (issue 11): the seed only.
BEFORE = {
    "seed": ("5–6 s", "2.1 MB", "261 / 73"),
    "ten": ("—", "—", "—"),
    "copies": ("—", "—", "—"),
}
GOALS = {"seed": (0.3, 300_000, 40), "ten": (1.0, 3_000_000, 40), "copies": (1.0, 3_000_000, 40)}


def setup_django(database: Path) -> None:
    os.environ["DATABASE_URL"] = f"sqlite:///{database}"
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings"
    os.environ.setdefault("TASKS_BACKEND", "django_tasks.backends.dummy.DummyBackend")
    sys.path.insert(0, str(BASE_DIR))
    import django

    django.setup()


def build():
    from django.contrib.auth.models import User
    from django.core.management import call_command

    from editorial.copying import copy_forward
    from organisation.models import DivisionRole
    from reports.models import Report, Section
    from tests import factories

    call_command("migrate", verbosity=0)
    call_command("loaddata", "fy2020", verbosity=0)
    seed = Report.objects.get(fiscal_year__year=2020, division__slug="digital-administration")
    ten = factories.filled_report(10, status=Report.Status.DRAFT)
    # 年度更新 copies of one copy of the seed, their groups moved into another (ten in all).
    copies = copy_forward(seed, None)
    template = copy_forward(copies, None)
    for _ in range(8):
        copy = copy_forward(template, None)
        Section.objects.filter(report=copy).update(report=copies)
        copy.delete()
    Section.objects.filter(report=template).update(report=copies)
    template.delete()
    editor = User.objects.create_user("bench-editor", "e@example.invalid", "pw")
    for division in {seed.division, ten.division}:
        DivisionRole.objects.create(user=editor, division=division, role=DivisionRole.Role.EDITOR)
    administrator = User.objects.create_superuser("bench-admin", "a@example.invalid", "pw")
    reports = {"seed": seed, "ten": ten, "copies": copies}
    return reports, {"editor": editor, "administrator": administrator}


def measure(report, user) -> tuple[float, int, int]:
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client()
    client.force_login(user)
    url = f"/admin/reports/report/{report.pk}/editor/"
    response = client.get(url)
    assert response.status_code == 200, response.status_code
    times = []
    for _ in range(RUNS):
        with CaptureQueriesContext(connection) as queries:
            started = time.perf_counter()
            response = client.get(url)
            times.append(time.perf_counter() - started)
    return statistics.median(times), len(response.content), len(queries)


def shown_width(text: str) -> int:
    return sum(2 if east_asian_width(c) in "WF" else 1 for c in text)


def pad(text: str, width: int) -> str:
    return text + " " * max(width - shown_width(text), 0)


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        setup_django(Path(folder) / "bench-editor.sqlite3")
        from django.test.utils import setup_test_environment

        # The test client's renders, without collectstatic having run.
        warnings.filterwarnings("ignore", message="No directory at")
        setup_test_environment()
        reports, users = build()
        rows = []
        for size, label in (("seed", "シード"), ("ten", "10倍"), ("copies", "シード写し10倍")):
            for persona, who in (("editor", "編集者"), ("administrator", "管理者")):
                seconds, size_bytes, queries = measure(reports[size], users[persona])
                goal_s, goal_b, goal_q = GOALS[size]
                ok = seconds <= goal_s and size_bytes <= goal_b and queries <= goal_q
                rows.append(
                    (
                        f"{label} {who}",
                        f"{seconds:.3f} s",
                        f"{size_bytes / 1000:,.0f} KB",
                        str(queries),
                        f"≤ {goal_s} s, ≤ {goal_b // 1000:,} KB, ≤ {goal_q}",
                        " / ".join(BEFORE[size]),
                        "OK" if ok else "NG",
                    )
                )
    header = ("文書編集", "サーバ時間", "大きさ", "クエリ", "目標", "以前（入れ子の画面）", "")
    table = [header, *rows]
    widths = [max(shown_width(r[i]) for r in table) for i in range(len(header))]
    for row in table:
        print("  ".join(pad(cell, widths[i]) for i, cell in enumerate(row)).rstrip())


if __name__ == "__main__":
    main()
