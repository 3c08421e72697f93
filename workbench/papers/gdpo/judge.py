"""Soft preference labels from AI feedback, and how good they are.

The recipe (the paper's Sec. 4, after Lee et al. 2023's RLAIF; details reconstructed, not verified):
show the judge (x, y₁, y₂), read P(A) and P(B) from the likelihood of the one-letter answers (softmax
over the two options, `workbench.llm`'s `choose` with normalize="sum"), ask again with the responses
swapped, and average:

    p̂(y₁ ≻ y₂) = ½ [P(A | y₁ shown first) + P(B | y₂ shown first)]

so p̂(y₁ ≻ y₂) = 1 − p̂(y₂ ≻ y₁) exactly, whatever the judge's position bias. The bias itself is logged:
bias = ½ [P(A | y₁ first) + P(A | y₂ first)] − ½ (0 = none; +0.5 = always answers A).

The question names the checkable property ("which response uses the word W") rather than asking for
overall quality: a 135M judge has a chance at the former and none at the latter. Calibration against the
checker: accuracy on pairs with different rewards and the expected calibration error (ECE).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from workbench.papers.gdpo.task import Prompt

JUDGE_TEMPLATE = ('Instruction: {instruction}\n\nResponse A: {a}\n\nResponse B: {b}\n\n'
                  'Which response uses the word "{word}"? Answer with one letter, A or B.')


def judge_prompt(prompt: Prompt, first: str, second: str) -> str:
    return JUDGE_TEMPLATE.format(instruction=prompt.text, a=first.strip(), b=second.strip(), word=prompt.word)


@dataclass(frozen=True)
class Verdict:
    p_hat: float          # order-averaged P(y₁ ≻ y₂)
    p_a_forward: float    # P(A) with y₁ shown as A
    p_a_swapped: float    # P(A) with y₂ shown as A

    @property
    def position_bias(self) -> float:
        return 0.5 * (self.p_a_forward + self.p_a_swapped) - 0.5


def judge_pair(llm, prompt: Prompt, y1: str, y2: str) -> Verdict:
    """Order-averaged soft label from the judge's likelihood of answering A or B (both orders)."""
    forward = llm.choose(judge_prompt(prompt, y1, y2), ["A", "B"], normalize="sum").probs[0]
    swapped = llm.choose(judge_prompt(prompt, y2, y1), ["A", "B"], normalize="sum").probs[0]
    return Verdict(0.5 * (forward + (1.0 - swapped)), float(forward), float(swapped))


def calibration(p_hat, r1, r2, n_bins: int = 5) -> dict[str, float]:
    """Judge quality on pairs whose checker rewards differ (ties carry no ground truth).

    accuracy: fraction where p̂ > ½ picks the higher reward (p̂ = ½ counts ½);
    ece: Σ_b |B_b|/n · |acc_b − conf_b| with confidence max(p̂, 1 − p̂) binned on [0.5, 1];
    n: pairs used."""
    p, r1, r2 = np.asarray(p_hat, float), np.asarray(r1, float), np.asarray(r2, float)
    keep = r1 != r2
    if not keep.any():
        return {"accuracy": float("nan"), "ece": float("nan"), "n": 0}
    p, y = p[keep], (r1[keep] > r2[keep]).astype(float)
    correct = np.where(p == 0.5, 0.5, ((p > 0.5) == (y == 1)).astype(float))
    conf = np.maximum(p, 1 - p)
    bins = np.minimum(((conf - 0.5) / 0.5 * n_bins).astype(int), n_bins - 1)
    ece = sum((bins == b).sum() / len(p) * abs(correct[bins == b].mean() - conf[bins == b].mean())
              for b in range(n_bins) if (bins == b).any())
    return {"accuracy": float(correct.mean()), "ece": float(ece), "n": int(len(p))}
