"""RT-X-mini figures and the episode browser (plotly, ipywidgets). Each takes what `train.run_all` returns."""
from __future__ import annotations

import mujoco
import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from workbench.papers.rtx import data as D
from workbench.plots import COLORS, style
from workbench.sim import arms, viewer
from workbench.sim.episodes import EpisodeDataset


def dataset_table(cfg, out: dict) -> pd.DataFrame:
    """One row per robot: role, embodiment, conventions, skills, episodes and frames."""
    rows = []
    for r in cfg.robots:
        spec, ds = arms.ARMS[r], EpisodeDataset(out["roots"][r])
        rows.append({"robot": r, "role": "data-rich" if r in cfg.rich_robots else "data-poor", "DoF": spec.dof,
                     "control (Hz)": spec.hz, "action convention": spec.action, "base yaw (deg)": spec.base_yaw,
                     "skills": ", ".join(D.robot_tasks(r, cfg.skill_source)), "episodes": len(ds),
                     "frames": ds.num_frames, "mean length (steps)": round(ds.num_frames / max(1, len(ds)), 1)})
    return pd.DataFrame(rows).set_index("robot")


def replay_frames(robot: str, steps: dict) -> list[dict]:
    """The arm's joint chain at every step of a recorded episode, by forward kinematics from the stored joint
    angles (cube and target positions come from the observation)."""
    env = arms.ArmEnv(robot)
    frames = []
    for q, cube, target in zip(steps["observation.joint_pos"], steps["observation.cube"], steps["observation.target"]):
        env.data.qpos[: env.dof] = q
        mujoco.mj_kinematics(env.model, env.data)
        f = env.bodies()
        frames.append({"chain": f["chain"], "cube": np.asarray(cube, float), "target": np.asarray(target, float)})
    return frames


def traces_figure(robot: str, steps: dict, t: int | None = None, height: int = 420) -> go.Figure:
    """The episode's end-effector and cube positions (native, world frame) and its standard actions over time,
    with a marker line at step `t`."""
    spec = arms.ARMS[robot]
    states, actions = D.standardize(spec, steps)
    time_s = np.arange(len(states)) / spec.hz
    fig = make_subplots(rows=2, cols=1, shared_xaxes=True, vertical_spacing=0.12,
                        subplot_titles=("state: end effector and cube (m, world frame)",
                                        "standard action: eef delta (cm per step, base frame), gripper, terminate"))
    for k, axis in enumerate("xyz"):
        fig.add_trace(go.Scatter(x=time_s, y=steps["observation.ee"][:, k], name=f"ee {axis}",
                                 line=dict(color=COLORS[k])), 1, 1)
        fig.add_trace(go.Scatter(x=time_s, y=steps["observation.cube"][:, k], name=f"cube {axis}",
                                 line=dict(color=COLORS[k], dash="dot")), 1, 1)
        fig.add_trace(go.Scatter(x=time_s, y=100 * actions[:, k], name=f"d{axis}", line=dict(color=COLORS[k])), 2, 1)
    fig.add_trace(go.Scatter(x=time_s, y=actions[:, 3], name="gripper", line=dict(color=COLORS[4])), 2, 1)
    fig.add_trace(go.Scatter(x=time_s, y=actions[:, 4], name="terminate", line=dict(color=COLORS[5])), 2, 1)
    if t is not None:
        fig.add_vline(x=t / spec.hz, line=dict(color="black", dash="dash"))
    fig.update_xaxes(title_text="time (s)", row=2, col=1)
    return style(fig, f"{robot}: state and action traces", "", "", height=height)


def episode_figures(out: dict, robot: str, episode: int = 0) -> tuple[go.Figure, go.Figure]:
    """Static episode view for the report: the arm (3-D, press play / drag the slider) and its traces."""
    ep = EpisodeDataset(out["roots"][robot])[episode]
    title = f'{robot}, episode {episode}: "{ep["language_instruction"]}"'
    return viewer.arm_figure(replay_frames(robot, ep["steps"]), title=title), traces_figure(robot, ep["steps"])


