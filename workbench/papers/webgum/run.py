"""The WebGUM-lite run: demonstrations -> featurised steps -> behaviour cloning -> live evaluation.

`train(cfg, progress)` (i) records `demo_episodes + heldout_episodes` oracle episodes per task
(cached, resumable: `data.record`), (ii) featurises the successful ones (cached), (iii) trains one
model per variant and per control on the full set and the image+html model on each smaller nested
set (`scaling_episodes`), every one to convergence under the same rule (early stopping on the
held-out episodes' action accuracy, `train.fit`), in `cfg.workers` processes, and (iv)
plays every model on every task in one headless Chromium moved from task to task, the same episode
seeds for every model (paired comparisons). It returns a `Run` with one row per episode, the
training curves, the dataset card and gallery frames (the image+html model's first episodes, with
the action it chose drawn on them later).
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field

from workbench.cache import cached
from workbench.history import History
from workbench.papers.webgum import data
from workbench.papers.webgum.train import Fit, GUMAgent, fit, seeds_for

MAIN = "image+html"


@dataclass
class Run:
    rows: list[dict] = field(default_factory=list)            # one per evaluation episode
    fits: dict[str, Fit] = field(default_factory=dict)        # model name -> its training run
    card: dict = field(default_factory=dict)                  # the demonstration set's card
    examples: data.Examples | None = None
    gallery: list[dict] = field(default_factory=list)         # {task, episode, step, frame, box, action, success}

    timings: dict[str, float] = field(default_factory=dict)
    history: History = field(default_factory=History)


def model_names(cfg) -> list[tuple[str, str, int]]:
    """(name, variant, demonstration episodes per task) of every model the run trains: each variant and
    each control on the full set, then the image+html model on the smaller sets (name `image+html@N`)."""
    out = [(v, v, cfg.demo_episodes) for v in cfg.variants]
    out += [(c, c, cfg.demo_episodes) for c in cfg.controls]
    out += [(f"{MAIN}@{n}", MAIN, n) for n in cfg.scaling_episodes]
    return out


def fit_model(item: tuple[str, str, int], cfg) -> Fit:
    """Train one model of `model_names` to convergence (a worker process loads the cached examples
    itself): its training steps are the first N episodes of every task, its held-out steps the
    episodes after `demo_episodes`, the same for every model."""
    name, variant, n = item
    _, ex = load_examples(cfg)
    return fit(cfg, ex, ex.subset(n), variant, tag=name, heldout=ex.heldout(cfg.demo_episodes))


def load_examples(cfg, progress=lambda step, metrics: None) -> tuple[dict, data.Examples]:
    """The dataset card and the featurised demonstrations (both cached)."""
    card = data.record(cfg, progress=lambda task: None)
    data.check_tasks_recorded(card, cfg.tasks)
    key = {"demos": data.demo_key(cfg), "tasks": list(cfg.tasks), "episodes": cfg.demo_episodes + cfg.heldout_episodes,
           "features": data.FEATURES_VERSION, "html_view": cfg.html_view, "image_size": cfg.image_size, "max_instr": cfg.max_instr_tokens,
           "max_html": cfg.max_html_tokens, "max_elements": cfg.max_elements, "match": cfg.match_feature}
    ex = cached("webgum/examples", key,
                lambda: data.build_examples(data.demo_folder(cfg), list(cfg.tasks),
                                            cfg.demo_episodes + cfg.heldout_episodes, cfg),
                expect=data.Examples)
    return card, ex


def train(cfg, progress=lambda step, metrics: None) -> Run:
    """Demonstrations -> BC for every model -> evaluation (see the module docstring). `progress(k, ...)`
    gets `heldout/<model>` (the kept weights' held-out accuracy) as the k-th model finishes, then
    `eval/<model>` (running success) as each task's episodes finish (k continues after the models)."""
    from workbench.parallel import map_in_processes

    run = Run()
    t0 = time.perf_counter()
    run.card, run.examples = load_examples(cfg)
    run.timings["demos_s"] = time.perf_counter() - t0
    items = model_names(cfg)
    t0 = time.perf_counter()
    fits = {}
    for k, (i, f) in enumerate(map_in_processes(fit_model, items, cfg.workers, cfg), start=1):
        name = items[i][0]
        fits[name] = f
        run.timings[f"train_s/{name}"] = f.train_s
        progress(k, {f"heldout/{name}": f.heldout_acc})
    run.fits = {name: fits[name] for name, _, _ in items}
    run.timings["train_s"] = time.perf_counter() - t0
    offset = len(items)
    agents = {name: GUMAgent(f.model, cfg, name) for name, f in run.fits.items()}
    t0 = time.perf_counter()
    run.rows, run.gallery = evaluate(cfg, agents, lambda k, m: progress(offset + k, m))
    run.timings["eval_s"] = time.perf_counter() - t0
    return run


def evaluate(cfg, agents: dict, progress=lambda step, metrics: None) -> tuple[list[dict], list[dict]]:
    """Play `cfg.eval_episodes` episodes of every task with every agent (name -> agent) in one browser,
    the same seeds for every agent. Returns (rows, gallery): one row per episode, and the frames of the
    first `gallery_episodes` episodes per task of the `MAIN` agent (a `GUMAgent`). `progress(k, ...)`
    after the k-th task (from 1) with each agent's running success `eval/<name>`."""
    from workbench.web.agent import run_episode
    from workbench.web.catalog import is_visual
    from workbench.web.env import WebEnv

    rows, gallery = [], []
    env = None
    try:
        for j, task in enumerate(cfg.tasks, start=1):
            if env is None:
                env = WebEnv(task, seed=cfg.seed, screenshots=True)
            else:
                env.switch_task(task)
            for name, agent in agents.items():
                for k, s in enumerate(seeds_for(cfg, task, cfg.eval_episodes)):
                    keep = name == MAIN and k < cfg.gallery_episodes and isinstance(agent, GUMAgent)
                    player = _GalleryAgent(agent) if keep else agent
                    ep = run_episode(env, player, max_steps=cfg.eval_max_steps, seed=s)
                    rows.append({"task": task, "visual": is_visual(task), "model": name,
                                 "demos": model_demos(cfg, name), "episode": k, "seed": s,
                                 "success": bool(ep.success), "reward": ep.reward, "steps": ep.n_steps,
                                 "error": ep.error})
                    if keep:
                        gallery += [dict(g, task=task, episode=k, success=bool(ep.success)) for g in player.frames]
            progress(j, {f"eval/{m}": sum(r["success"] for r in rows if r["model"] == m) /
                         max(1, sum(r["model"] == m for r in rows)) for m in agents})
    finally:
        if env is not None:
            env.close()
    return rows, gallery


def model_demos(cfg, name: str) -> int:
    """Demonstration episodes per task a model was trained on."""
    return int(name.split("@")[1]) if "@" in name else cfg.demo_episodes


class _GalleryAgent:
    """Wraps a GUMAgent and keeps each step's frame, chosen element box and action."""

    def __init__(self, agent: GUMAgent):
        self.agent, self.frames = agent, []

    def act(self, obs, history):
        a = self.agent.act(obs, history)
        if self.agent.last is not None:
            self.frames.append({"step": len(history), "frame": self.agent.last["frame"],
                                "box": self.agent.last["box"], "action": str(a), "utterance": obs.utterance})
        return a
