"""The whole benchmark (`make bench`): every figure beside its anchor, measured in one run.

1. PDF: bench/pdf.py (the seed and a report ten times its size, about 100 pages).
2. Import: bench/imports.py (rows/s of the spreadsheet import beside a plain bulk_create), and
   bench/importers.py (the seed report as .txt, .pdf and .docx turned into a draft).
3. The 30 × 100 demo data set, on SQLite (a file under /tmp named after the generator's
   parameters and source) and on PostgreSQL (BENCH_DATABASE_URL, default the bench_scale
   database): built once, reused while the key matches.
4. Draft render (load_report + templates) time and queries at 1×, 10× and 100× report size.
5. Search time (p50 over a set of queries) on SQLite and PostgreSQL at 30 × 100.
6. EXPLAIN of every public page's queries on PostgreSQL (bench/explain.py).
7. The compiled volume of one fiscal year of 33 divisions (about 300 pages) on PostgreSQL,
   rendered in chunks by two db_worker processes sharing the task table.
8. HTTP: the published report page under gunicorn beside a static file (bench/throughput.py).
9. The goals of issue 7, met or missed.
10. The report editor (文書編集) at 1× and 10× (bench/editor.py), run after the import.
"""

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import common
import throughput

SEARCH_QUERIES = [
    "防災",
    "推進",
    "オープンデータ",
    "セミナー",
    "子育て支援",
    "情報 セキュリティ",
    "電子申請",
    "府民サービスの向上",
    "市町村との連携",
    "観光振興 セミナー",
    "ｉＰａｄ",
    "存在しない語句",
]
SEARCH_RUNS = 3
DRAFT_SIZES = (1, 10, 100)
VOLUME_DIVISIONS = 33
VOLUME_WORKERS = 2
VOLUME_DATABASE = os.environ.get(
    "BENCH_VOLUME_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/bench_scale_volume"
)


def heading(text: str) -> None:
    print(f"\n■ {text}", flush=True)


