"""Experiment 1: the paper's 1-D bandit (Fig. 1-right), with a known reward, trained by every loss.

Setting (a reconstruction of Fig. 1-right; the paper's exact constants were not available):
K = 100 actions; true reward r(a) = 2·exp(−(a − 70)²/450); the data distribution and reference
policy μ(a) ∝ exp(−(a − 35)²/800) sits in a low-reward region; N pairs (a₁, a₂) ~ μ × μ get the
Bradley–Terry soft label p̂ = σ((r(a₁) − r(a₂))/T) (plus optional Gaussian judge noise inside σ),
ordered so p̂ ≥ 0.5. The policy is tabular logits initialised at log μ, trained full-batch with Adam
(`bandit_optimizer`; plain SGD for the optimiser study, `optimizer_study`).

Label variants per method (`<loss>` or `<loss>-sampled`):
- soft / majority: the pair ordered by p̂ ≥ 0.5. DPO, IPO and ROPO ignore p̂, so for them this is the
  majority-vote (infinitely many raters) hard label; cDPO/cIPO and the G-losses read p̂.
- sampled: one rater per pair, y₁ ≻ y₂ with probability p̂ (drawn once per seed), then a hard label.

Every method and every (β, T, seed) setting is trained at once: logits [M, R, K], one optimiser. Adam and SGD are
elementwise and the summed losses do not share parameters, so runs stay independent.
"""
from __future__ import annotations

import itertools
import time
from dataclasses import dataclass, field

import numpy as np
import torch

from workbench import WorkbenchError
from workbench.papers.gdpo import losses as L
from workbench.history import History, Progress, no_progress


def rewards(k: int) -> np.ndarray:
    """True reward r(a) = 2·exp(−(a − 0.7K)²/(4.5K)), a = 0..K−1 (peak 2 at a = 70 for K = 100)."""
    a = np.arange(k, dtype=np.float64)
    return 2.0 * np.exp(-(a - 0.70 * k) ** 2 / (4.5 * k))


def data_distribution(k: int) -> np.ndarray:
    """μ(a) ∝ exp(−(a − 0.35K)²/(8K)): the data and the reference policy (mode at a = 35)."""
    a = np.arange(k, dtype=np.float64)
    w = np.exp(-(a - 0.35 * k) ** 2 / (8.0 * k))
    return w / w.sum()


def win_vector(r: np.ndarray, mu: np.ndarray) -> np.ndarray:
    """win[a] = P_{b~μ}[r(a) > r(b)] + ½ P[r(a) = r(b)]: the win rate of action a against the data."""
    diff = r[:, None] - r[None, :]
    return ((diff > 1e-12) + 0.5 * (np.abs(diff) <= 1e-12)) @ mu


@dataclass
class Pairs:
    """One preference dataset: actions [N] each, p̂ ≥ 0.5 [N], and one sampled rater's verdict [N]."""
    a1: np.ndarray
    a2: np.ndarray
    p_hat: np.ndarray
    rater_prefers_1: np.ndarray


def make_pairs(k: int, n: int, temperature: float, noise: float, seed: int) -> Pairs:
    """Draw N pairs from μ × μ and label them (Bradley–Terry with temperature T, optional judge noise)."""
    rng = np.random.default_rng(seed)  # same actions and rater draws for every T: common random numbers
    mu, r = data_distribution(k), rewards(k)
    a1, a2 = rng.choice(k, size=n, p=mu), rng.choice(k, size=n, p=mu)
    eps, u = rng.standard_normal(n), rng.random(n)
    logit = (r[a1] - r[a2]) / temperature + noise * eps
    p = 1.0 / (1.0 + np.exp(-logit))
    swap = p < 0.5
    a1, a2 = np.where(swap, a2, a1), np.where(swap, a1, a2)
    p = np.where(swap, 1.0 - p, p)
    return Pairs(a1, a2, p, u < p)


