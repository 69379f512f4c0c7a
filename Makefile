# supportledger — the two commands a newcomer needs are `make run` and `make test`.
SHELL := /bin/bash
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

.PHONY: setup run test lint format bench messages clean

# setup: Debian packages when missing (scripts/ensure-system-packages), the
# virtualenv with the project and its dev tools, compiled translations.
setup: $(STAMP)
	@scripts/ensure-system-packages
	@$(BIN)/supportledger compilemessages --ignore=.venv --verbosity 0

$(STAMP): pyproject.toml
	python3 -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

# messages: refresh the .po catalogues from the source (then translate them).
messages: setup
	cd supportledger && ../$(BIN)/supportledger makemessages --all --ignore=rules --no-obsolete

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
