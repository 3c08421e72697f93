"""Demonstration sets: oracle episodes recorded over many tasks, a dataset card, a torch loader.

    from workbench.web.demos import record_demos, DemoSteps
    card = record_demos("data/demos", ["click-button", "login-user"], episodes=50)
    steps = DemoSteps("data/demos")           # a torch Dataset of steps
    step = steps[0]    # {"screenshot", "html", "dom", "utterance", "sub_instruction", "refs",
                       #  "action", "action_kind", "action_ref", "action_text", "task", ...}

Layout: one recorder folder per task (`<folder>/tasks/<task>/`, `workbench.web.recorder` format)
plus `progress.json` in each (episodes attempted, so a failed attempt is not retried under
`success_only`), and the dataset card `card.json` + `card.md` (episodes, steps and success per
task, the settings). `record_demos` is resumable: a task's episodes are drawn from a seed
sequence of (`seed`, task), so a second call (after an interruption, or with a larger
`episodes`) records only the missing ones and the finished set does not depend on where it was
cut. `workers` browsers record different tasks at once (each ~450 MB; 2 at most on a shared
2-core machine). Composed pages: give `html_dir` (one folder for every task in the list).
"""
from __future__ import annotations

import json
import random
import threading
import time
from pathlib import Path

from workbench import WorkbenchError
from workbench.cache import atomic_write_bytes

CARD = "card.json"


def _task_dir(folder: Path, task: str) -> Path:
    return folder / "tasks" / task


def _progress(folder: Path, task: str) -> int:
    p = _task_dir(folder, task) / "progress.json"
    return json.loads(p.read_text())["attempted"] if p.exists() else 0


def _seeds(seed: int, task: str, n: int) -> list[int]:
    rng = random.Random(f"demos/{seed}/{task}")
    return [rng.randrange(2**31) for _ in range(n)]


def _agent_for(task: str, html_dir):
    """The base oracle of a MiniWoB task, else the composed-page oracle."""
    from workbench.web.oracles import PLANNERS, oracle

    if html_dir is None and task in PLANNERS:
        return oracle(task)
    from workbench.web.composed import oracle as composed_oracle
    return composed_oracle()


def _record_task(folder: Path, task: str, episodes: int, seed: int, screenshots: bool,
                 success_only: bool, html_dir, max_steps: int, env_box: list, log) -> None:
    from workbench.web.agent import run_episode
    from workbench.web.env import WebEnv
    from workbench.web.recorder import Recorder

    done = _progress(folder, task)
    if done >= episodes:
        return
    rec = Recorder(_task_dir(folder, task), screenshots=screenshots, success_only=success_only)
    if env_box[0] is None:
        env_box[0] = WebEnv(task, html_dir=html_dir, screenshots=screenshots)
    elif env_box[0].task != task or html_dir is not None:
        env_box[0].switch_task(task, html_dir=html_dir)
    agent = _agent_for(task, html_dir)
    for k, s in enumerate(_seeds(seed, task, episodes)[done:], start=done):
        run_episode(env_box[0], agent, max_steps=max_steps, seed=s, recorder=rec)
        atomic_write_bytes(_task_dir(folder, task) / "progress.json",
                           json.dumps({"attempted": k + 1}).encode())
    log(task)


