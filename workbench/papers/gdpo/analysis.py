"""Figures and the measured numbers the claims read, for both experiments (plotly only)."""
from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from workbench.papers.gdpo import bandit as B
from workbench.papers.gdpo.judge import calibration
from workbench.plots import COLORS, style

NAMES = {"dpo": "DPO (majority)", "dpo-sampled": "DPO (sampled rater)", "cdpo": "cDPO", "gdpo": "GDPO",
         "ipo": "IPO", "cipo": "cIPO", "gipo": "GIPO", "ropo": "ROPO", "gropo": "GROPO"}


def point(v):
    """The reported value of a measured quantity: a Samples' centre, a plain number as is (for metric logs)."""
    return v.center() if hasattr(v, "center") else v


def _name(m: str) -> str:
    return NAMES.get(m, m)


def _color(methods: list[str], m: str) -> str:
    return COLORS[methods.index(m) % len(COLORS)]


# --- Experiment 1 -------------------------------------------------------------------------------
def label_histograms(sweep: B.Sweep, seed: int = 0) -> go.Figure:
    """Histogram of p̂ per label temperature T (what the paper's dataset histograms show)."""
    fig = go.Figure()
    for i, t in enumerate(sorted({t for (t, s) in sweep.p_hat if s == seed})):
        p = sweep.p_hat[(t, seed)]
        fig.add_trace(go.Histogram(x=p, xbins=dict(start=0.5, end=1.0, size=0.025), name=f"T = {t} "
                                   f"({100 * np.mean(p < 0.7):.0f}% below 0.7)", opacity=0.6,
                                   marker_color=COLORS[i]))
    fig.update_layout(barmode="overlay")
    return style(fig, "Bandit soft labels p̂ = σ(Δr/T) by temperature", "soft label p̂ (probability)",
                 "pairs (count)")


def policies_figure(sweep: B.Sweep, beta: float, temperature: float, methods=None) -> go.Figure:
    """Fig. 1-right: final action distributions, data distribution μ and the true reward."""
    methods = methods or sweep.methods
    k = sweep.probs_final.shape[-1]
    a = np.arange(k)
    fig = make_subplots(specs=[[{"secondary_y": True}]])
    fig.add_trace(go.Scatter(x=a, y=B.data_distribution(k), name="data μ = π_ref", fill="tozeroy",
                             line=dict(color="lightgray")), secondary_y=False)
    idx = sweep.select(beta, temperature)
    for m in methods:
        probs = sweep.probs_final[sweep.methods.index(m), idx].mean(0)
        fig.add_trace(go.Scatter(x=a, y=probs, name=_name(m), line=dict(color=_color(sweep.methods, m))),
                      secondary_y=False)
    fig.add_trace(go.Scatter(x=a, y=B.rewards(k), name="true reward r(a)", line=dict(color="black", dash="dash")),
                  secondary_y=True)
    fig.update_yaxes(title_text="reward r(a)", secondary_y=True)
    return style(fig, f"Learned policies on the bandit (β = {beta}, T = {temperature}, seed mean)", "action a",
                 "probability π(a)", height=420)


def curves_figure(sweep: B.Sweep, beta: float, temperature: float, methods=None) -> go.Figure:
    """E[r], win rate vs μ and KL over training, one line per method."""
    methods = methods or sweep.methods
    fig = make_subplots(rows=1, cols=3, subplot_titles=["expected true reward E[r]", "win rate vs μ",
                                                        "KL(π‖π_ref) (nats)"])
    for m in methods:
        h = sweep.history(m, beta, temperature)
        for col, key in enumerate(["eval/reward", "eval/win", "eval/kl"], start=1):
            x, y = h.series(key)
            fig.add_trace(go.Scatter(x=x, y=y, name=_name(m), legendgroup=m, showlegend=col == 1,
                                     line=dict(color=_color(sweep.methods, m))), row=1, col=col)
            fig.update_xaxes(title_text="Adam step", row=1, col=col)
    return style(fig, f"Bandit training curves (β = {beta}, T = {temperature}, mean over seeds)", "Adam step",
                 "value", height=400)


