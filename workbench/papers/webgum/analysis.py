"""WebGUM-lite results: tables, measured quantities for the claims, and the figures.

Units of evaluation are (task, episode) pairs: every model plays the same seeds, so success rates of
different models bootstrapped over the same units with the same seed are paired (`workbench.results`).
- `success_image_html`, `success_html`, `success_image`: success over every unit, per variant;
- `gain_visual` / `gain_nonvisual`: image+html minus HTML-only, over the visual / non-visual units
  (`workbench.web.catalog.is_visual`), bootstrapped over their own units (different seeds: independent);
- `gain_visual_blind`: the same gain over the visual tasks whose target a rule reading only the
  model's HTML view cannot pick (`html_rule`; `blind_tasks`);
- `success_blank_image`, `success_one_frame`: the controls (white screenshots; one frame, not two);
- `success_demos_small`, `success_demos_mid`, `success_demos_full`: the image+html model trained on
  the smallest, the largest smaller, and the full demonstration set (the data-scaling curve).
"""
from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from workbench import plots
from workbench.results import bootstrap

VARIANT_NAMES = {"image+html": "image_html", "html": "html", "image": "image", "blank-image": "blank_image",
                 "one-frame": "one_frame"}
LABELS = {"image+html": "image + HTML (WebGUM)", "html": "HTML only", "image": "image only",
          "blank-image": "image + HTML, blank screenshots", "one-frame": "image + HTML, 1 frame"}


def frame(rows: list[dict]) -> pd.DataFrame:
    return pd.DataFrame(rows)


def _units(df: pd.DataFrame, model: str, mask=None) -> np.ndarray:
    """Success (0/1) of `model` over the (task, episode) units in a fixed order."""
    d = df[df.model == model]
    if mask is not None:
        d = d[mask(d)]
    return d.sort_values(["task", "episode"]).success.to_numpy(dtype=float)


def blind_tasks(rule_rows: list[dict], view: str) -> list[str]:
    """The visual tasks whose target the HTML rule cannot pick on the `view` ("dom" or "raw")."""
    return [r["task"] for r in rule_rows if r["visual"] and r[f"html_blind_{view}"]]


def measured_samples(df: pd.DataFrame, cfg, blind: list[str] | None = None) -> dict:
    """The claims' quantities as bootstrap samples (see the module docstring); a model that did not run
    leaves its names out, so its claims come out inconclusive; so does `gain_visual_blind` when no
    visual task is HTML-blind (`blind`: those tasks)."""
    out = {}
    models = set(df.model)
    for v, name in VARIANT_NAMES.items():
        if v in models:
            out[f"success_{name}"] = bootstrap(_units(df, v), seed=0)
    if {"image+html", "html"} <= models:
        for key, want, seed in (("gain_visual", True, 1), ("gain_nonvisual", False, 2)):
            a = _units(df, "image+html", lambda d: d.visual == want)
            b = _units(df, "html", lambda d: d.visual == want)
            if len(a):
                out[key] = bootstrap(a - b, seed=seed)
        if blind:
            a = _units(df, "image+html", lambda d: d.task.isin(blind))
            b = _units(df, "html", lambda d: d.task.isin(blind))
            if len(a):
                out["gain_visual_blind"] = bootstrap(a - b, seed=3)
    if "image+html" in models:
        out["success_demos_full"] = bootstrap(_units(df, "image+html"), seed=0)
        small = [f"image+html@{n}" for n in cfg.scaling_episodes]
        if small and small[0] in models:
            out["success_demos_small"] = bootstrap(_units(df, small[0]), seed=0)
        if len(small) > 1 and small[-1] in models:
            out["success_demos_mid"] = bootstrap(_units(df, small[-1]), seed=0)
    return out


def measured(df: pd.DataFrame, cfg) -> dict:
    """Point values for results.json metrics: `<task>/success_<model>` and `overall/...`."""
    out = {}
    for (task, model), g in df.groupby(["task", "model"]):
        out[f"{task}/success_{model}"] = float(g.success.mean())
    for model, g in df.groupby("model"):
        out[f"overall/success_{model}"] = float(g.success.mean())
        for vis, gg in g.groupby("visual"):
            out[f"{'visual' if vis else 'nonvisual'}/success_{model}"] = float(gg.success.mean())
    return out


