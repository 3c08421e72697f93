"""Behaviour data: expert rollouts stored as per-part states, tokenised afterwards (MxT Sec. 4.1 / 4.3).

MxT's pipeline saves raw brax QPs (`generate_behavior_and_qp.py`) and renders them into any observation
later (`generate_behavior_from_qp.py`); here `collect` keeps each step's link poses and velocities, joint
angles and goal (`arena.transitions`), and `build` turns them into the padded token layout, so the same
transitions feed the MTG Transformer, the flat MLP and the no-morphology ablation.

Actions: the states come from the expert's *stochastic* policy (diverse states, as MxT rolls out its PPO
policy); the label at each state is the expert's *deterministic* (mean) action -- an unverified choice,
made so the student copies the policy rather than its exploration noise.
"""
from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np

from workbench import cache
from workbench.papers.mxt import tokens as tk


def file_digest(path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()[:16]


def collect(arena, expert_path, seed: int, steps: int, use_cache: bool = True) -> dict:
    """The expert's stochastic rollouts in every episode of `arena` (mode DATA) as transitions, cached by the
    expert file's content, the env, the episode count, steps and seed."""
    from workbench.papers.mxt.arena import DATA, transitions
    key = {"expert": file_digest(expert_path), "body": arena.body, "task": arena.task, "episodes": arena.episodes,
           "steps": steps, "seed": seed, "v": 2}
    return cache.cached("mxt/data", key, lambda: transitions(arena, arena.play(DATA, seed=seed, steps=steps)),
                        enabled=use_cache)


def build(env, data: dict, pad_to: int) -> dict:
    """Tokenise one environment's transitions: tokens [M, N, F], mask [M, N], target [M, N] (the action on
    its token slot, 0 elsewhere), action_mask [M, N]."""
    tok, mask = tk.tokenize_states(env, data["states"], data["goal"], pad_to)
    slots = tk.action_slots(env)
    m = len(data["action"])
    target = np.zeros((m, pad_to), np.float32)
    target[:, slots] = data["action"]
    amask = np.broadcast_to(tk.action_mask(env, pad_to), (m, pad_to)).copy()
    return {"tokens": tok.astype(np.float32), "mask": mask.astype(np.float32), "target": target, "action_mask": amask}


def concat(parts: list[dict], cap: int | None = None, seed: int = 0) -> dict:
    """Stack per-environment token sets, each cut to `cap` rows (random, fixed seed) so every env counts alike;
    adds `env` [M] (the index of its part)."""
    rng = np.random.default_rng(seed)
    out = {k: [] for k in ("tokens", "mask", "target", "action_mask", "env")}
    for i, p in enumerate(parts):
        m = len(p["target"])
        idx = np.sort(rng.choice(m, cap, replace=False)) if cap and m > cap else np.arange(m)
        for k in ("tokens", "mask", "target", "action_mask"):
            out[k].append(p[k][idx])
        out["env"].append(np.full(len(idx), i))
    return {k: np.concatenate(v) for k, v in out.items()}


def pool(rows: np.ndarray, size: int, seed: int = 0) -> np.ndarray:
    """`rows` shuffled and tiled to exactly `size` indices: every student samples minibatches from an index
    pool of one length, so every training run of a model kind reuses one compilation."""
    rows = np.random.default_rng(seed).permutation(np.asarray(rows))
    return np.resize(rows, size).astype(np.int32)
