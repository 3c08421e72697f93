"""Plot styling and the few figure helpers every notebook uses (plotly only).

Importing this module sets plotly's renderer to the JSON mimetype: JupyterLab draws it, and the
report builder (`workbench.report`) turns it into a static figure with plotly.js embedded once.
"""
from __future__ import annotations

import plotly.graph_objects as go
import plotly.io as pio

from workbench.history import History

COLORS = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f",
          "#bcbd22", "#17becf"]

pio.templates["workbench"] = go.layout.Template(pio.templates["plotly_white"])
pio.templates["workbench"].layout.update(
    font=dict(family="Inter, Helvetica, Arial, sans-serif", size=13),
    margin=dict(l=60, r=20, t=60, b=50),
    colorway=COLORS,
    # below everything, in container coordinates: plotly then grows the bottom margin to fit it, so it
    # overlaps neither subplot titles and top annotations (above the plot) nor axis titles (y=-0.2 did)
    legend=dict(orientation="h", yref="container", yanchor="bottom", y=0, x=0),
)
FEW_POINTS = 30  # traces this short get markers: a single point drawn as a line is invisible
pio.templates.default = "workbench"
pio.renderers.default = "plotly_mimetype"


def line_mode(n_points: int) -> str:
    """'lines', or 'lines+markers' for a short trace, which would otherwise be hard or impossible to see."""
    return "lines+markers" if n_points < FEW_POINTS else "lines"


def style(fig: go.Figure, title: str, x: str, y: str, **layout) -> go.Figure:
    """Every figure gets a title and axis labels with units (e.g. x='step', y='accuracy (fraction)')."""
    fig.update_layout(title=title, xaxis_title=x, yaxis_title=y, **layout)
    return fig


def history_figure(history: History, keys: list[str], title: str, x: str = "step", y: str = "value",
                   log_x: bool = False, marks: dict[str, float] | None = None) -> go.Figure:
    """Line plot of `keys` from a History; `marks` draws labelled vertical lines (e.g. the grok step)."""
    fig = go.Figure()
    for i, key in enumerate(keys):
        steps, values = history.series(key)
        fig.add_trace(go.Scatter(x=steps, y=values, mode=line_mode(len(steps)), name=key,
                                 line=dict(color=COLORS[i % len(COLORS)]), marker=dict(size=5)))
    for label, step in (marks or {}).items():
        if step is not None:
            fig.add_vline(x=step, line_dash="dash", line_color="gray", annotation_text=label)
    if log_x:
        fig.update_xaxes(type="log")
    return style(fig, title, x, y)
