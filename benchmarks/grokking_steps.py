"""Training steps/s: the workbench grokking trainer (jitted JAX step, last-position shortcut) versus a plain,
straightforward eager PyTorch loop of the same model and full batch, in the same process.

    PYTHONPATH=. .venv/bin/python benchmarks/grokking_steps.py [--steps 200] [--p 59] [--frac 0.4] [--compile]

Both sides: 1-layer Transformer (d_model 128, 4 heads, d_mlp 512, ReLU, no LayerNorm/biases/positional
embedding), logits at the last position, float64 cross-entropy, AdamW(lr 1e-3, wd 1.0, betas 0.9/0.98),
a+b mod p, the full training set each step. The reference computes all three positions (as the official
code does); a second reference applies the same last-position shortcut in eager torch, so the printout
separates the shortcut from compilation. --compile also times torch.compile of the eager shortcut (its
compile takes tens of seconds on CPU). The goal is >= 2x over the plain loop.
"""
from __future__ import annotations

import argparse
import os
import time

import numpy as np


def torch_model(V, d, H, m, last_only: bool):
    import torch
    import torch.nn.functional as F

    dh = d // H

    class OneLayer(torch.nn.Module):
        def __init__(self):
            super().__init__()
            g = lambda *shape, std: torch.nn.Parameter(torch.randn(*shape) * std)
            self.W_E = g(V, d, std=1 / np.sqrt(V))
            self.W_Q, self.W_K, self.W_V, self.W_O = (g(d, d, std=1 / np.sqrt(d)) for _ in range(4))
            self.W_in, self.W_out = g(m, d, std=1 / np.sqrt(d)), g(d, m, std=1 / np.sqrt(d))
            self.W_U = g(d, V, std=1 / np.sqrt(d))
            self.register_buffer("mask", torch.tril(torch.ones(3, 3, dtype=torch.bool)))

        def forward(self, x):
            h = self.W_E[x]                                               # (n, 3, d)
            n = x.shape[0]
            split = lambda a: a.view(n, -1, H, dh).transpose(1, 2)        # (n, H, T, dh)
            k, v = split(h @ self.W_K.T), split(h @ self.W_V.T)
            if last_only:                                                 # same shortcut as the workbench trainer
                q = split(h[:, -1:] @ self.W_Q.T)
                a = (q @ k.transpose(-1, -2) / np.sqrt(dh)).softmax(-1)
                r = h[:, -1] + (a @ v).transpose(1, 2).reshape(n, d) @ self.W_O.T
            else:                                                         # plain: every position, causal mask
                q = split(h @ self.W_Q.T)
                s = (q @ k.transpose(-1, -2) / np.sqrt(dh)).masked_fill(~self.mask, -1e10)
                r = h + (s.softmax(-1) @ v).transpose(1, 2).reshape(n, 3, d) @ self.W_O.T
            r = r + F.relu(r @ self.W_in.T) @ self.W_out.T
            logits = r @ self.W_U
            return logits if last_only else logits[:, -1]

    return OneLayer()


def time_torch(x, y, V, args, last_only, compile_=False):
    import torch
    import torch.nn.functional as F

    torch.manual_seed(0)
    model = torch_model(V, args.d_model, 4, 512, last_only)
    opt = torch.optim.AdamW(model.parameters(), lr=1e-3, betas=(0.9, 0.98), weight_decay=1.0)

    def step():
        opt.zero_grad(set_to_none=True)
        loss = F.cross_entropy(model(x).double(), y)
        loss.backward()
        opt.step()
        return loss

    if compile_:
        step = torch.compile(step)
    t = time.perf_counter()
    step()
    first = time.perf_counter() - t
    t = time.perf_counter()
    for _ in range(args.steps):
        loss = step()
    return args.steps / (time.perf_counter() - t), first, float(loss.detach())


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--steps", type=int, default=200)
    ap.add_argument("--p", type=int, default=59)
    ap.add_argument("--frac", type=float, default=0.4)
    ap.add_argument("--d-model", type=int, default=128)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--compile", action="store_true", help="also time torch.compile (slow to compile on CPU)")
    args = ap.parse_args()

    import jax
    import jax.numpy as jnp
    import torch
    from workbench import scales
    from workbench.papers.grokking.data import make_dataset
    from workbench.papers.grokking.model import init_params
    from workbench.papers.grokking.train import make_step_fns

    torch.set_num_threads(args.threads)
    cfg = scales.resolve("grokking", "cpu", {"p": args.p, "train_frac": args.frac, "d_model": args.d_model})
    data = make_dataset("add", cfg.p, cfg.train_frac, cfg.seed)
    print(f"a+b mod {cfg.p}, train fraction {cfg.train_frac}: {len(data.train_y)} examples per full-batch step, "
          f"{args.steps} timed steps; load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores (shared machine)")

    with jax.enable_x64(True):
        params = init_params(jax.random.PRNGKey(0), data.d_vocab, cfg.d_model, cfg.n_heads, cfg.d_mlp, False)
        opt, step_fn, _ = make_step_fns(cfg.lr, cfg.beta1, cfg.beta2, cfg.weight_decay, cfg.n_heads)
        state = opt.init(params)
        xj, yj = jnp.asarray(data.train_x), jnp.asarray(data.train_y)
        t = time.perf_counter()
        params, state, loss = step_fn(params, state, xj, yj)
        jax.block_until_ready(loss)
        jax_first = time.perf_counter() - t
        t = time.perf_counter()
        for _ in range(args.steps):
            params, state, loss = step_fn(params, state, xj, yj)
        jax.block_until_ready(loss)
        jax_sps = args.steps / (time.perf_counter() - t)

    xt, yt = torch.as_tensor(data.train_x, dtype=torch.long), torch.as_tensor(data.train_y, dtype=torch.long)
    ref_sps, ref_first, _ = time_torch(xt, yt, data.d_vocab, args, last_only=False)
    last_sps, _, _ = time_torch(xt, yt, data.d_vocab, args, last_only=True)
    print(f"{'workbench trainer (JAX jit)':40s} {jax_sps:7.1f} steps/s  ({1000 / jax_sps:6.1f} ms/step, first step incl. compile {jax_first:.1f} s)")
    print(f"{'plain eager torch, all positions':40s} {ref_sps:7.1f} steps/s  ({1000 / ref_sps:6.1f} ms/step)")
    print(f"{'eager torch, last-position shortcut':40s} {last_sps:7.1f} steps/s  ({1000 / last_sps:6.1f} ms/step)")
    if args.compile:
        comp_sps, comp_first, _ = time_torch(xt, yt, data.d_vocab, args, last_only=True, compile_=True)
        print(f"{'torch.compile, last-position shortcut':40s} {comp_sps:7.1f} steps/s  ({1000 / comp_sps:6.1f} ms/step, first step incl. compile {comp_first:.1f} s)")
    print(f"ratio workbench / plain eager torch: {jax_sps / ref_sps:.2f}x  (goal >= 2x)")
    print(f"ratio workbench / eager torch with the same shortcut: {jax_sps / last_sps:.2f}x")


if __name__ == "__main__":
    main()
