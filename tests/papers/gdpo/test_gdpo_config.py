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


def test_config_knows_every_loss():
    """config.py lists the loss names without importing torch; they must be the losses module's."""
    from workbench.papers.gdpo import config, losses
    assert config.LOSS_TYPES == losses.LOSS_TYPES


def test_bandit_optimizer_choice():
    assert scales.resolve("gdpo", "cpu").bandit_optimizer == "adam"       # the reference optimiser (docs/papers/gdpo.md) stays the default
    assert scales.resolve("gdpo", "cpu", {"bandit_optimizer": "sgd"}).bandit_optimizer == "sgd"
    with pytest.raises(WorkbenchError, match="bandit_optimizer"):
        scales.resolve("gdpo", "cpu", {"bandit_optimizer": "rmsprop"})
    with pytest.raises(WorkbenchError, match="bandit_study_sgd_lrs"):
        scales.resolve("gdpo", "cpu", {"bandit_study_sgd_lrs": (0.0,)})
