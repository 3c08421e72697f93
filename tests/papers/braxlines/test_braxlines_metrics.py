"""Braxlines metrics on distributions with known answers."""
import math

import numpy as np
import pytest

from workbench.papers.braxlines import metrics as M


def test_mi_of_quadrant_labels_is_log4():
    rng = np.random.default_rng(0)
    s = rng.uniform(-4, 4, (20000, 2))
    z = (s[:, 0] > 0) * 2 + (s[:, 1] > 0)            # the label is the quadrant: s determines z
    out = M.binned_mi(s, z, bins=20, box=4.0)       # bin edges include 0, so quadrants never share a bin
    assert out["mi"] == pytest.approx(math.log(4), abs=0.02)
    assert out["h_s"] == pytest.approx(math.log(400), abs=0.05)  # uniform over 20 x 20 bins
    assert out["h_s_given_z"] == pytest.approx(math.log(100), abs=0.05)


def test_mi_of_independent_labels_is_near_zero():
    rng = np.random.default_rng(1)
    s = rng.normal(0, 1, (50000, 2))
    z = rng.integers(0, 8, 50000)
    assert 0 <= M.binned_mi(s, z, bins=10, box=3.0)["mi"] < 0.01


def test_energy_distance_known_values():
    rng = np.random.default_rng(2)
    x = rng.normal(0, 1, (400, 2))
    assert M.energy_distance(x, x) == pytest.approx(0.0, abs=1e-9)
    # point masses at 0 and at a: 2|a| - 0 - 0
    assert M.energy_distance(np.zeros((3, 2)), np.tile([3.0, 4.0], (5, 1))) == pytest.approx(10.0)
    near, far = rng.normal(0.2, 1, (400, 2)), rng.normal(3.0, 1, (400, 2))
    assert 0 <= M.energy_distance(x, near) < M.energy_distance(x, far)


def test_goal_distance_is_rms():
    final = np.array([[0.0, 0.0], [3.0, 4.0]])
    goals = np.zeros((2, 2))
    assert M.goal_distance(final, goals) == pytest.approx(math.sqrt((0 + 25) / 2))


def test_one_mode_policy_scores_worse_than_a_centred_cloud():
    """The DMin diagnosis rests on this property of energy distance: covering one of two modes exactly is
    worse than a diffuse cloud between them."""
    from workbench.papers.braxlines.train import mode_balance, one_mode_energy
    rng = np.random.default_rng(0)
    target = np.array([[4.0, 0.0], [-4.0, 0.0]])[rng.integers(0, 2, 400)] + 0.8 * rng.normal(size=(400, 2))
    cloud = rng.normal(size=(400, 2))
    assert one_mode_energy(target) > M.energy_distance(cloud, target) + 1.0
    assert mode_balance(target) == pytest.approx(0.5, abs=0.06)
    assert mode_balance(target[target[:, 0] > 0]) == 1.0


def test_episode_resample_metrics_equal_the_pooled_computation():
    """The bootstrap's fast statistics give exactly what pooling the resampled episodes gives."""
    rng = np.random.default_rng(1)
    episodes, labels = rng.normal(size=(12, 5, 2)) * 2, np.repeat(np.arange(3), 4)
    target = rng.normal(size=(30, 2)) + 1
    idx = rng.integers(0, 12, 12)
    pooled = episodes[idx].reshape(-1, 2)
    assert M.energy_by_episode(episodes, target)(idx) == pytest.approx(M.energy_distance(pooled, target), rel=1e-9)
    mi = M.binned_mi(pooled, np.repeat(labels[idx], 5), bins=6, box=4.0)["mi"]
    assert M.mi_by_episode(episodes, labels, bins=6, box=4.0)(idx) == pytest.approx(mi, rel=1e-9)
