"""The whole GDT study: data -> train DT / CDT / BDT per seed -> condition on every target and roll out.

    out = run_all(cfg, progress=dash)     # dict: dataset, episodes, runs, evals (per seed), timings
    measured = measure(cfg, out)          # the claims' names, with bootstrap noise over (seed, target, rollout)
"""
from __future__ import annotations

import time

import numpy as np

from workbench.history import no_progress
from workbench.papers.gdt import data as D
from workbench.papers.gdt import evaluate as E
from workbench.papers.gdt import train as TR
from workbench.results import bootstrap


def total_updates(cfg) -> int:
    return cfg.n_seeds * len(cfg.methods) * cfg.updates


def run_all(cfg, progress=no_progress) -> dict:
    import torch
    # one intra-op thread: these matmuls are small, and on a shared, oversubscribed 2-core machine two
    # spinning OpenMP threads made a 60-update smoke training take 95 s instead of a few
    torch.set_num_threads(1)
    t0 = time.time()
    if cfg.dataset:   # a shipped or user file in the sim layer's format (smoke: 12 episodes of 60 steps)
        from workbench.paths import REPO_ROOT
        ds = D.load_dataset(REPO_ROOT / cfg.dataset)
    else:
        ds = D.make_dataset(cfg)
    data_s = time.time() - t0
    eps = D.prepare(cfg, ds)
    runs, evals, offset, timing = {}, [], 0, {"data_s": data_s, "train_s": 0.0, "eval_s": 0.0}
    for seed in range(cfg.n_seeds):
        per = {}
        for m in cfg.methods:
            t = time.time()
            off = offset
            run = TR.train(cfg, m, eps, seed, progress=lambda s, mt: progress(off + s, {f"{m}/{k}": v for k, v in mt.items()}))
            timing["train_s"] += time.time() - t
            offset += cfg.updates
            t = time.time()
            per[m] = E.rollout_targets(cfg, run, eps, eps.targets, seed=seed,
                                       record=(seed == 0 and m == ("cdt" if "cdt" in cfg.methods else m)))
            timing["eval_s"] += time.time() - t
            runs[(m, seed)] = run
        evals.append(per)
    timing["wall_s"] = time.time() - t0
    return {"dataset": ds, "episodes": eps, "runs": runs, "evals": evals, "timing": timing}


def measure(cfg, out: dict) -> dict:
    """w1_<method>_heldout / _bimodal (bootstrap over (seed, target, rollout) units, paired across methods),
    return_<method>_heldout, bimodal_gap (plain), and the dataset's size."""
    evals, eps = out["evals"], out["episodes"]
    methods = list(evals[0])
    measured: dict = {}
    for group, kinds in (("heldout", ("best", "median")), ("bimodal", ("bimodal",))):
        for metric, name in (("w1_xvel", "w1"), ("w1_reward", "w1r"), ("returns", "return")):
            u = _units(evals, kinds, metric)
            if not len(u):
                continue
            for j, m in enumerate(methods):
                measured[f"{name}_{m}_{group}"] = bootstrap(u, lambda a, j=j: float(np.mean(a[:, j])), n=1000, seed=0)
    gaps = []
    for t in eps.targets:
        if t.kind == "bimodal":
            h = len(t.feature) // 2
            gaps.append(abs(float(t.feature[h:].mean() - t.feature[:h].mean())))
    if gaps:
        measured["bimodal_gap"] = float(np.mean(gaps))
    return measured


def _units(evals, kinds, metric) -> np.ndarray:
    methods = list(evals[0])
    rows = []
    for per in evals:
        first = per[methods[0]]
        for i, k in enumerate(first["kinds"]):
            if k in kinds:
                vals = [per[m][metric][i] for m in methods]
                for r in range(len(vals[0])):
                    rows.append([v[r] for v in vals])
    return np.array(rows, float)


def w1_rows(out: dict) -> list[dict]:
    """One row per (method, target kind): mean W1 (x-velocity, reward) and return over seeds x rollouts."""
    rows = []
    evals = out["evals"]
    for m in evals[0]:
        kinds = evals[0][m]["kinds"]
        for kind in dict.fromkeys(kinds):
            idx = [i for i, k in enumerate(kinds) if k == kind]
            w1 = np.concatenate([e[m]["w1_xvel"][idx].ravel() for e in evals])
            w1r = np.concatenate([e[m]["w1_reward"][idx].ravel() for e in evals])
            ret = np.concatenate([e[m]["returns"][idx].ravel() for e in evals])
            tgt = np.concatenate([e[m]["target_returns"][idx] for e in evals])
            rows.append({"method": m, "targets": kind, "W1 x-vel (m/s)": round(float(w1.mean()), 3),
                         "W1 reward": round(float(w1r.mean()), 3), "return": round(float(ret.mean()), 1),
                         "target return": round(float(tgt.mean()), 1), "rollouts": int(w1.size)})
    return rows
