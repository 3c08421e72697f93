"""Analyses of trained runs: grok steps, attention to a versus b, neuron frequencies, and the flat
`measured` dictionary the claims are judged on.

Definitions used (all fixed before any run):
- steps_to_train99 / steps_to_test95: first evaluated step with train accuracy >= 0.99 / test accuracy
  >= cfg.grok_threshold (the "grok step"); None if never reached.
- ffs_drop_step: first evaluated step after steps_to_train99 at which FFS(W_E) has covered half of its way
  from its value at steps_to_train99 to its final value (the step at which the sparsification happens).
- attention share of a: mean over all pairs (train and test) and heads of the last position's attention
  to a, divided by its attention to a plus b. attn_asym = |2 * share - 1| (0 symmetric, 1 one operand only).
- neuron frequencies: for each MLP neuron, the column of W_L (neuron -> logits of the p numbers) in the
  Fourier basis; its dominant frequency, the fraction of its (non-constant) power there, and its cos share.
- operand asymmetry (our measure of "subtraction poses a strong asymmetry on the Transformer"; the paper's
  own analysis code is not public): the MLP neurons' activations N(a, b) over the full p x p grid of number
  operands, split as in a two-way ANOVA into a main effect of a (the variance over a of the mean over b),
  a main effect of b, and the rest (interaction). operand_asym = sum_n |V_a(n) - V_b(n)| / sum_n (V_a(n) + V_b(n)):
  0 when every neuron reads a and b with equal strength, 1 when the neurons' single-operand parts come from
  one operand only. a enters the last position only through attention, b also through the residual stream,
  so the architecture allows either; the claim asks whether a-b uses that more than a+b.
"""
from __future__ import annotations

import dataclasses

import numpy as np

from workbench.results import bootstrap, seeds
from workbench.papers.grokking import fourier
from workbench.papers.grokking.config import Config
from workbench.papers.grokking.data import make_dataset
from workbench.papers.grokking.model import forward, forward_with_neurons, logit_map


def steps_to(run, cfg: Config) -> dict[str, int | None]:
    h = run.history
    return {"steps_to_train99": h.first_step("train/acc", 0.99),
            "steps_to_test95": h.first_step("eval/acc", cfg.grok_threshold)}


def value_at(run, key: str, step: int | None):
    """The logged value of `key` at the first evaluated step >= step (None if step is None)."""
    if step is None:
        return None
    for s, v in zip(*run.history.series(key)):
        if s >= step:
            return v
    return None


def ffs_drop_step(run, cfg: Config, which: str = "E") -> int | None:
    """First step after memorisation at which FFS has gone half-way from its memorisation value to its final one."""
    start = steps_to(run, cfg)["steps_to_train99"]
    if start is None:
        return None
    key = f"fourier/ffs_{which}"
    steps, values = run.history.series(key)
    v0, v1 = value_at(run, key, start), values[-1]
    if v0 - v1 <= 0.05:  # FFS did not fall
        return None
    mid = (v0 + v1) / 2
    return next((s for s, v in zip(steps, values) if s >= start and v <= mid), None)


def attention(run, cfg: Config) -> dict[str, np.ndarray | float]:
    """Last-position attention over [a, op, b] for every pair, from the final parameters.
    Returns mean attention per position, share_a, attn_asym and the (p, p) map of attention to a (NaN
    where the operation is undefined)."""
    data = make_dataset(run.op, cfg.p, cfg.train_frac, cfg.seed, cfg.operand_range)
    x = np.concatenate([data.train_x, data.test_x])
    ab = np.concatenate([data.train_ab, data.test_ab])
    _, attn = forward(run.params, x, cfg.n_heads)
    attn = np.asarray(attn).mean(axis=2)                       # (n, 3), heads averaged
    mean = attn.mean(axis=0)
    share_a = float(mean[0] / (mean[0] + mean[2]))
    grid = np.full((cfg.p, cfg.p), np.nan)
    numbers = (ab < cfg.p).all(axis=1)          # operands over the vocabulary (paper scale): map the numbers only
    grid[ab[numbers, 0], ab[numbers, 1]] = attn[numbers, 0]
    return {"mean": mean, "share_a": share_a, "attn_asym": abs(2 * share_a - 1), "map_a": grid}


def operand_effects(run, cfg: Config) -> dict[str, np.ndarray | float]:
    """Two-way decomposition of every MLP neuron's activation over the p x p grid of number operands:
    V_a, V_b (main-effect variances, (d_mlp,)), V_ab (interaction), and operand_asym (module docstring).
    Operations undefined on part of the grid (div, mul_nz) are left out (NaN)."""
    from workbench.papers.grokking.data import tokens

    if run.op in ("div", "mul_nz"):
        return {"V_a": np.full(1, np.nan), "V_b": np.full(1, np.nan), "V_ab": np.full(1, np.nan), "operand_asym": float("nan")}
    a, b = np.meshgrid(np.arange(cfg.p), np.arange(cfg.p), indexing="ij")
    x = tokens(run.op, np.stack([a.ravel(), b.ravel()], axis=1), cfg.p)
    _, _, acts = forward_with_neurons(run.params, x, cfg.n_heads)
    return grid_effects(np.asarray(acts, dtype=np.float64).reshape(cfg.p, cfg.p, -1))


