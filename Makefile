# supportledger — the two commands a newcomer needs are `make run` and `make test`.
SHELL := /bin/bash
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

.PHONY: setup run test lint format bench clean

setup: $(STAMP)

$(STAMP): pyproject.toml
	python3 -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

run: setup
	$(BIN)/supportledger migrate --noinput
	$(BIN)/supportledger demo --if-empty
	$(BIN)/supportledger serve

test: setup lint
	scripts/run-tests

lint: setup
	$(BIN)/ruff check supportledger tests bench scripts
	$(BIN)/ruff format --check supportledger tests bench scripts
	$(BIN)/mypy
	$(BIN)/lint-imports

format: setup
	$(BIN)/ruff check --fix supportledger tests bench scripts
	$(BIN)/ruff format supportledger tests bench scripts

bench: setup
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) var
