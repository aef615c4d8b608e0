# 事務事業実績 — common tasks. `make run` to try it, `make test` to check it.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
MANAGE := $(BIN)/python manage.py
SYSTEM_PACKAGES := libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 \
	fonts-morisawa-bizud-gothic fonts-morisawa-bizud-mincho chromium libreoffice-calc-nogui

.PHONY: run setup system-packages install test lint bench bench-tools clean

run: setup
	$(MANAGE) db_worker --batch --no-startup-delay --verbosity 0
	$(MANAGE) db_worker --verbosity 0 & worker=$$!; \
		trap 'kill $$worker 2>/dev/null' EXIT INT TERM; \
		$(MANAGE) runserver 127.0.0.1:8000

setup: install
	$(MANAGE) migrate --no-input
	$(MANAGE) collectstatic --no-input --verbosity 0
	$(MANAGE) setup_local

system-packages:
	@missing=""; for p in $(SYSTEM_PACKAGES); do \
		dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "install ok installed" || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
		if [ "$$(id -u)" = 0 ]; then apt_get="apt-get"; \
		elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then apt_get="sudo apt-get"; \
		else echo "Missing system packages; install them with: sudo apt-get install$$missing"; exit 1; fi; \
		echo "Installing system packages:$$missing"; \
		$$apt_get update -qq && DEBIAN_FRONTEND=noninteractive $$apt_get install -y -qq $$missing; \
	fi

install: system-packages $(BIN)/.installed

$(BIN)/.installed: pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@

test: setup
	$(BIN)/pytest

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(MANAGE) check
	$(MANAGE) makemigrations --check --dry-run
	$(BIN)/lint-imports

# 表記チェック's precision, recall and check time first (bench/proofreading.py, seconds), then
# every figure beside its anchor, in one run (bench/scale.py, which runs the others):
# bench/pdf.py (PDF render time, pages, size and peak memory: the seed report and one ten times
# its size), bench/imports.py (10,000 settlement rows beside a plain bulk_create), draft render at
# 1×/10×/100×, search on the 30 × 100 demo data on SQLite and PostgreSQL, bench/explain.py (EXPLAIN
# of every public page), the compiled volume on two workers, bench/throughput.py (the report page
# under gunicorn beside a static file, wrk). About 10 minutes; the first run also builds the demo
# data (kept in /tmp and in the bench_scale database), about 8 more. Uses Redis when it answers.
bench: install bench-tools
	$(BIN)/python bench/proofreading.py
	$(BIN)/python bench/spreadsheets.py
	$(BIN)/python bench/scale.py

bench-tools:
	@command -v wrk >/dev/null 2>&1 || { \
		if [ "$$(id -u)" = 0 ]; then apt_get="apt-get"; \
		elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then apt_get="sudo apt-get"; \
		else echo "wrk is missing; install it with: sudo apt-get install wrk"; exit 1; fi; \
		$$apt_get update -qq && DEBIAN_FRONTEND=noninteractive $$apt_get install -y -qq wrk; }
	@pg_isready -q -h 127.0.0.1 -p 5432 || { \
		pg_ctlcluster --skip-systemctl-redirect "$$(ls /etc/postgresql | head -n1)" main start && \
		for _ in $$(seq 30); do pg_isready -q -h 127.0.0.1 -p 5432 && break; sleep 1; done; }

clean:
	rm -rf $(VENV) db.sqlite3 media staticfiles
