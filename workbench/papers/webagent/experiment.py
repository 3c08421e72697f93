"""The HTML-T5-mini run, stage by stage, each stage cached by what produced it (`workbench.cache`).

    docs = corpus(cfg)                     # HTML pages of every MiniWoB task + composed pages
    tok = tokenizer(cfg, docs)             # byte-level BPE over them
    train, held = demonstrations(cfg)      # Examples from successful oracle episodes (train / held-out seeds)
    arms = train_arms(cfg, tok, docs, train, held)   # {(arm, seed): ArmRun}: pre-train, fine-tune, held-out
                                           # accuracy of long-span TGlobal, short-span TGlobal and long-span
                                           # dense, for every seed in cfg.pretrain_seeds (worker processes)
    tuned, n = self_experience(cfg, tok, arms[("long", seed0)].fine, train)   # + its own successful programs
    rows = live(cfg, tok, tuned)           # modular vs single agent on live base and composed pages
    speed = speed(cfg)                     # TGlobal vs dense forward+backward at 1k-4k tokens (never cached)

`progress(step, metrics)` callbacks follow `workbench.history.Progress`; `train_arms` reports each run
as it finishes, and keeps its pre-training and fine-tuning curves in the run's history (cached with
it, so a second run draws them too: `analysis.fig_curves`).
"""
from __future__ import annotations

import logging
import random
import time
from dataclasses import dataclass
from pathlib import Path

from workbench.cache import cache_dir, cached, key_of
from workbench.web.compose import PAGES_DIR, pages_fingerprint

from workbench.papers.webagent import data, model as mdl, train as tr
from workbench.papers.webagent.data import Example

CODE_VERSION = 2   # bump when a cached stage's code changes its result

# the pre-training arms: (mean spans field of Config, encoder attention). "long" is HTML-T5 (long-span
# mixture, TGlobal); "short" changes the mixture only (T5's mean span 3); "dense" changes the attention only
ARMS = {"long": ("long_spans", "tglobal"), "short": ("short_spans", "tglobal"), "dense": ("long_spans", "dense")}


def device() -> str:
    """"cuda" when a GPU is visible (paper scale), else "cpu"."""
    import torch
    return "cuda" if torch.cuda.is_available() else "cpu"


def writer_llm(cfg):
    """The LLM that writes programs (`cfg.writer` names one), or None: the fine-tuned model writes them."""
    if cfg.writer == "t5":
        return None
    from workbench.llm import get_llm
    return get_llm(cfg.writer)


def shape(cfg, tok, attention: str = "tglobal") -> mdl.ModelShape:
    return mdl.ModelShape(tok.vocab_size, cfg.d_model, cfg.d_ff, cfg.layers, cfg.heads, cfg.local_radius,
                          cfg.global_block, attention)


def corpus(cfg, progress=lambda done, total: None) -> list[str]:
    from workbench.web.compose import all_tasks
    from workbench.web.env import miniwob_tasks

    tasks, pages = miniwob_tasks(), [t.name for t in all_tasks()]
    if cfg.corpus_limit:
        tasks, pages = tasks[:cfg.corpus_limit], pages[:cfg.corpus_limit]
    key = {"tasks": tasks, "pages": pages, "fp": pages_fingerprint(), "resets": cfg.corpus_resets, "seed": cfg.seed,
           "v": CODE_VERSION}
    return cached("webagent/corpus", key, lambda: data.collect_corpus(tasks, pages, PAGES_DIR, cfg.corpus_resets,
                                                                       cfg.seed, progress), expect=list)


def tokenizer(cfg, docs: list[str]) -> data.HtmlTokenizer:
    key = {"docs": data_key(docs), "vocab": cfg.vocab_size, "sentinels": cfg.sentinels, "v": CODE_VERSION}
    text = cached("webagent/tokenizer", key, lambda: data.train_tokenizer(docs, cfg.vocab_size, cfg.sentinels).to_json(),
                  expect=str)
    return data.HtmlTokenizer.from_json(text)


def data_key(docs: list[str]) -> str:
    return key_of(docs)


def load(cfg, tok, state: dict, attention: str = "tglobal"):
    m = mdl.build(shape(cfg, tok, attention), seed=cfg.seed)
    m.load_state_dict(state)
    m.to(device())
    m.eval()
    return m


