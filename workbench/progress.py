"""Live training progress: one implementation for every paper's `Progress` callback.

In JupyterLab a progress bar and a plotly FigureWidget grow as the loop calls the dashboard; at
`close()` both are replaced in place by what lasts: one text line and the static figure (a saved
notebook then reopens with the curves, not "model not found"). Headless (papermill, CI:
`WORKBENCH_HEADLESS=1` or no IPython kernel) nothing is printed while the loop runs (a report would
keep every update) except on a terminal, where a tqdm bar runs; `close()` prints the one final line
and displays the static figure, so the executed notebook and its report keep just those two.
Either way the rows are kept in a History.

    dash = Dashboard("a+b mod 59", total=cfg.steps, panels={"accuracy": ["train/acc", "eval/acc"],
                                                            "loss": ["train/loss", "eval/loss"]})
    run = train(cfg, progress=dash)
    dash.close()

The line shows the latest values of the keys in `panels` (or of an explicit `show=[...]`). A loop that
stops before `total` on purpose (grokking's stop-after-grok) still closes as complete: `close()` means
the loop finished; a loop that raises never reaches it.
"""
from __future__ import annotations

import json
import os
import sys
import time

from tqdm import std as tqdm_std

from workbench.history import History

MAX_SHOWN = 6      # values on the progress line; more would wrap


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


def run_labels(keys: list[str]) -> list[str]:
    """Name the keys of one panel by what varies across them: ['add/eval/acc', 'mul/eval/acc'] -> ['add', 'mul'].

    The '/'-parts every key shares (a common prefix or suffix) name the panel, not the run, so a run keeps
    its label, and with it its colour, in every panel. A lone key is named by its first part."""
    parts = [k.split("/") for k in keys]
    if len(parts) == 1:
        return [parts[0][0]]
    pre = suf = 0
    while all(len(p) > pre + 1 for p in parts) and len({p[pre] for p in parts}) == 1:
        pre += 1
    while all(len(p) > pre + suf + 1 for p in parts) and len({p[-1 - suf] for p in parts}) == 1:
        suf += 1
    labels = ["/".join(p[pre:len(p) - suf]) for p in parts]
    return labels if len(set(labels)) == len(labels) else list(keys)


def plotly_bundle(fig) -> dict:
    """The mimebundle plotly's own renderer would display: a static figure in Lab, in reports and after reopen."""
    return {"application/vnd.plotly.v1+json": {**json.loads(fig.to_json()), "config": {"responsive": True}},
            "text/plain": f"<Figure: {fig.layout.title.text or ''}>"}


