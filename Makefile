# newsetl: `make run` runs the pipeline on the sample articles, `make test` runs the tests.
# Both install what they need from uv.lock on first use (a private uv in .tools/, the project
# in .venv/), so a fresh machine needs only Python 3.11 and pip.

PYTHON ?= python3
UV_VERSION := 0.13.8
TOOLS := .tools
UV := $(TOOLS)/bin/uv
VENV := .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed
RAW_DIR ?= seeds/articles
WAREHOUSE ?= warehouse
export UV_COMPILE_BYTECODE := 1
export UV_PROJECT_ENVIRONMENT := $(VENV)
export PREFECT_SERVER_ANALYTICS_ENABLED := false

.PHONY: run test lint typecheck check install bench-langid bench-boilerplate clean

run: $(INSTALLED)
	$(BIN)/newsetl run --raw-dir $(RAW_DIR) --warehouse $(WAREHOUSE)

test: $(INSTALLED)
	@bash scripts/ensure-chromium
	$(BIN)/pytest

lint: $(INSTALLED)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(INSTALLED)
	$(BIN)/mypy

check: lint typecheck test

install: $(INSTALLED)

$(UV):
	$(PYTHON) -m venv $(TOOLS)
	$(TOOLS)/bin/pip install --quiet uv==$(UV_VERSION)

$(INSTALLED): $(UV) uv.lock pyproject.toml
	$(UV) sync --frozen --python $(PYTHON)
	@touch $@

bench-langid: $(INSTALLED)
	$(BIN)/python bench/langid.py ../shared/benchmarks/langid/dev.jsonl

bench-boilerplate: $(INSTALLED)
	$(BIN)/python bench/boilerplate.py ../shared/benchmarks/boilerplate/dev.jsonl

clean:
	rm -rf $(WAREHOUSE)/news.duckdb $(WAREHOUSE)/news.duckdb.wal $(WAREHOUSE)/parquet $(WAREHOUSE)/reports .prefect
