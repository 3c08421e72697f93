"""What the notebook measures and shows: claim quantities with their noise, tables and figures."""
from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from workbench.plots import style
from workbench.results import bootstrap, seeds

TASK_NAMES = {"plan": "planning", "snippet": "snippet extraction", "program": "program writing",
              "act": "single model (HTML -> program)"}


# ---------------------------------------------------------------------------------------------
# measured quantities

def speedups(rows: list[dict]) -> dict[int, list[float]]:
    """{length: [dense time / TGlobal time, per timing repeat]} from `model.speed_table` rows."""
    t = {(r["length"], r["attention"]): r["time_s"] for r in rows}
    return {L: [d / g for d, g in zip(t[(L, "dense")], t[(L, "tglobal")])]
            for L in sorted({r["length"] for r in rows})}


ARM_LABELS = {"long": "long-span mixture, TGlobal (HTML-T5)", "short": "short span (mean 3), TGlobal",
              "dense": "long-span mixture, dense attention"}


def per_seed(arms: dict, arm: str, kind: str) -> list[float]:
    """Held-out accuracy of one arm on one task, one value per pre-training seed (seed order)."""
    return [float(np.mean(r.acc[kind][0])) for (a, _), r in sorted(arms.items(), key=lambda kv: kv[0][1]) if a == arm]


def measured_samples(arms: dict | None = None, live_rows: list[dict] | None = None,
                     speed_rows: list[dict] | None = None) -> dict:
    """The claims' names (see claims.py) as `Samples`; a part not measured leaves its names out.
    Accuracies are one value per pre-training seed (`seeds`: resampled as seeds, paired by seed across
    arms); `*_tglobal` are the `long` arm's (HTML-T5: long-span mixture with TGlobal attention)."""
    out = {}
    if arms:
        for arm in sorted({a for a, _ in arms}):
            for k in ("plan", "snippet"):
                vals = per_seed(arms, arm, k)
                if vals:
                    out[f"{k}_{arm}"] = seeds(vals)
        for k in ("plan", "snippet"):
            if f"{k}_long" in out:
                out[f"{k}_tglobal"] = out[f"{k}_long"]
    if live_rows:
        for agent in ("modular", "single"):
            ok = [r["success"] for r in sorted(live_rows, key=lambda r: (r["page"], r["seed"])) if r["agent"] == agent]
            if ok:
                out[f"{agent}_success"] = bootstrap(np.asarray(ok, dtype=float))
    if speed_rows:
        sp = speedups(speed_rows)
        Ls = sorted(sp)
        out["speedup_shortest"] = seeds(sp[Ls[0]])
        out["speedup_longest"] = seeds(sp[Ls[-1]])
        out["speedup_min"] = seeds([min(v) for v in zip(*sp.values())])
    return out


def arm_table(arms: dict) -> pd.DataFrame:
    """Held-out planning and snippet accuracy per arm (rows) and seed (columns), with the mean."""
    rows = []
    for arm in ARM_LABELS:
        for k in ("plan", "snippet"):
            vals = per_seed(arms, arm, k)
            if not vals:
                continue
            row = {"arm": ARM_LABELS[arm], "task": TASK_NAMES[k]}
            row.update({f"seed {s}": v for s, v in zip(sorted({s for _, s in arms}), vals)})
            row["mean"] = float(np.mean(vals))
            rows.append(row)
    return pd.DataFrame(rows).set_index(["arm", "task"])


def accuracy_table(acc: dict) -> pd.DataFrame:
    """Held-out accuracy per task (rows) of one model's {task: (0/1 array, predictions)}, with a 95%
    bootstrap interval over held-out steps."""
    rows = []
    for k in TASK_NAMES:
        if k not in acc:
            continue
        s = bootstrap(np.asarray(acc[k][0]))
        lo, hi = np.percentile([v for v in s.values if v is not None], [2.5, 97.5])
        rows.append({"task": TASK_NAMES[k], "accuracy": s.point, "95%": f"[{lo:.2f}, {hi:.2f}]"})
    return pd.DataFrame(rows).set_index("task")