def sweep_figure(sweep: B.Sweep, metric: str = "win") -> go.Figure:
    """Final metric against β for each method, one panel per label temperature T."""
    betas = sorted({b for b, _, _ in sweep.settings})
    temps = sorted({t for _, t, _ in sweep.settings})
    fig = make_subplots(rows=1, cols=len(temps), subplot_titles=[f"T = {t}" for t in temps], shared_yaxes=True)
    for col, t in enumerate(temps, start=1):
        for m in sweep.methods:
            y = [sweep.final(m, b, t)[metric] for b in betas]
            fig.add_trace(go.Scatter(x=betas, y=y, mode="lines+markers", name=_name(m), legendgroup=m,
                                     showlegend=col == 1, line=dict(color=_color(sweep.methods, m))), row=1, col=col)
        fig.update_xaxes(title_text="β", type="log", row=1, col=col)
    label = {"win": "win rate vs μ (fraction)", "reward": "E[r] (reward units)", "kl": "KL (nats)"}[metric]
    return style(fig, f"Final {label} across the β × T sweep", "β", label, height=400)


def win_vs_kl_figure(sweep: B.Sweep, temperature: float, methods=None) -> go.Figure:
    """Win rate against KL along every training trajectory (one line per β): compare at matched KL."""
    methods = methods or sweep.methods
    fig = go.Figure()
    for m in methods:
        j = sweep.methods.index(m)
        for i, beta in enumerate(sorted({b for b, _, _ in sweep.settings})):
            idx = sweep.select(beta, temperature)
            fig.add_trace(go.Scatter(x=sweep.kl[:, j, idx].mean(1), y=sweep.win[:, j, idx].mean(1),
                                     mode="lines+markers", marker=dict(size=4, symbol=["circle", "square", "diamond"][i % 3]),
                                     name=f"{_name(m)}, β={beta}", legendgroup=m,
                                     line=dict(color=_color(sweep.methods, m))))
    fig.add_vline(x=1.0, line_dash="dot", line_color="gray", annotation_text="KL = 1")
    return style(fig, f"Win rate vs KL along training (T = {temperature}; markers: β)", "KL(π‖π_ref) (nats)",
                 "win rate vs μ (fraction)", height=460)


def final_table(sweep: B.Sweep, beta: float, temperature: float):
    import pandas as pd
    rows = [{"method": _name(m), **{k: round(v, 3) for k, v in sweep.final(m, beta, temperature).items()}}
            for m in sweep.methods]
    return pd.DataFrame(rows).set_index("method")


def bandit_measured(sweep: B.Sweep, cfg) -> dict:
    """The names the bandit claims read (see claims.py), at the headline (β, T): one value per seed
    (`workbench.results.seeds`, paired by seed across methods), so the verdicts carry the seed noise."""
    from workbench.results import seeds

    b, t = cfg.bandit_beta, cfg.bandit_temperature
    out: dict = dict(B.zero_gradient_check(b))        # an identity: plain numbers, no noise
    ss = sweep.seed_list()
    for m in sweep.methods:
        key = m.replace("-", "_")
        for name, metric in (("win", "win"), ("reward", "reward"), ("kl", "kl"), ("drop", "reward_drop")):
            out[f"{name}_{key}"] = seeds(sweep.per_seed(m, b, t, metric))
        out[f"mode_{key}"] = sweep.final(m, b, t)["mode"]
        out[f"win_kl1_{key}"] = seeds([sweep.best_win_within_kl(m, t, 1.0, seed=s) for s in ss])
    if "cdpo" in sweep.methods:
        c = sweep.methods.index("cdpo")
        target = B.cdpo_target(sweep.probs_final.shape[-1], b, t)
        tv = [float(0.5 * np.abs(sweep.probs_final[c, j] - target).sum()) for j in sweep.select(b, t)]
        out["tv_cdpo_target"] = seeds(tv)
    temps = sorted({tt for _, tt, _ in sweep.settings})
    if {"gdpo", "dpo"} <= set(sweep.methods) and 1.0 in temps and 0.25 in temps:
        for tt, name in ((1.0, "gain_t1"), (0.25, "gain_t025")):
            g, d = sweep.per_seed("gdpo", b, tt, "win"), sweep.per_seed("dpo", b, tt, "win")
            out[name] = seeds([x - y for x, y in zip(g, d)])
    out["frac_labels_below_0.7"] = float(np.mean(sweep.p_hat[(t, 0)] < 0.7))
    return out


