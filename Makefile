# The commands of the quickstart: `make run` (everything as local processes), `make demo` (in
# another terminal: one application walked from draft to a posted result) and `make test`.
PY ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run demo test install lock

$(STAMP): pyproject.toml constraints.txt
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -c constraints.txt -e '.[test]'
	touch $(STAMP)

install: $(STAMP)

run: $(STAMP)
	$(BIN)/titles run-local

demo: $(STAMP)
	$(BIN)/titles demo

test: $(STAMP)
	$(BIN)/python -m pytest $(PYTEST_ARGS)

# After changing dependencies in pyproject.toml: pin what was tested.
lock:
	$(BIN)/pip freeze --exclude-editable | grep -v '^titles' > constraints.txt

# Benchmarks (bench/, BENCHMARKS.md): starts what it needs, prints a table beside bare baselines,
# writes bench/out/results.json and bench/out/chart.png. BENCH_ARGS=--quick for a short run.
BENCH_STAMP := $(VENV)/.bench-installed
$(BENCH_STAMP): $(STAMP)
	$(BIN)/pip install -q -c constraints.txt -e '.[bench]'
	touch $(BENCH_STAMP)

.PHONY: bench
bench: $(BENCH_STAMP)
	$(BIN)/python -m bench $(BENCH_ARGS)
