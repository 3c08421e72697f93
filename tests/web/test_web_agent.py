"""The episode loop: history handed to agents, step limit, agent errors, evaluation seeds."""

from pathlib import Path

import pytest
from support import needs_browser

from workbench.web.actions import Action

PAGES = Path(__file__).parent / "pages"


@pytest.fixture(scope="module")
def env():
    from workbench.web.env import WebEnv

    with WebEnv("wb-fixed", html_dir=PAGES, screenshots=False, none_wait_s=0.0) as e:
        yield e


class Scripted:
    """Plays a fixed list of actions and records the history lengths it was shown."""

    def __init__(self, actions):
        self.actions, self.seen = list(actions), []

    def act(self, obs, history):
        self.seen.append([str(t.action) for t in history])
        return self.actions[len(history)]


@needs_browser
def test_history_and_success(env):
    from workbench.web.agent import run_episode

    agent = Scripted([Action.type(7, "abc"), Action.click(9), Action.click(10)])
    ep = run_episode(env, agent, max_steps=5)
    assert ep.success and ep.reward == 1.0 and ep.n_steps == 3
    assert agent.seen == [[], ['type(ref=7, text="abc")'],
                          ['type(ref=7, text="abc")', "click(ref=9)"]]


@needs_browser
def test_step_limit_and_agent_errors_fail_the_episode(env):
    from workbench.web.agent import run_episode

    ep = run_episode(env, Scripted([Action.none()] * 10), max_steps=3)
    assert not ep.success and ep.truncated and ep.n_steps == 3 and ep.reward == -1.0

    class Broken:
        def act(self, obs, history):
            raise KeyError("oops")

    ep = run_episode(env, Broken(), max_steps=3)
    assert not ep.success and ep.n_steps == 0 and "KeyError" in ep.error
    # the env is still usable after the failed episode
    ep = run_episode(env, Scripted([Action.type(7, "abc"), Action.click(9), Action.click(10)]))
    assert ep.success


@needs_browser
def test_evaluate_reuses_the_env_and_replays_seeds(env):
    from workbench.web.agent import evaluate
    from workbench.web.oracles import oracle

    a = evaluate("click-button", oracle("click-button"), episodes=3, seed=4, env=env)
    b = evaluate("click-button", oracle("click-button"), episodes=3, seed=4, env=env)
    assert [e.utterance for e in a.episodes] == [e.utterance for e in b.episodes]
    assert [e.seed for e in a.episodes] == [e.seed for e in b.episodes]
    assert a.success_rate == 1.0 and env.task == "click-button"
