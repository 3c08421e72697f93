"""Full-batch AdamW on one modular operation, with Fourier measures logged during training.

    runs = train(cfg, progress=dash)        # {label: Run} for cfg.ops, then the ablation runs
    run = train_op(cfg, "add")              # one operation

Optimiser (official configs): AdamW lr 1e-3, weight decay 1.0 (decoupled, as torch.optim.AdamW),
betas (0.9, 0.98), eps 1e-8, full batch, cross-entropy in float64.

Why JAX: measured on this shared 2-core machine (p=59, frac 0.4, same model and batch), one jitted
JAX step took ~20-30 ms after a ~1 s compile, torch.compile ~29 ms after a ~36 s compile (and it
recompiles for every dataset size), plain eager torch ~95 ms. The compile time alone rules torch.compile
out of a 60-s smoke run. benchmarks/grokking_steps.py repeats the comparison.

float64 loss without a global switch: the train step is traced and run inside `jax.enable_x64(True)`
(a context, so other JAX users in the same process keep float32 defaults); parameters stay float32.
"""
from __future__ import annotations

import dataclasses
import time
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

import jax
import jax.numpy as jnp
import optax

from workbench.history import History, Progress, no_progress
from workbench.papers.grokking import fourier
from workbench.papers.grokking.config import Config
from workbench.papers.grokking.data import Dataset, make_dataset
from workbench.papers.grokking.model import forward, init_params, logit_map, loss_fn

RUN_VERSION = 1  # bump when the training code changes what a cached run contains
# Config fields that change what training produces (the cache key); measure parameters are not among
# them: the Fourier series are recomputed from the stored component norms (Run.remeasure).
TRAINING_FIELDS = ("p", "train_frac", "operand_range", "seed", "d_model", "n_heads", "d_mlp", "lr", "weight_decay", "beta1",
                   "beta2", "steps", "stop_after_grok", "eval_every", "n_checkpoints", "grok_threshold")


@dataclass
class Run:
    """One trained operation: the logged rows, the Fourier component norms per evaluation, log-spaced
    checkpoints of W_E and W_L, and the final parameters (numpy)."""
    op: str
    pos_embed: bool
    history: History                       # train/loss, train/acc, eval/loss, eval/acc, attn/{a,op,b}, fourier/*
    eval_steps: list[int]
    norms_E: np.ndarray                    # (n_evals, p) Fourier component norms of W_E[:p]
    norms_L: np.ndarray                    # (n_evals, p) of W_L
    checkpoints: list[dict]                # [{"step", "W_E": (p, d), "W_L": (p, d_mlp)}] at log-spaced steps
    params: dict                           # final parameters
    steps_done: int = 0
    train_time_s: float = 0.0
    compile_time_s: float = 0.0
    label: str = ""

    def remeasure(self, cfg: Config) -> None:
        """Recompute the fourier/* keys of every row from the stored norms with cfg's measure settings."""
        by_step = {s: i for i, s in enumerate(self.eval_steps)}
        for step, row in self.history.rows:
            if step in by_step:
                row.update(fourier_metrics(self.norms_E[by_step[step]], self.norms_L[by_step[step]], cfg))


def fourier_metrics(norms_E: np.ndarray, norms_L: np.ndarray, cfg: Config) -> dict[str, float]:
    out = {}
    for name, n in (("E", norms_E), ("L", norms_L)):
        m = fourier.measures_from_norms(n, cfg.ffs_eta, cfg.ffs_norm, cfg.fourier_const, cfg.fcr_weighting)
        out.update({f"fourier/{k}_{name}": v for k, v in m.items()})
    return out


def schedule(cfg: Config) -> tuple[list[int], set[int]]:
    """(evaluation steps, checkpoint steps): every eval_every steps, plus n_checkpoints log-spaced steps."""
    ckpt = {0} | {int(s) for s in np.unique(np.round(np.geomspace(1, cfg.steps, max(cfg.n_checkpoints - 1, 1))))}
    evals = sorted(set(range(0, cfg.steps + 1, cfg.eval_every)) | ckpt | {cfg.steps})
    return evals, ckpt


