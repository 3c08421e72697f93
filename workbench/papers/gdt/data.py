"""GDT's offline data: roll the shipped policies into a dataset, split it, compute the hindsight features.

    ds = make_dataset(cfg)                  # cached .npz in the sim layer's offline format
    data = prepare(cfg, ds)                 # Episodes: train split, held-out targets, bins, normaliser
    batch = sample_batch(data, "cdt", 64, K, rng)

Protocol (`eval_cdt.py` of the official code): rank episodes by return, hold out the top `n_best` and
`n_median` around the median as targets, train on the rest. Bin edges (`num_bins` + 1 evenly spaced
values) span the feature's range over the *train* split only (the official code's range includes the
held-out targets, which leaks them into training); values outside are clipped into the end bins.

Features: x-velocity is observation index 8 (the root's forward slide velocity; D4RL's halfcheetah index),
taken at s_t for step t; reward is r_t.

Targets of three kinds: held-out episodes ("best", "median"), spliced episodes ("bimodal": a slow episode's
first half joined to a fast one's second half, an ordered schedule) and mixtures ("mixture": the histogram of
a slow and a fast train episode pooled, with no order in time and shown by no single demonstration).

BDT's condition at step t is the K next states s_{t+1..t+K} (`future_windows`); states past the episode's
end repeat its last state, as the official one-shot evaluation clamps the demonstration's time at its end.
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from workbench import WorkbenchError
from workbench.paths import DATA_DIR as _DATA

XVEL = 8            # observation index of the forward velocity (runner and D4RL halfcheetah)


def policy_files(cfg) -> list[Path]:
    """The shipped policies named by data/gdt/manifest.json (checkpoints first, then speed policies)."""
    folder = _DATA / "gdt"
    manifest = folder / "manifest.json"
    if not manifest.is_file():
        raise WorkbenchError(f"{manifest}: missing; run `python -m workbench.papers.gdt.make_data` once")
    files = [folder / f["file"] for f in json.loads(manifest.read_text())["files"]]
    if cfg.max_policies:
        idx = np.unique(np.linspace(0, len(files) - 1, cfg.max_policies).round().astype(int))
        files = [files[i] for i in idx]
    return files


def make_dataset(cfg, progress=lambda i, n: None):
    """Roll out every shipped policy for `episodes_per_policy` stochastic episodes of `episode_length`
    steps and store them in the sim layer's format (cached by these settings under WORKBENCH_CACHE).
    Policies act stochastically (PPO's Gaussian), which spreads each checkpoint's behaviour."""
    from workbench import cache
    from workbench.sim import datasets
    files = policy_files(cfg)
    # content digests: a retrained policy file keeps its name and often its size
    key = {"files": [(f.name, hashlib.sha1(f.read_bytes()).hexdigest()[:16]) for f in files],
           "episodes": cfg.episodes_per_policy,
           "length": cfg.episode_length, "seed": cfg.data_seed, "v": 1}
    path = cache.path_for("gdt/dataset", key, suffix=".npz")
    if path.exists():
        return datasets.load(path)
    from workbench.sim import harness, rollouts
    eps, env, apply = [], None, None
    for i, f in enumerate(files):
        pol = harness.load_policy(f)
        if env is None:   # every policy shares the runner's observation and network shape: one compilation
            env, apply = pol.env, rollouts.ppo_apply(pol.env, pol.cfg, deterministic=False)
        ep = rollouts.collect(env, apply, cfg.episodes_per_policy, cfg.episode_length, seed=cfg.data_seed + i,
                              params=pol.params, policy_key=("gdt_data", pol.cfg))
        ep["states"] = {}                                   # per-part states are not needed here
        ep["infos"] = {"policy": np.full(ep["actions"].shape[:2], i, np.int32)}
        eps += datasets.episodes_from_rollout(ep)
        progress(i + 1, len(files))
    datasets.save(path, eps, meta={"env": "runner_run", "policies": [f.name for f in files],
                                   "script": "workbench.papers.gdt.data.make_dataset", **key})
    return datasets.load(path)


def load_dataset(path):
    """A dataset file in the sim layer's format, checked for what GDT needs (one line on a bad file)."""
    from workbench.sim import datasets
    ds = datasets.load(path)
    eps = ds.episodes()
    if not eps:
        raise WorkbenchError(f"{path}: no episodes")
    e = eps[0]
    if e["observations"].ndim != 2 or e["observations"].shape[1] <= XVEL:
        raise WorkbenchError(f"{path}: observations must be [T+1, d] with d > {XVEL} (x-velocity index)")
    return ds


# ---- features and histograms --------------------------------------------------------------------------

def feature(ep: dict, name: str) -> np.ndarray:
    """Phi_t for t < T: 'xvel' = obs[t, 8], 'reward' = r_t."""
    if name == "xvel":
        return np.asarray(ep["observations"][:-1, XVEL], np.float32)
    if name == "reward":
        return np.asarray(ep["rewards"], np.float32)
    raise WorkbenchError(f"unknown feature {name!r}; known: xvel, reward")


def bin_edges(values: np.ndarray, num_bins: int) -> np.ndarray:
    """num_bins + 1 evenly spaced edges from min to max (CDT: 31 edges -> 30 bins)."""
    lo, hi = float(np.min(values)), float(np.max(values))
    if hi <= lo:
        hi = lo + 1e-6
    return np.linspace(lo, hi, num_bins + 1)


def bin_index(x: np.ndarray, edges: np.ndarray) -> np.ndarray:
    """Bin of each value; values outside [edges[0], edges[-1]] go to the end bins."""
    return np.clip(np.searchsorted(edges, x, side="right") - 1, 0, len(edges) - 2)


def future_histograms(x: np.ndarray, edges: np.ndarray, gamma: float = 1.0) -> np.ndarray:
    """CDT's anti-causal binning: h_t = normalised histogram of {x_t' : t' >= t}, [T, num_bins].

    With gamma < 1 the count of x_t' is weighted gamma^(t' - t) (the official `gamma`); rows sum to 1."""
    onehot = np.eye(len(edges) - 1, dtype=np.float64)[bin_index(x, edges)]
    out = np.zeros_like(onehot)
    acc = np.zeros(onehot.shape[1])
    for t in range(len(x) - 1, -1, -1):      # reversed running count
        acc = onehot[t] + gamma * acc
        out[t] = acc
    return (out / out.sum(1, keepdims=True)).astype(np.float32)


def histogram(x: np.ndarray, edges: np.ndarray) -> np.ndarray:
    """Normalised histogram of x over the bins (clipped into the end bins)."""
    return np.bincount(bin_index(np.asarray(x), edges), minlength=len(edges) - 1).astype(np.float64) / max(1, len(x))


def returns_to_go(r: np.ndarray) -> np.ndarray:
    """R_t = sum_{t' >= t} r_t' (gamma = 1, DT)."""
    return np.cumsum(r[::-1])[::-1].astype(np.float32)


# ---- split and targets --------------------------------------------------------------------------------

@dataclass
class Target:
    """A target behaviour. Ordered targets (best, median, bimodal) are one step sequence; a mixture is the
    pooled steps of `parts` episodes of equal length, in no order (no states: nothing to imitate step by step)."""
    name: str                 # best0..4, median0..4, bimodal0..1, mixture0..1
    kind: str                 # best | median | bimodal | mixture
    states: np.ndarray | None  # [T+1, S] raw states of the demonstration (bimodal: the two halves joined; mixture: None)
    feature: np.ndarray       # [T] Phi sequence (eval feature); mixture: the parts' sequences concatenated [parts * T]
    rewards: np.ndarray       # [T] (mixture: concatenated like feature)
    parts: int = 1            # mixture: how many episodes are pooled
    cond: np.ndarray | None = None   # the conditioning feature when it differs from `feature` (same layout)

    @property
    def ordered(self) -> bool:
        return self.kind != "mixture"

    @property
    def length(self) -> int:
        """Steps of one rollout that this target describes."""
        return len(self.feature) // self.parts

    def values(self, T: int, which: str = "feature") -> np.ndarray:
        """The target's sample of a feature over T rollout steps: the first T steps of an ordered target;
        the first T steps of every part of a mixture, pooled (so its histogram is the parts' mixture)."""
        x = {"feature": self.feature, "rewards": self.rewards,
             "cond": self.feature if self.cond is None else self.cond}[which]
        n = len(x) // self.parts
        return np.concatenate([x[k * n: k * n + T] for k in range(self.parts)])

    def ret_over(self, T: int) -> float:
        """Return over T steps (a mixture: the mean over its parts)."""
        return float(self.values(T, "rewards").sum()) / self.parts

    @property
    def ret(self) -> float:
        return self.ret_over(self.length)


@dataclass
class Episodes:
    """The train split as aligned arrays, and the held-out targets."""
    states: list              # per episode [T+1, S] raw
    actions: list             # [T, A]
    rewards: list             # [T]
    xvel: list                # [T]
    returns: np.ndarray       # [N]
    targets: list             # [Target]
    edges: np.ndarray         # [num_bins + 1] over the train split's feature
    state_mean: np.ndarray
    state_std: np.ndarray
    cond_feature: str

    @property
    def state_dim(self) -> int:
        return self.states[0].shape[1]

    @property
    def act_dim(self) -> int:
        return self.actions[0].shape[1]

    def target(self, name: str) -> Target:
        names = [t.name for t in self.targets]
        if name not in names:
            raise WorkbenchError(f"unknown target {name!r}; known: {', '.join(names)}")
        return self.targets[names.index(name)]


def prepare(cfg, ds) -> Episodes:
    """Split by return (top n_best and n_median around the median held out), add the synthetic targets from
    train episodes at the `bimodal_slow` / `bimodal_fast` quantiles of mean speed: "bimodal" (the slow one's
    first half joined to the fast one's second half) and "mixture" (both whole, pooled), and fix bins and the
    state normaliser on the train split."""
    eps = [e for e in ds.episodes() if len(e["actions"]) >= cfg.context + 1]
    if len(eps) < cfg.n_best + cfg.n_median + 2:
        raise WorkbenchError(f"dataset has {len(eps)} usable episodes; need more than n_best + n_median + 1")
    rets = np.array([float(np.sum(e["rewards"])) for e in eps])
    order = np.argsort(-rets)
    best = list(order[: cfg.n_best])
    mid = len(order) // 2
    median = list(order[mid - cfg.n_median // 2: mid - cfg.n_median // 2 + cfg.n_median])
    held = set(best) | set(median)
    train = [i for i in range(len(eps)) if i not in held]

    def tgt(name, kind, e):
        return Target(name, kind, np.asarray(e["observations"], np.float32), feature(e, cfg.eval_feature),
                      np.asarray(e["rewards"], np.float32))

    targets = [tgt(f"best{k}", "best", eps[i]) for k, i in enumerate(best)]
    targets += [tgt(f"median{k}", "median", eps[i]) for k, i in enumerate(median)]
    speed = np.array([feature(eps[i], "xvel").mean() for i in train])
    by_speed = [train[j] for j in np.argsort(speed)]
    for k, (q_slow, q_fast) in enumerate(zip(cfg.bimodal_slow, cfg.bimodal_fast)):
        slow = eps[by_speed[int(q_slow * (len(by_speed) - 1))]]
        fast = eps[by_speed[int(q_fast * (len(by_speed) - 1))]]
        T = min(len(slow["actions"]), len(fast["actions"]))
        h = T // 2
        # the state sequence is spliced too, for BDT's one-shot window (a jump at the seam, like a new demo)
        st = np.concatenate([slow["observations"][:h], fast["observations"][h:T + 1]], 0).astype(np.float32)
        targets.append(Target(f"bimodal{k}", "bimodal", st,
                              np.concatenate([feature(slow, cfg.eval_feature)[:h], feature(fast, cfg.eval_feature)[h:T]]),
                              np.concatenate([slow["rewards"][:h], fast["rewards"][h:T]]).astype(np.float32),
                              cond=np.concatenate([feature(slow, cfg.cond_feature)[:h], feature(fast, cfg.cond_feature)[h:T]])))
    for k, (q_slow, q_fast) in enumerate(zip(cfg.bimodal_slow, cfg.bimodal_fast)):
        # the same two behaviours pooled whole: a two-mode histogram with no order in time
        slow = eps[by_speed[int(q_slow * (len(by_speed) - 1))]]
        fast = eps[by_speed[int(q_fast * (len(by_speed) - 1))]]
        T = min(len(slow["actions"]), len(fast["actions"]))
        targets.append(Target(f"mixture{k}", "mixture", None,
                              np.concatenate([feature(slow, cfg.eval_feature)[:T], feature(fast, cfg.eval_feature)[:T]]),
                              np.concatenate([slow["rewards"][:T], fast["rewards"][:T]]).astype(np.float32), parts=2,
                              cond=np.concatenate([feature(slow, cfg.cond_feature)[:T], feature(fast, cfg.cond_feature)[:T]])))
    for t, i in zip(targets, best + median):
        t.cond = feature(eps[i], cfg.cond_feature)
    S = np.concatenate([eps[i]["observations"] for i in train], 0)
    return Episodes(states=[np.asarray(eps[i]["observations"], np.float32) for i in train],
                    actions=[np.clip(np.asarray(eps[i]["actions"], np.float32), -1, 1) for i in train],
                    rewards=[np.asarray(eps[i]["rewards"], np.float32) for i in train],
                    xvel=[feature(eps[i], "xvel") for i in train], returns=rets[train], targets=targets,
                    edges=bin_edges(np.concatenate([feature(eps[i], cfg.cond_feature) for i in train]), cfg.num_bins),
                    state_mean=S.mean(0).astype(np.float32), state_std=(S.std(0) + 1e-6).astype(np.float32),
                    cond_feature=cfg.cond_feature)


def future_sums(x: np.ndarray, scale: float) -> np.ndarray:
    """The feature-sum DT's condition: sum_{t' >= t} x_t' / scale, [T] (the official `deterministic`
    distribution: the anti-causal sum of the feature, divided by max_ep_len)."""
    return (np.cumsum(x[::-1])[::-1] / scale).astype(np.float32)


def future_index(start: int, K: int, last: int) -> np.ndarray:
    """Indices of BDT's condition windows for the K positions start..start+K-1: row j holds the K next steps
    start+j+1 .. start+j+K, clamped to `last` (the episode's final state), [K, K]."""
    return np.minimum(start + 1 + np.arange(K)[:, None] + np.arange(K)[None, :], last)


def conditions(data: Episodes, method: str, cfg) -> list:
    """Per train episode, phi for every step: DT [T, 1] RTG / rtg_scale; CDT [T, num_bins]; feature-sum DT
    (fdt) [T, 1] the future sum of the conditioning feature / feature_scale; BDT none (its phi comes from the
    encoder over the future window)."""
    src = data.xvel if cfg.cond_feature == "xvel" else data.rewards
    if method == "dt":
        return [returns_to_go(r)[:, None] / cfg.rtg_scale for r in data.rewards]
    if method == "cdt":
        return [future_histograms(x, data.edges, cfg.gamma) for x in src]
    if method == "fdt":
        return [future_sums(x, cfg.feature_scale)[:, None] for x in src]
    return [None] * len(data.rewards)


def sample_batch(data: Episodes, conds: list, batch: int, K: int, rng: np.random.Generator) -> dict:
    """Windows of K steps fully inside an episode (uniform over start positions): numpy arrays
    states [B, K, S] (normalised), actions [B, K, A], timesteps [B, K], and either phi [B, K, c] (DT, CDT,
    feature-sum DT) or BDT's future windows: future_states [B, K, K, S] (row j: the K states after step j,
    normalised, clamped at the episode's end) and future_timesteps [B, K, K]."""
    lens = np.array([len(a) for a in data.actions])
    ep = rng.choice(len(lens), batch, p=(lens - K + 1) / (lens - K + 1).sum())
    start = (rng.random(batch) * (lens[ep] - K + 1)).astype(int)
    out = {k: [] for k in ("states", "actions", "timesteps", "future_states", "future_timesteps", "phi")}
    for e, s in zip(ep, start):
        st = (data.states[e] - data.state_mean) / data.state_std
        out["states"].append(st[s: s + K])
        out["actions"].append(data.actions[e][s: s + K])
        out["timesteps"].append(np.arange(s, s + K))
        if conds[e] is not None:
            out["phi"].append(conds[e][s: s + K])
        else:
            idx = future_index(s, K, lens[e])
            out["future_states"].append(st[idx])
            out["future_timesteps"].append(idx)
    return {k: np.stack(v) for k, v in out.items() if v}
