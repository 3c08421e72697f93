"""The DPO family and its geometric-averaged versions (GDPO paper, arXiv 2409.06691, Sec. 3 and Table 1).

Every loss is a pure torch function of the log-ratio margin

    h = [log π_θ(y₁|x) − log π_ref(y₁|x)] − [log π_θ(y₂|x) − log π_ref(y₂|x)]

the soft label p̂ = p̂(y₁ ≻ y₂ | x) ∈ [0, 1] (the pair is ordered so p̂ ≥ 0.5; a hard label is p̂ = 1)
and β. `loss_terms(...)` computes h from the four log-likelihoods (shapes `[B]`) and returns the
per-pair loss `[B]`; `margin_loss(loss_type, h, p_hat, beta)` is the same loss as a function of h,
which the surface plots use, so trainer and figures share one implementation.

Geometric averaging (the paper's Sec. 3): π̄(y₁) ∝ π(y₁)^p̂ π(y₂)^(1−p̂), π̄(y₂) ∝ π(y₁)^(1−p̂) π(y₂)^p̂,
for the policy and the reference alike. The normalisers cancel in the margin, so the geometric
margin is h̄ = (2p̂ − 1) h and any DPO-family loss becomes its G-version by h → (2p̂ − 1) h.
At p̂ = 1 the G-loss equals its base; at p̂ = 0.5 it is constant in h (zero gradient).

Gradient weights w (the paper's Table 1 "scaling factor", re-derived here and checked against
autograd in the tests): for the logistic losses ∂L/∂h = −β·w, for the squared (IPO) losses
∂L/∂h = −2·w. `gradient_weight(loss_type, h, p_hat, beta)` returns w.

Conventions (departures named):
- IPO uses β as the regulariser τ: (h − 1/(2β))². TRL's `ipo` length-normalises h; we do not (the
  caller decides what log-likelihood it passes, e.g. a sum over tokens).
- cIPO is the p̂-mixture p̂(h − 1/2β)² + (1−p̂)(h + 1/2β)², which equals (h − (2p̂−1)/2β)² plus a
  constant 1/(4β²)·(1 − (2p̂−1)²); we keep the mixture form (its value, not its gradient, differs).
- ROPO (Liang et al. 2024, arXiv 2404.04102): α·σ(−βh) − γ·log σ(βh). The paper's α, γ are unverified;
  α = 0.2, γ = 0.1 (one third-party implementation's values) are defaults and parameters.
- cDPO is the label-smoothing loss of Mitchell (2023) with a per-pair smoothing 1 − p̂.
"""
from __future__ import annotations

import torch
import torch.nn.functional as F

from workbench import WorkbenchError

LOSS_TYPES = ("dpo", "cdpo", "gdpo", "ipo", "cipo", "gipo", "ropo", "gropo")
GEOMETRIC = {"gdpo": "dpo", "gipo": "ipo", "gropo": "ropo"}    # G-variant -> its base loss
LOGISTIC = ("dpo", "cdpo", "gdpo", "ropo", "gropo")            # ∂L/∂h = −β w; the rest: −2 w
ROPO_ALPHA = 0.2
ROPO_GAMMA = 0.1


def check_loss_type(loss_type: str) -> str:
    """Return `loss_type` if known, else raise WorkbenchError listing the valid names (TRL style)."""
    if loss_type not in LOSS_TYPES:
        raise WorkbenchError(f"unknown loss_type {loss_type!r}; valid: {', '.join(LOSS_TYPES)}")
    return loss_type


def log_ratio_margin(policy_logp_1, policy_logp_2, ref_logp_1, ref_logp_2) -> torch.Tensor:
    """h = log π(y₁)/π_ref(y₁) − log π(y₂)/π_ref(y₂), shape [B]."""
    return (policy_logp_1 - ref_logp_1) - (policy_logp_2 - ref_logp_2)


def _as_tensor(x, like: torch.Tensor) -> torch.Tensor:
    return torch.as_tensor(x, dtype=like.dtype, device=like.device)


