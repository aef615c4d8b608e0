"""What the scale benchmarks share: the 30 × 100 demo data set, built once and kept, and the
public pages to measure."""

import hashlib
import os
import subprocess
import sys
import time
from pathlib import Path
from unicodedata import east_asian_width

BASE_DIR = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
YEARS, DIVISIONS, SEED, LAST_YEAR = 30, 100, 1, 2025
POSTGRES_URL = os.environ.get(
    "BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/bench_scale"
)
GENERATOR = BASE_DIR / "reports" / "management" / "commands" / "generate_demo_data.py"


def demo_key() -> str:
    """The generator's parameters and a hash of its source: another key, another data set."""
    digest = hashlib.sha256(GENERATOR.read_bytes()).hexdigest()[:8]
    return f"y{YEARS}-d{DIVISIONS}-s{SEED}-{LAST_YEAR}-{digest}"


def sqlite_url() -> str:
    return f"sqlite:////tmp/jimujigyo-demo-{demo_key()}.sqlite3"


def env(database_url: str, **extra) -> dict:
    return {
        **os.environ,
        "DATABASE_URL": database_url,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        # Publishing queues PDFs; nothing here should render them.
        "TASKS_BACKEND": "django_tasks.backends.dummy.DummyBackend",
        **extra,
    }


def manage(database_url: str, *args: str, **extra) -> str:
    result = subprocess.run(
        [PYTHON, "manage.py", *args],
        cwd=BASE_DIR,
        env=env(database_url, **extra),
        check=True,
        capture_output=True,
        text=True,
    )
    return result.stdout


def ensure_demo(database_url: str) -> str:
    """Make ``database_url`` hold the demo data set of ``demo_key()``, built once and kept: a
    SQLite file named after the key, or a PostgreSQL database whose comment is the key.
    Returns what was done, for the report."""
    if database_url.startswith("sqlite"):
        path = Path(database_url.removeprefix("sqlite:///"))
        if path.exists():
            manage(database_url, "migrate", "--no-input", "--verbosity", "0")
            return "既存のデータを再利用"
        building = path.with_suffix(".building")
        building.unlink(missing_ok=True)
        took = _generate(f"sqlite:///{building}")
        building.rename(path)
        return took
    if _postgres_comment(database_url) == demo_key():
        manage(database_url, "migrate", "--no-input", "--verbosity", "0")
        analyze(database_url)
        return "既存のデータを再利用"
    reset_postgres(database_url)
    took = _generate(database_url)
    name = database_url.rsplit("/", 1)[1]
    _psql(database_url, f"COMMENT ON DATABASE \"{name}\" IS '{demo_key()}'")
    analyze(database_url)
    return took


def analyze(database_url: str) -> None:
    """Statistics for the planner, as autovacuum would gather them a little after a bulk load."""
    subprocess.run(["psql", database_url, "-qc", "VACUUM ANALYZE"], check=True)


def _generate(database_url: str) -> str:
    manage(database_url, "migrate", "--no-input", "--verbosity", "0")
    started = time.perf_counter()
    manage(
        database_url,
        "generate_demo_data",
        f"--years={YEARS}",
        f"--divisions={DIVISIONS}",
        f"--seed={SEED}",
        f"--last-year={LAST_YEAR}",
    )
    return f"生成 {time.perf_counter() - started:.0f}秒"


def _psql(database_url: str, sql: str) -> str:
    """Run one statement against the server's ``postgres`` database (bench housekeeping)."""
    admin = database_url.rsplit("/", 1)[0] + "/postgres"
    result = subprocess.run(
        ["psql", admin, "-Atqc", sql], check=True, capture_output=True, text=True
    )
    return result.stdout.strip()


def _postgres_comment(database_url: str) -> str:
    name = database_url.rsplit("/", 1)[1]
    return _psql(
        database_url,
        f"SELECT coalesce(shobj_description(oid, 'pg_database'), '') FROM pg_database "
        f"WHERE datname = '{name}'",
    )


def reset_postgres(database_url: str) -> None:
    """Drop and create the benchmark's own PostgreSQL database."""
    name = database_url.rsplit("/", 1)[1]
    if name in {"postgres", "test_postgres", "template0", "template1"}:
        raise SystemExit(f"{name} は使いません。BENCH_DATABASE_URL に専用のデータベースを。")
    _psql(database_url, f'DROP DATABASE IF EXISTS "{name}"')
    _psql(database_url, f'CREATE DATABASE "{name}"')


def postgres_available(database_url: str) -> bool:
    try:
        _psql(database_url, "SELECT 1")
    except (subprocess.CalledProcessError, FileNotFoundError):
        return False
    return True


def setup_django(database_url: str) -> None:
    os.environ.update(env(database_url))
    sys.path.insert(0, str(BASE_DIR))
    import django

    django.setup()


def public_urls() -> list[tuple[str, str]]:
    """Every public page, for one report of the data set (Django must be set up)."""
    from budgets.models import Municipality
    from publication.models import Edition, PublishedAmount, PublishedContract

    edition = (
        Edition.objects.filter(is_current=True)
        .select_related("report__fiscal_year", "report__division")
        .order_by("-report__fiscal_year__year", "report__division__order")
        .first()
    )
    report = edition.report
    year, slug = report.fiscal_year.year, report.division.slug
    code = PublishedAmount.objects.filter(edition=edition).values_list("item_code", flat=True)[0]
    vendor = PublishedContract.objects.filter(edition=edition).values_list("vendor", flat=True)[0]
    place = Municipality.objects.order_by("code").first()
    urls = [
        ("ホーム", "/"),
        ("年度一覧", "/reports/"),
        ("年度", f"/reports/{year}/"),
        ("報告書（公開版）", f"/reports/{year}/{slug}/"),
        ("報告書PDF", f"/reports/{year}/{slug}.pdf"),
        ("費目", f"/items/{code}/"),
        ("補助金採択事業", "/awards/"),
        ("補助金（年度で絞込）", f"/awards/?year={year}"),
        ("事業者", f"/vendors/{vendor}/"),
        ("検索", "/search/?q=オープンデータ"),
        ("サイトマップ", "/sitemap.xml"),
        ("オープンデータ", "/data/"),
        ("報告書JSON", f"/reports/{year}/{slug}.json"),
        ("報告書CSV（決算額）", f"/reports/{year}/{slug}/data/amounts.csv"),
        ("合冊PDF", f"/volumes/{year}.pdf"),
        ("ヘルスチェック", "/healthz"),
    ]
    if place:
        urls.insert(8, ("市町村", f"/municipalities/{place.code}/"))
    return urls


def width(text: str) -> int:
    return sum(2 if east_asian_width(c) in "WF" else 1 for c in text)


def pad(text: str, columns: int, right: bool = False) -> str:
    """Pad to a width in terminal columns: full-width characters take two."""
    spaces = " " * max(0, columns - width(text))
    return spaces + text if right else text + spaces


def table(rows: list[list[str]], widths: list[int], left: tuple[int, ...] = (0,)) -> str:
    """Rows as aligned columns: the ``left`` columns to the left, the others to the right."""
    return "\n".join(
        " ".join(
            pad(cell, w, right=i not in left)
            for i, (cell, w) in enumerate(zip(row, widths, strict=True))
        ).rstrip()
        for row in rows
    )