# --- Diagnosis: does the optimiser explain GDPO's deficit? ----------------------------------------
STUDY_METHODS = ("dpo", "cdpo", "gdpo", "ropo", "gropo")


def study_row(sweep: B.Sweep, beta: float) -> dict[str, float]:
    """The claims' measured quantities of one study run (seed means): the G-minus-base win gaps at
    T = 1, the matched-KL gap (GDPO's best win at KL ≤ 1 minus the better of DPO and cDPO), the
    modest-label gain difference (gap at T = 1 minus gap at T = 0.25, if run), and the KLs."""
    f = {m: sweep.final(m, beta, 1.0) for m in sweep.methods}
    row = {"win_dpo": f["dpo"]["win"], "win_gdpo": f["gdpo"]["win"],
           "gdpo_minus_dpo": f["gdpo"]["win"] - f["dpo"]["win"],
           "kl_dpo": f["dpo"]["kl"], "kl_gdpo": f["gdpo"]["kl"]}
    if {"ropo", "gropo"} <= set(sweep.methods):
        row["gropo_minus_ropo"] = f["gropo"]["win"] - f["ropo"]["win"]
    if "cdpo" in sweep.methods:
        kl1 = {m: sweep.best_win_within_kl(m, 1.0, 1.0) for m in ("gdpo", "dpo", "cdpo")}
        row["matched_kl_gap"] = (None if None in kl1.values()
                                 else kl1["gdpo"] - max(kl1["dpo"], kl1["cdpo"]))
    if 0.25 in {t for _, t, _ in sweep.settings}:
        gap = {t: sweep.final("gdpo", beta, t)["win"] - sweep.final("dpo", beta, t)["win"] for t in (1.0, 0.25)}
        row["modest_gain_diff"] = gap[1.0] - gap[0.25]
    row["gdpo_at_dpo_kl_minus_dpo"] = win_at_kl_gap(sweep, "gdpo", "dpo", beta, 1.0)
    return row


def win_at_kl_gap(sweep: B.Sweep, method: str, base: str, beta: float, temperature: float) -> float | None:
    """The other matched-KL reading: `method`'s seed-averaged win rate interpolated along its own training
    trajectory at the KL where `base` ended, minus `base`'s final win rate (None if `method` never reaches
    that KL). Positive: `method` gets `base`'s final win rate at a lower KL."""
    m, b, idx = sweep.methods.index(method), sweep.methods.index(base), sweep.select(beta, temperature)
    kl, win = sweep.kl[:, m, idx].mean(1), sweep.win[:, m, idx].mean(1)
    target = float(sweep.kl[-1, b, idx].mean())
    if kl.max() < target:
        return None
    i = int(np.argmax(kl >= target))
    w = win[0] if i == 0 else win[i - 1] + (win[i] - win[i - 1]) * (target - kl[i - 1]) / max(kl[i] - kl[i - 1], 1e-12)
    return float(w - sweep.win[-1, b, idx].mean())


