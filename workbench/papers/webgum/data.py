"""Demonstrations -> model inputs: one `featurize` for recorded steps and live observations alike.

A step's inputs (numpy, variable length; `pack` pads a list of them into a batch of tensors):
- `instr` [Li] hashed instruction words (`tokens.words`), `instr_words` the words with offsets;
- `html` [Lh] hashed HTML tokens (`tokens.html_tokens`) of the page's HTML view, truncated to
  `max_html_tokens`. The view is `cfg.html_view`: "dom" (default) rebuilds the HTML from the DOM's
  fields (`workbench.web.observation.dom_html`: tag, id, class, text, value, ref; no style, no SVG
  paint), the HTML WebN-T5 and WebGUM read; "raw" is the recorded `#wrap` markup;
- element slots, one per numbered element of the HTML that the DOM shows (document order, at most
  `max_elements`): `elem_refs` [E], `elem_tok` [E, K] positions of the element's own HTML tokens
  (-1 pad), `elem_match` [E, 2] word overlap with the instruction (share, any), `elem_box` [E, 4]
  its box in the task-area crop (x0, y0, x1, y1 in [0, 1]), `elem_rgb` [E, 6] mean and std of its
  pixels (/255), `elem_hist` [E] how often this episode acted on it (0..3: the action history);
- `frame` [S, S, 3] uint8: the task area (`workbench.web.observation.crop`, the instruction bar cut
  off as in the paper) resized to `image_size`; the previous step's frame is the second "temporal"
  frame (a blank frame at step 0);
- `step` (int) and labels `kind` (0 click, 1 type), `elem` (slot of the acted element), `span`
  (start, end instruction words of the typed text; -1 for clicks).

Which input belongs to which modality: HTML = `html`, `elem_tok`, `elem_match`; image = frames,
`elem_box`, `elem_rgb` (where the element is drawn and what its pixels are). The instruction, the
step and the action history go to every variant, as in the paper.
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from workbench import WorkbenchError
from workbench.papers.webgum.tokens import find_span, html_tokens, token_id, words

FEATURES_VERSION = 2   # bump when featurize() changes: cached examples hold its output
ELEM_TOKENS = 12       # own HTML tokens per element slot (tag, attributes, text)
KINDS = ("click", "type")


def area_frame(screenshot: np.ndarray | None, regions: dict, size: int) -> tuple[np.ndarray, tuple]:
    """(the task area resized to size x size uint8, its box (x0, y0, x1, y1) in screenshot pixels);
    a black frame when there is no screenshot."""
    from PIL import Image
    from workbench.web.observation import crop, QUERY_HEIGHT

    if screenshot is None:
        return np.zeros((size, size, 3), np.uint8), (0, QUERY_HEIGHT, 160, 210)
    area = crop(screenshot, "area", regions)
    h, w = screenshot.shape[:2]
    wrap = (regions or {}).get("wrap") or (0, 0, w, h)
    query = (regions or {}).get("query") or (wrap[0], wrap[1], wrap[2], wrap[1] + QUERY_HEIGHT)
    box = (max(0, wrap[0]), max(0, query[3]), min(w, wrap[2]), min(h, wrap[3]))
    img = Image.fromarray(np.ascontiguousarray(area)).resize((size, size), Image.BILINEAR)
    return np.asarray(img, dtype=np.uint8), box


def html_view(html: str, dom: list[dict], view: str) -> str:
    """The HTML a model reads: "dom" = `observation.dom_html(dom)`, "raw" = the recorded markup."""
    from workbench.web.observation import dom_html

    if view == "dom":
        return dom_html(dom)
    if view == "raw":
        return html
    raise WorkbenchError(f"html_view={view!r}: choose dom or raw")


def featurize(utterance: str, html: str, dom: list[dict], screenshot, regions: dict, acted: list[int],
              step: int, cfg, action=None) -> dict:
    """Model inputs of one step (see the module docstring); with `action` (a click/type Action) also
    its labels, or None when the action cannot be expressed (its element has no slot, its text is not
    a run of instruction words)."""
    iw = words(utterance)[: cfg.max_instr_tokens]
    instr = np.array([token_id(w) for w, _, _ in iw] or [0], np.int64)
    toks = html_tokens(html_view(html, dom, cfg.html_view))[: cfg.max_html_tokens]
    html_ids = np.array([token_id(t.text) for t in toks] or [0], np.int64)
    frame, (ax0, ay0, ax1, ay1) = area_frame(screenshot, regions, cfg.image_size)
    full = None
    if screenshot is not None:
        full = screenshot[ay0:ay1, ax0:ax1].astype(np.float32) / 255.0
    aw, ah = max(1, ax1 - ax0), max(1, ay1 - ay0)
    by_ref = {d["ref"]: d for d in dom}
    own: dict[int, list[int]] = {}
    for i, t in enumerate(toks):
        if t.ref > 0 and t.ref in by_ref:
            own.setdefault(t.ref, []).append(i)
    refs = list(own)[: cfg.max_elements]
    instr_set = {w for w, _, _ in iw if w.isalnum()}
    n = len(refs)
    elem_tok = np.full((max(n, 1), ELEM_TOKENS), -1, np.int64)
    elem_match = np.zeros((max(n, 1), 2), np.float32)
    elem_box = np.zeros((max(n, 1), 4), np.float32)
    elem_rgb = np.zeros((max(n, 1), 6), np.float32)
    elem_hist = np.zeros(max(n, 1), np.int64)
    for k, ref in enumerate(refs):
        idx = own[ref][:ELEM_TOKENS]
        elem_tok[k, :len(idx)] = idx
        content = {toks[i].text for i in own[ref] if toks[i].kind in ("value", "text") and toks[i].text.isalnum()}
        if content and cfg.match_feature:
            hit = len(content & instr_set)
            elem_match[k] = (hit / len(content), float(hit > 0))
        d = by_ref[ref]
        x0, y0 = (d["left"] - ax0) / aw, (d["top"] - ay0) / ah
        x1, y1 = x0 + d["width"] / aw, y0 + d["height"] / ah
        elem_box[k] = np.clip([x0, y0, x1, y1], 0.0, 1.0)
        if full is not None:
            px = full[int(elem_box[k, 1] * ah):int(np.ceil(elem_box[k, 3] * ah)),
                      int(elem_box[k, 0] * aw):int(np.ceil(elem_box[k, 2] * aw))].reshape(-1, 3)
            if len(px):
                elem_rgb[k] = np.concatenate([px.mean(0), px.std(0)])
        elem_hist[k] = min(3, sum(r == ref for r in acted))
    ex = {"instr": instr, "instr_words": iw, "utterance": utterance, "html": html_ids, "elem_refs": refs,
          "elem_tok": elem_tok, "elem_match": elem_match, "elem_box": elem_box, "elem_rgb": elem_rgb,
          "elem_hist": elem_hist, "frame": frame, "step": int(step), "kind": -1, "elem": -1, "span": (-1, -1)}
    if action is None:
        return ex
    if action.kind not in KINDS or action.ref not in refs:
        return None
    ex["kind"], ex["elem"] = KINDS.index(action.kind), refs.index(action.ref)
    if action.kind == "type":
        span = find_span(utterance[: iw[-1][2]] if iw else "", iw, action.text)
        if span is None:
            return None
        ex["span"] = span
    return ex


@dataclass
class Examples:
    """Featurised demonstration steps. `prev[i]`: index of the step before i in its episode (-1 at
    an episode's start); `episode_of[i]` = (task, episode index among the task's successful ones)."""
    items: list[dict] = field(default_factory=list)
    prev: list[int] = field(default_factory=list)
    episode_of: list[tuple[str, int]] = field(default_factory=list)
    dropped: dict = field(default_factory=dict)   # task -> steps whose action had no label

    def subset(self, episodes_per_task: int) -> list[int]:
        """Indices of the steps of the first `episodes_per_task` episodes of every task (nested sets)."""
        return [i for i, (_, e) in enumerate(self.episode_of) if e < episodes_per_task]

    def heldout(self, start: int) -> list[int]:
        """Indices of the steps of every task's episodes from the `start`-th on (the held-out ones)."""
        return [i for i, (_, e) in enumerate(self.episode_of) if e >= start]

    def tasks(self) -> list[str]:
        return list(dict.fromkeys(t for t, _ in self.episode_of))


