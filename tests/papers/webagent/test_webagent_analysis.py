"""Claim quantities from constructed measurements whose answer is known."""
import numpy as np
import pytest

from workbench.papers.webagent.analysis import measured_samples, speedups
from workbench.papers.webagent.claims import CLAIMS
from workbench.papers.webagent.train import correct
from workbench.papers.webagent.data import Example
from workbench.results import judge_rule

RULES = {c.id: c.rule for c in CLAIMS}
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
    assert judge_rule(RULES["tglobal-faster"], m)["verdict"] != "holds"


class _Arm:
    def __init__(self, plan: float, snippet: float):
        self.acc = {"plan": (np.full(40, plan), []), "snippet": (np.full(40, snippet), [])}


def test_claims_from_paired_units():
    # three pre-training seeds; long beats short and dense on every seed
    arms = {(a, s): _Arm(*v) for s in range(3) for a, v in (("long", (0.5 + 0.1 * s, 0.6)), ("short", (0.2, 0.3)),
                                                            ("dense", (0.1, 0.1 + 0.1 * s)))}
    rows = [{"page": "p", "seed": s, "agent": a, "success": a == "modular"} for s in range(20) for a in ("modular", "single")]
    m = measured_samples(arms, rows)
    assert m["plan_long"].kind == "seeds" and m["plan_long"].values == (0.5, 0.6, 0.7)
    assert m["plan_tglobal"] == m["plan_long"]
    assert judge_rule(RULES["long-span-beats-short"], m)["verdict"] == "holds"
    assert judge_rule(RULES["tglobal-reads-html-at-least-as-well"], m)["verdict"] == "holds"
    assert judge_rule(RULES["modular-at-least-single"], m)["verdict"] == "holds"
    flipped = [dict(r, success=not r["success"]) for r in rows]
    assert judge_rule(RULES["modular-at-least-single"], measured_samples(live_rows=flipped))["verdict"] == "fails"


def test_one_seed_against_the_rest_is_not_evidence():
    # long beats short on two seeds and loses on the third: resampled as seeds, the claim cannot hold
    arms = {("long", 0): _Arm(0.5, 0.5), ("long", 1): _Arm(0.5, 0.5), ("long", 2): _Arm(0.1, 0.1),
            ("short", 0): _Arm(0.3, 0.3), ("short", 1): _Arm(0.3, 0.3), ("short", 2): _Arm(0.45, 0.45)}
    assert judge_rule(RULES["long-span-beats-short"], measured_samples(arms))["verdict"] != "holds"


def test_exact_match_scoring():
    ex = Example("t", 0, 0, "Click ok", (), (), "<p>", 'click button "ok"', (7, 3), "", "click(7)")
    got = correct("snippet", ["3 7", "7", "x 7 3 3"], [ex] * 3)
    assert got.tolist() == [1.0, 0.0, 1.0]
    assert correct("plan", ['click  button "ok" ', 'click button "no"'], [ex] * 2).tolist() == [1.0, 0.0]
    with pytest.raises(Exception):
        correct("nope", ["x"], [ex])
