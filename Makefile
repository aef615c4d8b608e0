# 事務事業実績 — common tasks. `make run` to try it, `make test` to check it.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
MANAGE := $(BIN)/python manage.py
SYSTEM_PACKAGES := libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 \
	fonts-morisawa-bizud-gothic fonts-morisawa-bizud-mincho chromium

.PHONY: run setup system-packages install test lint bench clean

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

# PDF render time, pages, size and peak memory: the seed report and one ten times its size.
# Import throughput of 10,000 settlement rows (dry run, confirm) beside a plain bulk_create.
bench: install
	$(BIN)/python bench/pdf.py
	$(BIN)/python bench/imports.py

clean:
	rm -rf $(VENV) db.sqlite3 media staticfiles
