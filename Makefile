# kefu — the two commands a new user needs: `make run` and `make test`.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp

.PHONY: run test lint install clean bench-load

# Create the virtual environment and install kefu with its pinned dependencies.
$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

# Set up from nothing and start kefu on the embedded SQLite database.
run: $(STAMP)
	$(BIN)/kefu policy check
	$(BIN)/kefu init --demo
	$(BIN)/kefu serve

# The whole test suite.
test: $(STAMP)
	$(BIN)/python -m pytest

# The load bench (bench/load.py; PostgreSQL at 127.0.0.1:5432, its database created and dropped).
bench-load: $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[bench]'
	$(BIN)/python bench/load.py

lint: $(STAMP)
	$(BIN)/ruff check engine webui tests bench
	$(BIN)/mypy

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache
