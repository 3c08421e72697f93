"""RT-X-mini experiment bookkeeping: which model is evaluated where, and the claims' inputs on known outcomes."""
import dataclasses

import numpy as np
import pytest

from workbench import scales
from workbench.papers.rtx import train


def test_plans_cover_the_three_experiments():
    cfg = scales.resolve("rtx", "cpu", {})
    plans = {p.name: p for p in train.plans(cfg)}
    assert set(plans) == {*(f"own/{r}" for r in cfg.robots), "mix/small", "mix/large", "mix/no_panda7",
                          "mix/small-epochs", "mix/no_panda7-epochs", "mix/history2", "mix/history1"}
    assert plans["own/scara4"].robots == ["scara4"] and ("scara4", "pick_place") in plans["own/scara4"].cells
    assert "panda7" not in plans["mix/no_panda7"].robots and plans["mix/no_panda7"].cells == [("scara4", "pick_place")]
    assert {r for r, _ in plans["mix/large"].cells} == {*cfg.rich_robots, cfg.skill_target}
    assert plans["mix/large"].size == "large" and ("scara4", "pick_place") in plans["mix/large"].cells
    # pick_place is evaluated off panda7 only where the emergent-skill experiment needs it
    assert [c for c in plans["mix/small"].cells if c[1] == "pick_place"] == [("panda7", "pick_place"), ("scara4", "pick_place")]
    # matched epochs: the mixture and its counterpart without the source robot; every other plan trains train_steps
    assert {p for p, v in plans.items() if v.matched_epochs} == {"mix/small-epochs", "mix/no_panda7-epochs"}
    assert "panda7" not in plans["mix/no_panda7-epochs"].robots
    assert [c for c in plans["mix/small-epochs"].cells if c[1] == "pick_place"] == [("panda7", "pick_place"), ("scara4", "pick_place")]
    # the history ablation: the same small mixture with 2 steps and 1 step, on every robot's own cells
    assert (plans["mix/history2"].history, plans["mix/history1"].history, plans["mix/small"].history) == (2, 1, None)
    assert plans["mix/history1"].cells == plans["mix/history2"].cells == \
        [c for c in plans["mix/small"].cells if c != ("scara4", "pick_place")]
    assert train.model_config(cfg, "small", 1).history == 1 and train.model_config(cfg, "small").history == cfg.history


def test_matched_steps_give_every_rich_robot_its_own_models_epochs():
    from workbench.papers.rtx import data as D

    cfg = scales.resolve("rtx", "cpu", {"train_steps": 100, "mixture_temperature": 1.0})
    frames = {"panda7": 400, "widow5": 200, "kuka7": 200, "scara4": 100, "ur6": 50, "planar3": 50}   # 1000 in all
    data = {r: D.RobotData(r, np.zeros((n, 17)), np.zeros((n, 5)), np.ones(n, bool), np.zeros(n, int),
                           np.zeros(n, int), ["x"], D.Normalizer((-1,) * 5, (1,) * 5)) for r, n in frames.items()}
    # temperature 1: weights are frame shares; the smallest rich share is 0.2 -> 100 / 0.2 steps
    assert train.matched_steps(cfg, data) == 500
    steps = train.matched_steps(cfg, data)
    weights = D.mixture_weights(frames, 1.0)
    assert all(steps * weights[r] >= cfg.train_steps for r in cfg.rich_robots)
    assert weights["widow5"] * steps == pytest.approx(cfg.train_steps)


ONES, ZEROS, HALF = np.ones(4), np.zeros(4), np.array([1.0, 0.0, 1.0, 0.0])


