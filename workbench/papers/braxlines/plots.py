"""Braxlines figures (plotly): skill trajectories coloured by z, goal reaching, discriminator heat-maps,
energy distance over training, and the MI summary. Each takes the dict returned by `train.run_all`."""
from __future__ import annotations

import jax.numpy as jnp
import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from workbench.plots import COLORS, style


def _first(out: dict, algos: tuple, key: str):
    return next((a for a in algos if a in out["mi"] and key in out["mi"][a]), None)


def _empty(title: str) -> go.Figure:
    fig = go.Figure()
    fig.add_annotation(text="no such run at this scale", showarrow=False)
    return style(fig, title, "x (m)", "y (m)")


def skill_trajectories(out: dict, algo: str | None = None, per_skill: int = 3) -> go.Figure:
    """xy paths of `per_skill` episodes for each discrete skill, one colour per z."""
    algo = algo or _first(out, ("diayn", "diayn_full"), "traj_z")
    if algo is None:
        return _empty("skill trajectories")
    r = out["mi"][algo]
    xy, z = r["traj_xy"], r["traj_z"]
    fig = go.Figure()
    for k in np.unique(z):
        for j, ep in enumerate(np.where(z == k)[0][:per_skill]):
            fig.add_trace(go.Scatter(x=xy[:, ep, 0], y=xy[:, ep, 1], mode="lines", legendgroup=str(k),
                                     name=f"z = {k}", showlegend=j == 0, line=dict(color=COLORS[int(k) % len(COLORS)])))
    fig.update_yaxes(scaleanchor="x")
    return style(fig, f"{algo}: point-mass paths, coloured by skill z", "x (m)", "y (m)")


def goal_reaching(out: dict, algo: str | None = None, n: int = 12) -> go.Figure:
    """Paths towards latent goals (gcrl / cdiayn / fixed_gcrl): line to the goal marker of the same colour."""
    algo = algo or _first(out, ("gcrl", "cdiayn", "fixed_gcrl"), "goals")
    if algo is None:
        return _empty("goal reaching")
    r = out["mi"][algo]
    xy, goals = r["traj_xy"], r["goals"]
    fig = go.Figure()
    for i in range(min(n, xy.shape[1])):
        c = COLORS[i % len(COLORS)]
        fig.add_trace(go.Scatter(x=xy[:, i, 0], y=xy[:, i, 1], mode="lines", line=dict(color=c), showlegend=False))
        fig.add_trace(go.Scatter(x=[goals[i, 0]], y=[goals[i, 1]], mode="markers", showlegend=False,
                                 marker=dict(symbol="x", size=10, color=c)))
    fig.update_yaxes(scaleanchor="x")
    return style(fig, f"{algo}: paths to latent goals (x = goal)", "x (m)", "y (m)")


def dmin_heatmap(out: dict, reward: str, box: float = 6.0, n: int = 61) -> go.Figure:
    """Discriminator D(s) = sigmoid(l(s)) over the plane, target samples and the policy's states on top."""
    r = out["dmin"][reward]
    g = np.linspace(-box, box, n)
    xx, yy = np.meshgrid(g, g)
    pts = jnp.asarray(np.stack([xx.ravel(), yy.ravel()], -1), jnp.float32)
    d = 1 / (1 + np.exp(-np.asarray(r["extra"].logit(r["run"].extra["params"], pts)).reshape(n, n)))
    fig = go.Figure(go.Heatmap(x=g, y=g, z=d, colorscale="RdBu", zmin=0, zmax=1, colorbar=dict(title="D(s)")))
    t, s = out["target"], r["states"][::4]
    fig.add_trace(go.Scatter(x=t[:, 0], y=t[:, 1], mode="markers", name="target samples",
                             marker=dict(size=4, color="black")))
    fig.add_trace(go.Scatter(x=s[:, 0], y=s[:, 1], mode="markers", name="policy states",
                             marker=dict(size=3, color="#ff7f0e", opacity=0.5)))
    fig.update_yaxes(scaleanchor="x")
    return style(fig, f"DMin ({reward}): discriminator D(s) (1 = target)", "x (m)", "y (m)")


def skill_map(out: dict, algo: str | None = None, box: float = 6.0, n: int = 61) -> go.Figure:
    """DIAYN's discriminator: the most likely skill argmax_z q(z | s) over the plane."""
    algo = algo or _first(out, ("diayn", "diayn_full"), "traj_z")
    if algo is None:
        return _empty("skill map")
    r = out["mi"][algo]
    g = np.linspace(-box, box, n)
    xx, yy = np.meshgrid(g, g)
    pts = jnp.asarray(np.stack([xx.ravel(), yy.ravel()], -1), jnp.float32)
    if r["extra"].algo == "diayn_full":
        pts = jnp.concatenate([pts, jnp.zeros_like(pts)], -1)  # zero velocity
    p = np.asarray(r["extra"].predict(r["run"].extra["params"], pts))
    fig = go.Figure(go.Heatmap(x=g, y=g, z=p.argmax(-1).reshape(n, n), colorscale="Turbo",
                               colorbar=dict(title="skill z")))
    fig.update_yaxes(scaleanchor="x")
    return style(fig, f"{algo}: discriminator's most likely skill argmax q(z | xy)", "x (m)", "y (m)")


