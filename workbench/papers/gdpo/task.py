"""Experiment 2's verifiable task: "write one short sentence about TOPIC that includes the word WORD".

The prompt set is written here (topic × word, drawn reproducibly), and a checker gives the ground-truth
reward r = 1 if the response uses the word (a whole word or its inflection: "river" matches "rivers",
not "driver"), else 0. The reward is what an AI judge of SmolLM2's size can plausibly check, and it
gives the judge's accuracy and calibration, an alternative label p̂ = σ(Δr/T), and an objective win rate.
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass

import numpy as np

TOPICS = ("a city", "the sea", "a friend", "breakfast", "a library", "the moon", "a train", "the forest",
          "a teacher", "the rain", "a market", "the mountains", "a birthday", "the kitchen", "a dog",
          "the desert", "a football match", "the night sky", "a bakery", "the ocean", "a bicycle",
          "the summer", "a museum", "the village", "a storm", "a school", "the harbor", "a concert",
          "the snow", "a picnic", "the bridge", "a hospital", "the island", "a farm", "the station",
          "a wedding", "the river bank", "a castle", "the zoo", "a holiday")
WORDS = ("river", "apple", "music", "winter", "garden", "candle", "silver", "window", "orange", "thunder",
         "blanket", "mirror", "coffee", "feather", "ladder", "pencil", "rocket", "basket", "lantern",
         "violin", "tiger", "honey", "marble", "cloud", "engine", "bottle", "shadow", "pepper", "compass",
         "jacket", "butter", "kettle", "meadow", "puzzle", "saddle", "tunnel", "velvet", "whistle",
         "anchor", "crystal")


@dataclass(frozen=True)
class Prompt:
    text: str      # the user message given to the policy
    topic: str
    word: str      # the word the response must include


def make_prompts(n: int, seed: int = 0, offset: int = 0) -> list[Prompt]:
    """n distinct prompts; `offset` skips the first ones (train and held-out sets never overlap)."""
    rng = np.random.default_rng(seed)
    combos = [(t, w) for t in TOPICS for w in WORDS]
    order = rng.permutation(len(combos))[offset:offset + n]
    if len(order) < n:
        raise ValueError(f"only {len(combos)} distinct prompts exist; asked for {offset + n}")
    out = []
    for i in order:
        topic, word = combos[i]
        out.append(Prompt(f'Write one short sentence about {topic}. Include the word "{word}".', topic, word))
    return out


def reward(response: str, word: str) -> float:
    """1.0 if `response` uses `word` (case-insensitive, word start, inflections allowed), else 0.0."""
    return 1.0 if re.search(rf"\b{re.escape(word.lower())}", response.lower()) else 0.0


def truth_label(r1: float, r2: float, temperature: float) -> float:
    """Bradley–Terry soft label from the checker: p̂(y₁ ≻ y₂) = σ((r₁ − r₂)/T)."""
    return 1.0 / (1.0 + math.exp(-(r1 - r2) / temperature))


def win_rate(policy_rewards, reference_rewards) -> float:
    """Fraction of prompts where the policy's response beats the reference's; ties count ½."""
    p, r = np.asarray(policy_rewards, float), np.asarray(reference_rewards, float)
    return float(np.mean((p > r) + 0.5 * (p == r))) if len(p) else float("nan")
