# The two commands: `make report` (the main job) and `make test`. Both set themselves up first.
VENV := .venv
PY := $(VENV)/bin/python
SCALE ?= cpu
OUT ?= runs/latest

.PHONY: setup test report lab bench clean

$(VENV)/.setup-done: pyproject.toml requirements.lock scripts/setup.sh
	bash scripts/setup.sh

setup: $(VENV)/.setup-done

# nbval runs over smoke-scale copies of the notebooks (scripts/prepare_nbval.py says why).
test: setup
	WORKBENCH_HEADLESS=1 $(PY) scripts/prepare_nbval.py runs/nbval
	WORKBENCH_HEADLESS=1 $(PY) -m pytest tests runs/nbval --nbval-lax -q

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
