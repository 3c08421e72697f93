"""RT-1-mini: a small decoder-only Transformer over a short history of [instruction, state] tokens with one
256-way categorical head per action dimension (RT-1, arXiv 2212.06817; RT-1-X, arXiv 2310.08864 Sec. IV).

Departures from RT-1 (each forced by the CPU budget or the simulator, named so they are not mistaken for
the paper's): no images, so no EfficientNet/FiLM/TokenLearner; the instruction enters as one token per
step (a projection of its MiniLM embedding) instead of FiLM-conditioning the image tower; the robot state
is one token per step; history 4 steps instead of 6 (RT-1) or 15 (RT-1-X); d 64-128, 2-4 layers
instead of 512 d, 8 layers (35M parameters).

Attention is causal over steps: a token at step s sees every token of steps <= s (both tokens of its
own step) and nothing later, and never a padded step before the episode start. The action for step s is
read from step s's state token, so one window trains h predictions at once, each from its own past.
"""
from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn

TOKENS_PER_STEP = 2      # instruction, state


@dataclass(frozen=True)
class ModelConfig:
    d_model: int = 64
    layers: int = 2
    heads: int = 4
    history: int = 4
    state_size: int = 17
    text_size: int = 384
    action_size: int = 5
    bins: int = 256
    dropout: float = 0.1


def step_mask(history: int, pad_mask: torch.Tensor) -> torch.Tensor:
    """Boolean attention mask [B, 1, L, L] (True = may attend), L = history * TOKENS_PER_STEP.

    pad_mask [B, history] is True for real steps. Query at step i may see key at step j iff j <= i and step
    j is real; every token may always see itself (a padded query then attends to itself, not to nothing)."""
    steps = torch.arange(history).repeat_interleave(TOKENS_PER_STEP)
    causal = steps[None, :] <= steps[:, None]                                  # [L, L]: key step <= query step
    key_real = pad_mask.repeat_interleave(TOKENS_PER_STEP, dim=1)              # [B, L]
    eye = torch.eye(len(steps), dtype=torch.bool)
    return ((causal[None] & key_real[:, None, :]) | eye[None])[:, None]


class Block(nn.Module):
    def __init__(self, d: int, heads: int, dropout: float):
        super().__init__()
        self.heads = heads
        self.ln1, self.ln2 = nn.LayerNorm(d), nn.LayerNorm(d)
        self.qkv, self.proj = nn.Linear(d, 3 * d), nn.Linear(d, d)
        self.mlp = nn.Sequential(nn.Linear(d, 4 * d), nn.GELU(), nn.Linear(4 * d, d))
        self.drop = nn.Dropout(dropout)

    def forward(self, x: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        B, L, D = x.shape
        q, k, v = self.qkv(self.ln1(x)).view(B, L, 3, self.heads, D // self.heads).permute(2, 0, 3, 1, 4)
        y = F.scaled_dot_product_attention(q, k, v, attn_mask=mask)
        x = x + self.drop(self.proj(y.transpose(1, 2).reshape(B, L, D)))
        return x + self.drop(self.mlp(self.ln2(x)))


class RT1Mini(nn.Module):
    """forward(text [B, H, 384], state [B, H, 17], pad_mask [B, H]) -> logits [B, H, action_size, bins]."""

    def __init__(self, cfg: ModelConfig):
        super().__init__()
        self.cfg = cfg
        d = cfg.d_model
        self.text_in = nn.Linear(cfg.text_size, d)
        self.state_in = nn.Sequential(nn.Linear(cfg.state_size, d), nn.GELU(), nn.Linear(d, d))
        self.step_pos = nn.Parameter(torch.zeros(cfg.history, d))          # which history step
        self.kind = nn.Parameter(torch.zeros(TOKENS_PER_STEP, d))           # instruction or state token
        nn.init.normal_(self.step_pos, std=0.02)
        nn.init.normal_(self.kind, std=0.02)
        self.blocks = nn.ModuleList(Block(d, cfg.heads, cfg.dropout) for _ in range(cfg.layers))
        self.ln = nn.LayerNorm(d)
        self.head = nn.Linear(d, cfg.action_size * cfg.bins)

    def forward(self, text: torch.Tensor, state: torch.Tensor, pad_mask: torch.Tensor) -> torch.Tensor:
        B, H, _ = state.shape
        tokens = torch.stack([self.text_in(text) + self.kind[0], self.state_in(state) + self.kind[1]], 2)
        x = (tokens + self.step_pos[:H, None]).reshape(B, H * TOKENS_PER_STEP, -1)
        mask = step_mask(H, pad_mask)
        for block in self.blocks:
            x = block(x, mask)
        out = self.ln(x).view(B, H, TOKENS_PER_STEP, -1)[:, :, 1]          # each step's state token
        return self.head(out).view(B, H, self.cfg.action_size, self.cfg.bins)


def parameter_count(model: nn.Module) -> int:
    return sum(p.numel() for p in model.parameters())
