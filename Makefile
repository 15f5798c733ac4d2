# The two commands of the README: `make run` and `make test`. Both create the virtual
# environment in .venv and install what they need on first use.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
PIP    := $(BIN)/python -m pip install --quiet --disable-pip-version-check -c constraints.txt
TOOLS  := $(VENV)/contract-tools

.PHONY: run test lint bench clean

run: $(VENV)/.run-deps
	$(BIN)/entrygo serve

test: lint $(TOOLS)/.installed
	$(BIN)/pytest -n auto

# style, types, and the directions imports may take (pyproject.toml [tool.importlinter])
lint: $(VENV)/.test-deps
	$(BIN)/ruff check src tests bench examples
	$(BIN)/mypy
	$(BIN)/lint-imports

clean:
	rm -rf $(VENV) data tools/contract/node_modules

$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "EntryGo needs Python 3.11 or newer")'
	$(PYTHON) -m venv $(VENV)

$(VENV)/.run-deps: pyproject.toml constraints.txt | $(BIN)/python
	@echo "Installing EntryGo and what it needs into $(VENV) (first run only, about a minute)..."
	$(PIP) -e .
	@touch $@

$(VENV)/.test-deps: pyproject.toml constraints.txt | $(BIN)/python
	@echo "Installing EntryGo and its test tools into $(VENV) (first run only, a minute or two)..."
	$(PIP) -e '.[test]'
	@touch $@ $(VENV)/.run-deps

# the third-party tools the suite runs on the published OpenAPI document (tools/contract/)
$(TOOLS)/.installed: tools/contract/requirements.txt tools/contract/package-lock.json | $(BIN)/python
	@echo "Installing the OpenAPI linters and client generator (tools/contract; first run only)..."
	$(PYTHON) -m venv $(TOOLS)
	$(TOOLS)/bin/python -m pip install --quiet --disable-pip-version-check -r tools/contract/requirements.txt
	cd tools/contract && npm ci --no-audit --no-fund --loglevel=error
	@touch $@

bench: $(VENV)/.test-deps
	$(BIN)/python -m bench
