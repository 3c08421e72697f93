"""MxT-Bench figures: success bars per environment and student, the zero-shot table, student rollouts in the
offline viewer, and one body's morphology-task graph."""
from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import plotly.graph_objects as go

from workbench.plots import COLORS, style

if TYPE_CHECKING:
    import pandas as pd

TYPE_COLORS = {"root": "#1f77b4", "segment": "#17becf", "hip": "#2ca02c", "limb": "#ff7f0e", "object": "#7f7f7f",
               "goal": "#d62728"}


def _interval(x: np.ndarray, n: int = 1000, seed: int = 0) -> tuple[float, float]:
    """95% percentile bootstrap interval of the mean of per-episode values."""
    idx = np.random.default_rng(seed).integers(0, len(x), (n, len(x)))
    means = x[idx].mean(1)
    return float(np.percentile(means, 2.5)), float(np.percentile(means, 97.5))


def success_bars(ev: dict, envs: list, students: list[str], key: str = "success",
                 title: str = "Students per (morphology, task): success rate, 64 episodes each") -> go.Figure:
    """Grouped bars: one group per env, one bar per student, with 95% bootstrap intervals over episodes."""
    fig = go.Figure()
    labels = [f"{b} {t}" for b, t in envs] + ["average"]
    for i, n in enumerate(students):
        vals, lo, hi = [], [], []
        for b, t in envs:
            x = ev[(n, b, t)][key]
            m, (l, h) = float(x.mean()), _interval(x)
            vals.append(m), lo.append(m - l), hi.append(h - m)
        pooled = np.concatenate([ev[(n, b, t)][key] for b, t in envs])
        m, (l, h) = float(pooled.mean()), _interval(pooled)
        vals.append(m), lo.append(m - l), hi.append(h - m)
        fig.add_trace(go.Bar(x=labels, y=vals, name=n, marker_color=COLORS[i % len(COLORS)],
                             error_y=dict(type="data", array=hi, arrayminus=lo)))
    y = "success rate (fraction of episodes)" if key == "success" else "final / initial distance (ratio)"
    return style(fig, title, "environment (morphology, task)", y, barmode="group")


def zero_shot_table(ev: dict, sets) -> "pd.DataFrame":
    """Held-out body: each zero-shot student's success and final/initial, and the multi-task students (which
    did see that body) beside them as a reference."""
    import pandas as pd
    rows = []
    for b, t in sets.zs_test:
        for n in ("zs_transformer", "zs_mlp", "transformer", "mlp"):
            if (n, b, t) not in ev:
                continue
            x = ev[(n, b, t)]
            lo, hi = _interval(x["success"])
            rows.append({"student": n, "trained on": "+".join(sorted({bb for bb, _ in sets.zs_envs})) if n.startswith("zs_")
                         else "all bodies (sees it)", "test env": f"{b} {t}", "success": round(float(x["success"].mean()), 3),
                         "success 95% interval": f"[{lo:.2f}, {hi:.2f}]",
                         "final/initial": round(float(x["final_over_initial"].mean()), 3)})
    return pd.DataFrame(rows)


def rollout_figure(arena, out: dict, block: int, name: str, steps: int, every: int = 3) -> go.Figure:
    """The first episode of student block `block` in the offline viewer, with its goal as a red diamond."""
    from workbench.sim import viewer
    ep = block * arena.block
    fr = arena.frames(out, ep)
    traj = {"pos": fr["pos"][: steps + 1], "rot": fr["rot"][: steps + 1]}
    ok = bool(out["episode_success"][ep])
    fig = viewer.rollout_figure(arena.env, traj, every=every, height=460,
                                title=f"{name} on {arena.body} {arena.task}: "
                                      f"{'success' if ok else 'no success'} in {len(fr['pos']) - 1} steps (goal: red diamond)")
    g = fr["goal"]
    fig.add_trace(go.Scatter3d(x=[g[0]], y=[g[1]], z=[g[2]], mode="markers", name="goal",
                               marker=dict(size=8, symbol="diamond", color="#d62728")))
    return fig


