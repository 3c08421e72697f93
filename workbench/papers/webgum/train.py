"""Behaviour cloning of WebGUM-lite on featurised demonstrations, and the greedy agent it gives.

`fit(cfg, examples, idx, variant, progress, heldout=...)` runs AdamW on the BC loss (`model.loss_fn`)
in updates of `cfg.batch_size` steps drawn from `idx`. Given held-out steps it trains to convergence,
one rule for every model: linear warm-up over `WARMUP` updates, then a constant learning rate; the
exact-action accuracy on the held-out steps every `cfg.eval_every` updates; stop after `cfg.patience`
checks without a better one or at `cfg.max_updates`, and keep the best weights. Without held-out
steps it runs `cfg.train_steps` updates under a warm-up + cosine schedule (the benchmark's setting). The loop packs the whole
training set into padded tensors once and cuts each batch's padding down to its own longest row, so
an update costs the model's forward and backward and little else (`benchmarks/webgum_train.py`
compares it with `fit_plain`, the DataLoader loop that pads every batch again).

`GUMAgent(model, cfg)` acts in a live `WebEnv`: it featurises the observation exactly as the
demonstrations were (`data.featurize`, the previous screenshot as the second frame, the episode's
earlier actions as element history) and takes the argmax of each head; a typed text is the
best-scoring instruction span with end >= start.
"""
from __future__ import annotations

import contextlib
import random
import time
from dataclasses import dataclass, field

import numpy as np
import torch

from workbench import WorkbenchError
from workbench.history import History
from workbench.papers.webgum import data
from workbench.papers.webgum.model import WebGUMLite, loss_fn
from workbench.web.actions import Action

TRIM = {"instr": ("instr",), "html": ("html",), "elem": ("elem_tok", "elem_match", "elem_box", "elem_rgb",
                                                        "elem_hist", "elem_mask")}


WARMUP = 50   # updates of linear learning-rate warm-up when training to convergence


@dataclass
class Fit:
    model: WebGUMLite
    history: History = field(default_factory=History)
    samples_per_s: float = 0.0
    train_s: float = 0.0
    n_steps: int = 0            # demonstration steps trained on
    n_episodes: int = 0
    updates: int = 0            # updates run
    best_update: int = 0        # the update whose weights were kept (early stopping)
    heldout_acc: float | None = None   # held-out exact-action accuracy of the kept weights
    stopped: str = ""           # "patience" | "cap" | "fixed"


def trim(batch: dict) -> dict:
    """Cut the batch's padding to its longest instruction, HTML and element list (packed tensors are
    padded to the whole set's longest)."""
    out = dict(batch)
    li = int((batch["instr"] != 0).sum(1).max().clamp(min=1))
    lh = int((batch["html"] != 0).sum(1).max().clamp(min=1))
    e = int(batch["elem_mask"].sum(1).max().clamp(min=1))
    out["instr"] = batch["instr"][:, :li]
    out["html"] = batch["html"][:, :lh]
    for k in TRIM["elem"]:
        out[k] = batch[k][:, :e]
    return out


