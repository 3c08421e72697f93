"""A short training run whose loss falls; float64 loss; the cache replays a run; re-measuring."""
import numpy as np

from workbench import scales
from workbench.papers.grokking import analysis
from workbench.papers.grokking.train import schedule, train, train_op


def tiny(**kw):
    base = dict(p=13, train_frac=0.6, d_model=32, d_mlp=64, steps=150, eval_every=50, n_checkpoints=5,
                ops=("add",), ablation_ops=(), use_cache=False)
    return scales.resolve("grokking", "smoke", {**base, **kw})


def test_short_run_loss_falls_and_logs_measures():
    cfg = tiny()
    seen = []
    run = train_op(cfg, "add", progress=lambda s, m: seen.append(s))
    steps, loss = run.history.series("train/loss")
    assert seen[0] == 0 and steps == seen
    assert loss[-1] < 0.5 * loss[0]                                  # ln(18) ≈ 2.9 at init
    assert run.history.last("train/acc") > 0.5
    assert run.norms_E.shape == (len(run.eval_steps), 13)
    assert {"fourier/ffs_E", "fourier/fcr_L", "attn/a", "eval/acc"} <= set(run.history.keys())
    assert [c["step"] for c in run.checkpoints][0] == 0 and run.checkpoints[-1]["step"] == 150
    assert run.params["W_E"].dtype == np.float32


def test_schedule_is_log_spaced_and_includes_linear_evals():
    cfg = tiny(steps=1000, eval_every=250, n_checkpoints=5)
    evals, ckpt = schedule(cfg)
    assert sorted(ckpt) == [0, 1, 10, 100, 1000]                     # step 0 + geomspace(1, 1000, 4): 5 checkpoints
    assert {0, 250, 500, 750, 1000} <= set(evals)


def test_cache_replays_and_remeasures(tmp_path, monkeypatch):
    monkeypatch.setenv("WORKBENCH_CACHE", str(tmp_path))
    cfg = tiny(use_cache=True, steps=60, eval_every=30)
    first = train(cfg)["add"]
    rows = []
    again = train(cfg, progress=lambda s, m: rows.append((s, m)))["add"]  # from the cache: replayed
    assert len(rows) == len(first.history) and rows[0][1]["add/train/loss"] == first.history.rows[0][1]["train/loss"]
    # a measure parameter is not part of the cache key: the same run, re-measured
    loose = train(tiny(use_cache=True, steps=60, eval_every=30, ffs_eta=0.05))["add"]
    assert loose.history.last("fourier/ffs_E") >= again.history.last("fourier/ffs_E")
    assert len(list(tmp_path.rglob("*.pkl"))) == 1


def test_summarize_names_are_identifiers():
    cfg = tiny()
    runs = {"add": train_op(cfg, "add")}
    m = analysis.summarize(runs, cfg)
    assert all(k.isidentifier() for k in m)
    assert 0.0 <= m["add_attn_share_a"] <= 1.0
