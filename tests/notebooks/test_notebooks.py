"""Every notebook in notebooks/: stored thin and without outputs, and runs at smoke scale headless
through the real CLI, writing an executed copy, an offline report and a valid results.json.

Each notebook is executed once per test session (`smoke_run`), and every check reads that execution:
the CLI's outputs (results.json, report.html) and, cell by cell, what `pytest --nbval-lax` asserts of a
notebook (every code cell runs without an error). Executing it a second time under nbval's own kernel
would double the suite's longest tests and check nothing more; `make nbval` still does it for whoever
wants nbval's run itself.
"""
import json
import re
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from support import BROWSER_MISSING

from workbench import registry, results

SLUGS = [p.slug for p in registry.available()]
WEB_NOTEBOOKS = {"compwob", "webagent", "webgum"}    # these drive MiniWoB pages in Chromium
PARAMETERS = {"scale", "overrides", "results_dir"}
REMOTE_LOAD = re.compile(r"""<(script|link|img|iframe)\b[^>]*\b(src|href)\s*=\s*["']?(https?:)?//""", re.I)


def code_cells(slug):
    return [c for c in nbformat.read(registry.PAPERS[slug].notebook, as_version=4).cells if c.cell_type == "code"]


@pytest.mark.parametrize("slug", SLUGS)
def test_notebook_is_stored_thin_and_without_outputs(slug):
    cells = code_cells(slug)
    assert all(not c.outputs and c.execution_count is None for c in cells), "store notebooks without outputs"
    tagged = [c for c in cells if "parameters" in c.metadata.get("tags", [])]
    assert len(tagged) == 1, "exactly one cell tagged 'parameters'"
    assigned = set(re.findall(r"^(\w+)\s*(?::[^=]+)?=", tagged[0].source, re.M))
    assert assigned == PARAMETERS, f"the parameters cell assigns {sorted(assigned)}"
    for c in cells:
        assert not re.search(r"^\s*(def|class) ", c.source, re.M), "notebooks define no functions"
        assert not re.search(r"\bif\b[^\n]*\bscale\b", c.source), "notebooks never branch on scale"
        assert not re.search(r"^\s*[!%]\s*pip", c.source, re.M), "notebooks install nothing"
        assert "judge_claims" not in c.source and "Results(" not in c.source, "run.finish judges and writes"
    # one way in (right after the parameters cell) and one way out (the last cell): workbench.notebook
    starts = [i for i, c in enumerate(cells) if f'notebook.start("{slug}", scale, overrides, results_dir)' in c.source]
    assert starts == [cells.index(tagged[0]) + 1], "the cell after the parameters calls notebook.start once"
    assert [i for i, c in enumerate(cells) if "run.finish(" in c.source] == [len(cells) - 1], "the last cell finishes"


_RUNS: dict[str, tuple[subprocess.CompletedProcess, Path]] = {}


@pytest.fixture(scope="session")
def smoke_run(tmp_path_factory):
    """slug -> (the CLI's completed process, its run folder): `workbench run SLUG --scale smoke`, once."""
    def run(slug):
        if slug in WEB_NOTEBOOKS and BROWSER_MISSING is not None:
            pytest.skip(f"{slug} needs a browser: {BROWSER_MISSING}")
        if slug not in _RUNS:
            out = tmp_path_factory.mktemp(f"smoke-{slug}")
            proc = subprocess.run([sys.executable, "-m", "workbench.cli", "run", slug, "--scale", "smoke",
                                   "--out", str(out)], capture_output=True, text=True, timeout=600)
            _RUNS[slug] = (proc, out / slug)
        return _RUNS[slug]
    return run


@pytest.mark.parametrize("slug", SLUGS)
def test_notebook_runs_at_smoke_scale(slug, smoke_run):
    proc, folder = smoke_run(slug)
    assert proc.returncode == 0, proc.stderr[-3000:]
    data = results.load(folder / "results.json")
    assert data["slug"] == slug and data["scale"] == "smoke"
    assert data["runtime_s"] > 0 and data["metrics"], "a smoke run still measures something"
    for claim in data["claims"]:
        assert isinstance(claim["holds"], bool) and claim["rule"]
    html = (folder / "report.html").read_text()
    assert "Plotly.newPlot" in html, "the report shows at least one figure"
    assert not REMOTE_LOAD.findall(html), "the report loads nothing from the network"


@pytest.mark.parametrize("slug", SLUGS)
def test_every_cell_runs_without_error(slug, smoke_run):
    """nbval's lax check, read from the one execution: each code cell ran, and none raised."""
    proc, folder = smoke_run(slug)
    executed_path = folder / f"{slug}.ipynb"
    assert executed_path.exists(), f"no executed notebook: {proc.stderr[-2000:]}"
    executed = json.loads(executed_path.read_text())
    stored = code_cells(slug)
    ran = [c for c in executed["cells"] if c["cell_type"] == "code"
           and "injected-parameters" not in c.get("metadata", {}).get("tags", [])]
    assert len(ran) == len(stored), "the executed copy has every stored code cell"
    for k, cell in enumerate(ran, 1):
        errors = [o for o in cell.get("outputs", []) if o.get("output_type") == "error"]
        assert not errors, f"code cell {k} raised {errors[0]['ename']}: {errors[0]['evalue']}"
        assert cell.get("execution_count") is not None, f"code cell {k} never ran"
