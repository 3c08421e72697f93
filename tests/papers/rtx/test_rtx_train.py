"""RT-X-mini experiment bookkeeping: which model is evaluated where, and the claims' inputs on known outcomes."""
import numpy as np
import pytest

from workbench import scales
from workbench.papers.rtx import train


def test_plans_cover_the_three_experiments():
    cfg = scales.resolve("rtx", "cpu", {})
    plans = {p.name: p for p in train.plans(cfg)}
    assert set(plans) == {*(f"own/{r}" for r in cfg.robots), "mix/small", "mix/large", "mix/no_panda7"}
    assert plans["own/scara4"].robots == ["scara4"] and ("scara4", "pick_place") in plans["own/scara4"].cells
    assert "panda7" not in plans["mix/no_panda7"].robots and plans["mix/no_panda7"].cells == [("scara4", "pick_place")]
    assert {r for r, _ in plans["mix/large"].cells} == set(cfg.rich_robots) and plans["mix/large"].size == "large"
    # pick_place is evaluated off panda7 only where the emergent-skill experiment needs it
    assert [c for c in plans["mix/small"].cells if c[1] == "pick_place"] == [("panda7", "pick_place"), ("scara4", "pick_place")]


def test_measured_values_pair_models_on_the_same_units():
    cfg = scales.resolve("rtx", "smoke", {"bootstrap": 200})        # panda7 rich, scara4 poor
    ones, zeros = np.ones(4), np.zeros(4)
    half = np.array([1.0, 0.0, 1.0, 0.0])
    evals = {"own/panda7": {("panda7", t): half for t in ("reach", "push", "pick_place")},
             "own/scara4": {("scara4", "reach"): zeros, ("scara4", "push"): zeros, ("scara4", "pick_place"): zeros},
             "mix/small": {**{("panda7", t): zeros for t in ("reach", "push", "pick_place")},
                           ("scara4", "reach"): ones, ("scara4", "push"): half, ("scara4", "pick_place"): half},
             "mix/large": {("panda7", t): ones for t in ("reach", "push", "pick_place")},
             "mix/no_panda7": {("scara4", "pick_place"): zeros}}
    out = {"results": {0: {p: {"eval": e} for p, e in evals.items()}}}
    m = train.measured_values(cfg, out)
    # poor cells: scara4 reach + push -> mix (4 + 2) / 8 = 0.75, own 0
    assert m["mix_poor"].point == pytest.approx(0.75) and m["own_poor"].point == 0
    assert m["own_rich"].point == 0.5 and m["mix_small_rich"].point == 0 and m["mix_large_rich"].point == 1
    assert m["skill_with"].point == 0.5 and m["skill_without"].point == 0
    assert train.success_table(out)["mix/small"]["scara4/push"] == 0.5
    # paired: replicate r resamples the same (cell, episode) units for every model
    diff = np.array(m["mix_poor"].values) - np.array(m["own_poor"].values)
    assert (diff >= 0).all()
