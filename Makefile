# The two commands: `make report` (the main job) and `make test`. Both set themselves up first.
VENV := .venv
PY := $(VENV)/bin/python
SCALE ?= cpu
OUT ?= runs/latest

.PHONY: setup test report lab bench clean

$(VENV)/.setup-done: pyproject.toml requirements.lock scripts/setup.sh
	bash scripts/setup.sh

setup: $(VENV)/.setup-done

test: setup
	$(PY) -m pytest tests -q

report: setup
	$(VENV)/bin/workbench run all --scale $(SCALE) --out $(OUT); \
	$(VENV)/bin/workbench report $(OUT)

lab: setup
	$(VENV)/bin/workbench lab

bench: setup
	for b in benchmarks/*.py; do $(PY) $$b || exit 1; done

clean:
	rm -rf runs .pytest_cache
