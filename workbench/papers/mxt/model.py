"""The two students (flax): a Transformer over morphology-task-graph tokens and an MLP over the padded flat vector.

Both read the same padded input (tokens [B, N, F], mask [B, N]) and write one action per token slot
([B, N]; the env's actions are gathered from their slots), so one masked loss, one data pipeline and one
rollout path serve both; only the architecture differs.

* `TokenTransformer` (MxT's `transformer_pe`, after AMORPHEUS): Dense embedding x sqrt(d), post-LN encoder
  layers with key padding masked, and a conditioned decoder: the raw token is concatenated to its encoding
  before a per-token head (MxT `models/transformer.py`). Departure: no positional encoding, so the
  network is a set function over parts and a body with a different part count (zero-shot) keeps every
  token's meaning; the part-type one-hot and relative positions say which part is which.
* `FlatMLP` (MxT's `mlp_1024_1024`, narrower): the zero-padded tokens flattened, the mask appended.
"""
from __future__ import annotations

import jax
import jax.numpy as jnp
import flax.linen as nn


class EncoderLayer(nn.Module):
    d_model: int
    heads: int
    d_ff: int

    @nn.compact
    def __call__(self, x, key_mask):
        attn_mask = key_mask[:, None, None, :] > 0          # [B, 1, Nq, Nk]: attend only to real tokens
        h = nn.MultiHeadDotProductAttention(num_heads=self.heads, qkv_features=self.d_model)(x, x, mask=attn_mask)
        x = nn.LayerNorm()(x + h)                           # post-LN, as in MxT / AMORPHEUS
        h = nn.Dense(self.d_ff)(x)
        h = nn.Dense(self.d_model)(nn.relu(h))
        return nn.LayerNorm()(x + h)


class TokenTransformer(nn.Module):
    d_model: int = 64
    heads: int = 2
    layers: int = 2
    d_ff: int = 128

    @nn.compact
    def __call__(self, tokens, mask):
        x = nn.Dense(self.d_model)(tokens) * jnp.sqrt(float(self.d_model))
        for _ in range(self.layers):
            x = EncoderLayer(self.d_model, self.heads, self.d_ff)(x, mask)
        x = jnp.concatenate([x, tokens], -1)                # conditioned decoder: encoding + raw token
        x = nn.relu(nn.Dense(self.d_model)(x))
        return jnp.tanh(nn.Dense(1)(x)[..., 0]) * mask       # [B, N] actions in [-1, 1]; 0 on padding


class FlatMLP(nn.Module):
    hidden: tuple = (256, 256)

    @nn.compact
    def __call__(self, tokens, mask):
        x = jnp.concatenate([tokens.reshape(tokens.shape[:-2] + (-1,)), mask], -1)
        for h in self.hidden:
            x = nn.relu(nn.Dense(h)(x))
        return jnp.tanh(nn.Dense(mask.shape[-1])(x)) * mask


STUDENTS = ("transformer", "mlp")


def make_model(kind: str, cfg) -> nn.Module:
    """`kind` in STUDENTS, sizes from the paper Config (d_model, heads, layers, d_ff, mlp_hidden)."""
    if kind == "transformer":
        return TokenTransformer(cfg.d_model, cfg.heads, cfg.layers, cfg.d_ff)
    if kind == "mlp":
        return FlatMLP(tuple(cfg.mlp_hidden))
    from workbench import WorkbenchError
    raise WorkbenchError(f"unknown student {kind!r}; known: {', '.join(STUDENTS)}")


def masked_mse(pred, target, action_mask):
    """0.5 * mean squared error over the action slots only (MxT `bc_transformer.py`: 0.5 * MSE x limb_mask)."""
    return 0.5 * jnp.sum(action_mask * (pred - target) ** 2) / jnp.maximum(jnp.sum(action_mask), 1.0)


def param_count(params) -> int:
    return int(sum(x.size for x in jax.tree.leaves(params)))
