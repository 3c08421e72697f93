"""Metrics and figures over the episode rows of a `train.Run` (CompWoB: success tables, Fig. 5).

- `frame(rows)`: one row per episode as a DataFrame.
- `success_table(df)`: agent × {base, forward, reverse, composed} success.
- `independent_errors(df)`: per composed page and agent, observed success next to the product of the
  agent's success on the page's base sub-tasks alone (what independent errors would predict);
  observed - predicted is the compositional penalty.
- `complexity(df)`: per page, mean non-oracle success with #sub-tasks, instruction words, element
  count and DOM depth; `fit(x, y)` gives slope, R² and Spearman rho.
- `failure_modes(df)`: why composed episodes fail, per agent.
- `measured(df)`: the names the claims read (see claims.py), as plain numbers (logged as metrics);
  `measured_samples(df)`: the same success rates and correlation as bootstrap `Samples` (what the claims
  are judged on; see `workbench.results`).
- `forward_reverse(df)`, `order_effect(df)`: per composition, forward vs reverse success per agent.
- `model_vs_baseline(df)`: the prompted agent against the word-overlap baseline on the same episodes.
Figures are plotly, styled with `workbench.plots.style`.
"""
from __future__ import annotations

import math

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from workbench.plots import COLORS, style

AGENT_ORDER = ["oracle", "naive", "bc", "llm", "overlap"]
AGENT_LABEL = {"oracle": "oracle (parses 'after')", "naive": "naive in-order", "bc": "transferred (BC)",
               "llm": "prompted LLM", "overlap": "word overlap (no model)"}
# Left out of the per-page complexity average (claim success-falls-with-subtasks was registered over the
# naive, bc and llm agents): the oracle validates pages, the overlap baseline came after the claim.
NOT_IN_COMPLEXITY = ("oracle", "overlap")
# bootstrap seeds, one per set of units: the same seed on the same units pairs quantities (two agents on
# the very same episodes); a different seed keeps unrelated unit sets (base vs composed) independent
BOOT_BASE, BOOT_COMPOSED, BOOT_PAGES, BOOT_PAIRED = 1, 2, 3, 4


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
    """Per page: mean success over the naive, bc and llm agents (each agent weighted equally; not the oracle
    nor the overlap baseline, see NOT_IN_COMPLEXITY) and page statistics."""
    d = df[~df.agent.isin(NOT_IN_COMPLEXITY)]
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


def _ratio(num, den) -> float:
    den = float(den)
    return float(num) / den if den else float("nan")


def base_units(df: pd.DataFrame, agent: str) -> np.ndarray:
    """One unit per base-page episode of `agent` (its success, 0/1), in page and seed order."""
    return df[(df.agent == agent) & (df.direction == "base")].success.to_numpy(dtype=float)


def composed_units(df: pd.DataFrame, agent: str) -> np.ndarray:
    """One unit per (composition, episode index) of `agent`: [forward successes, forward episodes,
    reverse successes, reverse episodes]. A composition's twins (same JavaScript, the two wordings)
    share a unit, so forward and reverse success are paired by composition; a page without a twin
    (from `-p pages=`) fills one side."""
    d = df[df.agent == agent]
    d = d.assign(k=d.groupby("task").cumcount())
    d = d[d.direction.isin(["forward", "reverse"])]
    cols = []
    for dr in ("forward", "reverse"):
        g = d[d.direction == dr].groupby(["composition", "k"]).success
        cols.append(pd.DataFrame({f"{dr}_s": g.sum().astype(float), f"{dr}_n": g.count().astype(float)}))
    u = cols[0].join(cols[1], how="outer").fillna(0.0).sort_index()
    return u[["forward_s", "forward_n", "reverse_s", "reverse_n"]].to_numpy()


def _forward(u):
    return _ratio(u[:, 0].sum(), u[:, 1].sum())


def _reverse(u):
    return _ratio(u[:, 2].sum(), u[:, 3].sum())


def _composed(u):
    return _ratio(u[:, 0].sum() + u[:, 2].sum(), u[:, 1].sum() + u[:, 3].sum())


def _spearman_cols(a) -> float:
    return _spearman(a[:, 0], a[:, 1])


def measured_samples(df: pd.DataFrame, n: int = 1000) -> dict:
    """What the claims are judged on: each success rate as bootstrap replicates over episodes, and
    corr_success_n over pages. Only agents that ran appear (a missing name makes a claim inconclusive).
    - `<a>_base`: base-page episodes; the same seed for every agent, so two agents on the same pages
      and seeds are paired episode by episode;
    - `<a>_forward`, `<a>_reverse`, `<a>_composed`: (composition, episode index) units holding both
      wordings (`composed_units`), so forward and reverse are paired by composition;
    - base and composed quantities use different seeds: independent draws of unrelated units;
    - `corr_success_n`: Spearman over resampled pages (page = unit: the correlation is over pages)."""
    from workbench.results import bootstrap
    out = {}
    for a in _agents(df):
        b = base_units(df, a)
        if len(b):
            out[f"{a}_base"] = bootstrap(b, n=n, seed=BOOT_BASE)
        u = composed_units(df, a)
        if len(u):
            for name, stat in (("forward", _forward), ("reverse", _reverse), ("composed", _composed)):
                out[f"{a}_{name}"] = bootstrap(u, stat, n=n, seed=BOOT_COMPOSED)
    cx = complexity(df)
    if len(cx) > 1:
        out["corr_success_n"] = bootstrap(cx[["n", "success"]].to_numpy(dtype=float), _spearman_cols, n=n,
                                          seed=BOOT_PAGES)
    return out