def smoke_evals(mix_scara4_push, epochs_panda7_place=ZEROS):
    """Per-episode successes (4 episodes a cell) of every smoke-scale plan for one seed (panda7 rich, scara4
    poor): panda7's own model half, the small mixture 0 on panda7 and 1 on scara4 reach, the large one 1; the
    epoch-matched mixture 1 on panda7 reach and push, `epochs_panda7_place` on its pick_place, half on scara4's;
    the 2-step history mixture 1 everywhere, the 1-step one 0."""
    own_cells = [("panda7", t) for t in ("reach", "push", "pick_place")] + [("scara4", t) for t in ("reach", "push")]
    return {"own/panda7": {("panda7", t): HALF for t in ("reach", "push", "pick_place")},
            "own/scara4": {("scara4", t): ZEROS for t in ("reach", "push", "pick_place")},
            "mix/small": {**{("panda7", t): ZEROS for t in ("reach", "push", "pick_place")},
                          ("scara4", "reach"): ONES, ("scara4", "push"): mix_scara4_push, ("scara4", "pick_place"): HALF},
            "mix/large": {("panda7", t): ONES for t in ("reach", "push", "pick_place")},
            "mix/no_panda7": {("scara4", "pick_place"): ZEROS},
            "mix/small-epochs": {("panda7", "reach"): ONES, ("panda7", "push"): ONES,
                                 ("panda7", "pick_place"): epochs_panda7_place, ("scara4", "pick_place"): HALF},
            "mix/no_panda7-epochs": {("scara4", "pick_place"): ZEROS},
            "mix/history2": {c: ONES for c in own_cells}, "mix/history1": {c: ZEROS for c in own_cells}}


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


def test_extra_seeds_train_only_the_seed_resampled_experiments():
    cfg = scales.resolve("rtx", "cpu", {"seeds": 1, "poor_seeds": 3, "rich_seeds": 2})
    by_seed = train.seed_plans(cfg)
    assert list(by_seed) == [0, 1, 2] and len(by_seed[0]) == len(train.plans(cfg))
    seed1 = {p.name: p for p in by_seed[1]}
    assert set(seed1) == {*(f"own/{r}" for r in cfg.robots), "mix/small", "mix/small-epochs"}
    assert {r for r, _ in seed1["mix/small"].cells} == set(cfg.poor_robots)      # no rich or skill cells
    assert {r for r, _ in seed1["mix/small-epochs"].cells} == set(cfg.rich_robots) and seed1["mix/small-epochs"].matched_epochs
    extra = {p.name: p for p in by_seed[2]}                                      # past rich_seeds: the poor experiment
    assert set(extra) == {"own/scara4", "own/ur6", "own/planar3", "mix/small"}
    assert all(t != "pick_place" for p in extra.values() for _, t in p.cells)
    assert [p.name for p in train.seed_plans(dataclasses.replace(cfg, poor_seeds=1, rich_seeds=3))[2]] == \
        ["own/panda7", "own/widow5", "own/kuka7", "mix/small-epochs"]
    # poor_seeds and rich_seeds below seeds: every seed trains everything
    assert all(len(v) == len(train.plans(cfg)) for v in train.seed_plans(
        dataclasses.replace(cfg, seeds=2, poor_seeds=1, rich_seeds=1)).values())


def test_measured_values_use_extra_seeds_for_the_seed_claims_only():
    cfg = scales.resolve("rtx", "smoke", {"bootstrap": 200, "poor_seeds": 2, "rich_seeds": 2})  # panda7 rich, scara4 poor
    seed0 = smoke_evals(mix_scara4_push=ONES)
    seed1 = {"own/scara4": {("scara4", "reach"): ONES, ("scara4", "push"): ONES},
             "mix/small": {("scara4", "reach"): ZEROS, ("scara4", "push"): ZEROS},
             "own/panda7": {("panda7", t): ONES for t in ("reach", "push", "pick_place")},
             "mix/small-epochs": {("panda7", t): ZEROS for t in ("reach", "push", "pick_place")}}
    out = {"results": {0: {p: {"eval": e} for p, e in seed0.items()}, 1: {p: {"eval": e} for p, e in seed1.items()}}}
    m = train.measured_values(cfg, out)
    assert m["mix_poor"].point == 0.5 and m["own_poor"].point == 0.5           # both seeds, 16 units each
    assert len(m["mix_poor"].values) == 200
    assert m["mix_small_rich"].point == 0 and m["own_rich"].point == 0.5      # seed 0 only
    assert m["skill_with"].point == 0.5 and m["skill_without"].point == 0
    # paired: every mix unit is 1 - the own unit beside it, so each replicate's two means sum to 1
    assert np.allclose(np.array(m["mix_poor"].values) + np.array(m["own_poor"].values), 1.0)
    # by seed: one value per seed, resampled as seeds (not bootstrap replicates)
    assert m["mix_poor_by_seed"].kind == "seeds" and m["mix_poor_by_seed"].values == (1.0, 0.0)
    assert m["own_poor_by_seed"].values == (0.0, 1.0)
    # seed 0: the epoch-matched mixture 1, 1, 0 on panda7's cells, own 1/2 each; seed 1: 0 against 1
    assert m["mix_epochs_rich_by_seed"].values == pytest.approx((2 / 3, 0.0))
    assert m["own_rich_by_seed"].values == (0.5, 1.0)
    # the history ablation: seed 0 only, every own cell
    assert m["mix_history_long"].point == 1 and m["mix_history_one"].point == 0