def success_table(df: pd.DataFrame) -> pd.DataFrame:
    """Task x model success rate (rows: tasks, visual ones marked, then the overall means)."""
    tab = df.pivot_table(index=["visual", "task"], columns="model", values="success", aggfunc="mean")
    tab = tab.sort_index()
    for vis in (False, True):
        if vis in tab.index.get_level_values(0):
            tab.loc[(vis, "(mean)"), :] = df[df.visual == vis].groupby("model").success.mean()
    tab.loc[("all", "(mean)"), :] = df.groupby("model").success.mean()
    return tab


def _interval(x: np.ndarray) -> tuple[float, float, float]:
    s = bootstrap(x, seed=0).values
    return float(np.mean(x)), float(np.percentile(s, 2.5)), float(np.percentile(s, 97.5))


def fig_training(fits: dict) -> go.Figure:
    """Per model: BC loss and training-batch accuracy, and the held-out accuracy early stopping reads
    (a star marks the update whose weights were kept)."""
    fig = make_subplots(rows=1, cols=3, subplot_titles=("behaviour-cloning loss", "exact-action accuracy (train batches)",
                                                        "exact-action accuracy (held-out episodes)"))
    for i, (name, f) in enumerate(fits.items()):
        c = plots.COLORS[i % len(plots.COLORS)]
        for col, key in ((1, "train/loss"), (2, "train/acc"), (3, "heldout/acc")):
            k = next((k for k in f.history.keys() if k.endswith(key)), None)
            if k is None:
                continue
            x, y = f.history.series(k)
            fig.add_trace(go.Scatter(x=x, y=y, name=name, line=dict(color=c), showlegend=col == 1,
                                     mode=plots.line_mode(len(x))), row=1, col=col)
        if f.heldout_acc is not None:
            fig.add_trace(go.Scatter(x=[f.best_update], y=[f.heldout_acc], mode="markers", showlegend=False,
                                     marker=dict(color=c, symbol="star", size=11)), row=1, col=3)
    fig.update_xaxes(title_text="update")
    fig.update_yaxes(title_text="loss (nats, sum of heads)", row=1, col=1)
    fig.update_yaxes(title_text="accuracy (fraction)", row=1, col=2)
    fig.update_yaxes(title_text="accuracy (fraction)", row=1, col=3)
    fig.update_layout(title="Behaviour cloning to convergence: every model (early stopping on held-out accuracy)",
                      height=400)
    return fig


def stopping_table(fits: dict) -> pd.DataFrame:
    """Per model: training steps and episodes, updates run, the kept update, why it stopped, and the
    held-out accuracy of the kept weights."""
    return pd.DataFrame([{"model": n, "train steps": f.n_steps, "episodes": f.n_episodes, "updates": f.updates,
                          "kept update": f.best_update, "stopped by": f.stopped,
                          "held-out accuracy": f.heldout_acc, "train s": round(f.train_s, 1)}
                         for n, f in fits.items()]).set_index("model")


def fig_html_rule(rule_rows: list[dict]) -> go.Figure:
    """The HTML rule's pick rate per task on the DOM view and on the raw view (`html_rule`)."""
    tasks = [r["task"] + (" (visual)" if r["visual"] else "") for r in rule_rows]
    fig = go.Figure()
    for i, (view, label) in enumerate((("dom", "DOM view (what the models read)"), ("raw", "raw #wrap markup"))):
        fig.add_trace(go.Bar(x=tasks, y=[r[f"pick_rate_{view}"] for r in rule_rows], name=label,
                             marker_color=plots.COLORS[i]))
    from workbench.papers.webgum.html_rule import BLIND_BELOW
    fig.add_hline(y=BLIND_BELOW, line_dash="dot", annotation_text="HTML-blind below")
    fig.update_layout(barmode="group", height=400, yaxis_range=[0, 1.05])
    return plots.style(fig, "Can a rule reading only the HTML pick the demonstrated element?", "task",
                       "pick rate (fraction of demonstration steps)")