def model_vs_baseline(df: pd.DataFrame, model: str = "llm", baseline: str = "overlap", n: int = 1000) -> pd.DataFrame:
    """The model agent against the baseline on the model's own episodes (same page, same seed): per
    direction, both success rates, their difference with a 95% paired-bootstrap interval, and the share
    of resamples in which the model scores higher (ties count 1/2, as in claims)."""
    cols = ["episodes", model, baseline, "difference", "diff_low", "diff_high", f"P({model} > {baseline})"]
    m = df[df.agent == model][["task", "seed", "direction", "success"]]
    b = df[df.agent == baseline][["task", "seed", "success"]]
    if not len(m) or not len(b):
        return pd.DataFrame(columns=cols)
    both = m.merge(b, on=["task", "seed"], suffixes=("_m", "_b"))
    rows = {}
    from workbench.results import bootstrap
    for dr, sel in (("base", both.direction == "base"), ("forward", both.direction == "forward"),
                    ("reverse", both.direction == "reverse"), ("composed", both.direction != "base")):
        u = both[sel][["success_m", "success_b"]].to_numpy(dtype=float)
        if not len(u):
            continue
        diff = bootstrap(u, lambda a: float(a[:, 0].mean() - a[:, 1].mean()), n=n, seed=BOOT_PAIRED)
        v = np.array(diff.values, dtype=float)
        lo, hi = np.percentile(v, [2.5, 97.5])
        rows[dr] = {"episodes": len(u), model: u[:, 0].mean(), baseline: u[:, 1].mean(), "difference": diff.point,
                    "diff_low": lo, "diff_high": hi, f"P({model} > {baseline})": float(np.mean((v > 0) + 0.5 * (v == 0)))}
    return pd.DataFrame(rows, columns=list(rows)).T.reindex(columns=cols) if rows else pd.DataFrame(columns=cols)


def forward_reverse(df: pd.DataFrame) -> pd.DataFrame:
    """Per agent and composition that ran in both wordings: n, forward and reverse success, their difference."""
    d = df[df.direction.isin(["forward", "reverse"])]
    t = d.groupby(["agent", "composition", "direction"]).success.mean().unstack("direction")
    t = t.dropna(subset=[c for c in ("forward", "reverse") if c in t.columns]) if len(t) else t
    if not len(t) or not {"forward", "reverse"} <= set(t.columns):
        return pd.DataFrame(columns=["agent", "composition", "n", "forward", "reverse", "difference"])
    t = t[["forward", "reverse"]].reset_index()
    t["n"] = t.composition.map(d.groupby("composition").n.max())
    t["difference"] = t.forward - t.reverse
    return t[["agent", "composition", "n", "forward", "reverse", "difference"]]


def order_effect(df: pd.DataFrame) -> pd.DataFrame:
    """Per agent: over compositions, how often forward beats reverse, the reverse, or they are equal."""
    fr = forward_reverse(df)
    out = {}
    for a in [a for a in AGENT_ORDER if a in set(fr.agent)]:
        d = fr[fr.agent == a]
        out[a] = {"compositions": len(d), "forward higher": int((d.difference > 0).sum()),
                  "reverse higher": int((d.difference < 0).sum()), "equal": int((d.difference == 0).sum()),
                  "mean forward - reverse": float(d.difference.mean()),
                  "mean |forward - reverse|": float(d.difference.abs().mean())}
    return pd.DataFrame(out).T


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


def fig_forward_reverse(df: pd.DataFrame) -> go.Figure:
    """Per composition (rows, sorted by #sub-tasks) and agent (panels): forward vs reverse success,
    joined by a line, red where the two wordings differ."""
    fr = forward_reverse(df)
    agents = [a for a in AGENT_ORDER if a in set(fr.agent)]
    order = fr.drop_duplicates("composition").sort_values(["n", "composition"], ascending=[False, False]).composition
    order = list(order)
    fig = make_subplots(rows=1, cols=max(1, len(agents)), shared_yaxes=True, horizontal_spacing=0.02,
                        subplot_titles=[AGENT_LABEL[a] for a in agents])
    for j, a in enumerate(agents, start=1):
        d = fr[fr.agent == a].set_index("composition")
        comps = [c for c in order if c in d.index]
        for differ, color in ((False, "#bbbbbb"), (True, COLORS[1])):
            xs, ys = [], []
            for c in comps:
                if (d.loc[c, "difference"] != 0) == differ:
                    xs += [d.loc[c, "forward"], d.loc[c, "reverse"], None]
                    ys += [c, c, None]
            fig.add_trace(go.Scatter(x=xs, y=ys, mode="lines", line=dict(color=color, width=3), hoverinfo="skip",
                                     name="forward ≠ reverse" if differ else "forward = reverse",
                                     legendgroup=str(differ), showlegend=j == 1), row=1, col=j)
        for dr, sym, color in (("forward", "circle", COLORS[0]), ("reverse", "x", COLORS[3])):
            fig.add_trace(go.Scatter(x=d.loc[comps, dr], y=comps, mode="markers", name=dr, legendgroup=dr,
                                     marker=dict(symbol=sym, size=9, color=color), showlegend=j == 1),
                          row=1, col=j)
        fig.update_xaxes(range=[-0.08, 1.08], title_text="success (fraction)", row=1, col=j)
    fig.update_yaxes(categoryorder="array", categoryarray=order)   # bottom to top: 2-way compositions on top
    fig.update_annotations(font_size=10)
    return style(fig, "Forward vs reverse wording, per composition and agent (red: the two differ)", "",
                 "composition (sorted by #sub-tasks)", height=max(420, 24 * len(order) + 180))
