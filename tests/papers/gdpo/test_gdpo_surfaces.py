"""Surfaces come from the real losses: the G-surfaces are flat along p̂ = 0.5, the figures are complete."""
import numpy as np

from workbench.papers.gdpo import losses as L
from workbench.papers.gdpo import surfaces as S


def test_geometric_surfaces_flat_at_half():
    h, p = S.grid(h_max=6.0, n_h=25, n_p=11)
    assert p[0] == 0.5
    for lt in L.LOSS_TYPES:
        loss, weight = S.evaluate(lt, h, p, beta=1.0)
        assert loss.shape == weight.shape == (11, 25)
        flat = np.ptp(loss[0]) == 0 and np.all(weight[0] == 0)
        assert flat == (lt in L.GEOMETRIC), lt
    # DPO's loss does not depend on p̂; at p̂ = 1 GDPO's surface row equals DPO's
    dpo, _ = S.evaluate("dpo", h, p, 1.0)
    gdpo, _ = S.evaluate("gdpo", h, p, 1.0)
    assert np.allclose(dpo, dpo[0]) and np.allclose(gdpo[-1], dpo[-1])


def test_figures_have_every_loss():
    fig = S.contour_explorer(beta=0.5)
    assert len(fig.data) == 2 * len(L.LOSS_TYPES)
    assert len(fig.layout.updatemenus[0].buttons) == len(L.LOSS_TYPES)
    assert sum(bool(t.visible) for t in fig.data) == 2
    curves = S.weight_curves(beta=1.0)
    assert len(curves.data) == 3 * 8          # three p̂ values for each of the eight losses
    assert fig.layout.title.text and curves.layout.xaxis.title.text


def test_cipo_form_differs_from_the_reference_form_by_a_constant():
    """The surface draws cIPO as p(h−c)² + (1−p)(h+c)²; the reference form (h−(2p−1)c)² is that minus
    c²(1−(2p−1)²): the same gradient in h, an offset that depends on p̂ only."""
    import numpy as np
    from workbench.papers.gdpo import surfaces
    beta = 0.5
    c = 1 / (2 * beta)
    h, p = surfaces.grid(5.0, n_h=11, n_p=6)
    loss, weight = surfaces.evaluate("cipo", h, p, beta)
    P, H = p[:, None], h[None, :]
    reference = (H - (2 * P - 1) * c) ** 2
    assert np.allclose(loss - reference, c ** 2 * (1 - (2 * P - 1) ** 2) * np.ones_like(H))
    assert np.allclose(weight, (2 * P - 1) * c - H)          # w of the reference form: (2p̂−1)/2β − h
    assert "p̂(h−c)²" in surfaces.contour_explorer(beta).layout.title.text
