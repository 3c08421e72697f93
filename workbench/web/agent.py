"""The agent interface and the episode loop.

An agent is any object with `act(observation, history) -> Action`; `history` is the list of this
episode's earlier `Turn`s (observation seen, action taken, reward), oldest first, so an agent can use
its action history (WebGUM feeds past actions; its "temporal" input is the last two screenshots).
If the agent has a `reset(observation)` method, `run_episode` calls it at the start of each episode;
if it has `step_note()`, its answer after each `act` ({"sub_instruction": str, "refs": [int]}: what
the action is for and which elements that needs) goes to the recorder with the step.

`run_episode(env, agent, max_steps)` plays one episode and returns an `Episode`;
`evaluate(task, agent, episodes, seed)` opens one browser, plays `episodes` episodes and returns
an `Evaluation` (episodes plus success rate). Success is MiniWoB's raw reward > 0; an episode that
reaches `max_steps` without ending is a failure (`truncated`).
"""

from __future__ import annotations

import random
import time
from dataclasses import dataclass, field
from typing import Protocol, runtime_checkable

from workbench import WorkbenchError
from workbench.web.actions import Action
from workbench.web.observation import Observation


@dataclass
class Turn:
    """One step of an episode: what the agent saw, what it did, what it got."""

    observation: Observation
    action: Action
    reward: float = 0.0


@runtime_checkable
class Agent(Protocol):
    def act(self, observation: Observation, history: list[Turn]) -> Action: ...


@dataclass
class Episode:
    """One played episode. `steps` holds the actions (string form) in order."""

    task: str
    seed: int | None
    utterance: str
    steps: list[str] = field(default_factory=list)
    reward: float = 0.0
    success: bool = False
    time_s: float = 0.0
    truncated: bool = False
    crashed: bool = False
    error: str | None = None
    reason: str | None = None

    @property
    def n_steps(self) -> int:
        return len(self.steps)


@dataclass
class Evaluation:
    task: str
    episodes: list[Episode]

    @property
    def success_rate(self) -> float:
        return sum(e.success for e in self.episodes) / max(1, len(self.episodes))

    @property
    def mean_steps(self) -> float:
        return sum(e.n_steps for e in self.episodes) / max(1, len(self.episodes))

    def __repr__(self) -> str:
        return (f"Evaluation({self.task!r}, success={self.success_rate:.3f}, "
                f"episodes={len(self.episodes)}, mean_steps={self.mean_steps:.1f})")


def run_episode(env, agent, max_steps: int = 20, seed: int | None = None,
                recorder=None) -> Episode:
    """Play one episode of `env` with `agent`; `recorder` (a `recorder.Recorder`) logs each step.

    An exception raised by the agent ends the episode as a failure with `error` set (the agent's
    bug must not kill a whole evaluation); browser crashes are reported by the env (`crashed`).
    """
    t0 = time.perf_counter()
    obs = env.reset(seed=seed)
    ep = Episode(task=env.task, seed=env.seed, utterance=obs.utterance)
    if recorder is not None:
        recorder.start_episode(env.task, env.seed, obs)
    history: list[Turn] = []
    try:
        if hasattr(agent, "reset"):
            agent.reset(obs)
    except Exception as e:  # noqa: BLE001 - an agent failure fails the episode
        ep.error = f"{type(e).__name__}: {e}"
        max_steps = 0
    for _ in range(max_steps):
        try:
            action = agent.act(obs, history)
            if not isinstance(action, Action):
                raise WorkbenchError(f"agent returned {action!r}, not an Action")
        except Exception as e:  # noqa: BLE001 - an agent failure fails the episode
            ep.error = f"{type(e).__name__}: {e}"
            break
        note = None
        if hasattr(agent, "step_note"):
            try:
                note = agent.step_note()
            except Exception:  # noqa: BLE001 - a note is optional
                note = None
        result = env.step(action)
        ep.steps.append(str(action))
        history.append(Turn(obs, action, result.reward))
        if recorder is not None:
            recorder.record_step(obs, action, result, note=note)
        obs = result.obs
        if result.terminated or result.truncated:
            ep.reward, ep.success = result.reward, result.success
            ep.truncated = result.truncated
            ep.crashed = bool(result.info.get("crashed"))
            ep.reason = result.info.get("reason")
            break
    else:
        if ep.error is None:
            ep.truncated = True
        ep.reward = -1.0
    ep.time_s = time.perf_counter() - t0
    if recorder is not None:
        recorder.end_episode(ep)
    return ep


def evaluate(task: str, agent, episodes: int = 20, seed: int = 0, max_steps: int = 20,
             env=None, recorder=None, **env_kwargs) -> Evaluation:
    """Play `episodes` episodes of `task` in one browser; episode seeds are drawn from
    (`task`, `seed`), so the same call replays the same problems.

    Pass an open `env` to reuse its browser (it is switched to `task`, with `html_dir` from
    `env_kwargs` if given); otherwise a `WebEnv` is opened with `env_kwargs` (e.g.
    `screenshots=False`, `html_dir=...`) and closed afterwards.
    """
    from workbench.web.env import WebEnv

    own = env is None
    if own:
        env_kwargs.setdefault("screenshots", recorder is not None)
        env = WebEnv(task, seed=seed, **env_kwargs)
    elif env.task != task or "html_dir" in env_kwargs:
        env.switch_task(task, env_kwargs.get("html_dir"))
    seeds = random.Random(f"{task}/{seed}")
    try:
        eps = [run_episode(env, agent, max_steps=max_steps, recorder=recorder,
                           seed=seeds.randrange(2**31)) for _ in range(episodes)]
    finally:
        if own:
            env.close()
    return Evaluation(task, eps)
