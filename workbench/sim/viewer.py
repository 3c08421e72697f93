"""Offline rollout viewer: a plotly 3-D animation (frames + play button + slider) of body positions.

brax's own `brax.io.html.render` loads three.js, pako, lil-gui and its viewer from CDNs, so it shows
nothing in an offline report. This draws the same rollout from `state.x.pos` / `state.x.rot` and the
system's geoms with plotly only: capsules as thick line segments, spheres as markers, Composer
targets as diamonds, and the root's trail. The figure is plain plotly JSON (no URL anywhere), so it
plays inside JupyterLab and in the report, whose page embeds plotly.js once.

    traj = harness.rollout(env, run, steps=100, n=4)
    fig = rollout_figure(env, traj, episode=0, title="ant_run: trained policy")
"""
from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

_SPHERE, _CAPSULE = 2, 3  # mujoco geom types


def _rotate(v: np.ndarray, q: np.ndarray) -> np.ndarray:
    """Rotate vectors v [..., 3] by unit quaternions q [..., 4] (w, x, y, z)."""
    w, u = q[..., :1], q[..., 1:]
    t = 2 * np.cross(u, v)
    return v + w * t + np.cross(u, t)


def geom_frames(geometry: dict, pos: np.ndarray, rot: np.ndarray) -> dict[str, np.ndarray]:
    """World coordinates per frame: capsule endpoints [T, C, 2, 3], sphere centres [T, S, 3] (+ radii)."""
    link, typ, size = geometry["link"], geometry["type"], geometry["size"]
    gpos, gquat = geometry["pos"], geometry["quat"]
    moving = link >= 0
    caps = np.where(moving & (typ == _CAPSULE))[0]
    sph = np.where(moving & (typ == _SPHERE))[0]

    def world(points_local, idx):  # points in geom-link frame -> world, for every frame
        lp, lr = pos[:, link[idx]], rot[:, link[idx]]
        return lp + _rotate(points_local[None].repeat(len(pos), 0), lr)

    half = np.zeros((len(caps), 3))
    half[:, 2] = size[caps, 1]
    axis = _rotate(half, gquat[caps])
    ends = np.stack([world(gpos[caps] - axis, caps), world(gpos[caps] + axis, caps)], 2)
    centres = world(gpos[sph], sph)
    return {"capsules": ends, "capsule_radius": size[caps, 0], "spheres": centres, "sphere_radius": size[sph, 0]}


def _segments(ends: np.ndarray):
    """[C, 2, 3] -> x, y, z lists with None between segments (one Scatter3d trace)."""
    xs, ys, zs = [], [], []
    for a, b in ends:
        xs += [a[0], b[0], None]
        ys += [a[1], b[1], None]
        zs += [a[2], b[2], None]
    return xs, ys, zs