def build_examples(folder, tasks: list[str], episodes: int, cfg) -> Examples:
    """Featurise the first `episodes` successful demonstrations of each task in a `record_demos`
    folder. An episode with a step that has no label is left out whole (its other steps would teach
    half a solution) and counted in `dropped`."""
    from workbench.web.recorder import load_dataset

    out = Examples()
    for task in tasks:
        ds = load_dataset(Path(folder) / "tasks" / task, success_only=True)
        by_ep: dict[int, list] = {}
        for s in ds.steps:
            by_ep.setdefault(s.episode, []).append(s)
        kept = 0
        for e in ds.episodes:
            if kept >= episodes:
                break
            rows, acted, ok = [], [], True
            for s in by_ep.get(e["episode"], []):
                r = s.record
                ex = featurize(r["utterance"], r["html"], r["dom"], s.load_screenshot(), r.get("regions", {}),
                               acted, r["step"], cfg, action=s.action)
                if ex is None:
                    ok = False
                    break
                rows.append(ex)
                acted.append(s.action.ref)
            if not ok or not rows:
                out.dropped[task] = out.dropped.get(task, 0) + 1
                continue
            start = len(out.items)
            for k, ex in enumerate(rows):
                out.items.append(ex)
                out.prev.append(start + k - 1 if k else -1)
                out.episode_of.append((task, kept))
            kept += 1
    return out


