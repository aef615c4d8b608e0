"""EXPLAIN ANALYZE of every query of every public page, on PostgreSQL at the 30 × 100 size.

    .venv/bin/python bench/explain.py [--verbose]      (make bench runs it)

Each page is requested once to warm up, then once more with its queries captured; each query is
explained with ``EXPLAIN (ANALYZE, FORMAT JSON)``. A sequential scan of a table of more than
10,000 rows is listed by name: it means that the page's cost grows with the archive.
"""

import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import common

BIG_TABLE_ROWS = 10_000


def _walk(plan: dict):
    yield plan
    for child in plan.get("Plans", []):
        yield from _walk(child)


def explain(verbose: bool = False) -> list[str]:
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    with connection.cursor() as cursor:
        cursor.execute("SELECT relname, reltuples FROM pg_class WHERE relkind = 'r'")
        sizes = dict(cursor.fetchall())
    client = Client()
    lines = []
    rows = [["ページ", "クエリ", "計(ms)", "最長(ms)", "大きな表の全件走査"]]
    for label, url in common.public_urls():
        response = client.get(url)
        _consume(response)
        with CaptureQueriesContext(connection) as captured:
            _consume(client.get(url))
        total = slowest = 0.0
        scans = set()
        for query in captured.captured_queries:
            with connection.cursor() as cursor:
                cursor.execute("EXPLAIN (ANALYZE, FORMAT JSON) " + query["sql"])
                result = cursor.fetchone()[0]
            result = json.loads(result) if isinstance(result, str) else result
            plan = result[0]
            ms = plan["Execution Time"] + plan["Planning Time"]
            total += ms
            slowest = max(slowest, ms)
            for node in _walk(plan["Plan"]):
                table = node.get("Relation Name")
                if node["Node Type"] == "Seq Scan" and sizes.get(table, 0) > BIG_TABLE_ROWS:
                    scans.add(f"{table}({int(sizes[table]):,})")
            if verbose:
                lines.append(f"-- {label} {url}\n{query['sql'][:300]}")
                lines.append(_plan_text(plan["Plan"]))
        rows.append(
            [
                f"{label} {response.status_code}",
                str(len(captured.captured_queries)),
                f"{total:.1f}",
                f"{slowest:.1f}",
                "、".join(sorted(scans)) or "なし",
            ]
        )
    return [*lines, common.table(rows, [30, 6, 8, 8, 4], left=(0, 4))]


def _plan_text(plan: dict, depth: int = 0) -> str:
    name = plan["Node Type"]
    target = plan.get("Index Name") or plan.get("Relation Name") or ""
    rows, ms = plan.get("Actual Rows"), plan.get("Actual Total Time")
    line = f"{'  ' * depth}{name} {target} rows={rows} ms={ms}"
    return "\n".join([line] + [_plan_text(c, depth + 1) for c in plan.get("Plans", [])])


def _consume(response) -> None:
    if getattr(response, "streaming", False):
        for _ in response.streaming_content:
            pass
        response.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--verbose", action="store_true", help="各クエリの実行計画も表示")
    args = parser.parse_args()
    url = common.POSTGRES_URL
    common.ensure_demo(url)
    common.setup_django(url)
    print("\n".join(explain(args.verbose)))


if __name__ == "__main__":
    main()