def token_graph(env, body: str, task: str) -> go.Figure:
    """One body's morphology-task graph at its initial pose, seen from above: a node per token (part or goal)
    coloured by part type, kinematic edges (parent -> child link), and the task edges from the goal node to
    the parts the task measures (touch: the torso; reach: the foot links): the nodes whose `task_edge` feature
    is 1 (`tokens.task_edges`, MxT's `task_edge`)."""
    import jax
    from workbench.sim import composer
    from workbench.papers.mxt import tokens as tk
    s = jax.jit(env.reset)(jax.random.PRNGKey(0))
    tok, _ = env.tokens(s.pipeline_state, s.info["task"]["goal"])
    tok = np.asarray(tok)
    names = [ln.split("/")[-1] for ln in env.parts["agent"]["links"]] + ["goal"]
    types = [composer.PART_TYPES[i] for i in tok[:, 17:].argmax(1)]
    xy = tok[:, :2]
    mj = env.sys.mj_model
    links = list(env._tok_link)
    fig = go.Figure()
    ex, ey = [], []
    for k, li in enumerate(links):
        parent = int(mj.body_parentid[li + 1]) - 1
        if parent in links:
            p = links.index(parent)
            ex += [xy[p, 0], xy[k, 0], None]
            ey += [xy[p, 1], xy[k, 1], None]
    fig.add_trace(go.Scatter(x=ex, y=ey, mode="lines", line=dict(color="#8c564b", width=3), name="kinematic edge"))
    goal = len(names) - 1
    related = [k for k in np.nonzero(tk.task_edges(env))[0] if k != goal]
    tx, ty = [], []
    for k in related:
        tx += [xy[goal, 0], xy[k, 0], None]
        ty += [xy[goal, 1], xy[k, 1], None]
    fig.add_trace(go.Scatter(x=tx, y=ty, mode="lines", line=dict(color="#d62728", width=1, dash="dash"), name="task edge"))
    slots = set(tk.action_slots(env).tolist())
    for typ in dict.fromkeys(types):
        idx = [k for k, t in enumerate(types) if t == typ]
        fig.add_trace(go.Scatter(
            x=xy[idx, 0], y=xy[idx, 1], mode="markers+text", name=typ, text=[names[k] for k in idx],
            textposition="top center", marker=dict(size=[16 if k in slots else 11 for k in idx], color=TYPE_COLORS[typ],
                                                   line=dict(width=1, color="black")),
            hovertext=[f"token {k}: {names[k]} ({typ}){' , 1 action' if k in slots else ''}" for k in idx]))
    fig.update_yaxes(scaleanchor="x", scaleratio=1)
    return style(fig, f"Morphology-task graph of {body} {task}: {len(names)} tokens "
                 f"({len(slots)} carry an action, large markers)", "x relative to the torso (m)",
                 "y relative to the torso (m)", height=480)


def task_edge_table(arenas: dict) -> "pd.DataFrame":
    """Per evaluated env: its tokens and the ones whose task-edge feature is 1 (the nodes the task involves)."""
    import pandas as pd
    from workbench.papers.mxt import tokens as tk
    rows = []
    for (b, t), (arena, _) in arenas.items():
        env = arena.env
        names = [ln.split("/")[-1] for ln in env.parts["agent"]["links"]] + ["goal"]
        flags = tk.task_edges(env)
        rows.append({"body": b, "task": t, "tokens": len(names),
                     "task-edge nodes": ", ".join(n for n, f in zip(names, flags) if f)})
    return pd.DataFrame(rows)


def loss_figure(students: dict) -> go.Figure:
    """Held-out masked MSE of every student against its minibatch steps."""
    fig = go.Figure()
    for i, (n, r) in enumerate(students.items()):
        steps, vals = r.history.series("eval/loss")
        fig.add_trace(go.Scatter(x=steps, y=vals, mode="lines+markers", name=n, line=dict(color=COLORS[i % len(COLORS)])))
    fig.update_yaxes(type="log")
    return style(fig, "Distillation: held-out loss per student", "minibatch step (batch of transitions)",
                 "0.5 x masked MSE on held-out transitions (action units squared, log)")


def student_rollouts(arenas: dict, outs: dict, steps: int, student: str = "transformer.s0") -> list[go.Figure]:
    """One viewer figure per body: `student` (a student id, name.s<seed>) on the first evaluated task of that body."""
    figs, seen = [], set()
    for (b, t), out in outs.items():
        arena, names = arenas[(b, t)]
        if b in seen or student not in names:
            continue
        seen.add(b)
        figs.append(rollout_figure(arena, out, names.index(student), student, steps))
    return figs
