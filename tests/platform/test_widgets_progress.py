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
