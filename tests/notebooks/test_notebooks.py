"""Every notebook in notebooks/: stored thin and without outputs, and runs at smoke scale headless
through the real CLI, writing an executed copy, an offline report and a valid results.json.
(nbval runs over the same notebooks at smoke scale: see scripts/prepare_nbval.py and the Makefile.)"""
import json
import re
import subprocess
import sys

import nbformat
import pytest

from workbench import registry, results

SLUGS = [p.slug for p in registry.available()]
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


@pytest.mark.parametrize("slug", SLUGS)
def test_notebook_runs_at_smoke_scale(slug, tmp_path):
    out = subprocess.run([sys.executable, "-m", "workbench.cli", "run", slug, "--scale", "smoke", "--out", str(tmp_path)],
                         capture_output=True, text=True, timeout=600)
    assert out.returncode == 0, out.stderr[-3000:]
    data = results.load(tmp_path / slug / "results.json")
    assert data["slug"] == slug and data["scale"] == "smoke"
    assert data["runtime_s"] > 0 and data["metrics"], "a smoke run still measures something"
    for claim in data["claims"]:
        assert isinstance(claim["holds"], bool) and claim["rule"]
    executed = json.loads((tmp_path / slug / f"{slug}.ipynb").read_text())
    errors = [o for c in executed["cells"] for o in c.get("outputs", []) if o.get("output_type") == "error"]
    assert not errors
    html = (tmp_path / slug / "report.html").read_text()
    assert "Plotly.newPlot" in html, "the report shows at least one figure"
    assert not REMOTE_LOAD.findall(html), "the report loads nothing from the network"
