# govcrawl — see README.md. Every target installs what it needs first (make setup).
VENV := .venv
PY := $(VENV)/bin/python
export TLDEXTRACT_PUBLIC_SUFFIX_LIST_URLS :=
export PYTHONDONTWRITEBYTECODE := 1

.PHONY: setup demo test lint bench clean

setup:
	@bash .ci/install

demo: setup  ## crawl the bundled replica web into SQLite and print what was archived
	$(PY) -m govcrawl.demo

test: setup  ## the whole test suite: SQLite, PostgreSQL, the replica web, Chromium
	$(VENV)/bin/ruff check govcrawl tests seeds migrations
	$(VENV)/bin/pytest -q -p no:cacheprovider

lint: setup
	$(VENV)/bin/ruff check govcrawl tests seeds migrations

clean:
	rm -rf data/demo.sqlite3 data/replica-cache .pytest_cache
