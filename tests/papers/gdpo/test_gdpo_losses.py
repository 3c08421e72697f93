"""Losses of the DPO family and their geometric versions against values worked out by hand."""
import math

import pytest
import torch

from workbench import WorkbenchError
from workbench.papers.gdpo import losses as L

LOG2 = math.log(2.0)


def val(loss_type, h, p, beta, **kw):
    return float(L.margin_loss(loss_type, torch.tensor(float(h), dtype=torch.float64), p, beta, **kw))


def test_hand_values():
    # DPO at h = 0: −log σ(0) = log 2; at βh = 1: log(1 + e^−1) = 0.313262
    assert val("dpo", 0.0, 1.0, 1.0) == pytest.approx(LOG2)
    assert val("dpo", 2.0, 0.9, 0.5) == pytest.approx(math.log1p(math.exp(-1.0)))
    # cDPO, p̂ = 0.75 at h = log 3 (σ(h) = 0.75): the label's entropy −.75 ln .75 − .25 ln .25 = 0.562335
    assert val("cdpo", math.log(3.0), 0.75, 1.0) == pytest.approx(0.5623351446)
    # GDPO, p̂ = 0.75, β = 1, h = 2: h̄ = (2·.75 − 1)·2 = 1 -> log(1 + e^−1)
    assert val("gdpo", 2.0, 0.75, 1.0) == pytest.approx(math.log1p(math.exp(-1.0)))
    # IPO with β = 0.5: target 1/(2β) = 1; h = 3 -> (3 − 1)² = 4
    assert val("ipo", 3.0, 0.75, 0.5) == pytest.approx(4.0)
    # cIPO: .75·(3 − 1)² + .25·(3 + 1)² = 3 + 4 = 7
    assert val("cipo", 3.0, 0.75, 0.5) == pytest.approx(7.0)
    # GIPO: ((2·.75 − 1)·3 − 1)² = (1.5 − 1)² = 0.25
    assert val("gipo", 3.0, 0.75, 0.5) == pytest.approx(0.25)
    # ROPO (α = .2, γ = .1) at h = 0: .2·σ(0) − .1·log σ(0) = .1 + .1·ln 2
    assert val("ropo", 0.0, 1.0, 1.0) == pytest.approx(0.1 + 0.1 * LOG2)
    # GROPO, p̂ = .75, β = 1, h = 2 -> ROPO at h̄ = 1: .2·σ(−1) + .1·log(1 + e^−1)
    s = 1 / (1 + math.exp(1.0))
    assert val("gropo", 2.0, 0.75, 1.0) == pytest.approx(0.2 * s + 0.1 * math.log1p(math.exp(-1.0)))


@pytest.mark.parametrize("base,geo", [("dpo", "gdpo"), ("ipo", "gipo"), ("ropo", "gropo")])
def test_geometric_equals_base_at_hard_label(base, geo):
    h = torch.linspace(-6, 6, 41, dtype=torch.float64)
    for beta in (0.1, 0.5, 1.0):
        assert torch.allclose(L.margin_loss(geo, h, 1.0, beta), L.margin_loss(base, h, 1.0, beta))
        assert torch.allclose(L.gradient_weight(geo, h, 1.0, beta), L.gradient_weight(base, h, 1.0, beta))


@pytest.mark.parametrize("loss_type", L.LOSS_TYPES)
def test_weight_matches_autograd(loss_type):
    g = torch.Generator().manual_seed(0)
    h = (torch.randn(200, generator=g, dtype=torch.float64) * 4).requires_grad_(True)
    p = torch.rand(200, generator=g, dtype=torch.float64) * 0.5 + 0.5
    for beta in (0.1, 1.0):
        (grad,) = torch.autograd.grad(L.margin_loss(loss_type, h, p, beta).sum(), h)
        expected = -L.gradient_scale(loss_type, beta) * L.gradient_weight(loss_type, h.detach(), p, beta)
        assert torch.allclose(grad, expected, atol=1e-10), loss_type


def test_zero_gradient_at_half_for_geometric_only():
    h = torch.linspace(-5, 5, 21, dtype=torch.float64)
    for loss_type in L.LOSS_TYPES:
        w = L.gradient_weight(loss_type, h, 0.5, 1.0)
        if loss_type in L.GEOMETRIC:
            assert torch.all(w == 0), loss_type
        else:  # the base and conservative losses still push at p̂ = 0.5 (cDPO/cIPO towards h = 0)
            assert w.abs().max() > 0.1, loss_type
    # cDPO's weight vanishes where σ(βh) = p̂: it fits the label instead of maximising h
    assert float(L.gradient_weight("cdpo", torch.tensor(math.log(3.0), dtype=torch.float64), 0.75, 1.0)) == pytest.approx(0.0, abs=1e-12)


def test_loss_terms_and_metrics_from_logps():
    # policy: logπ(y1) = −1, logπ(y2) = −3; reference: −2, −2 -> h = (−1 + 2) − (−3 + 2) = 2
    pol1, pol2 = torch.tensor([-1.0]), torch.tensor([-3.0])
    ref1, ref2 = torch.tensor([-2.0]), torch.tensor([-2.0])
    loss, m = L.preference_loss("dpo", pol1, pol2, ref1, ref2, torch.tensor([1.0]), beta=0.5)
    assert float(loss) == pytest.approx(math.log1p(math.exp(-1.0)), rel=1e-6)
    assert m["rewards/margins"] == pytest.approx(1.0)
    assert m["rewards/accuracies"] == 1.0
    assert m["logps/chosen"] == -1.0


def test_unknown_loss_lists_valid_names():
    with pytest.raises(WorkbenchError, match="valid: dpo, cdpo, gdpo"):
        L.margin_loss("sigmoid", torch.zeros(1), 1.0, 0.1)
