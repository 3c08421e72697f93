"""plotly figures for the grokking notebook (every one has a title and axis labels with units).

Each function takes the {label: Run} dictionary from train() and returns a go.Figure; the notebook only
calls them. The checkpoint slider uses plotly frames + a slider, so it stays interactive in the
offline HTML report (ipywidgets would not appear there).
"""
from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from workbench.plots import COLORS
from workbench.papers.grokking import analysis, fourier
from workbench.papers.grokking.config import Config
from workbench.papers.grokking.data import formula


def _title(run) -> str:
    return formula(run.op) + (" (+pos)" if run.pos_embed else "")


def _grid(n: int, cols: int = 3) -> tuple[int, int]:
    cols = min(cols, n)
    return (n + cols - 1) // cols, cols


def accuracy_figure(runs: dict, cfg: Config) -> go.Figure:
    """Train and test accuracy per run, log-step axis, the grok step marked."""
    rows, cols = _grid(len(runs))
    fig = make_subplots(rows=rows, cols=cols, subplot_titles=[_title(r) for r in runs.values()])
    for i, run in enumerate(runs.values()):
        r, c = i // cols + 1, i % cols + 1
        for j, (key, name) in enumerate((("train/acc", "train"), ("eval/acc", "test"))):
            steps, vals = run.history.series(key)
            fig.add_trace(go.Scatter(x=np.maximum(steps, 1), y=vals, mode="lines", name=name, legendgroup=name,
                                     showlegend=i == 0, line=dict(color=COLORS[j])), row=r, col=c)
        grok = analysis.steps_to(run, cfg)["steps_to_test95"]
        if grok is not None:
            fig.add_vline(x=max(grok, 1), line_dash="dash", line_color="gray", row=r, col=c,
                          annotation_text=f"grok {grok}", annotation_font_size=10)
        fig.update_xaxes(type="log", title_text="step (log)", row=r, col=c)
        fig.update_yaxes(title_text="accuracy (fraction)", range=[0, 1.02], row=r, col=c)
    fig.update_layout(height=300 * rows, title=f"Train and test accuracy, p={cfg.p}, train fraction {cfg.train_frac}")
    return fig


def measures_figure(runs: dict, cfg: Config) -> go.Figure:
    """FFS and FCR of W_E and W_L against step, one line per run, grok steps as markers."""
    keys = [("ffs_E", f"FFS(W_E), η={cfg.ffs_eta}"), ("ffs_L", f"FFS(W_L), η={cfg.ffs_eta}"),
            ("fcr_E", "FCR(W_E)"), ("fcr_L", "FCR(W_L)")]
    fig = make_subplots(rows=2, cols=2, subplot_titles=[t for _, t in keys])
    for i, (label, run) in enumerate(runs.items()):
        color = COLORS[i % len(COLORS)]
        grok = analysis.steps_to(run, cfg)["steps_to_test95"]
        for j, (key, _) in enumerate(keys):
            r, c = j // 2 + 1, j % 2 + 1
            steps, vals = run.history.series(f"fourier/{key}")
            fig.add_trace(go.Scatter(x=np.maximum(steps, 1), y=vals, mode="lines", name=_title(run), legendgroup=label,
                                     showlegend=j == 0, line=dict(color=color)), row=r, col=c)
            if grok is not None:
                fig.add_trace(go.Scatter(x=[max(grok, 1)], y=[analysis.value_at(run, f"fourier/{key}", grok)],
                                         mode="markers", marker=dict(symbol="star", size=11, color=color),
                                         name=f"grok {_title(run)}", legendgroup=label, showlegend=False), row=r, col=c)
            fig.update_xaxes(type="log", title_text="step (log)", row=r, col=c)
            fig.update_yaxes(title_text="fraction" if key.startswith("ffs") else "ratio", row=r, col=c)
    fig.update_layout(height=650, title="Fourier Frequency Sparsity and Fourier Coefficient Ratio during training (★ = grok step)")
    return fig


