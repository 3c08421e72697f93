"""Offline datasets of episodes and transitions, with the D4RL / Minari field names.

    ep = rollouts.collect(env, policy, episodes=64, steps=300)
    save(path, ep, meta={"env": env.desc, "policy": "ppo expert, seed 0"})   # one .npz file
    ds = load(path)
    for e in ds.episodes(): ...           # Minari layout: observations [T+1, d], actions [T, a], rewards,
                                          # terminations, truncations [T], infos {k: [T] or [T+1, ...]}
    flat = ds.transitions()               # D4RL layout: observations, next_observations, actions, rewards,
                                          # terminals, timeouts [N, ...] (+ infos)

Storage: npz (numpy only, one file a dataset); HDF5 files from Minari (`main_data.hdf5`: one group per
episode) or D4RL (flat arrays) are read by `load_minari_hdf5` / `load_d4rl_hdf5` (h5py).
In the file, episodes are concatenated: `observations` holds sum(T_i + 1) rows and every per-step array
sum(T_i) rows; `episode_lengths` gives T_i. Per-part states (`states/*`, for re-tokenising later as MxT
does) and task infos (`infos/*`) follow the same layout; a JSON header (`meta`) holds the format
version and whatever the writer passes (env description, policy, script).
"""
from __future__ import annotations

import io
import json
from pathlib import Path

import numpy as np

from workbench import WorkbenchError

FORMAT, VERSION = "workbench.sim.dataset", 1


def episodes_from_rollout(ep: dict) -> list[dict]:
    """Split a `rollouts.collect` result ([T, n, ...], with padding after each end) into n episodes."""
    lengths = ep["valid"].sum(0)
    out = []
    for i, L in enumerate(lengths):
        L = int(L)
        e = {"observations": ep["observations"][: L + 1, i], "actions": ep["actions"][:L, i],
             "rewards": ep["rewards"][:L, i], "terminations": ep["terminations"][:L, i],
             "truncations": ep["truncations"][:L, i],
             "infos": {k: v[: (L + 1 if v.shape[0] == ep["observations"].shape[0] else L), i]
                       for k, v in ep.get("infos", {}).items()},
             "states": {k: v[: L + 1, i] for k, v in ep.get("states", {}).items()}}
        out.append(e)
    return out


def save(path, episodes: dict | list[dict], meta: dict | None = None) -> Path:
    """Write episodes (a collect() result or a list of episode dicts) to one .npz file, atomically."""
    from workbench.cache import atomic_write_bytes
    eps = episodes_from_rollout(episodes) if isinstance(episodes, dict) else list(episodes)
    if not eps:
        raise WorkbenchError("datasets.save: no episodes to write")
    arrays = {"episode_lengths": np.array([len(e["actions"]) for e in eps], np.int64)}
    for k in ("observations", "actions", "rewards", "terminations", "truncations"):
        arrays[k] = np.concatenate([np.asarray(e[k]) for e in eps], 0)
    for group in ("infos", "states"):
        for k in eps[0].get(group, {}):
            arrays[f"{group}/{k}"] = np.concatenate([np.asarray(e[group][k]) for e in eps], 0)
    header = {"format": FORMAT, "version": VERSION, **(meta or {})}
    arrays["meta"] = np.frombuffer(json.dumps(header, default=list).encode(), np.uint8)
    buf = io.BytesIO()
    np.savez_compressed(buf, **arrays)
    atomic_write_bytes(path, buf.getvalue())
    return Path(path)


class Dataset:
    """Episodes in memory: `.episodes()` (Minari layout), `.transitions()` (D4RL layout), `.meta`."""

    def __init__(self, eps: list[dict], meta: dict):
        self._eps, self.meta = eps, meta

    def __len__(self) -> int:
        return len(self._eps)

    def episodes(self) -> list[dict]:
        return self._eps

    @property
    def num_steps(self) -> int:
        return int(sum(len(e["actions"]) for e in self._eps))

    def transitions(self) -> dict[str, np.ndarray]:
        """(s, a, r, s', terminal, timeout) rows over all episodes, D4RL's names; per-step infos alongside."""
        cat = lambda xs: np.concatenate(xs, 0)
        out = {"observations": cat([e["observations"][:-1] for e in self._eps]),
               "next_observations": cat([e["observations"][1:] for e in self._eps]),
               "actions": cat([e["actions"] for e in self._eps]),
               "rewards": cat([e["rewards"] for e in self._eps]),
               "terminals": cat([e["terminations"] for e in self._eps]).astype(bool),
               "timeouts": cat([e["truncations"] for e in self._eps]).astype(bool)}
        for k, v in self._eps[0].get("infos", {}).items():
            steps = len(self._eps[0]["actions"])
            if len(v) == steps:
                out[f"infos/{k}"] = cat([e["infos"][k] for e in self._eps])
        return out


