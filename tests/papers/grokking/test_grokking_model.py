"""The fast forward (last position only, Q/K/V tables) against a plain full-sequence reference."""
import jax
import numpy as np
import pytest

from workbench.papers.grokking.data import make_dataset
from workbench.papers.grokking.model import forward, full_sequence_logits, init_params


@pytest.mark.parametrize("pos_embed", [False, True])
def test_fast_forward_matches_full_sequence(pos_embed):
    data = make_dataset("sub", 13, 0.5, seed=0)
    params = init_params(jax.random.PRNGKey(3), data.d_vocab, 32, 4, 64, pos_embed)
    fast, attn = forward(params, data.train_x, 4)
    ref = full_sequence_logits(params, data.train_x, 4)
    assert fast.shape == (len(data.train_x), 13 + 5)
    np.testing.assert_allclose(np.asarray(fast), ref, rtol=2e-4, atol=2e-5)
    np.testing.assert_allclose(np.asarray(attn).sum(axis=1), 1.0, rtol=1e-5)   # attention over [a, op, b] sums to 1


def test_init_scales_follow_the_official_code():
    params = init_params(jax.random.PRNGKey(0), 102, 128, 4, 512, False)
    assert "W_pos" not in params
    assert np.std(np.asarray(params["W_E"])) == pytest.approx(1 / np.sqrt(102), rel=0.1)
    assert np.std(np.asarray(params["W_U"])) == pytest.approx(1 / np.sqrt(128), rel=0.1)
    assert all(v.dtype == np.float32 for v in params.values())