def spectra_heatmap(runs: dict, cfg: Config, which: str = "E") -> go.Figure:
    """Norm per frequency k of W_E (or W_L) at every evaluation: frequency x step, one panel per run."""
    rows, cols = _grid(len(runs))
    fig = make_subplots(rows=rows, cols=cols, subplot_titles=[_title(r) for r in runs.values()])
    for i, run in enumerate(runs.values()):
        n = run.norms_E if which == "E" else run.norms_L
        spec = np.sqrt(n[:, 1::2] ** 2 + n[:, 2::2] ** 2)          # (n_evals, K)
        spec = spec / spec.max(axis=1, keepdims=True)
        fig.add_trace(go.Heatmap(z=spec.T, x=run.eval_steps, y=np.arange(1, spec.shape[1] + 1), coloraxis="coloraxis"),
                      row=i // cols + 1, col=i % cols + 1)
        fig.update_xaxes(title_text="step", row=i // cols + 1, col=i % cols + 1)
        fig.update_yaxes(title_text="frequency k", row=i // cols + 1, col=i % cols + 1)
    fig.update_layout(height=320 * rows, coloraxis=dict(colorscale="Viridis", colorbar=dict(title="norm / max")),
                      title=f"Fourier spectrum of W_{which} over training (norm per frequency, each step scaled to its max)")
    return fig


def checkpoint_slider(runs: dict, cfg: Config, which: str = "E") -> go.Figure:
    """cos and sin norms per frequency of W_E (or W_L) at the log-spaced checkpoints, behind a plotly slider.
    A run that stopped early shows its last checkpoint at later slider positions."""
    labels = list(runs)
    steps = sorted({c["step"] for run in runs.values() for c in run.checkpoints})
    K = (cfg.p - 1) // 2
    ks = np.arange(1, K + 1)

    def bars(step):
        data = []
        for i, label in enumerate(labels):
            ck = [c for c in runs[label].checkpoints if c["step"] <= step][-1]
            cs, ss = fourier.cos_sin_norms(ck[f"W_{which}"])
            axis = "" if i == 0 else str(i + 1)
            data += [go.Bar(x=ks, y=cs, name="cos", marker_color=COLORS[0], showlegend=i == 0, xaxis=f"x{axis}", yaxis=f"y{axis}"),
                     go.Bar(x=ks, y=ss, name="sin", marker_color=COLORS[1], showlegend=i == 0, xaxis=f"x{axis}", yaxis=f"y{axis}")]
        return data

    fig = make_subplots(rows=len(labels), cols=1, shared_xaxes=True, vertical_spacing=0.04,
                        subplot_titles=[_title(runs[lab]) for lab in labels])
    for i, trace in enumerate(bars(steps[0])):
        fig.add_trace(trace, row=i // 2 + 1, col=1)
    fig.frames = [go.Frame(data=bars(s), name=str(s)) for s in steps]
    fig.update_layout(
        height=180 * len(labels) + 160, barmode="group", margin=dict(t=110),
        title=f"cos and sin Fourier norms of W_{which} at log-spaced checkpoints (drag the slider)",
        sliders=[dict(active=0, currentvalue=dict(prefix="step "), pad=dict(t=40),
                      steps=[dict(label=str(s), method="animate",
                                  args=[[str(s)], dict(mode="immediate", frame=dict(duration=0, redraw=True),
                                                       transition=dict(duration=0))]) for s in steps])])
    fig.update_xaxes(title_text="frequency k", row=len(labels), col=1)
    for i in range(len(labels)):
        fig.update_yaxes(title_text="norm", row=i + 1, col=1)
    return fig


def attention_figure(runs: dict, cfg: Config) -> go.Figure:
    """Left: mean attention of the last position to a, op/=, b per run. Right: attention to a over (a, b)
    for a+b and a−b (the subtraction asymmetry)."""
    atts = {label: analysis.attention(run, cfg) for label, run in runs.items()}
    maps = [lab for lab in ("add", "sub") if lab in runs]
    fig = make_subplots(rows=1, cols=1 + len(maps), column_widths=[0.4] + [0.3] * len(maps),
                        subplot_titles=["mean attention of the last position"] + [f"attention to a: {_title(runs[m])}" for m in maps])
    for j, (pos, name) in enumerate(((0, "to a"), (1, "to op / ="), (2, "to b"))):
        fig.add_trace(go.Bar(x=[_title(runs[lab]) for lab in runs], y=[float(atts[lab]["mean"][pos]) for lab in runs],
                             name=name, marker_color=COLORS[j]), row=1, col=1)
    for i, lab in enumerate(maps):
        fig.add_trace(go.Heatmap(z=atts[lab]["map_a"], coloraxis="coloraxis"), row=1, col=2 + i)
        fig.update_xaxes(title_text="b", row=1, col=2 + i)
        fig.update_yaxes(title_text="a", row=1, col=2 + i)
    fig.update_yaxes(title_text="attention (fraction)", row=1, col=1)
    fig.update_layout(barmode="stack", height=420, coloraxis=dict(colorscale="Viridis", cmin=0, cmax=1,
                      colorbar=dict(title="attn to a")), title="Attention of the last position to the operands (final parameters, heads averaged)")
    return fig


def neuron_figure(runs: dict, cfg: Config) -> go.Figure:
    """Left: distribution of per-neuron cos share (0.5 balanced, 1 cosine only). Right: neurons per dominant
    frequency of their W_L column, per run."""
    fig = make_subplots(rows=1, cols=2, column_widths=[0.35, 0.65], horizontal_spacing=0.12,
                        subplot_titles=["per-neuron cos share", "neurons per dominant frequency (W_L columns)"])
    K = (cfg.p - 1) // 2
    counts = []
    for i, (label, run) in enumerate(runs.items()):
        neu = analysis.neuron_frequencies(run, cfg)
        counts.append(np.bincount(neu["freq"], minlength=K + 1)[1:])
        fig.add_trace(go.Box(y=neu["cos_share"], name=_title(run), marker_color=COLORS[i % len(COLORS)], showlegend=False),
                      row=1, col=1)
    fig.add_trace(go.Heatmap(z=np.array(counts), x=np.arange(1, K + 1), y=[_title(r) for r in runs.values()],
                             colorscale="Blues", colorbar=dict(title="neurons")), row=1, col=2)
    fig.update_yaxes(title_text="cos share (fraction of power)", row=1, col=1)
    fig.update_xaxes(title_text="dominant frequency k", row=1, col=2)
    fig.update_layout(height=420, title="Neuron-frequency analysis of the MLP (final parameters)")
    return fig


def final_spectra_figure(runs: dict, cfg: Config) -> go.Figure:
    """What FFS counts, at the end of training: every Fourier component's norm n_j divided by FFS's
    normaliser (cfg.ffs_norm over the components cfg.fourier_const includes), cos and sin bars per
    frequency k, the constant row as a grey bar at k = 0, and η as a dashed line. FFS is the fraction of
    the counted bars above the line; each panel's title gives it, with and without the constant row."""
    labels = list(runs)
    titles = []
    for lab in labels:
        for w in ("E", "L"):
            n = (runs[lab].norms_E if w == "E" else runs[lab].norms_L)[-1]
            with_c = fourier.ffs_from_norms(n, cfg.ffs_eta, cfg.ffs_norm, const=True)
            without = fourier.ffs_from_norms(n, cfg.ffs_eta, cfg.ffs_norm, const=False)
            used = without if not cfg.fourier_const else with_c
            titles.append(f"{_title(runs[lab])}: W_{w}  FFS={used:.2f} (with const {with_c:.2f}, "
                          f"without {without:.2f}; const/max freq {n[0] / max(n[1:].max(), 1e-12):.1f})")
    fig = make_subplots(rows=len(labels), cols=2, shared_xaxes=True, vertical_spacing=0.05, subplot_titles=titles)
    K = (cfg.p - 1) // 2
    top = 1.0
    for i, lab in enumerate(labels):
        run = runs[lab]
        for j, n in enumerate((run.norms_E[-1], run.norms_L[-1])):
            r = fourier.normalised_norms(n, cfg.ffs_norm, cfg.fourier_const)
            top = max(top, float(r[1:].max()))
            fig.add_trace(go.Bar(x=[0], y=[r[0]], name="constant", marker_color="gray", showlegend=i == 0 and j == 0),
                          row=i + 1, col=j + 1)
            for t, (vals, name) in enumerate(((r[1::2], "cos"), (r[2::2], "sin"))):
                fig.add_trace(go.Bar(x=np.arange(1, K + 1), y=vals, name=name, marker_color=COLORS[t],
                                     showlegend=i == 0 and j == 0), row=i + 1, col=j + 1)
            fig.add_hline(y=cfg.ffs_eta, line_dash="dash", line_color="black", row=i + 1, col=j + 1)
    fig.update_xaxes(title_text="frequency k (0 = constant)", row=len(labels))
    # the constant bar may be many times the normaliser (it is not part of it by default): clip the axis
    fig.update_yaxes(title_text="norm / normaliser", range=[0, 1.15 * top])
    fig.update_layout(barmode="group", height=190 * len(labels) + 150, margin=dict(t=110),
                      title=f"What FFS counts at the end of training: Fourier component norms / {cfg.ffs_norm} "
                            f"({'with' if cfg.fourier_const else 'without'} the constant row), η = {cfg.ffs_eta} dashed")
    return fig


def operand_effects_figure(runs: dict, cfg: Config) -> go.Figure:
    """Per MLP neuron, the main-effect variance of a (x) against that of b (y) over the operand grid, one
    panel per run; the diagonal is a neuron that reads both operands equally (analysis.operand_effects)."""
    shown = {k: r for k, r in runs.items() if r.op not in ("div", "mul_nz")}
    rows, cols = _grid(len(shown))
    fig = make_subplots(rows=rows, cols=cols, subplot_titles=[
        f"{_title(r)}: asym {analysis.operand_effects(r, cfg)['operand_asym']:.2f}" for r in shown.values()])
    for i, run in enumerate(shown.values()):
        r, c = i // cols + 1, i % cols + 1
        eff = analysis.operand_effects(run, cfg)
        top = max(float(eff["V_a"].max()), float(eff["V_b"].max()), 1e-9)
        fig.add_trace(go.Scatter(x=eff["V_a"], y=eff["V_b"], mode="markers", marker=dict(size=4, color=COLORS[0]),
                                 showlegend=False, hovertemplate="V_a %{x:.3g}<br>V_b %{y:.3g}"), row=r, col=c)
        fig.add_trace(go.Scatter(x=[0, top], y=[0, top], mode="lines", line=dict(dash="dash", color="gray"),
                                 showlegend=False), row=r, col=c)
        fig.update_xaxes(title_text="main effect of a (variance)", row=r, col=c)
        fig.update_yaxes(title_text="main effect of b (variance)", row=r, col=c)
    fig.update_layout(height=320 * rows, title="How strongly each MLP neuron reads a versus b (one dot per neuron)")
    return fig


def transfer_figure(ft: dict, cfg: Config) -> go.Figure:
    """Test accuracy of each fine-tuning run against the target's from-scratch run, one panel per target."""
    targets = list(dict.fromkeys(r.ops[0] for r in ft.values()))
    rows, cols = _grid(len(targets))
    fig = make_subplots(rows=rows, cols=cols, subplot_titles=[f"target {formula(t)}" for t in targets])
    for i, target in enumerate(targets):
        r, c = i // cols + 1, i % cols + 1
        for j, (label, run) in enumerate((k, v) for k, v in ft.items() if v.ops[0] == target):
            steps, vals = run.history.series(f"{target}/eval/acc")
            scratch = label.startswith("scratch/")
            name = "from scratch" if scratch else f"from {formula(label.split('>')[0])}, {label.split('/')[1]} frozen"
            fig.add_trace(go.Scatter(x=np.maximum(steps, 1), y=vals, mode="lines", name=name,
                                     line=dict(color="black" if scratch else COLORS[(j + 1) % len(COLORS)],
                                               dash="dash" if scratch else "solid")), row=r, col=c)
        fig.add_vline(x=cfg.transfer_probe_step, line_dash="dot", line_color="gray", row=r, col=c)
        fig.update_xaxes(type="log", title_text="step (log)", row=r, col=c)
        fig.update_yaxes(title_text="test accuracy (fraction)", range=[0, 1.02], row=r, col=c)
    fig.update_layout(height=340 * rows, title=f"Fine-tuning from pre-grokked parts (dotted line: probe step "
                                              f"{cfg.transfer_probe_step})")
    return fig


def mixture_figure(mix: dict, runs: dict, cfg: Config) -> go.Figure:
    """Per-task test accuracy in each mixture (solid) and the same task trained alone (dashed, first seed)."""
    rows, cols = _grid(len(mix))
    fig = make_subplots(rows=rows, cols=cols, subplot_titles=[" & ".join(formula(o) for o in m.ops) for m in mix.values()])
    ops = list(dict.fromkeys(o for m in mix.values() for o in m.ops))
    for i, run in enumerate(mix.values()):
        r, c = i // cols + 1, i % cols + 1
        for op in run.ops:
            color = COLORS[ops.index(op) % len(COLORS)]
            steps, vals = run.history.series(f"{op}/eval/acc")
            fig.add_trace(go.Scatter(x=np.maximum(steps, 1), y=vals, mode="lines", name=f"{formula(op)} in mixture",
                                     legendgroup=op, showlegend=i == 0, line=dict(color=color)), row=r, col=c)
            if op in runs:
                steps, vals = runs[op].history.series("eval/acc")
                fig.add_trace(go.Scatter(x=np.maximum(steps, 1), y=vals, mode="lines", name=f"{formula(op)} alone",
                                         legendgroup=op + "alone", showlegend=i == 0,
                                         line=dict(color=color, dash="dash")), row=r, col=c)
        fig.update_xaxes(type="log", title_text="step (log)", row=r, col=c)
        fig.update_yaxes(title_text="test accuracy (fraction)", range=[0, 1.02], row=r, col=c)
    fig.update_layout(height=320 * rows, title="Multi-task mixtures: does every task grok, and together?")
    return fig
