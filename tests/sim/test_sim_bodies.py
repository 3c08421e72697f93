"""Morphologies: every MxT family and variant builds, steps finitely on spring, tokenises and draws offline."""
import jax
import numpy as np
import pytest

from workbench import WorkbenchError
from workbench.sim import composer, viewer
from workbench.sim.env import TOKEN_FEATURES, build_env


def _expected_actions(spec: str) -> int:
    fam, n, *variants = spec.split("-")
    n = int(n)
    broken = sum(v.startswith("broken") for v in variants)
    return {"ant": 2 * (n - broken), "claw": 3 * (n - broken), "centipede": 4 * n + n - 1, "worm": n - 1}[fam]


@pytest.mark.parametrize("spec", composer.MORPHOLOGIES)
def test_every_body_builds_with_its_joint_count_and_tokens(spec):
    env = build_env(composer.goal_task("touch", spec))
    assert env.action_size == _expected_actions(spec)
    links = env.parts["agent"]["links"]
    assert len(links) == len(env.sys.link_names) and env.num_tokens == len(links) + 1   # + one goal token
    static = env._tok_static
    types = static[:, 17:].argmax(1)
    assert (static[:, 17:].sum(1) == 1).all() and types[0] == composer.PART_TYPES.index("root")
    hinged = env._tok_q >= 0
    assert hinged.sum() == env.action_size                                # one actuated hinge per non-root link
    assert (static[hinged, 16] > 0).all() and (static[hinged, 13] < static[hinged, 14]).all()


def test_variants_change_the_body():
    base = composer.to_mjcf(composer.goal_task("touch", "ant-4"))
    assert composer.to_mjcf(composer.goal_task("touch", "ant-4-broken1")).count("<motor") == 6
    heavy = build_env(composer.goal_task("touch", "ant-4-mass3")).sys.mj_model.body_mass
    light = build_env(composer.goal_task("touch", "ant-4")).sys.mj_model.body_mass
    assert np.allclose(heavy, 3 * light)                                  # density x 3
    short = build_env(composer.goal_task("reach", "ant-4-short0"))
    full = build_env(composer.goal_task("reach", "ant-4"))
    reach = lambda e: np.linalg.norm(e._foot_off, axis=1)
    assert np.allclose(reach(short)[0], 0.5 * reach(full)[0]) and np.allclose(reach(short)[1:], reach(full)[1:])
    assert "0.072" in composer.to_mjcf(composer.goal_task("touch", "ant-4-size0.9")) and "0.072" not in base


def test_zoo_of_every_body_steps_finitely_and_draws_offline():
    env = build_env(composer.zoo())
    T = 60

    @jax.jit
    def go(key):
        s = env.reset(key)
        def f(s, k):
            s = env.step(s, jax.random.uniform(k, (env.action_size,), minval=-1, maxval=1))
            return s, (s.pipeline_state.x.pos, s.pipeline_state.x.rot, s.pipeline_state.xd.vel)
        return jax.lax.scan(f, s, jax.random.split(key, T))

    _, (pos, rot, vel) = go(jax.random.PRNGKey(0))
    pos, rot, vel = np.asarray(pos), np.asarray(rot), np.asarray(vel)
    assert np.isfinite(pos).all() and np.isfinite(vel).all()
    for i, spec in enumerate(composer.MORPHOLOGIES):                      # random actions, no explosion:
        root = pos[:, env._link[f"b{i}"]]
        assert np.abs(root[:, :2] - root[0, :2]).max() < 5.0, spec        # < 5 m drift in 3 s
        assert root[:, 2].max() < 2.5, spec                               # never launched upwards
    fig = viewer.rollout_figure(env, {"pos": pos[:, None], "rot": rot[:, None]}, every=20, title="zoo")
    lines = fig.frames[-1].data[0]
    assert len(fig.frames) == 3 and sum(v is None for v in lines.x) >= len(env.sys.link_names)
    assert "http" not in fig.to_json()


def test_bad_morphology_specs():
    for spec, needle in [("ant", "expected <family>-<n>"), ("ant-40", "num_legs"), ("worm-1", "num_segments"),
                         ("claw-3-mass", "unknown variant")]:
        with pytest.raises(WorkbenchError, match=needle):
            build_env(composer.goal_task("touch", spec))


@pytest.mark.parametrize("spec", ["ant-4", "centipede-2"])
def test_tokens_by_hand(spec):
    env = build_env(composer.goal_task("touch", spec))
    s = jax.jit(env.reset)(jax.random.PRNGKey(0))   # brax's eager reset is far slower than its compile
    ps, goal = s.pipeline_state, s.info["task"]["goal"]
    tok, mask = (np.asarray(x) for x in env.tokens(ps, goal, pad_to=env.num_tokens + 3))
    assert tok.shape == (env.num_tokens + 3, len(TOKEN_FEATURES)) and mask.tolist() == [1] * env.num_tokens + [0] * 3
    assert not tok[env.num_tokens:].any() and np.isfinite(tok).all()
    root = np.asarray(ps.x.pos[0])
    assert np.allclose(tok[0, :3], [0, 0, root[2]], atol=1e-6)           # root token: relative xy 0, height z
    g = tok[env.num_tokens - 1]                                           # the goal token: goal - root, type goal
    assert np.allclose(g[:2], np.asarray(goal)[:2] - root[:2], atol=1e-5) and g[17 + 5] == 1 and not g[3:17].any()
    # joint angle normalised in its range: ant ankle starts near 1 rad in [30, 70] deg -> (1 - 0.524) / 0.698
    k = env.parts["agent"]["links"].index("agent/shin0")
    q = float(ps.q[env._tok_q[k]])
    lo, hi = np.deg2rad([30, 70]) if spec == "ant-4" else np.deg2rad([30, 70])
    assert tok[k, 12] == pytest.approx((q - lo) / (hi - lo), abs=1e-5)
    assert tok[k, 16] == pytest.approx(1.5) and tok[k, 15] > 0          # gear 150 x 0.01, mass
    assert tok[k, 13] == pytest.approx((np.pi + lo) / (2 * np.pi), abs=1e-5)
    assert np.allclose(np.asarray(env._obs(ps, goal))[-4:-1], np.asarray(goal) - root, atol=1e-5)   # flat twin
