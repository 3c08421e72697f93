"""GDT figures: dataset card, training loss, target-vs-rollout histograms, W1 table, x-velocity traces,
the offline rollout viewer and a target browser. Each returns a plotly figure (or a DataFrame / widget)."""
from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from workbench.plots import COLORS, history_figure, style
from workbench.papers.gdt import data as D
from workbench.papers.gdt import experiment as X

NAMES = {"dt": "DT (return-to-go)", "cdt": "CDT (future x-vel histogram)", "bdt": "BDT (reversed encoder)",
         "fdt": "feature-sum DT (future x-vel sum)"}


def dataset_card(out: dict):
    """(table, figure): episodes, transitions, returns and the x-velocity histogram of the whole dataset."""
    import pandas as pd
    ds, eps = out["dataset"], out["episodes"]
    all_eps = ds.episodes()
    rets = np.array([float(np.sum(e["rewards"])) for e in all_eps])
    xv = np.concatenate([D.feature(e, "xvel") for e in all_eps])
    table = pd.DataFrame([{"episodes": len(all_eps), "transitions": ds.num_steps, "policies": len(ds.meta.get("policies", [])),
                           "train episodes": len(eps.actions), "held-out targets": sum(t.kind in ("best", "median") for t in eps.targets),
                           "return min / median / max": f"{rets.min():.0f} / {np.median(rets):.0f} / {rets.max():.0f}",
                           "x-vel mean (m/s)": round(float(xv.mean()), 2)}])
    fig = make_subplots(1, 2, subplot_titles=("episode returns", "x-velocity of every step"))
    fig.add_trace(go.Histogram(x=rets, nbinsx=40, marker_color=COLORS[0], name="return"), 1, 1)
    fig.add_trace(go.Histogram(x=xv, nbinsx=60, marker_color=COLORS[1], name="x-velocity", histnorm="probability"), 1, 2)
    for e in eps.edges[[0, -1]]:
        fig.add_vline(x=float(e), line_dash="dot", line_color="gray", row=1, col=2)
    fig.update_xaxes(title_text="return (sum of rewards)", row=1, col=1)
    fig.update_xaxes(title_text="x-velocity (m/s)", row=1, col=2)
    fig.update_yaxes(title_text="episodes", row=1, col=1)
    fig.update_yaxes(title_text="fraction of steps", row=1, col=2)
    fig.update_layout(title="Offline dataset: the runner's policies from random to the best checkpoint",
                      showlegend=False)
    return table, fig


def losses(out: dict):
    from workbench.history import History
    h = History()
    for (m, seed), run in out["runs"].items():
        for step, metrics in run.history.rows:
            if "eval/loss" in metrics:
                h.log(step, {f"{m} seed {seed}": metrics["eval/loss"]})
    return history_figure(h, h.keys(), "Held-out action MSE during training", "update", "action MSE")


def _evals_with(ev: dict, target: str) -> list:
    """(method, rollouts, index of the target) for each method rolled out on `target`."""
    return [(m, e, e["targets"].index(target)) for m, e in ev.items() if target in e["targets"]]


def target_histograms(out: dict, target: str, seed: int = 0) -> go.Figure:
    """The target's x-velocity histogram (bars) against each method's rollouts pooled (lines), train-split bins."""
    eps, ev = out["episodes"], out["evals"][seed]
    t = eps.target(target)
    centres = 0.5 * (eps.edges[1:] + eps.edges[:-1])
    T = next(iter(ev.values()))["steps"]
    fig = go.Figure(go.Bar(x=centres, y=D.histogram(t.values(T), eps.edges), name="target", marker_color="lightgray"))
    for m, e, i in _evals_with(ev, target):
        fig.add_trace(go.Scatter(x=centres, y=D.histogram(e["xvel"][i].ravel(), eps.edges), mode="lines+markers",
                                 name=f"{NAMES[m]}: W1 {e['w1_xvel'][i].mean():.2f} per rollout, {e['pw1_xvel'][i]:.2f} pooled",
                                 line=dict(color=COLORS[list(NAMES).index(m)])))
    return style(fig, f"Target {target} vs rollouts (seed {seed}, {e['xvel'].shape[1]} rollouts pooled)",
                 "x-velocity (m/s)", "fraction of steps")


