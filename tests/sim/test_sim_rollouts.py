"""Checkpoints, early stop, warm start, policy files and rollouts of any policy, on the point-mass touch task."""
import flax.linen as nn
import jax
import jax.numpy as jnp
import numpy as np
import pytest
import torch

from workbench import WorkbenchError
from workbench.sim import composer, harness, rollouts
from workbench.sim.env import build_env

CFG = harness.PPOConfig(num_timesteps=150_000, num_envs=64, batch_size=64, num_minibatches=4, num_evals=3,
                        discounting=0.95)


@pytest.fixture(scope="module")
def env():
    return build_env(composer.goal_task("touch", "point_mass"))


@pytest.fixture(scope="module")
def run(env, tmp_path_factory):
    mp = pytest.MonkeyPatch()
    mp.setenv("WORKBENCH_CACHE", str(tmp_path_factory.mktemp("cache")))
    yield harness.train(env, CFG, seed=0, eval_episodes=16)
    mp.undo()


def scripted(obs, key):
    """Head for the goal: obs ends with [goal - root (3), distance]; velocity command towards it."""
    return jnp.clip(3.0 * obs[:, -4:-2], -1.0, 1.0)


def test_checkpoints_with_eval_success_survive_a_cache_hit(env, run):
    cps = run.checkpoints
    assert [c["step"] for c in cps] == [s for s, _ in run.history.rows[1:]] and len(cps) == CFG.num_evals
    assert all({"eval/return", "eval/success", "eval/final_over_initial", "train/success", "params"} <= set(c) for c in cps)
    assert cps[-1]["eval/success"] >= 0.8 > cps[0]["eval/success"] - 0.5   # learned (0.5 s of 1.2 m/s covers 0.6 m)
    again = harness.train(env, CFG, seed=0, eval_episodes=16)
    assert again.timing["cached"] and [c["eval/success"] for c in again.checkpoints] == [c["eval/success"] for c in cps]


def test_early_stop_and_warm_start(env, run, tmp_path, monkeypatch):
    monkeypatch.setenv("WORKBENCH_CACHE", str(tmp_path))
    stopped = harness.train(env, CFG, seed=1, eval_episodes=16, stop_success=0.0)   # any success stops it
    assert stopped.stopped_early and len(stopped.checkpoints) == 1 and stopped.env_steps < CFG.num_timesteps / 2
    warm = harness.train(env, CFG, seed=1, eval_episodes=16, init_params=run.params, stop_success=0.8)
    assert warm.stopped_early and warm.checkpoints[0]["eval/success"] >= 0.8   # starts where `run` ended


def test_policy_file_round_trip(env, run, tmp_path):
    path = tmp_path / "pm_touch.npz"
    measured = rollouts.summary(rollouts.collect(env, rollouts.ppo_policy(env, run), 32, seed=5))
    harness.save_policy(path, run, env, script="tests/sim/test_sim_rollouts.py", metrics=measured)
    assert path.stat().st_size < 100_000                                 # 32x4 policy + 64x3 value
    pol = harness.load_policy(path)
    assert pol.meta["version"] == 1 and pol.meta["env"] == env.desc and pol.meta["metrics"] == measured
    for a, b in zip(jax.tree.leaves(pol.params), jax.tree.leaves(run.params)):
        assert np.allclose(a, b)
    again = rollouts.summary(rollouts.collect(pol.env, pol.policy(), 32, seed=5))
    assert again["success"] == pytest.approx(measured["success"])          # the shipped-expert check
    path.write_bytes(b"not a policy")
    with pytest.raises(WorkbenchError, match="not a workbench policy file"):
        harness.load_policy(path)


def test_rollout_fields_for_scripted_flax_and_torch_policies(env):
    T, n = 40, 6
    ep = rollouts.collect(env, scripted, n, T, seed=3)
    assert ep["observations"].shape == (T + 1, n, env.observation_size) and ep["actions"].shape == (T, n, 2)
    assert ep["states"]["pos"].shape[:2] == (T + 1, n) and ep["states"]["qd"].shape == (T + 1, n, 2)
    assert ep["infos"]["goal"].shape == (T + 1, n, 3)
    s = rollouts.summary(ep)
    assert s["success"] == 1.0 and s["final_over_initial"] < 0.2 and s["length"] < T
    term = ep["terminations"]
    assert (term.sum(0) == 1).all() and not ep["truncations"].any()       # each ends once, by success
    last = ep["valid"].sum(0) - 1
    assert term[last, np.arange(n)].all() and not ep["rewards"][~ep["valid"]].any()

    class Flax(nn.Module):                                                # a flax model with fixed weights
        @nn.compact
        def __call__(self, x):
            return jnp.clip(nn.Dense(2, use_bias=False)(x[:, -4:-2]), -1, 1)
    w = {"params": {"Dense_0": {"kernel": 3.0 * jnp.eye(2)}}}
    ep_flax = rollouts.collect(env, lambda p, o, k: Flax().apply(p, o), n, T, seed=3, params=w)
    assert np.allclose(ep_flax["actions"], ep["actions"], atol=1e-5)

    lin = torch.nn.Linear(2, 2, bias=False)                               # a torch model, on the host
    with torch.no_grad():
        lin.weight.copy_(3.0 * torch.eye(2))
    torch_pol = lambda o, k: torch.clamp(lin(torch.as_tensor(o[:, -4:-2])), -1, 1)
    ep_torch = rollouts.collect(env, torch_pol, n, T, seed=3, host=True)
    assert np.allclose(ep_torch["actions"], ep["actions"], atol=1e-4) and np.array_equal(ep_torch["valid"], ep["valid"])

    rnd = rollouts.collect(env, rollouts.random_policy(2), n, 10, seed=0)   # short: most hit the step limit
    assert (rnd["terminations"] | rnd["truncations"]).any(0).all()
