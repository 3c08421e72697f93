# The two commands: `make report` (the main job) and `make test`. Both set themselves up first.
VENV := .venv
PY := $(VENV)/bin/python
SCALE ?= cpu
OUT ?= runs/latest

.PHONY: setup test test-fast lint nbval report lab bench clean

$(VENV)/.setup-done: pyproject.toml requirements.lock scripts/setup.sh
	bash scripts/setup.sh

setup: $(VENV)/.setup-done

# Tiers and markers: tests/conftest.py. `make test` is what CI runs: the linter, then every test (each
# notebook executed once at smoke scale, read by both the CLI checks and the per-cell nbval-style check).
FAST := not (notebook or browser or jax_compile or model or slow)

test: setup lint
	WORKBENCH_HEADLESS=1 $(PY) -m pytest tests -q

# The edit-test loop: no notebook, browser, Brax/JAX compilation or model load (a few minutes).
test-fast: setup
	WORKBENCH_HEADLESS=1 WORKBENCH_TEST_TIER=fast $(PY) -m pytest tests -q -m "$(FAST)"

lint: setup
	$(VENV)/bin/ruff check workbench tests scripts benchmarks

# nbval's own kernel run over smoke-scale copies of the notebooks (scripts/prepare_nbval.py says why).
nbval: setup
	WORKBENCH_HEADLESS=1 $(PY) scripts/prepare_nbval.py runs/nbval
	WORKBENCH_HEADLESS=1 $(PY) -m pytest runs/nbval --nbval-lax -q

report: setup
	$(VENV)/bin/workbench run all --scale $(SCALE) --out $(OUT); \
	$(VENV)/bin/workbench report $(OUT)

lab: setup
	$(VENV)/bin/workbench lab

bench: setup
	$(PY) -m pip install -q trl==1.16.0
	for b in benchmarks/*.py; do $(PY) $$b || exit 1; done

clean:
	rm -rf runs .pytest_cache
