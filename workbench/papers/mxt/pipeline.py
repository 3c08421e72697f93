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


def make_arenas(cfg, experts: list[Expert]) -> dict:
    """{(body, task): (Arena, [student names by block])}: every env of cfg.envs, plus the held-out body's
    tasks; the held-out body's arenas also hold the zero-shot students' blocks."""
    from workbench.papers.mxt.arena import Arena
    from workbench.sim import harness
    by_env = {(e.body, e.task): e for e in experts}
    envs = list(by_env)
    if cfg.zero_shot:
        envs += [(cfg.zs_test_body, t) for t in sorted({t for _, t in cfg.env_list()}) if (cfg.zs_test_body, t) not in by_env]
    out = {}
    for body, task in envs:
        blocks = student_names(cfg) + (ZS_STUDENTS if body == cfg.zs_test_body else [])
        e = by_env.get((body, task))
        pol = harness.load_policy(e.path) if e is not None else None
        out[(body, task)] = (Arena(cfg, body, task, tuple(k for _, k, _ in blocks), cfg.eval_episodes, pol),
                             [n for n, _, _ in blocks])
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
    zs_test: list              # [(held-out body, task)]


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
    zs_test = [(cfg.zs_test_body, t) for t in sorted({t for _, t in zs_envs})]
    idx = np.arange(len(is_valid))
    return Sets(envs, rows, idx[~is_valid], idx[is_valid], zs_envs, idx[~is_valid & in_zs], idx[is_valid & in_zs], zs_test)


def all_students(cfg, sets: Sets) -> list[tuple[str, str, str]]:
    """Every student this run trains: the multi-task ones, then the zero-shot pair when it has rows."""
    return student_names(cfg) + (ZS_STUDENTS if len(sets.zs_train_rows) else [])


def train_students(cfg, sets: Sets, progress=no_progress) -> dict:
    """{name: StudentRun} for the multi-task students and (zs_*) the zero-shot pair. `progress` gets
    cumulative minibatch steps and keys `<student>/train/loss`, `<student>/eval/loss`."""
    from workbench.papers.mxt.train import distill
    out = {}
    for i, (name, kind, feats) in enumerate(all_students(cfg, sets)):
        zs = name.startswith("zs_")
        rows = (sets.zs_train_rows, sets.zs_valid_rows) if zs else (sets.train_rows, sets.valid_rows)
        offset = i * cfg.bc_steps
        out[name] = distill(cfg, kind, sets.data, rows[0], rows[1], feats, cfg.seed,
                            lambda step, m, name=name, offset=offset: progress(
                                offset + step, {f"{name}/{k}": v for k, v in m.items()}),
                            pool_size=len(sets.train_rows))
    return out


def dashboard_panels(cfg) -> dict:
    names = [n for n, _, _ in student_names(cfg) + (ZS_STUDENTS if cfg.zero_shot else [])]
    return {"held-out loss (0.5 MSE)": [f"{n}/eval/loss" for n in names]}


def evaluate_students(cfg, students: dict, arenas: dict, sets: Sets, progress=no_progress) -> tuple[dict, dict]:
    """Every student on every evaluated env (the multi-task set and the held-out body), one rollout per env
    with the same episode seed: ({(name, body, task): {"success", "final_over_initial"} [n]}, {env: rollout})."""
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


def train_longer(cfg, students: dict, arenas: dict, sets: Sets, name: str = "transformer",
                 progress=no_progress) -> tuple[dict, dict]:
    """The training-budget diagnosis: continue multi-task student `name` for `cfg.diag_steps` more minibatches
    (same data, its Adam state, fresh minibatches) and play it on every multi-task env with the same
    episodes as `evaluate_students`. Returns ({name + "_longer": the continued StudentRun}, {(name + "_longer",
    body, task): metrics}), or ({}, {}) when `cfg.diag_steps` is 0. If the longer-trained student closes its gap to
    the others, the shorter budget, not the architecture, decided the comparison."""
    if not cfg.diag_steps:
        return {}, {}
    from workbench.papers.mxt import tokens as tk
    from workbench.papers.mxt.arena import STUDENTS
    from workbench.papers.mxt.train import distill
    run = students[name]
    longer = distill(cfg, run.kind, sets.data, sets.train_rows, sets.valid_rows, run.feature_set, cfg.seed + 1,
                     progress, pool_size=len(sets.train_rows), resume=run, steps=cfg.diag_steps)
    ev = {}
    for b, t in sets.envs:
        arena, names = arenas[(b, t)]
        plist = [(longer.params if n == name else students[n].params, tk.feature_mask(students[n].feature_set))
                 if n in students else (arena.init_params(k), tk.feature_mask("mtg")) for k, n in enumerate(names)]
        out = arena.play(STUDENTS, plist, seed=cfg.seed + 77, steps=cfg.eval_steps)
        ev[(f"{name}_longer", b, t)] = arena.block_metrics(out, names.index(name))
    return {f"{name}_longer": longer}, ev


def _stack(ev: dict, names: list[str], envs: list, key: str = "success") -> np.ndarray:
    """[episodes over envs, students]: paired units (same env, same episode seed) as rows."""
    return np.stack([np.concatenate([ev[(n, b, t)][key] for b, t in envs]) for n in names], 1)


def measure(cfg, ev: dict, sets: Sets) -> dict:
    """The claims' quantities as bootstrap Samples over paired episodes (see claims.py)."""
    from workbench.results import bootstrap
    out = {}
    names = [n for n, _, _ in student_names(cfg)]
    units = _stack(ev, names, sets.envs)
    col = {n: i for i, n in enumerate(names)}
    quantity = {"transformer": "success_tf", "mlp": "success_mlp", "transformer_no_morph": "success_tf_nomorph"}
    for n, q in quantity.items():
        if n in col:
            out[q] = bootstrap(units, lambda a, i=col[n]: float(a[:, i].mean()), seed=cfg.seed)
    if all(("zs_transformer", b, t) in ev and ("zs_mlp", b, t) in ev for b, t in sets.zs_test) and sets.zs_test:
        zs = _stack(ev, ["zs_transformer", "zs_mlp"], sets.zs_test)
        out["zs_success_tf"] = bootstrap(zs, lambda a: float(a[:, 0].mean()), seed=cfg.seed)
        out["zs_success_mlp"] = bootstrap(zs, lambda a: float(a[:, 1].mean()), seed=cfg.seed)
    return out


def metrics(ev: dict, students: dict, experts: list[Expert]) -> dict:
    """Flat results.json metrics: per (student, env) success and final/initial, training speed, experts."""
    out = {}
    for (n, b, t), m in ev.items():
        out[f"{n}/{b}:{t}/success"] = float(m["success"].mean())
        out[f"{n}/{b}:{t}/final_over_initial"] = float(m["final_over_initial"].mean())
    for n, r in students.items():
        out[f"{n}/steps_per_s"] = r.timing["steps_per_s"]
        out[f"{n}/final_valid_loss"] = r.history.last("eval/loss")
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
    """Per student: parameters, compile time, training time and minibatch steps/s, final held-out loss."""
    import pandas as pd
    return pd.DataFrame([{"student": n, "parameters": r.n_params, "jit s": round(r.timing["jit_s"], 1),
                          "train s": round(r.timing["train_s"], 1), "steps/s": round(r.timing["steps_per_s"], 1),
                          "held-out loss": r.history.last("eval/loss")} for n, r in students.items()])
