"""Condition a trained GDT on each target and roll it out; Wasserstein-1 between target and rollout features.

    out = rollout_targets(cfg, run, data, targets, seed=0)   # xvel / reward [n_targets, R, T], W1 per rollout and pooled

Rollouts: all targets x `rollouts_per_target` runner episodes step together (one jitted, vmapped brax step
per control step); the GPT acts on the host from the last K steps. Conditioning at step t (`eval_cdt.py`,
`eval_bdt.py` of the official code):
  DT : R_t = (target return - reward collected so far) / rtg_scale, the usual DT decrement;
  feature-sum DT: the target's own future feature sum from t / feature_scale, open loop (`deterministic`);
  CDT: the target's own future histogram h_t of x-velocity (or reward), open loop;
  BDT: z_t from the encoder over the target's K next states s_{t+1..t+K} (clamped at its end), for every
       context position t (`bdt_conditions`, computed once per target).
A mixture target has no order in time. Its CDT condition is closed loop: the part of the target histogram
not yet matched, h_t = max(T p - n_t, 0) normalised, with n_t the rollout's own bin counts so far; its
feature-sum condition is the target's mean times the steps left (its DT condition is the usual decrement).
BDT has nothing to imitate there and is not run on mixtures.

W1 (`w1_hist`) is the paper's metric: the 1-D earth mover's distance between two normalised 30-bin
histograms placed at the bin centres (scipy's `wasserstein_distance`, equal to the PyPI `wasserstein` EMD
the official code uses), in the feature's units (m/s for x-velocity). Two aggregates: per rollout (one
rollout's histogram against the target's; the claims' `w1_*`) and pooled (every rollout of a target in
one histogram, as the official evaluation does; `pw1_*`).
"""
from __future__ import annotations

import numpy as np
import torch
from scipy.stats import wasserstein_distance

from workbench import WorkbenchError
from workbench.papers.gdt import data as D


def w1_hist(p: np.ndarray, q: np.ndarray, edges: np.ndarray) -> float:
    """W1 between two histograms over the same bins, mass at the bin centres."""
    centres = 0.5 * (edges[1:] + edges[:-1])
    return float(wasserstein_distance(centres, centres, p, q))


def w1_samples(x: np.ndarray, y: np.ndarray, edges: np.ndarray) -> float:
    """W1 between the binned distributions of two samples."""
    return w1_hist(D.histogram(x, edges), D.histogram(y, edges), edges)


_ENV: dict = {}


def runner_env():
    """The runner environment (built once per process)."""
    if "env" not in _ENV:
        from workbench.sim.env import build_env
        _ENV["env"] = build_env("runner_run")
    return _ENV["env"]


def _env_fns(n: int):
    """Jitted, vmapped reset and step of the runner for n parallel episodes."""
    if n not in _ENV:
        import jax
        env = runner_env()
        _ENV[n] = (env, jax.jit(jax.vmap(env.reset)), jax.jit(jax.vmap(env.step)))
    return _ENV[n]


def bdt_conditions(model, data: D.Episodes, targets: list, T: int, K: int, chunk: int = 2048) -> np.ndarray:
    """z_t for t < T of each target from its K next states (normalised, clamped at the demonstration's last
    state), [n_targets, T, z_dim]: the same window that `data.sample_batch` gives a training position."""
    rows = []
    for tg in targets:
        if tg.states is None:
            raise WorkbenchError(f"target {tg.name}: a {tg.kind} target has no states for BDT to imitate")
        norm = ((tg.states - data.state_mean) / data.state_std).astype(np.float32)
        idx = np.minimum(np.arange(T)[:, None] + 1 + np.arange(K)[None, :], len(norm) - 1)   # [T, K]
        with torch.no_grad():
            z = [model.encoder(torch.as_tensor(norm[idx[i: i + chunk]]), torch.as_tensor(idx[i: i + chunk]))
                 for i in range(0, T, chunk)]
        rows.append(torch.cat(z).numpy())
    return np.stack(rows)


def remaining_histogram(target_p: np.ndarray, counts: np.ndarray, steps_left: int) -> np.ndarray:
    """A mixture's closed-loop CDT condition: the target mass over T steps not yet matched by the rollout's
    bin counts, max(T p - counts, 0), normalised; the target itself once nothing is left. [n, bins]."""
    T = counts.sum(1, keepdims=True) + steps_left
    left = np.clip(T * target_p - counts, 0.0, None)
    tot = left.sum(1, keepdims=True)
    return np.where(tot > 1e-9, left / np.maximum(tot, 1e-12), target_p).astype(np.float32)


