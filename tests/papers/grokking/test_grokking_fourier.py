"""FFS / FCR / Gini / cos share on constructed matrices whose answers are known by hand."""
import numpy as np
import pytest

from workbench.papers.grokking import fourier

P = 31


def test_basis_is_orthonormal():
    F = fourier.fourier_basis(P)
    assert np.allclose(F @ F.T, np.eye(P), atol=1e-10)


def single_frequency_embedding(k=5, phase=0.3, d=16):
    """Every embedding dimension is cos(2πk x/p + φ_i): only frequency k is used."""
    x = np.arange(P)[:, None]
    phases = phase + np.linspace(0, 2, d)[None]
    return np.cos(2 * np.pi * k * x / P + phases)


def test_single_frequency_is_sparse():
    M = single_frequency_embedding()
    # Only the cos5 and sin5 rows are non-zero: 2 of 31 components
    assert fourier.ffs(M, eta=0.1, const=True) == pytest.approx(2 / P)
    assert fourier.ffs(M, eta=0.1) == pytest.approx(2 / (P - 1))
    assert np.argmax(fourier.frequency_norms(M)) == 4            # k = 5 -> index 4
    assert fourier.gini(fourier.component_norms(M)) > 0.9


def test_random_embedding_is_dense_and_balanced():
    M = np.random.default_rng(0).normal(size=(P, 128))
    # Every component has norm ≈ sqrt(128) ± a few percent, so all exceed half the max
    assert fourier.ffs(M, eta=0.5) == 1.0
    assert fourier.fcr(M) > 0.8 and fourier.fcr(M, "uniform") > 0.8
    assert fourier.gini(fourier.component_norms(M)) < 0.1
    assert 0.4 < fourier.cos_share(M) < 0.6


def test_fcr_one_sided_versus_balanced():
    x = np.arange(P)[:, None]
    cos_only = np.cos(2 * np.pi * np.arange(1, 16)[None] * x / P)   # every frequency, cosine only (an even function)
    assert fourier.fcr(cos_only) == pytest.approx(0.0, abs=1e-9)
    assert fourier.cos_share(cos_only) == pytest.approx(1.0)
    # cos and sin of the same frequency with equal weight: c_k = s_k -> ratio 1 at every used k
    both = np.concatenate([cos_only, np.sin(2 * np.pi * np.arange(1, 16)[None] * x / P)], axis=1)
    assert fourier.fcr(both) == pytest.approx(1.0)
    assert fourier.ffs(both, eta=0.5, const=True) == pytest.approx(30 / 31)    # every non-constant component
    assert fourier.ffs(both, eta=0.5) == pytest.approx(1.0)


def test_ffs_sum_normalisation_and_weighting():
    n = np.array([0.0, 4.0, 0.0, 1.0, 1.0, 0.0, 0.0])             # p = 7: const, c1, s1, c2, s2, c3, s3
    # max-normalised: 4/4 and 1/4 > 0.2 -> 3 of 7 components
    assert fourier.ffs_from_norms(n, eta=0.2, norm="max", const=True) == pytest.approx(3 / 7)
    assert fourier.ffs_from_norms(n, eta=0.2, norm="max") == pytest.approx(3 / 6)
    # sum-normalised: 4/6 > 0.2, 1/6 < 0.2 -> 1 of 7
    assert fourier.ffs_from_norms(n, eta=0.2, norm="sum", const=True) == pytest.approx(1 / 7)
    # FCR: k=1 ratio 0, k=2 ratio 1, k=3 ratio 0 (0/eps) -> uniform 1/3; weighted by c+s: (0*4 + 1*2) / 6
    assert fourier.fcr_from_norms(n, "uniform") == pytest.approx(1 / 3)
    assert fourier.fcr_from_norms(n, "norm") == pytest.approx(1 / 3)
    n2 = np.array([0.0, 4.0, 0.0, 1.0, 1.0, 3.0, 3.0])
    assert fourier.fcr_from_norms(n2, "norm") == pytest.approx((0 * 4 + 1 * 2 + 1 * 6) / 12)
    with pytest.raises(ValueError):
        fourier.ffs_from_norms(n, norm="median")