def load(path) -> Dataset:
    """Read a `save` file; a missing or foreign file is a one-line error."""
    try:
        with np.load(path) as z:
            meta = json.loads(bytes(z["meta"]).decode())
            data = {k: z[k] for k in z.files if k != "meta"}
    except (OSError, KeyError, ValueError) as e:
        raise WorkbenchError(f"{path}: not a workbench dataset ({e})") from None
    if meta.get("format") != FORMAT or int(meta.get("version", 0)) > VERSION:
        raise WorkbenchError(f"{path}: format {meta.get('format')} v{meta.get('version')} is not {FORMAT} <= v{VERSION}")
    lengths = data.pop("episode_lengths")
    obs_rows = data["observations"].shape[0]
    eps, o, s = [], 0, 0
    for L in lengths:
        L = int(L)
        e: dict = {"infos": {}, "states": {}}
        for k, v in data.items():
            per_obs = v.shape[0] == obs_rows   # sum(T_i + 1) rows; per-step arrays have sum(T_i)
            chunk = v[o: o + L + 1] if per_obs else v[s: s + L]
            if "/" in k:
                group, name = k.split("/", 1)
                e[group][name] = chunk
            else:
                e[k] = chunk
        eps.append(e)
        o, s = o + L + 1, s + L
    return Dataset(eps, meta)


# ---- foreign HDF5 files --------------------------------------------------------------------------------------

def _open_hdf5(path):
    """An open h5py.File, or one line naming the file when it is missing, a folder or not HDF5."""
    import h5py  # imported on use: reading the layer's own .npz files needs only numpy
    path = Path(path)
    if not path.is_file():
        raise WorkbenchError(f"{path}: {'is a folder' if path.is_dir() else 'no such file'}; expected an HDF5 file")
    try:
        return h5py.File(path, "r")
    except OSError as e:
        raise WorkbenchError(f"{path}: not a readable HDF5 file ({str(e).split('(')[-1].rstrip(')')})") from None


def _read_group(g) -> dict:
    out = {}
    for k, v in g.items():
        out[k] = _read_group(v) if hasattr(v, "keys") else np.asarray(v)
    return out


def load_minari_hdf5(path) -> Dataset:
    """A Minari dataset file (`main_data.hdf5`): groups `episode_<i>` with observations [T+1, ...],
    actions, rewards, terminations, truncations [T] and an `infos` group. Dict observations are kept as dicts."""
    with _open_hdf5(path) as f:
        names = sorted((k for k in f.keys() if k.startswith("episode_")), key=lambda k: int(k.split("_")[1]))
        if not names:
            raise WorkbenchError(f"{path}: no 'episode_<i>' groups: not a Minari file")
        eps = []
        for name in names:
            g = _read_group(f[name])
            missing = {"observations", "actions", "rewards", "terminations", "truncations"} - set(g)
            if missing:
                raise WorkbenchError(f"{path}: {name} lacks {sorted(missing)}")
            g.setdefault("infos", {})
            g["states"] = {}
            eps.append(g)
        meta = {k: (v.decode() if isinstance(v, bytes) else np.asarray(v).tolist()) for k, v in f.attrs.items()}
    return Dataset(eps, {"source": "minari", **meta})


def load_d4rl_hdf5(path) -> Dataset:
    """A D4RL file: flat observations, actions, rewards, terminals, timeouts [N, ...] (+ infos/*), split into
    episodes at terminals or timeouts. D4RL stores no final observation, so each episode's last
    observation is its last `next_observations` row when present, else a copy of the last observation."""
    with _open_hdf5(path) as f:
        d = _read_group(f)
    missing = {"observations", "actions", "rewards", "terminals", "timeouts"} - set(d)
    if missing:
        raise WorkbenchError(f"{path}: lacks {sorted(missing)}: not a D4RL file")
    ends = np.where(np.asarray(d["terminals"], bool) | np.asarray(d["timeouts"], bool))[0]
    n = len(d["rewards"])
    if not len(ends) or ends[-1] != n - 1:
        ends = np.append(ends, n - 1)                 # an unfinished last episode counts as truncated
    eps, start = [], 0
    for end in ends:
        sl = slice(start, end + 1)
        last = d["next_observations"][end] if "next_observations" in d else d["observations"][end]
        trunc = np.asarray(d["timeouts"][sl], bool).copy()
        if end == n - 1 and not (d["terminals"][end] or d["timeouts"][end]):
            trunc[-1] = True
        eps.append({"observations": np.concatenate([d["observations"][sl], last[None]], 0),
                    "actions": d["actions"][sl], "rewards": d["rewards"][sl],
                    "terminations": np.asarray(d["terminals"][sl], bool), "truncations": trunc,
                    "infos": {k: v[sl] for k, v in d.get("infos", {}).items()}, "states": {}})
        start = end + 1
    return Dataset(eps, {"source": "d4rl"})