def parse_method(method: str) -> tuple[str, str]:
    """'gdpo' -> ('gdpo', 'soft'); 'dpo-sampled' -> ('dpo', 'sampled')."""
    loss_type, _, labels = method.partition("-")
    L.check_loss_type(loss_type)
    labels = labels or "soft"
    if labels not in ("soft", "sampled"):
        raise WorkbenchError(f"bad bandit method {method!r}: use '<loss>' or '<loss>-sampled'")
    return loss_type, labels


@dataclass
class Sweep:
    """All runs of one call: methods × settings, evaluated every `eval_every` steps and at log-spaced early steps.

    reward/kl/win have shape [E, M, R] (evaluations, methods, settings); probs_final [M, R, K]."""
    methods: list[str]
    settings: list[tuple[float, float, int]]        # (β, T, seed)
    steps: list[int]
    reward: np.ndarray
    kl: np.ndarray
    win: np.ndarray
    probs_final: np.ndarray
    p_hat: dict = field(default_factory=dict)       # (T, seed) -> p̂ [N]
    runtime_s: float = 0.0

    def select(self, beta: float, temperature: float) -> list[int]:
        return [i for i, (b, t, _) in enumerate(self.settings) if b == beta and t == temperature]

    def final(self, method: str, beta: float, temperature: float) -> dict[str, float]:
        """Seed-averaged final metrics of one method at (β, T); mode of the seed-averaged policy."""
        m, idx = self.methods.index(method), self.select(beta, temperature)
        probs = self.probs_final[m, idx].mean(0)
        peak = self.reward[:, m, idx].mean(1).max()
        return {"reward": float(self.reward[-1, m, idx].mean()), "kl": float(self.kl[-1, m, idx].mean()),
                "win": float(self.win[-1, m, idx].mean()), "mode": int(probs.argmax()),
                "reward_peak": float(peak), "reward_drop": float(peak - self.reward[-1, m, idx].mean())}

    def history(self, method: str, beta: float, temperature: float) -> History:
        """Seed-averaged curves of one method at (β, T) as a History (keys eval/reward, eval/kl, eval/win)."""
        m, idx = self.methods.index(method), self.select(beta, temperature)
        h = History()
        for e, step in enumerate(self.steps):
            h.log(step, {"eval/reward": self.reward[e, m, idx].mean(), "eval/kl": self.kl[e, m, idx].mean(),
                         "eval/win": self.win[e, m, idx].mean()})
        return h

    def subset(self, idx: list[int]) -> "Sweep":
        """The same methods restricted to settings `idx` (e.g. one learning rate of a multi-lr run)."""
        keys = {(t, s) for (_, t, s) in (self.settings[i] for i in idx)}
        return Sweep(self.methods, [self.settings[i] for i in idx], self.steps, self.reward[:, :, idx],
                     self.kl[:, :, idx], self.win[:, :, idx], self.probs_final[:, idx],
                     {k: v for k, v in self.p_hat.items() if k in keys}, self.runtime_s)

    def seed_list(self) -> list[int]:
        return sorted({s for _, _, s in self.settings})

    def per_seed(self, method: str, beta: float, temperature: float, metric: str) -> list[float]:
        """One final value per seed (seed order) of 'reward', 'kl', 'win' or 'reward_drop' (peak − final)."""
        m, out = self.methods.index(method), []
        for seed in self.seed_list():
            (j,) = [i for i in self.select(beta, temperature) if self.settings[i][2] == seed]
            if metric == "reward_drop":
                out.append(float(self.reward[:, m, j].max() - self.reward[-1, m, j]))
            else:
                out.append(float({"reward": self.reward, "kl": self.kl, "win": self.win}[metric][-1, m, j]))
        return out

    def best_win_within_kl(self, method: str, temperature: float, kl_max: float,
                           seed: int | None = None) -> float | None:
        """Matched-KL comparison: the best seed-averaged win rate over every β and evaluation step
        whose seed-averaged KL is ≤ kl_max (None if no point qualifies); with `seed`, that seed's alone."""
        m = self.methods.index(method)
        best = None
        for beta in sorted({b for b, _, _ in self.settings}):
            idx = [i for i in self.select(beta, temperature) if seed is None or self.settings[i][2] == seed]
            if not idx:
                continue
            kl, win = self.kl[:, m, idx].mean(1), self.win[:, m, idx].mean(1)
            ok = win[kl <= kl_max]
            if ok.size:
                best = max(best or 0.0, float(ok.max()))
        return best


