"""MxT student training: minibatch steps/s of `workbench.papers.mxt.train.distill` (jitted flax, scanned chunks)
against a plain eager PyTorch loop of the same model, same sizes, batch and optimiser, in this process.

    PYTHONPATH=. OMP_NUM_THREADS=1 python benchmarks/mxt_students.py [--steps 500] [--rows 20000] [--kind transformer]

Both loops draw a random minibatch of 256 rows from the same synthetic token set (16 slots x 23 features,
the cpu scale's layout), compute the masked MSE and take one Adam step. Compile time is reported apart and
not counted in steps/s. Threads: torch 1 (`torch.set_num_threads(1)`); XLA as configured by the caller
(run with XLA_FLAGS=--xla_force_host_platform_device_count=1 and OMP_NUM_THREADS=1 for a 1-core comparison).
"""
from __future__ import annotations

import argparse
import math
import os
import time
from dataclasses import replace

import numpy as np


def synthetic(rows: int, pad: int, feats: int, seed: int = 0) -> dict:
    rng = np.random.default_rng(seed)
    n_real = rng.integers(8, pad + 1, rows)
    mask = (np.arange(pad)[None] < n_real[:, None]).astype(np.float32)
    tok = rng.normal(size=(rows, pad, feats)).astype(np.float32) * mask[..., None]
    amask = mask.copy()
    amask[:, 0] = 0
    target = (np.tanh(tok[..., 12]) * amask).astype(np.float32)
    return {"tokens": tok, "mask": mask, "target": target, "action_mask": amask}


def torch_model(kind: str, cfg, feats: int, pad: int):
    import torch
    from torch import nn

    class TorchTransformer(nn.Module):
        """The same network as mxt.model.TokenTransformer: embedding x sqrt(d), post-LN layers, conditioned head."""

        def __init__(self):
            super().__init__()
            self.embed = nn.Linear(feats, cfg.d_model)
            self.layers = nn.ModuleList([nn.TransformerEncoderLayer(cfg.d_model, cfg.heads, cfg.d_ff, dropout=0.0,
                                                                    batch_first=True, norm_first=False)
                                         for _ in range(cfg.layers)])
            self.hidden = nn.Linear(cfg.d_model + feats, cfg.d_model)
            self.out = nn.Linear(cfg.d_model, 1)

        def forward(self, tok, mask):
            x = self.embed(tok) * math.sqrt(cfg.d_model)
            for layer in self.layers:
                x = layer(x, src_key_padding_mask=mask == 0)
            x = torch.relu(self.hidden(torch.cat([x, tok], -1)))
            return torch.tanh(self.out(x)[..., 0]) * mask

    class TorchMLP(nn.Module):
        def __init__(self):
            super().__init__()
            sizes = [pad * feats + pad] + list(cfg.mlp_hidden)
            self.body = nn.Sequential(*[m for a, b in zip(sizes, sizes[1:]) for m in (nn.Linear(a, b), nn.ReLU())])
            self.out = nn.Linear(sizes[-1], pad)

        def forward(self, tok, mask):
            x = torch.cat([tok.flatten(1), mask], -1)
            return torch.tanh(self.out(self.body(x))) * mask

    return TorchTransformer() if kind == "transformer" else TorchMLP()


def torch_steps_per_s(kind, cfg, data, steps: int) -> float:
    import torch
    torch.set_num_threads(1)
    torch.manual_seed(0)
    pad, feats = data["tokens"].shape[1:]
    model = torch_model(kind, cfg, feats, pad)
    opt = torch.optim.Adam(model.parameters(), lr=cfg.bc_lr)
    t = {k: torch.from_numpy(v) for k, v in data.items()}
    gen = torch.Generator().manual_seed(0)

    def step():
        idx = torch.randint(0, len(t["target"]), (cfg.batch_size,), generator=gen)
        pred = model(t["tokens"][idx], t["mask"][idx])
        am = t["action_mask"][idx]
        loss = 0.5 * (am * (pred - t["target"][idx]) ** 2).sum() / am.sum().clamp(min=1)
        opt.zero_grad()
        loss.backward()
        opt.step()
        return float(loss)

    for _ in range(10):   # warm-up
        step()
    t0 = time.time()
    for _ in range(steps):
        step()
    return steps / (time.time() - t0)


def ours_steps_per_s(kind, cfg, data, steps: int) -> tuple[float, float]:
    from workbench.papers.mxt.train import distill
    cfg = replace(cfg, bc_steps=steps, log_every=min(cfg.log_every, steps))
    rows = np.arange(len(data["target"]))
    run = distill(cfg, kind, data, rows, None)
    return run.timing["steps_per_s"], run.timing["jit_s"]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--steps", type=int, default=500)
    ap.add_argument("--rows", type=int, default=20_000)
    ap.add_argument("--kind", choices=("transformer", "mlp", "both"), default="both")
    args = ap.parse_args()
    from workbench.papers.mxt.config import Config
    from workbench.papers.mxt.tokens import NUM_FEATURES
    cfg = replace(Config(), log_every=100)
    data = synthetic(args.rows, cfg.pad_to, NUM_FEATURES)
    print(f"load average {os.getloadavg()[0]:.1f}; batch {cfg.batch_size}, {cfg.pad_to} slots x {NUM_FEATURES} features, "
          f"d_model {cfg.d_model}, {cfg.layers} layers, MLP {cfg.mlp_hidden}")
    for kind in (("transformer", "mlp") if args.kind == "both" else (args.kind,)):
        ours, jit_s = ours_steps_per_s(kind, cfg, data, args.steps)
        ref = torch_steps_per_s(kind, cfg, data, args.steps)
        print(f"{kind:12s} workbench (jitted flax) {ours:8.1f} steps/s (jit {jit_s:.1f} s) | plain PyTorch {ref:8.1f} "
              f"steps/s | ratio {ours / ref:.2f}x", flush=True)


if __name__ == "__main__":
    main()
