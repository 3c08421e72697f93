"""Episodes written and read per second: workbench.sim.episodes against a plain Parquet writer/reader of the
same frames (one pyarrow table, one file, no schema checks, no metadata, no per-episode access).

    PYTHONPATH=. python benchmarks/rtx_episodes.py [--episodes 1000] [--steps 60] [--rounds 3]

Frames look like an RT-X-mini robot's: 7 joint angles, ee, cube, target (3 each), gripper, a 4-D action
and the RLDS flags. Write = EpisodeWriter.add_episode per episode + close (validation, stats, JSON meta,
atomic files) vs pq.write_table of the concatenated frames; read = every episode through
EpisodeDataset[i] vs pq.read_table + numpy slices per episode. Each side's best of `--rounds`, the two
alternating so a load spike hits both. Goal: within 3x of plain Parquet on write and read.
"""
from __future__ import annotations

import argparse
import shutil
import tempfile
import time
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from workbench.sim import episodes as E

FEATURES = {"observation.joint_pos": ("float32", (7,)), "observation.ee": ("float32", (3,)),
            "observation.cube": ("float32", (3,)), "observation.target": ("float32", (3,)),
            "observation.gripper": ("float32", ()), "action": ("float32", (4,))}


def make_episodes(n: int, steps: int, seed: int = 0) -> list[dict]:
    rng = np.random.default_rng(seed)
    eps = []
    for i in range(n):
        T = int(rng.integers(steps // 2, steps * 3 // 2))
        s = {k: rng.normal(size=(T, *shape)).astype(np.float32) for k, (_, shape) in FEATURES.items()}
        s.update(reward=np.zeros(T, np.float32), discount=np.ones(T, np.float32), is_first=np.arange(T) == 0,
                 is_last=np.arange(T) == T - 1, is_terminal=np.arange(T) == T - 1)
        eps.append(s)
    return eps


def ours(eps: list[dict], root: Path) -> tuple[float, float]:
    t0 = time.perf_counter()
    w = E.EpisodeWriter(root, FEATURES, robot="panda7", fps=10, episodes_per_file=500)
    for i, s in enumerate(eps):
        w.add_episode(s, "reach the green target", {"seed": i})
    w.close()
    t1 = time.perf_counter()
    ds = E.EpisodeDataset(root)
    for i in range(len(ds)):
        ds[i]
    return t1 - t0, time.perf_counter() - t1


def plain(eps: list[dict], path: Path) -> tuple[float, float]:
    t0 = time.perf_counter()
    cols = {}
    for k in eps[0]:
        a = np.concatenate([s[k] for s in eps])
        cols[k] = pa.FixedSizeListArray.from_arrays(pa.array(a.reshape(-1)), a.shape[1]) if a.ndim == 2 else pa.array(a)
    cols["episode_index"] = pa.array(np.concatenate([np.full(len(s["reward"]), i) for i, s in enumerate(eps)]))
    pq.write_table(pa.table(cols), path, compression="zstd")
    t1 = time.perf_counter()
    table = pq.read_table(path)
    arrays = {k: (table.column(k).combine_chunks().flatten().to_numpy().reshape(len(table), -1)
                  if pa.types.is_fixed_size_list(table.column(k).type) else table.column(k).to_numpy())
              for k in table.column_names}
    bounds = np.flatnonzero(np.r_[True, np.diff(arrays["episode_index"]) != 0, True])
    for a, b in zip(bounds[:-1], bounds[1:]):
        {k: v[a:b] for k, v in arrays.items()}
    return t1 - t0, time.perf_counter() - t1


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--episodes", type=int, default=1000)
    ap.add_argument("--steps", type=int, default=60, help="mean steps per episode")
    ap.add_argument("--rounds", type=int, default=3)
    args = ap.parse_args()
    eps = make_episodes(args.episodes, args.steps)
    frames = sum(len(s["reward"]) for s in eps)
    best = {"ours": [np.inf, np.inf], "plain": [np.inf, np.inf]}
    for r in range(args.rounds):
        tmp = Path(tempfile.mkdtemp(prefix="rtx-bench-"))
        try:
            for name, fn, where in (("plain", plain, tmp / "plain.parquet"), ("ours", ours, tmp / "ours")):
                w, rd = fn(eps, where)
                best[name] = [min(best[name][0], w), min(best[name][1], rd)]
        finally:
            shutil.rmtree(tmp)
    n = args.episodes
    print(f"{n} episodes, {frames} frames; best of {args.rounds} rounds")
    for name, (w, rd) in best.items():
        print(f"  {name:5s}  write {n / w:8.0f} episodes/s ({frames / w:9.0f} frames/s)   read {n / rd:8.0f} episodes/s")
    print(f"time ours / plain: write {best['ours'][0] / best['plain'][0]:.2f}, "
          f"read {best['ours'][1] / best['plain'][1]:.2f} (goal <= 3)")


if __name__ == "__main__":
    main()
