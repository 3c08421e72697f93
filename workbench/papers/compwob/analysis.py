"""Metrics and figures over the episode rows of a `train.Run` (CompWoB: success tables, Fig. 5).

- `frame(rows)`: one row per episode as a DataFrame.
- `success_table(df)`: agent × {base, forward, reverse, composed} success.
- `independent_errors(df)`: per composed page and agent, observed success next to the product of the
  agent's success on the page's base sub-tasks alone (what independent errors would predict);
  observed - predicted is the compositional penalty.
- `complexity(df)`: per page, mean non-oracle success with #sub-tasks, instruction words, element
  count and DOM depth; `fit(x, y)` gives slope, R² and Spearman rho.
- `failure_modes(df)`: why composed episodes fail, per agent.
- `measured(df)`: the names the claims read (see claims.py).
Figures are plotly, styled with `workbench.plots.style`.
"""
from __future__ import annotations

import math

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from workbench.plots import COLORS, style

AGENT_ORDER = ["oracle", "naive", "bc", "llm"]
AGENT_LABEL = {"oracle": "oracle (parses 'after')", "naive": "naive in-order", "bc": "transferred (BC)",
               "llm": "prompted LLM"}


def frame(rows: list[dict]) -> pd.DataFrame:
    return pd.DataFrame(rows)


def _agents(df) -> list[str]:
    return [a for a in AGENT_ORDER if a in set(df["agent"])]


def success_table(df: pd.DataFrame) -> pd.DataFrame:
    """Success rate per agent on base, forward, reverse and all composed pages (episodes pooled)."""
    out = {}
    for a in _agents(df):
        d = df[df.agent == a]
        out[a] = {"base": d[d.direction == "base"].success.mean(),
                  "forward": d[d.direction == "forward"].success.mean(),
                  "reverse": d[d.direction == "reverse"].success.mean(),
                  "composed": d[d.direction != "base"].success.mean(),
                  "episodes": len(d)}
    return pd.DataFrame(out).T


def by_n(df: pd.DataFrame) -> dict:
    """{agent: {n: success}} over all pages with n sub-tasks (n = 1: base pages)."""
    return {a: {int(n): float(v) for n, v in df[df.agent == a].groupby("n").success.mean().items()}
            for a in _agents(df)}


def failure_modes(df: pd.DataFrame) -> dict:
    """{agent: {why: share}} over failed composed episodes. `why` is the page's reason for -1
    ("final sub-task before an earlier one": an earlier sub-task was skipped, undone or done out of
    order; "final sub-task wrong": wrong element in the final sub-task) or "no final action" (the
    step budget ran out or the page timer fired)."""
    d = df[(df.direction != "base") & ~df.success]
    out = {}
    for a in _agents(d):
        why = d[d.agent == a].reason.map(
            lambda r: r if r in ("final sub-task before an earlier one", "final sub-task wrong") else "no final action")
        out[a] = {k: float(v) for k, v in why.value_counts(normalize=True).items()}
    return out


def independent_errors(df: pd.DataFrame) -> pd.DataFrame:
    """Observed vs predicted (product of base-page success) per (agent, composed page)."""
    base = df[df.direction == "base"].groupby(["agent", "task"]).success.mean()
    rows = []
    for (agent, task), g in df[df.direction != "base"].groupby(["agent", "task"]):
        parts = g.composition.iloc[0].replace("-transition", "").split("_")
        if not all((agent, p) in base.index for p in parts):
            continue
        pred = float(np.prod([base[(agent, p)] for p in parts]))
        rows.append({"agent": agent, "task": task, "n": int(g.n.iloc[0]), "direction": g.direction.iloc[0],
                     "observed": g.success.mean(), "predicted": pred})
    return pd.DataFrame(rows, columns=["agent", "task", "n", "direction", "observed", "predicted"])


def complexity(df: pd.DataFrame) -> pd.DataFrame:
    """Per page: mean success over non-oracle agents (each agent weighted equally) and page statistics."""
    d = df[df.agent != "oracle"]
    per = d.groupby(["task", "agent"]).success.mean().groupby("task").mean().rename("success")
    stats = df.groupby("task")[["n", "instr_words", "n_elements", "dom_depth", "html_chars"]].mean()
    return stats.join(per, how="inner").reset_index()


def _spearman(x, y) -> float:
    x, y = pd.Series(x).rank(), pd.Series(y).rank()
    if x.std() == 0 or y.std() == 0:
        return float("nan")
    return float(np.corrcoef(x, y)[0, 1])


def fit(x, y) -> dict:
    """Least-squares line, R² and Spearman rho of y on x."""
    x, y = np.asarray(x, float), np.asarray(y, float)
    if len(x) < 2 or x.std() == 0:
        return {"slope": float("nan"), "r2": float("nan"), "rho": float("nan")}
    slope, icpt = np.polyfit(x, y, 1)
    resid = y - (slope * x + icpt)
    r2 = 1 - resid.var() / y.var() if y.var() > 0 else float("nan")
    return {"slope": float(slope), "intercept": float(icpt), "r2": float(r2), "rho": _spearman(x, y)}


def measured(df: pd.DataFrame) -> dict:
    """The names the claims read (NaN where an agent did not run)."""
    out: dict[str, float] = {}
    tab = success_table(df)
    for a in AGENT_ORDER:
        for col in ("base", "forward", "reverse", "composed"):
            v = tab.loc[a, col] if a in tab.index else float("nan")
            out[f"{a}_{col}"] = float(v) if v == v else float("nan")
    cx = complexity(df)
    out["corr_success_n"] = _spearman(cx.n, cx.success) if len(cx) > 1 else float("nan")
    ie = independent_errors(df)
    out["compositional_penalty"] = float((ie.observed - ie.predicted).mean()) if len(ie) else float("nan")
    for a in AGENT_ORDER:     # per agent: mean(observed - product of base rates) over its composed pages
        d = ie[ie.agent == a]
        out[f"{a}_penalty"] = float((d.observed - d.predicted).mean()) if len(d) else float("nan")
        t = df[df.agent == a].time_s if "time_s" in df else []
        out[f"{a}_s_per_episode"] = float(t.mean()) if len(t) else float("nan")
    return {k: (None if isinstance(v, float) and math.isnan(v) else v) for k, v in out.items()}


