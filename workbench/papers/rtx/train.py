"""RT-X-mini experiments: datasets (cached), per-robot and mixture RT-1-mini training, closed-loop evaluation.

    out = run_all(cfg, progress=dash)       # every model of every seed, trained (or read from the cache) and evaluated
    measured = measured_values(cfg, out)    # the claims' inputs, with their noise

The three experiments of the paper (arXiv 2310.08864 Sec. V), on simulated arms:
  1. data-poor robots: a per-robot model ("original method") against one model trained on the mixture;
  2. data-rich robots: per-robot against the mixture with a small and a larger model (RT-1-X underfits);
  3. emergent skill: pick_place is demonstrated on `skill_source` only and tested on `skill_target`, with a
     mixture that holds `skill_source`'s data and one without it (Table II, "without Bridge").
Beside them: the data-rich comparison and the emergent skill again with a mixture trained for matched epochs
per robot (`matched_steps`), and the history ablation (Table II rows 4-5: a short history against none).
"""
from __future__ import annotations

import shutil
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

from workbench import cache
from workbench.parallel import map_in_processes
from workbench.papers.rtx import data as D
from workbench.sim import arms
from workbench.sim.episodes import history_index


# ---- datasets ------------------------------------------------------------------------------------------

def dataset_roots(cfg, progress=lambda step, metrics: None) -> dict[str, Path]:
    """Every robot's dataset folder, generated on a miss into the cache (keyed by what made it)."""
    roots = {}
    for k, robot in enumerate(cfg.robots):
        episodes = cfg.rich_episodes if robot in cfg.rich_robots else cfg.poor_episodes
        desc = {"robot": robot, "tasks": D.robot_tasks(robot, cfg.skill_source), "episodes": episodes,
                "noise": cfg.expert_noise, "seed": cfg.data_seed, "spec": asdict(arms.ARMS[robot]), "v": 1}
        root = cache.cache_dir() / "rtx" / "data" / f"{robot}-{cache.key_of(desc)}"
        if not (root / "meta" / "info.json").exists():
            tmp = root.with_name(root.name + ".partial")
            shutil.rmtree(tmp, ignore_errors=True)
            t0 = time.time()
            D.generate_dataset(tmp, robot, desc["tasks"], episodes, cfg.expert_noise, cfg.data_seed)
            shutil.rmtree(root, ignore_errors=True)
            tmp.rename(root)                 # a whole dataset appears at once, or not at all
            progress(k + 1, {"data/episodes": episodes, "data/seconds": time.time() - t0})
        roots[robot] = root
    return roots


@dataclass
class Corpus:
    """Several robots' standardised frames, concatenated, with history windows and instruction embeddings."""
    robots: list[str]
    states: np.ndarray       # [N, 17]
    tokens: np.ndarray       # [N, 5] per-robot normalised and binned actions
    valid: np.ndarray        # [N] the action is valid
    text: np.ndarray         # [N] row into `embeddings`
    rows: np.ndarray         # [N, H] history rows
    pad: np.ndarray          # [N, H] real history steps
    offsets: np.ndarray      # [R] first valid-frame position of each robot in `sample_rows`
    sizes: np.ndarray        # [R] valid frames per robot
    sample_rows: np.ndarray  # rows of valid frames, robot by robot


def instruction_table() -> tuple[dict[str, int], np.ndarray]:
    texts = [t for ts in D.INSTRUCTIONS.values() for t in ts]
    return {t: i for i, t in enumerate(texts)}, D.embed(texts)