def optimizer_study(cfg, grid=None, methods=STUDY_METHODS, log=None):
    """Retrain the bandit at the headline β with each (optimiser, lr) of `grid` (default: Adam at
    cfg.bandit_study_adam_lrs, SGD at cfg.bandit_study_sgd_lrs), T ∈ {1, 0.25}, cfg.bandit_study_seeds
    seeds, and tabulate `study_row` per setting (a pandas DataFrame, one row per optimiser and lr)."""
    import dataclasses

    import pandas as pd

    grid = grid or ([("adam", lr) for lr in cfg.bandit_study_adam_lrs] + [("sgd", lr) for lr in cfg.bandit_study_sgd_lrs])
    settings = [(b, t, s) for b in cfg.bandit_study_betas for t in (1.0, 0.25) for s in range(cfg.bandit_study_seeds)]
    rows = []
    for opt in dict.fromkeys(o for o, _ in grid):          # one training pass per optimiser, every lr at once
        lrs = [lr for o, lr in grid if o == opt]
        run_cfg = dataclasses.replace(cfg, bandit_optimizer=opt)
        sweep = B.train(run_cfg, methods=list(methods), settings=settings * len(lrs),
                        lrs=[lr for lr in lrs for _ in settings])
        for i, lr in enumerate(lrs):
            for beta in cfg.bandit_study_betas:
                part = sweep.subset([i * len(settings) + j for j, (b, _, _) in enumerate(settings) if b == beta])
                rows.append({"optimizer": opt, "lr": lr, "beta": beta, **study_row(part, beta)})
        if log:                                          # e.g. print: one line per optimiser
            log(f"{opt}, lr {lrs}: {sweep.runtime_s:.1f} s")
    return pd.DataFrame(rows)


def study_summary(table) -> str:
    """Per β: the range of win(GDPO) − win(DPO) over the study and in how many settings GDPO is ahead."""
    lines = []
    for beta in dict.fromkeys(table["beta"]):
        t = table[table["beta"] == beta]
        gap = t["gdpo_minus_dpo"]
        by_opt = "; ".join(f"{o.upper()}: {t[t['optimizer'] == o]['gdpo_minus_dpo'].min():+.3f} to "
                           f"{t[t['optimizer'] == o]['gdpo_minus_dpo'].max():+.3f}" for o in dict.fromkeys(t["optimizer"]))
        lines.append(f"β = {beta:g}, T = 1: win(GDPO) − win(DPO) is positive in {int((gap > 0).sum())} of {len(gap)} "
                     f"optimiser/lr settings ({by_opt})")
    return "\n".join(lines)


STUDY_PANELS = {"gdpo_minus_dpo": "win(GDPO) − win(DPO)", "gropo_minus_ropo": "win(GROPO) − win(ROPO)",
                "matched_kl_gap": "matched KL ≤ 1: GDPO − best(DPO, cDPO)",
                "gdpo_at_dpo_kl_minus_dpo": "GDPO at DPO's final KL − DPO",
                "modest_gain_diff": "GDPO gain at T = 1 minus at T = 0.25"}


def optimizer_figure(table) -> go.Figure:
    """One panel per claim quantity, against the learning rate (log axis), one line per optimiser.
    Each claim holds where its quantity is above the dotted zero line."""
    panels = [c for c in STUDY_PANELS if c in table.columns]
    fig = make_subplots(rows=1, cols=len(panels), subplot_titles=[STUDY_PANELS[c] for c in panels])
    curves = [(o, b) for o in sorted(set(table["optimizer"])) for b in sorted(set(table["beta"]))]
    for i, (opt, beta) in enumerate(curves):
        sub = table[(table["optimizer"] == opt) & (table["beta"] == beta)].sort_values("lr")
        for col, c in enumerate(panels, start=1):
            fig.add_trace(go.Scatter(x=sub["lr"], y=sub[c], mode="lines+markers", name=f"{opt.upper()}, β={beta:g}",
                                     legendgroup=f"{opt}{beta}", showlegend=col == 1,
                                     line=dict(color=COLORS[i % len(COLORS)], dash="dot" if beta != max(table["beta"]) else "solid")),
                          row=1, col=col)
            fig.add_hline(y=0, line_dash="dot", line_color="gray", row=1, col=col)
            fig.update_xaxes(title_text="learning rate", type="log", row=1, col=col)
    return style(fig, "Bandit claims against optimiser, learning rate and β (T = 1; GDPO ahead above 0)",
                 "learning rate", "win-rate difference (fraction)", height=420)


