"""The notebook's steps as functions: experts -> data -> students -> evaluation -> measured values.

    experts = load_experts(cfg)                       # shipped policy files (or retrained), the card, accepted?
    data = collect_data(cfg, experts)                 # per-part states + expert labels per env, cached
    sets = make_sets(cfg, data)                       # tokenised train/valid sets: multi-task and zero-shot
    students = train_students(cfg, sets, progress)    # transformer, mlp, transformer ablations; zero-shot pair
    ev = evaluate_students(cfg, students, sets)       # per (student, env): per-episode success, final/initial
    measured = measure(ev)                            # bootstrap quantities for claims.py
"""
from __future__ import annotations

import dataclasses
import time
from pathlib import Path

import numpy as np

from workbench import WorkbenchError
from workbench.history import no_progress
from workbench.papers.mxt import data as dt
from workbench.papers.mxt import experts as ex
from workbench.papers.mxt.config import family

REPO = Path(__file__).resolve().parents[3]


def expert_dir(cfg) -> Path:
    p = Path(cfg.expert_dir)
    return p if p.is_absolute() else REPO / p


@dataclasses.dataclass
class Expert:
    body: str
    task: str
    path: Path
    card: dict            # the card entry: success, final_over_initial, env_steps, train_wall_s, ...
    accepted: bool        # from the card until `evaluate_experts` measures it in this run
    measured: dict | None = None   # this run's deterministic evaluation: per-episode success, final_over_initial


def needed_envs(cfg) -> list[tuple[str, str]]:
    """Every (body, task) whose expert some student needs: the multi-task set (zero-shot training bodies are
    taken from it)."""
    return cfg.env_list()


def load_experts(cfg, progress=None) -> list[Expert]:
    """The experts for `cfg.envs`: the shipped files, or retrained here when cfg.retrain_experts."""
    d = expert_dir(cfg)
    if cfg.retrain_experts:
        from workbench.cache import cache_dir     # retrained experts go to the cache, never over data/
        d = cache_dir() / "mxt-experts"
        for body, task in needed_envs(cfg):
            ex.train_expert(body, task, cfg.expert_steps, cfg.seed, data_dir=d, progress=progress)
    card = ex.load_card(d)["experts"]
    out = []
    for body, task in needed_envs(cfg):
        path = ex.expert_path(body, task, d)
        if not path.exists() or f"{body}:{task}" not in card:
            raise WorkbenchError(f"no expert for {body}:{task} in {d}; train it with "
                                 f"`python -m workbench.papers.mxt.experts {body}:{task}` or -p retrain_experts=true")
        c = card[f"{body}:{task}"]
        out.append(Expert(body, task, path, c, c["success"] >= cfg.accept_success))
    return out


def expert_table(experts: list[Expert], data: dict | None = None):
    """A DataFrame: one row per expert: its card (training-time evaluation), this run's evaluation and data."""
    import pandas as pd
    rows = []
    for e in experts:
        c = e.card
        row = {"body": e.body, "task": e.task, f"success (card, {c.get('eval_episodes', 64)} ep)": c["success"]}
        if e.measured is not None:
            row["success (this run)"] = float(e.measured["success"].mean())
            row["episodes (this run)"] = len(e.measured["success"])
            row["final/initial"] = float(e.measured["final_over_initial"].mean())
        if data and (e.body, e.task) in data:
            d = data[(e.body, e.task)]
            row["success (stochastic, data)"] = float(d["success"].mean())
            row["transitions"] = len(d["action"])
        row.update({"accepted": e.accepted, "PPO env steps": c["env_steps"], "file KB": c.get("kb")})
        rows.append(row)
    return pd.DataFrame(rows)


def evaluate_experts(cfg, experts: list[Expert], arenas: dict) -> list[Expert]:
    """Each expert, deterministic, on every episode of its arena (the students' episode seed): the success that
    decides acceptance (>= cfg.accept_success) in this run."""
    from workbench.papers.mxt.arena import EXPERT
    out = []
    for e in experts:
        arena = arenas[(e.body, e.task)][0]
        res = arena.play(EXPERT, seed=cfg.seed + 77, steps=cfg.eval_steps)
        m = {"success": res["episode_success"], "final_over_initial": res["episode_final_over_initial"]}
        out.append(dataclasses.replace(e, measured=m, accepted=bool(m["success"].mean() >= cfg.accept_success)))
    return out


def student_names(cfg) -> list[tuple[str, str, str]]:
    """(name, model kind, feature set) of the multi-task students, in plotting order."""
    return [("transformer", "transformer", "mtg"), ("mlp", "mlp", "mtg")] + [
        (f"transformer_{a}", "transformer", a) for a in cfg.ablations]


ZS_STUDENTS = [("zs_transformer", "transformer", "mtg"), ("zs_mlp", "mlp", "mtg")]


def student_id(name: str, seed: int) -> str:
    return f"{name}.s{seed}"


def base_name(sid: str) -> str:
    return sid.rsplit(".s", 1)[0]


def zs_tests(cfg, envs: list) -> list[tuple[str, str]]:
    """(held-out body, task) pairs: each held-out body on every task the zero-shot training bodies have in
    `envs` (a held-out body may be of a family no student trained on: no expert is needed to test it)."""
    tasks = sorted({t for b, t in envs if b in cfg.zs_train_bodies})
    return [(b, t) for b in cfg.zs_test_bodies for t in tasks]


def make_arenas(cfg, experts: list[Expert]) -> dict:
    """{(body, task): (Arena, [student ids by block])}: every env of cfg.envs (the multi-task students' blocks),
    plus the held-out bodies' tasks (the zero-shot students' blocks; an env can hold both). Every seed's students
    get a block."""
    from workbench.papers.mxt.arena import Arena
    from workbench.sim import harness
    by_env = {(e.body, e.task): e for e in experts}
    tests = zs_tests(cfg, list(by_env)) if cfg.zero_shot else []
    envs = list(by_env) + [be for be in tests if be not in by_env]
    out = {}
    for body, task in envs:
        blocks = (student_names(cfg) if (body, task) in by_env else []) + (ZS_STUDENTS if (body, task) in tests else [])
        blocks = [(student_id(n, s), k) for s in cfg.seeds() for n, k, _ in blocks]
        e = by_env.get((body, task))
        pol = harness.load_policy(e.path) if e is not None else None
        out[(body, task)] = (Arena(cfg, body, task, tuple(k for _, k in blocks), cfg.eval_episodes, pol),
                             [n for n, _ in blocks])
    return out


def collect_data(cfg, experts: list[Expert], arenas: dict, progress=no_progress) -> dict:
    """{(body, task): transitions} from every expert's stochastic policy (accepted or not: the table reports
    both); one rollout of all the arena's episodes each."""
    out = {}
    for i, e in enumerate(experts):
        t0 = time.time()
        arena = arenas[(e.body, e.task)][0]
        out[(e.body, e.task)] = dt.collect(arena, e.path, cfg.seed, cfg.data_steps)
        progress(i + 1, {"data/transitions": float(len(out[(e.body, e.task)]["action"])), "time/s": time.time() - t0})
    return out


@dataclasses.dataclass
class Sets:
    envs: list                 # [(body, task)] of the multi-task set (accepted experts), = data["env"] index
    data: dict                 # data.concat output over envs: tokens, mask, target, action_mask, env
    train_rows: np.ndarray     # multi-task students
    valid_rows: np.ndarray
    zs_envs: list              # [(body, task)] the zero-shot students train on
    zs_train_rows: np.ndarray
    zs_valid_rows: np.ndarray
    zs_test: list              # [(held-out body, task)]: each held-out body on its family's trained tasks


def make_sets(cfg, experts: list[Expert], arenas: dict, data: dict) -> Sets:
    """Tokenise the distilled envs' transitions once (every expert, or the accepted ones with
    cfg.distil_from="accepted"); the zero-shot rows are its training bodies' rows."""
    envs = [(e.body, e.task) for e in experts if e.accepted or cfg.distil_from == "all"]
    if not envs:
        raise WorkbenchError(f"no expert reaches accept_success={cfg.accept_success} and distil_from='accepted': "
                             "nothing to distil (-p distil_from=all uses every expert)")
    parts = [dt.build(arenas[be][0].env, data[be], cfg.pad_to) for be in envs]
    rows = dt.concat(parts, cfg.max_per_env, cfg.seed)
    is_valid = np.random.default_rng(cfg.seed).random(len(rows["target"])) < cfg.valid_frac
    zs_envs = [be for be in envs if be[0] in cfg.zs_train_bodies] if cfg.zero_shot else []
    in_zs = np.isin(rows["env"], [envs.index(be) for be in zs_envs])
    zs_test = zs_tests(cfg, zs_envs) if zs_envs else []
    idx = np.arange(len(is_valid))
    return Sets(envs, rows, idx[~is_valid], idx[is_valid], zs_envs, idx[~is_valid & in_zs], idx[is_valid & in_zs], zs_test)


def all_students(cfg, sets: Sets) -> list[tuple[str, str, str]]:
    """Every student this run trains (each once per seed): the multi-task ones, then the zero-shot pair when
    it has rows."""
    return student_names(cfg) + (ZS_STUDENTS if len(sets.zs_train_rows) else [])


def train_students(cfg, sets: Sets, progress=no_progress) -> dict:
    """{student id: StudentRun} for every student and seed, in cfg.workers processes (results do not depend
    on the count: each student's work is the same and they are reassembled in one order). `progress` gets,
    as each student finishes, its held-out loss curve at cumulative steps (`<student id>/eval/loss`)."""
    import tempfile
    from workbench.parallel import map_in_processes
    from workbench.papers.mxt.train import save_arrays, student_job
    jobs, ids = [], []
    for s in cfg.seeds():
        for name, kind, feats in all_students(cfg, sets):
            zs = name.startswith("zs_")
            rows = (sets.zs_train_rows, sets.zs_valid_rows) if zs else (sets.train_rows, sets.valid_rows)
            jobs.append((kind, feats, s, rows[0], rows[1]))
            ids.append(student_id(name, s))
    out, done = {}, 0
    with tempfile.TemporaryDirectory(prefix="mxt-tokens-") as tmp:
        data = save_arrays(sets.data, tmp) if cfg.workers > 1 and len(jobs) > 1 else sets.data
        for i, run in map_in_processes(student_job, jobs, cfg.workers, cfg, data, len(sets.train_rows)):
            out[ids[i]] = run
            for step, row in run.history.rows:
                progress(done + step, {f"{ids[i]}/{k}": v for k, v in row.items() if k.startswith("eval/")})
            done += run.timing["steps"]
    return {sid: out[sid] for sid in ids}


def dashboard_panels(cfg) -> dict:
    names = [n for n, _, _ in student_names(cfg) + (ZS_STUDENTS if cfg.zero_shot else [])]
    return {"held-out loss (0.5 MSE)": [f"{student_id(n, s)}/eval/loss" for s in cfg.seeds() for n in names]}


def evaluate_students(cfg, students: dict, arenas: dict, sets: Sets, progress=no_progress) -> tuple[dict, dict]:
    """Every student on every evaluated env (the multi-task set and the held-out bodies), one rollout per env
    with the same episode seed: ({(student id, body, task): {"success", "final_over_initial"} [n]}, {env: rollout})."""
    from workbench.papers.mxt import tokens as tk
    from workbench.papers.mxt.arena import STUDENTS
    envs = list(dict.fromkeys(sets.envs + sets.zs_test))
    ev, outs = {}, {}
    for i, (b, t) in enumerate(envs):
        arena, names = arenas[(b, t)]
        # a block whose student was not trained (no zero-shot rows) plays untrained and is not recorded
        plist = [(students[n].params, tk.feature_mask(students[n].feature_set)) if n in students
                 else (arena.init_params(k), tk.feature_mask("mtg")) for k, n in enumerate(names)]
        out = arena.play(STUDENTS, plist, seed=cfg.seed + 77, steps=cfg.eval_steps)
        outs[(b, t)] = out
        for k, n in enumerate(names):
            if n in students and ((b, t) in sets.envs or n.startswith("zs_")):
                ev[(n, b, t)] = arena.block_metrics(out, k)
        progress(i + 1, {"eval/envs": float(i + 1)})
    return ev, outs


def pool_seeds(cfg, ev: dict) -> dict:
    """{(student name, body, task): metrics over the seeds' episodes together} (for figures and tables)."""
    out: dict = {}
    for (sid, b, t), m in ev.items():
        out.setdefault((base_name(sid), b, t), []).append(m)
    return {k: {f: np.concatenate([m[f] for m in ms]) for f in ms[0]} for k, ms in out.items()}


def _units(ev: dict, names: list[str], envs: list, seed: int, key: str = "success") -> np.ndarray:
    """[episodes over envs, students] of one seed: paired units (same env, same episode) as rows."""
    return np.stack([np.concatenate([ev[(student_id(n, seed), b, t)][key] for b, t in envs]) for n in names], 1)


def seed_episode_bootstrap(per_seed: list[np.ndarray], n: int = 1000, seed: int = 0) -> list:
    """Bootstrap Samples of each column's mean, resampled as seeds and then episodes: replicate r draws the
    seeds with replacement, then, within each drawn seed, its rows (paired units) with replacement; the
    statistic is the mean over every drawn row. One draw serves every column, so the columns (students) are
    paired replicate by replicate. `per_seed`: one [units, columns] array per training seed. Point value: the
    mean over all seeds' rows."""
    from workbench.results import Samples
    rng = np.random.default_rng(seed)
    k = len(per_seed)
    reps = np.empty((n, per_seed[0].shape[1]))
    for r in range(n):
        drawn = [per_seed[i] for i in rng.integers(0, k, k)]
        reps[r] = np.concatenate([u[rng.integers(0, len(u), len(u))] for u in drawn]).mean(0)
    point = np.concatenate(per_seed).mean(0)
    return [Samples(tuple(reps[:, c]), "bootstrap", point=float(point[c])) for c in range(reps.shape[1])]


