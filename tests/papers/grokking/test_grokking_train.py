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


def test_measured_bootstraps_test_pairs_and_needs_seeds_for_grok_steps(tmp_path, monkeypatch):
    """One seed: test accuracy is a bootstrap over the test pairs (its point value the run's own test accuracy),
    and the grok-step metrics are left out (their claims inconclusive). Three seeds: one value per seed."""
    from workbench.results import Samples
    from workbench.papers.grokking.train import seed_list, train_seeds

    monkeypatch.setenv("WORKBENCH_CACHE", str(tmp_path))
    cfg = tiny(use_cache=True, steps=100, eval_every=50, n_seeds=3)
    assert seed_list(cfg) == [0, 1, 2]
    by_seed = train_seeds(cfg)
    assert sorted(by_seed) == [0, 1, 2] and by_seed[1]["add"].history.rows != by_seed[0]["add"].history.rows
    one = analysis.measured({0: by_seed[0]}, cfg)
    acc = one["add_test_acc"]
    assert isinstance(acc, Samples) and acc.kind == "bootstrap"
    assert acc.point == by_seed[0]["add"].history.last("eval/acc")
    assert "add_steps_to_test95" not in one and "add_steps_to_train99" not in one
    assert isinstance(one["add_ffs_E_final"], float)
    three = analysis.measured(by_seed, cfg)
    assert three["add_steps_to_train99"].kind == "seeds" and len(three["add_steps_to_train99"].values) == 3
    assert three["add_test_acc"].kind == "seeds"
