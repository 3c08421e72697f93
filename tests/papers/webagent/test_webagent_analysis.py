"""Claim quantities from constructed measurements whose answer is known."""
import numpy as np
import pytest

from workbench.papers.webagent.analysis import measured_samples, speedups
from workbench.papers.webagent.claims import CLAIMS
from workbench.papers.webagent.train import correct
from workbench.papers.webagent.data import Example
from workbench.results import judge_rule

SPEED = [{"length": 1024, "attention": "tglobal", "time_s": [1.0, 2.0]},
         {"length": 1024, "attention": "dense", "time_s": [1.5, 2.0]},
         {"length": 4096, "attention": "tglobal", "time_s": [4.0, 4.0]},
         {"length": 4096, "attention": "dense", "time_s": [16.0, 12.0]}]


def test_speedups_per_repeat():
    # 1024: 1.5/1.0 = 1.5 and 2.0/2.0 = 1.0; 4096: 16/4 = 4 and 12/4 = 3
    assert speedups(SPEED) == {1024: [1.5, 1.0], 4096: [4.0, 3.0]}
    m = measured_samples(speed_rows=SPEED)
    assert m["speedup_min"].values == (1.5, 1.0) and m["speedup_longest"].values == (4.0, 3.0)
    # the second repeat ties at 1024 (ratio 1.0): "speedup_min > 1" is then not evidence
    assert judge_rule(CLAIMS[1].rule, m)["verdict"] != "holds"


def test_claims_from_paired_units():
    ones, zeros = np.ones(40), np.zeros(40)
    acc = {"long": {"plan": (ones, []), "snippet": (ones, [])}, "short": {"plan": (zeros, []), "snippet": (zeros, [])}}
    rows = [{"page": "p", "seed": s, "agent": a, "success": a == "modular"} for s in range(20) for a in ("modular", "single")]
    m = measured_samples(acc, rows)
    assert judge_rule(CLAIMS[0].rule, m)["verdict"] == "holds"
    assert judge_rule(CLAIMS[2].rule, m)["verdict"] == "holds"
    flipped = [dict(r, success=not r["success"]) for r in rows]
    assert judge_rule(CLAIMS[2].rule, measured_samples(live_rows=flipped))["verdict"] == "fails"


def test_exact_match_scoring():
    ex = Example("t", 0, 0, "Click ok", (), (), "<p>", 'click button "ok"', (7, 3), "", "click(7)")
    got = correct("snippet", ["3 7", "7", "x 7 3 3"], [ex] * 3)
    assert got.tolist() == [1.0, 0.0, 1.0]
    assert correct("plan", ['click  button "ok" ', 'click button "no"'], [ex] * 2).tolist() == [1.0, 0.0]
    with pytest.raises(Exception):
        correct("nope", ["x"], [ex])
