"""The CompWoB-mini run: demonstrations -> behaviour cloning -> every agent on every page.

`train(cfg, progress)` (i) records oracle demonstrations on the BASE pages only, (ii) clones them
into the transferred agent (`bc.py`), (iii) plays oracle, naive, bc, llm and overlap agents on the base and
composed pages (forward and reverse twins) in real Chromium through `workbench.web.env.WebEnv`,
one browser moved from page to page (`browser.goto`), and returns a `Run` whose `rows` hold one dict per episode (task, agent,
direction, #sub-tasks, success, steps and the page's complexity: instruction words, element count,
DOM depth, HTML size). Expensive parts are cached (`workbench.cache`): demos and LLM replies.
A page that cannot be played (its own script throws at reset, say) is listed in `Run.broken` with
a one-line reason, and the run goes on. The pages are the project's (`task_set="project"`, plus
anyone's with `pages=DIR`) or CompWoB's published ones (`task_set="paper"`, `paper_set.py`).
"""
from __future__ import annotations

import random
import re
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from workbench import WorkbenchError
from workbench.paths import REPO_ROOT
from workbench.cache import cached
from workbench.web.compose import PAGES_DIR, Task, base_tasks, composed_tasks, pages_fingerprint, parse
from workbench.web.composed import naive, oracle

from workbench.papers.compwob import bc, paper_set
from workbench.papers.compwob.browser import goto

from workbench.papers.compwob.config import AGENTS


@dataclass
class Run:
    rows: list[dict] = field(default_factory=list)        # one per episode
    bc_history: list[tuple[int, float, float]] = field(default_factory=list)   # (epoch, loss, acc)
    n_demos: int = 0
    timings: dict[str, float] = field(default_factory=dict)
    broken: dict[str, str] = field(default_factory=dict)   # page -> why it could not be played (one line)


class _Watch:
    """Wraps an agent; notes the page's complexity at the first step of each episode."""

    def __init__(self, agent):
        self.agent, self.stats = agent, {}

    def reset(self, obs):
        self.stats = page_stats(obs)
        if hasattr(self.agent, "reset"):
            self.agent.reset(obs)

    def act(self, obs, history):
        return self.agent.act(obs, history)


class _Recorder(_Watch):
    """Wraps the oracle; keeps every (obs, history, action) as a BC training example."""

    def __init__(self, agent):
        super().__init__(agent)
        self.demos: list[bc.Demo] = []

    def act(self, obs, history):
        action = self.agent.act(obs, history)
        d = bc.demo_step(obs, history, action)
        if d is not None:
            self.demos.append(d)
        return action


def page_stats(obs) -> dict:
    """Complexity of a page as CompWoB §6.4 measures it (instruction, elements, depth, HTML)."""
    return {"instr_words": len(obs.utterance.split()), "instr_chars": len(obs.utterance),
            "n_elements": len(obs.dom), "dom_depth": max((e.depth for e in obs.dom), default=0),
            "html_chars": len(obs.html)}


def select_tasks(cfg) -> tuple[list[Task], list[Task]]:
    """(base pages, composed pages incl. reverse twins) named by the config; () = all.
    task_set "project": the project's pages, then with `cfg.pages` every page of that folder
    (narrow ours with `compositions`), labelled from their file names (`page_labels`).
    task_set "paper": CompWoB's published pages from `cfg.paper_dir` (`paper_compositions`) and
    the MiniWoB base tasks they are made of."""
    if cfg.task_set == "paper":
        comps = cfg.paper_compositions or paper_set.COMPOSITIONS
        bases = [Task(b, (b,), "forward", False) for b in paper_set.base_tasks_of(comps)]
        composed = [_named_task(n) for n in paper_set.page_names(comps)]
        return bases, composed
    bases = [parse(b) for b in cfg.bases] if cfg.bases else base_tasks()
    comps = [parse(c) for c in cfg.compositions] if cfg.compositions else None
    composed = composed_tasks() if comps is None else \
        [parse(n) for c in comps for n in (c.name, c.name + "-reverse")]
    if cfg.pages:
        names = sorted(p.stem for p in pages_folder(cfg).glob("*.html"))
        composed += [Task(n, (), "forward", False) for n in names]
    return bases, composed


def _named_task(name: str) -> Task:
    lab = paper_set.labels(name)
    return Task(name, lab["bases"], "reverse" if name.endswith("-reverse") else "forward", lab["transition"])