def test_seed_claims_weigh_a_reversing_seed():
    """Three seeds, the mixture ahead in two and behind in one: resampled as seeds the claim does not hold (7 in
    27 seed draws hold the reversing seed twice or more), where pooling the same episodes into one bootstrap (the
    first claim's construction) reads it as holding."""
    from workbench.papers.rtx.claims import CLAIMS

    cfg = scales.resolve("rtx", "smoke", {"bootstrap": 500, "poor_seeds": 3})
    one, zero = np.ones(12), np.zeros(12)
    poor = {0: (one, zero), 1: (one, zero), 2: (zero, one)}      # seed: (mixture, own) on each poor cell
    results = {s: {"own/scara4": {"eval": {("scara4", t): own for t in ("reach", "push")}},
                   "mix/small": {"eval": {("scara4", t): mix for t in ("reach", "push")}}} for s, (mix, own) in poor.items()}
    for p, e in smoke_evals(ONES).items():              # seed 0 also trains the other plans
        results[0].setdefault(p, {"eval": {}})["eval"] = {**e, **results[0].get(p, {}).get("eval", {})}
    out = {"results": results}
    m = train.measured_values(cfg, out)
    judged = {c.id: c.judge(m) for c in CLAIMS}
    assert judged["mixture-helps-poor"]["verdict"] == "holds"
    assert judged["mixture-helps-poor-by-seed"]["verdict"] != "holds"
    assert judged["mixture-helps-poor-by-seed"]["noise"]["mix_poor_by_seed"] == "3 seeds"


def test_emergent_gate_judges_transfer_only_once_the_mixture_does_the_skill_on_its_source():
    cfg = scales.resolve("rtx", "smoke", {"bootstrap": 100})
    for place, passed in ((ZEROS, False), (np.array([1.0, 0.0, 0.0, 0.0]), False), (HALF, True), (ONES, True)):
        out = {"results": {0: {p: {"eval": e} for p, e in smoke_evals(ONES, epochs_panda7_place=place).items()}}}
        ok, reason = train.emergent_gate(cfg, out)
        m = train.measured_values(cfg, out)
        assert ok == passed and ("transfer is judged" in reason) == passed and "panda7" in reason
        assert ("skill_with_epochs" in m) == passed and ("skill_without_epochs" in m) == passed
        if passed:
            assert m["skill_with_epochs"].point == 0.5 and m["skill_without_epochs"].point == 0
    # left unmeasured, the claim is inconclusive and says what is missing
    from workbench.papers.rtx.claims import CLAIMS

    claim = next(c for c in CLAIMS if c.id == "emergent-skill-matched-epochs")
    assert claim.judge(m if passed else {})["verdict"] in ("holds", "inconclusive")
    assert "not measured" in claim.judge({})["reason"]


def test_by_seed_table_lists_each_seed_and_group():
    cfg = scales.resolve("rtx", "smoke", {"poor_seeds": 2, "rich_seeds": 2})
    seed1 = {"own/scara4": {("scara4", "reach"): ONES, ("scara4", "push"): ONES},
             "mix/small": {("scara4", "reach"): ZEROS, ("scara4", "push"): ZEROS}}
    out = {"results": {0: {p: {"eval": e} for p, e in smoke_evals(ONES).items()}, 1: {p: {"eval": e} for p, e in seed1.items()}}}
    df = train.by_seed_table(cfg, out)
    assert df[["seed", "robots"]].values.tolist() == [[0, "poor"], [0, "rich"], [1, "poor"]]
    assert df["mix"].tolist() == pytest.approx([1.0, 2 / 3, 0.0]) and df["own"].tolist() == [0.0, 0.5, 1.0]


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
