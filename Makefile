# Every target installs what it needs first, so each works alone on a fresh machine.
UV ?= $(shell command -v uv 2>/dev/null || echo "$(HOME)/.local/bin/uv")
RUN = $(UV) run --frozen

.PHONY: install run test lint fmt schema bench ci

.venv/.stamp: pyproject.toml uv.lock
	command -v $(UV) >/dev/null 2>&1 || python3 -m pip install --user --quiet uv
	$(UV) sync --frozen
	touch $@

install: .venv/.stamp

run: .venv/.stamp  ## migrate the embedded SQLite database, load the demo, serve on :8000
	$(RUN) insigne db upgrade
	$(RUN) insigne demo
	$(RUN) insigne serve --port 8000

test: .venv/.stamp  ## the whole suite, as CI runs it
	$(RUN) pytest --cov --cov-report=term

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

bench: .venv/.stamp
	$(RUN) python bench/signing.py
	$(RUN) python bench/http_load.py

ci: lint test