def overoptimization_figure(sweep: B.Sweep, temperature: float, methods=("dpo", "dpo-sampled", "gdpo", "cdpo")) -> go.Figure:
    """E[r] over training for each β of the sweep (one panel per β): over-optimisation is a rise then a fall."""
    betas = sorted({b for b, _, _ in sweep.settings})
    fig = make_subplots(rows=1, cols=len(betas), subplot_titles=[f"β = {b}" for b in betas], shared_yaxes=True)
    for col, b in enumerate(betas, start=1):
        for m in methods:
            if m not in sweep.methods:
                continue
            x, y = sweep.history(m, b, temperature).series("eval/reward")
            drop = sweep.final(m, b, temperature)["reward_drop"]
            fig.add_trace(go.Scatter(x=x, y=y, name=f"{_name(m)}", legendgroup=m, showlegend=col == 1,
                                     hovertext=f"drop {drop:.2f}", line=dict(color=_color(sweep.methods, m))),
                          row=1, col=col)
        fig.update_xaxes(title_text="optimizer step", row=1, col=col)
    return style(fig, f"Expected true reward over training (T = {temperature}, seed mean)", "optimizer step",
                 "E[r] (reward units, max 2)", height=400)


def drop_table(sweep: B.Sweep, temperature: float):
    """Peak, final and drop of seed-averaged E[r] for every method and β (the over-optimisation numbers)."""
    import pandas as pd
    rows = [{"method": _name(m), "beta": b, **{k: round(sweep.final(m, b, temperature)[k], 3)
                                               for k in ("reward_peak", "reward", "reward_drop", "kl")}}
            for b in sorted({b for b, _, _ in sweep.settings}) for m in sweep.methods]
    return pd.DataFrame(rows).pivot(index="method", columns="beta", values="reward_drop")


# --- Experiment 2 -------------------------------------------------------------------------------
def judge_figure(res) -> go.Figure:
    """Judge p̂ histogram (by ground truth) and the position bias: P(A) in both presentation orders."""
    p = res.pairs
    fig = make_subplots(rows=1, cols=2, subplot_titles=["order-averaged judge p̂(y₁ ≻ y₂)",
                                                        "position bias: P(answer A) in both orders"])
    groups = {"checker: y₁ better": lambda x: x["r1"] > x["r2"], "checker: tie": lambda x: x["r1"] == x["r2"],
              "checker: y₂ better": lambda x: x["r1"] < x["r2"]}
    for i, (label, keep) in enumerate(groups.items()):
        sel = [x for x in p if keep(x)]
        fig.add_trace(go.Histogram(x=[x["p_judge"] for x in sel], name=label, nbinsx=20, marker_color=COLORS[i],
                                   opacity=0.7), row=1, col=1)
        fig.add_trace(go.Scatter(x=[x["p_a_forward"] for x in sel], y=[x["p_a_swapped"] for x in sel], mode="markers",
                                 name=label, showlegend=False, marker=dict(color=COLORS[i])), row=1, col=2)
    fig.add_trace(go.Scatter(x=[0, 1], y=[1, 0], mode="lines", line=dict(color="gray", dash="dot"),
                             name="no position bias"), row=1, col=2)
    fig.update_layout(barmode="overlay")
    fig.update_xaxes(title_text="p̂ (probability)", row=1, col=1)
    fig.update_yaxes(title_text="pairs (count)", row=1, col=1)
    fig.update_xaxes(title_text="P(A) with y₁ shown first", range=[0, 1], row=1, col=2)
    fig.update_yaxes(title_text="P(A) with y₂ shown first", range=[0, 1], row=1, col=2)
    return style(fig, "SmolLM2-135M as a judge: soft labels and position bias", "p̂", "count", height=420)