class Optimizer:
    """Full-batch 'adam' (torch's defaults: betas 0.9/0.999, eps 1e-8) or plain 'sgd' (no momentum) on the
    logits [M, R, K], with one learning rate per setting r (lr: [R]), so several learning rates train in one
    pass. Written out rather than torch.optim so that lr can differ per setting; a test checks it step for
    step against torch.optim.Adam / SGD. Adam normalises each logit's step by its own gradient scale, so it
    largely undoes GDPO's (2p̂ − 1) factor; SGD keeps it."""

    def __init__(self, name: str, param: torch.Tensor, lr):
        if name not in ("adam", "sgd"):
            raise WorkbenchError(f"bandit optimizer {name!r}: choose 'adam' or 'sgd'")
        self.name, self.param, self.t = name, param, 0
        self.lr = torch.as_tensor(lr, dtype=param.dtype).reshape(1, -1, 1)      # [1, R, 1]: one lr per setting
        self.m, self.v = torch.zeros_like(param), torch.zeros_like(param)

    @torch.no_grad()
    def step(self, grad: torch.Tensor) -> None:
        self.t += 1
        if self.name == "sgd":
            self.param -= self.lr * grad
            return
        b1, b2, eps = 0.9, 0.999, 1e-8
        self.m.mul_(b1).add_(grad, alpha=1 - b1)
        self.v.mul_(b2).addcmul_(grad, grad, value=1 - b2)
        denom = (self.v / (1 - b2 ** self.t)).sqrt() + eps
        self.param -= self.lr / (1 - b1 ** self.t) * self.m / denom


def train(cfg, methods=None, settings=None, progress: Progress = no_progress, lrs=None) -> Sweep:
    """Train every method on every (β, T, seed) setting at once (full batch, Adam on logits).

    `progress(step, metrics)` gets seed-averaged `<method>/reward`, `<method>/win`, `<method>/kl`
    at the headline setting (cfg.bandit_beta, cfg.bandit_temperature), at step 0 and each evaluation.
    `lrs`: one learning rate per setting (default cfg.bandit_lr for all); the optimiser is cfg.bandit_optimizer."""
    threads = torch.get_num_threads()
    torch.set_num_threads(cfg.torch_threads)  # tiny tensors: extra threads only add overhead
    try:
        return _train(cfg, methods, settings, progress, lrs)
    finally:
        torch.set_num_threads(threads)


