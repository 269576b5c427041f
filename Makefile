# Every target installs what it needs first, so each works alone on a fresh machine.
UV ?= $(shell command -v uv 2>/dev/null || echo "$(HOME)/.local/bin/uv")
RUN = $(UV) run --frozen

.PHONY: install test lint fmt bench ci

.venv/.stamp: pyproject.toml uv.lock
	command -v $(UV) >/dev/null 2>&1 || python3 -m pip install --user --quiet uv
	$(UV) sync --frozen
	touch $@

install: .venv/.stamp

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

bench: .venv/.stamp
	$(RUN) python bench/signing.py

ci: lint test
