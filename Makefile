# Two commands on a fresh machine with Python 3.11+ and make:
#   make run   - the hall on its embedded defaults (SQLite + in-process cache) with demo data
#   make test  - lint, type checks and the whole test suite
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cksum pyproject.toml | cut -d' ' -f1)
FEDERATION := tests/federation
# npm packages the tests use: the composition check and axe-core for the kiosk pages
NODE_DIRS := $(FEDERATION) tests/browser

.PHONY: run test lint pytest install node schema clean

install: $(STAMP)

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	rm -f $(VENV)/.installed-*
	touch $@

run: $(STAMP)
	$(BIN)/servicehall migrate
	$(BIN)/servicehall demo-data
	$(BIN)/servicehall serve --host 127.0.0.1 --port 8000

# npm is optional locally (the composition and accessibility tests then skip with a
# message); CI requires it.
node:
	@if command -v npm >/dev/null 2>&1; then \
	  for dir in $(NODE_DIRS); do \
	    stamp=$$dir/node_modules/.installed; \
	    if [ ! -f $$stamp ] || [ $$dir/package-lock.json -nt $$stamp ]; then \
	      (cd $$dir && npm ci --no-audit --no-fund --loglevel=error) && touch $$stamp || exit 1; \
	    fi; \
	  done; \
	else echo "npm not found: the federation composition and axe tests will be skipped"; fi

lint: $(STAMP)
	$(BIN)/ruff check servicehall tests bench
	$(BIN)/ruff format --check servicehall tests bench
	$(BIN)/mypy

pytest: $(STAMP) node
	$(BIN)/pytest

test: lint pytest

schema: $(STAMP)
	$(BIN)/servicehall export-schema --output schema.graphql

clean:
	rm -rf $(VENV) $(addsuffix /node_modules,$(NODE_DIRS)) servicehall.sqlite3 .pytest_cache .mypy_cache .ruff_cache
