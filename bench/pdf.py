"""PDF render benchmark (`make bench`).

For the seed report and for a synthetic report ten times its size, both built in a temporary
SQLite database: the render time (median of 5 renders in this process, HTML included), the
number of pages, the file size and the peak memory (maximum resident set size of a fresh process
that loads the report and renders it once).
"""

import argparse
import io
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from unicodedata import east_asian_width

BASE_DIR = Path(__file__).resolve().parent.parent
RUNS = 5
COPIES = 10
BIG_SLUG = "bench-ten-times"

# What a report's content is made of in the fixture, with the keys that point inside it.
CONTENT = {
    "reports.section": ["report"],
    "programs.initiative": ["section", "parent"],
    "programs.fact": ["initiative"],
    "programs.figure": ["initiative"],
    "programs.event": ["initiative"],
    "programs.note": ["initiative"],
    "programs.textblock": ["initiative"],
    "programs.freetable": ["initiative"],
    "budgets.settlementtable": ["initiative"],
    "budgets.contract": ["initiative"],
    "budgets.awardtable": ["initiative"],
}


def setup_django(database: Path) -> None:
    os.environ["DATABASE_URL"] = f"sqlite:///{database}"
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings"
    sys.path.insert(0, str(BASE_DIR))
    import django

    django.setup()


def build(database: Path) -> None:
    """Load the seed, and a report of ten copies of its groups for a division of its own."""
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    call_command("loaddata", "fy2020", verbosity=0)
    seed = json.loads((BASE_DIR / "fixtures" / "fy2020.json").read_text(encoding="utf-8"))
    division = next(o for o in seed if o["model"] == "organisation.division")
    report = next(o for o in seed if o["model"] == "reports.report")
    big = [
        {
            "model": "organisation.division",
            "pk": 1000,
            "fields": {**division["fields"], "name": "ベンチ課（10倍）", "slug": BIG_SLUG},
        },
        {"model": "reports.report", "pk": 1000, "fields": {**report["fields"], "division": 1000}},
    ]
    for copy in range(COPIES):
        shift = (copy + 1) * 100_000
        for obj in seed:
            if obj["model"] not in CONTENT:
                continue
            fields = dict(obj["fields"])
            for key in CONTENT[obj["model"]]:
                if fields[key] is not None:
                    fields[key] = 1000 if key == "report" else fields[key] + shift
            if obj["model"] == "reports.section":
                fields["name"] = f"{fields['name']}（{copy + 1}）"
                fields["order"] += copy * 100
            big.append({"model": obj["model"], "pk": obj["pk"] + shift, "fields": fields})
    fixture = database.with_name("ten-times.json")
    fixture.write_text(json.dumps(big, ensure_ascii=False), encoding="utf-8")
    call_command("loaddata", str(fixture), verbosity=0)


def render(slug: str) -> bytes:
    """Load the report, build its printed HTML and lay it out, all in this process."""
    from publication import pdf
    from publication.tree import get_report

    html = pdf.report_html(get_report(2020, slug))
    return pdf.write_pdf(html, pdf.StaticFilesFetcher())


def peak_mb(database: Path, slug: str) -> float:
    """The maximum resident set size of a fresh process that renders ``slug`` once."""
    result = subprocess.run(
        [sys.executable, __file__, "--peak", str(database), slug],
        check=True,
        capture_output=True,
        text=True,
        cwd=BASE_DIR,
    )
    return float(result.stdout.strip())


def measure(database: Path, slug: str, label: str) -> list[str]:
    from pypdf import PdfReader

    seconds = []
    for _ in range(RUNS):
        started = time.perf_counter()
        content = render(slug)
        seconds.append(time.perf_counter() - started)
    pages = len(PdfReader(io.BytesIO(content)).pages)
    return [
        label,
        f"{statistics.median(seconds):.2f}",
        str(pages),
        f"{len(content) / 1024:.0f}",
        f"{peak_mb(database, slug):.0f}",
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--peak", nargs=2, metavar=("DATABASE", "SLUG"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.peak:
        database, slug = args.peak
        setup_django(Path(database))
        render(slug)
        print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)  # KiB on Linux
        return
    with tempfile.TemporaryDirectory(prefix="pdf-bench-") as folder:
        database = Path(folder) / "bench.sqlite3"
        setup_django(database)
        print("ベンチマーク用のデータベースを作成しています…", file=sys.stderr)
        build(database)
        rows = [
            ["報告書", "秒（中央値）", "ページ", "KB", "最大メモリMB"],
            measure(database, "digital-administration", "シード（令和２年度 デジタル行政推進課）"),
            measure(database, BIG_SLUG, f"シードの{COPIES}倍"),
        ]
    print(f"PDF作成：{RUNS}回の中央値。最大メモリは新しいプロセスで1回作成したときの値。")
    for label, *cells in rows:
        print(_pad(label, 40) + "".join(_pad(cell, 14, right=True) for cell in cells))


def _pad(text: str, width: int, right: bool = False) -> str:
    """Pad to a width in terminal columns: full-width characters take two."""
    spaces = " " * max(0, width - sum(2 if east_asian_width(c) in "WF" else 1 for c in text))
    return spaces + text if right else text + spaces


if __name__ == "__main__":
    main()
