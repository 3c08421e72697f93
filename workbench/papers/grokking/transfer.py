"""The paper's later experiments (the longer version): fine-tuning from pre-grokked runs, and multi-task
mixtures.

    ft = transfer_runs(cfg, runs)       # {"add>2x3y/embed": MultiRun, ..., "scratch/2x3y": MultiRun}
    mix = mixture_runs(cfg)             # {"add,sub": MultiRun, ...}

Transfer (official train_emb_ft.py and its *_ft_emb / *_ft_model configs): a new model is built with the
usual initialisation, then the pre-grokked source model's weights are loaded into one part and that part is
frozen (no gradient, so AdamW neither moves nor decays it):
- "embed": the token embedding W_E (the official load_weigths = frozen_weigths = ['embed']);
- "block": attention W_Q, W_K, W_V, W_O and MLP W_in, W_out (['transformer']); W_E and W_U start fresh.
The source is the first seed's trained run of the source operation (it stopped `stop_after_grok` steps
after grokking, so it is a grokked model), the target is trained on its own data with the same split seed.
A from-scratch run of each target at the same budget is the baseline.

Mixture (official train_emb.py with fn_name "add,subtract", ...): one model, every task fed as [a, op, b]
on the same training pairs, the loss the sum of the tasks' mean cross-entropies; each task's test accuracy
is logged. A mixture run stops `stop_after_grok` steps after its last task grokked.
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np

import jax
import jax.numpy as jnp
import optax

from workbench.history import History, Progress, no_progress
from workbench.papers.grokking.config import Config, mixture_ops, transfer_pair
from workbench.papers.grokking.data import make_dataset
from workbench.papers.grokking.model import forward, init_params, loss_fn

MULTI_VERSION = 1   # bump when this module changes what a cached run contains
FROZEN = {"embed": ("W_E",), "block": ("W_Q", "W_K", "W_V", "W_O", "W_in", "W_out")}
MULTI_FIELDS = ("p", "train_frac", "operand_range", "seed", "d_model", "n_heads", "d_mlp", "lr", "weight_decay",
                "beta1", "beta2", "stop_after_grok", "eval_every", "grok_threshold")


@dataclass
class MultiRun:
    """One run on one or more tasks: per-task logged accuracies (`<op>/train/acc`, `<op>/eval/acc`,
    `<op>/eval/loss`), the per-test-pair correctness at the probe step, and the final parameters."""
    ops: tuple[str, ...]
    history: History
    probe_step: int | None = None
    probe_correct: dict = field(default_factory=dict)   # op -> (n_test,) 1.0/0.0 at probe_step
    params: dict = field(default_factory=dict)
    steps_done: int = 0
    train_time_s: float = 0.0
    label: str = ""

    def grok_step(self, op: str, threshold: float) -> int | None:
        return self.history.first_step(f"{op}/eval/acc", threshold)


@lru_cache(maxsize=8)
def _step_fns(lr, beta1, beta2, weight_decay, n_heads, frozen: tuple[str, ...], n_tasks: int):
    """Jitted train step (loss = n_tasks x the mean over the concatenated tasks = the sum of the tasks'
    means, all tasks having the same number of pairs; frozen parameters are put back after every update)
    and a per-pair correctness function."""
    opt = optax.adamw(lr, b1=beta1, b2=beta2, eps=1e-8, weight_decay=weight_decay)

    @jax.jit
    def step(params, opt_state, x, y):
        loss, grads = jax.value_and_grad(lambda q: n_tasks * loss_fn(q, x, y, n_heads))(params)
        updates, opt_state = opt.update(grads, opt_state, params)
        new = optax.apply_updates(params, updates)
        return {k: (params[k] if k in frozen else v) for k, v in new.items()}, opt_state, loss

    @jax.jit
    def correct(params, x, y):
        logits, _ = forward(params, x, n_heads)
        return (jnp.argmax(logits, axis=-1) == y).astype(jnp.float64)

    return opt, step, correct


def train_multi(cfg: Config, ops: tuple[str, ...], steps: int, init: dict | None = None,
                frozen: tuple[str, ...] = (), probe_step: int | None = None,
                progress: Progress = no_progress) -> MultiRun:
    """Train one model on `ops` (summed losses, same pairs) for up to `steps` full-batch steps.
    `init`: parameters to load over the fresh initialisation (only the keys given); `frozen`: parameter
    names that never change. Stops stop_after_grok steps after every task's test accuracy reached
    grok_threshold."""
    datasets = [make_dataset(op, cfg.p, cfg.train_frac, cfg.seed, cfg.operand_range) for op in ops]
    history, probe = History(), {}
    t0 = time.time()
    with jax.enable_x64(True):
        params = init_params(jax.random.PRNGKey(cfg.seed), datasets[0].d_vocab, cfg.d_model, cfg.n_heads,
                             cfg.d_mlp, cfg.pos_embed)
        if init:
            params = {k: (jnp.asarray(init[k], dtype=v.dtype) if k in init else v) for k, v in params.items()}
        opt, step_fn, correct_fn = _step_fns(cfg.lr, cfg.beta1, cfg.beta2, cfg.weight_decay, cfg.n_heads,
                                             tuple(sorted(frozen)), len(ops))
        opt_state = opt.init(params)
        x = jnp.asarray(np.concatenate([d.train_x for d in datasets]))
        y = jnp.asarray(np.concatenate([d.train_y for d in datasets]))
        tests = [(jnp.asarray(d.train_x), jnp.asarray(d.train_y), jnp.asarray(d.test_x), jnp.asarray(d.test_y))
                 for d in datasets]
        grokked: dict[str, int] = {}
        evals = sorted(set(range(0, steps + 1, cfg.eval_every)) | {steps} | ({probe_step} if probe_step else set()))
        step = 0
        for target in evals:
            while step < target:
                params, opt_state, _ = step_fn(params, opt_state, x, y)
                step += 1
            metrics = {}
            for op, (trx, try_, tex, tey) in zip(ops, tests):
                test_correct = np.asarray(correct_fn(params, tex, tey))
                metrics[f"{op}/train/acc"] = float(np.mean(np.asarray(correct_fn(params, trx, try_))))
                metrics[f"{op}/eval/acc"] = float(test_correct.mean())
                if step == probe_step:
                    probe[op] = test_correct
                if op not in grokked and metrics[f"{op}/eval/acc"] >= cfg.grok_threshold:
                    grokked[op] = step
            history.log(step, metrics)
            progress(step, metrics)
            last_grok = max(grokked.values()) if len(grokked) == len(ops) else None
            if (cfg.stop_after_grok >= 0 and last_grok is not None and step >= last_grok + cfg.stop_after_grok
                    and (probe_step is None or step >= probe_step)):
                break
        final = {k: np.asarray(v) for k, v in params.items()}
    return MultiRun(tuple(ops), history, probe_step, probe, final, step, time.time() - t0)


def _cached_multi(cfg: Config, kind: str, description: dict, compute) -> MultiRun:
    from workbench.cache import cached

    desc = {"version": MULTI_VERSION, "kind": kind, **description, **{k: getattr(cfg, k) for k in MULTI_FIELDS}}
    return cached("grokking/multi", desc, compute, enabled=cfg.use_cache)


def transfer_runs(cfg: Config, runs: dict, progress: Progress = no_progress) -> dict[str, MultiRun]:
    """Every transfer of cfg.transfers x cfg.transfer_modes ('<source>><target>/<mode>'), then one
    from-scratch baseline per target ('scratch/<target>'). `runs`: the first seed's {label: Run}.
    `progress` gets keys prefixed by the run's label on one global step axis (transfer_steps per run)."""
    out: dict[str, MultiRun] = {}
    trained = [t for t in cfg.transfers if transfer_pair(t)[0] in cfg.ops]   # a source not in `ops` has no run to start from
    jobs = [(t, mode) for t in trained for mode in cfg.transfer_modes]
    targets = list(dict.fromkeys(transfer_pair(t)[1] for t in trained))
    jobs += [(f"scratch>{t}", "scratch") for t in targets]
    for i, (t, mode) in enumerate(jobs):
        source, target = transfer_pair(t)
        label = f"scratch/{target}" if mode == "scratch" else f"{t}/{mode}"
        report = lambda s, m, label=label, off=i * cfg.transfer_steps: progress(off + s, {f"{label}/{k}": v for k, v in m.items()})
        if mode == "scratch":
            init, frozen, source_desc = None, (), None
        else:
            frozen = FROZEN[mode]
            init = {k: runs[source].params[k] for k in frozen}
            source_desc = {"op": source, "steps_done": runs[source].steps_done, "steps": cfg.steps}
        run = _cached_multi(cfg, "transfer", {"target": target, "mode": mode, "source": source_desc,
                                              "steps": cfg.transfer_steps, "probe": cfg.transfer_probe_step},
                            lambda: train_multi(cfg, (target,), cfg.transfer_steps, init, frozen,
                                                cfg.transfer_probe_step, report))
        run.label = label
        out[label] = run
    return out