def energy_over_training(out: dict) -> go.Figure:
    """Energy distance to the target after each epoch, one line per DMin reward; random policy dashed."""
    fig = go.Figure()
    for i, (reward, r) in enumerate(out["dmin"].items()):
        steps, vals = r["run"].history.series("eval/energy")
        fig.add_trace(go.Scatter(x=steps, y=vals, mode="lines+markers", name=reward, line=dict(color=COLORS[i])))
    fig.add_hline(y=out["random"]["energy"], line_dash="dash", line_color="gray", annotation_text="random policy")
    return style(fig, "DMin: energy distance to the 2-mode target over training", "env steps", "energy distance (m)")


def mi_summary(out: dict, log_k: float) -> go.Figure:
    """Binned I(z; s), H(s) and H(s|z) for the discrete-skill runs vs a random policy."""
    names = [a for a, r in out["mi"].items() if "mi" in r] + ["random"]
    rows = [out["mi"][a] for a in names[:-1]] + [out["random"]]
    fig = go.Figure()
    fig.add_trace(go.Bar(x=names, y=[r["mi"] for r in rows], name="I(z; s)", marker_color=COLORS[0]))
    fig.add_trace(go.Bar(x=names, y=[r["h_s"] for r in rows], name="H(s)", marker_color=COLORS[2]))
    fig.add_hline(y=log_k, line_dash="dash", annotation_text=f"log K = {log_k:.2f}")
    return style(fig, "MI-max: binned mutual information between skill and position", "run", "nats", barmode="group")


def goal_summary(out: dict) -> go.Figure:
    names = [a for a, r in out["mi"].items() if "goal_dist" in r] + ["random"]
    vals = [out["mi"][a]["goal_dist"] for a in names[:-1]] + [out["random"]["goal_dist"]]
    fig = go.Figure(go.Bar(x=names, y=vals, marker_color=COLORS[1]))
    return style(fig, "Latent goal reaching: RMS distance from final position to goal", "run", "distance (m)")


def energy_summary(out: dict) -> go.Figure:
    names = list(out["dmin"]) + ["random"]
    vals = [out["dmin"][r]["energy"] for r in names[:-1]] + [out["random"]["energy"]]
    fig = go.Figure(go.Bar(x=names, y=vals, marker_color=[COLORS[i] for i in range(len(names) - 1)] + ["gray"]))
    return style(fig, "DMin: final energy distance to the target (lower = closer)", "reward", "energy distance (m)")


def timing_table(out: dict):
    import pandas as pd
    rows = [{"run": a, "jit_s": r["run"].timing["jit_s"], "train_s": r["run"].timing["train_s"],
             "env_steps": r["run"].env_steps, "steps_per_s": r["run"].timing["sps"], "cached": r["run"].timing.get("cached")}
            for a, r in list(out["mi"].items()) + [(f"dmin_{k}", v) for k, v in out["dmin"].items()]]
    return pd.DataFrame(rows).round(2)



def state_marginals(out: dict, box: float = 6.0, diagnosis: bool = False) -> go.Figure:
    """Positions (second half of every episode) side by side: the target, the random policy and each DMin
    run; `diagnosis=True` shows the runs from spread starts instead of the origin."""
    runs = out["diagnosis"] if diagnosis else {"random": out["random"], **out["dmin"]}
    panels = [("target", out["target"])] + [(name, r["states"]) for name, r in runs.items()]
    if len(panels) == 1:
        return _empty("state marginals")
    fig = make_subplots(rows=1, cols=len(panels), subplot_titles=[p for p, _ in panels],
                        shared_yaxes=True, horizontal_spacing=0.02)
    for col, (name, s) in enumerate(panels, start=1):
        s = np.asarray(s)[:: max(1, len(s) // 400)]
        colour = "black" if name == "target" else "gray" if name == "random" else COLORS[(col - 3) % len(COLORS)]
        fig.add_trace(go.Scatter(x=s[:, 0], y=s[:, 1], mode="markers", showlegend=False,
                                 marker=dict(size=3, color=colour, opacity=0.5)), row=1, col=col)
        fig.update_xaxes(range=[-box, box], row=1, col=col)
    fig.update_yaxes(range=[-box, box])
    start = f"starts spread +-{out['diag_reset_noise']:g} m" if diagnosis else "every episode starts at the origin"
    return style(fig, f"DMin state marginals ({start})", "x (m)", "y (m)")


def dmin_diagnosis(out: dict, m: dict) -> go.Figure:
    """Energy distance per run from origin starts and from spread starts, against the random policy from the
    same starts and a perfect one-mode policy (dashed)."""
    names = ["random"] + [r for r in out["diagnosis"] if r != "random"]
    origin = [m["ed_random"] if n == "random" else m.get(f"ed_{n}") for n in names]
    spread = [m.get(f"diag_ed_{n}") for n in names]
    fig = go.Figure([go.Bar(x=names, y=origin, name="origin starts", marker_color=COLORS[0]),
                     go.Bar(x=names, y=spread, name="spread starts", marker_color=COLORS[1])])
    fig.add_hline(y=m["ed_one_mode"], line_dash="dash", annotation_text="perfect one-mode policy")
    return style(fig, "DMin diagnosis: energy distance to the target by start distribution", "run",
                 "energy distance (m)", barmode="group")
