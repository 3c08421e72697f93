"""Headless execution of a paper notebook with papermill: executed copy, report.html, results.json.

    DIR/<slug>/<slug>.ipynb    the executed notebook (kept when a cell fails, with the error in it)
    DIR/<slug>/report.html     offline report (workbench.report)
    DIR/<slug>/results.json    written by the notebook's last cell; runtime_s set here to the wall time

Parameters are validated against the paper's Config before the kernel starts. The notebook receives
three papermill parameters: `scale`, `overrides` (a dict of typed values) and `results_dir`.
"""
from __future__ import annotations

import json
import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from workbench import WorkbenchError, registry, scales
from workbench.cache import atomic_write_text
from workbench.paths import REPO_ROOT


@dataclass
class Outcome:
    slug: str
    out_dir: Path
    notebook: Path
    report: Path
    results: Path | None
    runtime_s: float


def validate(slug: str, scale: str, pairs: list[str]) -> dict[str, Any]:
    """Check slug, scale and `key=value` pairs; return the typed overrides. Raises WorkbenchError."""
    paper = registry.get(slug)
    module = paper.load_config()
    overrides = scales.parse_overrides(pairs, module.Config)
    scales.apply(module.Config, module.SCALES, scale, overrides)  # every value checked, no work done
    return overrides


def _papermill_value(v: Any) -> Any:
    """papermill writes parameters as Python literals; it knows lists, not tuples."""
    if isinstance(v, tuple):
        return [_papermill_value(x) for x in v]
    if isinstance(v, dict):
        return {k: _papermill_value(x) for k, x in v.items()}
    return v


def execute(notebook: Path, out_dir: Path, parameters: dict[str, Any], name: str) -> tuple[Path, float]:
    """Run `notebook` with papermill into out_dir/<name>.ipynb. On a failing cell raises WorkbenchError
    naming the cell; the executed copy (with the error) is kept."""
    import papermill as pm

    out_dir.mkdir(parents=True, exist_ok=True)
    executed = out_dir / f"{name}.ipynb"
    os.environ["WORKBENCH_HEADLESS"] = "1"  # inherited by the kernel: tqdm instead of live widgets
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")  # XLA prints two lines per cached program otherwise
    t0 = time.time()
    try:
        pm.execute_notebook(str(notebook), str(executed), parameters=_papermill_value(parameters),
                            cwd=str(notebook.parent), progress_bar=False, kernel_name="python3", language="python")
    except pm.PapermillExecutionError as e:
        raise WorkbenchError(f"{name}: cell {e.cell_index} (execution count {e.exec_count}) failed: "
                             f"{e.ename}: {str(e.evalue).splitlines()[0] if e.evalue else ''} "
                             f"-- executed copy kept at {executed}") from None
    return executed, time.time() - t0


def run(slug: str, scale: str = "cpu", pairs: list[str] | None = None, out_dir: str | Path | None = None) -> Outcome:
    """Validate, execute, and render one notebook. Raises WorkbenchError with one clear line."""
    from workbench import report

    overrides = validate(slug, scale, pairs or [])
    paper = registry.get(slug)
    root = Path(out_dir) if out_dir else default_out_dir()
    slug_dir = root / slug
    params = {"scale": scale, "overrides": overrides, "results_dir": str(slug_dir.resolve())}
    results_path = slug_dir / "results.json"
    results_path.unlink(missing_ok=True)  # a stale file from an earlier run must not pass as this one's
    executed = slug_dir / f"{slug}.ipynb"
    try:
        _, runtime_s = execute(paper.notebook, slug_dir, params, slug)
    finally:  # on a failing cell too: the report shows the error where it happened
        if executed.exists():
            report.write_report(executed, slug_dir / "report.html", title=paper.title)
    if not results_path.exists():
        raise WorkbenchError(f"{slug}: the notebook finished but wrote no results.json in {slug_dir}")
    data = json.loads(results_path.read_text())
    data["runtime_s"] = round(runtime_s, 1)
    atomic_write_text(results_path, json.dumps(data, indent=2))
    return Outcome(slug, slug_dir, executed, slug_dir / "report.html", results_path, runtime_s)


def default_out_dir() -> Path:
    return REPO_ROOT / "runs" / time.strftime("%Y%m%d-%H%M%S")