def _seeds(cfg, task: str, n: int) -> list[int]:
    rng = random.Random(f"{cfg.seed}/{task}")
    return [rng.randrange(2**31) for _ in range(n)]


def _max_steps(cfg, task: Task) -> int:
    return cfg.max_steps_per_subtask * (task.n or page_labels(task.name)["n"]) + 4


def pages_folder(cfg) -> Path:
    """The folder of `-p pages=DIR`: absolute, or relative to the repo root (as Config checks)."""
    p = REPO_ROOT / cfg.pages
    return p if p.is_dir() else Path(cfg.pages).resolve()


def page_dir(cfg, task: Task):
    """Where a page lives: the project's pages, the user's folder (`-p pages=DIR`), CompWoB's
    pages (`paper_dir`), or the miniwob package for a MiniWoB base task (None)."""
    if cfg.task_set == "paper":
        return paper_set.folder(cfg.paper_dir) if task.n > 1 else None
    return pages_folder(cfg) if cfg.pages and not task.bases else PAGES_DIR


def page_labels(name: str, utterance: str = "") -> dict:
    """What a page is, from its file name (`paper_set.labels`: base tasks in execution order joined
    by `_`, `-transition`, `-reverse`), never from what an agent or the parser made of it. A name
    without `-reverse` whose instruction says "after" outside quotes (a page drawing its wording
    per episode) is labelled reverse for that episode."""
    lab = paper_set.labels(name)
    if lab["direction"] == "forward" and utterance and \
            re.search(r"\bafter\b", re.sub(r'"[^"]*"', "", utterance), re.I):
        lab["direction"] = "reverse"
    return lab


def _page_row(task: Task, utterance: str) -> dict:
    """Task columns of a result row: a project page's from its catalog entry, a page from
    `cfg.pages` from its file name (`page_labels`)."""
    if task.bases:
        return {"composition": task.composition, "n": task.n, "transition": task.transition,
                "direction": "base" if task.n == 1 else task.direction}
    lab = page_labels(task.name, utterance)
    return {k: lab[k] for k in ("composition", "n", "transition", "direction")}


def collect_demos(cfg, progress=lambda step, metrics: None) -> list[bc.Demo]:
    """Oracle demonstrations on the base pages (seeds disjoint from evaluation), cached."""
    from workbench.web.agent import run_episode

    bases, _ = select_tasks(cfg)

    def compute():
        demos, env = [], None
        try:
            for task in bases:
                rec = _Recorder(oracle())
                env = goto(env, task.name, page_dir(cfg, task), screenshots=False, time_limit_s=cfg.time_limit_s)
                for s in _seeds(cfg, "demo/" + task.name, cfg.bc_demo_episodes):
                    run_episode(env, rec, max_steps=_max_steps(cfg, task), seed=s)
                demos.extend(rec.demos)
        finally:
            if env is not None:
                env.close()
        return demos

    key = {"bases": [t.name for t in bases], "episodes": cfg.bc_demo_episodes, "seed": cfg.seed,
           "pages": pages_fingerprint() if cfg.task_set == "project" else "miniwob",
           "features": bc.FEATURES_VERSION}
    return cached("compwob/demos", key, compute)


def _one_line(e: BaseException) -> str:
    """The exception's type and the first line of its message (a browser error's stack trace and
    session details left out)."""
    first = next((ln.strip() for ln in str(e).splitlines() if ln.strip()), "no message")
    return f"{type(e).__name__}: {first.removeprefix('Message: ')[:200]}"


def _play_page(cfg, run: Run, env, task: Task, agents: dict, llm_pages: set[str]) -> None:
    """Every agent's episodes on the page `env` shows; rows go to `run.rows`."""
    from workbench.web.agent import run_episode

    for name, agent in agents.items():
        if name == "llm" and task.name not in llm_pages:
            continue
        n_eps = cfg.llm_episodes if name == "llm" else cfg.episodes
        watch = _Watch(agent)
        n_sub = task.n or page_labels(task.name)["n"]
        # a reverse twin (same JavaScript) replays its forward page's seeds, i.e. the same problems:
        # forward vs reverse then differs in the wording only, episode by episode
        for s in _seeds(cfg, task.name.removesuffix("-reverse"), n_eps):
            # the overlap baseline gets the LLM's step budget: it is the LLM agent minus the model
            steps = cfg.llm_steps_per_subtask * n_sub + 2 if name in ("llm", "overlap") else _max_steps(cfg, task)
            ep = run_episode(env, watch, max_steps=steps, seed=s)
            run.rows.append({
                "task": task.name, **_page_row(task, ep.utterance),
                "source": "paper" if cfg.task_set == "paper" else "pages" if not task.bases else "project",
                "agent": name, "seed": s, "success": bool(ep.success), "reward": ep.reward,
                "steps": ep.n_steps, "reason": ep.reason, "error": ep.error, "time_s": ep.time_s,
                **watch.stats})