@lru_cache(maxsize=8)
def make_step_fns(lr: float, beta1: float, beta2: float, weight_decay: float, n_heads: int):
    """The optimiser and the jitted train/eval functions; cached, so runs with the same settings and data
    shapes reuse one compiled executable."""
    opt = optax.adamw(lr, b1=beta1, b2=beta2, eps=1e-8, weight_decay=weight_decay)

    @jax.jit
    def step(params, opt_state, x, y):
        loss, grads = jax.value_and_grad(loss_fn)(params, x, y, n_heads)
        updates, opt_state = opt.update(grads, opt_state, params)
        return optax.apply_updates(params, updates), opt_state, loss

    @jax.jit
    def evaluate(params, x, y, is_train):
        logits, attn = forward(params, x, n_heads)
        logp = jax.nn.log_softmax(logits.astype(jnp.float64), axis=-1)
        nll = -jnp.take_along_axis(logp, y[:, None], axis=1)[:, 0]
        correct = (jnp.argmax(logits, axis=-1) == y).astype(jnp.float64)
        w_tr, w_te = is_train / jnp.sum(is_train), (1 - is_train) / jnp.sum(1 - is_train)
        return {"train/loss": jnp.sum(nll * w_tr), "train/acc": jnp.sum(correct * w_tr),
                "eval/loss": jnp.sum(nll * w_te), "eval/acc": jnp.sum(correct * w_te),
                "attn/a": jnp.mean(attn[:, 0]), "attn/op": jnp.mean(attn[:, 1]), "attn/b": jnp.mean(attn[:, 2])}

    return opt, step, evaluate


def train_op(cfg: Config, op: str, pos_embed: bool | None = None, progress: Progress = no_progress,
             data: Dataset | None = None) -> Run:
    """Train one operation from scratch; `progress(step, metrics)` at step 0 and every evaluation."""
    pos_embed = cfg.pos_embed if pos_embed is None else pos_embed
    data = data or make_dataset(op, cfg.p, cfg.train_frac, cfg.seed, cfg.operand_range)
    p = cfg.p
    evals, ckpt_steps = schedule(cfg)
    history, eval_steps, norms_E, norms_L, checkpoints = History(), [], [], [], []
    with jax.enable_x64(True):
        params = init_params(jax.random.PRNGKey(cfg.seed), data.d_vocab, cfg.d_model, cfg.n_heads, cfg.d_mlp, pos_embed)
        opt, step_fn, eval_fn = make_step_fns(cfg.lr, cfg.beta1, cfg.beta2, cfg.weight_decay, cfg.n_heads)
        opt_state = opt.init(params)
        x, y = jnp.asarray(data.train_x), jnp.asarray(data.train_y)
        x_all = jnp.asarray(np.concatenate([data.train_x, data.test_x]))
        y_all = jnp.asarray(np.concatenate([data.train_y, data.test_y]))
        is_train = jnp.asarray(np.r_[np.ones(len(data.train_y)), np.zeros(len(data.test_y))], dtype=jnp.float64)
        compile_s, t_train, step, last_t, last_step, grok_step = 0.0, 0.0, 0, time.time(), 0, None
        for target in evals:
            t = time.time()
            if step == 0 and target > 0:   # the first call compiles: timed apart from training
                params, opt_state, loss = step_fn(params, opt_state, x, y)
                jax.block_until_ready(params)
                step, compile_s, t = 1, compile_s + time.time() - t, time.time()
                last_t, last_step = t, 1
            while step < target:
                params, opt_state, loss = step_fn(params, opt_state, x, y)
                step += 1
            jax.block_until_ready(params)
            t_train += time.time() - t
            t = time.time()
            metrics = {k: float(v) for k, v in eval_fn(params, x_all, y_all, is_train).items()}
            if step == 0:
                compile_s += time.time() - t
            W_E = np.asarray(params["W_E"][:p])
            W_L = logit_map(params, p)
            nE, nL = fourier.component_norms(W_E), fourier.component_norms(W_L)
            metrics.update(fourier_metrics(nE, nL, cfg))
            now = time.time()
            metrics["time/sps"] = (step - last_step) / max(now - last_t, 1e-9) if step > last_step else 0.0
            last_t, last_step = now, step
            history.log(step, metrics)
            eval_steps.append(step)
            norms_E.append(nE)
            norms_L.append(nL)
            if grok_step is None and metrics["eval/acc"] >= cfg.grok_threshold:
                grok_step = step
            stop = cfg.stop_after_grok >= 0 and grok_step is not None and step >= grok_step + cfg.stop_after_grok
            if step in ckpt_steps or stop or step == cfg.steps:
                checkpoints.append({"step": step, "W_E": W_E.astype(np.float32), "W_L": W_L.astype(np.float32)})
            progress(step, metrics)
            if stop:
                break
    final = {k: np.asarray(v) for k, v in params.items()}
    return Run(op, pos_embed, history, eval_steps, np.array(norms_E), np.array(norms_L), checkpoints, final,
               steps_done=step, train_time_s=t_train, compile_time_s=compile_s)


