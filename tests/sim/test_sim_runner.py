"""The planar half-cheetah-family runner: builds from the Composer, observes like D4RL's halfcheetah, steps
finitely on spring, rewards speed as described, and runs forward under the shipped PPO policy."""
import json

import jax.numpy as jnp
import numpy as np
import pytest

from workbench import WorkbenchError
from workbench.paths import DATA_DIR
from workbench.sim import composer, harness, rollouts
from workbench.sim.env import build_env


def test_runner_builds_with_six_motors_and_a_d4rl_observation():
    env = build_env("runner_run")
    assert env.action_size == 6 and env.observation_size == 17     # halfcheetah: 8 positions (no x) + 9 velocities
    assert env.sys.link_names[0] == "agent/torso" and len(env.sys.link_names) == 7
    assert float(env.dt) == pytest.approx(0.05)
    q = env.sys.init_q.at[0].set(3.0)                               # x position is left out of the observation
    qd = jnp.zeros(env.sys.qd_size()).at[0].set(2.0)
    ps = env.pipeline_init(q, qd)
    obs = env._obs(ps)
    assert float(obs[8]) == pytest.approx(2.0)                      # index 8 = forward velocity, as in D4RL
    assert 3.0 not in np.asarray(obs[:8]).round(6)
    # target_speed: -|v - speed|; velocity: v; ctrl_cost: -0.1 |a|^2 with a = 0.5 on 6 motors = -0.15
    speed = build_env(composer.get("runner_speed", components__agent__reward_fns__target_speed__speed=3.5))
    r = speed._rewards(ps, jnp.full(6, 0.5))
    assert float(r["agent/target_speed"]) == pytest.approx(-1.5, abs=1e-4)
    assert float(r["agent/ctrl_cost"]) == pytest.approx(-0.15)
    assert float(env._rewards(ps, jnp.zeros(6))["agent/velocity"]) == pytest.approx(2.0, abs=1e-4)
    with pytest.raises(WorkbenchError, match="gear needs 6"):
        build_env(composer.edit(composer.get("runner_run"), "components.agent.params.gear", [1, 2]))


def test_runner_steps_finitely_on_spring_and_runs_forward_under_the_shipped_policy():
    files = json.loads((DATA_DIR / "gdt" / "manifest.json").read_text())["files"]
    last = [f for f in files if f["kind"] == "checkpoint"][-1]
    pol = harness.load_policy(DATA_DIR / "gdt" / last["file"])
    assert pol.env.desc["components"]["agent"]["type"] == "runner" and pol.env.backend == "spring"
    ep = rollouts.collect(pol.env, pol.policy(deterministic=True), episodes=4, steps=300, seed=0)
    x = ep["states"]["q"][..., 0]                                    # root x slide, [T+1, n]
    assert np.isfinite(ep["observations"]).all() and np.isfinite(ep["states"]["pos"]).all()
    assert (x[60] - x[0] > 1.0).all(), x[60] - x[0]                 # > 1 m forward in 3 s, every episode
    # the shipped expert still does what its manifest recorded (300 deterministic steps; measured 0.98x both)
    assert ep["observations"][1:, :, 8].mean() >= 0.9 * last["xvel_mean"]
    assert ep["rewards"].sum(0).mean() >= 0.9 * last["return_300"]
