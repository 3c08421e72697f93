"""The parameter panel (built from a Config) and the live Dashboard's history and static figure."""
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Literal

import pytest

from workbench import registry
from workbench.progress import Dashboard


@dataclass(frozen=True)
class Cfg:
    p: int = 59
    lr: float = 1e-3
    ops: tuple[str, ...] = ("add", "sub")
    loss: Literal["dpo", "gdpo"] = "dpo"


@pytest.fixture
def fake_paper(monkeypatch):
    module = SimpleNamespace(Config=Cfg, SCALES={"smoke": {"p": 23}, "cpu": {}, "paper": {"p": 97}}, COST={})
    paper = SimpleNamespace(load_config=lambda: module)
    monkeypatch.setitem(registry.PAPERS, "fake", paper)


def test_param_panel_reports_only_changed_fields(fake_paper):
    from workbench.widgets import ParamPanel

    panel = ParamPanel("fake", "smoke")
    assert panel.overrides == {} and panel.config() == Cfg(p=23)
    fields = {w.description: w for w in panel.children[1].children}
    fields["lr"].value = 0.01
    fields["ops"].value = "add,mul"
    fields["loss"].value = "gdpo"
    assert panel.overrides == {"lr": 0.01, "ops": ("add", "mul"), "loss": "gdpo"}
    assert panel.config() == Cfg(p=23, lr=0.01, ops=("add", "mul"), loss="gdpo")
    panel.scale.value = "paper"  # switching scale resets the fields to that scale
    assert fields["p"].value == 97 and panel.overrides == {}


def test_dashboard_keeps_history_and_draws_static_figure():
    dash = Dashboard("run", total=20, panels={"loss": ["train/loss"], "acc": ["eval/acc"]}, live=False)
    for step in range(0, 21, 5):
        dash(step, {"train/loss": 1.0 / (step + 1), "eval/acc": step / 20})
    fig = dash.close(show=False)
    assert dash.history.first_step("eval/acc", 0.5) == 10
    assert [t.name for t in fig.data] == ["train/loss", "eval/acc"]
    assert list(fig.data[1].y) == [0.0, 0.25, 0.5, 0.75, 1.0]


def test_headless_dashboard_prints_one_line_at_close(capsys):
    """Headless (papermill's kernel: stderr is no terminal) the loop prints nothing; close() prints one line."""
    dash = Dashboard("run", total=40, panels={"acc": ["add/eval/acc", "mul/eval/acc"]}, live=False)
    for step in range(0, 31, 10):  # stops at 30 of 40, on purpose (stop-after-grok)
        dash(step, {"add/attn/a": 0.5, "add/attn/b": 0.5, "add/attn/op": 0.1, "add/train/loss": 0.1,
                    "add/eval/acc": step / 40})
    assert capsys.readouterr().err == ""
    dash.close(show=False)
    lines = capsys.readouterr().err.splitlines()
    assert len(lines) == 1, lines
    # closed as complete (no bar left short), showing the panels' keys rather than the first in dict order
    assert "100%" in lines[0] and "30/30" in lines[0] and "add/eval/acc=0.75" in lines[0]
    assert "attn" not in lines[0] and "loss" not in lines[0]
    dash.close(show=False)  # a second close adds nothing
    assert capsys.readouterr().err == ""


def test_explicit_show_chooses_the_bar_keys(capsys):
    dash = Dashboard("run", total=2, panels={"acc": ["eval/acc"]}, show=["train/loss"], live=False)
    dash(1, {"eval/acc": 0.5, "train/loss": 0.25})
    dash.close(show=False)
    line = capsys.readouterr().err
    assert "train/loss=0.25" in line and "eval/acc" not in line


def test_one_run_one_colour_across_panels_and_short_traces_visible():
    from workbench.progress import run_labels

    assert run_labels(["add/eval/acc", "mul/eval/acc"]) == ["add", "mul"]
    assert run_labels(["eval/oracle", "eval/naive"]) == ["oracle", "naive"]
    assert run_labels(["diayn/disc_loss", "dmin_gail/disc_loss"]) == ["diayn", "dmin_gail"]
    assert run_labels(["a/loss", "a/loss"]) == ["a/loss", "a/loss"]  # not unique: the keys themselves
    dash = Dashboard("runs", total=10, live=False,
                     panels={"test accuracy": ["add/eval/acc", "mul/eval/acc"],
                             "train accuracy": ["mul/train/acc", "add/train/acc"],  # other order on purpose
                             "FFS": ["add/fourier/ffs"]})
    dash(0, {"add/eval/acc": 0.0, "add/train/acc": 0.1, "mul/eval/acc": 0.0, "mul/train/acc": 0.2,
             "add/fourier/ffs": 0.5})
    fig = dash.close(show=False)
    colour = {}
    for trace in fig.data:
        colour.setdefault(trace.legendgroup, set()).add(trace.line.color)
    assert colour.keys() == {"add", "mul"} and all(len(c) == 1 for c in colour.values())
    assert colour["add"] != colour["mul"]
    assert [t.showlegend for t in fig.data] == [True, True, False, False, False]  # each run once in the legend
    assert all("markers" in t.mode for t in fig.data)  # one point each: a line alone would draw nothing
    long = Dashboard("long", live=False, panels={"loss": ["loss"]})
    for step in range(100):
        long(step, {"loss": 1.0 / (step + 1)})
    assert long.close(show=False).data[0].mode == "lines"


def test_lab_only_builds_no_widget_headless(monkeypatch):
    from workbench import progress, widgets
    built = []
    monkeypatch.setenv("WORKBENCH_HEADLESS", "1")
    assert widgets.lab_only(lambda: built.append(1), lambda: "static") == "static" and built == []
    assert widgets.lab_only(lambda: built.append(1)) is None and built == []
    monkeypatch.setattr(progress, "headless", lambda: False)
    widgets.lab_only(lambda: built.append(1), lambda: "static")
    assert built == [1]