def run_specs(cfg: Config, first_seed: bool = True) -> list[tuple[str, bool]]:
    """(op, pos_embed) for every run: cfg.ops in the paper's architecture, then the ablations. Seeds after
    the first train only cfg.seed_ops."""
    if not first_seed:
        return [(op, cfg.pos_embed) for op in cfg.ops if op in cfg.seed_ops]
    return [(op, cfg.pos_embed) for op in cfg.ops] + [(op, not cfg.pos_embed) for op in cfg.ablation_ops]


def run_labels(cfg: Config, first_seed: bool = True) -> list[str]:
    """Labels of the runs train() returns, e.g. ['add', 'sub', ..., 'sub+pos']."""
    return [op + ("+pos" if pos else "") for op, pos in run_specs(cfg, first_seed)]


def n_runs(cfg: Config) -> int:
    """Runs of train_seeds(cfg): every run on the first seed, cfg.seed_ops on the others."""
    return len(run_specs(cfg)) + (cfg.n_seeds - 1) * len(run_specs(cfg, first_seed=False))


def train(cfg: Config, progress: Progress = no_progress, first_seed: bool = True) -> dict[str, Run]:
    """Train (or load from workbench.cache) every run of run_specs(cfg); returns {label: Run}.

    For one live dashboard over several runs, `progress` gets keys prefixed by the run's label
    ("add/eval/acc") and a global step: run i's step s is reported as i * cfg.steps + s.
    A cached run replays its rows through `progress`, so the dashboard shows it too."""
    from workbench.cache import cached

    runs: dict[str, Run] = {}
    for i, (op, pos) in enumerate(run_specs(cfg, first_seed)):
        label = op + ("+pos" if pos else "")
        offset = i * cfg.steps
        prefixed = lambda s, m, label=label, offset=offset: progress(offset + s, {f"{label}/{k}": v for k, v in m.items()})
        fresh = []

        def compute(op=op, pos=pos, prefixed=prefixed):
            fresh.append(True)
            return train_op(cfg, op, pos, progress=prefixed)

        description = {"version": RUN_VERSION, "op": op, "pos_embed": pos,
                       **{k: getattr(cfg, k) for k in TRAINING_FIELDS}}
        run = cached("grokking/run", description, compute, enabled=cfg.use_cache)
        run.label = label
        run.remeasure(cfg)
        if not fresh:
            for step, metrics in run.history.rows:
                prefixed(step, metrics)
        runs[label] = run
    return runs


def seed_list(cfg: Config) -> list[int]:
    """The training seeds: cfg.seed, cfg.seed + 1, ..., n_seeds of them."""
    return [cfg.seed + i for i in range(cfg.n_seeds)]


def train_seeds(cfg: Config, progress: Progress = no_progress) -> dict[int, dict[str, Run]]:
    """train() once per seed of seed_list(cfg) (each run cached on its own): {seed: {label: Run}}; the first
    seed trains every run, the others cfg.seed_ops only. Seed i's runs are reported to `progress` after
    seed i-1's, each run over cfg.steps of the global step axis."""
    out, offset = {}, 0
    for i, seed in enumerate(seed_list(cfg)):
        shifted = lambda s, m, off=offset: progress(off + s, m)
        out[seed] = train(dataclasses.replace(cfg, seed=seed), progress=shifted, first_seed=i == 0)
        offset += len(run_specs(cfg, first_seed=i == 0)) * cfg.steps
    return out
