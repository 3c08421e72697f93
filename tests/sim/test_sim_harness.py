"""Harness: a tiny learning threshold, the parameter cache, resume after an interruption."""
import numpy as np
import pytest

from workbench.sim import harness
from workbench.sim.env import build_env

CFG = harness.PPOConfig(num_timesteps=200_000, num_envs=64, batch_size=64, num_minibatches=4, num_evals=3,
                        discounting=0.95)


@pytest.fixture(scope="module")
def env():
    return build_env("point_mass_goal")


def test_ppo_learns_to_reach_the_goal_and_caches(env, tmp_path_factory, monkeypatch):
    monkeypatch.setenv("WORKBENCH_CACHE", str(tmp_path_factory.mktemp("cache")))
    seen = []
    run = harness.train(env, CFG, seed=0, progress=lambda s, m: seen.append(s))
    assert seen[0] == 0 and seen[-1] == run.env_steps >= CFG.num_timesteps * 0.9
    trained = harness.rollout(env, run, steps=50, n=8, deterministic=True)
    random = harness.rollout(env, None, steps=50, n=8)
    # goal 2.24 m away: the trained policy ends much closer than where it started and than random actions
    assert -trained["reward"][-1].mean() < 0.6 * -random["reward"][-1].mean()
    again = harness.train(env, CFG, seed=0)
    assert again.timing["cached"] and np.allclose(again.params[1]["params"]["hidden_0"]["kernel"],
                                                  run.params[1]["params"]["hidden_0"]["kernel"])


def test_interrupted_run_resumes_from_its_checkpoint(env, tmp_path, monkeypatch):
    monkeypatch.setenv("WORKBENCH_CACHE", str(tmp_path))
    cfg = CFG  # same shapes as above: the compiled epoch is reused

    def stop_after_first_epoch(step, metrics):
        if step > 0:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        harness.train(env, cfg, seed=1, progress=stop_after_first_epoch)
    steps = []
    run = harness.train(env, cfg, seed=1, progress=lambda s, m: steps.append(s))
    assert steps[0] > 0                       # no step-0 report: it resumed after epoch 1
    assert [s for s, _ in run.history.rows][0] == 0 and len(run.history) == cfg.num_evals + 1
