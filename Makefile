# The two commands of the README: `make run` and `make test`. Both create the virtual
# environment in .venv and install what they need on first use.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
PIP    := $(BIN)/python -m pip install --quiet --disable-pip-version-check -c constraints.txt

.PHONY: run test lint bench clean

run: $(VENV)/.run-deps
	$(BIN)/entrygo serve

test: lint
	$(BIN)/pytest -n auto

# style, types, and the directions imports may take (pyproject.toml [tool.importlinter])
lint: $(VENV)/.test-deps
	$(BIN)/ruff check src tests bench
	$(BIN)/mypy
	$(BIN)/lint-imports

clean:
	rm -rf $(VENV) data

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

bench: $(VENV)/.test-deps
	$(BIN)/python -m bench
