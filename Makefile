# kefu — the two commands a new user needs: `make run` and `make test`.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
DEV    := $(VENV)/.dev-installed-stamp

.PHONY: run test lint install clean bench-load

# Create the virtual environment and install kefu with the pinned dependencies it runs on.
$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e .
	touch $(STAMP)

# The development tools on top (pytest, Playwright, mypy, ruff, Schemathesis …): `make test` needs them.
$(DEV): $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(DEV)

install: $(DEV)

# Set up from nothing and start kefu on the embedded SQLite database, with the worker beside the
# web server (timers, reminders, SMS fire); Ctrl-C stops both.
run: $(STAMP)
	$(BIN)/kefu policy check
	$(BIN)/kefu init --demo
	$(BIN)/kefu serve --with-worker

# The whole test suite.
test: $(DEV)
	$(BIN)/python -m pytest

# The load bench (bench/load.py; PostgreSQL at 127.0.0.1:5432, its database created and dropped).
bench-load: $(DEV)
	$(BIN)/python -m pip install --quiet -e '.[bench]'
	$(BIN)/python bench/load.py

lint: $(DEV)
	$(BIN)/ruff check engine webui tests bench
	$(BIN)/mypy

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache
