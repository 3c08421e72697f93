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
from workbench.parallel import map_in_processes
from workbench.results import bootstrap


def total_updates(cfg) -> int:
    return cfg.n_seeds * len(cfg.methods) * cfg.updates


def run_all(cfg, progress=no_progress) -> dict:
    """The dataset, then every (method, seed) model trained (or read from the cache) and rolled out on every
    target. The models run in `cfg.workers` processes (`workbench.parallel`, one core and one torch thread
    each); a model's work is the same wherever it runs, so the results do not depend on the number of
    workers. `progress` gets each model's loss reports as it finishes, at x = updates of the models done.

    timing: data_s, models_s (wall time of training and rollouts), train_s and eval_s (summed over models),
    wall_s."""
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
    timing = {"data_s": data_s, "train_s": 0.0, "eval_s": 0.0}
    # the viewer's episode: seed 0 of CDT (of every method when CDT is not run)
    jobs = [(m, seed, seed == 0 and (m == "cdt" or "cdt" not in cfg.methods))
            for seed in range(cfg.n_seeds) for m in cfg.methods]
    # BDT (a second transformer over K windows per step, several times the others) starts first, so no worker
    # is left with one alone at the end
    order = sorted(range(len(jobs)), key=lambda k: jobs[k][0] != "bdt")
    finished = {}
    t1 = time.time()
    for done, (i, (run, ev, seconds)) in enumerate(
            map_in_processes(_model_job, [jobs[k] for k in order], cfg.workers, cfg, eps)):
        finished[order[i]] = run, ev
        timing["train_s"] += seconds["train_s"]
        timing["eval_s"] += seconds["eval_s"]
        m = run.method
        for step, mt in run.history.rows:
            progress(done * cfg.updates + step, {f"{m}/{key}": v for key, v in mt.items()})
    timing["models_s"] = time.time() - t1
    runs, evals = {}, [{} for _ in range(cfg.n_seeds)]
    for k, (m, seed, record) in enumerate(jobs):     # job order, whatever order the workers finished in
        runs[(m, seed)], evals[seed][m] = finished[k]
        if record:
            evals[seed][m]["env"] = E.runner_env()   # the viewer draws the recorded episode with it
    timing["wall_s"] = time.time() - t0
    return {"dataset": ds, "episodes": eps, "runs": runs, "evals": evals, "timing": timing}


def _model_job(job: tuple[str, int, bool], cfg, eps: D.Episodes) -> tuple:
    """One (method, seed): its GPT trained (or read from the cache) and rolled out on every target.
    Returns (TrainedGDT, rollouts without the env, {"train_s", "eval_s"})."""
    import torch
    method, seed, record = job
    torch.set_num_threads(1)      # one core per worker process (run_all's own process has it already)
    t = time.time()
    run = TR.train(cfg, method, eps, seed)
    train_s = time.time() - t
    t = time.time()
    ev = E.rollout_targets(cfg, run, eps, targets_for(method, eps), seed=seed, record=record)
    ev.pop("env", None)           # a brax env need not cross processes; run_all adds its own
    return run, ev, {"train_s": train_s, "eval_s": time.time() - t}


def targets_for(method: str, eps: D.Episodes) -> list:
    """The targets a method is rolled out on: every one, except mixtures for BDT (no states to imitate)."""
    return [t for t in eps.targets if method != "bdt" or t.states is not None]


GROUPS = (("heldout", ("best", "median")), ("bimodal", ("bimodal",)), ("mixture", ("mixture",)))


