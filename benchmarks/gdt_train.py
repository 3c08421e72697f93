"""Training updates/s of the GDT trainer against a plain PyTorch loop of the same model and batch.

Both sides build the same GPT (`workbench.papers.gdt.model`, the `cpu` scale's sizes unless --paper-size)
from the same seed. The workbench side is `train.update` on a batch drawn by `data.sample_batch` from a
constructed train split (window sampling, normalisation, tensor conversion, AdamW, clipping and warm-up
included: everything one update of `train.train` does); the plain side is forward, MSE, backward and
AdamW on one pre-built batch of the same shapes, written out in full. Steps alternate (workbench, plain,
workbench, ...) so both see the same machine load; the first two of each are dropped. Printed: updates/s of
each (median), the ratio workbench / plain (median over adjacent pairs, min-max; goal >= 0.8), and the
load average before and after.

    PYTHONPATH=$PWD .venv/bin/python benchmarks/gdt_train.py [--method cdt] [--steps 30] [--paper-size]
"""
from __future__ import annotations

import argparse
import os
import statistics
import time

import numpy as np
import torch


def constructed_split(cfg, n: int = 40, T: int = 500, seed: int = 0):
    from workbench.papers.gdt import data as D

    class _DS:   # speeds spread like the runner's data; actions a smooth function of the state
        def episodes(self):
            rng = np.random.default_rng(seed)
            out = []
            for i in range(n):
                obs = rng.normal(size=(T + 1, 17)).astype(np.float32)
                obs[:, D.XVEL] += 6 * i / n
                out.append({"observations": obs, "actions": np.tanh(obs[:-1, :6]), "rewards": obs[:-1, D.XVEL].copy()})
            return out
    return D.prepare(cfg, _DS())


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--method", default="cdt", choices=("dt", "cdt", "bdt"))
    ap.add_argument("--steps", type=int, default=30)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--paper-size", action="store_true", help="width 128, 3 layers, batch 64 (the paper's)")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    from workbench.papers.gdt import data as D, train as TR
    from workbench.papers.gdt.config import Config
    cfg = Config(**(dict(width=128, layers=3, batch_size=64) if args.paper_size else {}))
    split = constructed_split(cfg)
    conds = D.conditions(split, args.method, cfg)
    rng = np.random.default_rng(0)
    torch.manual_seed(0)
    ours = TR.build(cfg, args.method, split)
    opt, sched = TR.optimizer(cfg, ours)
    torch.manual_seed(0)
    plain = TR.build(cfg, args.method, split)
    popt = torch.optim.AdamW(plain.parameters(), lr=cfg.learning_rate, weight_decay=cfg.weight_decay)
    fixed = TR.to_torch(D.sample_batch(split, conds, cfg.batch_size, cfg.context, np.random.default_rng(1)))

    def plain_step():
        if plain.encoder is not None:
            phi = plain.encoder(fixed["next_states"], fixed["next_timesteps"])
        else:
            phi = fixed["phi"]
        pred = plain(phi, fixed["states"], fixed["actions"], fixed["timesteps"])
        loss = ((pred - fixed["actions"]) ** 2).mean()
        popt.zero_grad()
        loss.backward()
        popt.step()

    load0 = os.getloadavg()
    t_ours, t_plain = [], []
    for i in range(args.steps + 2):
        t = time.perf_counter()
        TR.update(ours, opt, sched, TR.to_torch(D.sample_batch(split, conds, cfg.batch_size, cfg.context, rng)))
        t_ours.append(time.perf_counter() - t)
        t = time.perf_counter()
        plain_step()
        t_plain.append(time.perf_counter() - t)
    t_ours, t_plain = t_ours[2:], t_plain[2:]
    ratios = [p / o for o, p in zip(t_ours, t_plain)]
    r = statistics.median(ratios)
    print(f"method {args.method}, width {cfg.width}, layers {cfg.layers}, batch {cfg.batch_size}, K {cfg.context}, "
          f"{args.threads} thread(s), {args.steps} steps each")
    print(f"workbench train.update: {1 / statistics.median(t_ours):7.2f} updates/s")
    print(f"plain PyTorch loop    : {1 / statistics.median(t_plain):7.2f} updates/s")
    print(f"ratio workbench/plain : {r:.3f} (min {min(ratios):.3f}, max {max(ratios):.3f}); goal >= 0.8: "
          f"{'met' if r >= 0.8 else 'NOT met'}")
    print(f"load average before {load0[0]:.2f}, after {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
