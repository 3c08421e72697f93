"""Braxlines' behaviour metrics (Sec. 5 "Evaluation"): binned I(z; s), H(s), H(s|z), latent goal
reaching (LGR) distance and energy distance. numpy only; values in nats.

Braxlines bins each state dimension separately (1000 bins) and pairs of dimensions (30 x 30); here the
2-D state of a point mass is binned jointly on a `bins x bins` grid over a fixed box, which is the
pairwise variant.
"""
from __future__ import annotations

import numpy as np


def _entropy_from_counts(counts: np.ndarray) -> float:
    p = counts[counts > 0] / counts.sum()
    return float(-(p * np.log(p)).sum())


def binned_entropy(s: np.ndarray, bins: int = 30, box: float = 5.0) -> float:
    """H(s) of samples s [N, d] (d = 1 or 2) histogrammed on `bins` per dimension over [-box, box]^d."""
    s = np.clip(np.asarray(s, float), -box, box - 1e-9)
    counts, _ = np.histogramdd(s, bins=[bins] * s.shape[1], range=[(-box, box)] * s.shape[1])
    return _entropy_from_counts(counts)


def binned_mi(s: np.ndarray, z: np.ndarray, bins: int = 30, box: float = 5.0) -> dict[str, float]:
    """I(z; s) = H(s) - sum_k p(k) H(s | z=k) for discrete labels z [N] and states s [N, d].

    Returns {"mi", "h_s", "h_s_given_z"}; the maximum is log K when each skill owns its bins."""
    s, z = np.asarray(s, float), np.asarray(z)
    h_s = binned_entropy(s, bins, box)
    labels, counts = np.unique(z, return_counts=True)
    h_cond = sum(c / len(z) * binned_entropy(s[z == k], bins, box) for k, c in zip(labels, counts))
    return {"mi": h_s - h_cond, "h_s": h_s, "h_s_given_z": h_cond}


def energy_distance(x: np.ndarray, y: np.ndarray) -> float:
    """2 E|X - Y| - E|X - X'| - E|Y - Y'| (Euclidean; V-statistic, so 0 only when the samples coincide)."""
    x, y = np.asarray(x, float), np.asarray(y, float)

    def mean_dist(a, b):
        return float(np.sqrt(((a[:, None, :] - b[None, :, :]) ** 2).sum(-1)).mean())

    return 2 * mean_dist(x, y) - mean_dist(x, x) - mean_dist(y, y)


def goal_distance(final: np.ndarray, goals: np.ndarray) -> float:
    """Latent goal reaching: root-mean-square distance between final states and their goals."""
    return float(np.sqrt(((np.asarray(final) - np.asarray(goals)) ** 2).sum(-1).mean()))


# ---- the same metrics over a resample of whole episodes (the bootstrap's statistic), computed exactly
# from per-episode summaries so that 1000 replicates cost milliseconds, not minutes -------------------

def _counts_from(idx, n: int) -> np.ndarray:
    return np.bincount(np.asarray(idx), minlength=n).astype(float)


def energy_by_episode(episodes: np.ndarray, target: np.ndarray):
    """f(idx) = energy_distance(pooled positions of episodes[idx], target), for episodes [E, T, d].

    Exact: pooled mean distances are count-weighted means of per-episode(-pair) mean distances."""
    from scipy.spatial.distance import cdist
    e, t = episodes.shape[:2]
    x = np.asarray(episodes, float).reshape(e * t, -1)
    target = np.asarray(target, float)
    to_target = cdist(x, target).reshape(e, t, -1).mean((1, 2))        # [E]
    between = cdist(x, x).reshape(e, t, e, t).mean((1, 3))             # [E, E]
    within_target = cdist(target, target).mean()

    def f(idx) -> float:
        c = _counts_from(idx, e)
        n = c.sum()
        return float(2 * c @ to_target / n - c @ between @ c / n ** 2 - within_target)
    return f


def mi_by_episode(episodes: np.ndarray, labels: np.ndarray, bins: int = 30, box: float = 5.0):
    """f(idx) = binned_mi(pooled positions of episodes[idx], their episodes' labels)["mi"], for 2-D
    positions [E, T, 2] and one label per episode."""
    e, t = episodes.shape[:2]
    s = np.clip(np.asarray(episodes, float).reshape(e * t, 2), -box, box - 1e-9)
    cell = np.floor((s + box) / (2 * box) * bins).astype(int)
    flat = (cell[:, 0] * bins + cell[:, 1]).reshape(e, t)
    per_episode = np.stack([np.bincount(f, minlength=bins * bins) for f in flat]).astype(float)  # [E, bins^2]
    labels = np.asarray(labels)
    groups = [labels == k for k in np.unique(labels)]

    def entropy(counts):
        p = counts[counts > 0] / counts.sum()
        return float(-(p * np.log(p)).sum())

    def f(idx) -> float:
        c = _counts_from(idx, e)
        h_s = entropy(c @ per_episode)
        h_cond = sum((c[g].sum() / c.sum()) * entropy(c[g] @ per_episode[g]) for g in groups if c[g].sum() > 0)
        return h_s - h_cond
    return f
