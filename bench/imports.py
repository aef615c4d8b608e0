"""Import throughput: 10,000 settlement amounts from a CSV file, beside a plain bulk_create.

    .venv/bin/python bench/imports.py [ROWS]      (or: make bench)

Runs on a fresh SQLite database in a temporary folder, so it touches no data of yours. Each
figure is the best of three runs from the same starting point: a plain ``bulk_create`` of
the rows (no history, no checks), the same with simple-history's ``bulk_create_with_history``,
the import's dry run (the preview: parse, look up, validate, diff; nothing written), its
confirm into an empty table (the same, then written with history), and a confirm that
changes every amount. The aim is a confirm within 3× of the plain ``bulk_create``.
"""

import csv
import io
import os
import sys
import tempfile
import time
from pathlib import Path

ROWS = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000
YEARS = 20
REPEAT = 3


def main() -> None:
    folder = tempfile.mkdtemp(prefix="bench-imports-")
    os.environ["DATABASE_URL"] = f"sqlite:///{folder}/bench.sqlite3"
    os.environ["MEDIA_ROOT"] = folder
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

    import django

    django.setup()

    from django.conf import settings
    from django.contrib.auth.models import User
    from django.core.management import call_command
    from simple_history.utils import bulk_create_with_history

    from budgets.models import ExpenditureItem, SettlementAmount
    from budgets.resources import SettlementAmountResource
    from organisation.models import Department, Division, FiscalYear
    from spreadsheets.importing import read_csv

    settings.IMPORT_MAX_ROWS = max(settings.IMPORT_MAX_ROWS, ROWS)
    call_command("migrate", verbosity=0)
    user = User.objects.create_superuser("bench", "bench@example.invalid", "pw")
    department = Department.objects.create(name="ベンチ部", slug="bench")
    division = Division.objects.create(department=department, name="ベンチ課", slug="bench")
    years = [FiscalYear.objects.create(year=2000 + i) for i in range(YEARS)]
    items = ExpenditureItem.objects.bulk_create(
        ExpenditureItem(division=division, code=f"item-{i:05d}", name=f"費目{i}")
        for i in range(-(-ROWS // YEARS))
    )
    keys = [(item, year) for item in items for year in years][:ROWS]

    def csv_file(offset: int) -> bytes:
        out = io.StringIO(newline="")
        writer = csv.writer(out, lineterminator="\r\n")
        writer.writerow(["年度", "課", "費目コード", "費目名", "種類", "金額（円）", "期間の注記"])
        for n, (item, year) in enumerate(keys):
            writer.writerow([year.year, "bench", item.code, item.name, "決算額", n + offset, ""])
        return out.getvalue().encode("utf-8-sig")

    def empty() -> None:
        SettlementAmount.history.all().delete()
        SettlementAmount.objects.all().delete()

    def bulk_create() -> None:
        SettlementAmount.objects.bulk_create(
            [
                SettlementAmount(item=item, fiscal_year=year, amount=n)
                for n, (item, year) in enumerate(keys)
            ],
            batch_size=1000,
        )

    def importer(data: bytes, dry_run: bool):
        def run():
            dataset = read_csv(data).dataset()
            resource = SettlementAmountResource(divisions=Division.objects.all())
            result = resource.import_data(dataset, dry_run=dry_run, user=user)
            assert result.is_ok(), result.messages()[:3]
            return result

        return run

    def timed(step, prepare=None) -> float:
        """The best of a few runs, each from the same starting point."""
        best = float("inf")
        for _ in range(REPEAT):
            if prepare is not None:
                prepare()
            start = time.perf_counter()
            step()
            best = min(best, time.perf_counter() - start)
        return best

    def with_history() -> None:
        bulk_create_with_history(
            [
                SettlementAmount(item=item, fiscal_year=year, amount=n)
                for n, (item, year) in enumerate(keys)
            ],
            SettlementAmount,
            batch_size=1000,
            default_user=user,
        )

    first, second = csv_file(0), csv_file(1)
    plain = timed(bulk_create, prepare=empty)
    history = timed(with_history, prepare=empty)
    empty()
    dry = timed(importer(first, dry_run=True))
    assert SettlementAmount.objects.count() == 0
    confirm = timed(importer(first, dry_run=False), prepare=empty)
    assert SettlementAmount.objects.count() == ROWS
    versions = iter([second, first] * REPEAT)
    update = timed(lambda: importer(next(versions), dry_run=False)())

    print(f"settlement import, {ROWS:,} rows, SQLite, best of {REPEAT}")
    for label, seconds in [
        ("plain bulk_create", plain),
        ("bulk_create with history", history),
        ("import: dry run (preview)", dry),
        ("import: confirm, all new", confirm),
        ("import: confirm, all changed", update),
    ]:
        print(f"  {label:<30} {ROWS / seconds:>10,.0f} rows/s  {seconds:6.2f} s")
    print(f"  confirm / plain bulk_create: {confirm / plain:.1f}× (aim: within 3×)")


if __name__ == "__main__":
    main()