def tee(args: list[str], **env) -> str:
    """Run a command, echo its output as it comes, and return it."""
    process = subprocess.Popen(
        args,
        cwd=common.BASE_DIR,
        env={**os.environ, **env},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    lines = []
    for line in process.stdout:
        print(line, end="", flush=True)
        lines.append(line)
    if process.wait():
        raise SystemExit(f"{' '.join(args)} が失敗しました。")
    return "".join(lines)


def child(*args: str) -> dict:
    """Run a part of this script in a fresh process (one database per Django process)."""
    result = subprocess.run(
        [common.PYTHON, __file__, *args],
        cwd=common.BASE_DIR,
        capture_output=True,
        text=True,
        env={**os.environ, "TASKS_BACKEND": "django_tasks.backends.dummy.DummyBackend"},
    )
    if result.returncode:
        sys.stderr.write(result.stderr)
        raise SystemExit(f"scale.py {' '.join(args)} が失敗しました。")
    return json.loads(result.stdout.strip().splitlines()[-1])


# Parts run in a child process.


def draft_child() -> dict:
    """Build reports of 1×, 10× and 100× in a temporary SQLite database and render each as a
    draft: the tree loaded and the body templates rendered, median of 3."""
    from django.core.management import call_command
    from django.db import connection, transaction
    from django.test.utils import CaptureQueriesContext

    from publication.publishing import body_html
    from publication.tree import load_report
    from tests import factories

    call_command("migrate", verbosity=0)
    results = {}
    for size in DRAFT_SIZES:
        with transaction.atomic():
            report = factories.filled_report(size=size, status="draft")
        seconds = []
        for _ in range(3):
            started = time.perf_counter()
            with CaptureQueriesContext(connection) as queries:
                tree = load_report(report)
                html = body_html(report, tree)
            seconds.append(time.perf_counter() - started)
        results[size] = {
            "seconds": statistics.median(seconds),
            "queries": len(queries),
            "nodes": sum(1 for _ in tree.nodes()),
            "kb": len(html.encode()) / 1024,
        }
    return results


def search_child() -> dict:
    """Each query through the search page (query, paging and template), median of runs."""
    from django.test import Client

    from public import search
    from publication.models import SearchEntry

    client = Client()
    results = {}
    for query in SEARCH_QUERIES:
        client.get("/search/", {"q": query})
        seconds = []
        for _ in range(SEARCH_RUNS):
            started = time.perf_counter()
            response = client.get("/search/", {"q": query})
            seconds.append(time.perf_counter() - started)
            assert response.status_code == 200
        results[query] = {
            "ms": statistics.median(seconds) * 1000,
            "hits": search.entries(search.terms(query)).count(),
        }
    return {"entries": SearchEntry.objects.count(), "queries": results}


def volume_status_child() -> dict:
    from publication.models import Volume

    volume = Volume.objects.order_by("-pk").first()
    return {
        "status": volume.status,
        "error": volume.error,
        "pages": volume.pages,
        "bytes": volume.pdf_size,
        "seconds": volume.seconds,
        "peak_mb": volume.peak_mb,
        "divisions": volume.divisions,
        "chunks": [
            {
                "pages": c.pages,
                "seconds": c.seconds,
                "peak_mb": c.peak_mb,
                "worker": c.worker.split(":")[-1],
                "attempts": c.attempts,
            }
            for c in volume.chunks.order_by("number")
        ],
    }


# Parts run here.


def pdf_figures(output: str) -> dict:
    rows = re.findall(r"^(\S.*?)\s+([\d.]+)\s+(\d+)\s+(\d+)\s+(\d+)\s*$", output, re.M)
    return {
        label.strip(): {"seconds": float(s), "pages": int(p), "kb": int(k), "peak_mb": int(m)}
        for label, s, p, k, m in rows
    }


def import_figures(output: str) -> dict:
    def rate(name):
        found = re.search(rf"{re.escape(name)}\s+([\d,]+) rows/s", output)
        return int(found[1].replace(",", "")) if found else None

    return {"plain": rate("plain bulk_create"), "confirm": rate("import: confirm, all new")}


def draft_table(results: dict) -> None:
    rows = [["報告書の大きさ", "取組の数", "HTML KB", "秒", "クエリ"]]
    for size, r in results.items():
        rows.append(
            [
                f"{size}×",
                str(r["nodes"]),
                f"{r['kb']:.0f}",
                f"{r['seconds']:.3f}",
                str(r["queries"]),
            ]
        )
    print(common.table(rows, [16, 10, 10, 10, 8]))


def search_table(by_database: dict) -> dict:
    names = list(by_database)
    rows = [["検索語", "件数", *[f"{n} ms" for n in names]]]
    first = by_database[names[0]]["queries"]
    for query in SEARCH_QUERIES:
        rows.append(
            [query, f"{first[query]['hits']:,}"]
            + [f"{by_database[n]['queries'][query]['ms']:.0f}" for n in names]
        )
    p50 = {n: statistics.median(q["ms"] for q in by_database[n]["queries"].values()) for n in names}
    p90 = {
        n: statistics.quantiles([q["ms"] for q in by_database[n]["queries"].values()], n=10)[-1]
        for n in names
    }
    rows.append(["p50", "", *[f"{p50[n]:.0f}" for n in names]])
    rows.append(["p90", "", *[f"{p90[n]:.0f}" for n in names]])
    print(common.table(rows, [22, 10] + [14] * len(names)))
    return p50


def volume_run() -> dict:
    """A fresh database with one year of 33 divisions; the volume rendered by two workers."""
    common.reset_postgres(VOLUME_DATABASE)
    common.manage(VOLUME_DATABASE, "migrate", "--no-input", "--verbosity", "0")
    common.manage(
        VOLUME_DATABASE,
        "generate_demo_data",
        "--years=1",
        f"--divisions={VOLUME_DIVISIONS}",
        f"--seed={common.SEED}",
        f"--last-year={common.LAST_YEAR}",
    )
    media = tempfile.mkdtemp(prefix="bench-volume-media-")
    tasks = {"TASKS_BACKEND": "django_tasks_db.DatabaseBackend", "MEDIA_ROOT": media}
    started = time.perf_counter()
    common.manage(VOLUME_DATABASE, "compile_volume", str(common.LAST_YEAR), **tasks)
    workers = [
        subprocess.Popen(
            [
                common.PYTHON,
                "manage.py",
                "db_worker",
                "--batch",
                "--no-startup-delay",
                "--interval=0.2",
                f"--worker-id=bench-{n}",
                "--verbosity=0",
            ],
            cwd=common.BASE_DIR,
            env=common.env(VOLUME_DATABASE, **tasks),
        )
        for n in range(1, VOLUME_WORKERS + 1)
    ]
    for worker in workers:
        worker.wait(timeout=900)
    wall = time.perf_counter() - started
    result = child("--volume-status", VOLUME_DATABASE)
    result["wall"] = wall
    subprocess.run(["rm", "-rf", media], check=False)
    return result


def volume_table(v: dict) -> None:
    if v["status"] != "done":
        print(f"合冊：失敗（{v['status']}）{v['error']}")
        return
    workers = sorted({c["worker"] for c in v["chunks"]})
    print(
        f"合冊：{v['divisions']}課、{v['pages']}ページ、{v['bytes'] / 1024 / 1024:.1f} MB、"
        f"{len(v['chunks'])}分割を {VOLUME_WORKERS} ワーカーで"
        f"（実行したプロセス: {', '.join(workers)}）"
    )
    rows = [["", "ページ", "秒", "最大MB", "実行回数"]]
    for n, c in enumerate(v["chunks"], 1):
        rows.append(
            [
                f"分割{n}（pid {c['worker']}）",
                str(c["pages"]),
                f"{c['seconds']:.1f}",
                f"{c['peak_mb']:.0f}",
                str(c["attempts"]),
            ]
        )
    print(common.table(rows, [24, 8, 8, 8, 10]))
    print(
        f"依頼から完成まで {v['wall']:.1f} 秒（{v['wall'] / v['pages']:.3f} 秒/ページ）、"
        f"処理時間の合計 {v['seconds']:.1f} 秒（{v['seconds'] / v['pages']:.3f} 秒/ページ）、"
        f"1プロセスの最大メモリ {v['peak_mb']:.0f} MB"
    )


def verdict(ok: bool) -> str:
    return "達成" if ok else "未達"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--draft", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--search", metavar="DATABASE_URL", help=argparse.SUPPRESS)
    parser.add_argument("--volume-status", metavar="DATABASE_URL", help=argparse.SUPPRESS)
    parser.add_argument("--skip-pdf-imports", action="store_true", help="PDFと取り込みを省く")
    args = parser.parse_args()
    if args.draft:
        with tempfile.TemporaryDirectory(prefix="bench-draft-") as folder:
            common.setup_django(f"sqlite:///{folder}/draft.sqlite3")
            print(json.dumps(draft_child()))
        return
    if args.search or args.volume_status:
        common.setup_django(args.search or args.volume_status)
        print(json.dumps(search_child() if args.search else volume_status_child()))
        return

    started = time.perf_counter()
    print("事務事業実績 ベンチマーク（issue 7）— 2コアのこのマシンで、1回の実行で測った値")
    pdf, imports = {}, {}
    if not args.skip_pdf_imports:
        heading("PDF（bench/pdf.py）")
        pdf = pdf_figures(tee([common.PYTHON, "bench/pdf.py"]))
        heading("取り込み（bench/imports.py）")
        imports = import_figures(tee([common.PYTHON, "bench/imports.py"]))
        heading("過去の報告書の取り込み（bench/importers.py）")
        tee([common.PYTHON, "bench/importers.py"])

    heading("文書編集（bench/editor.py）")
    tee([common.PYTHON, "bench/editor.py"])

    heading("30年 × 100課 の見本データ")
    if not common.postgres_available(common.POSTGRES_URL):
        raise SystemExit(f"PostgreSQL に接続できません：{common.POSTGRES_URL}")
    for name, url in (("SQLite", common.sqlite_url()), ("PostgreSQL", common.POSTGRES_URL)):
        done = common.ensure_demo(url)
        print(f"{name}: {url}（{done}）", flush=True)

    heading("下書きの表示（ツリーの読み込みとテンプレート、SQLite、3回の中央値）")
    draft = child("--draft")
    draft = {int(k): v for k, v in draft.items()}
    draft_table(draft)

    heading(f"検索（30×100、検索ページ全体、各語{SEARCH_RUNS}回の中央値）")
    by_database = {
        "SQLite": child("--search", common.sqlite_url()),
        "PostgreSQL": child("--search", common.POSTGRES_URL),
    }
    print(f"検索対象の文：{by_database['PostgreSQL']['entries']:,}")
    search_p50 = search_table(by_database)

    heading("公開ページのクエリと EXPLAIN ANALYZE（PostgreSQL、30×100）")
    tee([common.PYTHON, "bench/explain.py"])

    heading(f"合冊PDF（PostgreSQL、{VOLUME_DIVISIONS}課の1年度、{VOLUME_WORKERS}ワーカー）")
    volume = volume_run()
    volume_table(volume)

    heading("HTTP（bench/throughput.py）")
    http = throughput.run(common.POSTGRES_URL)

    heading("目標（issue 7）")
    ratio = http["page"]["rps"] / http["static"]["rps"]
    errors = http["page"]["errors"] + http["static"]["errors"]
    queries = {r["queries"] for r in draft.values()}
    rows = [
        [
            "報告書ページ ≥ 静的ファイルの50%",
            f"{http['page']['rps']:.0f} / {http['static']['rps']:.0f} = {ratio:.0%}",
            verdict(ratio >= 0.5),
        ],
        [
            "wrk 50接続・30秒でエラー0",
            f"エラー {errors}（報告書ページ {http['page']['requests']:,}件）",
            verdict(errors == 0),
        ],
        [
            "検索 p50 ≤ 100 ms（PostgreSQL）",
            f"{search_p50['PostgreSQL']:.0f} ms（SQLite {search_p50['SQLite']:.0f} ms）",
            verdict(search_p50["PostgreSQL"] <= 100),
        ],
    ]
    if volume["status"] == "done":
        rows.append(
            [
                "約300ページの合冊 < 600 MB",
                f"{volume['pages']}ページ、最大 {volume['peak_mb']:.0f} MB",
                verdict(volume["peak_mb"] < 600),
            ]
        )
    else:
        rows.append(["約300ページの合冊 < 600 MB", "作成に失敗", "未達"])
    rows.append(
        [
            "クエリ数が 1×→100× で一定",
            " / ".join(f"{size}×: {r['queries']}" for size, r in draft.items()),
            verdict(len(queries) == 1),
        ]
    )
    print(common.table(rows, [36, 44, 6], left=(0, 1)))
    if pdf:
        print("PDF 秒/ページ：")
        for label, r in pdf.items():
            print(
                f"  {label}：{r['seconds'] / r['pages']:.3f} 秒/ページ（{r['pages']}ページ、"
                f"最大 {r['peak_mb']} MB）"
            )
        if volume["status"] == "done":
            print(
                f"  合冊（{VOLUME_WORKERS}ワーカー）："
                f"{volume['wall'] / volume['pages']:.3f} 秒/ページ"
                f"（{volume['pages']}ページ、最大 {volume['peak_mb']:.0f} MB）"
            )
    if imports.get("confirm"):
        print(
            f"取り込み：{imports['confirm']:,} 行/秒"
            f"（plain bulk_create {imports['plain']:,} 行/秒）"
        )
    print(f"\nベンチマーク全体：{(time.perf_counter() - started) / 60:.1f} 分")


if __name__ == "__main__":
    main()
