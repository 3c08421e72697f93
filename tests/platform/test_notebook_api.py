"""workbench.notebook: start resolves the Config once and starts the clock; finish judges (never at smoke
scale), writes results.json atomically with runtime_s from start to finish, and returns what to show."""
import json
import time

import pandas as pd
import pytest

from workbench import WorkbenchError, notebook
from workbench.paths import RUNS_DIR
from workbench.results import Claim

CLAIMS = [Claim("bigger", paper="a exceeds one", rule="a > 1"), Claim("small", paper="b is small", rule="b < 0")]


@pytest.fixture(autouse=True)
def own_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("WORKBENCH_CACHE", str(tmp_path / "cache"))


def test_start_resolves_the_config_with_its_scale(tmp_path):
    run = notebook.start("grokking", "smoke", {"p": 29}, tmp_path / "res")
    assert (run.slug, run.scale, run.cfg.scale, run.cfg.p) == ("grokking", "smoke", "smoke", 29)
    assert run.cfg.steps == 1500  # the smoke scale's own value
    assert run.results_dir == tmp_path / "res" and run.results_dir.is_dir()
    assert notebook.start("grokking", "cpu", {}, "").results_dir == RUNS_DIR / "lab" / "grokking"


def test_finish_at_smoke_scale_judges_nothing_and_says_so(tmp_path):
    run = notebook.start("grokking", "smoke", {}, tmp_path)
    time.sleep(0.3)
    shown = run.finish(CLAIMS, {"a": 2, "b": 1}, steps_done=7)
    data = json.loads((tmp_path / "results.json").read_text())
    assert data["scale"] == "smoke" and data["claims"] == [] and data["metrics"] == {"steps_done": 7}
    assert data["runtime_s"] >= 0.3  # from start(), not from the last cell
    assert run.path == tmp_path / "results.json"
    assert "No claim is judged at smoke scale" in repr(shown) and "smoke" in shown._repr_markdown_()


def test_finish_at_cpu_scale_judges_every_claim(tmp_path):
    run = notebook.start("grokking", "cpu", {}, tmp_path)
    shown = run.finish(CLAIMS, {"a": 2, "b": 1})
    claims = json.loads((tmp_path / "results.json").read_text())["claims"]
    assert [(c["id"], c["rule"], c["holds"]) for c in claims] == [("bigger", "a > 1", True), ("small", "b < 0", False)]
    assert isinstance(shown, pd.DataFrame) and len(shown) == 2
    assert not list(tmp_path.glob(".*tmp"))  # the atomic write left no temporary file


@pytest.mark.parametrize("overrides, message", [
    ({"d_model": 0}, "d_model=0"), ({"nosuch": 1}, "unknown parameter 'nosuch'"), ({"scale": "paper"}, "--scale"),
])
def test_start_rejects_bad_parameters_in_one_line(tmp_path, overrides, message):
    with pytest.raises(WorkbenchError, match=message) as e:
        notebook.start("grokking", "cpu", overrides, tmp_path)
    assert "\n" not in str(e.value)


def test_start_rejects_an_unwritable_results_dir_before_any_work(tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    with pytest.raises(WorkbenchError, match="results_dir"):
        notebook.start("grokking", "cpu", {}, blocker / "res")
