"""Fourier progress measures on a (p, n) matrix M whose rows are indexed by the numbers 0..p-1
(W_E restricted to the number tokens, or the neuron-to-logit map W_L).

Basis (Nanda et al. 2023, Sec. 4): the orthonormal p x p matrix F with rows
    1/sqrt(p),  sqrt(2/p) cos(2πkx/p),  sqrt(2/p) sin(2πkx/p)   for k = 1 .. (p-1)/2,
ordered [const, cos1, sin1, cos2, sin2, ...]. M_hat = F @ M; n_j = ||M_hat[j]|| (row norms);
c_k, s_k = the cos and sin row norms at frequency k.

The paper's measures (Furuta et al. 2024, Sec. 5), reconstructed: the full text could not be read, so the threshold eta, the normaliser and the component set are parameters:

    FFS_eta = (1/J) Σ_j 1[ n_j / N > eta ]        N = max_j n_j ("max") or Σ_j n_j ("sum");
                                                  j over the p-1 non-constant rows (const=False), or all p
    FCR     = mean_k min(c_k/s_k, s_k/c_k)         weighted by c_k + s_k ("norm"), or the uniform mean over
                                                  k = 1..(p-1)/2 ((2/(p-1)) Σ_k, "uniform")

Why the constant row is left out of FFS by default: it is √p times the mean embedding, the same vector for
every number, so it carries nothing about x; a model that keeps a large mean (a·b does) has a constant row
many times its largest frequency, and with it in the max normaliser every frequency reads "off" (FFS 1/p)
however many frequencies are in use. Why FCR is norm-weighted by default: the uniform mean gives a frequency
that carries noise the same weight as a key frequency, so a one-sided sparse embedding plus a little noise
scores like a random one (~0.9); weighting by c_k + s_k judges the frequencies that carry the representation.

FFS is the fraction of Fourier components in use (1 = dense, small = sparse); FCR is 1 when cos and sin
are balanced at every frequency and tends to 0 when each frequency is one-sided. Companions: the Gini
coefficient of the n_j (Nanda et al.'s sparsity measure) and the cosine share Σc_k² / Σ(c_k²+s_k²).
"""
from __future__ import annotations

from functools import lru_cache

import numpy as np

_EPS = 1e-12


def normalised_norms(n: np.ndarray, norm: str = "max", const: bool = False) -> np.ndarray:
    """n_j / N, the quantity FFS thresholds at eta (same order as n; the constant row is scaled too, but
    with const=False it is not part of N)."""
    n = np.asarray(n, dtype=np.float64)
    used = n if const else n[1:]
    if norm == "max":
        scale = used.max()
    elif norm == "sum":
        scale = used.sum()
    else:
        raise ValueError(f"unknown FFS normalisation '{norm}'; choose 'max' or 'sum'")
    return n / max(scale, _EPS)


@lru_cache(maxsize=16)
def fourier_basis(p: int) -> np.ndarray:
    """(p, p) orthonormal real Fourier basis, rows [const, cos1, sin1, ..., cos_K, sin_K], K = (p-1)/2."""
    if p < 3 or p % 2 == 0:
        raise ValueError(f"the Fourier basis needs an odd p >= 3, got {p}")
    x = np.arange(p)
    rows = [np.full(p, 1.0 / np.sqrt(p))]
    for k in range(1, (p - 1) // 2 + 1):
        rows.append(np.sqrt(2.0 / p) * np.cos(2 * np.pi * k * x / p))
        rows.append(np.sqrt(2.0 / p) * np.sin(2 * np.pi * k * x / p))
    F = np.stack(rows)
    F.setflags(write=False)
    return F


def component_norms(M: np.ndarray) -> np.ndarray:
    """(p,) row norms n_j of F @ M, ordered [const, cos1, sin1, ...]."""
    M = np.asarray(M, dtype=np.float64)
    return np.linalg.norm(fourier_basis(M.shape[0]) @ M, axis=1)


def cos_sin_norms(M: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(c_k, s_k) for k = 1..(p-1)/2."""
    n = component_norms(M)
    return n[1::2], n[2::2]


def frequency_norms(M: np.ndarray) -> np.ndarray:
    """((p-1)/2,) norm per frequency sqrt(c_k² + s_k²): the spectrum used for heatmaps."""
    c, s = cos_sin_norms(M)
    return np.sqrt(c**2 + s**2)


def ffs_from_norms(n: np.ndarray, eta: float = 0.5, norm: str = "max", const: bool = False) -> float:
    """FFS from component norms n (p,) ordered [const, cos1, sin1, ...]."""
    r = normalised_norms(n, norm, const)
    return float(np.mean((r if const else r[1:]) > eta))


def fcr_from_norms(n: np.ndarray, weighting: str = "norm") -> float:
    """FCR from component norms n (p,)."""
    c, s = np.asarray(n[1::2], dtype=np.float64), np.asarray(n[2::2], dtype=np.float64)
    ratio = np.minimum(c, s) / np.maximum(np.maximum(c, s), _EPS)
    if weighting == "uniform":
        return float(ratio.mean())
    if weighting == "norm":
        w = c + s
        return float((ratio * w).sum() / max(w.sum(), _EPS))
    raise ValueError(f"unknown FCR weighting '{weighting}'; choose 'uniform' or 'norm'")


def cos_share_from_norms(n: np.ndarray) -> float:
    c2, s2 = np.asarray(n[1::2], dtype=np.float64) ** 2, np.asarray(n[2::2], dtype=np.float64) ** 2
    return float(c2.sum() / max((c2 + s2).sum(), _EPS))


def gini(values: np.ndarray) -> float:
    """Gini coefficient of non-negative values: 0 when all equal, -> 1 when one dominates."""
    v = np.sort(np.abs(np.asarray(values, dtype=np.float64)))
    n = len(v)
    if n == 0 or v.sum() <= _EPS:
        return 0.0
    i = np.arange(1, n + 1)
    return float(np.sum((2 * i - n - 1) * v) / (n * v.sum()))


def ffs(M: np.ndarray, eta: float = 0.5, norm: str = "max", const: bool = False) -> float:
    """Fourier Frequency Sparsity of M: fraction of components whose normalised norm exceeds eta."""
    return ffs_from_norms(component_norms(M), eta, norm, const)


def fcr(M: np.ndarray, weighting: str = "norm") -> float:
    """Fourier Coefficient Ratio of M: mean over frequencies of min(c/s, s/c) (weighted by c+s unless
    weighting="uniform"); 1 balanced, -> 0 one-sided."""
    return fcr_from_norms(component_norms(M), weighting)


def cos_share(M: np.ndarray) -> float:
    """Σ c_k² / Σ (c_k² + s_k²): 0.5 balanced, -> 1 cosine-biased (even in x), -> 0 sine-biased."""
    return cos_share_from_norms(component_norms(M))


def measures_from_norms(n: np.ndarray, eta: float = 0.5, norm: str = "max", const: bool = False,
                        weighting: str = "norm") -> dict[str, float]:
    """All scalar measures from component norms: ffs, fcr, gini, cos_share."""
    return {"ffs": ffs_from_norms(n, eta, norm, const), "fcr": fcr_from_norms(n, weighting),
            "gini": gini(n if const else n[1:]), "cos_share": cos_share_from_norms(n)}
