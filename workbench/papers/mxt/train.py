"""Behaviour distillation: one student (Transformer or MLP) fitted to many experts' actions by masked MSE.

    run = distill(cfg, "transformer", data, train_rows, valid_rows, feature_set="mtg", progress=dash)
    run.params, run.history          # flax params; train/loss, eval/loss rows

MxT Sec. 4.2 / `train_bc_transformer.py`: Adam, batch 256, 0.5 * MSE masked by the limb mask. MxT trains a fixed
100k steps; at this scale every student instead trains until its held-out loss stops improving (`early_stop`:
one rule for every student), with cfg.bc_steps as the cap, and keeps its parameters at the best check. The update is
one jitted function scanned over `cfg.log_every` minibatches, so progress is reported between compiled
chunks (the brax `progress_fn` shape). Minibatches are drawn uniformly from a pool of row indices of a
fixed length (`data.pool`) and the feature mask is an argument, so the multi-task, ablation and zero-shot
students of one model kind share one compilation.
"""
from __future__ import annotations

import dataclasses
import time

import numpy as np

from workbench.history import History, no_progress
from workbench.papers.mxt import tokens as tk

FIELDS = ("tokens", "mask", "target", "action_mask")


@dataclasses.dataclass
class StudentRun:
    kind: str                 # transformer | mlp
    feature_set: str          # mtg | no_morph
    params: dict
    history: History
    timing: dict              # jit_s, train_s, steps_per_s, steps (run), best_step (kept), stopped_early
    n_params: int
    seed: int = 0             # its init and minibatch seed


def early_stop(losses: list[float], patience: int, min_delta: float) -> tuple[bool, int]:
    """(stop now?, index of the best check) for held-out losses in check order: the best is the lowest; stop
    when none of the last `patience` checks came below (1 - min_delta) x the best loss before them."""
    best = int(np.argmin(losses))
    if len(losses) <= patience:
        return False, best
    before = min(losses[:-patience])
    return bool(min(losses[-patience:]) >= (1.0 - min_delta) * before), best


_FNS: dict = {}


def _fns(cfg, kind: str, chunk: int):
    """(optimizer, jitted update over `chunk` minibatches, jitted loss on pooled rows), once per shape family."""
    key = (kind, cfg.d_model, cfg.heads, cfg.layers, cfg.d_ff, tuple(cfg.mlp_hidden), cfg.bc_lr, cfg.batch_size, chunk)
    if key in _FNS:
        return _FNS[key]
    import jax
    import jax.numpy as jnp
    import optax
    from workbench.papers.mxt.model import make_model, masked_mse
    model = make_model(kind, cfg)
    opt = optax.adam(cfg.bc_lr)

    def loss_fn(params, data, idx, feat):
        b = {k: data[k][idx] for k in FIELDS}
        return masked_mse(model.apply(params, b["tokens"] * feat, b["mask"]), b["target"], b["action_mask"])

    def one(carry, key, data, pool, feat):
        params, opt_state = carry
        idx = pool[jax.random.randint(key, (cfg.batch_size,), 0, pool.shape[0])]
        loss, grads = jax.value_and_grad(loss_fn)(params, data, idx, feat)
        updates, opt_state = opt.update(grads, opt_state, params)
        return (optax.apply_updates(params, updates), opt_state), loss

    @jax.jit
    def update(params, opt_state, data, pool, feat, key):
        (params, opt_state), losses = jax.lax.scan(lambda c, k: one(c, k, data, pool, feat), (params, opt_state),
                                                   jax.random.split(key, chunk))
        return params, opt_state, jnp.mean(losses)

    _FNS[key] = (model, opt, update, jax.jit(loss_fn))
    return _FNS[key]