def _train(cfg, methods, settings, progress: Progress, lrs) -> Sweep:
    t0 = time.time()
    methods = list(methods or cfg.bandit_methods)
    parsed = [parse_method(m) for m in methods]
    if settings is None:
        settings = list(itertools.product(cfg.bandit_betas, cfg.bandit_temperatures, range(cfg.bandit_seeds)))
    k, n = cfg.bandit_actions, cfg.bandit_pairs
    mu, r = data_distribution(k), rewards(k)
    win_vec = torch.tensor(win_vector(r, mu))
    r_t, log_mu = torch.tensor(r), torch.log(torch.tensor(mu))

    data = {(t, s): make_pairs(k, n, t, cfg.bandit_label_noise, cfg.seed * 1000 + s)
            for t, s in {(t, s) for _, t, s in settings}}
    M, R = len(methods), len(settings)
    idx1, idx2 = np.zeros((M, R, n), np.int64), np.zeros((M, R, n), np.int64)
    label = np.zeros((M, R, n))
    for (m, (_, labels)), (j, (_, t, s)) in itertools.product(enumerate(parsed), enumerate(settings)):
        d = data[(t, s)]
        if labels == "soft":
            idx1[m, j], idx2[m, j], label[m, j] = d.a1, d.a2, d.p_hat
        else:  # one sampled rater: the winner becomes y₁, with a hard label
            keep = d.rater_prefers_1
            idx1[m, j], idx2[m, j], label[m, j] = np.where(keep, d.a1, d.a2), np.where(keep, d.a2, d.a1), 1.0
    idx1, idx2, label = torch.tensor(idx1), torch.tensor(idx2), torch.tensor(label)
    beta = torch.tensor([b for b, _, _ in settings], dtype=torch.float64)[:, None]          # [R, 1]
    ref1, ref2 = log_mu[idx1], log_mu[idx2]                                                  # [M, R, N]

    logits = log_mu.repeat(M, R, 1).clone().requires_grad_(True)                             # [M, R, K]
    lrs = [cfg.bandit_lr] * len(settings) if lrs is None else list(lrs)
    if len(lrs) != len(settings):
        raise WorkbenchError(f"bandit train: {len(lrs)} learning rates for {len(settings)} settings")
    opt = Optimizer(cfg.bandit_optimizer, logits, lrs)
    head = [j for j, (b, t, _) in enumerate(settings) if b == cfg.bandit_beta and t == cfg.bandit_temperature]
    steps, rew, kls, wins = [], [], [], []

    def evaluate(step: int) -> None:
        with torch.no_grad():
            logp = torch.log_softmax(logits, -1)
            p = logp.exp()
            rew.append((p @ r_t).numpy()), kls.append((p * (logp - log_mu)).sum(-1).numpy())
            wins.append((p @ win_vec).numpy()), steps.append(step)
        if head:
            metrics = {}
            for m, name in enumerate(methods):
                metrics |= {f"{name}/reward": float(rew[-1][m, head].mean()),
                            f"{name}/win": float(wins[-1][m, head].mean()),
                            f"{name}/kl": float(kls[-1][m, head].mean())}
            progress(step, metrics)

    evaluate(0)
    eval_steps = set(range(0, cfg.bandit_steps + 1, cfg.bandit_eval_every)) | {cfg.bandit_steps}
    if cfg.bandit_eval_log_points:
        eval_steps |= {int(s) for s in np.round(np.geomspace(1, cfg.bandit_steps, cfg.bandit_eval_log_points))}
    for step in range(1, cfg.bandit_steps + 1):
        logp = torch.log_softmax(logits, -1)
        h = (logp.gather(-1, idx1) - ref1) - (logp.gather(-1, idx2) - ref2)                  # [M, R, N]
        total = 0.0
        for m, (loss_type, _) in enumerate(parsed):
            terms = L.margin_loss(loss_type, h[m], label[m], beta, cfg.ropo_alpha, cfg.ropo_gamma)
            total = total + terms.mean(-1).sum()       # mean over pairs, sum over independent runs
        (grad,) = torch.autograd.grad(total, logits)
        opt.step(grad)
        if step in eval_steps:
            evaluate(step)
    with torch.no_grad():
        probs = torch.softmax(logits, -1).numpy()
    return Sweep(methods, settings, steps, np.array(rew), np.array(kls), np.array(wins), probs,
                 {key: d.p_hat for key, d in data.items()}, time.time() - t0)


def cdpo_target(k: int, beta: float, temperature: float) -> np.ndarray:
    """cDPO's optimum under exact Bradley–Terry labels: βh = Δr/T for every pair, i.e.
    π ∝ μ·exp(r/(βT)) (the paper's objective mismatch: it fits p̂ instead of maximising reward)."""
    logits = np.log(data_distribution(k)) + rewards(k) / (beta * temperature)
    p = np.exp(logits - logits.max())
    return p / p.sum()


def zero_gradient_check(beta: float = 1.0) -> dict[str, float]:
    """Exact check of the paper's p̂ = 0.5 property with autograd on the real losses: the largest
    |∂L/∂h| of any G-loss and the smallest of the base/conservative losses over h ∈ [−10, 10]."""
    h = torch.linspace(-10, 10, 401, dtype=torch.float64, requires_grad=True)
    geo, base = 0.0, float("inf")
    for lt in L.LOSS_TYPES:
        (g,) = torch.autograd.grad(L.margin_loss(lt, h, 0.5, beta).sum(), h)
        if lt in L.GEOMETRIC:
            geo = max(geo, float(g.abs().max()))
        else:
            base = min(base, float(g.abs().max()))
    return {"geo_grad_at_half_max": geo, "base_grad_at_half_min": base}
