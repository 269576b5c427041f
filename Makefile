# Every target installs what it needs first, so each works alone on a fresh machine.
UV ?= $(shell command -v uv 2>/dev/null || echo "$(HOME)/.local/bin/uv")
RUN = $(UV) run --frozen
# `make test` runs the PostgreSQL leg too when PostgreSQL answers on 127.0.0.1:5432, as CI does.
LOCAL_POSTGRES = postgresql+asyncpg://postgres@127.0.0.1:5432/test
POSTGRES = $(or $(TEST_POSTGRES_URL),$(shell pg_isready -h 127.0.0.1 -p 5432 -q 2>/dev/null && echo $(LOCAL_POSTGRES)))

.PHONY: install run test lint fmt schema bench bench-setup differential ci fuzz graphiql

# Libraries are compiled to bytecode once, at install: every process the service and the suite
# start (and there are many) would otherwise compile them again where PYTHONDONTWRITEBYTECODE is set.
.venv/.stamp: pyproject.toml uv.lock Makefile
	command -v $(UV) >/dev/null 2>&1 || python3 -m pip install --user --quiet uv
	$(UV) sync --frozen --compile-bytecode
	touch $@

install: .venv/.stamp

schema/graphiql/node_modules/.package-lock.json: schema/graphiql/package-lock.json
	cd schema/graphiql && npm ci --ignore-scripts --no-audit --no-fund

graphiql: schema/graphiql/node_modules/.package-lock.json  ## GraphiQL's files, served at /graphql/assets (offline)

run: .venv/.stamp graphiql  ## migrate the embedded SQLite database, load the demo, serve on :8000
	$(RUN) insigne db upgrade
	$(RUN) insigne demo
	INSIGNE_ENV=development $(RUN) insigne serve --port 8000

# PYTHONDONTWRITEBYTECODE is emptied for the suite: pytest then keeps its assertion rewrites and
# Python the project's bytecode, for the workers and the server processes the tests start.
test: lint  ## lint, then the whole suite (2 workers); COVERAGE=1 also measures branch coverage and holds its floor, as CI does
	$(if $(POSTGRES),TEST_POSTGRES_URL=$(POSTGRES)) PYTHONDONTWRITEBYTECODE= $(RUN) pytest -n 2 --durations=20 \
		$(if $(COVERAGE),--cov --cov-report=term)

lint: .venv/.stamp
	$(RUN) ruff check .
	$(RUN) ruff format --check .
	$(RUN) mypy
	$(RUN) lint-imports

fmt: .venv/.stamp
	$(RUN) ruff check --fix .
	$(RUN) ruff format .

schema: .venv/.stamp  ## rewrite openapi/openapi.json from the code
	$(RUN) insigne export-schemas

fuzz: .venv/.stamp  ## schemathesis, longer: both tokens on both databases, 500 examples per operation and mode, every check
	$(if $(POSTGRES),TEST_POSTGRES_URL=$(POSTGRES)) FUZZ_EXAMPLES=$(or $(EXAMPLES),500) FUZZ_ALL_CHECKS=1 \
		FUZZ_ALL_PAIRINGS=1 $(RUN) pytest tests/service/test_fuzz.py -q -s

bench-setup:  ## wrk, the load generator bench/wrk_load.py runs in a process of its own
	command -v wrk >/dev/null 2>&1 || apt-get install -y wrk

bench: .venv/.stamp bench-setup
	$(RUN) python bench/signing.py
	$(RUN) python bench/wrk_load.py
	$(RUN) python bench/http_load.py
	$(RUN) python bench/verify_http.py
	$(RUN) python bench/slow_verifications.py
	$(RUN) python bench/pages.py
	$(RUN) python bench/graphql_portfolio.py
	$(RUN) python bench/batch.py
	$(RUN) python bench/webhook_subscribers.py
	$(RUN) python bench/xapi.py
	$(RUN) python bench/wallet.py
	$(RUN) python bench/completion_cpu.py --workers --server granian

differential: .venv/.stamp  ## the compiled canonical form against the general path and jsonld.js, long
	DIFFERENTIAL_EXAMPLES=2000 $(RUN) pytest -q tests/openbadges/test_compiled.py tests/interop/test_compiled_interop.py

ci:  ## as .ci/run: the README's test command with coverage and its floor (make test COVERAGE=1)
	$(MAKE) test COVERAGE=1
