# CTP Log: `make run` serves the demo plant, `make test` passes the whole suite. Both set themselves up:
# `make run` installs only what running needs; `make test` and `make lint` add the test and bench tools ([dev]).
# `make lint`: ruff, then mypy (0 errors; the CI runs it beside the suite, scripts/test-all).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
UV := $(BIN)/uv
RUN_STAMP := $(VENV)/.installed-run
DEV_STAMP := $(VENV)/.installed-dev
# uv installs into the venv (pip only fetches uv itself): resolving, unpacking and compiling the packages took pip
# 31-38 s on one core here, uv 10-15 s on both, with the same bytecode written (--compile-bytecode, as pip does)
UV_INSTALL = $(UV) pip install --quiet --python $(BIN)/python --compile-bytecode

.PHONY: run test lint clean translations

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(UV): | $(BIN)/python
	$(BIN)/python -m pip install --quiet 'uv>=0.9,<1'

$(RUN_STAMP): pyproject.toml | $(UV)
	$(UV_INSTALL) -e .
	touch $(RUN_STAMP)

# one install for both (the package is resolved and built once, not twice)
$(DEV_STAMP): pyproject.toml | $(UV)
	$(UV_INSTALL) -e '.[dev]'
	touch $(RUN_STAMP) $(DEV_STAMP)

run: $(RUN_STAMP)
	CTP_DEMO=$${CTP_DEMO:-1} $(BIN)/python main.py

test: $(DEV_STAMP)
	PATH="$(CURDIR)/$(BIN):$$PATH" scripts/test-all

lint: $(DEV_STAMP)
	$(BIN)/ruff check app pages components tests main.py
	$(BIN)/mypy app pages components main.py

# Catalogues: collect the marked texts into app/locale/messages.pot, merge them into each language's .po (new
# texts arrive untranslated; tests/app/test_catalogues.py fails until they are translated), compile the .mo files
# the app reads. The .mo files are committed, so `make run` and `make test` need no compile step.
translations: $(RUN_STAMP)
	$(BIN)/pybabel extract -F babel.cfg -k _ -k N_ -k ngettext:1,2 --no-wrap --sort-by-file \
		--project=ctp-log -o app/locale/messages.pot app components pages
	$(BIN)/pybabel update --no-wrap -i app/locale/messages.pot -d app/locale -D messages
	$(BIN)/pybabel compile --statistics -d app/locale -D messages

clean:
	rm -rf $(VENV) data .pytest_cache
