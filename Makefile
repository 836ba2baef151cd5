# Two commands set everything up: `make run` (demo on SQLite) and `make test` (whole suite).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test lint bench clean

$(STAMP): setup.cfg pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/flask --app wsgi db upgrade
	$(BIN)/flask --app wsgi demo-data --if-empty
	$(BIN)/flask --app wsgi scheduler & SCHED=$$!; \
	trap "kill $$SCHED" EXIT INT TERM; \
	$(BIN)/flask --app wsgi run --host 127.0.0.1 --port 5000

# What runs again on Citus (a coordinator and a worker, TEST_CITUS_URL; docs/scaling.md): the placement checks, the
# isolation suite and the features whose data crosses shards or whose writes Citus treats differently (invoicing,
# accounts and the fund, incubation, tendering, training, purchasing, reporting, payroll's bulk writes and emails).
CITUS_TESTS := tests/citus tests/isolation tests/invoicing tests/accounts tests/mutual_fund tests/incubation \
  tests/tendering tests/training tests/purchasing tests/reporting tests/payroll/test_bulk_writes.py \
  tests/payroll/test_outputs.py

test: $(STAMP)
	$(BIN)/ruff check .
	TEST_DATABASE=sqlite $(BIN)/python -m pytest -n 2 -q
	TEST_DATABASE=postgresql $(BIN)/python -m pytest -n 2 -q
	@if [ -n "$$TEST_CITUS_URL" ]; then \
	  echo "Citus pass on $$TEST_CITUS_URL"; $(BIN)/python -m tests.citus.wait 60 && \
	  TEST_DATABASE=citus $(BIN)/python -m pytest -n 2 -q $(CITUS_TESTS); \
	else echo "TEST_CITUS_URL is not set: the Citus pass is skipped (docs/scaling.md)"; fi

bench: $(STAMP) /usr/bin/wrk
	$(BIN)/python -m pytest tests/benchmarks -q -s -p no:xdist -o addopts=''

# The HTTP load benchmark's load tool (tests/benchmarks/bench_http.py), Debian's package.
/usr/bin/wrk:
	if [ "$$(id -u)" = 0 ]; then apt-get install -y wrk; else sudo apt-get install -y wrk; fi

clean:
	rm -rf $(VENV) instance/*.db
