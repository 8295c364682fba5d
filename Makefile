# BankDirect — two commands on a fresh Debian/Ubuntu machine with Python 3.11+:
#   make run    set everything up and open the app in demo mode
#   make test   set everything up and run the whole test suite
SHELL := /bin/bash
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DEB_STAMP := $(VENV)/.debs
DEB_PACKAGES := fonts-wqy-microhei softhsm2 opensc xvfb xauth libxcb-icccm4 libxcb-keysyms1 \
	libxkbcommon-x11-0 libxcb-cursor0 libegl1 libgl1 libfontconfig1 libdbus-1-3
PG_URL ?= postgresql+psycopg://postgres@127.0.0.1:5432/postgres

.PHONY: run test setup debs venv lint bench screenshot clean

setup: debs venv

# Debian packages the app and the tests need (CJK font, SoftHSM2, Xvfb, Qt's xcb libraries).
debs: $(DEB_STAMP)
$(DEB_STAMP):
	@bash installer/install-debs.sh $(DEB_PACKAGES)
	@mkdir -p $(VENV) && touch $(DEB_STAMP)

venv: $(STAMP)
$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip setuptools wheel
	$(BIN)/python -m pip install --quiet -e '.[test]'
	@touch $(STAMP)

run: setup
	$(BIN)/bankdirect demo

lint: venv
	$(BIN)/ruff check .
	$(BIN)/lint-imports

test: setup
	$(BIN)/ruff check .
	$(BIN)/lint-imports
	@if $(BIN)/python -c "import psycopg,sys; psycopg.connect('host=127.0.0.1 port=5432 user=postgres dbname=postgres connect_timeout=3').close()" 2>/dev/null; then \
		echo "PostgreSQL answers at 127.0.0.1:5432: shared-ledger tests enabled"; \
		export BANKDIRECT_TEST_PG_URL="$${BANKDIRECT_TEST_PG_URL:-$(PG_URL)}"; \
	else echo "No PostgreSQL at 127.0.0.1:5432: shared-ledger tests will be skipped"; fi; \
	QT_QPA_PLATFORM=offscreen $(BIN)/python -m pytest -p no:cacheprovider $(PYTEST_ARGS)

bench: setup
	QT_QPA_PLATFORM=offscreen $(BIN)/python -m bench

screenshot: setup
	$(BIN)/bankdirect demo --screenshot main.png

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache .ruff_cache