def reliability_figure(res, n_bins: int = 5) -> go.Figure:
    """Reliability diagram of the judge on pairs the checker can decide."""
    p = [x for x in res.pairs if x["r1"] != x["r2"]]
    fig = go.Figure()
    if p:
        q = np.array([x["p_judge"] for x in p])
        y = np.array([float(x["r1"] > x["r2"]) for x in p])
        conf = np.maximum(q, 1 - q)
        correct = ((q > 0.5) == (y == 1)).astype(float)
        bins = np.minimum(((conf - 0.5) / 0.5 * n_bins).astype(int), n_bins - 1)
        xs = [conf[bins == b].mean() for b in range(n_bins) if (bins == b).any()]
        ys = [correct[bins == b].mean() for b in range(n_bins) if (bins == b).any()]
        ns = [int((bins == b).sum()) for b in range(n_bins) if (bins == b).any()]
        fig.add_trace(go.Scatter(x=xs, y=ys, mode="markers+lines", text=[f"n={n}" for n in ns], name="judge"))
    fig.add_trace(go.Scatter(x=[0.5, 1], y=[0.5, 1], mode="lines", line=dict(dash="dot", color="gray"),
                             name="perfect calibration"))
    cal = calibration([x["p_judge"] for x in res.pairs], [x["r1"] for x in res.pairs], [x["r2"] for x in res.pairs])
    return style(fig, f"Judge reliability (accuracy {cal['accuracy']:.2f}, ECE {cal['ece']:.2f}, n = {cal['n']})",
                 "judge confidence max(p̂, 1−p̂)", "accuracy against the checker (fraction)")


def lm_training_figure(res) -> go.Figure:
    fig = make_subplots(rows=1, cols=2, subplot_titles=["preference loss", "log π/π_ref of the chosen response"])
    for i, (loss_type, h) in enumerate(res.histories.items()):
        for col, key in enumerate(["train/loss", "train/chosen_logratio"], start=1):
            x, y = h.series(key)
            fig.add_trace(go.Scatter(x=x, y=y, name=loss_type.upper(), legendgroup=loss_type, showlegend=col == 1,
                                     line=dict(color=COLORS[i])), row=1, col=col)
            fig.update_xaxes(title_text="optimizer step", row=1, col=col)
    return style(fig, "SmolLM2 fine-tuning on judge labels", "optimizer step", "nats", height=380)


def lm_win_figure(res) -> go.Figure:
    m = res.metrics
    losses = list(res.policies)
    fig = go.Figure(go.Bar(x=[l.upper() for l in losses], y=[m[f"{l}_win_rate"] for l in losses],
                           error_y=dict(type="data", array=[m.get(f"{l}_win_rate_se", 0) for l in losses]),
                           text=[f"{m[f'{l}_win_rate']:.2f}" for l in losses], marker_color=COLORS[:len(losses)]))
    fig.add_hline(y=0.5, line_dash="dot", line_color="gray", annotation_text="tie with reference")
    return style(fig, f"Win rate vs the reference on {len(res.eval_prompts)} held-out prompts (checker; bars ±1 s.e.)",
                 "loss", "win rate (fraction, ties ½)", yaxis_range=[0, 1])


def lm_outcomes(res, loss_type: str) -> np.ndarray:
    """Per held-out prompt: 1 if the policy's reply beats the reference's by the checker, ½ tie, 0 loss."""
    from workbench.papers.gdpo import task as T
    ref = np.array([T.reward(y, e["word"]) for y, e in zip(res.reference, res.eval_prompts)])
    pol = np.array([T.reward(y, e["word"]) for y, e in zip(res.policies[loss_type], res.eval_prompts)])
    return (pol > ref) + 0.5 * (pol == ref)


def judge_correct(res) -> np.ndarray:
    """Per pair the checker can decide: 1 if the judge's p̂ picks the better response, ½ at p̂ = ½, else 0."""
    keep = [x for x in res.pairs if x["r1"] != x["r2"]]
    return np.array([0.5 if x["p_judge"] == 0.5 else float((x["p_judge"] > 0.5) == (x["r1"] > x["r2"]))
                     for x in keep])


def lm_measured(res, seed: int = 0) -> dict:
    """The LLM claims' quantities as bootstrap samples over their evaluation units: win rates over the
    held-out prompts (same units and seed for every loss, so the comparison is paired), judge accuracy
    over the decidable pairs. With a few dozen units these are mostly inconclusive, as they should be."""
    from workbench.results import bootstrap

    m = res.metrics
    out = {"judge_ece": m["judge_ece"], "judge_position_bias": m["judge_position_bias"]}
    correct = judge_correct(res)
    out["judge_accuracy"] = bootstrap(correct, seed=seed) if len(correct) else float("nan")
    for l in res.policies:
        out[f"llm_win_{l}"] = bootstrap(lm_outcomes(res, l), seed=seed)
    return out