def episode_browser(out: dict, episodes: int = 5):
    """ipywidgets browser: pick robot and episode, scrub time; the arm (3-D) and its state/action traces.
    Headless (reports) a line pointing to the static figures instead (`workbench.widgets.lab_only`)."""
    from workbench.notebook import Note
    from workbench.widgets import lab_only
    return lab_only(lambda: _episode_browser_widget(out, episodes),
                    lambda: Note("The episode browser is interactive (open the notebook in JupyterLab); "
                                 "the report keeps the static figures below."))


def _episode_browser_widget(out: dict, episodes: int):
    import ipywidgets as W

    robots = list(out["roots"])
    robot_w = W.Dropdown(options=robots, value=robots[0], description="robot")
    episode_w = W.IntSlider(min=0, max=episodes - 1, value=0, description="episode", continuous_update=False)
    time_w = W.IntSlider(min=0, max=1, value=0, description="step")
    play = W.Play(min=0, max=1, interval=150)
    W.jslink((play, "value"), (time_w, "value"))
    label = W.Label()
    arm_fig, trace_fig = go.FigureWidget(), go.FigureWidget()
    state = {}

    def load(change=None):
        ds = EpisodeDataset(out["roots"][robot_w.value])
        episode_w.max = min(episodes, len(ds)) - 1
        ep = ds[min(episode_w.value, episode_w.max)]
        state["frames"] = replay_frames(robot_w.value, ep["steps"])
        state["steps"] = ep["steps"]
        label.value = f'"{ep["language_instruction"]}" ({len(state["frames"])} steps, {ds.fps:g} Hz)'
        time_w.max = play.max = len(state["frames"]) - 1
        time_w.value = 0
        static = viewer.arm_figure(state["frames"][:1], title=f"{robot_w.value}")
        with arm_fig.batch_update():
            arm_fig.data = []
            arm_fig.add_traces(static.data)
            arm_fig.layout = static.layout
            arm_fig.layout.sliders, arm_fig.layout.updatemenus = [], []
            # a fixed view box over the whole episode, so the arm does not jump as the slider moves
            pts = np.concatenate([f["chain"] for f in state["frames"]] + [np.zeros((1, 3))])
            lo, hi = pts.min(0) - 0.1, pts.max(0) + 0.1
            span, centre = float((hi - lo).max()), (hi + lo) / 2
            for k, axis in enumerate("xyz"):
                arm_fig.layout.scene[f"{axis}axis"].range = [centre[k] - span / 2, centre[k] + span / 2]
        fresh = traces_figure(robot_w.value, ep["steps"], 0)
        with trace_fig.batch_update():
            trace_fig.data = []
            trace_fig.add_traces(fresh.data, rows=None)
            trace_fig.layout = fresh.layout
        scrub()

    def scrub(change=None):
        f = state["frames"][time_w.value]
        with arm_fig.batch_update():
            arm_fig.data[0].x, arm_fig.data[0].y, arm_fig.data[0].z = f["chain"][:, 0], f["chain"][:, 1], f["chain"][:, 2]
            arm_fig.data[1].x, arm_fig.data[1].y, arm_fig.data[1].z = [f["cube"][0]], [f["cube"][1]], [f["cube"][2]]
        hz = arms.ARMS[robot_w.value].hz
        trace_fig.layout.shapes = [dict(type="line", xref="x", yref="paper", x0=time_w.value / hz, x1=time_w.value / hz,
                                        y0=0, y1=1, line=dict(color="black", dash="dash"))]

    robot_w.observe(load, names="value")
    episode_w.observe(load, names="value")
    time_w.observe(scrub, names="value")
    load()
    return W.VBox([W.HBox([robot_w, episode_w, label]), W.HBox([play, time_w]), W.HBox([arm_fig, trace_fig])])


def loss_curves(out: dict) -> go.Figure:
    """Training cross-entropy (nats per action dimension) of every plan, first seed, smoothed over 50 steps."""
    fig = go.Figure()
    first = next(iter(out["results"].values()))
    for k, (plan, r) in enumerate(first.items()):
        loss = np.asarray(r["train"]["losses"])
        w = min(50, len(loss))
        smooth = np.convolve(loss, np.ones(w) / w, mode="valid")
        fig.add_trace(go.Scatter(x=np.arange(w, len(loss) + 1), y=smooth, name=plan, line=dict(color=COLORS[k % 10])))
    return style(fig, "behaviour-cloning loss per model (first seed)", "training step",
                 "cross-entropy (nats per action dimension)")


