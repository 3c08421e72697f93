"""The "transferred" agent: a small ranker behaviour-cloned on oracle demonstrations of BASE tasks only.

CompWoB's transferred agents (WebGUM, HTML-T5) are fine-tuned on MiniWoB demonstrations and run
zero-shot on compositions. Ours is the CPU-sized analogue: at each step it scores every candidate
action (`candidates.candidates`) against the instruction and picks the best; it is trained with a
softmax cross-entropy over the candidates of each demonstrated step (the oracle's action is the
label). Inputs per (instruction, candidate) pair:
- a hashed bag of instruction words and one of description words (embedding bags, dim `cfg.bc_dim`),
  combined as [instruction * description, description];
- a few handcrafted features: the candidate's element text is a quoted string of the instruction;
  the typed string's position among the quoted strings; the word before the typed string names the
  field; how often this element was acted on already; checked/filled state; step index.
Departure: no pretrained language model (HTML-T5 is 3B parameters); the model has ~20k parameters.
"""
from __future__ import annotations

import re
import zlib
from dataclasses import dataclass

import numpy as np

from workbench.papers.compwob.candidates import Candidate, candidates
from workbench.web.instructions import quoted_strings

FEATURES_VERSION = 1  # bump when featurize() changes: cached demos hold features
N_BUCKETS = 2048
N_HAND = 10
MAX_WORDS = 48


def _words(text: str) -> list[str]:
    return re.findall(r"[a-z_]+|\d+", text.lower())


def _hash(w: str) -> int:
    return 1 + zlib.crc32(w.encode()) % (N_BUCKETS - 1)   # 0 is padding


def _bag(text: str) -> list[int]:
    ids = [_hash(w) for w in _words(text)][:MAX_WORDS]
    return ids + [0] * (MAX_WORDS - len(ids))


def _hand(c: Candidate, instruction: str, quoted: list[str], acted: dict[int, int], step: int) -> list[float]:
    """Handcrafted features of one candidate (see the module docstring), N_HAND of them."""
    element = c.text.split(": ", 1)[1]
    if c.kind == "type":
        element = element.split(" into ", 1)[1]
    m = re.search(r'"([^"]*)"', element) if c.kind == "click" else None
    text_quoted = float(m is not None and m.group(1) in quoted)
    pos = quoted.index(c.typed) if c.typed in quoted else -1
    names_field = 0.0
    if c.typed:
        k = instruction.find(f'"{c.typed}"')
        before = _words(instruction[:k])[-1:] if k > 0 else []
        names_field = float(bool(before) and before[0] in _words(element))
    return [text_quoted, float(pos == 0), float(pos == 1), float(pos >= 2), names_field,
            min(acted.get(c.ref, 0), 3) / 3.0, float("(checked)" in element), float("(value" in element),
            float(c.kind == "type"), min(step, 10) / 10.0]


def featurize(obs, history_refs: list[int], step: int) -> tuple[list[Candidate], np.ndarray, np.ndarray, np.ndarray]:
    """Candidates of `obs` and their inputs: instruction bag [W], description bags [C, W], hand [C, N_HAND]."""
    cands = candidates(obs)
    quoted = quoted_strings(obs.utterance)
    acted: dict[int, int] = {}
    for r in history_refs:
        acted[r] = acted.get(r, 0) + 1
    inst = np.array(_bag(obs.utterance), dtype=np.int64)
    desc = np.array([_bag(c.text) for c in cands], dtype=np.int64).reshape(len(cands), MAX_WORDS)
    hand = np.array([_hand(c, obs.utterance, quoted, acted, step) for c in cands], dtype=np.float32).reshape(len(cands), N_HAND)
    return cands, inst, desc, hand


def _ref_of(action) -> int | None:
    return getattr(action, "ref", None)


@dataclass
class Demo:
    """One demonstrated step: the model's inputs and the index of the oracle's action."""
    inst: np.ndarray
    desc: np.ndarray
    hand: np.ndarray
    label: int


def demo_step(obs, history, action) -> Demo | None:
    """Turn (observation, history, oracle action) into a training example; None if the action is no candidate."""
    cands, inst, desc, hand = featurize(obs, [_ref_of(t.action) for t in history if _ref_of(t.action)], len(history))
    for i, c in enumerate(cands):
        if c.action == action:
            return Demo(inst, desc, hand, i)
    return None


