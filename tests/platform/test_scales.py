"""Scales and parameter validation: typed overrides, unknown keys, bad values (before any work)."""
from dataclasses import dataclass
from typing import Literal

import pytest

from workbench import WorkbenchError
from workbench.scales import apply, parse_overrides, parse_value


@dataclass(frozen=True)
class Cfg:
    p: int = 59
    lr: float = 1e-3
    ops: tuple[str, ...] = ("add", "sub")
    pos_emb: bool = False
    loss: Literal["dpo", "gdpo"] = "dpo"
    name: str = "x"

    def __post_init__(self):
        if self.p < 2:
            raise ValueError(f"p must be >= 2, got {self.p}")


SCALES = {"smoke": {"p": 23, "ops": ("add",)}, "cpu": {}, "paper": {"p": 97}}


def test_scale_then_overrides_in_order():
    cfg = apply(Cfg, SCALES, "smoke", {"lr": 0.01})
    assert (cfg.p, cfg.lr, cfg.ops) == (23, 0.01, ("add",))
    assert apply(Cfg, SCALES, "paper", {"p": 31}).p == 31  # the override wins over the scale
    assert apply(Cfg, SCALES, "cpu") == Cfg()


def test_cli_strings_are_typed_by_field():
    o = parse_overrides(["p=97", "lr=3e-4", "ops=add,mul", "pos_emb=true", "loss=gdpo", "name=hello world"], Cfg)
    assert o == {"p": 97, "lr": 3e-4, "ops": ("add", "mul"), "pos_emb": True, "loss": "gdpo", "name": "hello world"}
    assert parse_value("ops", "['a', 'b']", tuple[str, ...]) == ("a", "b")
    assert parse_value("lr", "1", float) == 1.0 and isinstance(parse_value("lr", "1", float), float)


@pytest.mark.parametrize("pairs, message", [
    (["q=1"], "unknown parameter 'q'"),
    (["p=abc"], "bad value for 'p'"),
    (["p=1.5"], "bad value for 'p'"),
    (["pos_emb=maybe"], "bad value for 'pos_emb'"),
    (["loss=kto"], "bad value for 'loss'"),
    (["p"], "expected key=value"),
])
def test_bad_parameters_are_one_clear_line(pairs, message):
    with pytest.raises(WorkbenchError) as e:
        apply(Cfg, SCALES, "cpu", parse_overrides(pairs, Cfg))
    assert message in str(e.value) and "\n" not in str(e.value)


def test_unknown_scale_and_post_init_errors():
    with pytest.raises(WorkbenchError, match="unknown scale 'huge'"):
        apply(Cfg, SCALES, "huge")
    with pytest.raises(WorkbenchError, match="p must be >= 2"):
        apply(Cfg, SCALES, "cpu", {"p": 1})
    with pytest.raises(WorkbenchError, match="unknown parameter 'bogus' in scale"):
        apply(Cfg, {"cpu": {"bogus": 1}}, "cpu")
