"""Hostile spreadsheets beside a legitimate one: time and peak memory of reading each, in a
fresh process, above that process's idle size (issue 12 item 2: ≤ 10 s and ≤ 150 MB each,
accepted or refused).

    .venv/bin/python bench/spreadsheets.py
"""

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
GOAL_SECONDS, GOAL_MB = 10, 150

FILES = {
    "dimension A1:XFD1048576, 2,000 rows": ("whole_sheet_dimension", 2000),
    "1,048,575 blank rows": ("blank_rows", 1_048_575),
    "inflates to 100 MB": ("inflating", 100),
    "legitimate, 20,000 rows": ("legitimate", 20_000),
}

# Run in a fresh process per file: load the file, note the idle peak, read it as an import does.
MEASURE = """
import json, sys, time
from pathlib import Path
import django
django.setup()
from spreadsheets.importing import read_xlsx
from spreadsheets.limits import ImportFileError

content = Path(sys.argv[1]).read_bytes()
def kilobytes(field):
    status = Path("/proc/self/status").read_text()
    return int(next(line.split()[1] for line in status.splitlines() if line.startswith(field)))

# Linux: reset the peak (VmHWM) to the present size, so that imports do not count.
Path("/proc/self/clear_refs").write_text("5")
idle = kilobytes("VmRSS:")
start = time.perf_counter()
try:
    sheet = read_xlsx(content)[""]
    outcome = f"read {len(sheet.rows):,} rows"
except ImportFileError as error:
    outcome = "refused: " + error.message[:60]
seconds = time.perf_counter() - start
peak = kilobytes("VmHWM:")
print(json.dumps({"bytes": len(content), "seconds": seconds, "mb": (peak - idle) / 1024,
                  "outcome": outcome}))
"""


def measure(path: Path) -> dict:
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings", "PYTHONPATH": str(BASE_DIR)}
    result = subprocess.run(
        [sys.executable, "-c", MEASURE, str(path)],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(result.stdout.strip().splitlines()[-1])


def main():
    sys.path.insert(0, str(BASE_DIR))
    from tests import hostile_files

    print(
        f"{'file':40} {'size':>10} {'time':>8} {'memory':>10}  goal: {GOAL_SECONDS} s, {GOAL_MB} MB"
    )
    with tempfile.TemporaryDirectory() as folder:
        paths = {}
        for label, (builder, size) in FILES.items():
            paths[label] = Path(folder) / f"{len(paths)}.xlsx"
            paths[label].write_bytes(getattr(hostile_files, builder)(size))
        results = {label: measure(path) for label, path in paths.items()}
    for label, m in results.items():
        ok = m["seconds"] <= GOAL_SECONDS and m["mb"] <= GOAL_MB
        print(
            f"{label:40} {m['bytes'] / 1024:>7.0f} KB {m['seconds']:>6.2f} s {m['mb']:>7.1f} MB"
            f"  {'ok' if ok else 'OVER'}  {m['outcome']}"
        )


if __name__ == "__main__":
    main()
