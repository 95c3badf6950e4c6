# `make run` and `make test` work on a fresh clone: each creates .venv and installs first.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: run test lint bench clean

# Written only after pip succeeds, so a failed install is retried by the next make.
INSTALLED := $(VENV)/.installed

$(INSTALLED): requirements.txt requirements-dev.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements-dev.txt
	touch $(INSTALLED)

run: $(INSTALLED)
	$(BIN)/python bot.py

test: $(INSTALLED)
	$(BIN)/python -m pytest

lint: $(INSTALLED)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

bench: $(INSTALLED)
	$(BIN)/python bench/bench_churn_auc.py
	$(BIN)/python bench/bench_analysis_speed.py

clean:
	rm -rf $(VENV) .pytest_cache
