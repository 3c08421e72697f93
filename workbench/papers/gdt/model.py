"""One GPT for the three hindsight conditionings of GDT (arXiv 2111.10364, Fig. 1): DT, CDT and BDT.

Tokens per step t are the triplet (phi_t, s_t, a_t), interleaved in that order into a sequence of 3K
tokens; a learned timestep embedding is added to all three (as in the official code). The action a_t is
predicted from the hidden state at the s_t token (it has seen phi_t and s_t, not a_t), through a tanh head;
the loss is the action MSE (`training/seq_trainer.py` of the official code).

    phi = DT : return-to-go R_t = sum_{t' >= t} r_t' / rtg_scale                    [B, K, 1]
          feature-sum DT (fdt): sum_{t' >= t} x_t' / feature_scale of the CDT feature  [B, K, 1]
          CDT: normalised histogram of the future feature {x_t' : t' >= t} (30 bins)  [B, K, 30]
          BDT: z_t from a second, anti-causal transformer over the K next states      [B, K, z_dim]

The transformer is our own pre-LayerNorm GPT block (GPT-2's layout; the official code uses HF GPT-2 with
its position embedding switched off), sized by `GPTConfig`: K = 20, width 128, 3 layers, 1 head, 4x MLP
with ReLU, dropout 0.1. Shapes are in the docstrings: B batch, K context steps.

BDT (`ReverseEncoder`): for every position t of the context, its K next states s_{t+1..t+K} are flipped in
time and run through a causal transformer of the same size; z_t is read at the last token (s_{t+1}, which
has attended to the whole window). So the acting position is conditioned on a K-step future window, as
in the official one-shot evaluation (`eval_bdt.py` feeds the demonstration's s_{t+1..t+K}), and in training
every position gets the same kind of window from its own episode. `tests/papers/gdt` checks which states
reach z_t.
"""
from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn

METHODS = ("dt", "cdt", "bdt", "fdt")


@dataclass(frozen=True)
class GPTConfig:
    state_dim: int = 17
    act_dim: int = 6
    cond_dim: int = 1           # 1 (DT), num_bins (CDT), z_dim (BDT)
    context: int = 20           # K steps -> 3K tokens
    width: int = 128
    layers: int = 3
    heads: int = 1
    dropout: float = 0.1
    max_ep_len: int = 1000      # timestep embedding rows
    bidirectional: bool = False  # BDT: add the anti-causal encoder that produces phi from future states


