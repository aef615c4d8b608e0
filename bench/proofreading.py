"""表記チェック: precision and recall on the corpus (the seed with labelled mistakes put in,
tests/proofreading_corpus.py), and how long a whole report takes to check: the seed, and a report
ten times its size (its groups copied nine more times).

Goals (issue 14): precision and recall ≥ 95 %, the seed ≤ 0.2 s, ten times ≤ 2 s.
Runs on a throw-away SQLite file unless DATABASE_URL names another database.

    .venv/bin/python bench/proofreading.py
"""

import os
import shutil
import statistics
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))
_scratch = Path(tempfile.mkdtemp(prefix="bench-proofreading-")) / "db.sqlite3"
os.environ.setdefault("DATABASE_URL", f"sqlite:///{_scratch}")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402

from editorial.copying import copy_forward  # noqa: E402
from proofreading.document import check  # noqa: E402
from proofreading.rules import RULES  # noqa: E402
from proofreading.sources import config, document_for, proofread  # noqa: E402
from reports.models import Report, Section  # noqa: E402
from tests.proofreading_corpus import corpus, score  # noqa: E402

RUNS = 10


def timed(function, runs=RUNS) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def ten_times(report: Report) -> Report:
    """``report`` with its groups copied nine more times (年度更新 copies, moved into it)."""
    template = copy_forward(report, None)
    for _ in range(9):
        copy = copy_forward(template, None)
        Section.objects.filter(report=copy).update(report=report)
        copy.delete()
    return report


def main():
    call_command("migrate", verbosity=0)
    call_command("loaddata", "fy2020", verbosity=0)
    seed = Report.objects.get(fiscal_year__year=2020, division__slug="digital-administration")

    seed_document, seed_findings = proofread(seed)
    document, injections = corpus(seed_document)
    findings = check(document, RULES, config())
    result = score(seed_document, seed_findings, document, injections, findings)
    by_rule = Counter(i.rule for i in injections)
    found = Counter(i.rule for i in result.found)
    print(f"corpus: the seed and {len(injections)} labelled mistakes, {len(by_rule)} rules")
    for rule in RULES:
        print(f"  {rule.id:18} {found[rule.id]}/{by_rule[rule.id]}")
    print(f"precision {result.precision:.1%}  recall {result.recall:.1%}")
    for injection in result.missed:
        print("  missed:", injection)
    for finding in result.false:
        print("  false:", finding.rule, finding.place, finding.excerpt)

    print(f"seed: {len(seed_document.texts)} texts, {len(seed_document.tables)} tables")
    print(f"  load + check  {timed(lambda: proofread(seed)) * 1000:7.1f} ms")
    print(f"  check only    {timed(lambda: check(seed_document, RULES, config())) * 1000:7.1f} ms")
    big = ten_times(seed)
    big_document = document_for(big)
    print(f"ten times: {len(big_document.texts)} texts, {len(big_document.tables)} tables")
    print(f"  load + check  {timed(lambda: proofread(big), 3) * 1000:7.1f} ms")
    check_only = timed(lambda: check(big_document, RULES, config()), 3)
    print(f"  check only    {check_only * 1000:7.1f} ms")


if __name__ == "__main__":
    try:
        main()
    finally:
        shutil.rmtree(_scratch.parent, ignore_errors=True)
