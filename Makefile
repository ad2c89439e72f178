# The two commands a newcomer needs: `make run` and `make test`.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
STAMP := $(VENV)/.requirements-installed
# npm ci writes this file; axe-core (package-lock.json) is only used by tests/browser.
NODE_STAMP := node_modules/.package-lock.json

.PHONY: run test install bench messages format

install: $(STAMP) $(NODE_STAMP)

# One venv for run and test: the runtime requirements plus the test/dev tools
# (requirements-dev.txt includes requirements.txt; the Docker image installs only the latter).
$(STAMP): requirements.txt requirements-dev.txt
	test -x $(VENV)/bin/python || $(PYTHON) -m venv $(VENV)
	$(VENV)/bin/python -m pip install --quiet --upgrade pip
	$(VENV)/bin/python -m pip install --quiet -r requirements-dev.txt
	touch $(STAMP)

$(NODE_STAMP): package-lock.json
	@if command -v npm >/dev/null 2>&1; then npm ci --no-audit --no-fund --loglevel=error; \
	else echo "npm is not installed: the accessibility tests in tests/browser cannot run (they fail with CI=true)"; fi

## run: the site, a Celery worker and beat, with embedded defaults (SQLite, filesystem broker, console channel)
run: $(STAMP)
	$(VENV)/bin/python scripts/run.py

## test: the whole test suite (SQLite, then PostgreSQL when it is reachable)
test: $(STAMP) $(NODE_STAMP)
	bash scripts/test.sh

## bench: the benchmarks in bench/ (numbers go in the README)
bench: $(STAMP)
	$(VENV)/bin/python bench/run_all.py

## messages: refresh and compile the translations after changing user-facing text
messages: $(STAMP)
	$(VENV)/bin/python manage.py makemessages -l ja -l en --ignore=.venv --ignore=bench --ignore=tests --ignore=node_modules --ignore=staticfiles
	$(VENV)/bin/python manage.py makemessages -d djangojs -l ja -l en --ignore=.venv --ignore=staticfiles --ignore=node_modules
	$(VENV)/bin/python manage.py compilemessages --ignore=.venv

## format: apply the code style tests/test_lint.py checks (ruff, configured in pyproject.toml)
format: $(STAMP)
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .
