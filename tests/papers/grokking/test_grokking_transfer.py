"""Transfer from pre-grokked parts, multi-task mixtures, the operand-asymmetry measure and the official
operand range (all on tiny models: seconds)."""
import dataclasses

import numpy as np
import pytest

from workbench.papers.grokking import analysis, transfer
from workbench.papers.grokking.config import Config, n_pairs
from workbench.papers.grokking.data import labels, make_dataset, pairs

TINY = Config(p=11, train_frac=0.5, d_model=32, n_heads=4, d_mlp=64, eval_every=5, use_cache=False,
              ops=("add", "mul"), seed_ops=("add",), ablation_ops=(), transfers=("add>2x3y",),
              transfer_modes=("embed",), transfer_steps=10, transfer_probe_step=5, mixtures=("add,sub",),
              mixture_steps=10)


def test_vocab_operands_follow_the_official_generator():
    ab = pairs("add", 7, "vocab")
    assert len(ab) == 12 * 12 == n_pairs("add", 7, "vocab")
    assert ab.max() == 11                                  # special tokens appear as operands
    assert labels("add", np.array([8]), np.array([11]), 7)[0] == (8 + 11) % 7
    div = pairs("div", 7, "vocab")
    assert not np.any(div[:, 1] % 7 == 0) and len(div) == n_pairs("div", 7, "vocab")
    d = make_dataset("sub", 7, 0.3, 0, "vocab")
    assert len(d.train_y) + len(d.test_y) == 144 and d.train_x.max() == 11


def test_frozen_part_is_loaded_and_never_moves():
    src = transfer.train_multi(TINY, ("add",), 10)
    for mode, keys in transfer.FROZEN.items():
        init = {k: src.params[k] for k in keys}
        run = transfer.train_multi(TINY, ("2x3y",), 10, init=init, frozen=keys, probe_step=5)
        for k in keys:
            np.testing.assert_array_equal(run.params[k], src.params[k])
        moved = [k for k in run.params if k not in keys]
        assert all(not np.array_equal(run.params[k], src.params[k]) for k in moved)
        assert run.probe_step == 5 and run.probe_correct["2x3y"].shape == (len(make_dataset("2x3y", 11, 0.5).test_y),)


def test_mixture_trains_every_task_on_the_same_pairs():
    run = transfer.train_multi(TINY, ("add", "sub"), 10)
    for op in ("add", "sub"):
        steps, acc = run.history.series(f"{op}/eval/acc")
        assert steps[-1] == 10 and 0.0 <= acc[-1] <= 1.0
    a, s = make_dataset("add", 11, 0.5), make_dataset("sub", 11, 0.5)
    np.testing.assert_array_equal(a.train_ab, s.train_ab)
    c = transfer.final_correct(TINY, run)
    assert c.shape == (len(a.test_y), 2)


def test_transfer_and_mixture_measured_names_and_pairing():
    src = {"add": type("R", (), {"params": transfer.train_multi(TINY, ("add",), 5).params, "steps_done": 5})()}
    ft = transfer.transfer_runs(TINY, src)
    mix = transfer.mixture_runs(TINY)
    m = transfer.measured(TINY, ft, mix)
    assert {"xfer_add_2x3y_embed_gain", "xfer_add_2x3y_embed_probe_acc", "scratch_2x3y_probe_acc",
            "mix_add_sub_add_test_acc", "mix_add_sub_min_test_acc"} <= set(m)
    gain = m["xfer_add_2x3y_embed_gain"]
    assert gain.point == pytest.approx(m["xfer_add_2x3y_embed_probe_acc"].point - m["scratch_2x3y_probe_acc"].point)
    assert m["mix_add_sub_min_test_acc"].point == pytest.approx(
        min(m["mix_add_sub_add_test_acc"].point, m["mix_add_sub_sub_test_acc"].point))


def test_operand_asymmetry_by_construction():
    rng = np.random.default_rng(0)
    f = rng.normal(size=(9, 5))
    only_a = np.repeat(f[:, None, :], 9, axis=1)                       # N(a, b) = f(a)
    assert analysis.grid_effects(only_a)["operand_asym"] == pytest.approx(1.0)
    both = f[:, None, :] + f[None, :, :]                               # N = f(a) + f(b): symmetric
    assert analysis.grid_effects(both)["operand_asym"] == pytest.approx(0.0, abs=1e-12)
    inter = f[:, None, :] * f[None, :, :]
    e = analysis.grid_effects(inter)
    assert e["V_ab"].sum() > 0 and e["operand_asym"] == pytest.approx(0.0, abs=1e-12)


def test_seed_ops_train_on_every_seed_the_rest_once():
    from workbench.papers.grokking.train import n_runs, run_labels

    cfg = dataclasses.replace(TINY, n_seeds=3, ablation_ops=("add",))
    assert run_labels(cfg) == ["add", "mul", "add+pos"] and run_labels(cfg, first_seed=False) == ["add"]
    assert n_runs(cfg) == 3 + 2


def test_bad_transfer_and_mixture_settings_are_clear_errors():
    with pytest.raises(ValueError, match="transfers"):
        dataclasses.replace(TINY, transfers=("nosuch>add",))
    assert dataclasses.replace(TINY, transfers=("sub>add",)).transfers == ("sub>add",)   # not in ops: skipped, not refused
    with pytest.raises(ValueError, match="mixtures"):
        dataclasses.replace(TINY, mixtures=("add",))
