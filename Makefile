# Accessible Support — `make run` serves the demo, `make test` runs every check.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cksum pyproject.toml | cut -d' ' -f1)
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test install messages static migrate lint typecheck pytest jstest audit clean scaleout bench-quick

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[dev]'
	rm -f $(VENV)/.installed-*
	touch $(STAMP)

install: $(STAMP)

messages: install
	$(BIN)/python -m access_support.i18n compile

# collectstatic again only when a source file changed (or the packages did): a CI pass that runs
# beside another (.ci/run) must not rewrite var/static/ under the other's servers.
STATIC_SOURCES := $(shell find static access_support proxies signlanguage supervision \
	-path '*/static/*' -type f 2>/dev/null)
var/static/.collected: $(STAMP) $(STATIC_SOURCES)
	$(BIN)/python manage.py collectstatic --noinput -v0
	touch $@

static: var/static/.collected

migrate: install
	$(BIN)/python manage.py migrate --noinput -v0

run: install messages static migrate
	$(BIN)/python manage.py seed_demo --url http://$(HOST):$(PORT)
	$(BIN)/daphne -b $(HOST) -p $(PORT) access_support.asgi:application

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

typecheck: install
	$(BIN)/mypy access_support proxies signlanguage supervision

node_modules/.package-lock.json: package.json package-lock.json
	npm ci --no-audit --no-fund

pytest: install messages static node_modules/.package-lock.json
	$(BIN)/python manage.py makemigrations --check --dry-run
	$(BIN)/python -m pytest $(PYTEST_ARGS)

# The live client's modules (signlanguage/static/signlanguage/*.js) with Node's own test runner:
# no npm packages, no browser (docs/live-client.md).
jstest:
	node --test tests/js/*.test.mjs

audit: install
	$(BIN)/python tools/audit_dependencies.py

test: lint typecheck audit jstest pytest

# Every benchmark at a small size, both scenarios (needs PostgreSQL, Redis and nginx on 127.0.0.1;
# bench.video needs Chromium), the scaleout scenario behind nginx:
# so they cannot rot. Exits non-zero on a lost message, double booking, refused socket or error.
bench-quick: install messages static
	for b in chat_latency connections http booking_contention; do \
	  $(BIN)/python -m bench.$$b --quick || exit 1; done
	$(BIN)/python -m bench.video --quick

scaleout: install messages static
	tools/scaleout.sh

clean:
	rm -rf $(VENV) var