def make_model(dim: int = 16, hidden: int = 32, seed: int = 0):
    import torch
    from torch import nn

    torch.manual_seed(seed)

    class Ranker(nn.Module):
        """score(instruction, candidate) = MLP([e_I * e_C, e_C, hand])."""

        def __init__(self):
            super().__init__()
            self.emb_i = nn.EmbeddingBag(N_BUCKETS, dim, mode="mean", padding_idx=0)
            self.emb_c = nn.EmbeddingBag(N_BUCKETS, dim, mode="mean", padding_idx=0)
            self.mlp = nn.Sequential(nn.Linear(2 * dim + N_HAND, hidden), nn.ReLU(), nn.Linear(hidden, 1))

        def forward(self, inst, desc, hand):
            """inst [B, W], desc [B, C, W], hand [B, C, H] -> scores [B, C]."""
            B, C, W = desc.shape
            ei = self.emb_i(inst)                                   # [B, D]
            ec = self.emb_c(desc.reshape(B * C, W)).reshape(B, C, -1)
            x = torch.cat([ei[:, None, :] * ec, ec, hand], dim=-1)
            return self.mlp(x).squeeze(-1)

    return Ranker()


def _batch(demos: list[Demo]):
    import torch
    C = max(d.desc.shape[0] for d in demos)
    B = len(demos)
    desc = np.zeros((B, C, MAX_WORDS), np.int64)
    hand = np.zeros((B, C, N_HAND), np.float32)
    mask = np.zeros((B, C), bool)
    for b, d in enumerate(demos):
        n = d.desc.shape[0]
        desc[b, :n], hand[b, :n], mask[b, :n] = d.desc, d.hand, True
    inst = np.stack([d.inst for d in demos])
    labels = np.array([d.label for d in demos])
    return (torch.from_numpy(inst), torch.from_numpy(desc), torch.from_numpy(hand),
            torch.from_numpy(mask), torch.from_numpy(labels))


def train(demos: list[Demo], epochs: int = 200, lr: float = 1e-2, dim: int = 16, seed: int = 0,
          progress=lambda step, metrics: None):
    """Full-batch Adam on the softmax cross-entropy over each step's candidates. Returns (model, history)."""
    import torch

    if not demos:
        from workbench import WorkbenchError
        raise WorkbenchError("behaviour cloning needs at least one demonstration step")
    threads = torch.get_num_threads()
    torch.set_num_threads(1)      # a ~40k-parameter model: threads only add overhead on a shared machine
    try:
        return _train(demos, epochs, lr, dim, seed, progress)
    finally:
        torch.set_num_threads(threads)


def _train(demos, epochs, lr, dim, seed, progress):
    import torch

    model = make_model(dim=dim, seed=seed)
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    inst, desc, hand, mask, labels = _batch(demos)
    rows = []
    for step in range(epochs + 1):
        scores = model(inst, desc, hand).masked_fill(~mask, -1e9)
        loss = torch.nn.functional.cross_entropy(scores, labels)
        if step % max(1, epochs // 10) == 0 or step == epochs:
            acc = float((scores.argmax(-1) == labels).float().mean())
            rows.append((step, float(loss.detach()), acc))
            progress(step, {"train/bc_loss": rows[-1][1], "train/bc_acc": acc})
        if step < epochs:
            opt.zero_grad()
            loss.backward()
            opt.step()
    return model, rows


class BCAgent:
    """Greedy: the highest-scoring candidate each step."""

    name = "bc"

    def __init__(self, model):
        self.model = model.eval()

    def act(self, obs, history):
        import torch
        from workbench.web.actions import Action

        cands, inst, desc, hand = featurize(obs, [_ref_of(t.action) for t in history if _ref_of(t.action)], len(history))
        if not cands:
            return Action.none()
        with torch.no_grad():
            s = self.model(torch.from_numpy(inst)[None], torch.from_numpy(desc)[None], torch.from_numpy(hand)[None])[0]
        return cands[int(s.argmax())].action