def distill(cfg, kind: str, data: dict, train_rows: np.ndarray, valid_rows: np.ndarray | None = None,
            feature_set: str = "mtg", seed: int = 0, progress=no_progress, pool_size: int | None = None,
            steps: int | None = None, stop_early: bool = True) -> StudentRun:
    """Fit student `kind` on data[train_rows] for at most `steps` (default cfg.bc_steps) minibatches of
    cfg.batch_size; the held-out loss (eval/loss) on data[valid_rows] is checked every cfg.log_every steps.
    `stop_early` (and held-out rows given): stop by `early_stop(cfg.patience, cfg.min_delta)` and return the
    parameters of the best check. `data` holds every env's rows (`data.concat`)."""
    import jax
    import jax.numpy as jnp
    from workbench.papers.mxt.data import pool
    from workbench.papers.mxt.model import param_count
    steps = int(cfg.bc_steps if steps is None else steps)
    chunk = max(1, min(cfg.log_every, steps))
    model, opt, update, loss = _fns(cfg, kind, chunk)
    feat = jnp.asarray(tk.feature_mask(feature_set))
    key = jax.random.PRNGKey(seed)
    k_init, key = jax.random.split(key)
    arrays = {k: jnp.asarray(data[k]) for k in FIELDS}
    n_all = len(data["target"])
    train_pool = jnp.asarray(pool(train_rows, pool_size or n_all, seed))
    # the held-out sample does not depend on the training seed: every student is checked on one set
    valid_pool = jnp.asarray(pool(valid_rows, 2048, 0)) if valid_rows is not None and len(valid_rows) else None
    params = model.init(k_init, arrays["tokens"][:2], arrays["mask"][:2])
    opt_state = opt.init(params)
    history = History()
    checks: list[float] = []                 # held-out loss at each check
    best = {"params": params, "step": 0}

    def report(step, metrics):
        if valid_pool is not None:
            metrics["eval/loss"] = float(loss(params, arrays, valid_pool, feat))
            checks.append(metrics["eval/loss"])
        history.log(step, metrics)
        progress(step, metrics)

    report(0, {"train/loss": float(loss(params, arrays, train_pool[:2048], feat))})
    stop_early = stop_early and valid_pool is not None
    t0 = time.time()
    update_c = update.lower(params, opt_state, arrays, train_pool, feat, key).compile()
    jit_s = time.time() - t0
    train_s, step = 0.0, 0
    while step < steps:
        key, k = jax.random.split(key)
        t0 = time.time()
        params, opt_state, value = update_c(params, opt_state, arrays, train_pool, feat, k)
        value = float(value)
        train_s += time.time() - t0
        step += chunk
        report(step, {"train/loss": value, "time/steps_per_s": step / train_s})
        if stop_early:
            stop, i_best = early_stop(checks, cfg.patience, cfg.min_delta)
            if i_best == len(checks) - 1:
                best = {"params": params, "step": step}
            if stop:
                break
    stopped = stop_early and step < steps
    kept = best["params"] if stop_early else params
    return StudentRun(kind, feature_set, jax.device_get(kept), history,
                      {"jit_s": jit_s, "train_s": train_s, "steps_per_s": step / max(train_s, 1e-9), "steps": step,
                       "best_step": best["step"] if stop_early else step, "stopped_early": bool(stopped)},
                      param_count(params), seed)


def save_arrays(data: dict, folder) -> str:
    """The token set as one .npy per field in `folder` (worker processes map them instead of unpickling)."""
    from pathlib import Path
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    for k in FIELDS:
        np.save(folder / f"{k}.npy", np.ascontiguousarray(data[k]))
    return str(folder)


def load_arrays(folder) -> dict:
    from pathlib import Path
    return {k: np.load(Path(folder) / f"{k}.npy", mmap_mode="r") for k in FIELDS}


def student_job(job: tuple, cfg, data, pool_size: int) -> StudentRun:
    """One student from a job (kind, feature set, seed, train rows, held-out rows); `data` is the token set or
    the folder `save_arrays` wrote (in a worker process). Module level, so worker processes can run it."""
    kind, feature_set, seed, train_rows, valid_rows = job
    if isinstance(data, str):
        data = load_arrays(data)
    return distill(cfg, kind, data, train_rows, valid_rows, feature_set, seed, pool_size=pool_size)


def predict(cfg, run: StudentRun, tokens, mask):
    """Per-token actions [B, N] of a trained student (features masked as in training)."""
    import jax.numpy as jnp
    from workbench.papers.mxt.model import make_model
    return make_model(run.kind, cfg).apply(run.params, jnp.asarray(tokens) * tk.feature_mask(run.feature_set),
                                           jnp.asarray(mask))
