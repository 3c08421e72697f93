"""The bandit: problem constants, labels, a tiny learning run, and cDPO's known optimum."""
import dataclasses

import numpy as np
import pytest

from workbench import WorkbenchError
from workbench.papers.gdpo import analysis as A
from workbench.papers.gdpo import bandit as B
from workbench.papers.gdpo.config import Config


def test_problem_constants():
    r, mu = B.rewards(100), B.data_distribution(100)
    assert r.argmax() == 70 and r.max() == pytest.approx(2.0)
    assert mu.argmax() == 35 and mu.sum() == pytest.approx(1.0)
    # r(50) = 2·exp(−400/450) = 0.8224
    assert r[50] == pytest.approx(2 * np.exp(-400 / 450))
    # E_μ[r] is low: the data sit in the low-reward region (docs/papers/gdpo.md: 0.47)
    assert float(mu @ r) == pytest.approx(0.47, abs=0.02)


def test_win_vector_by_hand():
    # three actions with rewards 0, 1, 1 under uniform μ: the best action beats one and ties two
    win = B.win_vector(np.array([0.0, 1.0, 1.0]), np.ones(3) / 3)
    assert win == pytest.approx([0.5 / 3, (1 + 0.5 + 0.5) / 3, (1 + 0.5 + 0.5) / 3])
    # against itself μ's win rate is exactly ½
    r, mu = B.rewards(100), B.data_distribution(100)
    assert float(mu @ B.win_vector(r, mu)) == pytest.approx(0.5)


def test_pairs_are_ordered_and_bradley_terry():
    d = B.make_pairs(100, 500, temperature=0.5, noise=0.0, seed=1)
    r = B.rewards(100)
    assert np.all(d.p_hat >= 0.5)
    assert d.p_hat == pytest.approx(1 / (1 + np.exp(-(r[d.a1] - r[d.a2]) / 0.5)))
    # the sampled rater agrees with the majority at rate ≈ mean p̂
    assert abs(d.rater_prefers_1.mean() - d.p_hat.mean()) < 0.06


def test_bad_method_name():
    with pytest.raises(WorkbenchError, match="valid"):
        B.parse_method("sigmoid")
    with pytest.raises(WorkbenchError, match="sampled"):
        B.parse_method("dpo-majority")


def test_tiny_run_learns_and_cdpo_fits_target():
    cfg = dataclasses.replace(Config(), bandit_pairs=300, bandit_steps=400, bandit_eval_every=100, bandit_eval_log_points=0)
    sweep = B.train(cfg, methods=["dpo", "cdpo", "gdpo"], settings=[(1.0, 1.0, 0)])
    ref_reward = float(B.data_distribution(100) @ B.rewards(100))
    for m in ("dpo", "gdpo"):
        f = sweep.final(m, 1.0, 1.0)
        assert f["reward"] > ref_reward + 0.5, m       # learns: E[r] rises well above the data's 0.47
        assert f["kl"] > 0.5
    # cDPO's fixed point is π ∝ μ·exp(r/(βT)) (it fits p̂): total variation is small already
    tv = 0.5 * np.abs(sweep.probs_final[1, 0] - B.cdpo_target(100, 1.0, 1.0)).sum()
    assert tv < 0.1
    assert sweep.steps == [0, 100, 200, 300, 400]


def test_zero_gradient_check():
    z = B.zero_gradient_check()
    assert z["geo_grad_at_half_max"] == 0.0 and z["base_grad_at_half_min"] > 0.05


@pytest.mark.parametrize("name", ["adam", "sgd"])
def test_optimizer_matches_torch_step_for_step(name):
    """The per-setting-lr optimiser is torch's Adam / SGD: same iterates on a constructed problem,
    with each setting r at its own lr."""
    import torch
    torch.manual_seed(0)
    target = torch.randn(2, 3, 5, dtype=torch.float64)
    lrs = [0.1, 0.01, 1.0]
    ours = torch.zeros(2, 3, 5, dtype=torch.float64, requires_grad=True)
    opt = B.Optimizer(name, ours, lrs)
    theirs = [torch.zeros(2, 5, dtype=torch.float64, requires_grad=True) for _ in lrs]
    cls = torch.optim.Adam if name == "adam" else torch.optim.SGD
    ref = [cls([p], lr=lr) for p, lr in zip(theirs, lrs)]
    for _ in range(20):
        (g,) = torch.autograd.grad(torch.log(torch.cosh(ours - target)).sum(), ours)
        opt.step(g)
        for r, (p, o) in enumerate(zip(theirs, ref)):
            o.zero_grad()
            torch.log(torch.cosh(p - target[:, r])).sum().backward()
            o.step()
    for r, p in enumerate(theirs):
        assert torch.isfinite(p).all() and torch.allclose(ours[:, r].detach(), p.detach(), atol=1e-10), r
    assert not torch.allclose(ours[:, 0], ours[:, 1])          # the lrs differ, so do the iterates
    with pytest.raises(WorkbenchError, match="adam"):
        B.Optimizer("rmsprop", ours, lrs)


