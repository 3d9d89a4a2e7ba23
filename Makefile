# Two commands do all set-up on a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp
PYTEST_ARGS ?=
# Exact versions with hashes (uv pip compile; see docs/SECURITY.md): `make lock` re-pins them.
LOCK := requirements/dev.lock
UV_COMPILE := $(VENV)/bin/uv pip compile pyproject.toml --universal --generate-hashes \
	--index-url https://pypi.org/simple --custom-compile-command "make lock" --quiet

.PHONY: install lock run test lint format bench worker clean

$(STAMP): pyproject.toml $(LOCK)
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet --require-hashes -r $(LOCK)
	$(PY) -m pip install --quiet --no-deps -e .
	@touch $(STAMP)

install: $(STAMP)

## Re-pin requirements/runtime.lock (the image) and requirements/dev.lock (tests, CI)
lock:
	@test -x $(VENV)/bin/uv || { test -x $(PY) || $(PYTHON) -m venv $(VENV); $(PY) -m pip install --quiet "uv>=0.5"; }
	$(UV_COMPILE) -o requirements/runtime.lock
	$(UV_COMPILE) --extra dev -o requirements/dev.lock

## Migrate, seed the demo catalog, start Temporal dev server + worker + web server (Ctrl-C stops all)
run: install
	$(PY) scripts/run.py

## Run the whole test suite (honours DATABASE_URL; SQLite by default)
test: install
	$(PY) -m pytest $(PYTEST_ARGS)

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: install
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

## Benchmarks: ratios against baselines measured in the same run
bench: install
	$(PY) -m bench.orders
	$(PY) -m bench.checkout
	$(PY) -m bench.pages

worker: install
	$(PY) manage.py runworker

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache staticfiles
