"""The bandit: problem constants, labels, a tiny learning run, and cDPO's known optimum."""
import dataclasses

import numpy as np
import pytest

from workbench import WorkbenchError
from workbench.papers.gdpo import bandit as B
from workbench.papers.gdpo.config import Config


def test_problem_constants():
    r, mu = B.rewards(100), B.data_distribution(100)
    assert r.argmax() == 70 and r.max() == pytest.approx(2.0)
    assert mu.argmax() == 35 and mu.sum() == pytest.approx(1.0)
    # r(50) = 2·exp(−400/450) = 0.8224
    assert r[50] == pytest.approx(2 * np.exp(-400 / 450))
    # E_μ[r] is low: the data sit in the low-reward region (brief: 0.47)
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
    cfg = dataclasses.replace(Config(), bandit_pairs=300, bandit_steps=400, bandit_eval_every=100)
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