def histogram_grid(out: dict, seed: int = 0) -> go.Figure:
    """One panel per target kind's first target: target histogram and each method's rollouts pooled."""
    eps, ev = out["episodes"], out["evals"][seed]
    names = [next(t.name for t in eps.targets if t.kind == k) for k in dict.fromkeys(t.kind for t in eps.targets)]
    fig = make_subplots(1, len(names), subplot_titles=names, shared_yaxes=True)
    centres = 0.5 * (eps.edges[1:] + eps.edges[:-1])
    T = next(iter(ev.values()))["steps"]
    for c, name in enumerate(names, 1):
        fig.add_trace(go.Bar(x=centres, y=D.histogram(eps.target(name).values(T), eps.edges), name="target",
                             marker_color="lightgray", showlegend=c == 1), 1, c)
        for m, e, i in _evals_with(ev, name):
            fig.add_trace(go.Scatter(x=centres, y=D.histogram(e["xvel"][i].ravel(), eps.edges), mode="lines",
                                     name=NAMES[m], line=dict(color=COLORS[list(NAMES).index(m)]),
                                     showlegend=c == 1), 1, c)
        fig.update_xaxes(title_text="x-velocity (m/s)", row=1, col=c)
    fig.update_yaxes(title_text="fraction of steps", row=1, col=1)
    fig.update_layout(title=f"Target vs rollout x-velocity distributions (seed {seed})")
    return fig


def w1_table(out: dict):
    import pandas as pd
    return pd.DataFrame(X.w1_rows(out))


def w1_figure(out: dict) -> go.Figure:
    """Mean x-velocity W1 per method and target kind: per rollout (left, the claims' metric) and pooled over a
    target's rollouts (right, the official one); bars are means over seeds and targets."""
    rows = X.w1_rows(out)
    kinds = list(dict.fromkeys(r["targets"] for r in rows))
    fig = make_subplots(1, 2, subplot_titles=("per rollout", "rollouts pooled (official)"), shared_yaxes=True)
    for m in dict.fromkeys(r["method"] for r in rows):
        mine = {r["targets"]: r for r in rows if r["method"] == m}
        for c, key in enumerate(("W1 x-vel (m/s), per rollout", "W1 x-vel (m/s), pooled"), 1):
            fig.add_trace(go.Bar(x=[k for k in kinds if k in mine], y=[mine[k][key] for k in kinds if k in mine],
                                 name=NAMES[m], marker_color=COLORS[list(NAMES).index(m)], showlegend=c == 1), 1, c)
    fig.update_yaxes(title_text="W1 x-velocity (m/s)", row=1, col=1)
    fig.update_layout(title="Distance to the target distribution, by target kind (lower is better)", barmode="group")
    return fig


def xvel_traces(out: dict, target: str, seed: int = 0) -> go.Figure:
    """x-velocity over time: the target (ordered targets only) and one rollout per method."""
    eps, ev = out["episodes"], out["evals"][seed]
    T = next(iter(ev.values()))["steps"]
    dt = 0.05   # the runner's control step (s)
    t = np.arange(T) * dt
    tg = eps.target(target)
    fig = go.Figure()
    if tg.ordered:
        fig.add_trace(go.Scatter(x=t, y=tg.feature[:T], name="target", line=dict(color="black", width=1)))
    else:
        for k in range(tg.parts):
            fig.add_hline(y=float(tg.values(T)[k * T:(k + 1) * T].mean()), line_dash="dot", line_color="black",
                          annotation_text=f"part {k} mean speed")
    for m, e, i in _evals_with(ev, target):
        fig.add_trace(go.Scatter(x=t, y=e["xvel"][i, 0], name=f"{NAMES[m]} (rollout 0)",
                                 line=dict(color=COLORS[list(NAMES).index(m)], width=1)))
    return style(fig, f"x-velocity over time: target {target} and one rollout per method", "time (s)", "x-velocity (m/s)")


