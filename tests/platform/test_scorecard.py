"""The scorecard over a run folder and over a sweep folder: verdict counts, intervals, plots, failures."""
import json
import re

import numpy as np
import pytest

from workbench import report
from workbench.results import Claim, Results, bootstrap

CLAIMS = [Claim("a-beats-b", paper="A beats B", rule="acc_a > acc_b"),
          Claim("a-high", paper="A is near perfect", rule="acc_a >= 0.99")]


def _write_run(folder, seed, p, acc_a, acc_b):
    res = Results("grokking", {"p": p, "seed": seed, "lr": 0.001}, "cpu")
    res.judge(CLAIMS, {"acc_a": acc_a, "acc_b": acc_b})
    res.write(folder)


@pytest.fixture
def sweep_dir(tmp_path):
    """grokking swept over p (two values) x 3 seeds in the sweep layout, plus one failed point."""
    # p=59: A clearly above B in every seed; p=97: the order flips between seeds
    values = {59: [(0.90, 0.50), (0.85, 0.55), (0.88, 0.52)], 97: [(0.60, 0.50), (0.40, 0.55), (0.58, 0.50)]}
    for p, seeds in values.items():
        for seed, (a, b) in enumerate(seeds):
            _write_run(tmp_path / f"seed={seed},p={p}" / "grokking", seed, p, a, b)
    failed = tmp_path / "seed=0,p=3" / "grokking"
    failed.mkdir(parents=True)
    (failed / "run.log").write_text("workbench: error: boom\n")
    (tmp_path / "sweep.json").write_text(json.dumps({"points": [
        {"slug": "grokking", "point": "seed=0,p=3", "dir": "seed=0,p=3/grokking", "status": "failed",
         "error": "cell 5 failed: ValueError: boom"}]}))
    return tmp_path


def _rows(page):
    return re.findall(r'<tr class="(holds|fails|inconclusive)"><td>([^<]*)</td><td>([^<]*)</td>', page)


def test_sweep_scorecard_judges_over_seeds(sweep_dir):
    page = report.write_scorecard(sweep_dir).read_text()
    # 2 settings x 2 claims: p=59 a-beats-b holds over 3 seeds; p=97 is inside the seed noise;
    # a-high fails at p=59 (0.85-0.90 < 0.99 in every seed) and at p=97
    assert sorted(_rows(page)) == [("fails", "grokking (p=59)", "a-high"), ("fails", "grokking (p=97)", "a-high"),
                                   ("holds", "grokking (p=59)", "a-beats-b"),
                                   ("inconclusive", "grokking (p=97)", "a-beats-b")]
    assert "1 hold, 2 fail, 1 inconclusive" in page
    assert "acc_a = 0.8767 [0.85, 0.9]" in page          # mean over seeds [seed-resample interval]
    assert page.count("Plotly.newPlot") == 2              # one figure per claim for the swept parameter p
    assert "grokking: a-beats-b against p" in page and "seed 2</a>" in page
    assert "cell 5 failed: ValueError: boom" in page and "seed=0,p=3/grokking/run.log" in page


def test_run_folder_keeps_each_runs_own_verdicts(tmp_path):
    a = (np.random.default_rng(1).random(300) < 0.8).astype(float)
    b = (np.random.default_rng(2).random(300) < 0.4).astype(float)
    res = Results("gdpo", {"seed": 0}, "cpu")
    res.judge(CLAIMS, {"acc_a": bootstrap(a), "acc_b": bootstrap(b)})
    res.write(tmp_path / "gdpo")
    _write_run(tmp_path / "grokking", 0, 59, 0.995, 0.5)
    page = report.write_scorecard(tmp_path).read_text()
    assert sorted(_rows(page)) == [("fails", "gdpo", "a-high"), ("holds", "gdpo", "a-beats-b"),
                                   ("holds", "grokking", "a-beats-b"), ("holds", "grokking", "a-high")]
    assert "3 hold, 1 fail, 0 inconclusive" in page
    assert re.search(r"acc_a = 0\.8133 \[0\.7699, 0\.8567\]", page)   # the run's bootstrap interval
    assert "Plotly.newPlot" not in page and "no noise measured" in page


def test_old_results_without_verdicts_still_render(tmp_path):
    (tmp_path / "x").mkdir()
    (tmp_path / "x" / "results.json").write_text(json.dumps({
        "slug": "x", "scale": "cpu", "seed": 0, "params": {}, "runtime_s": 1.0, "versions": {}, "metrics": {},
        "claims": [{"id": "c", "paper": "p", "rule": "a > 1", "note": "", "measured": {"a": 2}, "holds": True}]}))
    page = report.write_scorecard(tmp_path).read_text()
    assert _rows(page) == [("holds", "x", "c")] and "1 hold, 0 fail, 0 inconclusive" in page
