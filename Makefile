# Coursebook: `make run` to try it with demo data, `make test` to run the tests.
# Needs GNU make, Python 3.11+ and, for the PDFs, WeasyPrint's system libraries.

PYTHON ?= python3
VENV = .venv
BIN = $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
PYTEST_ARGS ?=

SHELL := bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help
.PHONY: help install frontend run test lint fmt lock clean

help:
	@echo "make run       start Coursebook with demo data on http://$(HOST):$(PORT)/"
	@echo "make test      run the tests (PYTEST_ARGS='-k booking' to pick some)"
	@echo "make lint      ruff check and ruff format --check"
	@echo "make fmt       fix what ruff can and format the code"
	@echo "make install   create $(VENV) and install requirements.lock"
	@echo "make frontend  build the front end into static/build/"
	@echo "make lock      recompile requirements.lock from pyproject.toml"
	@echo "make clean     remove $(VENV) and built files (local data in var/ stays: rm -rf var)"

$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || { \
	  echo "Coursebook needs Python 3.11 or newer; $(PYTHON) is $$($(PYTHON) --version 2>&1)." >&2; \
	  echo "Run with PYTHON=python3.11 (or newer), e.g. make run PYTHON=python3.12" >&2; exit 1; }
	@$(PYTHON) -m venv $(VENV) || { \
	  echo "Could not create $(VENV). On Debian/Ubuntu: sudo apt-get install python3-venv" >&2; \
	  rm -rf $(VENV); exit 1; }

# Reinstalled only when requirements.lock changes.
$(VENV)/.installed: requirements.lock | $(BIN)/python
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.lock
	@touch $@

# WeasyPrint's system libraries: installed with apt-get when root or passwordless sudo allows,
# otherwise the check prints the command to run.
install: $(VENV)/.installed
	@$(BIN)/python scripts/check_system_libs.py 2>/dev/null || { \
	  bash scripts/install_system_libs.sh && $(BIN)/python scripts/check_system_libs.py; } || { \
	  $(BIN)/python scripts/check_system_libs.py; }

frontend: install
	bash scripts/build_frontend.sh

var:
	@mkdir -p var

run: install frontend | var
	DEBUG=true $(BIN)/python manage.py migrate --noinput
	DEBUG=true $(BIN)/python manage.py demo | tee var/demo-logins.txt
	@HOST=$(HOST) PORT=$(PORT) VENV=$(VENV) DEBUG=true scripts/run_local.sh

# On PostgreSQL, the concurrency tests run again on SQLite: both must hold the invariants.
test: install frontend | var
	DEBUG=true $(BIN)/pytest $(PYTEST_ARGS)
	@case "$${DATABASE_URL:-}" in postgres*|pgsql*|postgis*) \
	  echo "Concurrency tests again on SQLite (the run above was on PostgreSQL):"; \
	  env -u DATABASE_URL -u COURSEBOOK_REQUIRE_COMPONENTS DEBUG=true $(BIN)/pytest -m concurrency;; \
	esac

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

fmt: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

lock: | $(BIN)/python
	@test -x $(BIN)/uv || $(BIN)/python -m pip install --quiet uv
	$(BIN)/uv pip compile pyproject.toml --group pyproject.toml:dev --python-version 3.11 \
	  -o requirements.lock

clean:
	rm -rf $(VENV) node_modules static/build staticfiles .pytest_cache .ruff_cache
