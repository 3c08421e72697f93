"""Condition a trained GDT on each target and roll it out; Wasserstein-1 between target and rollout features.

    out = rollout_targets(cfg, run, data, targets, seed=0)   # xvel / reward [n_targets, R, T], W1 per rollout

Rollouts: all targets x `rollouts_per_target` runner episodes step together (one jitted, vmapped brax step
per control step); the GPT acts on the host from the last K steps. Conditioning at step t (`eval_cdt.py`,
`eval_bdt.py` of the official code, with BDT's time alignment fixed):
  DT : R_t = (target return - reward collected so far) / rtg_scale, the usual DT decrement;
  CDT: the target's own future histogram h_t of x-velocity (or reward), open loop;
  BDT: z for each context position from the encoder over the target's *next* states, aligned in time
       with the rollout (flipped along time only, as in training).
W1 (`w1_hist`) is the paper's metric: the 1-D earth mover's distance between two normalised 30-bin
histograms placed at the bin centres (scipy's `wasserstein_distance`, equal to the PyPI `wasserstein` EMD
the official code uses), in the feature's units (m/s for x-velocity).
"""
from __future__ import annotations

import numpy as np
import torch
from scipy.stats import wasserstein_distance

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


def rollout_targets(cfg, run, data: D.Episodes, targets: list, seed: int = 0, steps: int | None = None,
                    record: bool = False) -> dict:
    """Roll out `run.model` conditioned on each target (`rollouts_per_target` episodes each).

    Returns xvel, reward [n_targets, R, T] (numpy), the per-rollout W1 of x-velocity and of reward
    [n_targets, R], returns [n_targets, R]; with record=True also pos, rot [T+1, links, ...] of the first
    episode (for the offline viewer)."""
    import jax
    model, method = run.model.eval(), run.method
    R = cfg.rollouts_per_target
    T = int(min(steps or cfg.eval_steps, *(len(t.feature) for t in targets)))
    n = len(targets) * R
    env, reset, step = _env_fns(n)
    tix = np.repeat(np.arange(len(targets)), R)
    K, mean, std = cfg.context, data.state_mean, data.state_std
    # per-target conditioning, [n_targets, T, c]
    if method == "cdt":
        src = [t.feature if cfg.cond_feature == cfg.eval_feature else
               (t.rewards if cfg.cond_feature == "reward" else t.states[:-1, D.XVEL]) for t in targets]
        hist = np.stack([D.future_histograms(x[:T], data.edges, cfg.gamma) for x in src])
    if method == "bdt":
        tstates = np.stack([(t.states[: T + 1] - mean) / std for t in targets]).astype(np.float32)[tix]   # [n, T+1, S]
    target_return = np.array([t.rewards[:T].sum() for t in targets], np.float32)
    s = reset(jax.random.split(jax.random.PRNGKey(seed), n))
    states = np.zeros((n, T + 1, data.state_dim), np.float32)
    actions = np.zeros((n, T, data.act_dim), np.float32)
    rewards = np.zeros((n, T), np.float32)
    phis = np.zeros((n, T, model.cfg.cond_dim), np.float32)
    states[:, 0] = np.asarray(s.obs)
    pos, rot = ([np.asarray(s.pipeline_state.x.pos[0])], [np.asarray(s.pipeline_state.x.rot[0])]) if record else (None, None)
    torch.manual_seed(seed)
    with torch.no_grad():
        for t in range(T):
            lo = max(0, t - K + 1)
            ts = torch.arange(lo, t + 1).expand(n, -1)
            if method == "dt":
                phis[:, t, 0] = (target_return[tix] - rewards[:, :t].sum(1)) / cfg.rtg_scale
            elif method == "cdt":
                phis[:, t] = hist[tix, t]
            if method == "bdt":
                nxt = torch.as_tensor(tstates[:, lo + 1: t + 2])
                phi = model.encode(nxt, ts + 1)
            else:
                phi = torch.as_tensor(phis[:, lo: t + 1])
            st = torch.as_tensor((states[:, lo: t + 1] - mean) / std)
            act = torch.as_tensor(actions[:, lo: t + 1])        # slot t is zeros; the s_t token cannot see it
            a = model(phi, st, act, ts)[:, -1].numpy()
            s = step(s, jax.numpy.asarray(a))
            actions[:, t], rewards[:, t] = a, np.asarray(s.reward)
            states[:, t + 1] = np.asarray(s.obs)
            if record:
                pos.append(np.asarray(s.pipeline_state.x.pos[0]))
                rot.append(np.asarray(s.pipeline_state.x.rot[0]))
    xvel = states[:, :T, D.XVEL].reshape(len(targets), R, T)
    rew = rewards.reshape(len(targets), R, T)
    w1_x = np.array([[w1_samples(targets[i].feature[:T], xvel[i, r], data.edges) for r in range(R)]
                     for i in range(len(targets))])
    redges = reward_edges(data, cfg.num_bins)
    w1_r = np.array([[w1_samples(targets[i].rewards[:T], rew[i, r], redges) for r in range(R)]
                     for i in range(len(targets))])
    out = {"method": method, "targets": [t.name for t in targets], "kinds": [t.kind for t in targets],
           "xvel": xvel, "reward": rew, "w1_xvel": w1_x, "w1_reward": w1_r, "returns": rew.sum(-1),
           "target_returns": target_return, "steps": T}
    if record:
        out["pos"], out["rot"], out["env"] = np.stack(pos), np.stack(rot), env
    return out


def reward_edges(data: D.Episodes, num_bins: int) -> np.ndarray:
    return D.bin_edges(np.concatenate(data.rewards), num_bins)
