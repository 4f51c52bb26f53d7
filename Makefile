# Two commands from a fresh clone: `make run` and `make test`. Both create .venv when missing.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
PIP    := $(PY) -m pip
TICKS  ?= 300
AGENTS ?= 100000

.PHONY: run test install install-dev bench dashboard serve lab lint clean

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip

# Stamp files make re-running cheap; they are refreshed when pyproject.toml changes.
# black-it without its dependency pins (see the comment in pyproject.toml's `validation` extra)
BLACK_IT := black-it==0.3.3

$(VENV)/.installed: pyproject.toml | $(PY)
	$(PIP) install --quiet -e ".[all]"
	$(PIP) install --quiet --no-deps "$(BLACK_IT)"
	$(PY) -m arena.dashboard.assets
	touch $@

$(VENV)/.installed-dev: pyproject.toml | $(PY)
	$(PIP) install --quiet -e ".[dev]"
	$(PIP) install --quiet --no-deps "$(BLACK_IT)"
	$(PY) -m arena.dashboard.assets
	bash scripts/ensure_chromium.sh
	$(PY) -m ipykernel install --sys-prefix --name python3 >/dev/null
	touch $@ $(VENV)/.installed

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev

## make run: the main job: the baseline scenario at 100,000 agents, written to data/runs/baseline/
run: install
	$(VENV)/bin/arena run baseline --ticks $(TICKS) --agents $(AGENTS) --out data/runs/baseline

## make test: the whole suite (unit, invariants, scenarios, notebooks, API, browser)
# Two test workers on two cores: single-threaded BLAS avoids oversubscribing them.
test: install-dev
	OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 $(PY) -m pytest -n 2 --dist loadgroup -q

bench: install
	$(PY) benchmarks/tick.py

dashboard: install
	$(VENV)/bin/arena dashboard

serve: install
	$(VENV)/bin/arena serve

lab: install-dev
	$(VENV)/bin/jupyter lab notebooks/

lint: install-dev
	$(VENV)/bin/ruff check arena tests

clean:
	rm -rf $(VENV) .pytest_cache .hypothesis