def length_batches(lengths: np.ndarray, batch_size: int, rng) -> list[np.ndarray]:
    """One pass over the set in batches of similar HTML length (the steps in a random order, sorted
    by length in blocks of 32 tokens, cut into batches, batches shuffled): padding to each batch's
    longest row then wastes little, where a random batch pads 60-token pages to click-shape's 380."""
    order = rng.permutation(len(lengths))
    order = order[np.argsort(lengths[order] // 32, kind="stable")]
    out = [order[i:i + batch_size] for i in range(0, len(order), batch_size)]
    return [out[i] for i in rng.permutation(len(out))]


def _setup(cfg, variant: str, seed: int):
    torch.manual_seed(seed)
    model = WebGUMLite(cfg, variant)
    opt = torch.optim.AdamW(model.parameters(), lr=cfg.lr, weight_decay=cfg.weight_decay)
    return model, opt


def _schedule(opt, cfg, step: int) -> None:
    """Linear warm-up over the first 5% of updates, then cosine decay to 10% of `lr`."""
    warm = max(1, cfg.train_steps // 20)
    frac = step / warm if step < warm else 0.1 + 0.9 * 0.5 * (1 + np.cos(np.pi * (step - warm) / max(1, cfg.train_steps - warm)))
    for g in opt.param_groups:
        g["lr"] = cfg.lr * float(frac)


def _update(model, opt, full: dict, lengths: np.ndarray, batches: list, rng, batch_size: int) -> dict:
    """One AdamW update on the next length-bucketed batch of `full` (refilling `batches`, an epoch of
    batches, when it runs out); the learning rate is the caller's. Returns the batch's metrics."""
    if not batches:
        batches.extend(length_batches(lengths, batch_size, rng))
    take = torch.from_numpy(batches.pop())
    loss, m = loss_fn(model, trim({k: v[take] for k, v in full.items()}))
    opt.zero_grad(set_to_none=True)
    loss.backward()
    torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
    opt.step()
    return m


def fit(cfg, ex: data.Examples, idx: list[int], variant: str, seed: int | None = None,
        progress=lambda step, metrics: None, tag: str = "", heldout: list[int] | None = None) -> Fit:
    """Train one model on the demonstration steps `idx` (see the module docstring): to convergence on
    `heldout` steps when given, else `cfg.train_steps` updates. `progress(step, metrics)` gets
    `train/loss`, `train/acc` (exact action on the batches since the last report) at step 0 and every
    `log_every` updates, and `heldout/acc` at each check; keys are prefixed with `tag` when given."""
    if not idx:
        raise WorkbenchError("behaviour cloning needs at least one demonstration step")
    if heldout is not None and not heldout:
        raise WorkbenchError("early stopping needs at least one held-out demonstration step")
    with threads(cfg.torch_threads):
        if heldout:
            return _fit_converged(cfg, ex, idx, heldout, variant, cfg.seed if seed is None else seed, progress, tag)
        return _fit(cfg, ex, idx, variant, cfg.seed if seed is None else seed, progress, tag)


def heldout_accuracy(model: WebGUMLite, full: dict, batch_size: int = 64) -> float:
    """Exact-action accuracy (kind, element and, on typing steps, the span) over packed steps."""
    model.eval()
    n, right = len(full["kind"]), 0.0
    with torch.no_grad():
        for i in range(0, n, batch_size):
            take = torch.arange(i, min(n, i + batch_size))
            _, m = loss_fn(model, trim({k: v[take] for k, v in full.items()}))
            right += m["acc"] * len(take)
    model.train()
    return right / max(1, n)


def _fit_converged(cfg, ex, idx, heldout, variant, seed, progress, tag) -> Fit:
    import copy

    model, opt = _setup(cfg, variant, seed)
    full = data.pack_examples(ex, idx, cfg)
    held = data.pack_examples(ex, heldout, cfg)
    rng = np.random.default_rng(seed)
    run = Fit(model, n_steps=len(idx), n_episodes=len({ex.episode_of[i] for i in idx}))
    key = (tag + "/") if tag else ""
    lengths = (full["html"] != 0).sum(1).numpy()
    batches: list[np.ndarray] = []
    losses, accs = [], []
    best, best_state, best_step, since = -1.0, None, 0, 0
    t0 = time.perf_counter()
    step = 0
    while True:
        if step > 0:
            for g in opt.param_groups:
                g["lr"] = cfg.lr * min(1.0, step / WARMUP)
            m = _update(model, opt, full, lengths, batches, rng, cfg.batch_size)
            losses.append(m["loss"])
            accs.append(m["acc"])
        metrics = {}
        if step % cfg.log_every == 0 and losses:
            metrics.update({f"{key}train/loss": float(np.mean(losses)), f"{key}train/acc": float(np.mean(accs))})
            losses, accs = [], []
        done = step >= cfg.max_updates
        if step % cfg.eval_every == 0 or done:
            acc = heldout_accuracy(model, held)
            metrics[f"{key}heldout/acc"] = acc
            if acc > best:
                best, best_step, since = acc, step, 0
                best_state = copy.deepcopy(model.state_dict())
            elif step > 0:
                since += 1
            if since >= cfg.patience:
                run.stopped = "patience"
                done = True
            elif done:
                run.stopped = "cap"
        if metrics:
            run.history.log(step, metrics)
            progress(step, metrics)
        if done:
            break
        step += 1
    model.load_state_dict(best_state)
    run.updates, run.best_update, run.heldout_acc = step, best_step, best
    run.train_s = time.perf_counter() - t0
    run.samples_per_s = step * cfg.batch_size / max(run.train_s, 1e-9)
    model.eval()
    return run


@contextlib.contextmanager
def threads(n: int):
    """torch's intra-op threads set to `n` inside the block (0: leave torch's default)."""
    old = torch.get_num_threads()
    if n:
        torch.set_num_threads(n)
    try:
        yield
    finally:
        torch.set_num_threads(old)


def _fit(cfg, ex, idx, variant, seed, progress, tag) -> Fit:
    model, opt = _setup(cfg, variant, seed)
    full = data.pack_examples(ex, idx, cfg)
    rng = np.random.default_rng(seed)
    run = Fit(model, n_steps=len(idx), n_episodes=len({ex.episode_of[i] for i in idx}))
    key = (tag + "/") if tag else ""
    t0 = time.perf_counter()
    losses, accs = [], []
    lengths = (full["html"] != 0).sum(1).numpy()
    batches: list[np.ndarray] = []
    for step in range(cfg.train_steps + 1):
        if step > 0:
            _schedule(opt, cfg, step)
            m = _update(model, opt, full, lengths, batches, rng, cfg.batch_size)
            losses.append(m["loss"])
            accs.append(m["acc"])
        if step % cfg.log_every == 0 or step == cfg.train_steps:
            if step == 0:
                with torch.no_grad():
                    _, m = loss_fn(model, trim({k: v[:cfg.batch_size] for k, v in full.items()}))
                losses, accs = [m["loss"]], [m["acc"]]
            metrics = {f"{key}train/loss": float(np.mean(losses)), f"{key}train/acc": float(np.mean(accs))}
            run.history.log(step, metrics)
            progress(step, metrics)
            losses, accs = [], []
    run.train_s = time.perf_counter() - t0
    run.samples_per_s = cfg.train_steps * cfg.batch_size / max(run.train_s, 1e-9)
    run.updates, run.best_update, run.stopped = cfg.train_steps, cfg.train_steps, "fixed"
    model.eval()
    return run


def fit_plain(cfg, ex: data.Examples, idx: list[int], variant: str, steps: int, seed: int = 0) -> float:
    """The reference: the same model, loss and optimiser in a plain PyTorch loop (a shuffled DataLoader
    whose collate pads each batch from the featurised steps). Returns samples/s over `steps` updates."""
    with threads(cfg.torch_threads):
        return _fit_plain(cfg, ex, idx, variant, steps, seed)


def _fit_plain(cfg, ex, idx, variant, steps, seed) -> float:
    from torch.utils.data import DataLoader

    model, opt = _setup(cfg, variant, seed)
    loader = DataLoader(idx, batch_size=cfg.batch_size, shuffle=True, drop_last=True,
                        collate_fn=lambda b: data.pack_examples(ex, b, cfg),
                        generator=torch.Generator().manual_seed(seed))
    done, t0 = 0, time.perf_counter()
    while done < steps:
        for batch in loader:
            loss, _ = loss_fn(model, batch)
            opt.zero_grad()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            opt.step()
            done += 1
            if done >= steps:
                break
    return steps * cfg.batch_size / (time.perf_counter() - t0)


def decode_span(s_log: torch.Tensor, e_log: torch.Tensor, max_len: int = 12) -> tuple[int, int]:
    """The (start, end) maximising start + end logits with start <= end < start + max_len."""
    L = s_log.shape[0]
    score = s_log[:, None] + e_log[None, :]
    i, j = torch.meshgrid(torch.arange(L), torch.arange(L), indexing="ij")
    score = score.masked_fill((j < i) | (j >= i + max_len), float("-inf"))
    k = int(score.flatten().argmax())
    return k // L, k % L


class GUMAgent:
    """Greedy WebGUM-lite policy for `workbench.web.agent.run_episode` (see the module docstring).
    After each `act`, `last` holds the step's inputs and prediction (for the gallery)."""

    def __init__(self, model: WebGUMLite, cfg, name: str = ""):
        self.model, self.cfg, self.name = model.eval(), cfg, name or model.variant
        self.last: dict | None = None

    def act(self, obs, history):
        dom = [e.to_dict() for e in obs.dom]
        acted = [t.action.ref for t in history if t.action.ref is not None]
        ex = data.featurize(obs.utterance, obs.html, dom, obs.screenshot, obs.regions, acted, len(history), self.cfg)
        if not ex["elem_refs"]:
            return Action.none()
        prev = None
        if history and history[-1].observation.screenshot is not None:
            prev, _ = data.area_frame(history[-1].observation.screenshot, history[-1].observation.regions,
                                      self.cfg.image_size)
        batch = data.pack([ex], [prev], self.cfg)
        with torch.no_grad(), threads(self.cfg.torch_threads):
            out = self.model(batch)
            k = int(out["kind"][0].argmax())
            e = int(out["elem"][0].argmax())
            ref = ex["elem_refs"][e]
            if k == 1 and ex["instr_words"]:
                s_log, e_log = self.model.span_logits(out, torch.tensor([e]))
                a, b = decode_span(s_log[0], e_log[0])
                text = ex["utterance"][ex["instr_words"][a][1]:ex["instr_words"][b][2]]
                action = Action.type(ref, text[:64])
            else:
                action = Action.click(ref)
        self.last = {"frame": ex["frame"], "box": ex["elem_box"][e].tolist(), "action": action}
        return action


def seeds_for(cfg, task: str, n: int) -> list[int]:
    """Evaluation episode seeds of a task: drawn from (seed, task), disjoint in practice from the
    demonstrations' (`workbench.web.demos` draws those from another string)."""
    rng = random.Random(f"webgum-eval/{cfg.seed}/{task}")
    return [rng.randrange(2**31) for _ in range(n)]