def fig_success(df: pd.DataFrame) -> go.Figure:
    """Success per task for the three variants (95% bootstrap intervals over episodes)."""
    tasks = list(df.sort_values(["visual", "task"]).task.unique())
    fig = go.Figure()
    for i, v in enumerate(m for m in LABELS if m in set(df.model)):  # variants and controls
        stats = [_interval(_units(df[df.task == t], v)) for t in tasks]
        fig.add_trace(go.Bar(x=[t + (" (visual)" if df[df.task == t].visual.iloc[0] else "") for t in tasks],
                             y=[s[0] for s in stats], name=LABELS[v], marker_color=plots.COLORS[i],
                             error_y=dict(type="data", symmetric=False, array=[s[2] - s[0] for s in stats],
                                          arrayminus=[s[0] - s[1] for s in stats])))
    fig.update_layout(barmode="group", height=420, yaxis_range=[0, 1.05])
    return plots.style(fig, "Success per task: image + HTML vs HTML only vs image only",
                       "task", "success rate (fraction of episodes)")


def fig_scaling(df: pd.DataFrame, cfg) -> go.Figure:
    """Success of the image+html model against demonstrations per task, overall and by task kind."""
    points = [(n, f"image+html@{n}") for n in cfg.scaling_episodes] + [(cfg.demo_episodes, "image+html")]
    points = [(n, m) for n, m in points if m in set(df.model)]
    fig = go.Figure()
    for i, (label, mask) in enumerate((("all tasks", None), ("visual", lambda d: d.visual),
                                       ("non-visual", lambda d: ~d.visual))):
        stats = [_interval(_units(df, m, mask)) for _, m in points if len(_units(df, m, mask))]
        if len(stats) < len(points):
            continue
        fig.add_trace(go.Scatter(x=[n for n, _ in points], y=[s[0] for s in stats], name=label,
                                 mode="lines+markers", line=dict(color=plots.COLORS[i], dash=None if i == 0 else "dot"),
                                 error_y=dict(type="data", symmetric=False, array=[s[2] - s[0] for s in stats],
                                              arrayminus=[s[0] - s[1] for s in stats])))
    fig.update_xaxes(type="log")
    fig.update_layout(height=400, yaxis_range=[0, 1.05])
    return plots.style(fig, "Data scaling: image + HTML model", "demonstration episodes per task (log scale)",
                       "success rate (fraction of episodes)")


