"""Past-report import benchmark: the seed as .txt, .pdf and .docx.

    .venv/bin/python bench/importers.py

In a temporary SQLite database with the seed's municipalities and an empty division, each file
is imported in a fresh process (read, parse, preview and the draft written in one transaction):
the import time (median of 3 processes) and the peak memory (maximum resident set size of the
process, Python and Django included) beside the goal of ≤ 5 s and ≤ 300 MB, and how many blocks
fell back to plain paragraphs.
"""

import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
SEED = BASE_DIR / "fixtures" / "fy2020.txt"  # the source report, as published
SLUG = "digital-administration"
RUNS = 3
GOAL_SECONDS, GOAL_MB = 5.0, 300


def setup_django(database: Path) -> None:
    os.environ["DATABASE_URL"] = f"sqlite:///{database}"
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings"
    sys.path.insert(0, str(BASE_DIR))
    import django

    django.setup()


def prepare(folder: Path) -> dict[str, Path]:
    """The database (the seed's years and municipalities, its division emptied) and the files."""
    from django.core.management import call_command
    from docx import Document

    from budgets.models import ExpenditureItem, SubsidyAward, SubsidyProgramme, Vendor
    from importers.document import Grid
    from importers.readers import read_text
    from publication.pdf import render_report_pdf
    from reports.models import Report

    call_command("migrate", verbosity=0)
    call_command("loaddata", "fy2020", verbosity=0)
    report = Report.objects.get(division__slug=SLUG)
    files = {"txt": folder / "seed.txt", "pdf": folder / "seed.pdf", "docx": folder / "seed.docx"}
    files["txt"].write_bytes(SEED.read_bytes())
    files["pdf"].write_bytes(render_report_pdf(report))
    document = Document()
    for item in read_text(SEED.read_bytes()):
        if isinstance(item, Grid):
            table = document.add_table(rows=len(item.rows), cols=len(item.rows[0]))
            for row, cells in zip(table.rows, item.rows, strict=True):
                for cell, text in zip(row.cells, cells, strict=True):
                    cell.text = text
        else:
            document.add_paragraph(item.text)
    document.save(files["docx"])
    division = report.division
    report.delete()
    SubsidyAward.objects.all().delete()
    SubsidyProgramme.objects.filter(division=division).delete()
    ExpenditureItem.objects.filter(division=division).delete()
    Vendor.objects.all().delete()
    return files


def import_once(path: Path) -> None:
    """In this (fresh) process: import ``path``, print the seconds it took and the peak RSS."""
    from importers.build import build_report
    from importers.parser import parse
    from importers.preview import preview
    from importers.readers import read_document
    from organisation.models import Division

    division = Division.objects.get(slug=SLUG)
    started = time.perf_counter()
    parsed = parse(read_document(path.name, path.read_bytes()))
    fallbacks = len(preview(parsed).fallbacks)
    build_report(parsed, year=2020, division=division, replace=True)
    seconds = time.perf_counter() - started
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"{seconds:.3f} {peak_mb:.1f} {fallbacks}")


def main() -> None:
    if len(sys.argv) == 3 and sys.argv[1] == "--once":
        setup_django(Path(os.environ["BENCH_IMPORT_DB"]))
        import_once(Path(sys.argv[2]))
        return
    with tempfile.TemporaryDirectory() as folder:
        folder = Path(folder)
        database = folder / "bench.sqlite3"
        setup_django(database)
        files = prepare(folder)
        env = {**os.environ, "BENCH_IMPORT_DB": str(database)}
        print(
            "過去の報告書の取り込み（シード）       時間（中央値）  目標   最大メモリ  目標"
            "      段落にしたもの"
        )
        for kind, path in files.items():
            times, peaks = [], []
            for _ in range(RUNS):
                result = subprocess.run(
                    [sys.executable, __file__, "--once", str(path)],
                    cwd=BASE_DIR,
                    env=env,
                    check=True,
                    capture_output=True,
                    text=True,
                )
                seconds, peak, fallbacks = result.stdout.split()[-3:]
                seconds, peak = float(seconds), float(peak)
                times.append(seconds)
                peaks.append(peak)
            median, peak = statistics.median(times), max(peaks)
            ok = "OK" if median <= GOAL_SECONDS and peak <= GOAL_MB else "NG"
            size = path.stat().st_size / 1024
            print(
                f"  .{kind:<5} {size:7.1f} KB   {median:6.2f} s    ≤ {GOAL_SECONDS:.0f} s"
                f"   {peak:6.1f} MB   ≤ {GOAL_MB} MB  {ok}   {fallbacks}件"
            )


if __name__ == "__main__":
    main()
