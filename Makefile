# CTP Log: `make run` serves the demo plant, `make test` passes the whole suite. Both set themselves up.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test lint clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

run: $(STAMP)
	CTP_DEMO=$${CTP_DEMO:-1} $(BIN)/python main.py

test: $(STAMP)
	PATH="$(CURDIR)/$(BIN):$$PATH" scripts/test-all

lint: $(STAMP)
	$(BIN)/ruff check app pages components tests main.py

clean:
	rm -rf $(VENV) data .pytest_cache
