"""RT-X-mini data: standardisation, normalisation and bins, mixture weights, success detection."""
import math

import numpy as np
import pytest

from workbench import WorkbenchError
from workbench.papers.rtx import data as D
from workbench.sim import arms


def test_bins_invert_within_half_a_bin_and_hit_the_ends():
    rng = np.random.default_rng(0)
    a = np.c_[rng.normal(0, 0.02, (500, 3)), rng.choice([-1.0, 1.0], 500), rng.integers(0, 2, 500)]
    valid = np.ones(500, bool)
    norm = D.Normalizer.fit(a, valid, bins=256, quantile=1.0)
    tokens = norm.tokenize(a)
    assert tokens.min() >= 0 and tokens.max() <= 255
    # gripper -1/+1 and terminate 0/1 have fixed ranges: they land on the first and last bins
    assert set(tokens[:, 3]) == {0, 255} and set(tokens[:, 4]) == {0, 255}
    inside = (a[:, :3] >= np.array(norm.lo[:3])) & (a[:, :3] <= np.array(norm.hi[:3]))
    width = (np.array(norm.hi) - np.array(norm.lo)) / 255           # one bin in action units
    err = np.abs(norm.detokenize(tokens) - a)
    assert (err[:, :3][inside] <= (width[:3] / 2 + 1e-9).repeat(500).reshape(3, 500).T[inside]).all()
    # outside p1-p99 the value is clipped to the end bin
    assert (tokens[:, :3][~inside] % 255 == 0).all() and (~inside).sum() > 0


def test_normalizer_by_hand():
    # lo = -0.1, hi = 0.3: x = 0.1 is the middle, 2 * (0.1 + 0.1) / 0.4 - 1 = 0 -> token round(0.5 * 255) = 128
    norm = D.Normalizer((-0.1, -0.1, -0.1, -1.0, 0.0), (0.3, 0.3, 0.3, 1.0, 1.0), bins=256)
    assert norm.normalize(np.array([0.1, -0.1, 0.3, 0.0, 1.0])).tolist() == pytest.approx([0, -1, 1, 0, 1])
    assert norm.tokenize(np.array([0.1, -0.1, 0.3, 0.0, 1.0])).tolist() == [128, 0, 255, 128, 255]
    assert norm.normalize(np.array([9.0, -9.0, 0, 0, 0]))[:2].tolist() == [1.0, -1.0]


def test_mixture_weights_and_sampler_frequencies():
    # sizes 900 and 100 at temperature 0.5: weights 30 : 10 -> 0.75 / 0.25; at 1: 0.9 / 0.1; at 0: 1/2 each
    assert D.mixture_weights({"a": 900, "b": 100}, 0.5) == pytest.approx({"a": 0.75, "b": 0.25})
    assert D.mixture_weights({"a": 900, "b": 100}, 1.0) == pytest.approx({"a": 0.9, "b": 0.1})
    assert D.mixture_weights({"a": 900, "b": 100}, 0.0) == pytest.approx({"a": 0.5, "b": 0.5})
    with pytest.raises(WorkbenchError, match="non-empty"):
        D.mixture_weights({"a": 0}, 1.0)
    rng = np.random.default_rng(0)
    idx = D.sample_mixture(rng, np.array([0, 900]), np.array([900, 100]), np.array([0.75, 0.25]), 40_000)
    assert idx.min() >= 0 and idx.max() < 1000
    assert (idx >= 900).mean() == pytest.approx(0.25, abs=0.01)
    assert np.bincount(idx[idx >= 900] - 900, minlength=100).min() > 0   # uniform inside a dataset


@pytest.mark.parametrize("robot", ["panda7", "ur6", "kuka7", "scara4"])
def test_standardisation_inverts_to_the_native_convention(robot):
    env = arms.ArmEnv(robot, "reach")
    steps = D.record_episode(env, arms.Expert(env, noise=0.003, seed=1), seed=1)
    states, actions = D.standardize(env.spec, steps)
    assert states.shape == (len(actions), D.STATE_SIZE) and actions.shape[1] == D.ACTION_SIZE
    assert (actions[-1] == 0).all()                                   # is_last: no valid action
    R, _ = D.base_frame(env.spec)
    dx_world = actions[:-1, :3] @ R                                   # back to the world frame
    native = steps["action"][:-1]
    if env.spec.action == "eef_delta":
        np.testing.assert_allclose(dx_world, native[:, :3] * env.spec.max_step, atol=1e-6)
    elif env.spec.action == "eef_abs":
        np.testing.assert_allclose(steps["observation.ee"][:-1] + dx_world, native[:, :3], atol=1e-5)
    elif env.spec.action == "eef_velocity":
        np.testing.assert_allclose(dx_world * env.spec.hz, native[:, :3], atol=1e-5)
    else:   # joint_delta: the displacement the arm made
        np.testing.assert_allclose(dx_world, np.diff(steps["observation.ee"], axis=0), atol=1e-5)
    if robot == "ur6":   # base yawed 90 deg: base-frame x is world y
        assert not np.allclose(actions[:-1, :3], dx_world, atol=1e-3)
    assert actions[-2, 4] == float(steps["is_terminal"][-1])         # terminate on the last valid step of a success


def test_state_vector_is_in_the_base_frame():
    spec = arms.ARMS["ur6"]                                           # base at (0, 0.05, 0), yawed 90 deg
    s = D.state_vector(spec, ee=[0.0, 0.55, 0.3], gripper=1.0, cube=[0.0, 0.05, 0.0], target=[0.0, 0.55, 0.0],
                       q=np.full(6, math.pi))
    np.testing.assert_allclose(s[:3], [0.5, 0.0, 0.3], atol=1e-6)    # 0.5 m straight ahead of the base
    np.testing.assert_allclose(s[3:7], [1.0, 0.0, 0.0, 0.0], atol=1e-6)
    np.testing.assert_allclose(s[10:], [1, 1, 1, 1, 1, 1, 0], atol=1e-6)   # joints / pi, padded to 7


@pytest.mark.parametrize("task", ["reach", "push", "pick_place"])
def test_success_detection_on_scripted_episodes(task):
    env = arms.ArmEnv("panda7", task)
    good = D.record_episode(env, arms.Expert(env), seed=0)
    assert good["is_terminal"][-1] and good["reward"][-2] > 5           # +10 on the success step
    idle = D.record_episode(env, lambda obs: np.array([0, 0, 0, -1.0], np.float32), seed=0)
    assert not idle["is_terminal"].any() and idle["is_last"][-1]        # truncated at the step limit
    assert len(idle["is_last"]) == env.max_steps + 1


def test_robot_tasks_and_unknown_robot():
    assert D.robot_tasks("panda7", "panda7") == ("reach", "push", "pick_place")
    assert D.robot_tasks("scara4", "panda7") == ("reach", "push")
    with pytest.raises(WorkbenchError, match="unknown robot 'r2d2'"):
        D.robot_tasks("r2d2", "panda7")
