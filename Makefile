# Community Rule backend. `make run` and `make test` work on a fresh clone
# with only Python 3.11+ installed.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
DEV := DEBUG=true

.PHONY: install run test migrate check backup restore bench bench-scale faults

$(BIN)/.installed: requirements.txt requirements-dev.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $@

install: $(BIN)/.installed

migrate: install
	$(DEV) $(BIN)/python manage.py migrate --noinput

run: migrate
	$(DEV) $(BIN)/python manage.py seed_templates
	$(DEV) $(BIN)/python manage.py runserver 127.0.0.1:8000

test: install
	$(BIN)/pytest $(PYTEST_ARGS)

check: install
	$(DEV) $(BIN)/python manage.py makemigrations --check --dry-run

# Backup and restore drill (docs/deploy.md): DATABASE_URL, or the embedded server.
backup: install
	$(BIN)/python ops/pgtool.py backup

restore: install
	@test -n "$(FILE)" || { echo "usage: make restore FILE=backups/<file>.dump [DB=<new database>]"; exit 2; }
	$(BIN)/python ops/pgtool.py restore "$(FILE)" $(if $(DB),--database "$(DB)")

# Benchmarks (docs/benchmarks.md): a fresh <DATABASE_URL's name>_bench database,
# or one on an embedded server under .data/bench-pg when DATABASE_URL is unset.
# BENCH_ARGS e.g. "--worker-class sync --workers 5 --no-docs".
bench: install
	$(BIN)/python bench/run.py $(BENCH_ARGS)

bench-scale: install
	$(BIN)/python bench/scale.py $(BENCH_ARGS)

# Outage tests (also part of `make test`): own PostgreSQL, Redis, SMTP and gunicorn.
faults: install
	$(BIN)/pytest -m faults communityrule/tests/test_faults.py $(PYTEST_ARGS)
