"""Scales resolve, bad values fail before any work."""
import pytest

from workbench import WorkbenchError, scales


@pytest.mark.parametrize("scale", ["smoke", "cpu", "paper"])
def test_scales_resolve(scale):
    cfg = scales.resolve("gdpo", scale)
    assert cfg.bandit_beta in cfg.bandit_betas and cfg.bandit_temperature in cfg.bandit_temperatures
    assert cfg.scale == scale


def test_bad_overrides():
    with pytest.raises(WorkbenchError, match="llm_label_source"):
        scales.resolve("gdpo", "cpu", {"llm_label_source": "oracle"})
    with pytest.raises(WorkbenchError, match="bandit_beta"):
        scales.resolve("gdpo", "cpu", {"bandit_beta": 2.0})
    with pytest.raises(WorkbenchError, match="unknown parameter"):
        scales.resolve("gdpo", "cpu", {"betaa": 1.0})