# ------------------------------------------------------------------------------------------ figures
def fig_success(df: pd.DataFrame) -> go.Figure:
    tab = success_table(df)
    fig = go.Figure()
    for i, col in enumerate(["base", "forward", "reverse"]):
        fig.add_trace(go.Bar(name=col, x=[AGENT_LABEL[a] for a in tab.index], y=tab[col], marker_color=COLORS[i]))
    fig.update_yaxes(range=[0, 1.05])
    return style(fig, "Success by agent: base pages vs composed (forward / reverse instructions)",
                 "agent", "success rate (fraction of episodes)", barmode="group")


def fig_tasks(df: pd.DataFrame) -> go.Figure:
    d = df[df.direction != "base"]
    piv = d.groupby(["composition", "agent", "direction"]).success.mean().unstack(["agent", "direction"])
    cols = [(a, dr) for a in _agents(d) for dr in ("forward", "reverse") if (a, dr) in piv.columns]
    piv = piv[cols]
    n = d.groupby("composition").n.first().reindex(piv.index)
    piv = piv.loc[n.sort_values(kind="stable").index]
    fig = go.Figure(go.Heatmap(z=piv.values, x=[f"{a} / {dr}" for a, dr in cols], y=list(piv.index),
                               colorscale="RdYlGn", zmin=0, zmax=1, colorbar=dict(title="success")))
    return style(fig, "Success per composed task × agent × direction", "agent / instruction direction",
                 "composed task (sorted by #sub-tasks)", height=max(400, 22 * len(piv) + 150))


def fig_vs_n(df: pd.DataFrame) -> go.Figure:
    fig = go.Figure()
    for i, a in enumerate(_agents(df)):
        for dr, dash in (("forward", "solid"), ("reverse", "dot")):
            d = df[(df.agent == a) & ((df.direction == dr) | (df.direction == "base"))]
            g = d.groupby("n").success.mean()
            fig.add_trace(go.Scatter(x=g.index, y=g.values, mode="lines+markers", name=f"{a} {dr}",
                                     line=dict(color=COLORS[i], dash=dash)))
    fig.update_yaxes(range=[-0.05, 1.05])
    return style(fig, "Success vs number of sub-tasks (n = 1: base pages)", "sub-tasks per page (count)",
                 "success rate (fraction)")


def fig_independent(df: pd.DataFrame) -> go.Figure:
    ie = independent_errors(df)
    fig = go.Figure()
    for i, a in enumerate(_agents(df)):
        d = ie[ie.agent == a]
        if len(d):
            fig.add_trace(go.Scatter(x=d.predicted, y=d.observed, mode="markers", name=a, text=d.task,
                                     marker=dict(color=COLORS[i], size=6 + 2 * d.n)))
    fig.add_trace(go.Scatter(x=[0, 1], y=[0, 1], mode="lines", name="observed = predicted",
                             line=dict(color="gray", dash="dash")))
    return style(fig, "Observed composed success vs independent-errors prediction (product of base rates)",
                 "predicted success: product of the agent's base-page rates (fraction)",
                 "observed success (fraction)")


def fig_complexity(df: pd.DataFrame) -> go.Figure:
    cx = complexity(df)
    stats = [("n", "sub-tasks (count)"), ("instr_words", "instruction length (words)"),
             ("n_elements", "DOM elements (count)"), ("dom_depth", "DOM depth (levels)")]
    titles = []
    for key, label in stats:
        f = fit(cx[key], cx.success)
        titles.append(f"{label}: R²={f['r2']:.2f}, ρ={f['rho']:.2f}")
    fig = make_subplots(rows=1, cols=4, subplot_titles=titles, shared_yaxes=True)
    for j, (key, label) in enumerate(stats, start=1):
        fig.add_trace(go.Scatter(x=cx[key], y=cx.success, mode="markers", text=cx.task, showlegend=False,
                                 marker=dict(color=COLORS[0])), row=1, col=j)
        f = fit(cx[key], cx.success)
        if f["slope"] == f["slope"]:
            xs = np.linspace(cx[key].min(), cx[key].max(), 2)
            fig.add_trace(go.Scatter(x=xs, y=f["slope"] * xs + f["intercept"], mode="lines", showlegend=False,
                                     line=dict(color=COLORS[1], dash="dash")), row=1, col=j)
        fig.update_xaxes(title_text=label, row=1, col=j)
    fig.update_annotations(font_size=10)
    return style(fig, "Per-page success (mean over non-oracle agents) vs page complexity", "",
                 "success rate (fraction)", height=380)


def fig_bc(history: list[tuple[int, float, float]]) -> go.Figure:
    fig = make_subplots(specs=[[{"secondary_y": True}]])
    steps = [h[0] for h in history]
    fig.add_trace(go.Scatter(x=steps, y=[h[1] for h in history], name="loss (nats)", line=dict(color=COLORS[0])))
    fig.add_trace(go.Scatter(x=steps, y=[h[2] for h in history], name="train accuracy (fraction)",
                             line=dict(color=COLORS[1])), secondary_y=True)
    return style(fig, "Behaviour cloning on base-page oracle demos", "Adam step (full batch)",
                 "cross-entropy over candidates (nats)")