def measure(cfg, ev: dict, sets: Sets) -> dict:
    """The claims' quantities (see claims.py) as seed-then-episode bootstrap Samples."""
    out = {}
    quantity = {"transformer": "success_tf", "mlp": "success_mlp", "transformer_no_morph": "success_tf_nomorph"}
    names = [n for n, _, _ in student_names(cfg) if n in quantity]
    samples = seed_episode_bootstrap([_units(ev, names, sets.envs, s) for s in cfg.seeds()], seed=cfg.seed)
    out.update({quantity[n]: x for n, x in zip(names, samples)})
    zs_names = [n for n, _, _ in ZS_STUDENTS]
    if not sets.zs_test or not all((student_id(n, s), b, t) in ev for n in zs_names for s in cfg.seeds()
                                   for b, t in sets.zs_test):
        return out
    groups = {"": sets.zs_test} | {f"_{f}": [be for be in sets.zs_test if family(be[0]) == f]
                                   for f in dict.fromkeys(family(b) for b, _ in sets.zs_test)}
    for suffix, envs in groups.items():
        tf, mlp = seed_episode_bootstrap([_units(ev, zs_names, envs, s) for s in cfg.seeds()], seed=cfg.seed)
        out[f"zs_success_tf{suffix}"], out[f"zs_success_mlp{suffix}"] = tf, mlp
    return out


def seed_table(cfg, ev: dict, sets: Sets):
    """Success per student and seed: the multi-task average and each held-out body (zero-shot students)."""
    import pandas as pd
    rows = []
    for name, _, _ in student_names(cfg) + ZS_STUDENTS:
        envs = sets.zs_test if name.startswith("zs_") else sets.envs
        for s in cfg.seeds():
            cells = {f"{b} {t}": float(ev[(student_id(name, s), b, t)]["success"].mean())
                     for b, t in envs if (student_id(name, s), b, t) in ev}
            if cells:
                rows.append({"student": name, "seed": s, "mean": round(float(np.mean(list(cells.values()))), 3),
                             **{k: round(v, 3) for k, v in cells.items()}})
    return pd.DataFrame(rows)


def metrics(ev: dict, students: dict, experts: list[Expert]) -> dict:
    """Flat results.json metrics: per (student, env) success and final/initial, training speed, experts."""
    out = {}
    for (n, b, t), m in ev.items():
        out[f"{n}/{b}:{t}/success"] = float(m["success"].mean())
        out[f"{n}/{b}:{t}/final_over_initial"] = float(m["final_over_initial"].mean())
    for n, r in students.items():
        out[f"{n}/steps_per_s"] = r.timing["steps_per_s"]
        out[f"{n}/final_valid_loss"] = r.history.last("eval/loss")
        out[f"{n}/best_valid_loss"] = float(min(r.history.series("eval/loss")[1]))
        out[f"{n}/steps"] = r.timing["steps"]
        out[f"{n}/best_step"] = r.timing["best_step"]
        out[f"{n}/params"] = r.n_params
    for e in experts:
        out[f"expert/{e.body}:{e.task}/success_card"] = e.card["success"]
        if e.measured is not None:
            out[f"expert/{e.body}:{e.task}/success"] = float(e.measured["success"].mean())
    out["experts_accepted"] = sum(e.accepted for e in experts)
    out["experts"] = len(experts)
    measured = [float(e.measured["success"].mean()) for e in experts if e.measured is not None]
    if measured:
        out["expert_mean_success"] = float(np.mean(measured))
    return out


def timing_table(students: dict):
    """Per student and seed: parameters, steps run and the step kept (best held-out loss), whether early
    stopping ended it before the cap, compile and training time, steps/s, best held-out loss."""
    import pandas as pd
    return pd.DataFrame([{"student": n, "parameters": r.n_params, "steps run": r.timing["steps"],
                          "kept step": r.timing["best_step"], "stopped early": r.timing["stopped_early"],
                          "jit s": round(r.timing["jit_s"], 1), "train s": round(r.timing["train_s"], 1),
                          "steps/s": round(r.timing["steps_per_s"], 1),
                          "best held-out loss": round(float(min(r.history.series("eval/loss")[1])), 5)}
                         for n, r in students.items()])
