# Two commands on a fresh clone: `make run` and `make test` (see README).
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
HOST   ?= 127.0.0.1:8000
export DEBUG ?= 1

.PHONY: run serve test worker beat lint typecheck bench bench-dashboard bench-scale clean

# Installs the app and its test tools; re-runs only when pyproject.toml changes.
$(VENV)/.installed: pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit("Casefiles needs Python 3.11 or newer; set PYTHON=python3.11") if sys.version_info < (3, 11) else None'
	test -d $(VENV) || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@

run: $(VENV)/.installed
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py load_demo
	@echo
	@echo "  Casefiles is at http://$(HOST)/  —  log in as demo / $${DEMO_PASSWORD:-casefiles-demo}"
	@echo
	$(BIN)/python manage.py runserver $(HOST)

# Production server: DEBUG off, gunicorn, static files collected and served by WhiteNoise.
# Needs SECRET_KEY and ALLOWED_HOSTS; TLS ends at the proxy in front, which redirects plain
# HTTP (set SECURE_SSL_REDIRECT=1 to have the app redirect too). WORKERS defaults to 2 per core.
serve: $(VENV)/.installed
	DEBUG=0 $(BIN)/python manage.py migrate --noinput
	DEBUG=0 $(BIN)/python manage.py collectstatic --noinput --verbosity 0
	DEBUG=0 SECURE_SSL_REDIRECT=$${SECURE_SSL_REDIRECT:-0} $(BIN)/gunicorn casefiles.wsgi \
		--bind $(HOST) --workers $${WORKERS:-$$(( 2 * $$(nproc) ))} --access-logfile - --timeout 60

# The suite runs on every core (pytest-xdist, one test database per worker); TEST_WORKERS=0
# runs it in this one process, as `pytest` alone does.
TEST_WORKERS ?= auto
test: $(VENV)/.installed
	$(BIN)/python -m pytest -n $(TEST_WORKERS)

worker: $(VENV)/.installed
	$(BIN)/celery -A casefiles worker --loglevel=info

beat: $(VENV)/.installed
	$(BIN)/celery -A casefiles beat --loglevel=info

# Letter rendering figures (see docs/letters.md); set DATABASE_URL to a scratch database
# and CELERY_BROKER_URL for the worker throughput part.
bench: $(VENV)/.installed
	$(BIN)/python bench/letters.py

# Dashboard figures at size (see docs/staff.md): median and worst time, queries, response
# size with 20,000 cases, 100,000 persons and 5,000 detained now. Set DATABASE_URL to a
# scratch PostgreSQL database: the script creates and fills it.
bench-dashboard: $(VENV)/.installed
	$(BIN)/python bench/dashboard.py

# Every staff page at an organisation's real size, then a load test of the production server
# (see docs/staff.md, "At size"). Fills a scratch PostgreSQL database (DATABASE_URL, default
# casefiles_scale on the local server); the first run builds it (a few minutes).
bench-scale: $(VENV)/.installed
	$(BIN)/python -m pip install --quiet -e '.[bench]'
	DATABASE_URL=$${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/casefiles_scale} \
	CACHE_URL=$${CACHE_URL:-redis://127.0.0.1:6379/2} \
		$(BIN)/python bench/scale.py

lint: $(VENV)/.installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(VENV)/.installed
	$(BIN)/mypy people casefiles letters

clean:
	rm -rf $(VENV) var/casefiles.sqlite3