def mixture_runs(cfg: Config, progress: Progress = no_progress) -> dict[str, MultiRun]:
    """One run per mixture of cfg.mixtures, keyed by the mixture string ('add,sub')."""
    out = {}
    for i, m in enumerate(cfg.mixtures):
        report = lambda s, metrics, m=m, off=i * cfg.mixture_steps: progress(off + s, {f"{m}/{k}": v for k, v in metrics.items()})
        run = _cached_multi(cfg, "mixture", {"ops": list(mixture_ops(m)), "steps": cfg.mixture_steps},
                            lambda m=m, report=report: train_multi(cfg, mixture_ops(m), cfg.mixture_steps,
                                                                    progress=report))
        run.label = m
        out[m] = run
    return out


def _key(text: str) -> str:
    """A run label as part of a claim variable name: 'add>2x3y/embed' -> 'add_2x3y_embed', 'add,sub' -> 'add_sub'."""
    return text.replace(">", "_").replace("/", "_").replace(",", "_")


def final_correct(cfg: Config, run: MultiRun) -> np.ndarray:
    """(n_test, n_tasks) 1.0/0.0: the final parameters' prediction on each task's test pairs (the tasks share
    their test pairs, so the rows line up)."""
    cols = []
    with jax.enable_x64(True):
        _, _, correct_fn = _step_fns(cfg.lr, cfg.beta1, cfg.beta2, cfg.weight_decay, cfg.n_heads, (), 1)
        for op in run.ops:
            d = make_dataset(op, cfg.p, cfg.train_frac, cfg.seed, cfg.operand_range)
            cols.append(np.asarray(correct_fn(run.params, jnp.asarray(d.test_x), jnp.asarray(d.test_y))))
    return np.stack(cols, axis=1)