def test_gini_by_hand():
    assert fourier.gini(np.ones(10)) == pytest.approx(0.0)
    # one non-zero of n: G = (n-1)/n
    assert fourier.gini(np.r_[np.zeros(9), 1.0]) == pytest.approx(0.9)


# --- FFS against the figure: the constant row ----------------------------------------------------

def test_ffs_dense_sparse_and_dense_plus_constant():
    """Dense, sparse, and dense plus a big constant component: the constant row is √p times the mean
    embedding, so adding the same vector to every number changes only that row. Counted in the max
    normaliser it puts every frequency under eta (FFS 1/p, "sparse"), although the spectrum the figure
    shows is as dense as before; left out (the default), FFS reads the frequencies."""
    rng = np.random.default_rng(1)
    dense = rng.normal(size=(P, 128))
    x = np.arange(P)[:, None]
    sparse = np.concatenate([np.cos(2 * np.pi * k * x / P + rng.uniform(0, 6, size=(1, 20))) for k in (3, 7, 11)], axis=1)
    big_mean = dense + 10.0 * rng.normal(size=(1, 128))           # the same vector added to every row
    assert fourier.ffs(dense) == 1.0
    assert fourier.ffs(sparse) == pytest.approx(6 / (P - 1))       # cos and sin of 3 frequencies
    assert fourier.ffs(sparse, const=True) == pytest.approx(6 / P)
    # the constant row dominates: its norm is ~ sqrt(P) * 10 * sqrt(128) against ~sqrt(128) per frequency
    n = fourier.component_norms(big_mean)
    assert n[0] > 20 * n[1:].max()
    assert np.allclose(n[1:], fourier.component_norms(dense)[1:])  # only the constant row changed
    assert fourier.ffs(big_mean, const=True) == pytest.approx(1 / P)
    assert fourier.ffs(big_mean) == 1.0
    # the quantity the figure draws is the one FFS thresholds
    r = fourier.normalised_norms(n)
    assert np.mean(r[1:] > 0.5) == fourier.ffs(big_mean) and r[1:].max() == pytest.approx(1.0)


# --- FCR on the frequencies that carry the representation -----------------------------------------

def _expected_random_ratio(d: int, draws: int = 20000) -> float:
    """E[min(c/s, s/c)] for c, s the norms of two independent N(0, I_d) vectors (Monte Carlo)."""
    rng = np.random.default_rng(123)
    c = np.sqrt(rng.chisquare(d, draws))
    s = np.sqrt(rng.chisquare(d, draws))
    return float(np.mean(np.minimum(c, s) / np.maximum(c, s)))


def test_fcr_weighted_tells_one_sided_sparse_plus_noise_from_random():
    """cos-only at 3 key frequencies plus 1e-3 noise: one-sided where the representation lives. The
    uniform mean over all frequencies scores it near a random embedding (the noise-only frequencies are
    balanced); weighted by c+s it scores near 0. A random embedding scores near its expectation either way."""
    d = 128
    rng = np.random.default_rng(2)
    x = np.arange(P)[:, None]
    cos_only = sum(np.cos(2 * np.pi * k * x / P) * rng.normal(size=(1, d)) for k in (3, 7, 11))
    noisy = cos_only + 1e-3 * rng.normal(size=(P, d))
    random = rng.normal(size=(P, d))
    expected = _expected_random_ratio(d)
    assert 0.9 < expected < 0.95
    assert fourier.fcr(noisy, "uniform") > 0.7                      # the failure: looks balanced
    assert fourier.fcr(noisy, "norm") < 0.05                        # weighted: one-sided
    assert fourier.fcr(random, "norm") == pytest.approx(expected, abs=0.03)
    assert fourier.fcr(random, "uniform") == pytest.approx(expected, abs=0.03)
    # the weighted measure still sees balance where the key frequencies are balanced
    balanced = noisy + sum(np.sin(2 * np.pi * k * x / P) * rng.normal(size=(1, d)) for k in (3, 7, 11))
    assert fourier.fcr(balanced, "norm") > 0.7
