# `make run` and `make test` work on a fresh clone: each creates .venv and installs first.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: run test lint bench clean

$(BIN)/activate: requirements.txt requirements-dev.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements-dev.txt
	touch $(BIN)/activate

run: $(BIN)/activate
	$(BIN)/python bot.py

test: $(BIN)/activate
	$(BIN)/python -m pytest

lint: $(BIN)/activate
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

bench: $(BIN)/activate
	$(BIN)/python bench/bench_churn_auc.py
	$(BIN)/python bench/bench_analysis_speed.py

clean:
	rm -rf $(VENV) .pytest_cache
