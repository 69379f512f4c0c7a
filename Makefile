# supportledger — the two commands a newcomer needs are `make run` and `make test`.
SHELL := /bin/bash
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

.PHONY: setup run test lint format bench messages tour clean

# setup: Debian packages when missing (scripts/ensure-system-packages), the
# virtualenv with the project and its dev tools, axe-core for the
# accessibility tests (scripts/ensure-axe-core), compiled translations.
setup: $(STAMP)
	@scripts/ensure-system-packages
	@scripts/ensure-axe-core
	@$(BIN)/supportledger compilemessages --ignore=.venv --verbosity 0

$(STAMP): pyproject.toml
	python3 -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

# messages: refresh each app's catalogues (<app>/locale/<lang>/LC_MESSAGES)
# from its source; then translate what is new. An app gets catalogues by
# having a locale/ directory.
messages: setup
	for dir in supportledger/*/locale; do \
	    (cd "$$(dirname $$dir)" && $(CURDIR)/$(BIN)/supportledger makemessages \
	        -l bg -l hu -l el -l ru -l pl --no-obsolete --no-location --verbosity 0) || exit 1; \
	done

# run: everything on this machine (SQLite, demo data): web server, worker,
# mail listener and a mail catcher under one supervisor; Ctrl+C stops all.
run: setup
	$(BIN)/supportledger migrate --noinput
	$(BIN)/supportledger demo --if-empty
	$(BIN)/supportledger serve --all

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

# tour: the screenshots of docs/console-tour.md (docs/images/), taken in
# Chromium over the demo data in a throw-away database.
tour: setup
	$(BIN)/python scripts/console-tour.py

clean:
	rm -rf $(VENV) var