def program_decoding(live_rows: list[dict]) -> pd.DataFrame:
    """Per agent: episodes, successes, and episodes the sandbox refused for a syntax error."""
    df = pd.DataFrame(live_rows)
    df["syntax_error"] = df["error"].fillna("").str.contains("syntax error")
    return df.groupby("agent").agg(episodes=("success", "size"), successes=("success", "sum"),
                                   refused_syntax=("syntax_error", "sum"))


def live_table(rows: list[dict]) -> pd.DataFrame:
    df = pd.DataFrame(rows)
    tab = df.pivot_table(index="kind", columns="agent", values="success", aggfunc="mean")
    tab.loc["all"] = df.groupby("agent")["success"].mean()
    tab["episodes per agent"] = [int((df["kind"] == k).sum() / df["agent"].nunique()) if k != "all"
                                 else int(len(df) / df["agent"].nunique()) for k in tab.index]
    return tab


def failure_reasons(rows: list[dict], top: int = 5) -> pd.DataFrame:
    """The commonest one-line reasons episodes failed, per agent (sandbox refusals included)."""
    df = pd.DataFrame(rows)
    df = df[~df["success"]].copy()
    df["reason"] = df["error"].fillna("ran out of steps or wrong answer").str.slice(0, 90)
    return df.groupby(["agent", "reason"]).size().rename("episodes").reset_index() \
        .sort_values(["agent", "episodes"], ascending=[True, False]).groupby("agent").head(top)


# ---------------------------------------------------------------------------------------------
# figures

def fig_accuracy(arms: dict) -> go.Figure:
    """Held-out planning and snippet accuracy of every arm: one dot per pre-training seed, a bar at the mean."""
    fig = make_subplots(rows=1, cols=2, subplot_titles=(TASK_NAMES["plan"], TASK_NAMES["snippet"]))
    for col, k in ((1, "plan"), (2, "snippet")):
        for i, arm in enumerate(ARM_LABELS):
            vals = per_seed(arms, arm, k)
            if not vals:
                continue
            c = ("#1f77b4", "#ff7f0e", "#d62728")[i]
            fig.add_bar(x=[ARM_LABELS[arm]], y=[float(np.mean(vals))], marker_color=c, opacity=0.5,
                        name=ARM_LABELS[arm], showlegend=col == 1, row=1, col=col)
            fig.add_scatter(x=[ARM_LABELS[arm]] * len(vals), y=vals, mode="markers", marker=dict(color=c, size=9),
                            showlegend=False, row=1, col=col)
    fig.update_xaxes(showticklabels=False)
    return style(fig, "Held-out accuracy after fine-tuning: one dot per pre-training seed", "",
                 "exact-match accuracy (fraction of held-out steps)", height=420)


def fig_speed(rows: list[dict]) -> go.Figure:
    """Forward+backward time and activation memory against encoder length, TGlobal vs dense."""
    fig = make_subplots(rows=1, cols=2, subplot_titles=("time per forward+backward", "activation memory kept for backward"))
    colours = {"tglobal": "#1f77b4", "dense": "#d62728"}
    for att in ("tglobal", "dense"):
        rs = [r for r in rows if r["attention"] == att]
        L = [r["length"] for r in rs]
        label = "TGlobal (local r=127 + global)" if att == "tglobal" else "dense T5"
        fig.add_scatter(x=L, y=[float(np.median(r["time_s"])) for r in rs], name=label, mode="lines+markers",
                        line=dict(color=colours[att]), row=1, col=1)
        fig.add_scatter(x=L, y=[r["saved_mb"] for r in rs], name=label, mode="lines+markers", showlegend=False,
                        line=dict(color=colours[att], dash="dot"), row=1, col=2)
    fig.update_xaxes(title_text="encoder length (tokens)", type="log")
    fig.update_yaxes(title_text="seconds (median of repeats)", type="log", row=1, col=1)
    fig.update_yaxes(title_text="MiB", type="log", row=1, col=2)
    return style(fig, "TGlobal vs dense attention: speed and memory by sequence length", "encoder length (tokens)", "")