class Block(nn.Module):
    """Pre-LN transformer block: x + attn(ln(x)), then x + mlp(ln(x)); causal attention."""

    def __init__(self, width: int, heads: int, dropout: float):
        super().__init__()
        self.ln1, self.ln2 = nn.LayerNorm(width), nn.LayerNorm(width)
        self.qkv = nn.Linear(width, 3 * width)
        self.proj = nn.Linear(width, width)
        self.mlp = nn.Sequential(nn.Linear(width, 4 * width), nn.ReLU(), nn.Linear(4 * width, width), nn.Dropout(dropout))
        self.heads, self.dropout = heads, dropout
        self.drop = nn.Dropout(dropout)

    def forward(self, x: torch.Tensor) -> torch.Tensor:   # [B, N, W]
        B, N, W = x.shape
        q, k, v = self.qkv(self.ln1(x)).split(W, dim=-1)
        q, k, v = (t.view(B, N, self.heads, W // self.heads).transpose(1, 2) for t in (q, k, v))
        y = F.scaled_dot_product_attention(q, k, v, is_causal=True, dropout_p=self.dropout if self.training else 0.0)
        x = x + self.drop(self.proj(y.transpose(1, 2).reshape(B, N, W)))
        return x + self.mlp(self.ln2(x))


class Trunk(nn.Module):
    """A stack of causal blocks with a final LayerNorm: [B, N, W] -> [B, N, W]."""

    def __init__(self, cfg: GPTConfig):
        super().__init__()
        self.blocks = nn.ModuleList(Block(cfg.width, cfg.heads, cfg.dropout) for _ in range(cfg.layers))
        self.ln = nn.LayerNorm(cfg.width)

    def forward(self, x):
        for b in self.blocks:
            x = b(x)
        return self.ln(x)


class ReverseEncoder(nn.Module):
    """BDT's anti-causal aggregator: a window of future states [N, H, S] (s_{t+1..t+H} in time order) ->
    z [N, z_dim]. The window is reversed (farthest state first) and run causally, so the read-out token,
    s_{t+1}'s, has attended to every state of the window. Timesteps are those of the window's states."""

    def __init__(self, cfg: GPTConfig):
        super().__init__()
        self.embed = nn.Linear(cfg.state_dim, cfg.width)
        self.time = nn.Embedding(cfg.max_ep_len + 1, cfg.width)
        self.drop = nn.Dropout(cfg.dropout)
        self.trunk = Trunk(cfg)
        self.out = nn.Linear(cfg.width, cfg.cond_dim)

    def forward(self, window: torch.Tensor, timesteps: torch.Tensor) -> torch.Tensor:
        x = self.embed(window) + self.time(timesteps)
        h = self.trunk(self.drop(x.flip(1)))          # causal over reversed time = anti-causal
        return self.out(h[:, -1])                      # the token of s_{t+1}, which saw the whole window


class GDT(nn.Module):
    """The generalized decision transformer: (phi, states, actions, timesteps) -> predicted actions."""

    def __init__(self, cfg: GPTConfig):
        super().__init__()
        self.cfg = cfg
        W = cfg.width
        self.embed_cond = nn.Linear(cfg.cond_dim, W)
        self.embed_state = nn.Linear(cfg.state_dim, W)
        self.embed_action = nn.Linear(cfg.act_dim, W)
        self.embed_time = nn.Embedding(cfg.max_ep_len + 1, W)
        self.embed_ln = nn.LayerNorm(W)
        self.drop = nn.Dropout(cfg.dropout)
        self.trunk = Trunk(cfg)
        self.head = nn.Sequential(nn.Linear(W, cfg.act_dim), nn.Tanh())
        self.encoder = ReverseEncoder(cfg) if cfg.bidirectional else None
        self.apply(self._init)

    @staticmethod
    def _init(m):   # GPT-2's N(0, 0.02) initialisation
        if isinstance(m, (nn.Linear, nn.Embedding)):
            nn.init.normal_(m.weight, 0.0, 0.02)
            if getattr(m, "bias", None) is not None:
                nn.init.zeros_(m.bias)

    def tokens(self, phi, states, actions, timesteps) -> torch.Tensor:
        """Interleave (phi_t, s_t, a_t) into [B, 3K, W], the timestep embedding added to each of the three."""
        B, K = states.shape[:2]
        t = self.embed_time(timesteps)
        stack = torch.stack([self.embed_cond(phi) + t, self.embed_state(states) + t, self.embed_action(actions) + t], 2)
        return self.embed_ln(stack.reshape(B, 3 * K, -1))

    def forward(self, phi, states, actions, timesteps) -> torch.Tensor:
        """phi [B, K, cond_dim], states [B, K, S], actions [B, K, A], timesteps [B, K] (long) -> actions [B, K, A].
        For BDT pass `phi = self.encode(future_states, future_timesteps)`."""
        h = self.trunk(self.drop(self.tokens(phi, states, actions, timesteps)))
        return self.head(h[:, 1::3])                   # the s_t tokens

    def encode(self, future_states, future_timesteps) -> torch.Tensor:
        """BDT's condition for every position: future_states [B, K, H, S] (row j: the H states after step j),
        future_timesteps [B, K, H] -> z [B, K, z_dim]."""
        if self.encoder is None:
            raise ValueError("encode() needs a bidirectional GDT (BDT)")
        B, K, H, S = future_states.shape
        z = self.encoder(future_states.reshape(B * K, H, S), future_timesteps.reshape(B * K, H))
        return z.view(B, K, -1)


def make_model(method: str, state_dim: int, act_dim: int, num_bins: int, z_dim: int, **sizes) -> GDT:
    """The GPT for one method: DT and the feature-sum DT condition on 1 number, CDT on num_bins, BDT on z_dim
    from its encoder."""
    cond = {"dt": 1, "fdt": 1, "cdt": num_bins, "bdt": z_dim}[method]
    return GDT(GPTConfig(state_dim=state_dim, act_dim=act_dim, cond_dim=cond, bidirectional=method == "bdt", **sizes))


def warmup_lambda(warmup_steps: int):
    """Linear warm-up to the full learning rate over `warmup_steps` updates, then constant (the official code)."""
    return lambda step: min(1.0, (step + 1) / max(1, warmup_steps))


__all__ = ["METHODS", "GPTConfig", "GDT", "ReverseEncoder", "make_model", "warmup_lambda"]
