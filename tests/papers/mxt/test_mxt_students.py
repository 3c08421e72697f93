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
    # a cap of 300 steps with 4 checks of patience: it ran to the cap and kept its best check
    assert run.timing["steps"] == 300 and not run.timing["stopped_early"]
    steps, losses = run.history.series("eval/loss")
    assert run.timing["best_step"] == steps[int(np.argmin(losses))]


def test_early_stop_rule():
    from workbench.papers.mxt.train import early_stop
    assert early_stop([1.0, 0.5, 0.4], 2, 0.01) == (False, 2)            # too few checks to judge
    assert early_stop([1.0, 0.5, 0.499, 0.498], 2, 0.01) == (True, 3)     # best is new but under 1% better
    assert early_stop([1.0, 0.5, 0.52, 0.49], 2, 0.01) == (False, 3)      # 2% better within the window
    assert early_stop([1.0, 0.5, 0.6, 0.7], 2, 0.01) == (True, 1)         # worse: stop, keep check 1


def test_distillation_stops_when_held_out_loss_stalls():
    from workbench.papers.mxt.train import distill
    rng = np.random.default_rng(3)
    tok, mask = _tokens(rng, 800, 6, 8)
    target = (rng.uniform(-1, 1, size=(800, 8)) * mask).astype(np.float32)  # noise: nothing to learn held out
    data = {"tokens": tok, "mask": mask, "target": target, "action_mask": mask.copy()}
    cfg = replace(Config(), d_model=16, d_ff=32, layers=1, bc_steps=2000, log_every=20, batch_size=32,
                  patience=3, min_delta=0.01, mlp_hidden=(32, 32))
    rows = np.arange(800)
    run = distill(cfg, "mlp", data, rows[:600], rows[600:])
    assert run.timing["stopped_early"] and run.timing["steps"] < 2000
    steps, losses = run.history.series("eval/loss")
    assert run.timing["best_step"] == steps[int(np.argmin(losses))] and steps[-1] > run.timing["best_step"]
    # the kept parameters are the best check's: their held-out loss is the minimum, not the last value
    from workbench.papers.mxt.train import predict
    from workbench.papers.mxt.model import masked_mse
    held = slice(600, 800)
    pred = predict(cfg, run, tok[held], mask[held])
    kept = float(masked_mse(pred, target[held], mask[held]))
    assert kept == pytest.approx(min(losses), rel=0.05) and kept < losses[-1]


def test_students_have_matched_parameter_counts():
    # at cpu scale the MLP is narrowed to the Transformer's parameter count (within 5%)
    cfg = Config()
    tok = np.zeros((1, cfg.pad_to, tk.NUM_FEATURES), np.float32)
    mask = np.ones((1, cfg.pad_to), np.float32)
    n = {k: M.param_count(M.make_model(k, cfg).init(jax.random.PRNGKey(0), tok, mask)) for k in M.STUDENTS}
    assert abs(n["mlp"] / n["transformer"] - 1) < 0.05, n
    assert 60_000 < n["transformer"] < 90_000


def test_seed_episode_bootstrap_pairs_students_and_resamples_seeds():
    from workbench.papers.mxt.pipeline import seed_episode_bootstrap
    rng = np.random.default_rng(0)
    # seed 0: student a succeeds always, b never; seed 1: both at 0.5 on the same episodes
    s0 = np.stack([np.ones(40), np.zeros(40)], 1)
    ep = (rng.random(40) < 0.5).astype(float)
    s1 = np.stack([ep, ep], 1)
    a, b = seed_episode_bootstrap([s0, s1], n=400, seed=1)
    assert a.point == pytest.approx((40 + ep.sum()) / 80) and b.point == pytest.approx(ep.sum() / 80)
    va, vb = np.array(a.values), np.array(b.values)
    assert (va >= vb).all()                                   # paired: a is never below b in one replicate
    # resampled as seeds: about a quarter of the replicates draw seed 1 twice, where a == b exactly
    ties = np.mean(va == vb)
    assert 0.15 < ties < 0.35, ties
    # and about a quarter draw seed 0 twice: a = 1, b = 0
    assert 0.15 < np.mean((va == 1) & (vb == 0)) < 0.35


def test_students_trained_in_two_worker_processes_match_one_process():
    from workbench.papers.mxt import pipeline as P
    rng = np.random.default_rng(4)
    tok, mask = _tokens(rng, 400, 6, 8)
    target = (np.tanh(tok[..., 12]) * mask).astype(np.float32)
    data = {"tokens": tok, "mask": mask, "target": target, "action_mask": mask.copy(), "env": np.repeat([0, 1], 200)}
    rows = np.arange(400)
    sets = P.Sets([("ant-3", "touch"), ("ant-6", "touch")], data, rows[rows % 5 != 0], rows[rows % 5 == 0],
                  [("ant-3", "touch")], rows[(rows < 200) & (rows % 5 != 0)], rows[(rows < 200) & (rows % 5 == 0)],
                  [("ant-4", "touch")])
    cfg = replace(Config(), d_model=16, d_ff=32, layers=1, mlp_hidden=(16,), bc_steps=40, log_every=20,
                  batch_size=16, ablations=(), student_seeds=2)
    one = P.train_students(replace(cfg, workers=1), sets)
    two = P.train_students(replace(cfg, workers=2), sets)
    assert list(one) == list(two) == ["transformer.s0", "mlp.s0", "zs_transformer.s0", "zs_mlp.s0",
                                      "transformer.s1", "mlp.s1", "zs_transformer.s1", "zs_mlp.s1"]
    for sid in one:
        assert one[sid].seed == two[sid].seed == int(sid[-1])
        assert jax.tree.all(jax.tree.map(lambda a, b: np.allclose(a, b, atol=1e-6), one[sid].params, two[sid].params))
    # the seeds differ: seed 1's Transformer is not seed 0's
    assert not np.allclose(jax.tree.leaves(one["transformer.s0"].params)[0], jax.tree.leaves(one["transformer.s1"].params)[0])
