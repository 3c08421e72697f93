"""RT-X-mini experiment bookkeeping: which model is evaluated where, and the claims' inputs on known outcomes."""
import dataclasses

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
    assert {r for r, _ in plans["mix/large"].cells} == {*cfg.rich_robots, cfg.skill_target}
    assert plans["mix/large"].size == "large" and ("scara4", "pick_place") in plans["mix/large"].cells
    # pick_place is evaluated off panda7 only where the emergent-skill experiment needs it
    assert [c for c in plans["mix/small"].cells if c[1] == "pick_place"] == [("panda7", "pick_place"), ("scara4", "pick_place")]


ONES, ZEROS, HALF = np.ones(4), np.zeros(4), np.array([1.0, 0.0, 1.0, 0.0])


def smoke_evals(mix_scara4_push):
    """Per-episode successes (4 episodes a cell) of every smoke-scale plan for one seed (panda7 rich, scara4
    poor): panda7's own model half, the small mixture 0 on panda7 and 1 on scara4 reach, the large one 1."""
    return {"own/panda7": {("panda7", t): HALF for t in ("reach", "push", "pick_place")},
            "own/scara4": {("scara4", t): ZEROS for t in ("reach", "push", "pick_place")},
            "mix/small": {**{("panda7", t): ZEROS for t in ("reach", "push", "pick_place")},
                          ("scara4", "reach"): ONES, ("scara4", "push"): mix_scara4_push, ("scara4", "pick_place"): HALF},
            "mix/large": {("panda7", t): ONES for t in ("reach", "push", "pick_place")},
            "mix/no_panda7": {("scara4", "pick_place"): ZEROS}}


def test_measured_values_pair_models_on_the_same_units():
    cfg = scales.resolve("rtx", "smoke", {"bootstrap": 200})        # panda7 rich, scara4 poor
    evals = smoke_evals(mix_scara4_push=HALF)
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


def test_extra_seeds_train_only_the_data_poor_experiment():
    cfg = scales.resolve("rtx", "cpu", {"seeds": 1, "poor_seeds": 3})
    by_seed = train.seed_plans(cfg)
    assert list(by_seed) == [0, 1, 2] and len(by_seed[0]) == len(train.plans(cfg))
    extra = {p.name: p for p in by_seed[2]}
    assert set(extra) == {"own/scara4", "own/ur6", "own/planar3", "mix/small"}
    assert {r for r, _ in extra["mix/small"].cells} == set(cfg.poor_robots)      # no rich or skill cells
    assert all(t != "pick_place" for p in extra.values() for _, t in p.cells)
    # poor_seeds below seeds: every seed trains everything
    assert all(len(v) == len(train.plans(cfg)) for v in train.seed_plans(dataclasses.replace(cfg, seeds=2, poor_seeds=1)).values())


def test_measured_values_use_extra_seeds_for_the_poor_claim_only():
    cfg = scales.resolve("rtx", "smoke", {"bootstrap": 200, "poor_seeds": 2})   # panda7 rich, scara4 poor
    seed0 = smoke_evals(mix_scara4_push=ONES)
    seed1 = {"own/scara4": {("scara4", "reach"): ONES, ("scara4", "push"): ONES},
             "mix/small": {("scara4", "reach"): ZEROS, ("scara4", "push"): ZEROS}}
    out = {"results": {0: {p: {"eval": e} for p, e in seed0.items()}, 1: {p: {"eval": e} for p, e in seed1.items()}}}
    m = train.measured_values(cfg, out)
    assert m["mix_poor"].point == 0.5 and m["own_poor"].point == 0.5           # both seeds, 16 units each
    assert len(m["mix_poor"].values) == 200
    assert m["mix_small_rich"].point == 0 and m["own_rich"].point == 0.5      # seed 0 only
    assert m["skill_with"].point == 0.5 and m["skill_without"].point == 0
    # paired: every mix unit is 1 - the own unit beside it, so each replicate's two means sum to 1
    assert np.allclose(np.array(m["mix_poor"].values) + np.array(m["own_poor"].values), 1.0)


class _ToCube:
    """A hand-written policy in the model's interface: step toward the cube (state dims 0-3 ee, 4-7 cube, base
    frame) and close the gripper once there (`close=True`), never moving on to the target."""

    def __init__(self, close: bool, bins: int = 256):
        self.close, self.bins = close, bins

    def __call__(self, text, state, pad):
        import torch

        d = state[:, :, 4:7] - state[:, :, 0:3]
        tokens = torch.zeros(state.shape[:2] + (5,), dtype=torch.long)
        tokens[..., :3] = torch.round((torch.clamp(d / 0.04, -1, 1) + 1) / 2 * (self.bins - 1)).long()
        near = d.norm(dim=-1) < 0.02
        tokens[..., 3] = torch.where(near & self.close, self.bins - 1, 0)
        return torch.nn.functional.one_hot(tokens, self.bins).float()


def test_evaluate_records_grasps_apart_from_success():
    from workbench.papers.rtx import data as D

    norm = D.Normalizer((-0.04,) * 3 + (-1.0, 0.0), (0.04,) * 3 + (1.0, 1.0))
    text = np.zeros(384, np.float32)
    grab = train.evaluate(_ToCube(True), norm, "panda7", "pick_place", 2, 100_000, text, history=2, horizon=0.4)
    reach = train.evaluate(_ToCube(False), norm, "panda7", "pick_place", 2, 100_000, text, history=2, horizon=0.4)
    assert grab["grasped"].tolist() == [1.0, 1.0] and grab["success"].tolist() == [0.0, 0.0]
    assert reach["grasped"].tolist() == [0.0, 0.0]


def test_models_trained_in_two_worker_processes_match_one_process(tmp_path, monkeypatch):
    """run_all with workers=2 trains and evaluates every (seed, plan) in spawned processes: the same losses
    and successes, in the same plan order, as in this process (each run in a cache of its own, so both train)."""
    cfg = scales.resolve("rtx", "smoke", {"train_steps": 4, "eval_episodes": 1, "eval_horizon": 0.1})
    runs = {}
    for workers in (1, 2):
        monkeypatch.setenv("WORKBENCH_CACHE", str(tmp_path / f"w{workers}"))
        runs[workers] = train.run_all(dataclasses.replace(cfg, workers=workers))
    one, two = runs[1]["results"], runs[2]["results"]
    assert list(two) == list(one) and all(list(two[s]) == list(one[s]) for s in one)
    for s in one:
        for plan, entry in one[s].items():
            assert two[s][plan]["train"]["losses"] == pytest.approx(entry["train"]["losses"], rel=1e-5)
            assert {c: v.tolist() for c, v in two[s][plan]["eval"].items()} == \
                {c: v.tolist() for c, v in entry["eval"].items()}
