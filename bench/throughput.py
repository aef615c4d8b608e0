"""Throughput of the published report page under gunicorn, beside WhiteNoise serving a static
HTML file of the same bytes, with wrk (50 connections, 30 s each).

    .venv/bin/python bench/throughput.py [DATABASE_URL]      (make bench runs it through scale.py)

gunicorn runs with deploy/gunicorn.conf.py (4 sync workers on this 2-core machine) against the
30 × 100 demo data on PostgreSQL, with the shared page cache on Redis when Redis answers on
127.0.0.1:6379 (database 15, a key prefix of this run). A shorter run without the page cache
shows what the cache is worth. Only 127.0.0.1 is ever loaded.
"""

import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import common

CONNECTIONS, THREADS = 50, 2
SECONDS = int(os.environ.get("BENCH_HTTP_SECONDS", "30"))
WORKERS = 4
REDIS_URL = "redis://127.0.0.1:6379/15"


def redis_available() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=1) as s:
            s.sendall(b"PING\r\n")
            return s.recv(16).startswith(b"+PONG")
    except OSError:
        return False


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Gunicorn:
    """gunicorn in its own process group, stopped (the whole group) on exit."""

    def __init__(self, database_url: str, static_root: Path, page_cache: bool):
        self.port = free_port()
        extra = {
            "GUNICORN_BIND": f"127.0.0.1:{self.port}",
            "WEB_CONCURRENCY": str(WORKERS),
            "GUNICORN_ACCESS_LOG": "",
            "STATIC_ROOT": str(static_root),
            "ALLOWED_HOSTS": "127.0.0.1",
        }
        if page_cache:
            extra.update(
                REDIS_URL=REDIS_URL,
                CACHE_KEY_PREFIX=f"bench-{os.getpid()}",
                PUBLIC_PAGE_CACHE_SECONDS="600",
            )
        else:
            extra.update(PUBLIC_PAGE_CACHE_SECONDS="0")
        self.env = common.env(database_url, **extra)
        if not page_cache:
            self.env.pop("REDIS_URL", None)
        self.process = None

    def __enter__(self):
        self.process = subprocess.Popen(
            [
                str(Path(sys.executable).with_name("gunicorn")),
                "-c",
                "deploy/gunicorn.conf.py",
                "config.wsgi",
            ],
            cwd=common.BASE_DIR,
            env=self.env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                urllib.request.urlopen(self.url("/healthz"), timeout=2).read()
                return self
            except OSError:
                time.sleep(0.2)
        raise SystemExit("gunicorn が起動しませんでした。")

    def __exit__(self, *exc):
        os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"


def wrk(url: str, seconds: int = SECONDS) -> dict:
    result = subprocess.run(
        ["wrk", f"-t{THREADS}", f"-c{CONNECTIONS}", f"-d{seconds}s", "--latency", url],
        capture_output=True,
        text=True,
        check=True,
    )
    out = result.stdout
    requests = int(re.search(r"(\d+) requests in", out)[1])
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    socket_errors = re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out
    )
    p50 = re.search(r"50%\s+([\d.]+)(us|ms|s)", out)
    p50_ms = float(p50[1]) * {"us": 0.001, "ms": 1, "s": 1000}[p50[2]] if p50 else 0.0
    return {
        "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", out)[1]),
        "requests": requests,
        "errors": (int(non_2xx[1]) if non_2xx else 0)
        + (sum(int(n) for n in socket_errors.groups()) if socket_errors else 0),
        "p50_ms": p50_ms,
    }


def run(database_url: str) -> dict:
    """Measure; returns the figures (and prints a table)."""
    if not shutil.which("wrk"):
        raise SystemExit("wrk がありません（make bench が入れます: apt-get install wrk）。")
    page_cache = redis_available()
    static_root = Path(tempfile.mkdtemp(prefix="bench-static-"))
    try:
        common.manage(
            database_url,
            "collectstatic",
            "--no-input",
            "--verbosity",
            "0",
            STATIC_ROOT=str(static_root),
        )
        year, slug = common.LAST_YEAR, "demo-division-1"
        page_path = f"/reports/{year}/{slug}/"
        with Gunicorn(database_url, static_root, page_cache=False) as server:
            body = urllib.request.urlopen(server.url(page_path)).read()
        (static_root / "bench-page.html").write_bytes(body)
        figures = {"bytes": len(body), "page_cache": page_cache, "workers": WORKERS}
        with Gunicorn(database_url, static_root, page_cache=page_cache) as server:
            for path in ("/static/bench-page.html", page_path):
                wrk(server.url(path), seconds=3)  # warm up: imports, connections, cache
            figures["static"] = wrk(server.url("/static/bench-page.html"))
            figures["page"] = wrk(server.url(page_path))
        if page_cache:
            with Gunicorn(database_url, static_root, page_cache=False) as server:
                wrk(server.url(page_path), seconds=3)
                figures["uncached"] = wrk(server.url(page_path), seconds=10)
    finally:
        shutil.rmtree(static_root, ignore_errors=True)
    print_table(figures)
    return figures


def print_table(f: dict) -> None:
    print(
        f"HTTP：gunicorn {f['workers']}ワーカー、wrk {CONNECTIONS}接続・{SECONDS}秒、"
        f"応答 {f['bytes']:,} バイト、ページキャッシュ {'Redis' if f['page_cache'] else 'なし'}"
    )
    rows = [["", "リクエスト/秒", "中央値ms", "リクエスト", "エラー"]]
    named = [("静的HTML（WhiteNoise）", "static"), ("公開版の報告書ページ", "page")]
    if "uncached" in f:
        named.append(("同（キャッシュなし、10秒）", "uncached"))
    for label, key in named:
        r = f[key]
        rows.append(
            [label, f"{r['rps']:.0f}", f"{r['p50_ms']:.1f}", f"{r['requests']:,}", str(r["errors"])]
        )
    print(common.table(rows, [28, 14, 10, 12, 8]))
    print(f"報告書ページ / 静的HTML = {f['page']['rps'] / f['static']['rps']:.0%}（目標 50%以上）")


def main() -> None:
    url = sys.argv[1] if len(sys.argv) > 1 else common.POSTGRES_URL
    common.ensure_demo(url)
    run(url)


if __name__ == "__main__":
    main()
