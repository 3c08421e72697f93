"""Loss landscapes of the DPO family over (log-ratio margin h, soft label p̂), from `losses` itself.

- `weight_curves`: the paper's Fig. 1-left, w(h) for p̂ ∈ {0.55, 0.75, 0.95}, one panel per family.
- `surface_figure`: 3-D surfaces of a loss and its gradient weight, side by side.
- `contour_explorer`: contour maps of loss and weight with a plotly dropdown over every loss (static
  HTML keeps it interactive, so the report has every loss).
- `picker`: an ipywidgets loss/β picker around `surface_figure` for JupyterLab.
The paper's point is visible on every G-surface: along p̂ = 0.5 the loss is flat in h (w = 0).

cIPO is drawn in its mixture form p̂(h − c)² + (1 − p̂)(h + c)², c = 1/(2β), exactly as `losses.margin_loss`
computes it. The usual closed form is the equivalent (h − (2p̂ − 1)c)²; the two differ by the constant
c²(1 − (2p̂ − 1)²) (largest, c², at p̂ = ½), so the loss surfaces differ by that offset and the gradient
weights are identical. `CIPO_FORM` is the label the figures use.
"""
from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
import torch
from plotly.subplots import make_subplots

from workbench.papers.gdpo import losses as L
from workbench.plots import COLORS, style

FAMILIES = {"DPO family": ("dpo", "cdpo", "gdpo"), "IPO family": ("ipo", "cipo", "gipo"),
            "ROPO family": ("ropo", "gropo")}
NAMES = {"dpo": "DPO", "cdpo": "cDPO", "gdpo": "GDPO", "ipo": "IPO", "cipo": "cIPO", "gipo": "GIPO",
         "ropo": "ROPO", "gropo": "GROPO"}
DASH = ["dot", "dash", "solid"]
CIPO_FORM = "cIPO loss drawn as p̂(h−c)² + (1−p̂)(h+c)², c = 1/2β (= (h−(2p̂−1)c)² + c²(1−(2p̂−1)²): same gradient)"


def grid(h_max: float = 10.0, n_h: int = 81, n_p: int = 41) -> tuple[np.ndarray, np.ndarray]:
    """h ∈ [−h_max, h_max] (nats), p̂ ∈ [0.5, 1]."""
    return np.linspace(-h_max, h_max, n_h), np.linspace(0.5, 1.0, n_p)


def evaluate(loss_type: str, h: np.ndarray, p: np.ndarray, beta: float, alpha: float = L.ROPO_ALPHA,
             gamma: float = L.ROPO_GAMMA) -> tuple[np.ndarray, np.ndarray]:
    """Loss and gradient weight on the grid, each of shape [len(p), len(h)]."""
    H = torch.tensor(h, dtype=torch.float64)[None, :]
    P = torch.tensor(p, dtype=torch.float64)[:, None]
    loss = L.margin_loss(loss_type, H, P, beta, alpha, gamma).expand(len(p), len(h))
    weight = L.gradient_weight(loss_type, H, P, beta, alpha, gamma).expand(len(p), len(h))
    return loss.numpy(), weight.numpy()


def weight_curves(beta: float = 1.0, p_hats=(0.55, 0.75, 0.95), h_max: float = 10.0,
                  alpha: float = L.ROPO_ALPHA, gamma: float = L.ROPO_GAMMA) -> go.Figure:
    """Fig. 1-left: scaling factor w against h for each loss at a few soft labels (β fixed)."""
    h = np.linspace(-h_max, h_max, 201)
    fig = make_subplots(rows=1, cols=len(FAMILIES), subplot_titles=list(FAMILIES))
    for col, members in enumerate(FAMILIES.values(), start=1):
        for i, lt in enumerate(members):
            for j, p in enumerate(p_hats):
                _, w = evaluate(lt, h, np.array([p]), beta, alpha, gamma)
                fig.add_trace(go.Scatter(x=h, y=w[0], mode="lines", name=f"{NAMES[lt]}, p̂={p}",
                                         legendgroup=lt, line=dict(color=COLORS[i], dash=DASH[j % 3])),
                              row=1, col=col)
        fig.update_xaxes(title_text="log-ratio margin h (nats)", row=1, col=col)
    fig.update_yaxes(title_text="gradient weight w", row=1, col=1)
    fig.add_hline(y=0, line_color="gray", line_width=1)
    return style(fig, f"Gradient scaling factor w(h) (β = {beta}; dotted/dashed/solid: p̂ = "
                      f"{', '.join(map(str, p_hats))})", "log-ratio margin h (nats)", "gradient weight w",
                 height=420)


