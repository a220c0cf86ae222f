# The two commands of the README: `make run` and `make test`.
# Both create the virtual environment on first use, so a fresh clone needs only
# Python 3.11 and make.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DEV_STAMP := $(VENV)/.installed-dev
HOST ?= 127.0.0.1
PORT ?= 8000
# bench/ joins the lint paths once it exists.
LINT_PATHS := $(wildcard src tests bench)

.PHONY: run test lint format check clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(DEV_STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP) $@

# A development .env with fresh keys, written once; edit it afterwards.
.env: | $(STAMP)
	$(BIN)/python -m saas_manager.core.envfile .env .env.example

run: $(STAMP) .env
	$(BIN)/saas-manager migrate --no-input
	$(BIN)/saas-manager collectstatic --no-input --verbosity 0
	$(BIN)/saas-manager load-demo-data --if-empty
	@echo "Back office at http://$(HOST):$(PORT)/ (Ctrl+C stops the web server and the worker)"
	HOST=$(HOST) PORT=$(PORT) $(BIN)/honcho start

test: $(DEV_STAMP)
	$(BIN)/ruff check $(LINT_PATHS)
	$(BIN)/ruff format --check $(LINT_PATHS)
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: $(DEV_STAMP)
	$(BIN)/ruff check $(LINT_PATHS)
	$(BIN)/ruff format --check $(LINT_PATHS)
	$(BIN)/mypy src/saas_manager

format: $(DEV_STAMP)
	$(BIN)/ruff format $(LINT_PATHS)
	$(BIN)/ruff check --fix $(LINT_PATHS)

clean:
	rm -rf $(VENV) var staticfiles
