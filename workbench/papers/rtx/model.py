"""RT-1-mini: a small decoder-only Transformer over a short history of [instruction, state] tokens with one
256-way categorical head per action dimension (RT-1, arXiv 2212.06817; RT-1-X, arXiv 2310.08864 Sec. IV).

Departures from RT-1 (each forced by the CPU budget or the simulator, named so they are not mistaken for
the paper's): no images, so no EfficientNet/FiLM/TokenLearner; the instruction enters as one token at
the start of the window (a projection of its MiniLM embedding) instead of FiLM-conditioning the image
tower at every step; the robot state is one token per step; history 4 steps instead of 6 (RT-1) or 15 (RT-1-X); d 64-128, 2-4 layers
instead of 512 d, 8 layers (35M parameters).

Attention is causal over steps: the state token of step s sees the instruction and the states of steps
<= s, nothing later, and never a padded step before the episode start. The action for step s is read
from step s's token, so one window trains h predictions at once, each from its own past.
"""
from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn



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
    """Boolean attention mask [B, 1, L, L] (True = may attend), L = 1 + history: the instruction token, then one
    state token per step.

    pad_mask [B, history] is True for real steps. Every token sees the instruction; state token i sees state
    token j iff j <= i and step j is real; every token always sees itself (a padded step then attends to
    the instruction and itself, never to nothing)."""
    L = history + 1
    idx = torch.arange(L)
    causal = idx[None, :] <= idx[:, None]                                        # [L, L]: key <= query
    key_real = torch.cat([torch.ones_like(pad_mask[:, :1]), pad_mask], 1)        # [B, L]: the instruction is real
    eye = torch.eye(L, dtype=torch.bool)
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
    """forward(text [B, 384], state [B, H, 17], pad_mask [B, H]) -> logits [B, H, action_size, bins]."""

    def __init__(self, cfg: ModelConfig):
        super().__init__()
        self.cfg = cfg
        d = cfg.d_model
        self.text_in = nn.Linear(cfg.text_size, d)
        self.state_in = nn.Sequential(nn.Linear(cfg.state_size, d), nn.GELU(), nn.Linear(d, d))
        self.pos = nn.Parameter(torch.zeros(cfg.history + 1, d))           # instruction, then history steps
        nn.init.normal_(self.pos, std=0.02)
        self.blocks = nn.ModuleList(Block(d, cfg.heads, cfg.dropout) for _ in range(cfg.layers))
        self.ln = nn.LayerNorm(d)
        self.head = nn.Linear(d, cfg.action_size * cfg.bins)

    def forward(self, text: torch.Tensor, state: torch.Tensor, pad_mask: torch.Tensor) -> torch.Tensor:
        B, H, _ = state.shape
        x = torch.cat([self.text_in(text)[:, None], self.state_in(state)], 1) + self.pos[: H + 1]
        mask = step_mask(H, pad_mask)
        for block in self.blocks:
            x = block(x, mask)
        return self.head(self.ln(x[:, 1:])).view(B, H, self.cfg.action_size, self.cfg.bins)