def measure(cfg, out: dict) -> dict:
    """w1_<method>_<group> and w1r_ (x-velocity and reward W1 per rollout: bootstrap over (seed, target,
    rollout) units), pw1_ and pw1r_ (pooled W1: bootstrap over (seed, target) units), return_<method>_<group>;
    every bootstrap paired across the methods run on the group; groups heldout, bimodal, mixture.
    Plain: bimodal_gap and mixture_gap (mean |fast - slow| speed of those targets, m/s) and
    mixture_nearest_w1 (W1 from each mixture to the nearest train episode's histogram, mean over mixtures)."""
    evals, eps = out["evals"], out["episodes"]
    measured: dict = {}
    for group, kinds in GROUPS:
        for metric, name, pooled in (("w1_xvel", "w1", False), ("w1_reward", "w1r", False), ("returns", "return", False),
                                     ("pw1_xvel", "pw1", True), ("pw1_reward", "pw1r", True)):
            methods, u = _units(evals, kinds, metric, pooled)
            if not len(u):
                continue
            for j, m in enumerate(methods):
                measured[f"{name}_{m}_{group}"] = bootstrap(u, lambda a, j=j: float(np.mean(a[:, j])), n=1000, seed=0)
    for kind in ("bimodal", "mixture"):
        # both kinds hold the slow behaviour in the first half of `feature`, the fast one in the second
        gaps = [abs(float(t.feature[len(t.feature) // 2:].mean() - t.feature[: len(t.feature) // 2].mean()))
                for t in eps.targets if t.kind == kind]
        if gaps:
            measured[f"{kind}_gap"] = float(np.mean(gaps))
    near = mixture_nearest(eps)
    if near:
        measured["mixture_nearest_w1"] = float(np.mean(list(near.values())))
    return measured


def mixture_nearest(eps: D.Episodes) -> dict:
    """For each mixture target, the W1 (eval feature) between its histogram and the closest single train
    episode's: how far the mixture is from anything one demonstration shows."""
    if eps.cond_feature != "xvel":
        return {}
    out = {}
    for t in eps.targets:
        if t.kind == "mixture":
            p = D.histogram(t.values(t.length), eps.edges)
            out[t.name] = min(E.w1_hist(p, D.histogram(x, eps.edges), eps.edges) for x in eps.xvel)
    return out


def _units(evals, kinds, metric, pooled=False) -> tuple[list, np.ndarray]:
    """(methods, rows): one row per (seed, target[, rollout]) of the given kinds, one column per method that
    was rolled out on every such target; targets matched by name."""
    rows, methods = [], None
    for per in evals:
        names = [n for n, k in zip(next(iter(per.values()))["targets"], next(iter(per.values()))["kinds"]) if k in kinds]
        for ev in per.values():    # a method's own target list may be longer (BDT's is shorter)
            names = list(dict.fromkeys(names + [n for n, k in zip(ev["targets"], ev["kinds"]) if k in kinds]))
        here = [m for m, ev in per.items() if all(n in ev["targets"] for n in names)]
        methods = here if methods is None else [m for m in methods if m in here]
        for n in names:
            vals = {m: per[m][metric][per[m]["targets"].index(n)] for m in here}
            if pooled:
                rows.append(vals)
            else:
                for r in range(len(next(iter(vals.values())))):
                    rows.append({m: v[r] for m, v in vals.items()})
    methods = methods or []
    return methods, np.array([[row[m] for m in methods] for row in rows], float) if methods else np.zeros((0, 0))


def w1_rows(out: dict) -> list[dict]:
    """One row per (method, target kind): mean W1 per rollout and pooled (x-velocity, reward) and return,
    over seeds x targets (x rollouts)."""
    rows = []
    evals = out["evals"]
    for m in evals[0]:
        kinds = evals[0][m]["kinds"]
        for kind in dict.fromkeys(kinds):
            idx = [i for i, k in enumerate(kinds) if k == kind]
            w1 = np.concatenate([e[m]["w1_xvel"][idx].ravel() for e in evals])
            pw1 = np.concatenate([e[m]["pw1_xvel"][idx] for e in evals])
            w1r = np.concatenate([e[m]["w1_reward"][idx].ravel() for e in evals])
            pw1r = np.concatenate([e[m]["pw1_reward"][idx] for e in evals])
            ret = np.concatenate([e[m]["returns"][idx].ravel() for e in evals])
            tgt = np.concatenate([e[m]["target_returns"][idx] for e in evals])
            rows.append({"method": m, "targets": kind, "W1 x-vel (m/s), per rollout": round(float(w1.mean()), 3),
                         "W1 x-vel (m/s), pooled": round(float(pw1.mean()), 3),
                         "W1 reward, per rollout": round(float(w1r.mean()), 3), "W1 reward, pooled": round(float(pw1r.mean()), 3),
                         "return": round(float(ret.mean()), 1), "target return": round(float(tgt.mean()), 1),
                         "rollouts": int(w1.size)})
    return rows