def margin_loss(loss_type: str, h, p_hat, beta: float, alpha: float = ROPO_ALPHA,
                gamma: float = ROPO_GAMMA) -> torch.Tensor:
    """Per-pair loss as a function of the margin h (any shape; p̂ broadcasts against h).

    DPO / IPO / ROPO ignore p̂ (they see the hard label y₁ ≻ y₂); cDPO / cIPO mix both label
    directions with weights p̂, 1 − p̂; GDPO / GIPO / GROPO replace h by (2p̂ − 1) h."""
    check_loss_type(loss_type)
    h = torch.as_tensor(h, dtype=torch.get_default_dtype()) if not torch.is_tensor(h) else h
    p = _as_tensor(p_hat, h)
    if loss_type in GEOMETRIC:
        return margin_loss(GEOMETRIC[loss_type], (2 * p - 1) * h, torch.ones_like(p), beta, alpha, gamma)
    if loss_type == "dpo":                      # DPO, Rafailov et al. 2023, Eq. 7
        return -F.logsigmoid(beta * h)
    if loss_type == "cdpo":                     # conservative DPO: soft-label cross-entropy
        return -p * F.logsigmoid(beta * h) - (1 - p) * F.logsigmoid(-beta * h)
    c = 1.0 / (2.0 * beta)
    if loss_type == "ipo":                      # IPO, Azar et al. 2023, Eq. 17 with τ = β
        return (h - c) ** 2
    if loss_type == "cipo":
        return p * (h - c) ** 2 + (1 - p) * (h + c) ** 2
    if loss_type == "ropo":                     # ROPO, Liang et al. 2024
        return alpha * torch.sigmoid(-beta * h) - gamma * F.logsigmoid(beta * h)
    raise AssertionError(loss_type)  # unreachable: check_loss_type listed every name


def gradient_weight(loss_type: str, h, p_hat, beta: float, alpha: float = ROPO_ALPHA,
                    gamma: float = ROPO_GAMMA) -> torch.Tensor:
    """The scaling factor w of the paper's Table 1: ∂L/∂h = −β w (logistic) or −2 w (squared).

    A positive w pushes h up (towards preferring y₁); w = 0 means no gradient."""
    check_loss_type(loss_type)
    h = torch.as_tensor(h, dtype=torch.get_default_dtype()) if not torch.is_tensor(h) else h
    p = _as_tensor(p_hat, h)
    g = 2 * p - 1
    c = 1.0 / (2.0 * beta)
    s = torch.sigmoid
    if loss_type == "dpo":
        return s(-beta * h) + 0 * p
    if loss_type == "cdpo":
        return p - s(beta * h)
    if loss_type == "gdpo":
        return g * s(-beta * g * h)
    if loss_type == "ipo":
        return c - h + 0 * p
    if loss_type == "cipo":
        return g * c - h
    if loss_type == "gipo":
        return g * (c - g * h)
    if loss_type == "ropo":
        return s(-beta * h) * (alpha * s(beta * h) + gamma) + 0 * p
    if loss_type == "gropo":
        bt = beta * g
        return g * s(-bt * h) * (alpha * s(bt * h) + gamma)
    raise AssertionError(loss_type)


def gradient_scale(loss_type: str, beta: float) -> float:
    """The constant c in ∂L/∂h = −c·w: β for the logistic losses, 2 for the squared ones."""
    return beta if check_loss_type(loss_type) in LOGISTIC else 2.0


def loss_terms(loss_type: str, policy_logp_1, policy_logp_2, ref_logp_1, ref_logp_2, p_hat,
               beta: float, alpha: float = ROPO_ALPHA, gamma: float = ROPO_GAMMA) -> torch.Tensor:
    """Per-pair loss [B] from the four sequence log-likelihoods [B] and the soft label p̂ [B]."""
    h = log_ratio_margin(policy_logp_1, policy_logp_2, ref_logp_1, ref_logp_2)
    return margin_loss(loss_type, h, p_hat, beta, alpha, gamma)


def preference_loss(loss_type: str, policy_logp_1, policy_logp_2, ref_logp_1, ref_logp_2, p_hat,
                    beta: float, alpha: float = ROPO_ALPHA, gamma: float = ROPO_GAMMA,
                    weights=None) -> tuple[torch.Tensor, dict[str, float]]:
    """Mean loss over the batch and the metrics a preference researcher reads (TRL's names):
    `rewards/margins` (β h), `rewards/accuracies` (fraction with h > 0), `logps/chosen`, `logps/rejected`.
    `weights` [B] (optional) weight the per-pair losses (e.g. pair multiplicities in a bandit)."""
    terms = loss_terms(loss_type, policy_logp_1, policy_logp_2, ref_logp_1, ref_logp_2, p_hat, beta, alpha, gamma)
    if weights is None:
        loss = terms.mean()
    else:
        w = _as_tensor(weights, terms)
        loss = (terms * w).sum() / w.sum()
    with torch.no_grad():
        h = log_ratio_margin(policy_logp_1, policy_logp_2, ref_logp_1, ref_logp_2)
        metrics = {"rewards/margins": float((beta * h).mean()),
                   "rewards/accuracies": float((h > 0).float().mean()),
                   "logps/chosen": float(torch.as_tensor(policy_logp_1).float().mean()),
                   "logps/rejected": float(torch.as_tensor(policy_logp_2).float().mean())}
    return loss, metrics
