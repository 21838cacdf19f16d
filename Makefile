PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
CONFIG ?= config/example.toml

.PHONY: install run test lint bench clean

install: $(STAMP)

# Reinstall only when the project metadata changed: a second `make install` is a no-op.
# Quiet: a line of progress, not the installer's warnings and notices (errors still show).
PIP := PYTHONWARNINGS=ignore $(BIN)/python -m pip -qq --disable-pip-version-check

$(STAMP): pyproject.toml
	@echo "excerpt-bot: installing into $(VENV) (the first time takes a minute or two)"
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@$(PIP) install --upgrade pip
	@$(PIP) install -e '.[test]'
	@touch $(STAMP)
	@echo "excerpt-bot: installed"

run: install
	$(BIN)/excerpt-bot run --config $(CONFIG)

test: install
	$(BIN)/ruff check bot tests bench
	$(BIN)/ruff format --check --quiet bot tests bench
	$(BIN)/python -m pytest -q -n auto

lint: install
	$(BIN)/ruff check bot tests bench
	$(BIN)/ruff format --check bot tests bench

bench: install
	$(BIN)/python -m pip install --quiet -e '.[test,bench]'
	$(BIN)/python -m pytest bench -p no:cacheprovider --benchmark-only --benchmark-columns=min,median,max,rounds --benchmark-sort=name
	PYTHONPATH=. $(BIN)/python bench/daemon_bench.py
	PYTHONPATH=. $(BIN)/python bench/add_bench.py
	PYTHONPATH=. $(BIN)/python bench/status_bench.py
	PYTHONPATH=. $(BIN)/python bench/startup_bench.py
	PYTHONPATH=. $(BIN)/python bench/several_daemons_bench.py

clean:
	rm -rf $(VENV) .pytest_cache .hypothesis .benchmarks
