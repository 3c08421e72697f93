"""Train one GDT (DT, CDT or BDT) on the train split: AdamW, linear warm-up, action MSE.

    run = train(cfg, "cdt", data, seed=0, progress=dash)   # TrainedGDT: model, history, timing
    run.model.eval()

Settings are the official defaults (batch 64, AdamW, weight decay 1e-4, gradient clip 0.25, warm-up) at the
sizes in `cfg`; the loss is averaged over `eval_batches` fresh batches at each report so a logged number is
not one noisy batch. Trained weights are cached under WORKBENCH_CACHE by (config, method, seed, data).
"""
from __future__ import annotations

import dataclasses
import hashlib
import io
import time

import numpy as np
import torch

from workbench.history import History, no_progress
from workbench.papers.gdt import data as D
from workbench.papers.gdt.model import GDT, make_model, warmup_lambda


@dataclasses.dataclass
class TrainedGDT:
    method: str
    model: GDT
    history: History
    timing: dict            # train_s, updates_per_s, cached


def to_torch(batch: dict) -> dict:
    return {k: torch.as_tensor(v, dtype=torch.long if "timesteps" in k else torch.float32) for k, v in batch.items()}


def loss_of(model: GDT, b: dict) -> torch.Tensor:
    """Action MSE over every position of every window (official `seq_trainer`)."""
    phi = model.encode(b["future_states"], b["future_timesteps"]) if model.encoder is not None else b["phi"]
    pred = model(phi, b["states"], b["actions"], b["timesteps"])
    return ((pred - b["actions"]) ** 2).mean()


def update(model: GDT, opt, sched, b: dict) -> float:
    """One AdamW step on batch `b`, gradient norm clipped to 0.25 (official); returns the loss."""
    loss = loss_of(model, b)
    opt.zero_grad(set_to_none=True)
    loss.backward()
    torch.nn.utils.clip_grad_norm_(model.parameters(), 0.25)
    opt.step()
    sched.step()
    return loss.item()


def optimizer(cfg, model: GDT):
    opt = torch.optim.AdamW(model.parameters(), lr=cfg.learning_rate, weight_decay=cfg.weight_decay)
    return opt, torch.optim.lr_scheduler.LambdaLR(opt, warmup_lambda(cfg.warmup_steps))


def build(cfg, method: str, data: D.Episodes) -> GDT:
    return make_model(method, data.state_dim, data.act_dim, cfg.num_bins, cfg.z_dim, context=cfg.context,
                      width=cfg.width, layers=cfg.layers, heads=cfg.heads, dropout=cfg.dropout,
                      max_ep_len=cfg.max_ep_len)


def _data_digest(data: D.Episodes) -> str:
    h = hashlib.sha256()
    for a in data.actions[:50]:
        h.update(np.ascontiguousarray(a).tobytes())
    h.update(np.ascontiguousarray(data.edges).tobytes())
    return f"{h.hexdigest()[:16]}-{len(data.actions)}"


def train(cfg, method: str, data: D.Episodes, seed: int = 0, progress=no_progress, use_cache: bool = True) -> TrainedGDT:
    """`cfg.updates` AdamW steps of the GPT for `method`; progress(step, {train/loss, eval/loss, time/ups})."""
    from workbench import cache
    torch.manual_seed(seed)
    model = build(cfg, method, data)
    key = {"cfg": {k: v for k, v in dataclasses.asdict(cfg).items() if k in TRAIN_KEYS}, "method": method,
           "seed": seed, "data": _data_digest(data), "construction": CONSTRUCTION}
    path = cache.path_for("gdt/model", key, suffix=".pt")
    if use_cache and path.exists():
        saved = torch.load(path, weights_only=False)
        model.load_state_dict(saved["state"])
        for step, m in saved["history"].rows:
            progress(step, m)
        return TrainedGDT(method, model, saved["history"], {**saved["timing"], "cached": True})
    conds = D.conditions(data, method, cfg)
    rng = np.random.default_rng(seed)
    eval_rng = np.random.default_rng(10_000 + seed)
    eval_batches = [to_torch(D.sample_batch(data, conds, cfg.batch_size, cfg.context, eval_rng))
                    for _ in range(cfg.eval_batches)]
    opt, sched = optimizer(cfg, model)
    history = History()

    def evaluate() -> float:
        model.eval()
        with torch.no_grad():
            out = float(np.mean([loss_of(model, b).item() for b in eval_batches]))
        model.train()
        return out

    first = {"eval/loss": evaluate()}
    history.log(0, first)
    progress(0, first)
    t0, train_s, running = time.time(), 0.0, []
    model.train()
    for step in range(1, cfg.updates + 1):
        running.append(update(model, opt, sched, to_torch(D.sample_batch(data, conds, cfg.batch_size, cfg.context, rng))))
        if step % cfg.eval_every == 0 or step == cfg.updates:
            train_s = time.time() - t0
            m = {"train/loss": float(np.mean(running)), "eval/loss": evaluate(), "time/ups": step / train_s}
            running = []
            history.log(step, m)
            progress(step, m)
    train_s = time.time() - t0
    timing = {"train_s": train_s, "updates_per_s": cfg.updates / max(train_s, 1e-9), "cached": False}
    if use_cache:
        buf = io.BytesIO()
        torch.save({"state": model.state_dict(), "history": history, "timing": timing}, buf)
        cache.atomic_write_bytes(path, buf.getvalue())
    return TrainedGDT(method, model, history, timing)


# How conditions and windows are built (part of the cache key): 2 = BDT's K-step future window per position
CONSTRUCTION = 2

# Config fields that change a trained model (the cache key); evaluation settings are left out
TRAIN_KEYS = ("context", "width", "layers", "heads", "dropout", "max_ep_len", "num_bins", "z_dim", "rtg_scale", "feature_scale",
              "gamma", "cond_feature", "learning_rate", "weight_decay", "warmup_steps", "batch_size", "updates",
              "eval_every", "eval_batches")
