"""Episode recorder: demonstrations as JSONL + PNG, and their loader (WebGUM trains on these).

Dataset layout (a folder; `Recorder(folder)` creates or appends to it):

    <folder>/
      meta.json          {"format": "workbench-web-episodes", "version": 1}
      episodes.jsonl     one JSON object per finished episode
      steps.jsonl        one JSON object per step, in order, grouped by episode
      screenshots/       e000042_s003.png : what the agent saw before step 3 of episode 42

`episodes.jsonl` record:
    episode (int, 0-based, unique in the folder), task (str), seed (int), utterance (str),
    n_steps (int), reward (float, MiniWoB raw reward), success (bool), truncated (bool),
    crashed (bool), time_s (float), error (str|null), actions (list[str], string form).

`steps.jsonl` record (one per action; the observation is the one the action was chosen from):
    episode (int), step (int, 0-based), task, utterance,
    fields (list[[key, value]]), html (str, `#wrap` outerHTML with `data-wob_ref`),
    regions ({"wrap"|"query"|"area": [x0, y0, x1, y1]}: boxes in screenshot pixels;
         `observation.crop` cuts the instruction bar or the task area with them),
    dom (list of Element dicts: ref, parent, tag, text, value, id, classes, left, top, width,
         height, focused, depth, bg_color, fg_color), screenshot (str path relative to the folder, or null),
    action (str, e.g. 'type(ref=5, text="Ann")'; `actions.parse_action` reads it back),
    sub_instruction (str: what the oracle was doing, '<clause or skill>: <step>', e.g.
         'log in as "ann" with password "x": type the username'; "" when the agent gives none),
    refs (list[int]: the elements that sub-instruction needs, e.g. the field and its form),
    reward (float, 0 until the last step), terminated (bool), truncated (bool), success (bool).

Episodes are written when they end (all their steps at once), so an interrupted run never leaves
half an episode. `load_dataset(folder)` returns a `Dataset` whose steps rebuild `Observation`s
(screenshots loaded on demand) and parsed `Action`s.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from workbench import WorkbenchError
from workbench.web.actions import Action, parse_action
from workbench.web.observation import Element, Observation

FORMAT = {"format": "workbench-web-episodes", "version": 1}


def _jsonable(v):
    if isinstance(v, (np.bool_,)):
        return bool(v)
    if isinstance(v, np.generic):
        return v.item()
    return v


class Recorder:
    """Writes episodes played through `agent.run_episode(..., recorder=rec)` into a folder.

    `screenshots=False` skips PNGs (the env must have `screenshots=True` for them to exist);
    `success_only=True` keeps only successful episodes (WebGUM's filtered demonstrations).
    """

    def __init__(self, folder: str | Path, screenshots: bool = True, success_only: bool = False):
        self.folder = Path(folder)
        self.screenshots = screenshots
        self.success_only = success_only
        (self.folder / "screenshots").mkdir(parents=True, exist_ok=True)
        meta = self.folder / "meta.json"
        if meta.exists():
            if json.loads(meta.read_text()).get("format") != FORMAT["format"]:
                raise WorkbenchError(f"{self.folder} holds another kind of dataset")
        else:
            meta.write_text(json.dumps(FORMAT))
        self.next_episode = 0
        ep_file = self.folder / "episodes.jsonl"
        if ep_file.exists():
            with ep_file.open() as f:
                ids = [json.loads(line)["episode"] for line in f if line.strip()]
            self.next_episode = max(ids) + 1 if ids else 0
        self._steps: list[dict] = []
        self._shots: list[tuple[Path, np.ndarray]] = []
        self._obs_meta: dict | None = None

    def start_episode(self, task: str, seed: int | None, obs: Observation) -> None:
        self._steps, self._shots = [], []
        self._obs_meta = {"task": task, "seed": seed, "utterance": obs.utterance}

    def record_step(self, obs: Observation, action: Action, result, note: dict | None = None) -> None:
        ep, k = self.next_episode, len(self._steps)
        shot = None
        if self.screenshots and obs.screenshot is not None:
            rel = Path("screenshots") / f"e{ep:06d}_s{k:03d}.png"
            self._shots.append((self.folder / rel, obs.screenshot))
            shot = str(rel)
        self._steps.append({
            "episode": ep, "step": k, "task": self._obs_meta["task"],
            "utterance": obs.utterance, "fields": [list(f) for f in obs.fields],
            "html": obs.html,
            "dom": [{kk: _jsonable(vv) for kk, vv in e.to_dict().items()} for e in obs.dom],
            "screenshot": shot,
            "regions": {k: list(v) for k, v in (obs.regions or {}).items()},
            "action": str(action),
            "sub_instruction": str((note or {}).get("sub_instruction") or ""),
            "refs": [int(r) for r in (note or {}).get("refs") or []],
            "reward": float(result.reward),
            "terminated": bool(result.terminated), "truncated": bool(result.truncated),
            "success": bool(result.success)})

    def end_episode(self, episode) -> None:
        """Write the finished episode (an `agent.Episode`) and its steps."""
        if self._obs_meta is None:
            return
        if self.success_only and not episode.success:
            self._obs_meta = None
            return
        from PIL import Image

        for path, arr in self._shots:
            Image.fromarray(np.asarray(arr, dtype=np.uint8)).save(path)
        with (self.folder / "steps.jsonl").open("a") as f:
            for s in self._steps:
                f.write(json.dumps(s, ensure_ascii=False) + "\n")
        record = {"episode": self.next_episode, "task": episode.task, "seed": episode.seed,
                  "utterance": episode.utterance, "n_steps": episode.n_steps,
                  "reward": float(episode.reward), "success": bool(episode.success),
                  "truncated": bool(episode.truncated), "crashed": bool(episode.crashed),
                  "time_s": round(float(episode.time_s), 4), "error": episode.error,
                  "actions": list(episode.steps)}
        with (self.folder / "episodes.jsonl").open("a") as f:
            f.write(json.dumps(record, ensure_ascii=False) + "\n")
        self.next_episode += 1
        self._obs_meta = None


@dataclass
class StepRecord:
    """One loaded step: `observation` (screenshot loaded lazily via `.load_screenshot()`),
    `action`, and the raw JSON record."""

    folder: Path
    record: dict

    @property
    def episode(self) -> int:
        return self.record["episode"]

    @property
    def action(self) -> Action:
        return parse_action(self.record["action"])

    @property
    def sub_instruction(self) -> str:
        return self.record.get("sub_instruction", "")

    @property
    def refs(self) -> list[int]:
        return list(self.record.get("refs", []))

    def load_screenshot(self) -> np.ndarray | None:
        rel = self.record.get("screenshot")
        if not rel:
            return None
        from PIL import Image

        with Image.open(self.folder / rel) as im:
            return np.asarray(im.convert("RGB"))

    def observation(self, screenshot: bool = True) -> Observation:
        r = self.record
        return Observation(utterance=r["utterance"], fields=[tuple(f) for f in r["fields"]],
                           dom=[Element(**d) for d in r["dom"]], html=r["html"],
                           screenshot=self.load_screenshot() if screenshot else None,
                           regions={k: tuple(v) for k, v in r.get("regions", {}).items()})


@dataclass
class Dataset:
    folder: Path
    episodes: list[dict]
    steps: list[StepRecord]

    def episode_steps(self, episode: int) -> list[StepRecord]:
        return [s for s in self.steps if s.episode == episode]

    def __len__(self) -> int:
        return len(self.steps)


def load_dataset(folder: str | Path, success_only: bool = False,
                 tasks: list[str] | None = None) -> Dataset:
    """Read a recorder folder (see module docstring); optionally keep only successful episodes
    and/or some tasks."""
    folder = Path(folder)
    meta = folder / "meta.json"
    if not meta.exists() or json.loads(meta.read_text()).get("format") != FORMAT["format"]:
        raise WorkbenchError(f"{folder} is not a recorded web dataset (no meta.json)")
    episodes = []
    if (folder / "episodes.jsonl").exists():
        with (folder / "episodes.jsonl").open() as f:
            episodes = [json.loads(line) for line in f if line.strip()]
    episodes = [e for e in episodes if (not success_only or e["success"])
                and (tasks is None or e["task"] in tasks)]
    keep = {e["episode"] for e in episodes}
    steps = []
    if (folder / "steps.jsonl").exists():
        with (folder / "steps.jsonl").open() as f:
            for line in f:
                if line.strip():
                    r = json.loads(line)
                    if r["episode"] in keep:
                        steps.append(StepRecord(folder, r))
    return Dataset(folder, episodes, steps)