def pack(items: list[dict], prev_frames: list[np.ndarray | None], cfg) -> dict:
    """Pad a list of featurised steps into one batch of torch tensors (lengths = the batch's longest).
    `prev_frames[i]`: the frame before item i (None: blank). Keys: instr [B, Li], html [B, Lh],
    elem_tok [B, E, K], elem_match, elem_box, elem_rgb [B, E, .], elem_hist [B, E], elem_mask [B, E],
    frames [B, H, S, S, 3] uint8 (current first), step [B], kind [B], elem [B], span [B, 2]."""
    import torch

    B = len(items)
    Li = max(len(x["instr"]) for x in items)
    Lh = max(len(x["html"]) for x in items)
    E = max(len(x["elem_tok"]) for x in items)
    S = cfg.image_size
    out = {"instr": np.zeros((B, Li), np.int64), "html": np.zeros((B, Lh), np.int64),
           "elem_tok": np.full((B, E, items[0]["elem_tok"].shape[1]), -1, np.int64),
           "elem_match": np.zeros((B, E, 2), np.float32), "elem_box": np.zeros((B, E, 4), np.float32),
           "elem_rgb": np.zeros((B, E, 6), np.float32), "elem_hist": np.zeros((B, E), np.int64),
           "elem_mask": np.zeros((B, E), bool), "frames": np.zeros((B, cfg.frames, S, S, 3), np.uint8),
           "step": np.zeros(B, np.int64), "kind": np.zeros(B, np.int64), "elem": np.zeros(B, np.int64),
           "span": np.zeros((B, 2), np.int64)}
    for b, x in enumerate(items):
        out["instr"][b, :len(x["instr"])] = x["instr"]
        out["html"][b, :len(x["html"])] = x["html"]
        e = len(x["elem_refs"])
        for k in ("elem_tok", "elem_match", "elem_box", "elem_rgb", "elem_hist"):
            out[k][b, :e] = x[k][:e]
        out["elem_mask"][b, :e] = True
        out["frames"][b, 0] = x["frame"]
        if cfg.frames > 1 and prev_frames[b] is not None:
            out["frames"][b, 1] = prev_frames[b]
        out["step"][b] = x["step"]
        out["kind"][b], out["elem"][b] = max(0, x["kind"]), max(0, x["elem"])
        out["span"][b] = x["span"]
    return {k: torch.from_numpy(v) for k, v in out.items()}


def pack_examples(ex: Examples, idx: list[int], cfg) -> dict:
    """`pack` for dataset indices (previous frames looked up through `ex.prev`). Only the current and
    the previous frame are kept per step, so frames > 2 repeats the oldest one it has."""
    items = [ex.items[i] for i in idx]
    prev = [ex.items[ex.prev[i]]["frame"] if ex.prev[i] >= 0 else None for i in idx]
    return pack(items, prev, cfg)


def demo_key(cfg) -> dict:
    """What a demonstration folder depends on (the oracles' code is part of it through the hash)."""
    import workbench.web.oracles as o
    import workbench.web.oracles_subset as s

    code = hashlib.sha256(Path(o.__file__).read_bytes() + Path(s.__file__).read_bytes()).hexdigest()[:12]
    return {"seed": cfg.seed, "max_steps": 30, "oracles": code}


def demo_folder(cfg) -> Path:
    from workbench.cache import cache_dir, key_of

    return cache_dir() / "webgum" / f"demos-{key_of(demo_key(cfg))}"


def record(cfg, progress=None) -> dict:
    """Record (or complete) `demo_episodes + heldout_episodes` oracle episodes of every task into the cached folder;
    resumable (`workbench.web.demos.record_demos`). Returns the dataset card."""
    from workbench.web.demos import record_demos

    folder = demo_folder(cfg)
    card = record_demos(folder, list(cfg.tasks), episodes=cfg.demo_episodes + cfg.heldout_episodes, seed=cfg.seed,
                        max_steps=30,
                        progress=progress)
    (folder / "key.json").write_text(json.dumps(demo_key(cfg)))
    return card


def card_rows(card: dict, ex: Examples | None = None) -> list[dict]:
    """The dataset card as table rows: task, visual, episodes, steps, oracle success, and (given the
    featurised examples) the episodes used and the ones left out for an inexpressible step."""
    rows = []
    for t, r in card["tasks"].items():
        row = {"task": t, "visual": r["visual"], "episodes": r["episodes"], "steps": r["steps"],
               "steps_per_episode": round(r["steps"] / max(1, r["episodes"]), 2), "oracle_success": r["success_rate"]}
        if ex is not None:
            row["used_episodes"] = len({e for tt, e in ex.episode_of if tt == t})
            row["used_steps"] = sum(tt == t for tt, _ in ex.episode_of)
            row["dropped_episodes"] = ex.dropped.get(t, 0)
        rows.append(row)
    return rows


def check_tasks_recorded(card: dict, tasks) -> None:
    missing = [t for t in tasks if t not in card["tasks"]]
    if missing:
        raise WorkbenchError(f"no demonstrations recorded for {', '.join(missing)}")
