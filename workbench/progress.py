"""Live training progress: one implementation for every paper's `Progress` callback.

In JupyterLab a plotly FigureWidget grows as the loop calls it; headless (papermill, scripts, CI:
`WORKBENCH_HEADLESS=1` or no IPython kernel) a tqdm bar shows the same numbers. Either way the rows
are kept in a History, and `close()` displays a static figure so the report has the curves.

    dash = Dashboard("a+b mod 59", total=cfg.steps, panels={"accuracy": ["train/acc", "eval/acc"],
                                                            "loss": ["train/loss", "eval/loss"]})
    run = train(cfg, progress=dash)
    dash.close()
"""
from __future__ import annotations

import os
import time

from tqdm import std as tqdm_std
from tqdm.auto import tqdm as tqdm_auto

from workbench.history import History


def headless() -> bool:
    """True under papermill/CI/scripts, where widgets cannot be seen."""
    if os.environ.get("WORKBENCH_HEADLESS") == "1":
        return True
    try:
        from IPython import get_ipython
        shell = get_ipython()
    except ImportError:
        return True
    return shell is None or type(shell).__name__ != "ZMQInteractiveShell"


class Dashboard:
    """A Progress callback `(step, metrics) -> None` that draws live curves (Lab) or a tqdm bar (headless)."""

    def __init__(self, title: str, total: int | None = None, panels: dict[str, list[str]] | None = None,
                 x: str = "step", min_interval_s: float = 0.5, live: bool | None = None):
        self.title, self.total, self.panels, self.x = title, total, panels, x
        self.history = History()
        self.live = (not headless()) if live is None else live
        self.min_interval_s = min_interval_s
        self._last_draw = 0.0
        # headless, a text bar: tqdm.auto would store a widget view the report cannot show
        bar = tqdm_auto if self.live else tqdm_std.tqdm
        self._bar = bar(total=total, desc=title, unit=x, leave=True, mininterval=1.0)
        self._widget = None
        self._step = 0

    def _panels(self) -> dict[str, list[str]]:
        return self.panels or {"metrics": [k for k in self.history.keys()]}

    def _make_figure(self, widget: bool):
        import plotly.graph_objects as go
        from plotly.subplots import make_subplots
        from workbench import plots

        panels = self._panels()
        fig = make_subplots(rows=1, cols=len(panels), subplot_titles=list(panels))
        for col, (_, keys) in enumerate(panels.items(), start=1):
            for i, key in enumerate(keys):
                steps, values = self.history.series(key)
                fig.add_trace(go.Scatter(x=steps, y=values, mode="lines", name=key,
                                         line=dict(color=plots.COLORS[(i + 2 * col) % len(plots.COLORS)])),
                              row=1, col=col)
            fig.update_xaxes(title_text=self.x, row=1, col=col)
        fig.update_layout(title=self.title, height=360, legend=dict(orientation="h", yanchor="top", y=-0.2, x=0))
        return go.FigureWidget(fig) if widget else fig

    def __call__(self, step: int, metrics: dict) -> None:
        self.history.log(step, metrics)
        if self.total is not None:
            self._bar.update(max(0, min(step, self.total) - self._step))
        self._step = max(self._step, step)
        shown = {k: f"{v:.4g}" for k, v in metrics.items() if isinstance(v, (int, float))}
        self._bar.set_postfix(dict(list(shown.items())[:4]), refresh=False)
        if self.live and time.time() - self._last_draw >= self.min_interval_s:
            self._draw()

    def _draw(self) -> None:
        from IPython.display import display
        if self._widget is None:
            self._widget = self._make_figure(widget=True)
            display(self._widget)
        else:
            fresh = self._make_figure(widget=False)
            with self._widget.batch_update():
                if len(self._widget.data) != len(fresh.data):
                    self._widget.data = ()
                    self._widget.add_traces(list(fresh.data))
                else:
                    for trace, new in zip(self._widget.data, fresh.data):
                        trace.x, trace.y = new.x, new.y
        self._last_draw = time.time()

    def close(self, show: bool = True):
        """Finish the bar; headless, display the final static figure (the report keeps it)."""
        self._bar.close()
        if self.live:
            self._draw()
        fig = self._make_figure(widget=False)
        if show and not self.live and len(self.history):
            from IPython.display import display
            display(fig)
        return fig