def test_lrs_per_setting_equal_separate_runs_and_seed_views():
    cfg = dataclasses.replace(Config(), bandit_pairs=100, bandit_steps=60, bandit_eval_every=20,
                              bandit_optimizer="sgd")
    settings = [(1.0, 1.0, 0), (1.0, 1.0, 1)]
    both = B.train(cfg, methods=["dpo", "gdpo"], settings=settings * 2, lrs=[10.0, 10.0, 100.0, 100.0])
    for i, lr in enumerate((10.0, 100.0)):
        alone = B.train(dataclasses.replace(cfg, bandit_lr=lr), methods=["dpo", "gdpo"], settings=settings)
        part = both.subset([2 * i, 2 * i + 1])
        assert np.allclose(part.win, alone.win) and np.allclose(part.kl, alone.kl)
    # the larger step moves further from μ
    assert both.subset([2, 3]).final("dpo", 1.0, 1.0)["kl"] > both.subset([0, 1]).final("dpo", 1.0, 1.0)["kl"]
    part = both.subset([0, 1])
    for metric in ("win", "kl", "reward"):
        vals = part.per_seed("gdpo", 1.0, 1.0, metric)
        assert len(vals) == 2 and vals[0] != vals[1]         # different pairs per seed
    assert part.per_seed("gdpo", 1.0, 1.0, "reward_drop") == [0.0, 0.0]   # 60 steps: E[r] still rising
    assert np.mean(part.per_seed("gdpo", 1.0, 1.0, "win")) == pytest.approx(part.final("gdpo", 1.0, 1.0)["win"])
    with pytest.raises(WorkbenchError, match="learning rates"):
        B.train(cfg, methods=["dpo"], settings=settings, lrs=[1.0])


def test_measured_are_seed_samples_and_study_table():
    from workbench.papers.gdpo import analysis as A
    from workbench.results import Samples
    cfg = dataclasses.replace(Config(), bandit_pairs=100, bandit_steps=40, bandit_eval_every=20, bandit_seeds=3,
                              bandit_betas=(1.0,), bandit_temperatures=(0.25, 1.0))
    sweep = B.train(cfg, methods=["dpo", "cdpo", "gdpo"])
    m = A.bandit_measured(sweep, cfg)
    assert isinstance(m["win_gdpo"], Samples) and m["win_gdpo"].kind == "seeds" and len(m["win_gdpo"].values) == 3
    assert m["win_gdpo"].values == tuple(sweep.per_seed("gdpo", 1.0, 1.0, "win"))
    assert m["gain_t1"].values == pytest.approx([g - d for g, d in zip(m["win_gdpo"].values, m["win_dpo"].values)])
    assert len(m["tv_cdpo_target"].values) == 3 and m["geo_grad_at_half_max"] == 0.0
    study = A.optimizer_study(dataclasses.replace(cfg, bandit_study_seeds=1, bandit_study_betas=(1.0,)),
                              grid=[("adam", 0.05), ("sgd", 10.0), ("sgd", 100.0)], methods=("dpo", "cdpo", "gdpo"))
    assert list(zip(study["optimizer"], study["lr"])) == [("adam", 0.05), ("sgd", 10.0), ("sgd", 100.0)]
    assert np.allclose(study["gdpo_minus_dpo"], study["win_gdpo"] - study["win_dpo"])
    assert {"matched_kl_gap", "modest_gain_diff", "gdpo_at_dpo_kl_minus_dpo"} <= set(study.columns)
    assert study["kl_dpo"].iloc[2] > study["kl_dpo"].iloc[1]   # SGD: a 10x step moves further in 40 steps
    assert len(A.optimizer_figure(study).data) == 2 * 4     # 2 optimisers x 1 β x 4 panels (no ROPO run here)


def test_log_spaced_early_evaluations_and_win_at_kl_gap():
    cfg = dataclasses.replace(Config(), bandit_pairs=100, bandit_steps=60, bandit_eval_every=30,
                              bandit_eval_log_points=8, bandit_seeds=1)
    sweep = B.train(cfg, methods=["dpo", "gdpo"], settings=[(1.0, 1.0, 0)])
    assert {0, 1, 30, 60} <= set(sweep.steps) and len(sweep.steps) > 3 and sweep.steps == sorted(sweep.steps)
    gap = A.win_at_kl_gap(sweep, "dpo", "dpo", 1.0, 1.0)   # DPO at its own final KL is its own final win
    assert gap == pytest.approx(0.0, abs=1e-9)
    far = A.win_at_kl_gap(sweep, "gdpo", "dpo", 1.0, 1.0)
    assert far is None or -1.0 <= far <= 1.0