def make_llm(cfg):
    """The config's LLM; `workbench.llm.get_llm` takes relative replay and record files from the repo root."""
    from workbench.llm import get_llm
    return get_llm(cfg.llm, record=cfg.llm_record or None)


def train(cfg, progress=lambda step, metrics: None) -> Run:
    """Demos -> BC -> evaluation of every agent on every selected page (see module docstring)."""
    unknown = [a for a in cfg.agents if a not in AGENTS]
    if unknown:
        raise WorkbenchError(f"unknown agent(s) {', '.join(unknown)}; choose from {', '.join(AGENTS)}")
    run = Run()
    bases, composed = select_tasks(cfg)
    pages = bases + composed
    progress(0, {"eval/oracle": 0.0})

    agents: dict[str, object] = {}
    if "oracle" in cfg.agents:
        agents["oracle"] = oracle()
    if "naive" in cfg.agents:
        agents["naive"] = naive()
    if "bc" in cfg.agents:
        t0 = time.perf_counter()
        demos = collect_demos(cfg)
        run.timings["demos_s"] = time.perf_counter() - t0
        t0 = time.perf_counter()
        model, run.bc_history = bc.train(demos, epochs=cfg.bc_epochs, lr=cfg.bc_lr, dim=cfg.bc_dim, seed=cfg.seed)
        run.timings["bc_train_s"] = time.perf_counter() - t0
        run.n_demos = len(demos)
        agents["bc"] = bc.BCAgent(model)
    llm_pages: set[str] = set()
    if "llm" in cfg.agents:
        from workbench.papers.compwob.llm_agent import LLMAgent
        t0 = time.perf_counter()
        agents["llm"] = LLMAgent(make_llm(cfg), k=cfg.llm_shortlist)
        run.timings["llm_load_s"] = time.perf_counter() - t0
        if cfg.task_set == "paper":
            llm_pages = {t.name for t in bases} | {t.name for t in composed if t.n <= cfg.paper_llm_max_n}
        else:
            lb = set(cfg.llm_bases) if cfg.llm_bases else {t.name for t in bases}
            lc = set(cfg.llm_compositions) if cfg.llm_compositions else {t.composition for t in composed}
            llm_pages = {t.name for t in bases if t.name in lb} | {t.name for t in composed if t.composition in lc}
    if "overlap" in cfg.agents:   # no model: cheap, so every page and cfg.episodes episodes
        from workbench.papers.compwob.overlap_agent import OverlapAgent
        agents["overlap"] = OverlapAgent()

    t_eval = time.perf_counter()
    env = None
    try:
        for k, task in enumerate(pages, start=1):
            first = len(run.rows)
            try:
                env = goto(env, task.name, page_dir(cfg, task), screenshots=False,
                           time_limit_s=cfg.time_limit_s)
                _play_page(cfg, run, env, task, agents, llm_pages)
            except Exception as e:  # noqa: BLE001 - a page that cannot be played is reported, the run goes on
                del run.rows[first:]            # no half-played page: every agent has it, or none
                run.broken[task.name] = _one_line(e)
                print(f"broken page {task.name}: {run.broken[task.name]}", file=sys.stderr)
                if env is not None:             # a fresh browser for the next page
                    try:
                        env.close()
                    except Exception:  # noqa: BLE001 - it is being replaced anyway
                        pass
                    env = None
            metrics = {}
            for name in agents:
                rows = [r for r in run.rows if r["agent"] == name]
                if rows:
                    metrics[f"eval/{name}"] = sum(r["success"] for r in rows) / len(rows)
            progress(k, metrics)
    finally:
        if env is not None:
            env.close()
    run.timings["eval_s"] = time.perf_counter() - t_eval
    return run
