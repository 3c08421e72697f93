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


def bandit_measured(sweep: B.Sweep, cfg) -> dict[str, float]:
    """The names the bandit claims read (see claims.py), at the headline (β, T)."""
    b, t = cfg.bandit_beta, cfg.bandit_temperature
    out: dict[str, float] = dict(B.zero_gradient_check(b))
    for m in sweep.methods:
        f = sweep.final(m, b, t)
        key = m.replace("-", "_")
        out |= {f"win_{key}": f["win"], f"reward_{key}": f["reward"], f"kl_{key}": f["kl"],
                f"drop_{key}": f["reward_drop"], f"mode_{key}": f["mode"]}
        out[f"win_kl1_{key}"] = sweep.best_win_within_kl(m, t, 1.0)
    if "cdpo" in sweep.methods:
        probs = sweep.probs_final[sweep.methods.index("cdpo"), sweep.select(b, t)].mean(0)
        out["tv_cdpo_target"] = float(0.5 * np.abs(probs - B.cdpo_target(len(probs), b, t)).sum())
    temps = sorted({tt for _, tt, _ in sweep.settings})
    if {"gdpo", "dpo"} <= set(sweep.methods) and 1.0 in temps and 0.25 in temps:
        for tt, name in ((1.0, "gain_t1"), (0.25, "gain_t025")):
            out[name] = sweep.final("gdpo", b, tt)["win"] - sweep.final("dpo", b, tt)["win"]
    out["frac_labels_below_0.7"] = float(np.mean(sweep.p_hat[(t, 0)] < 0.7))
    return out


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


def lm_measured(res) -> dict[str, float]:
    m = res.metrics
    out = {"judge_accuracy": m["judge_accuracy"], "judge_ece": m["judge_ece"],
           "judge_position_bias": m["judge_position_bias"]}
    for l in res.policies:
        out[f"llm_win_{l}"] = m[f"{l}_win_rate"]
    return out