def grid_effects(N: np.ndarray) -> dict[str, np.ndarray | float]:
    """Two-way decomposition of activations N (a, b, neuron): main-effect variances V_a, V_b, interaction
    V_ab per neuron, and operand_asym = sum |V_a - V_b| / sum (V_a + V_b) (NaN when both are 0)."""
    grand = N.mean(axis=(0, 1))
    main_a, main_b = N.mean(axis=1) - grand, N.mean(axis=0) - grand     # (p, neuron)
    V_a, V_b = (main_a ** 2).mean(axis=0), (main_b ** 2).mean(axis=0)
    V_ab = ((N - grand - main_a[:, None] - main_b[None]) ** 2).mean(axis=(0, 1))
    total = float((V_a + V_b).sum())
    return {"V_a": V_a, "V_b": V_b, "V_ab": V_ab,
            "operand_asym": float(np.abs(V_a - V_b).sum() / total) if total > 0 else float("nan")}


def neuron_frequencies(run, cfg: Config) -> dict[str, np.ndarray]:
    """Per neuron: dominant frequency k (1..(p-1)/2), fraction of its non-constant power at k, cos share."""
    W_L = logit_map(run.params, cfg.p)                          # (p, d_mlp)
    coef = fourier.fourier_basis(cfg.p) @ W_L                   # (p, d_mlp): rows const, cos1, sin1, ...
    c2, s2 = coef[1::2] ** 2, coef[2::2] ** 2                   # (K, d_mlp)
    power = c2 + s2
    total = power.sum(axis=0) + 1e-12
    k = power.argmax(axis=0)
    return {"freq": k + 1, "frac": power[k, np.arange(power.shape[1])] / total,
            "cos_share": c2.sum(axis=0) / total, "power": power / total}


def op_key(label: str) -> str:
    """A run label as a Python identifier for claim rules: 'sub+pos' -> 'sub_pos'."""
    return label.replace("+", "_")


def _operand_values(run, cfg: Config) -> dict[str, float]:
    eff = operand_effects(run, cfg)
    va, vb, vab = (float(np.sum(eff[k])) for k in ("V_a", "V_b", "V_ab"))
    total = va + vb + vab
    return {"operand_asym": eff["operand_asym"],
            "main_a_share": va / total if total > 0 else float("nan"),
            "main_b_share": vb / total if total > 0 else float("nan")}


def summarize_runs(runs: dict, cfg: Config) -> dict[str, dict[str, float | int | None]]:
    """{label: {metric: value}} for every run."""
    out: dict[str, dict] = {}
    for label, run in runs.items():
        h = run.history
        st = steps_to(run, cfg)
        att = attention(run, cfg)
        neu = neuron_frequencies(run, cfg)
        vals = {
            "test_acc": h.last("eval/acc"), "train_acc": h.last("train/acc"), "test_loss": h.last("eval/loss"),
            "max_test_acc": h.max("eval/acc"), "steps_done": run.steps_done, **st,
            "grok_gap": (st["steps_to_test95"] - st["steps_to_train99"]) if None not in st.values() else None,
            "ffs_drop_step": ffs_drop_step(run, cfg),
            "attn_share_a": att["share_a"], "attn_asym": att["attn_asym"],
            "attn_a": float(att["mean"][0]), "attn_op": float(att["mean"][1]), "attn_b": float(att["mean"][2]),
            **_operand_values(run, cfg),
            "neuron_frac_mean": float(neu["frac"].mean()), "neuron_cos_share_mean": float(neu["cos_share"].mean()),
            "train_time_s": run.train_time_s, "sps": run.steps_done / max(run.train_time_s, 1e-9),
        }
        # both FFS settings (with / without the constant row) and both FCR weightings, whichever the claims use
        for w, n in (("E", run.norms_E[-1]), ("L", run.norms_L[-1])):
            for const in (True, False):
                vals[f"ffs_{w}_{'withconst' if const else 'noconst'}_final"] = fourier.ffs_from_norms(
                    n, cfg.ffs_eta, cfg.ffs_norm, const)
            for weighting in ("uniform", "norm"):
                vals[f"fcr_{w}_{weighting}_final"] = fourier.fcr_from_norms(n, weighting)
        for m in ("ffs", "fcr", "gini", "cos_share"):
            for w in ("E", "L"):
                vals[f"{m}_{w}_final"] = h.last(f"fourier/{m}_{w}")
                vals[f"{m}_{w}_at_train99"] = value_at(run, f"fourier/{m}_{w}", st["steps_to_train99"])
        out[label] = vals
    return out


