# The two commands a newcomer needs: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
export PORT

.PHONY: install run test test-fast lint admin-password bench bench-reader clean

install: $(VENV)/.installed

# Reinstalls only when pyproject.toml changes; a second run with nothing changed is instant.
$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade "pip>=25.1"
	$(BIN)/python -m pip install --quiet -e . --group dev
	touch $@

run: install
	$(BIN)/python manage.py migrate --noinput --verbosity 0
	$(BIN)/python manage.py collectstatic --noinput --verbosity 0
	$(BIN)/python manage.py import_seeds
	$(BIN)/python manage.py ensure_admin --url http://127.0.0.1:$(PORT)/admin/
	@echo "Site: http://127.0.0.1:$(PORT)/  (Ctrl-C stops it)"
	$(BIN)/gunicorn -c gunicorn.conf.py newsroom.wsgi

# Browser tests inject axe-core from npm; without npm (or Chromium) they are skipped locally.
test: install $(if $(shell command -v npm),node_modules/.installed)
	$(BIN)/pytest

# The quick part (under 2 minutes): no browser, no second server, nothing marked slow.
test-fast: install
	$(BIN)/pytest -m "not slow and not browser and not services"

node_modules/.installed: package.json package-lock.json
	npm ci --silent --no-audit --no-fund
	touch $@

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

admin-password: install
	$(BIN)/python manage.py ensure_admin --reset --url http://127.0.0.1:$(PORT)/admin/

bench: install
	$(BIN)/python bench/import_bench.py

# Public pages under gunicorn + wrk against a hello-world view (docs/PERFORMANCE.md).
bench-reader: install
	$(BIN)/python bench/reader_bench.py

clean:
	rm -rf $(VENV) staticfiles .pytest_cache node_modules