def record_demos(folder, tasks: list[str], episodes: int = 20, seed: int = 0,
                 screenshots: bool = True, success_only: bool = False, workers: int = 1,
                 html_dir=None, max_steps: int = 30, progress=None) -> dict:
    """Record `episodes` oracle episodes of each task into `folder` (resumable; see the module
    docstring); returns the dataset card (also written to card.json / card.md)."""
    from workbench.web.oracles import PLANNERS

    folder = Path(folder)
    if episodes < 1 or workers < 1:
        raise WorkbenchError("episodes and workers must be at least 1")
    if html_dir is None:
        unknown = [t for t in tasks if t not in PLANNERS]
        if unknown:
            raise WorkbenchError(f"no oracle for {', '.join(unknown)} (give html_dir for pages)")
    folder.mkdir(parents=True, exist_ok=True)
    settings = {"episodes": episodes, "seed": seed, "screenshots": screenshots,
                "success_only": success_only, "html_dir": str(html_dir) if html_dir else None,
                "max_steps": max_steps}
    old = folder / CARD
    if old.exists():
        prev = json.loads(old.read_text()).get("settings", {})
        clash = {k: (prev.get(k), v) for k, v in settings.items()
                 if k not in ("episodes",) and k in prev and prev[k] != v}
        if clash:
            raise WorkbenchError(f"{folder} was recorded with other settings: {clash}")
    todo = list(tasks)
    lock = threading.Lock()
    errors: list[BaseException] = []
    t0 = time.perf_counter()

    def log(task):
        if progress is not None:
            with lock:
                progress(task)

    def worker():
        box = [None]
        try:
            while True:
                with lock:
                    if not todo or errors:
                        return
                    task = todo.pop(0)
                _record_task(folder, task, episodes, seed, screenshots, success_only,
                             html_dir, max_steps, box, log)
        except BaseException as e:  # noqa: BLE001 - re-raised in the caller's thread
            with lock:
                errors.append(e)
        finally:
            if box[0] is not None:
                box[0].close()

    threads = [threading.Thread(target=worker, daemon=True) for _ in range(min(workers, len(tasks)))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if errors:
        raise errors[0]
    return write_card(folder, tasks, settings, time.perf_counter() - t0)


def write_card(folder, tasks: list[str], settings: dict, seconds: float | None = None) -> dict:
    """Summarise the recorded tasks into card.json and card.md (atomic writes)."""
    from workbench.web.catalog import is_visual
    from workbench.web.recorder import load_dataset

    folder = Path(folder)
    rows = {}
    for task in tasks:
        d = _task_dir(folder, task)
        if not (d / "meta.json").exists():
            continue
        ds = load_dataset(d)
        n = len(ds.episodes)
        rows[task] = {"attempted": _progress(folder, task), "episodes": n, "steps": len(ds),
                      "successes": sum(e["success"] for e in ds.episodes),
                      "success_rate": round(sum(e["success"] for e in ds.episodes) / max(1, n), 4),
                      "visual": is_visual(task)}
    card = {"format": "workbench-web-demos", "version": 1, "settings": settings,
            "tasks": rows, "totals": {k: sum(r[k] for r in rows.values())
                                      for k in ("attempted", "episodes", "steps", "successes")},
            "record_seconds": round(seconds, 1) if seconds is not None else None}
    atomic_write_bytes(folder / CARD, json.dumps(card, indent=1).encode())
    lines = ["# Demonstrations", "", "Recorded by `workbench.web.demos.record_demos` with the "
             "scripted oracles.", "", "Settings: " + ", ".join(f"{k}={v}" for k, v in
                                                              settings.items()), "",
             "| task | visual | episodes | steps | success |", "|---|---|---|---|---|"]
    for t, r in rows.items():
        lines.append(f"| {t} | {'yes' if r['visual'] else ''} | {r['episodes']} | {r['steps']} "
                     f"| {r['success_rate']:.2f} |")
    tot = card["totals"]
    lines += ["", f"Total: {tot['episodes']} episodes, {tot['steps']} steps, "
              f"{tot['successes']} successful."]
    atomic_write_bytes(folder / "card.md", ("\n".join(lines) + "\n").encode())
    return card


def load_card(folder) -> dict:
    p = Path(folder) / CARD
    if not p.exists():
        raise WorkbenchError(f"{folder} has no {CARD} (not a demonstration set)")
    return json.loads(p.read_text())


class DemoSteps:
    """The steps of a demonstration set as a torch-style Dataset (`len`, `[i]`; wrap it in
    `torch.utils.data.DataLoader(steps, collate_fn=DemoSteps.collate)`).

    Item: {"task", "episode", "step", "utterance", "sub_instruction", "refs", "html", "dom"
    (list of element dicts), "action" (string form), "action_kind", "action_ref" (-1 if none),
    "action_text", "screenshot" (uint8 torch tensor H x W x 3, or None), "regions", "success"}.
    `success_only` keeps steps of successful episodes (WebGUM's filtered demonstrations);
    `tasks` a subset; `screenshots=False` skips loading PNGs.
    """

    def __init__(self, folder, success_only: bool = True, tasks: list[str] | None = None,
                 screenshots: bool = True):
        from workbench.web.recorder import load_dataset

        folder = Path(folder)
        card = load_card(folder)
        names = [t for t in card["tasks"] if tasks is None or t in tasks]
        self.screenshots = screenshots
        self.steps = []
        for t in names:
            ds = load_dataset(_task_dir(folder, t), success_only=success_only)
            ok = {e["episode"]: e["success"] for e in ds.episodes}
            self.steps.extend((s, ok[s.episode]) for s in ds.steps)

    def __len__(self) -> int:
        return len(self.steps)

    def __getitem__(self, i: int) -> dict:
        s, success = self.steps[i]
        r = s.record
        a = s.action
        shot = None
        if self.screenshots:
            img = s.load_screenshot()
            if img is not None:
                import torch
                shot = torch.from_numpy(img.copy())
        return {"task": r["task"], "episode": r["episode"], "step": r["step"],
                "utterance": r["utterance"], "sub_instruction": s.sub_instruction,
                "refs": s.refs, "html": r["html"], "dom": r["dom"], "action": r["action"],
                "action_kind": a.kind, "action_ref": -1 if a.ref is None else a.ref,
                "action_text": a.text or a.key or "", "screenshot": shot,
                "regions": r.get("regions", {}), "success": success}

    @staticmethod
    def collate(items: list[dict]) -> dict:
        """Batch items: lists per key; `action_ref` as a tensor; screenshots stacked into one
        tensor when they share a size (else a list)."""
        import torch

        out = {k: [it[k] for it in items] for k in items[0]}
        out["action_ref"] = torch.tensor(out["action_ref"])
        shots = out["screenshot"]
        if shots and all(x is not None for x in shots) and len({tuple(x.shape) for x in shots}) == 1:
            out["screenshot"] = torch.stack(shots)
        return out