def measured(cfg: Config, ft: dict[str, MultiRun], mix: dict[str, MultiRun]) -> dict:
    """Claim variables of the transfer and mixture experiments (one seed each: every quantity is bootstrapped
    over the test pairs with seed 0, so quantities of different runs are paired pair by pair):
    - xfer_<source>_<target>_<mode>_probe_acc, scratch_<target>_probe_acc: test accuracy at transfer_probe_step;
    - xfer_<source>_<target>_<mode>_gain: the first minus the second (same test pairs);
    - xfer_..._test_acc: final test accuracy;
    - mix_<ops>_<op>_test_acc: each task's final test accuracy in the mixture, mix_<ops>_min_test_acc the
      lowest of them (co-grokking: every task generalises)."""
    from workbench.results import bootstrap

    out: dict = {}
    for label, run in ft.items():
        (target,) = run.ops
        probe = run.probe_correct[target]
        if label.startswith("scratch/"):
            out[f"scratch_{_key(target)}_probe_acc"] = bootstrap(probe, seed=0)
            continue
        base = ft[f"scratch/{target}"].probe_correct[target]
        name = f"xfer_{_key(label)}"
        out[f"{name}_probe_acc"] = bootstrap(probe, seed=0)
        out[f"{name}_gain"] = bootstrap(np.stack([probe, base], axis=1), lambda u: float(u[:, 0].mean() - u[:, 1].mean()), seed=0)
        out[f"{name}_test_acc"] = bootstrap(final_correct(cfg, run)[:, 0], seed=0)
    for m, run in mix.items():
        c = final_correct(cfg, run)
        for j, op in enumerate(run.ops):
            out[f"mix_{_key(m)}_{op}_test_acc"] = bootstrap(c[:, j], seed=0)
        out[f"mix_{_key(m)}_min_test_acc"] = bootstrap(c, lambda u: float(u.mean(axis=0).min()), seed=0)
    return out


def single_task_grok_steps(cfg: Config, runs: dict, ops) -> dict[str, int | None]:
    """The first seed's single-task grok step of each op (for comparison with the mixtures)."""
    from workbench.papers.grokking.analysis import steps_to

    return {op: (steps_to(runs[op], cfg)["steps_to_test95"] if op in runs else None) for op in ops}


def transfer_table(cfg: Config, ft: dict[str, MultiRun]):
    """One row per fine-tuning run: source, target, mode, test accuracy at the probe step and at the end,
    grok step, and the from-scratch baseline's values beside them (pandas)."""
    import pandas as pd
    from workbench.papers.grokking.data import formula

    rows = []
    for label, run in ft.items():
        if label.startswith("scratch/"):
            continue
        (target,) = run.ops
        source = transfer_pair(label.split("/")[0])[0]
        base = ft[f"scratch/{target}"]
        rows.append({"source": formula(source), "target": formula(target), "loaded and frozen": label.split("/")[1],
                     f"test acc at step {cfg.transfer_probe_step}": round(float(run.probe_correct[target].mean()), 3),
                     f"scratch at step {cfg.transfer_probe_step}": round(float(base.probe_correct[target].mean()), 3),
                     "final test acc": round(run.history.last(f"{target}/eval/acc"), 3),
                     "grok step": run.grok_step(target, cfg.grok_threshold),
                     "scratch grok step": base.grok_step(target, cfg.grok_threshold),
                     "steps run": run.steps_done})
    return pd.DataFrame(rows)


def mixture_table(cfg: Config, mix: dict[str, MultiRun], runs: dict):
    """One row per (mixture, task): final test accuracy, grok step in the mixture and alone (first seed)."""
    import pandas as pd
    from workbench.papers.grokking.data import formula

    rows = []
    for m, run in mix.items():
        alone = single_task_grok_steps(cfg, runs, run.ops)
        for op in run.ops:
            rows.append({"mixture": " & ".join(formula(o) for o in run.ops), "task": formula(op),
                         "final test acc": round(run.history.last(f"{op}/eval/acc"), 3),
                         "grok step in mixture": run.grok_step(op, cfg.grok_threshold),
                         "grok step alone": alone[op], "steps run": run.steps_done})
    return pd.DataFrame(rows)