def fig_snippet(obs, predicted: list[int], oracle: list[int], sub_instruction: str) -> go.Figure:
    """The page's screenshot with element boxes: predicted snippet elements (blue), the oracle's
    (green dashed); both = the prediction was right."""
    fig = go.Figure()
    h, w = obs.screenshot.shape[:2] if obs.screenshot is not None else (210, 160)
    if obs.screenshot is not None:
        fig.add_trace(go.Image(z=obs.screenshot, hoverinfo="skip"))
    (x0, y0, _, _) = (obs.regions or {}).get("wrap", (0, 0, w, h))
    by_ref = {e.ref: e for e in obs.dom}
    for refs, colour, dash, name in ((predicted, "#1f77b4", "solid", "predicted"), (oracle, "#2ca02c", "dash", "oracle")):
        for r in refs:
            e = by_ref.get(r)
            if e is None or not e.width:
                continue
            ex, ey = e.left - x0, e.top - y0
            fig.add_shape(type="rect", x0=ex, y0=ey, x1=ex + e.width, y1=ey + e.height,
                          line=dict(color=colour, width=3, dash=dash))
            fig.add_annotation(x=ex, y=ey, text=f"{name} ref {r}", showarrow=False, yshift=8 if name == "predicted" else -8,
                               xanchor="left", font=dict(color=colour, size=10))
    fig.update_yaxes(autorange="reversed", range=[h, 0])
    fig.update_xaxes(range=[0, w])
    return style(fig, f"Snippet extraction for: {sub_instruction[:60]}", "x (pixels)", "y (pixels)",
                 height=max(320, 2 * h), width=max(420, 2 * w + 120))


def fig_trace(trace: dict) -> go.Figure:
    """The modular agent's planning trace beside the oracle's on the same episode (same seed)."""
    agent, oracle = trace["trace"], trace["oracle"]
    n = max(len(agent), len(oracle))

    def col(rows, key):
        return [str(rows[i][key]) if i < len(rows) else "" for i in range(n)]

    fig = go.Figure(go.Table(
        header=dict(values=["step", "agent: sub-instruction", "agent: refs", "agent: program",
                            "oracle: sub-instruction", "oracle: refs", "oracle: program"]),
        cells=dict(values=[list(range(1, n + 1)), col(agent, "sub_instruction"), col(agent, "refs"),
                           col(agent, "program"), col(oracle, "sub_instruction"), col(oracle, "refs"),
                           col(oracle, "program")])))
    fig.update_layout(title=f"Planning trace on {trace['page']}: {trace['utterance'][:80]}")
    return fig


def fig_live(rows: list[dict]) -> go.Figure:
    df = pd.DataFrame(rows)
    tab = df.groupby(["page", "agent"])["success"].mean().unstack()
    fig = go.Figure()
    for agent in tab.columns:
        fig.add_bar(x=list(tab.index), y=list(tab[agent]), name=agent)
    return style(fig, "Live success per page: modular agent vs single model", "page",
                 "success rate (raw reward > 0)", barmode="group")


def fig_curves(arms: dict) -> go.Figure:
    """Pre-training and fine-tuning loss curves of every arm and seed (held-out rows / steps)."""
    fig = make_subplots(rows=1, cols=2, subplot_titles=("pre-training: held-out denoising loss",
                                                        "fine-tuning: held-out loss"))
    colours = {"long": "#1f77b4", "short": "#ff7f0e", "dense": "#d62728"}
    for (arm, seed), r in arms.items():
        for col, run, key in ((1, r.pre, "pretrain/eval_loss"), (2, r.fine, "finetune/eval_loss")):
            x, y = run.history.series(key)
            fig.add_scatter(x=x, y=y, mode="lines", line=dict(color=colours.get(arm), dash=("solid", "dot", "dash")[seed % 3]),
                            name=f"{ARM_LABELS.get(arm, arm)}, seed {seed}", showlegend=col == 1, row=1, col=col)
    fig.update_xaxes(title_text="step")
    fig.update_yaxes(title_text="cross-entropy (nats per target token)")
    return style(fig, "Training curves: every arm and pre-training seed (the mixtures' denoising losses measure "
                      "different tasks)", "step", "loss", height=420)