def _record(cfg, folder: Path, seed: int, episodes: int) -> None:
    from workbench.web.demos import record_demos
    record_demos(folder / "base", list(cfg.tasks), episodes=episodes, seed=seed, screenshots=False,
                 success_only=True, max_steps=cfg.max_steps)
    if cfg.compositions:
        record_demos(folder / "composed", list(cfg.compositions), episodes=episodes, seed=seed, screenshots=False,
                     success_only=True, html_dir=PAGES_DIR, max_steps=cfg.max_steps)


def _examples(folder: Path, tasks) -> list[Example]:
    from workbench.web.recorder import load_dataset
    out = []
    for t in tasks:
        d = folder / "tasks" / t
        if not (d / "meta.json").exists():
            continue
        ds = load_dataset(d, success_only=True)
        for e in ds.episodes:
            out.extend(data.examples_from_steps([s.record for s in ds.episode_steps(e["episode"])]))
    return out


def demonstrations(cfg) -> tuple[list[Example], list[Example]]:
    """(training, held-out) Examples from successful oracle episodes, recorded under the cache
    (resumable; seeds cfg.seed and cfg.seed + 1000 draw disjoint episodes)."""
    root = cache_dir() / "webagent" / "demos" / f"fp-{pages_fingerprint()}"
    sets = []
    for name, seed, n in (("train", cfg.seed, cfg.demo_episodes), ("heldout", cfg.seed + 1000, cfg.heldout_episodes)):
        folder = root / f"{name}-seed{seed}-steps{cfg.max_steps}"
        _record(cfg, folder, seed, n)
        sets.append(_examples(folder / "base", cfg.tasks) + _examples(folder / "composed", cfg.compositions))
    return sets[0], sets[1]


@dataclass
class ArmRun:
    """One pre-training arm and seed: the pre-trained and fine-tuned runs and the held-out accuracy
    {task: (0/1 array over held-out examples, predictions)} (same examples for every arm and seed)."""
    arm: str
    seed: int
    pre: tr.StageRun
    fine: tr.StageRun
    acc: dict


def arm_items(cfg) -> list[tuple[str, int]]:
    """(arm, seed) of every pre-training run, seed by seed."""
    return [(arm, seed) for seed in cfg.pretrain_seeds for arm in ARMS]


