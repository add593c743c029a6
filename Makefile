# ClawRouter — `make run` starts the gateway, `make test` runs lint + the whole test suite.
# Both create and fill a local virtualenv (.venv) on first use; only Python 3.11+ is needed.
# `make bench` compares it with a raw pass-through and direct-to-upstream (~9 min).

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
RUN_STAMP  := $(VENV)/.run-installed
TEST_STAMP := $(VENV)/.test-installed
BENCH_STAMP := $(VENV)/.bench-installed
ARGS ?=
# setuptools announces every editable install with an "Editable installation." notice (its
# InformationOnly warning); it says nothing about this project, so `make run` stays quiet.
PIP_INSTALL := PYTHONWARNINGS="ignore:Editable installation" $(BIN)/pip install -q

.DEFAULT_GOAL := help
.PHONY: help install dev run test test-fast test-postgres lint fmt bench profile growth clean openapi web

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip

$(RUN_STAMP): $(BIN)/python setup.cfg pyproject.toml
	$(PIP_INSTALL) -e .
	@touch $@

$(TEST_STAMP): $(BIN)/python setup.cfg pyproject.toml
	$(PIP_INSTALL) -e '.[test]'
	@touch $@ $(RUN_STAMP)

install: $(RUN_STAMP) ## create .venv with the gateway installed

dev: $(TEST_STAMP) ## create .venv with the test and lint tools too

run: $(RUN_STAMP) ## set up and start the gateway on http://127.0.0.1:3000 (ARGS="--port 8080")
	$(BIN)/python -m clawrouter $(ARGS)

test: $(TEST_STAMP) lint ## lint, the whole test suite, then the PostgreSQL runs (when installed)
	$(BIN)/python -m pytest $(ARGS)
	@$(MAKE) --no-print-directory test-postgres

# The suites that run again on PostgreSQL (CLAWROUTER_TEST_DB=postgresql; docs/database.md):
# the management API, the relay's billing and the store's own. test_store_postgres.py and
# test_db_copy.py need PostgreSQL anyway and run in the whole suite above.
PG_SUITES := $(addprefix tests/integration/test_,setup_and_login.py users_api.py tokens_api.py \
	channels_api.py channel_ops_api.py logs_api.py logs_extras_api.py redemptions_api.py \
	options_api.py models_meta_api.py vendors_pricing_api.py groups_ratios_api.py \
	data_tasks_api.py twofa_api.py register.py email_codes.py password_reset.py passkeys.py \
	role_matrix.py concurrent_creates.py relay_billing.py balance_sets.py usage_writer.py \
	relay_routing.py)

test-postgres: $(TEST_STAMP) ## the store, management API and relay billing suites on PostgreSQL
	@if $(BIN)/python -c 'from tests.support.postgres import find_bin_dir as f; exit(f() is None)'; \
	then CLAWROUTER_TEST_DB=postgresql $(BIN)/python -m pytest $(PG_SUITES); \
	else echo "PostgreSQL is not installed (no initdb/pg_ctl on PATH or in" \
		"/usr/lib/postgresql/*/bin): the PostgreSQL test runs are SKIPPED"; fi

test-fast: $(TEST_STAMP) ## unit tests only (no servers)
	$(BIN)/python -m pytest tests/unit $(ARGS)

lint: $(TEST_STAMP) ## ruff check + format check
	$(BIN)/ruff check clawrouter tests bench
	$(BIN)/ruff format --check clawrouter tests bench

fmt: $(TEST_STAMP) ## apply ruff fixes and formatting
	$(BIN)/ruff check --fix clawrouter tests bench
	$(BIN)/ruff format clawrouter tests bench

.PHONY: fuzz
fuzz: $(TEST_STAMP) ## the route fuzzer, long and seeded (ARGS="--duration 600 --seed 7"; docs/hardening.md)
	$(BIN)/python -m tests.support.fuzz $(ARGS)

.PHONY: soak
soak: $(BENCH_STAMP) ## 10 min at half the measured capacity, RSS must stay flat (ARGS="--minutes 2")
	$(BIN)/python -m bench.soak $(ARGS)

# psutil (the `bench` extra) is installed only when missing; without it bench reads /proc.
$(BENCH_STAMP): $(RUN_STAMP)
	@$(BIN)/python -c 'import psutil' 2>/dev/null || $(PIP_INSTALL) -e '.[bench]' \
		|| echo 'psutil could not be installed: RSS/CPU will be read from /proc'
	@touch $@

bench: $(BENCH_STAMP) ## benchmark vs a raw pass-through and direct, 4 wire formats, 3 rounds, ~9 min (ARGS="--formats chat")
	$(BIN)/python -m bench.run $(ARGS)

profile: $(BENCH_STAMP) ## where a request's CPU goes, with py-spy (ARGS="--scenario stream"; docs/performance.md)
	@test -x $(BIN)/py-spy || $(PIP_INSTALL) py-spy
	$(BIN)/python -m bench.profile --gil $(ARGS)

growth: $(BENCH_STAMP) ## cost growth (prompt, stream, channels, 10 M logs; long); ARGS="--quick": ~2 min
	$(BIN)/python -m bench.growth $(ARGS)

openapi: $(RUN_STAMP) ## regenerate docs/openapi.json from the registered routes
	$(BIN)/python -m clawrouter.openapi > docs/openapi.json

.PHONY: schemathesis
schemathesis: $(TEST_STAMP) ## schemathesis over the served OpenAPI document, long (ARGS="--examples 50 --seed 7")
	$(BIN)/python -m tests.support.schemathesis_run $(ARGS)

web: ## rebuild the dashboard bundle in static/ from web/ (needs Node 20+ and npm; commit both)
	cd web && npm ci --no-audit --no-fund && npm run build

clean: ## remove the virtualenv and caches (keeps ./data)
	rm -rf $(VENV) .pytest_cache .ruff_cache build *.egg-info