def make_corpus(data: dict[str, D.RobotData], robots: list[str], history: int, text_index: dict[str, int]) -> Corpus:
    states, tokens, valid, text, starts, sample_rows, sizes = [], [], [], [], [], [], []
    row = 0
    for r in robots:
        d = data[r]
        states.append(d.states)
        tokens.append(d.normalizer.tokenize(d.actions))
        valid.append(d.valid)
        text.append(np.array([text_index[d.instructions[i]] for i in d.task_index]))
        starts.append(d.episode_start + row)
        sample_rows.append(np.flatnonzero(d.valid) + row)
        sizes.append(int(d.valid.sum()))
        row += d.frames
    rows, pad = history_index(np.concatenate(starts), history)
    sizes = np.array(sizes)
    return Corpus(robots, np.concatenate(states), np.concatenate(tokens), np.concatenate(valid), np.concatenate(text),
                  rows, pad, np.r_[0, np.cumsum(sizes)[:-1]], sizes, np.concatenate(sample_rows))


# ---- training ------------------------------------------------------------------------------------------

def train_policy(corpus: Corpus, embeddings: np.ndarray, model_cfg, steps: int, batch: int, lr: float, seed: int,
                 temperature: float, progress=lambda step, metrics: None, name: str = "model") -> dict:
    """Behaviour cloning with categorical cross-entropy on every real step of each history window (AdamW,
    cosine decay). Returns {"state_dict", "losses", "seconds"}."""
    import torch
    from workbench.papers.rtx.model import RT1Mini

    torch.manual_seed(seed)
    rng = np.random.default_rng(seed)
    model = RT1Mini(model_cfg)
    opt = torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=0.01)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, max(1, steps))
    weights = np.array(list(D.mixture_weights(dict(zip(corpus.robots, corpus.sizes.tolist())), temperature).values()))
    states, tokens = torch.as_tensor(corpus.states), torch.as_tensor(corpus.tokens)
    valid, text = torch.as_tensor(corpus.valid), torch.as_tensor(corpus.text)
    emb = torch.as_tensor(embeddings)
    losses, t0 = [], time.time()
    model.train()
    for step in range(1, steps + 1):
        pick = D.sample_mixture(rng, corpus.offsets, corpus.sizes, weights, batch)
        rows = torch.as_tensor(corpus.rows[corpus.sample_rows[pick]])
        pad = torch.as_tensor(corpus.pad[corpus.sample_rows[pick]])
        logits = model(emb[text[rows[:, -1]]], states[rows], pad)               # [B, H, 5, bins]
        mask = pad & valid[rows]
        loss = torch.nn.functional.cross_entropy(logits[mask].flatten(0, 1), tokens[rows][mask].flatten())
        opt.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        sched.step()
        losses.append(loss.item())
        if step % max(1, steps // 10) == 0 or step == steps:
            progress(step, {f"{name}/loss": float(np.mean(losses[-max(1, steps // 10):]))})
    return {"state_dict": {k: v.detach().clone() for k, v in model.state_dict().items()}, "losses": losses,
            "seconds": time.time() - t0}


def load_model(model_cfg, state_dict):
    from workbench.papers.rtx.model import RT1Mini

    model = RT1Mini(model_cfg)
    model.load_state_dict(state_dict)
    return model.eval()


# ---- evaluation ----------------------------------------------------------------------------------------

def evaluate(model, normalizer: D.Normalizer, robot: str, task: str, episodes: int, seed: int,
             text_vec: np.ndarray, history: int, horizon: float = 1.0, record: bool = False) -> dict:
    """Closed-loop success of `model` on `episodes` fresh episodes of (robot, task), run in lockstep so one
    forward pass serves every live episode. Episode i starts from env seed `seed + i` (the same starts for
    every model: comparisons are paired); `horizon` scales the env's step limit. Actions: argmax bin per dimension, de-normalised with the robot's
    own statistics, converted to the native convention."""
    import torch

    limit = max(1, round(horizon * arms.ArmEnv(robot, task).max_steps))
    envs = [arms.ArmEnv(robot, task, max_steps=limit) for _ in range(episodes)]
    obs = []
    for i, e in enumerate(envs):
        e.rng = np.random.default_rng(seed + i)
        obs.append(e.reset())
    spec = arms.ARMS[robot]
    hist = [[D.state_vector(spec, o["ee"], o["gripper"], o["cube"], o["target"], o["q"])] for o in obs]
    frames = [[e.bodies()] for e in envs] if record else None
    grasped = np.zeros(episodes, bool)     # the gripper closed on the cube at some step (pick_place's first half)
    text = torch.as_tensor(text_vec[None])
    while not all(e.done for e in envs):
        live = [i for i, e in enumerate(envs) if not e.done]
        win = np.zeros((len(live), history, D.STATE_SIZE), np.float32)
        pad = np.zeros((len(live), history), bool)
        for j, i in enumerate(live):
            h = hist[i][-history:]
            win[j, history - len(h):], pad[j, history - len(h):] = h, True
            win[j, : history - len(h)] = h[0]
        with torch.no_grad():
            logits = model(text.expand(len(live), -1), torch.as_tensor(win), torch.as_tensor(pad))
        actions = normalizer.detokenize(logits[:, -1].argmax(-1).numpy())
        for j, i in enumerate(live):
            o, _, _ = envs[i].step(D.to_native(envs[i], actions[j]))
            hist[i].append(D.state_vector(spec, o["ee"], o["gripper"], o["cube"], o["target"], o["q"]))
            grasped[i] |= bool(envs[i].data.eq_active[0])
            if record:
                frames[i].append(envs[i].bodies())
    out = {"success": np.array([e.success for e in envs], float), "steps": np.array([e.t for e in envs]),
           "grasped": grasped.astype(float)}
    if record:
        out["frames"] = frames
    return out


# ---- all experiments -----------------------------------------------------------------------------------

@dataclass
class Plan:
    """Which model is trained on which robots and evaluated on which (robot, task) cells."""
    name: str
    robots: list[str]
    size: str                          # "small" or "large"
    cells: list[tuple[str, str]] = field(default_factory=list)
    history: int | None = None         # steps of history; None: cfg.history
    matched_epochs: bool = False       # train for matched_steps(cfg, data) steps instead of cfg.train_steps


def matched_steps(cfg, data: dict[str, D.RobotData]) -> int:
    """Steps of a mixture model (over all of cfg.robots) that show every data-rich robot at least as many of its
    frames as that robot's own model sees in cfg.train_steps: train_steps / the smallest rich sampling weight.
    The mixture then trains at least as many epochs of each rich robot's data as its own model does."""
    weights = D.mixture_weights({r: int(data[r].valid.sum()) for r in cfg.robots}, cfg.mixture_temperature)
    return int(np.ceil(cfg.train_steps / min(weights[r] for r in cfg.rich_robots)))


def plans(cfg, poor_only: bool = False, poor: bool = True, rich: bool = False) -> list[Plan]:
    """Every model of one training seed. `poor_only`: a seed past `seeds` trains the data-poor experiment's
    models (while it is below `poor_seeds`) and, with `rich` (while it is below `rich_seeds`), the data-rich
    experiment at matched epochs: the rich robots' own models and the epoch-matched small mixture."""
    own_cells = {r: [(r, t) for t in D.robot_tasks(r, cfg.skill_source)] for r in cfg.robots}
    skill_cell = (cfg.skill_target, "pick_place")
    every = [c for r in cfg.robots for c in own_cells[r]]
    rich_cells = [c for r in cfg.rich_robots for c in own_cells[r]]
    poor_cells = [c for r in cfg.poor_robots for c in own_cells[r]]
    if poor_only:
        out = []
        if poor:
            out += [Plan(f"own/{r}", [r], "small", own_cells[r]) for r in cfg.poor_robots]
            out.append(Plan("mix/small", list(cfg.robots), "small", poor_cells))
        if rich:
            out += [Plan(f"own/{r}", [r], "small", own_cells[r]) for r in cfg.rich_robots]
            out.append(Plan("mix/small-epochs", list(cfg.robots), "small", rich_cells, matched_epochs=True))
        return out
    out = [Plan(f"own/{r}", [r], "small", own_cells[r] + ([skill_cell] if r == cfg.skill_target else []))
           for r in cfg.robots]
    out.append(Plan("mix/small", list(cfg.robots), "small", every + [skill_cell]))
    # the large mixture also tries the skill on the target: does a model that does pick_place on the source
    # robot carry it over? (the notebook's diagnosis of the emergent-skill claim)
    out.append(Plan("mix/large", list(cfg.robots), "large", rich_cells + [skill_cell]))
    out.append(Plan(f"mix/no_{cfg.skill_source}", [r for r in cfg.robots if r != cfg.skill_source], "small",
                    [skill_cell]))
    # matched epochs: the small mixture trained until every rich robot has had as many epochs as its own model
    # (the data-rich claim at equal training per robot; the emergent skill once the mixture does it on the source),
    # and its counterpart without the source robot, trained for the same number of steps
    out.append(Plan("mix/small-epochs", list(cfg.robots), "small", rich_cells + [skill_cell], matched_epochs=True))
    out.append(Plan(f"mix/no_{cfg.skill_source}-epochs", [r for r in cfg.robots if r != cfg.skill_source], "small",
                    [skill_cell], matched_epochs=True))
    # the history ablation (Table II rows 4-5: two frames against the current one), both on every own cell
    for h in sorted({cfg.ablation_history, 1}, reverse=True):
        out.append(Plan(f"mix/history{h}", list(cfg.robots), "small", every, history=h))
    return out


def seed_plans(cfg) -> dict[int, list[Plan]]:
    """{training seed: its plans}: every plan for the first `seeds` seeds; past them, the data-poor experiment's
    up to `poor_seeds` and the data-rich experiment's at matched epochs up to `rich_seeds`."""
    first, out = cfg.seed, {}
    for s in range(first, first + max(cfg.seeds, cfg.poor_seeds, cfg.rich_seeds)):
        k = s - first
        out[s] = plans(cfg) if k < cfg.seeds else plans(cfg, poor_only=True, poor=k < cfg.poor_seeds,
                                                        rich=k < cfg.rich_seeds)
    return out


def model_config(cfg, size: str, history: int | None = None):
    from workbench.papers.rtx.model import ModelConfig

    d, layers = (cfg.d_small, cfg.layers_small) if size == "small" else (cfg.d_large, cfg.layers_large)
    return ModelConfig(d_model=d, layers=layers, heads=cfg.heads, history=history or cfg.history, bins=cfg.bins,
                       dropout=cfg.dropout)


def run_all(cfg, progress=lambda step, metrics: None) -> dict:
    """Datasets, then for each seed every plan's model (cached by its inputs) and its evaluations; the
    models train in `cfg.workers` processes (`workbench.parallel`; each model's work is the same wherever it
    runs, so the results do not depend on the number of workers).

    Returns {"roots", "data", "plans", "results": {seed: {plan: {"train": ..., "eval": {cell: success[]}}}},
    "timing": {...}} (train_s and eval_s are summed over models; total_s is wall time). `progress` gets
    (models done, {"<plan>/loss", "eval/<plan>"}) as models finish."""
    t0 = time.time()
    roots = dataset_roots(cfg)
    t_data = time.time() - t0
    data = {r: D.load_robot(roots[r], cfg.bins, cfg.norm_quantile) for r in cfg.robots}
    text_index, embeddings = instruction_table()
    jobs = [(seed, plan) for seed, seed_plan_list in seed_plans(cfg).items() for plan in seed_plan_list]
    timing = {"data_s": t_data, "train_s": 0.0, "eval_s": 0.0}
    # the longest jobs start first so that the workers finish together (the order of results does not change)
    order = sorted(range(len(jobs)), key=lambda k: (not jobs[k][1].matched_epochs, jobs[k][1].size != "large", k))
    finished = {}
    for done, (i, (entry, seconds)) in enumerate(
            map_in_processes(_model_job, [jobs[k] for k in order], cfg.workers, cfg, roots, data, text_index,
                             embeddings), start=1):
        k = order[i]
        finished[k] = entry
        timing["train_s"] += seconds["train_s"]
        timing["eval_s"] += seconds["eval_s"]
        progress(done, {f"{jobs[k][1].name}/loss": float(np.mean(entry["train"]["losses"][-20:])),
                        "eval/success": float(np.mean([v.mean() for v in entry["eval"].values()]))})
    results = {}
    for k, (seed, plan) in enumerate(jobs):        # plan order, whatever order the workers finished in
        results.setdefault(seed, {})[plan.name] = finished[k]
    timing["total_s"] = time.time() - t0
    return {"roots": roots, "data": data, "plans": plans(cfg), "results": results, "timing": timing,
            "matched_steps": matched_steps(cfg, data),
            "embeddings": embeddings, "text_index": text_index}


def _model_job(job: tuple[int, Plan], cfg, roots, data, text_index, embeddings) -> tuple[dict, dict]:
    """One (seed, plan): its model trained (or read from the cache) and evaluated on the plan's cells.
    Returns ({"train", "eval", "grasped"}, {"train_s", "eval_s"})."""
    import torch

    seed, plan = job
    if cfg.workers > 1:
        torch.set_num_threads(1)     # one core per worker process
    eval_text = {t: embeddings[text_index[D.INSTRUCTIONS[t][0]]] for t in D.INSTRUCTIONS}
    mcfg = model_config(cfg, plan.size, plan.history)
    corpus = make_corpus(data, plan.robots, mcfg.history, text_index)
    steps = matched_steps(cfg, data) if plan.matched_epochs else cfg.train_steps
    desc = {"plan": plan.name, "robots": plan.robots, "data": [str(roots[r].name) for r in plan.robots],
            "model": asdict(mcfg), "steps": steps, "batch": cfg.batch_size, "lr": cfg.lr,
            "seed": seed, "temperature": cfg.mixture_temperature, "quantile": cfg.norm_quantile, "v": 1}
    t1 = time.time()
    trained = cache.cached("rtx/models", desc, lambda: train_policy(
        corpus, embeddings, mcfg, steps, cfg.batch_size, cfg.lr, seed, cfg.mixture_temperature,
        name=plan.name), expect=dict)
    train_s = time.time() - t1
    model = load_model(mcfg, trained["state_dict"])
    t1 = time.time()
    evals, grasps = {}, {}
    for robot, task in plan.cells:
        e = evaluate(model, data[robot].normalizer, robot, task, cfg.eval_episodes, cfg.eval_seed,
                     eval_text[task], mcfg.history, cfg.eval_horizon)
        evals[(robot, task)], grasps[(robot, task)] = e["success"], e["grasped"]
    entry = {"train": {"losses": trained["losses"], "seconds": trained["seconds"]}, "eval": evals, "grasped": grasps}
    return entry, {"train_s": train_s, "eval_s": time.time() - t1}


def success_table(out: dict) -> dict[str, dict[str, float]]:
    """{plan: {"robot/task": mean success over seeds and episodes}}."""
    table: dict[str, dict[str, list]] = {}
    for by_plan in out["results"].values():
        for plan, r in by_plan.items():
            for (robot, task), s in r["eval"].items():
                table.setdefault(plan, {}).setdefault(f"{robot}/{task}", []).append(s.mean())
    return {p: {c: float(np.mean(v)) for c, v in cells.items()} for p, cells in table.items()}


def by_seed_table(cfg, out: dict):
    """Success per training seed of the comparisons resampled as seeds: the data-poor robots (own models against
    the small mixture) and the data-rich ones (own models against the epoch-matched mixture), each the mean over
    that group's own cells and episodes; plus the epoch-matched mixture's number of steps."""
    import pandas as pd

    groups = {"poor": (cfg.poor_robots, "mix/small"), "rich": (cfg.rich_robots, "mix/small-epochs")}
    rows = []
    for seed, by_plan in out["results"].items():
        for group, (robots, mix) in groups.items():
            cells = [(r, t) for r in robots for t in D.robot_tasks(r, cfg.skill_source)]
            own = [by_plan.get(f"own/{r}", {}).get("eval", {}).get((r, t)) for r, t in cells]
            mixed = [by_plan.get(mix, {}).get("eval", {}).get(c) for c in cells]
            if all(u is not None for u in own + mixed):
                rows.append({"seed": seed, "robots": group, "mixture": mix,
                             "own": float(np.concatenate(own).mean()), "mix": float(np.concatenate(mixed).mean())})
    return pd.DataFrame(rows)


def skill_diagnosis(cfg, out: dict):
    """pick_place on the skill source robot and on the target, per model: success and grasp rates (episodes
    where the gripper closed on the cube) over every seed that evaluated the cell. The emergent-skill claim
    needs the mixture to do the skill on the source robot before it can carry it anywhere."""
    import pandas as pd

    rows = []
    for robot, role in ((cfg.skill_source, "source (demonstrated)"), (cfg.skill_target, "target (never shown)")):
        for plan in [f"own/{cfg.skill_source}", f"own/{cfg.skill_target}", "mix/small", "mix/large",
                     f"mix/no_{cfg.skill_source}", "mix/small-epochs", f"mix/no_{cfg.skill_source}-epochs"]:
            runs = [r[plan] for r in out["results"].values() if (robot, "pick_place") in r.get(plan, {}).get("eval", {})]
            if not runs:
                continue
            success = np.concatenate([r["eval"][(robot, "pick_place")] for r in runs])
            grasped = np.concatenate([r["grasped"][(robot, "pick_place")] for r in runs])
            rows.append({"robot": robot, "role": role, "model": plan, "episodes": len(success),
                         "success": float(success.mean()), "grasped": float(grasped.mean())})
    return pd.DataFrame(rows)


def measured_values(cfg, out: dict) -> dict:
    """The claims' inputs with their noise.

    Bootstrap quantities resample (seed, cell, episode) units, paired across models (the first four claims, as
    written before seeds were resampled as seeds). `*_by_seed` quantities hold one success rate per training
    seed (mean over the cells and episodes of that seed) and are resampled as seeds. The emergent skill at
    matched epochs is measured only when the epoch-matched mixture does pick_place on the source robot at
    least as often as the source robot's own model (`emergent_gate`, which says why when it is left out)."""
    from workbench.results import bootstrap, seeds

    own = lambda robots: [(r, t) for r in robots for t in D.robot_tasks(r, cfg.skill_source)]   # noqa: E731
    poor, rich = own(cfg.poor_robots), own(cfg.rich_robots)
    skill = [(cfg.skill_target, "pick_place")]
    full = [s for s in out["results"] if s - cfg.seed < cfg.seeds]       # the seeds that trained every plan

    def plan_units(plan, cells, only=None):     # cell by cell, seed by seed: the same order for every plan (paired).
        # A seed that did not evaluate the plan on a cell is left out; `only`: these seeds alone
        return np.concatenate([np.concatenate([by_plan[plan]["eval"][c] for s, by_plan in out["results"].items()
                                               if c in by_plan.get(plan, {}).get("eval", {})
                                               and (only is None or s in only)]) for c in cells])

    def own_units(cells, only=None):            # each robot's own model on its own cells
        return np.concatenate([plan_units(f"own/{r}", [(r, t)], only) for r, t in cells])

    def by_seed(mix_plan, cells):             # (mix, own) success per seed where both evaluated every cell
        mix_rates, own_rates = [], []
        for by_plan in out["results"].values():
            m_units = [by_plan.get(mix_plan, {}).get("eval", {}).get(c) for c in cells]
            o_units = [by_plan.get(f"own/{c[0]}", {}).get("eval", {}).get(c) for c in cells]
            if all(u is not None for u in m_units + o_units):
                mix_rates.append(float(np.concatenate(m_units).mean()))
                own_rates.append(float(np.concatenate(o_units).mean()))
        return (seeds(mix_rates), seeds(own_rates)) if mix_rates else None

    n = cfg.bootstrap
    m = {"mix_poor": bootstrap(plan_units("mix/small", poor), n=n), "own_poor": bootstrap(own_units(poor), n=n),
         "own_rich": bootstrap(own_units(rich, full), n=n),
         "mix_small_rich": bootstrap(plan_units("mix/small", rich, full), n=n),
         "mix_large_rich": bootstrap(plan_units("mix/large", rich, full), n=n),
         "skill_with": bootstrap(plan_units("mix/small", skill, full), n=n),
         "skill_without": bootstrap(plan_units(f"mix/no_{cfg.skill_source}", skill, full), n=n),
         "skill_own": bootstrap(plan_units(f"own/{cfg.skill_target}", skill, full), n=n)}
    for names, mix_plan, cells in ((("mix_poor_by_seed", "own_poor_by_seed"), "mix/small", poor),
                                   (("mix_epochs_rich_by_seed", "own_rich_by_seed"), "mix/small-epochs", rich)):
        pair = by_seed(mix_plan, cells)
        if pair:
            m.update(zip(names, pair))
    hist = sorted({cfg.ablation_history, 1}, reverse=True)
    if len(hist) == 2 and all(f"mix/history{h}" in out["results"][s] for h in hist for s in full):
        m["mix_history_long"] = bootstrap(plan_units(f"mix/history{hist[0]}", own(cfg.robots), full), n=n)
        m["mix_history_one"] = bootstrap(plan_units(f"mix/history{hist[1]}", own(cfg.robots), full), n=n)
    if emergent_gate(cfg, out)[0]:
        m["skill_with_epochs"] = bootstrap(plan_units("mix/small-epochs", skill, full), n=n)
        m["skill_without_epochs"] = bootstrap(plan_units(f"mix/no_{cfg.skill_source}-epochs", skill, full), n=n)
    return m


def emergent_gate(cfg, out: dict) -> tuple[bool, str]:
    """(passed, reason): does the epoch-matched mixture do pick_place on the source robot (some success, and at
    least as often as that robot's own model, over the seeds that trained both)? Transfer to the target is
    judged only then: a mixture that lacks the skill where it is demonstrated has nothing to carry over."""
    source = (cfg.skill_source, "pick_place")
    rates = {}
    for plan in ("mix/small-epochs", f"own/{cfg.skill_source}"):
        units = [r[plan]["eval"][source] for s, r in out["results"].items()
                 if s - cfg.seed < cfg.seeds and source in r.get(plan, {}).get("eval", {})]
        rates[plan] = np.concatenate(units) if units else np.zeros(0)
    mix, own = rates["mix/small-epochs"], rates[f"own/{cfg.skill_source}"]
    if not len(mix) or not len(own):
        return False, f"pick_place on {cfg.skill_source} was not evaluated for both models"
    said = (f"on {cfg.skill_source}, the epoch-matched mixture placed the cube in {mix.mean():.0%} of {len(mix)} "
            f"episodes, {cfg.skill_source}'s own model in {own.mean():.0%}")
    if mix.mean() > 0 and mix.mean() >= own.mean():
        return True, said + ": the mixture does the skill where it is demonstrated, so transfer is judged"
    return False, (said + ": the mixture does not do the skill where it is demonstrated as well as that robot's "
                   "own model at this scale, so transfer is not judged (inconclusive); `paper` scale carries the "
                   "setting that decides it")