def train_arm(item: tuple[str, int], cfg, tok_json: str, docs_key: str, stream, train: list[Example],
              held: list[Example]) -> ArmRun:
    """Pre-train, fine-tune and score one (arm, seed) (each stage cached by what produced it). Runs in
    a worker process: everything it needs comes in as arguments."""
    arm, seed = item
    tok = data.HtmlTokenizer.from_json(tok_json)
    spans, attention = ARMS[arm]
    mixture = tuple(getattr(cfg, spans))
    sh = shape(cfg, tok, attention)
    pkey = {"shape": sh.__dict__, "docs": docs_key, "len": cfg.pretrain_len, "mixture": list(mixture),
            "noise": cfg.noise_density, "steps": cfg.pretrain_steps, "batch": cfg.pretrain_batch,
            "lr": cfg.pretrain_lr, "seed": seed, "v": CODE_VERSION}

    def pretrain():
        m = mdl.build(sh, seed=seed).to(device())
        return tr.pretrain(m, tok, stream, mixture, cfg.noise_density, cfg.pretrain_steps, cfg.pretrain_batch,
                           cfg.pretrain_lr, seed, eval_every=max(1, cfg.pretrain_steps // 6))
    pre = cached("webagent/pretrain", pkey, pretrain, expect=tr.StageRun)
    pre.key = key_of(pkey)
    fkey = {"pre": pre.key, "train": key_of([e.__dict__ for e in train]), "held": len(held),
            "steps": cfg.finetune_steps, "batch": cfg.finetune_batch, "lr": cfg.finetune_lr, "len": cfg.max_len,
            "tgt": cfg.max_target, "seed": seed, "v": CODE_VERSION}

    def finetune():
        m = load(cfg, tok, pre.state, attention)
        return tr.finetune(m, tok, train, held, data.TASKS, cfg.finetune_steps, cfg.finetune_batch, cfg.finetune_lr,
                           cfg.max_len, cfg.max_target, seed, eval_every=max(1, cfg.finetune_steps // 6))
    fine = cached("webagent/finetune", fkey, finetune, expect=tr.StageRun)
    fine.key = key_of(fkey)
    # planning and snippets for every arm (the claims); program and act for the HTML-T5 arm only
    kinds = data.TASKS if arm == "long" else ("plan", "snippet")
    akey = {"fine": fine.key, "held": key_of([e.__dict__ for e in held]), "kinds": list(kinds), "v": CODE_VERSION}

    def score():
        m = load(cfg, tok, fine.state, attention)
        return {k: tr.accuracy(m, tok, held, k, cfg.max_len, cfg.max_target) for k in kinds}
    acc = cached("webagent/heldout_accuracy", akey, score, expect=dict)
    return ArmRun(arm, seed, pre, fine, acc)


def train_arms(cfg, tok, docs: list[str], train: list[Example], held: list[Example],
               progress=lambda step, metrics: None) -> dict[tuple[str, int], ArmRun]:
    """Every (arm, seed) of `arm_items`, `cfg.workers` at a time in worker processes. `progress(k, ...)`
    as the k-th finishes, with its held-out planning and snippet accuracy (`<arm>/plan`, `<arm>/snippet`);
    the pre-training and fine-tuning curves are in each run's history."""
    from workbench.parallel import map_in_processes

    stream = data.token_stream(tok, docs, cfg.pretrain_len)
    items = arm_items(cfg)
    out = {}
    for k, (i, r) in enumerate(map_in_processes(train_arm, items, cfg.workers, cfg, tok.to_json(), data_key(docs),
                                                stream, train, held), start=1):
        out[items[i]] = r
        progress(k, {f"{r.arm}/plan": float(r.acc["plan"][0].mean()), f"{r.arm}/snippet": float(r.acc["snippet"][0].mean())})
    return {item: out[item] for item in items}


def live_pages(cfg) -> list[tuple[str, object, str]]:
    """(page, html_dir, kind) for the live evaluation: MiniWoB base tasks, then composed pages."""
    return [(t, None, "base") for t in cfg.tasks] + [(c, PAGES_DIR, "composed") for c in cfg.compositions]


def _play(cfg, writers: dict, tag: str, episodes: int, progress, on_episode) -> list[dict]:
    """Every writer on every live page for `episodes` seeds drawn from (`tag`, seed, page), one
    browser moved from page to page; `on_episode(name, writer, page, html_dir, env, i, seed, ep)`
    after each episode. Returns one row per episode."""
    from workbench.web.agent import run_episode
    from workbench.web.env import WebEnv
    from workbench.web.program import ProgramAgent

    rows, env = [], None
    progress(0, {f"{tag}/{a}": 0.0 for a in writers})
    root = logging.getLogger()
    level = root.level
    # miniwob logs a warning for every click on a ref the page lacks, which a learning agent does often
    root.setLevel(max(level, logging.ERROR))
    try:
        for k, (page, html_dir, kind) in enumerate(live_pages(cfg), start=1):
            if env is None:
                env = WebEnv(page, html_dir=html_dir, screenshots=False, time_limit_s=60)
            else:
                env.switch_task(page, html_dir=html_dir)
            rng = random.Random(f"{tag}/{cfg.seed}/{page}")
            seeds = [rng.randrange(2**31) for _ in range(episodes)]
            for name, writer in writers.items():
                for i, s in enumerate(seeds):
                    t0 = time.perf_counter()
                    ep = run_episode(env, ProgramAgent(writer), max_steps=cfg.max_steps, seed=s)
                    rows.append({"page": page, "kind": kind, "agent": name, "seed": s, "success": bool(ep.success),
                                 "steps": ep.n_steps, "error": ep.error, "time_s": time.perf_counter() - t0,
                                 "utterance": ep.utterance})
                    on_episode(name, writer, page, html_dir, env, i, s, ep)
            progress(k, {f"{tag}/{a}": sum(r["success"] for r in rows if r["agent"] == a) /
                         max(1, sum(r["agent"] == a for r in rows)) for a in writers})
    finally:
        root.setLevel(level)
        if env is not None:
            env.close()
    return rows


def _writers(cfg, tok, run: tr.StageRun, llm=None) -> dict:
    from workbench.papers.webagent.agents import Modular, Policy, Single

    policy = Policy(load(cfg, tok, run.state), tok, cfg.max_len, cfg.max_target, cfg.program_beams)
    return {"modular": Modular(policy, llm), "single": Single(policy)}


def live(cfg, tok, run: tr.StageRun, progress=lambda step, metrics: None, llm=None) -> tuple[list[dict], list[dict]]:
    """Modular and single agents, same held-out seeds, on every live page. Returns (rows: one per
    episode, traces: the modular agent's planning trace beside the oracle's on the first episode of
    each page)."""
    traces = []

    def note(name, writer, page, html_dir, env, i, seed, ep):
        if name == "modular" and i == 0:
            traces.append({"page": page, "seed": seed, "utterance": ep.utterance, "trace": list(writer.trace),
                           "oracle": oracle_trace(env, page, html_dir, seed, cfg.max_steps)})

    rows = _play(cfg, _writers(cfg, tok, run, llm), "live", cfg.eval_episodes, progress, note)
    return rows, traces


def self_experience(cfg, tok, run: tr.StageRun, train: list[Example],
                    progress=lambda step, metrics: None) -> tuple[tr.StageRun, dict]:
    """The paper's self-experience supervision: both agents play `cfg.self_experience_episodes`
    training-seed episodes per page; the programs they wrote in episodes that succeeded become
    training data (modular -> `program` task, single -> `act` task), and the model is fine-tuned
    `cfg.self_experience_steps` more steps on them mixed with the demonstrations. Returns (the new
    run, {agent: harvested steps}); with 0 episodes, (`run`, {}) unchanged."""
    if not cfg.self_experience_episodes:
        return run, {}

    def compute():
        harvested: list[tuple[str, Example]] = []

        def keep(name, writer, page, html_dir, env, i, seed, ep):
            if ep.success:
                harvested.extend(("program" if name == "modular" else "act", e) for e in writer.examples)

        _play(cfg, _writers(cfg, tok, run), "self", cfg.self_experience_episodes, lambda s, m: None, keep)
        m = load(cfg, tok, run.state)
        out = tr.finetune(m, tok, train, [], data.TASKS, cfg.self_experience_steps, cfg.finetune_batch,
                          cfg.finetune_lr, cfg.max_len, cfg.max_target, cfg.seed + 1, extra=harvested,
                          eval_every=max(1, cfg.self_experience_steps // 4),
                          progress=lambda s, mm: progress(s, {f"self/{k}": v for k, v in mm.items()}))
        return out, {a: sum(k == t for k, _ in harvested) for a, t in (("modular", "program"), ("single", "act"))}

    key = {"run": run.key, "episodes": cfg.self_experience_episodes, "steps": cfg.self_experience_steps,
           "pages": [p for p, _, _ in live_pages(cfg)], "v": CODE_VERSION}
    out, counts = cached("webagent/self_experience", key, compute)
    out.key = key_of(key)
    return out, counts


def oracle_trace(env, page: str, html_dir, seed: int, max_steps: int) -> list[dict]:
    """The oracle's canonical sub-instructions and refs on the same episode (same seed)."""
    from workbench.web.agent import run_episode
    from workbench.web.composed import oracle as composed_oracle
    from workbench.web.oracles import oracle

    agent = oracle(page) if html_dir is None else composed_oracle()
    notes = []

    class Noting:
        def reset(self, obs):
            agent.reset(obs)

        def act(self, obs, history):
            a = agent.act(obs, history)
            n = agent.step_note()
            notes.append({"sub_instruction": data.canonical(n["sub_instruction"]), "refs": n["refs"],
                          "program": data.program_of(a)})
            return a

    run_episode(env, Noting(), max_steps=max_steps, seed=seed)
    return notes


def speed(cfg, progress=lambda done, total: None) -> list[dict]:
    """TGlobal vs dense forward+backward time and activation memory (measured, never cached)."""
    return mdl.speed_table(cfg.vocab_size + 3 + cfg.sentinels, tuple(cfg.speed_lengths), cfg.d_model, cfg.layers,
                           cfg.heads, repeats=cfg.speed_repeats, device=device(), progress=progress)


def snippet_example(cfg, tok, run: tr.StageRun, page: str, html_dir=None, seed: int = 12345) -> dict:
    """One live page (screenshot on): the model's first sub-instruction and snippet refs, and the
    oracle's first sub-instruction and refs on the same episode, for `analysis.fig_snippet`."""
    from workbench.web.composed import oracle as composed_oracle
    from workbench.web.env import WebEnv
    from workbench.web.oracles import oracle
    from workbench.papers.webagent.agents import Policy, _example

    policy = Policy(load(cfg, tok, run.state), tok, cfg.max_len, cfg.max_target)
    with WebEnv(page, html_dir=html_dir, screenshots=True, time_limit_s=60) as env:
        obs = env.reset(seed=seed)
        sub = policy.run("plan", _example(obs, [], []))
        refs = list(data.parse_refs(policy.run("snippet", _example(obs, [], [], sub))))
        agent = oracle(page) if html_dir is None else composed_oracle()
        agent.reset(obs)
        agent.act(obs, [])
        note = agent.step_note()
    return {"obs": obs, "sub_instruction": sub, "refs": refs,
            "oracle_sub_instruction": data.canonical(note["sub_instruction"]), "oracle_refs": note["refs"]}