def summarize(runs: dict, cfg: Config, nested: dict | None = None) -> dict[str, float | int | None]:
    """Flat measured values `<op>_<metric>` for every run (claim rules read these names)."""
    nested = nested or summarize_runs(runs, cfg)
    return {f"{op_key(label)}_{name}": v for label, vals in nested.items() for name, v in vals.items()}


# Per-run metrics about *when* something happens: they move by +-30-50% between seeds, so a claim
# is judged on them only over at least MIN_SEEDS seeds.
GROK_STEP_METRICS = ("steps_to_train99", "steps_to_test95", "ffs_drop_step", "grok_gap")
MIN_SEEDS = 3


def test_correct(run, cfg: Config) -> np.ndarray:
    """1.0 / 0.0 per test pair: the final parameters' prediction is right (the units a test accuracy is
    bootstrapped over). The same seed gives every op of cfg.ops the same test pairs, so their
    bootstraps are paired pair by pair."""
    data = make_dataset(run.op, cfg.p, cfg.train_frac, cfg.seed, cfg.operand_range)
    logits, _ = forward(run.params, data.test_x, cfg.n_heads)
    return (np.asarray(logits).argmax(axis=-1) == data.test_y).astype(np.float64)


def measured(runs_by_seed: dict[int, dict], cfg: Config) -> dict:
    """What the claims are judged on, with its noise (workbench.results), per run label:
    - a run on one seed only (cfg.seed_ops decides which ops train on every seed): its test accuracy is
      bootstrapped over the test pairs; its grok-step metrics are LEFT OUT (one seed cannot say where a number
      that moves by 30-50% between seeds lies), so claims that need them are inconclusive by construction;
      every other value is a plain number.
    - a run on >= MIN_SEEDS seeds: every numeric metric is seeds([one value per seed]) (None where a seed
      never reached the threshold).
    - a run on 2 seeds: as one seed, but the non-step values are seeds([...])."""
    order = sorted(runs_by_seed)
    per_seed = [summarize(runs_by_seed[s], dataclasses.replace(cfg, seed=s)) for s in order]
    out: dict = {}
    for name, value in per_seed[0].items():
        is_step = any(name.endswith("_" + m) for m in GROK_STEP_METRICS)
        values = [m[name] for m in per_seed if name in m]
        if is_step:
            if len(values) >= MIN_SEEDS:
                out[name] = seeds(values)
        elif len(values) >= 2 and all(v is None or isinstance(v, (int, float)) for v in values):
            out[name] = seeds(values)
        else:
            out[name] = value
    first = dataclasses.replace(cfg, seed=order[0])
    for label, run in runs_by_seed[order[0]].items():
        if sum(label in runs_by_seed[s] for s in order) == 1:
            out[f"{op_key(label)}_test_acc"] = bootstrap(test_correct(run, first), seed=0)
    return out


def results_metrics(runs: dict, cfg: Config, nested: dict | None = None) -> dict[str, float | int | None]:
    """The same values keyed `<op>/<metric>` for results.json."""
    nested = nested or summarize_runs(runs, cfg)
    return {f"{label}/{name}": v for label, vals in nested.items() for name, v in vals.items()}


def grok_table(runs: dict, cfg: Config):
    """One row per run: grok step, final accuracies, Fourier measures, attention share (pandas)."""
    import pandas as pd
    from workbench.papers.grokking.data import formula

    m = summarize(runs, cfg)
    rows = []
    for label, run in runs.items():
        k = op_key(label)
        rows.append({"run": label, "formula": formula(run.op) + (" (+pos)" if run.pos_embed else ""),
                     "train99 step": m[f"{k}_steps_to_train99"], "grok step": m[f"{k}_steps_to_test95"],
                     "steps run": m[f"{k}_steps_done"], "test acc": round(m[f"{k}_test_acc"], 3),
                     "FFS W_E": round(m[f"{k}_ffs_E_noconst_final"], 3),
                     "FFS W_E with const": round(m[f"{k}_ffs_E_withconst_final"], 3),
                     "FFS W_L": round(m[f"{k}_ffs_L_noconst_final"], 3),
                     "FCR W_E norm-weighted": round(m[f"{k}_fcr_E_norm_final"], 3),
                     "FCR W_E uniform": round(m[f"{k}_fcr_E_uniform_final"], 3),
                     "FCR W_L norm-weighted": round(m[f"{k}_fcr_L_norm_final"], 3),
                     "FCR W_L uniform": round(m[f"{k}_fcr_L_uniform_final"], 3),
                     "Gini W_E": round(m[f"{k}_gini_E_final"], 3), "cos share W_E": round(m[f"{k}_cos_share_E_final"], 3),
                     "attn share a": round(m[f"{k}_attn_share_a"], 3),
                     "operand asym": round(m[f"{k}_operand_asym"], 3),
                     "a main-effect share": round(m[f"{k}_main_a_share"], 3),
                     "b main-effect share": round(m[f"{k}_main_b_share"], 3), "steps/s": round(m[f"{k}_sps"], 1)})
    return pd.DataFrame(rows)