def surface_figure(loss_type: str, beta: float = 1.0, h_max: float = 10.0, alpha: float = L.ROPO_ALPHA,
                   gamma: float = L.ROPO_GAMMA) -> go.Figure:
    """3-D surfaces of the loss (left) and its gradient weight (right) over (h, p̂)."""
    h, p = grid(h_max)
    loss, weight = evaluate(loss_type, h, p, beta, alpha, gamma)
    fig = make_subplots(rows=1, cols=2, specs=[[{"type": "surface"}, {"type": "surface"}]],
                        subplot_titles=[f"{NAMES[loss_type]} loss", f"{NAMES[loss_type]} gradient weight w"])
    fig.add_trace(go.Surface(x=h, y=p, z=loss, colorscale="Viridis", showscale=False), row=1, col=1)
    fig.add_trace(go.Surface(x=h, y=p, z=weight, colorscale="RdBu", cmid=0, showscale=False), row=1, col=2)
    axes = dict(xaxis_title="margin h (nats)", yaxis_title="soft label p̂")
    fig.update_layout(scene=dict(zaxis_title="loss", **axes), scene2=dict(zaxis_title="w", **axes),
                      title=f"{NAMES[loss_type]}: loss and gradient weight over (h, p̂), β = {beta}"
                      + (f"<br><sub>{CIPO_FORM}</sub>" if loss_type == "cipo" else ""), height=480)
    return fig


def contour_explorer(beta: float = 1.0, h_max: float = 10.0, alpha: float = L.ROPO_ALPHA,
                     gamma: float = L.ROPO_GAMMA, loss_types=L.LOSS_TYPES) -> go.Figure:
    """Contour maps of loss and weight for every loss; a dropdown picks the loss (works offline)."""
    h, p = grid(h_max)
    fig = make_subplots(rows=1, cols=2, subplot_titles=["loss", "gradient weight w (0 = no push)"])
    for k, lt in enumerate(loss_types):
        loss, weight = evaluate(lt, h, p, beta, alpha, gamma)
        fig.add_trace(go.Contour(x=h, y=p, z=loss, colorscale="Viridis", visible=k == 0, name=NAMES[lt],
                                 colorbar=dict(x=0.45, len=0.9, title="loss")), row=1, col=1)
        fig.add_trace(go.Contour(x=h, y=p, z=weight, colorscale="RdBu", zmid=0, visible=k == 0,
                                 name=NAMES[lt], colorbar=dict(x=1.0, len=0.9, title="w")), row=1, col=2)
    buttons = []
    for k, lt in enumerate(loss_types):
        visible = [False] * (2 * len(loss_types))
        visible[2 * k] = visible[2 * k + 1] = True
        buttons.append(dict(label=NAMES[lt], method="update", args=[{"visible": visible}]))
    fig.update_layout(updatemenus=[dict(buttons=buttons, x=0.0, y=1.22, xanchor="left", showactive=True)])
    for col in (1, 2):
        fig.update_xaxes(title_text="log-ratio margin h (nats)", row=1, col=col)
        fig.update_yaxes(title_text="soft label p̂", row=1, col=col)
    return style(fig, f"Loss and gradient weight over (h, p̂), β = {beta} (pick the loss)<br><sub>{CIPO_FORM}</sub>",
                 "log-ratio margin h (nats)", "soft label p̂", height=460)


def picker(beta: float = 1.0, alpha: float = L.ROPO_ALPHA, gamma: float = L.ROPO_GAMMA):
    """ipywidgets: pick a loss and β, see its 3-D surfaces (Lab only; reports use contour_explorer).

    Headless (papermill, CI) it returns None: a widget cannot appear in a static report, and nothing is
    left waiting on a front-end that is not there."""
    from workbench.progress import headless
    if headless():
        return None
    import ipywidgets as W
    from IPython.display import display

    loss_w = W.Dropdown(options=[(NAMES[lt], lt) for lt in L.LOSS_TYPES], value="gdpo", description="loss")
    beta_w = W.FloatLogSlider(value=beta, base=10, min=-2, max=1, step=0.1, description="β",
                              continuous_update=False)
    out = W.Output()

    def draw(_=None):
        out.clear_output(wait=True)
        with out:
            display(surface_figure(loss_w.value, beta_w.value, alpha=alpha, gamma=gamma))

    loss_w.observe(draw, names="value")
    beta_w.observe(draw, names="value")
    draw()
    return W.VBox([W.HBox([loss_w, beta_w]), out])