def success_figure(table: dict[str, dict[str, float]], plans: list[str], title: str) -> go.Figure:
    """Grouped bars: success rate of each plan on each robot/skill cell it was evaluated on."""
    fig = go.Figure()
    for k, plan in enumerate(plans):
        cells = table.get(plan, {})
        fig.add_trace(go.Bar(x=list(cells), y=list(cells.values()), name=plan, marker_color=COLORS[k % 10]))
    fig.update_layout(barmode="group", yaxis_range=[0, 1])
    return style(fig, title, "robot / skill", "success rate (fraction of episodes)")


def own_vs_mix(table: dict[str, dict[str, float]], robots: list[str]) -> go.Figure:
    """Per-robot (own data) against the mixture models on each robot's own skills."""
    fig = go.Figure()
    own = {c: v for r in robots for c, v in table.get(f"own/{r}", {}).items() if c.startswith(r + "/")}
    series = {"own data": own,
              **{p: {c: table[p][c] for c in own if c in table.get(p, {})} for p in ("mix/small", "mix/large")}}
    for k, (name, cells) in enumerate(series.items()):
        if cells:
            fig.add_trace(go.Bar(x=list(cells), y=list(cells.values()), name=name, marker_color=COLORS[k]))
    fig.update_layout(barmode="group", yaxis_range=[0, 1])
    return style(fig, "own-data models against the mixture", "robot / skill", "success rate (fraction of episodes)")


def claim_quantities(measured: dict) -> go.Figure:
    """Each claim quantity's point value with its 95% interval: over bootstrap replicates, or over the seeds'
    own values for a quantity resampled as seeds (with 3 seeds, their range)."""
    names = list(measured)
    point = [measured[n].center() for n in names]
    lo = [p - float(np.percentile(measured[n].values, 2.5)) for n, p in zip(names, point)]
    hi = [float(np.percentile(measured[n].values, 97.5)) - p for n, p in zip(names, point)]
    fig = go.Figure(go.Bar(x=names, y=point, error_y=dict(type="data", symmetric=False, array=hi, arrayminus=lo)))
    fig.update_layout(yaxis_range=[0, 1])
    return style(fig, "success rates behind the claims (95% intervals: bootstrap, or the seeds' spread)",
                 "quantity", "success rate (fraction)")


def history_figure(table: dict[str, dict[str, float]], histories: list[tuple[int, str]]) -> go.Figure:
    """The history ablation: success of the small mixture with each history length on every robot's own cells.
    `histories` is [(steps of history, plan)], e.g. [(4, "mix/small"), (2, "mix/history2"), (1, "mix/history1")]."""
    fig = go.Figure()
    cells = [c for c in table.get(histories[-1][1], {})]
    for k, (h, plan) in enumerate(histories):
        fig.add_trace(go.Bar(x=cells, y=[table.get(plan, {}).get(c) for c in cells],
                             name=f"{h} step{'s' if h > 1 else ''} of history ({plan})", marker_color=COLORS[k]))
    fig.update_layout(barmode="group", yaxis_range=[0, 1])
    return style(fig, "history ablation: the small mixture with a short history against the current step only",
                 "robot / skill", "success rate (fraction of episodes)")


def by_seed_figure(df: pd.DataFrame) -> go.Figure:
    """Per training seed: own-data models against the mixture, on the data-poor robots and on the data-rich ones
    (epoch-matched mixture). One point per seed; above the diagonal the mixture is better."""
    fig = go.Figure()
    for k, (group, rows) in enumerate(df.groupby("robots", sort=False)):
        fig.add_trace(go.Scatter(x=rows["own"], y=rows["mix"], mode="markers+text", text=[f"seed {s}" for s in rows["seed"]],
                                 textposition="top center", name=f"{group} robots: {rows['mixture'].iloc[0]}",
                                 marker=dict(size=11, color=COLORS[k])))
    fig.add_trace(go.Scatter(x=[0, 1], y=[0, 1], mode="lines", line=dict(dash="dot", color="grey"), showlegend=False))
    fig.update_layout(xaxis_range=[0, 1], yaxis_range=[0, 1])
    return style(fig, "per training seed: own-data models against the mixture", "own-data models' success",
                 "mixture's success")