def rollout_figure(env, traj: dict, episode: int = 0, every: int = 1, title: str = "rollout",
                   root_link: int = 0, height: int = 520) -> go.Figure:
    """A plotly 3-D animation of one episode of `traj` (from `harness.rollout`) in `env`."""
    geometry = env.geometry()
    pos = np.asarray(traj["pos"])[::every, episode]
    rot = np.asarray(traj["rot"])[::every, episode]
    g = geom_frames(geometry, pos, rot)
    trail = pos[:, root_link]
    targets = np.array(list(geometry["targets"].values())).reshape(-1, 3)
    all_pts = np.concatenate([g["capsules"].reshape(-1, 3), g["spheres"].reshape(-1, 3), trail, targets]
                             + [np.zeros((1, 3))])
    lo, hi = all_pts.min(0) - 0.5, all_pts.max(0) + 0.5
    span = float((hi - lo).max())
    centre = (hi + lo) / 2
    rng = [[float(c - span / 2), float(c + span / 2)] for c in centre]
    sph_size = float(np.clip(40 * np.mean(g["sphere_radius"]) / max(span, 1e-6) * 10, 3, 30)) if len(g["sphere_radius"]) else 5

    def frame_traces(t: int) -> list:
        x, y, z = _segments(g["capsules"][t])
        s = g["spheres"][t]
        return [go.Scatter3d(x=x, y=y, z=z, mode="lines", line=dict(width=8, color="#8c564b"), name="links"),
                go.Scatter3d(x=s[:, 0], y=s[:, 1], z=s[:, 2], mode="markers", name="spheres",
                             marker=dict(size=sph_size, color="#1f77b4")),
                go.Scatter3d(x=trail[: t + 1, 0], y=trail[: t + 1, 1], z=trail[: t + 1, 2], mode="lines",
                             line=dict(width=3, color="#2ca02c"), name="root trail")]

    fig = go.Figure(data=frame_traces(0) + [go.Scatter3d(x=targets[:, 0], y=targets[:, 1], z=targets[:, 2],
                                                         mode="markers", name="targets",
                                                         marker=dict(size=6, symbol="diamond", color="#d62728"))],
                    frames=[go.Frame(data=frame_traces(t), name=str(t), traces=[0, 1, 2]) for t in range(len(pos))])
    dt = float(getattr(env, "dt", 0.05)) * every
    steps = [dict(method="animate", label=f"{t * dt:.1f}",
                  args=[[str(t)], dict(mode="immediate", frame=dict(duration=0, redraw=True), transition=dict(duration=0))])
             for t in range(len(pos))]
    fig.update_layout(
        title=title, height=height, showlegend=True,
        scene=dict(xaxis=dict(title="x (m)", range=rng[0]), yaxis=dict(title="y (m)", range=rng[1]),
                   zaxis=dict(title="z (m)", range=rng[2]), aspectmode="cube"),
        updatemenus=[dict(type="buttons", showactive=False, x=0.0, y=0.0, xanchor="left", yanchor="top",
                          buttons=[dict(label="play", method="animate",
                                        args=[None, dict(frame=dict(duration=max(20, int(1000 * dt)), redraw=True),
                                                         fromcurrent=True, transition=dict(duration=0))]),
                                   dict(label="pause", method="animate",
                                        args=[[None], dict(mode="immediate", frame=dict(duration=0, redraw=False))])])],
        sliders=[dict(active=0, x=0.1, len=0.9, y=0.0, currentvalue=dict(prefix="t = ", suffix=" s"), steps=steps)])
    return fig


def standalone_html(fig: go.Figure) -> str:
    """A self-contained HTML page (plotly.js inlined, nothing fetched) for sharing one rollout."""
    return fig.to_html(include_plotlyjs=True, full_html=True, auto_play=False)


def arm_figure(frames: list[dict], title: str = "arm", height: int = 480) -> go.Figure:
    """A plotly 3-D animation of a MuJoCo arm episode: `frames` are `ArmEnv.bodies()` dicts (joint chain
    [J, 3], cube [3], target [3]) recorded per control step. Offline like `rollout_figure`."""
    chain = np.stack([f["chain"] for f in frames])
    cube = np.stack([f["cube"] for f in frames])
    target = frames[0]["target"]
    pts = np.concatenate([chain.reshape(-1, 3), cube, target[None], np.zeros((1, 3))])
    lo, hi = pts.min(0) - 0.1, pts.max(0) + 0.1
    span, centre = float((hi - lo).max()), (hi + lo) / 2
    rng = [[float(c - span / 2), float(c + span / 2)] for c in centre]

    def traces(t):
        c = chain[t]
        return [go.Scatter3d(x=c[:, 0], y=c[:, 1], z=c[:, 2], mode="lines+markers", name="arm",
                             line=dict(width=8, color="#8c564b"), marker=dict(size=4)),
                go.Scatter3d(x=[cube[t, 0]], y=[cube[t, 1]], z=[cube[t, 2]], mode="markers", name="cube",
                             marker=dict(size=8, symbol="square", color="#d62728"))]

    fig = go.Figure(data=traces(0) + [go.Scatter3d(x=[target[0]], y=[target[1]], z=[target[2]], mode="markers",
                                                   name="target", marker=dict(size=6, symbol="diamond", color="#2ca02c"))],
                    frames=[go.Frame(data=traces(t), name=str(t), traces=[0, 1]) for t in range(len(frames))])
    steps = [dict(method="animate", label=str(t), args=[[str(t)], dict(mode="immediate", frame=dict(duration=0, redraw=True))])
             for t in range(len(frames))]
    fig.update_layout(title=title, height=height,
                      scene=dict(xaxis=dict(title="x (m)", range=rng[0]), yaxis=dict(title="y (m)", range=rng[1]),
                                 zaxis=dict(title="z (m)", range=rng[2]), aspectmode="cube"),
                      updatemenus=[dict(type="buttons", showactive=False, x=0.0, y=0.0, buttons=[
                          dict(label="play", method="animate", args=[None, dict(frame=dict(duration=100, redraw=True),
                                                                                fromcurrent=True)])])],
                      sliders=[dict(active=0, x=0.1, len=0.9, y=0.0, currentvalue=dict(prefix="step "), steps=steps)])
    return fig
