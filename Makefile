# Two commands do all the set-up: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1

.PHONY: install run test lint bench clean-db

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	# The local CPU build of torch first, so sentence-transformers does not pull a CUDA build.
	$(BIN)/pip install -q torch==2.13.0
	$(BIN)/pip install -q -e ".[dev]"
	touch $(STAMP)

install: $(STAMP)

run: install
	$(BIN)/reviewlab init --demo-if-new
	$(BIN)/reviewlab serve --browser.gatherUsageStats false

test: install
	$(BIN)/python -m pytest

lint: install
	$(BIN)/ruff check reviewlab pages tests bench app.py

bench: install
	for b in bench/*_bench.py bench/*_eval.py; do $(BIN)/python $$b --quick || exit 1; done
