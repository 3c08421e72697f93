"""The one-layer Transformer of the paper's code (official model.py), written in JAX.

    tokens x (n, 3) -> h = W_E[x] (+ W_pos) -> one attention block (4 heads, causal) -> residual
    -> ReLU MLP (d_mlp) -> residual -> logits = r @ W_U at the LAST position, over all d_vocab tokens.

As in the official code: no LayerNorm, no biases, no positional embedding (`pos_embed=True` is our
ablation), init W_E ~ N(0, 1/d_vocab), W_U ~ N(0, 1/d_model), W_Q/K/V/O, W_in, W_out ~ N(0, 1/d_model).

Exact shortcut (not an approximation): with one layer and logits read only at the last position,
only the last position's residual matters. So the query, the MLP and the unembedding run on the last
position only, and since each position's input is just the token embedding (plus the position's
embedding), Q/K/V are computed once per *vocabulary entry* as tables (d_vocab x H*d_head) and gathered,
instead of once per example and position. The logits equal the full-sequence computation's last row
(tests/grokking/test_grokking_model.py checks this against a plain full-sequence forward).

Storage: W_E is kept as (d_vocab, d_model), one row per token (the official code stores its transpose).
"""
from __future__ import annotations

from functools import partial

import numpy as np

import jax
import jax.numpy as jnp

F32 = jnp.float32
N_CTX = 3


@partial(jax.jit, static_argnums=(1, 2, 3, 4, 5))   # one compile instead of one per random draw
def init_params(key, d_vocab: int, d_model: int, n_heads: int, d_mlp: int, pos_embed: bool) -> dict:
    """Parameters as float32 arrays. Shapes: W_E (V, d), W_pos (3, d), W_Q/W_K/W_V (H*dh, d),
    W_O (d, H*dh), W_in (m, d), W_out (d, m), W_U (d, V)."""
    ks = jax.random.split(key, 9)
    normal = lambda k, shape, std: (jax.random.normal(k, shape, dtype=F32) * F32(std)).astype(F32)
    s = 1.0 / np.sqrt(d_model)
    params = {
        "W_E": normal(ks[0], (d_vocab, d_model), 1.0 / np.sqrt(d_vocab)),
        "W_Q": normal(ks[1], (d_model, d_model), s),
        "W_K": normal(ks[2], (d_model, d_model), s),
        "W_V": normal(ks[3], (d_model, d_model), s),
        "W_O": normal(ks[4], (d_model, d_model), s),
        "W_in": normal(ks[5], (d_mlp, d_model), s),
        "W_out": normal(ks[6], (d_model, d_mlp), s),
        "W_U": normal(ks[7], (d_model, d_vocab), s),
    }
    if pos_embed:  # official PosEmbed: randn * 1 (it is commented out in the paper's runs)
        params["W_pos"] = normal(ks[8], (N_CTX, d_model), 1.0)
    return params


def forward(params: dict, x: jnp.ndarray, n_heads: int) -> tuple[jnp.ndarray, jnp.ndarray]:
    """x (n, 3) int tokens -> (logits (n, d_vocab) float32 at the last position,
    attention of the last position (n, 3, H) over positions [a, op, b])."""
    logits, attn, _ = forward_with_neurons(params, x, n_heads)
    return logits, attn


def forward_with_neurons(params: dict, x: jnp.ndarray, n_heads: int):
    """forward(), plus the MLP's post-ReLU neuron activations at the last position (n, d_mlp)."""
    E = params["W_E"]
    d = E.shape[1]
    dh = d // n_heads
    if "W_pos" in params:          # one table per position: (3, V, d)
        table = E[None] + params["W_pos"][:, None]
        h_last = table[2][x[:, 2]]
        def per_pos(W):            # (3, V, H*dh) gathered at (position t, token x[:, t])
            t = table @ W.T
            return jnp.stack([t[i][x[:, i]] for i in range(N_CTX)], axis=1)
        q = (table[2] @ params["W_Q"].T)[x[:, 2]]
    else:                          # no positional embedding: one table for every position
        h_last = E[x[:, 2]]
        per_pos = lambda W: (E @ W.T)[x]
        q = (E @ params["W_Q"].T)[x[:, 2]]
    n = x.shape[0]
    q = q.reshape(n, 1, n_heads, dh)
    k = per_pos(params["W_K"]).reshape(n, N_CTX, n_heads, dh)
    v = per_pos(params["W_V"]).reshape(n, N_CTX, n_heads, dh)
    # causal mask is a no-op for the last position: it sees all three tokens
    attn = jax.nn.softmax(jnp.sum(q * k, axis=-1) * F32(1.0 / np.sqrt(dh)), axis=1)     # (n, 3, H)
    z = jnp.sum(attn[..., None] * v, axis=1).reshape(n, d)                             # (n, H*dh)
    r = h_last + z @ params["W_O"].T
    neurons = jax.nn.relu(r @ params["W_in"].T)
    r = r + neurons @ params["W_out"].T
    return r @ params["W_U"], attn, neurons


def loss_fn(params: dict, x: jnp.ndarray, y: jnp.ndarray, n_heads: int) -> jnp.ndarray:
    """Mean cross-entropy over d_vocab, computed in float64 (float32 softmax underflows once the train
    loss is tiny, freezing the late phase; both official codebases do this). Needs x64 enabled."""
    logits, _ = forward(params, x, n_heads)
    logp = jax.nn.log_softmax(logits.astype(jnp.float64), axis=-1)
    return -jnp.mean(jnp.take_along_axis(logp, y[:, None].astype(jnp.int32), axis=1))


def full_sequence_logits(params: dict, x: np.ndarray, n_heads: int) -> np.ndarray:
    """Reference: the plain computation over all three positions with a causal mask (numpy, float64),
    returning the last position's logits. Only for tests."""
    P = {k: np.asarray(v, dtype=np.float64) for k, v in params.items()}
    h = P["W_E"][x] + (P["W_pos"][None] if "W_pos" in P else 0.0)                   # (n, 3, d)
    n, T, d = h.shape
    dh = d // n_heads
    split = lambda a: a.reshape(n, T, n_heads, dh).transpose(0, 2, 1, 3)             # (n, H, T, dh)
    q, k, v = split(h @ P["W_Q"].T), split(h @ P["W_K"].T), split(h @ P["W_V"].T)
    s = q @ k.transpose(0, 1, 3, 2) / np.sqrt(dh)
    s = np.where(np.tril(np.ones((T, T), dtype=bool)), s, -1e10)
    a = np.exp(s - s.max(-1, keepdims=True))
    a /= a.sum(-1, keepdims=True)
    z = (a @ v).transpose(0, 2, 1, 3).reshape(n, T, d)
    r = h + z @ P["W_O"].T
    r = r + np.maximum(r @ P["W_in"].T, 0.0) @ P["W_out"].T
    return (r @ P["W_U"])[:, -1]


def logit_map(params: dict, p: int) -> np.ndarray:
    """W_L = (W_U^T W_out)[:p]: (p, d_mlp), neuron-to-logit weights of the p number tokens (Nanda et al.)."""
    return np.asarray(params["W_U"]).T[:p] @ np.asarray(params["W_out"])
