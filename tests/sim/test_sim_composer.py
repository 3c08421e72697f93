"""Composer: descriptions build into brax envs that step; broken descriptions name the culprit."""
import jax
import jax.numpy as jnp
import numpy as np
import pytest

from workbench import WorkbenchError
from workbench.sim import composer
from workbench.sim.env import build_env


def _steps(env, n=5, action=0.5):
    s = jax.jit(env.reset)(jax.random.PRNGKey(0))
    step = jax.jit(env.step)
    for _ in range(n):
        s = step(s, jnp.full(env.action_size, action))
    return s


def test_point_mass_goal_reward_is_minus_distance():
    env = build_env("point_mass_goal")
    assert (env.observation_size, env.action_size) == (4 + 3, 2)  # qp (x, y, vx, vy) + root_vec to goal
    s = _steps(env, 5, action=1.0)
    xy = np.asarray(s.obs[:2])
    assert xy[0] > 0.03 and xy[1] > 0.03                      # thrust (+1, +1) moved it up and right
    dist = np.hypot(2.0 - xy[0], 1.0 - xy[1])                 # goal at (2, 1)
    assert float(s.reward) == pytest.approx(-dist, rel=1e-4)
    assert np.allclose(np.asarray(s.obs[4:6]), [2.0 - xy[0], 1.0 - xy[1]], atol=1e-4)


def test_ant_with_three_legs_builds_and_steps():
    env = build_env("ant_run", components__agent__params__num_legs=3)
    assert env.action_size == 6
    assert env.observation_size == (5 + 6) + (6 + 6)           # q without xy, qd
    s = _steps(env, 3)
    assert np.isfinite(np.asarray(s.obs)).all() and float(s.done) == 0.0
    assert set(s.metrics) == {"agent/velocity", "agent/ctrl_cost", "agent/alive"}
    assert float(s.metrics["agent/ctrl_cost"]) == pytest.approx(-0.5 * 6 * 0.25)


def test_mjcf_scales_with_legs_and_edges_exclude_collisions():
    xml6 = composer.to_mjcf(composer.get("uni_ant"))
    assert xml6.count("<motor") == 12 and xml6.count('type="hinge"') == 12
    desc = composer.edit(composer.get("ant_push"), "edges.agent__ball.collide", "none")
    assert '<exclude body1="agent/torso" body2="ball/root"/>' in composer.to_mjcf(desc)


def test_edit_by_key_path_copies():
    base = composer.get("ant_run")
    edited = composer.edit(base, "components.agent.params.num_legs", 5)
    assert edited["components"]["agent"]["params"]["num_legs"] == 5
    assert base["components"]["agent"]["params"]["num_legs"] == 4


@pytest.mark.parametrize("path,value,needle", [
    ("components.agent.type", "spider", "component 'agent'"),
    ("components.agent.params.num_legs", 0, "component 'agent'"),
    ("components.agent.pos", [0, 0], "component 'agent'"),
    ("components.agent.reward_fns", {"fly": {}}, "component 'agent'"),
    ("edges.agent__ghost", {}, "edge 'agent__ghost'"),
])
def test_broken_description_names_the_component(path, value, needle):
    desc = composer.edit(composer.get("ant_run"), path, value)
    with pytest.raises(WorkbenchError, match=needle):
        build_env(desc)


def test_unknown_description_name():
    with pytest.raises(WorkbenchError, match="unknown environment description"):
        composer.get("ant_fly")
