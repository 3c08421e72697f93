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
    assert fourier.ffs(M, eta=0.1) == pytest.approx(2 / P)
    assert fourier.ffs(M, eta=0.1, const=False) == pytest.approx(2 / (P - 1))
    assert np.argmax(fourier.frequency_norms(M)) == 4            # k = 5 -> index 4
    assert fourier.gini(fourier.component_norms(M)) > 0.9


def test_random_embedding_is_dense_and_balanced():
    M = np.random.default_rng(0).normal(size=(P, 128))
    # Every component has norm ≈ sqrt(128) ± a few percent, so all exceed half the max
    assert fourier.ffs(M, eta=0.5) == 1.0
    assert fourier.fcr(M) > 0.8
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
    assert fourier.ffs(both, eta=0.5) == pytest.approx(30 / 31)    # every non-constant component


def test_ffs_sum_normalisation_and_weighting():
    n = np.array([0.0, 4.0, 0.0, 1.0, 1.0, 0.0, 0.0])             # p = 7: const, c1, s1, c2, s2, c3, s3
    # max-normalised: 4/4 and 1/4 > 0.2 -> 3 of 7 components
    assert fourier.ffs_from_norms(n, eta=0.2, norm="max") == pytest.approx(3 / 7)
    # sum-normalised: 4/6 > 0.2, 1/6 < 0.2 -> 1 of 7
    assert fourier.ffs_from_norms(n, eta=0.2, norm="sum") == pytest.approx(1 / 7)
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
