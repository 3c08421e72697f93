"""Goal tasks: a fresh goal at every automatic reset inside a jitted loop; rewards, success and termination."""
import jax
import jax.numpy as jnp
import numpy as np
import pytest

from workbench import WorkbenchError
from workbench.sim import composer, ppo
from workbench.sim.env import build_env

N, T, EP = 4, 40, 6   # envs, steps, episode length: ~6 automatic resets per env


@pytest.fixture(scope="module")
def setup():
    env = build_env(composer.goal_task("touch", "ant-3"))
    wenv = ppo.wrap(env, EP)

    @jax.jit
    def run(state, actions):   # the training loop's shape: scan over the batched, auto-resetting env
        def f(s, a):
            s = wenv.step(s, a)
            return s, (s.info["task"]["goal"], s.done, s.reward, s.info["success"], s.info["distance"],
                       s.info["initial_distance"], s.obs, s.metrics["task/success_bonus"])
        return jax.lax.scan(f, state, actions)

    state = jax.jit(wenv.reset)(jax.random.split(jax.random.PRNGKey(0), N))
    return env, wenv, run, state


def test_goals_differ_across_auto_resets_in_a_jitted_loop(setup):
    env, wenv, run, state = setup
    acts = jax.random.uniform(jax.random.PRNGKey(1), (T, N, env.action_size), minval=-1, maxval=1)
    _, (goal, done, *_ ) = run(state, acts)
    goal, done = np.asarray(goal), np.asarray(done)
    assert done.sum(0).min() >= T // EP - 1                        # every env reset several times
    for e in range(N):
        # the state returned by a done step already holds the next episode (new pose, new goal)
        episodes = np.split(goal[:, e], np.where(done[:, e] > 0)[0])
        firsts = np.array([ep[0] for ep in episodes if len(ep)])
        assert all(np.allclose(ep, ep[0]) for ep in episodes if len(ep))   # one goal per episode
        assert len(np.unique(firsts.round(4), axis=0)) == len(firsts)     # brax's replay would repeat one
        r = np.linalg.norm(firsts[:, :2], axis=1)                         # the ant restarts near the origin
        assert ((r > 1.2) & (r < 3.3)).all()                              # annulus 1.5-3 m around the root
    assert len(np.unique(goal[0].round(4), axis=0)) == N                  # and different across envs


def test_obs_after_reset_carries_the_new_goal(setup):
    env, wenv, run, state = setup
    acts = jnp.zeros((T, N, env.action_size))
    final, (goal, done, _, _, dist, _, obs, _) = run(state, acts)
    goal, obs = np.asarray(goal), np.asarray(obs)
    root = np.asarray(jax.vmap(lambda ps: env.root_pos(ps, "agent"))(final.pipeline_state))
    # obs ends with [goal - root (3), distance (1)]
    assert np.allclose(obs[-1, :, -4:-1], goal[-1] - root, atol=1e-4)
    assert np.allclose(obs[-1, :, -1], np.linalg.norm((goal[-1] - root)[:, :2], axis=1), atol=1e-4)


def test_success_ends_the_episode_with_the_bonus_then_a_new_goal(setup):
    env, wenv, run, state = setup
    root = jax.vmap(lambda ps: env.root_pos(ps, "agent"))(state.pipeline_state)
    goal = root.at[:, 0].add(0.1).at[:, 2].set(0.0)                       # 0.1 m away: inside success_dist 0.5
    task = {**state.info["task"], "goal": goal, "prev": jnp.full(N, 0.1), "init": jnp.full(N, 0.1)}
    state = state.replace(info={**state.info, "task": task})
    _, (g, done, reward, success, dist, init, _, bonus) = run(state, jnp.zeros((T, N, env.action_size)))
    assert np.asarray(done)[0].all() and np.asarray(success)[0].all()
    assert np.allclose(np.asarray(bonus)[0], 5.0)
    # reward = progress (0.1 - d) / dt + 5 - 0.02 * sum(0^2)
    d = np.asarray(dist)[0]
    assert np.allclose(np.asarray(reward)[0], (0.1 - d) / env.dt + 5.0, atol=1e-3)
    assert np.allclose(np.asarray(init)[0], 0.1)                          # the finished episode's initial distance
    assert (np.linalg.norm(np.asarray(g)[0] - np.asarray(goal), axis=1) > 0.5).all()   # fresh goal after it


def test_reach_uses_the_nearest_foot():
    env = build_env(composer.goal_task("reach", "ant-4"))
    s = jax.jit(env.reset)(jax.random.PRNGKey(0))   # brax's eager reset is far slower than its compile
    feet = np.asarray(env.feet(s.pipeline_state))
    assert feet.shape == (4, 3) and (feet[:, 2] < 0.5).all()             # tips below the torso
    goal = jnp.asarray(feet[2] + np.array([0.0, 0.05, 0.0]))
    assert float(env.task_distance(s.pipeline_state, goal)) == pytest.approx(0.05, abs=1e-4)


@pytest.mark.parametrize("kind,body,extra,needle", [
    ("fly", "ant-4", {}, "unknown task kind"),
    ("touch", "spider-4", {}, "morphology 'spider-4'"),
    ("touch", "ant-4-wobbly2", {}, "unknown variant"),
    ("touch", "ant-4", {"goal_raduis": [1, 2]}, "unknown task setting"),
])
def test_bad_task_descriptions_are_clear_errors(kind, body, extra, needle):
    with pytest.raises(WorkbenchError, match=needle):
        composer.goal_task(kind, body, **extra)
