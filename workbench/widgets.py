"""ipywidgets shared by the notebooks: a parameter panel built from a paper's Config, and a browser.

    panel = ParamPanel("grokking", scale, overrides)   # shows every Config field at that scale
    panel                                              # edit in Lab, then: cfg = panel.config()

Paper-specific browsers (gist memory, episodes, checkpoints) build on `Browser`, which shows one
item at a time behind a slider; for reports, prefer plotly figures with sliders (they stay
interactive in static HTML). A notebook cell shows a widget through `lab_only(widget, static)`:
headless (papermill, reports) it shows `static()` instead, because a widget cannot appear in a static
report and executing widget cells headless can leave nbclient waiting forever (jupyter/nbclient#312;
seen here once in a gdt smoke run).
"""
from __future__ import annotations

import dataclasses
import typing
from typing import Any, Callable

import ipywidgets as W

from workbench import registry, scales


class ParamPanel(W.VBox):
    """Widgets for every field of a paper's Config; `overrides` returns the fields changed from the scale."""

    def __init__(self, slug: str, scale: str = "cpu", overrides: dict[str, Any] | None = None):
        self.slug = slug
        module = registry.PAPERS[slug].load_config()
        self._config_cls, self._scales = module.Config, module.SCALES
        self._types = scales.field_types(self._config_cls)
        self.scale = W.Dropdown(options=list(self._scales), value=scale, description="scale")
        self._fields: dict[str, W.Widget] = {}
        base = scales.apply(self._config_cls, self._scales, scale, overrides)
        for f in dataclasses.fields(base):
            self._fields[f.name] = self._widget_for(f.name, getattr(base, f.name))
        self.scale.observe(self._on_scale, names="value")
        super().__init__([self.scale, W.GridBox(list(self._fields.values()),
                                                 layout=W.Layout(grid_template_columns="repeat(3, 33%)"))])

    def _widget_for(self, name: str, value: Any) -> W.Widget:
        tp = self._types[name]
        style = {"description_width": "initial"}
        if typing.get_origin(tp) is typing.Literal:
            return W.Dropdown(options=list(typing.get_args(tp)), value=value, description=name, style=style)
        if tp is bool:
            return W.Checkbox(value=value, description=name, style=style)
        if tp is int:
            return W.IntText(value=value, description=name, style=style)
        if tp is float:
            return W.FloatText(value=value, description=name, style=style)
        return W.Text(value=repr(value) if not isinstance(value, str) else value, description=name, style=style)

    def _on_scale(self, change) -> None:
        base = scales.apply(self._config_cls, self._scales, change["new"])
        for name, w in self._fields.items():
            v = getattr(base, name)
            w.value = v if isinstance(w, (W.Dropdown, W.Checkbox, W.IntText, W.FloatText)) or isinstance(v, str) else repr(v)

    @property
    def overrides(self) -> dict[str, Any]:
        base = scales.apply(self._config_cls, self._scales, self.scale.value)
        out = {}
        for name, w in self._fields.items():
            value = w.value
            if isinstance(w, W.Text) and not isinstance(getattr(base, name), str):
                value = scales.parse_value(name, value, self._types[name])
            if value != getattr(base, name):
                out[name] = value
        return out

    def config(self):
        return scales.apply(self._config_cls, self._scales, self.scale.value, self.overrides)


def lab_only(widget: Callable[[], Any], static: Callable[[], Any] | None = None):
    """`widget()` in JupyterLab; headless, `static()` (or None) and no widget is built at all."""
    from workbench.progress import headless
    if headless():
        return static() if static is not None else None
    return widget()


class Browser(W.VBox):
    """Show item i of n through `render(i)` (returns anything displayable) behind a slider."""

    def __init__(self, n: int, render: Callable[[int], Any], description: str = "item", labels: list[str] | None = None):
        from IPython.display import display
        self._render, self._labels = render, labels
        self.slider = W.IntSlider(min=0, max=max(0, n - 1), value=0, description=description, continuous_update=False)
        self.label = W.Label()
        self.out = W.Output()

        def show(change=None):
            i = self.slider.value
            self.label.value = labels[i] if labels else ""
            self.out.clear_output(wait=True)
            with self.out:
                display(self._render(i))

        self.slider.observe(show, names="value")
        super().__init__([W.HBox([self.slider, self.label]), self.out])
        show()