def fig_gallery(gallery: list[dict], per_task: int = 1, max_panels: int = 16) -> go.Figure:
    """Screenshots (task area, as the model saw it) with the element the model chose outlined."""
    picked, seen = [], {}
    for g in gallery:
        key = (g["task"], g["episode"])
        if seen.setdefault(g["task"], key) == key and len(picked) < max_panels and \
                sum(p["task"] == g["task"] for p in picked) < 4 * per_task:
            picked.append(g)
    cols = 4
    rows = max(1, -(-len(picked) // cols))
    titles = [f"{g['task']} s{g['step']} {'✓' if g['success'] else '✗'}" for g in picked]
    fig = make_subplots(rows=rows, cols=cols, subplot_titles=titles, horizontal_spacing=0.02, vertical_spacing=0.08)
    for i, g in enumerate(picked):
        r, c = i // cols + 1, i % cols + 1
        img = g["frame"]
        S = img.shape[0]
        fig.add_trace(go.Image(z=img, hovertemplate=g["utterance"] + "<br>" + g["action"] + "<extra></extra>"),
                      row=r, col=c)
        x0, y0, x1, y1 = (v * S for v in g["box"])
        fig.add_shape(type="rect", x0=x0 - 0.5, y0=y0 - 0.5, x1=x1 - 0.5, y1=y1 - 0.5,
                      line=dict(color="red", width=2), row=r, col=c)
        fig.add_annotation(text=g["action"][:28], x=S / 2, y=S + 4, showarrow=False, font=dict(size=9),
                           row=r, col=c, yanchor="top")
    fig.update_xaxes(visible=False)
    fig.update_yaxes(visible=False)
    fig.update_layout(title="Gallery: image + HTML model's actions (red box = the element it acted on)",
                      height=260 * rows, margin=dict(t=80))
    return fig


def saliency(model, batch: dict) -> tuple[np.ndarray, np.ndarray, int]:
    """|d logit(chosen element) / d pixels| of the current frame, summed over colour channels.
    Returns (frame uint8 [S, S, 3], saliency [S, S] scaled to [0, 1], chosen slot)."""

    px = model.pixels(batch["frames"]).clone().requires_grad_(True)
    out = model(batch, pixels=px)
    e = int(out["elem"][0].argmax())
    out["elem"][0, e].backward()
    sal = px.grad[0, 0].abs().sum(-1).numpy()
    return batch["frames"][0, 0].numpy(), sal / max(float(sal.max()), 1e-12), e


def fig_saliency(frame: np.ndarray, sal: np.ndarray, box, title: str) -> go.Figure:
    S = frame.shape[0]
    fig = make_subplots(rows=1, cols=2, subplot_titles=("task area (model input)", "saliency |d logit / d pixel|"))
    fig.add_trace(go.Image(z=frame), row=1, col=1)
    fig.add_trace(go.Heatmap(z=sal, colorscale="Inferno", showscale=True, colorbar=dict(title="relative")), row=1, col=2)
    for col in (1, 2):
        x0, y0, x1, y1 = (v * S for v in box)
        fig.add_shape(type="rect", x0=x0 - 0.5, y0=y0 - 0.5, x1=x1 - 0.5, y1=y1 - 0.5,
                      line=dict(color="cyan", width=2), row=1, col=col)
    fig.update_yaxes(autorange="reversed", row=1, col=2)
    fig.update_xaxes(visible=False)
    fig.update_yaxes(visible=False)
    fig.update_layout(title=title, height=400)
    return fig


def first_step(folder, task: str, cfg) -> dict:
    """The first recorded step of `task`, as the model reads it (the notebook's sanity check)."""
    from workbench.papers.webgum.tokens import action_to_text, html_tokens, patch_grid, words
    from workbench.web.recorder import load_dataset

    from workbench.papers.webgum.data import html_view

    s = load_dataset(folder / "tasks" / task, success_only=True).steps[0]
    r = s.record
    toks = html_tokens(html_view(r["html"], r["dom"], cfg.html_view))
    return {"task": task, "instruction": r["utterance"], "instruction words": [w for w, _, _ in words(r["utterance"])],
            "HTML view": cfg.html_view,
            "HTML tokens": f"{len(toks)}: " + " ".join(f"{t.text}" for t in toks[:40]) + " ...",
            "patches per frame": patch_grid(cfg.image_size, cfg.patch) ** 2,
            "action": str(s.action), "as WebGUM text": action_to_text(s.action)}


def saliency_figure(result, cfg, model: str = "image+html") -> go.Figure:
    """Saliency of `model` on the first demonstration step of `cfg.saliency_task` with more than
    one element slot (the pointer's chosen element outlined in cyan)."""
    from workbench.papers.webgum import data

    ex = result.examples
    i = next(i for i, (t, _) in enumerate(ex.episode_of) if t == cfg.saliency_task and len(ex.items[i]["elem_refs"]) > 1)
    batch = data.pack_examples(ex, [i], cfg)
    m = result.fits[model].model
    img, sal, e = saliency(m, batch)
    item = ex.items[i]
    ok = "the demonstrated element" if e == item["elem"] else f"not the demonstrated element (ref {item['elem_refs'][item['elem']]})"
    return fig_saliency(img, sal, item["elem_box"][e],
                        f"Saliency on {cfg.saliency_task} ({model}): '{item['utterance']}' -> ref {item['elem_refs'][e]}, {ok}")
