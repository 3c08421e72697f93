"""Students: the masked loss by hand, the Transformer's padding invariance, and a tiny distillation that learns."""
from dataclasses import replace

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from workbench.papers.mxt import model as M
from workbench.papers.mxt import tokens as tk
from workbench.papers.mxt.config import Config


def test_masked_mse_by_hand():
    pred = jnp.array([[0.5, 0.0, 9.0]])
    target = jnp.zeros((1, 3))
    mask = jnp.array([[1.0, 1.0, 0.0]])
    # 0.5 * (0.5^2 + 0^2) / 2 slots = 0.0625; the masked 9.0 counts for nothing
    assert float(M.masked_mse(pred, target, mask)) == pytest.approx(0.0625)


def _tokens(rng, b, n_real, pad):
    tok = np.zeros((b, pad, tk.NUM_FEATURES), np.float32)
    tok[:, :n_real] = rng.normal(size=(b, n_real, tk.NUM_FEATURES))
    mask = np.zeros((b, pad), np.float32)
    mask[:, :n_real] = 1
    return tok, mask


def test_transformer_is_padding_invariant():
    cfg = Config()
    net = M.make_model("transformer", cfg)
    rng = np.random.default_rng(0)
    tok, mask = _tokens(rng, 4, 7, 8)
    params = net.init(jax.random.PRNGKey(0), tok, mask)
    out8 = np.asarray(net.apply(params, tok, mask))
    big_tok, big_mask = np.zeros((4, 14, tk.NUM_FEATURES), np.float32), np.zeros((4, 14), np.float32)
    big_tok[:, :8], big_mask[:, :8] = tok, mask
    big_tok[:, 7:] = rng.normal(size=(4, 7, tk.NUM_FEATURES)) * 50      # garbage in every padded slot
    out14 = np.asarray(net.apply(params, big_tok, big_mask))
    np.testing.assert_allclose(out14[:, :7], out8[:, :7], atol=1e-5)    # real tokens: same actions
    assert not out14[:, 7:].any() and not out8[:, 7:].any()             # padding writes no action
    # and it is a set function over parts: permuting the real tokens permutes the actions
    perm = np.array([3, 1, 0, 6, 5, 2, 4, 7])
    np.testing.assert_allclose(np.asarray(net.apply(params, tok[:, perm], mask[:, perm])), out8[:, perm], atol=1e-5)


def test_mlp_sees_padding_and_masks_its_output():
    cfg = Config()
    net = M.make_model("mlp", cfg)
    tok, mask = _tokens(np.random.default_rng(1), 2, 5, 8)
    params = net.init(jax.random.PRNGKey(0), tok, mask)
    out = np.asarray(net.apply(params, tok, mask))
    assert out.shape == (2, 8) and not out[:, 5:].any() and np.abs(out).max() <= 1


def test_tiny_distillation_lowers_the_loss():
    from workbench.papers.mxt.train import distill, predict
    rng = np.random.default_rng(2)
    parts = []
    for n_real in (5, 7):                                              # two "bodies" of different sizes
        tok, mask = _tokens(rng, 600, n_real, 8)
        amask = mask.copy()
        amask[:, 0] = 0                                                  # the root carries no action
        target = np.tanh(tok[..., 12] - 0.5 * tok[..., 0]) * amask      # a per-part rule of its own features
        parts.append({"tokens": tok, "mask": mask, "target": target.astype(np.float32), "action_mask": amask})
    data = {k: np.concatenate([p[k] for p in parts]) for k in parts[0]}
    cfg = replace(Config(), d_model=32, d_ff=64, bc_steps=300, log_every=100, batch_size=64, bc_lr=3e-3)
    rows = np.arange(len(data["target"]))
    run = distill(cfg, "transformer", data, rows[::2], rows[1::2])
    first, last = run.history.rows[0][1]["eval/loss"], run.history.last("eval/loss")
    assert last < 0.3 * first, (first, last)
    assert run.timing["steps_per_s"] > 0 and run.n_params > 1000
    pred = np.asarray(predict(cfg, run, data["tokens"][:4], data["mask"][:4]))
    assert pred.shape == (4, 8)
    # resuming continues the same run: its steps count on, it starts where the first run ended, and the
    # continued training lowers the loss further (the diagnosis `pipeline.train_longer` relies on this)
    more = distill(cfg, "transformer", data, rows[::2], rows[1::2], seed=1, resume=run, steps=200)
    assert more.history.rows[0][0] == 300 and more.history.rows[-1][0] == 500
    assert more.history.rows[0][1]["eval/loss"] == pytest.approx(last, rel=1e-4)
    assert more.history.last("eval/loss") < last