def rollout_targets(cfg, run, data: D.Episodes, targets: list, seed: int = 0, steps: int | None = None,
                    record: bool = False) -> dict:
    """Roll out `run.model` conditioned on each target (`rollouts_per_target` episodes each).

    Returns xvel, reward [n_targets, R, T] (numpy), the per-rollout W1 of x-velocity and of reward
    [n_targets, R], the pooled W1 (all R rollouts of a target in one histogram) [n_targets], returns
    [n_targets, R]; with record=True also pos, rot [T+1, links, ...] of the first episode (for the offline
    viewer)."""
    import jax
    model, method = run.model.eval(), run.method
    R = cfg.rollouts_per_target
    T = int(min(steps or cfg.eval_steps, *(t.length for t in targets)))
    n = len(targets) * R
    env, reset, step = _env_fns(n)
    tix = np.repeat(np.arange(len(targets)), R)
    K, mean, std = cfg.context, data.state_mean, data.state_std
    ordered = np.array([t.ordered for t in targets])[tix]
    cond_edges = data.edges
    # per-target conditioning: ordered targets from their own sequence [n_targets, T, c]; mixtures in the loop
    if method == "cdt":
        hist = np.stack([D.future_histograms(t.values(T, "cond"), cond_edges, cfg.gamma) if t.ordered else
                         np.zeros((T, len(cond_edges) - 1), np.float32) for t in targets])
        target_p = np.stack([D.histogram(t.values(T, "cond"), cond_edges) for t in targets])[tix]
    if method == "fdt":
        sums = np.stack([D.future_sums(t.values(T, "cond"), cfg.feature_scale) if t.ordered else
                         (T - np.arange(T)) * t.values(T, "cond").mean() / cfg.feature_scale for t in targets])
    if method == "bdt":
        zs = bdt_conditions(model, data, targets, T, K)[tix]                    # [n, T, z]
    target_return = np.array([t.ret_over(T) for t in targets], np.float32)
    s = reset(jax.random.split(jax.random.PRNGKey(seed), n))
    states = np.zeros((n, T + 1, data.state_dim), np.float32)
    actions = np.zeros((n, T, data.act_dim), np.float32)
    rewards = np.zeros((n, T), np.float32)
    phis = np.zeros((n, T, model.cfg.cond_dim), np.float32)
    counts = np.zeros((n, len(cond_edges) - 1))
    states[:, 0] = np.asarray(s.obs)
    pos, rot = ([np.asarray(s.pipeline_state.x.pos[0])], [np.asarray(s.pipeline_state.x.rot[0])]) if record else (None, None)
    torch.manual_seed(seed)
    with torch.no_grad():
        for t in range(T):
            lo = max(0, t - K + 1)
            ts = torch.arange(lo, t + 1).expand(n, -1)
            if method == "dt":
                phis[:, t, 0] = (target_return[tix] - rewards[:, :t].sum(1)) / cfg.rtg_scale
            elif method == "fdt":
                phis[:, t, 0] = sums[tix, t]
            elif method == "cdt":
                phis[:, t] = np.where(ordered[:, None], hist[tix, t], remaining_histogram(target_p, counts, T - t))
            elif method == "bdt":
                phis[:, t] = zs[:, t]
            phi = torch.as_tensor(phis[:, lo: t + 1])
            st = torch.as_tensor((states[:, lo: t + 1] - mean) / std)
            act = torch.as_tensor(actions[:, lo: t + 1])        # slot t is zeros; the s_t token cannot see it
            a = model(phi, st, act, ts)[:, -1].numpy()
            x_t = states[:, t, D.XVEL] if cfg.cond_feature == "xvel" else None
            s = step(s, jax.numpy.asarray(a))
            actions[:, t], rewards[:, t] = a, np.asarray(s.reward)
            states[:, t + 1] = np.asarray(s.obs)
            # the rollout's own conditioning feature at step t (x-velocity of s_t, or r_t), counted for mixtures
            counts[np.arange(n), D.bin_index(x_t if x_t is not None else rewards[:, t], cond_edges)] += 1
            if record:
                pos.append(np.asarray(s.pipeline_state.x.pos[0]))
                rot.append(np.asarray(s.pipeline_state.x.rot[0]))
    xvel = states[:, :T, D.XVEL].reshape(len(targets), R, T)
    rew = rewards.reshape(len(targets), R, T)
    redges = reward_edges(data, cfg.num_bins)
    per_rollout, pooled = {}, {}
    for key, x, which, edges in (("xvel", xvel, "feature", data.edges), ("reward", rew, "rewards", redges)):
        tv = [t.values(T, which) for t in targets]
        per_rollout[key] = np.array([[w1_samples(tv[i], x[i, r], edges) for r in range(R)] for i in range(len(targets))])
        pooled[key] = np.array([w1_samples(tv[i], x[i].ravel(), edges) for i in range(len(targets))])
    out = {"method": method, "targets": [t.name for t in targets], "kinds": [t.kind for t in targets],
           "xvel": xvel, "reward": rew, "w1_xvel": per_rollout["xvel"], "w1_reward": per_rollout["reward"],
           "pw1_xvel": pooled["xvel"], "pw1_reward": pooled["reward"], "returns": rew.sum(-1),
           "target_returns": target_return, "steps": T}
    if record:
        out["pos"], out["rot"], out["env"] = np.stack(pos), np.stack(rot), env
    return out


def reward_edges(data: D.Episodes, num_bins: int) -> np.ndarray:
    return D.bin_edges(np.concatenate(data.rewards), num_bins)
