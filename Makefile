# govcrawl — see README.md. Every target installs what it needs first (make setup).
VENV := .venv
PY := $(VENV)/bin/python
export TLDEXTRACT_PUBLIC_SUFFIX_LIST_URLS :=
export PYTHONDONTWRITEBYTECODE := 1
# The development package (the replica web, the benchmarks) lives under tests/ and is not installed.
DEV := PYTHONPATH=tests

# Optional arguments of the crawl targets: PROVINCE=云南, WORKERS=2.
WORKERS ?= 2
CRAWL_ARGS := $(if $(PROVINCE),-a province=$(PROVINCE))

.PHONY: setup demo test lint nightly crawl-distributed clean \
	bench bench-extract bench-parse bench-crawl bench-db bench-nightly

setup:
	@bash .ci/install

demo: setup  ## crawl the bundled replica web into SQLite and print what was archived
	$(DEV) $(PY) -m replica.demo

test: setup  ## the whole test suite: SQLite, PostgreSQL, the replica web, Chromium
	$(VENV)/bin/ruff check govcrawl tests seeds migrations
	$(VENV)/bin/pytest -q -p no:cacheprovider

lint: setup
	$(VENV)/bin/ruff check govcrawl tests seeds migrations

nightly: setup  ## the nightly crawl of every seed portal into GOVCRAWL_DATABASE_URL, logged under data/logs/
	@mkdir -p data/logs
	$(VENV)/bin/scrapy crawl county $(CRAWL_ARGS) -s LOG_FILE=data/logs/nightly-$$(date +%Y%m%d-%H%M).log

crawl-distributed: setup  ## WORKERS processes sharing a Redis queue (GOVCRAWL_REDIS_URL) and the archive
	$(VENV)/bin/govcrawl crawl --workers $(WORKERS) $(if $(PROVINCE),--province $(PROVINCE))

# Benchmarks print figures and ratios; speed targets live here, never in tests.
bench: bench-extract bench-parse bench-crawl bench-db bench-nightly

bench-extract: setup  ## extraction docs/s per format, PDF pages/s, peak memory, PDF path vs bare pdfplumber
	$(DEV) $(PY) -m bench.extract

bench-parse: setup  ## statistics parsing speed on one core: reports/s from text and from PDF
	$(DEV) $(PY) -m bench.parse

bench-crawl: setup  ## crawl the ~300 generated portals: wall time, pages/s, memory, rendered share, pages per report, ratio to a plain fetch
	$(DEV) $(PY) -m bench.crawl

bench-nightly: setup  ## second incremental run vs the first (5% new reports), one vs two distributed workers
	$(DEV) $(PY) -m bench.nightly

bench-db: setup  ## 200,000 synthetic reports on SQLite and PostgreSQL: insert rate vs raw executemany, export, a query
	$(DEV) $(PY) -m bench.db

clean:
	rm -rf data/demo.sqlite3 data/replica-cache .pytest_cache