def viewer_figure(out: dict, steps: int):
    """The recorded CDT rollout (seed 0, first target) in the sim layer's offline viewer."""
    from workbench.sim import viewer
    rec = next(e for e in out["evals"][0].values() if "pos" in e)
    traj = {"pos": rec["pos"][: steps + 1, None], "rot": rec["rot"][: steps + 1, None]}
    return viewer.rollout_figure(rec["env"], traj, every=max(1, steps // 75),
                                 title=f"{NAMES[rec['method']]} conditioned on {rec['targets'][0]} (press play)")


def target_browser(out: dict, seed: int = 0):
    """A slider over the targets; each shows the target's histogram against every method's rollouts
    (headless: the first target's figure)."""
    from workbench.widgets import Browser, lab_only
    names = [t.name for t in out["episodes"].targets]
    return lab_only(lambda: Browser(len(names), lambda i: target_histograms(out, names[i], seed),
                                    description="target", labels=names),
                    lambda: target_histograms(out, names[0], seed))


def bdt_diagnosis(out: dict, rows: list[dict], seed: int = 0) -> go.Figure:
    """Left: action MSE at the acting position of BDT and DT under each condition of
    `diagnose.condition_swap` (bars: seed means, dots: seeds). Right: mean rollout speed against the
    held-out target's speed, per method (one marker per target)."""
    from workbench.papers.gdt import diagnose
    fig = make_subplots(1, 2, subplot_titles=("whose future conditions the action (teacher-forced)",
                                              f"rollout speed vs target speed (seed {seed})"))
    for k, (m, key) in enumerate((("dt", "DT action MSE"), ("bdt", "BDT action MSE"))):
        conds = [c for c in diagnose.CONDITIONS if any(r["condition"] == c for r in rows)]
        mean = [float(np.mean([r[key] for r in rows if r["condition"] == c])) for c in conds]
        color = COLORS[list(NAMES).index(m)]
        fig.add_trace(go.Bar(x=conds, y=mean, name=NAMES[m], marker_color=color, offsetgroup=k), 1, 1)
        fig.add_trace(go.Scatter(x=[r["condition"] for r in rows], y=[r[key] for r in rows], mode="markers",
                                 marker=dict(color="black", size=5), offsetgroup=k, showlegend=False), 1, 1)
    sp = diagnose.speeds(out, seed)
    if sp:
        lo, hi = min(r["target speed"] for r in sp), max(r["target speed"] for r in sp)
        fig.add_trace(go.Scatter(x=[lo, hi], y=[lo, hi], mode="lines", name="rollout = target",
                                 line=dict(color="gray", dash="dot")), 1, 2)
        for m in out["evals"][seed]:
            fig.add_trace(go.Scatter(x=[r["target speed"] for r in sp], y=[r[m] for r in sp], mode="markers",
                                     name=f"{NAMES[m]} rollouts", marker=dict(color=COLORS[list(NAMES).index(m)])), 1, 2)
    fig.update_xaxes(title_text="condition fed to the model", row=1, col=1)
    fig.update_yaxes(title_text="action MSE at the acting position", row=1, col=1)
    fig.update_xaxes(title_text="target mean x-velocity (m/s)", row=1, col=2)
    fig.update_yaxes(title_text="rollout mean x-velocity (m/s)", row=1, col=2)
    fig.update_layout(title="Whose future conditions BDT" + ("" if rows else " (needs DT and BDT trained)"),
                      barmode="group", scattermode="group")
    return fig