class Dashboard:
    """A Progress callback `(step, metrics) -> None`: live bar and curves in Lab; one line and a figure headless."""

    def __init__(self, title: str, total: int | None = None, panels: dict[str, list[str]] | None = None,
                 x: str = "step", min_interval_s: float = 0.5, live: bool | None = None,
                 show: list[str] | None = None):
        self.title, self.total, self.panels, self.x = title, total, panels, x
        self.show = list(show) if show is not None else [k for keys in (panels or {}).values() for k in keys]
        self.history = History()
        self.live = (not headless()) if live is None else live
        self.min_interval_s = min_interval_s
        self._start = time.time()
        self._last_draw = 0.0
        self._n = 0                # steps done: the largest step seen, capped at total
        self._shown: dict[str, str] = {}
        self._closed = False
        self._fig_handle = self._widget = None
        self._tty_bar = None
        if self.live:
            import ipywidgets as W
            from IPython.display import display
            self._bar = W.FloatProgress(min=0, max=total or 1, value=0, bar_style="info",  # no total: the line only
                                        layout=W.Layout(width="30%", display="none" if total is None else None))
            self._label = W.Label(value=self.line())
            self._box = W.HBox([self._bar, self._label])
            self._bar_handle = display(self._box, display_id=True)
        elif _stderr_is_terminal():
            self._tty_bar = tqdm_std.tqdm(total=total, desc=title, unit=x, leave=False, mininterval=1.0)

    # the progress line ----------------------------------------------------------------------------------
    def _shown_values(self, metrics: dict) -> dict[str, float]:
        numeric = {k: x for k, v in metrics.items() if (x := _number(v)) is not None}
        keys = [k for k in self.show if k in numeric] if self.show else list(numeric)
        return {k: numeric[k] for k in keys[:MAX_SHOWN]}

    def line(self, complete: bool = False) -> str:
        """The tqdm-style progress line; `complete` counts the steps done as the whole run."""
        total = self._n if complete else self.total
        postfix = ", ".join(f"{k}={v}" for k, v in self._shown.items())
        return tqdm_std.tqdm.format_meter(self._n, total, time.time() - self._start, prefix=self.title,
                                          unit=self.x, postfix=postfix or None)

    def __call__(self, step: int, metrics: dict) -> None:
        self.history.log(step, metrics)
        n = max(self._n, min(step, self.total) if self.total is not None else step)
        values = self._shown_values(metrics)
        if values:
            self._shown = {k: f"{v:.4g}" for k, v in values.items()}
        if self._tty_bar is not None:
            self._tty_bar.update(n - self._n)
            self._tty_bar.set_postfix(self._shown, refresh=False)
        self._n = n
        if self.live:
            self._bar.value = n if self.total is not None else 0
            self._label.value = self.line()
            if time.time() - self._last_draw >= self.min_interval_s:
                self._draw()

    # the figure ----------------------------------------------------------------------------------------
    def _panels(self) -> dict[str, list[str]]:
        return self.panels or {"metrics": self.history.keys()}

    def _make_figure(self, widget: bool):
        import plotly.graph_objects as go
        from plotly.subplots import make_subplots
        from workbench import plots

        panels = self._panels()
        fig = make_subplots(rows=1, cols=len(panels), subplot_titles=list(panels))
        colors: dict[str, str] = {}
        for col, keys in enumerate(panels.values(), start=1):
            for key, label in zip(keys, run_labels(keys)):
                first = label not in colors
                color = colors.setdefault(label, plots.COLORS[len(colors) % len(plots.COLORS)])
                steps, values = self.history.series(key)
                name = label if len(keys) > 1 else key  # a lone key keeps its full name, and its run's colour
                fig.add_trace(go.Scatter(x=steps, y=values, name=name, legendgroup=label, showlegend=first,
                                         mode=plots.line_mode(len(steps)),
                                         line=dict(color=color), marker=dict(size=5),
                                         hovertemplate=f"{key}<br>{self.x} %{{x}}: %{{y:.4g}}<extra></extra>"),
                              row=1, col=col)
            fig.update_xaxes(title_text=self.x, row=1, col=col)
        fig.update_layout(title=self.title, height=380)  # the template puts the legend below everything
        return go.FigureWidget(fig) if widget else fig

    def _draw(self) -> None:
        from IPython.display import display
        if self._widget is None:
            self._widget = self._make_figure(widget=True)
            self._fig_handle = display(self._widget, display_id=True)
        else:
            fresh = self._make_figure(widget=False)
            with self._widget.batch_update():
                if len(self._widget.data) != len(fresh.data):
                    self._widget.data = ()
                    self._widget.add_traces(list(fresh.data))
                else:
                    for trace, new in zip(self._widget.data, fresh.data):
                        trace.x, trace.y, trace.mode = new.x, new.y, new.mode
        self._last_draw = time.time()

    def close(self, show: bool = True):
        """Finish: one complete progress line and (with `show`) the static figure, which stay in the notebook."""
        final = self.line(complete=True)
        fig = self._make_figure(widget=False)
        if self._closed:
            return fig
        self._closed = True
        if self.live:
            # replace the widget views in place: widget state is not saved with the notebook
            self._bar_handle.update({"text/plain": final}, raw=True)
            if self._fig_handle is not None:
                self._fig_handle.update(plotly_bundle(fig) if show else {"text/plain": ""}, raw=True)
                self._widget.close()
            elif show and len(self.history):
                from IPython.display import display
                display(plotly_bundle(fig), raw=True)
            for w in (self._box, self._bar, self._label):
                w.close()
            return fig
        if self._tty_bar is not None:
            self._tty_bar.close()
        print(final, file=sys.stderr, flush=True)
        if show and len(self.history):
            from IPython.display import display
            display(fig)
        return fig


def _number(v) -> float | None:
    """float(v) for numbers of any kind (Python, NumPy, 0-d arrays); None for text and anything else."""
    if isinstance(v, (str, bytes)):
        return None
    try:
        return float(v)
    except (TypeError, ValueError):
        return None


def _stderr_is_terminal() -> bool:
    try:
        return sys.stderr.isatty()
    except (AttributeError, ValueError):
        return False
