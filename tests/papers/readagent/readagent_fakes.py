"""A scripted stand-in for a workbench.llm backend, for plumbing tests (the decisions' own tests run
the real embedded model: test_readagent_decisions.py)."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass
class FakeChoice:
    index: int
    option: str
    probs: list[float]


@dataclass
class FakeScore:
    logprob_sum: float
    logprob_mean: float
    n_tokens: int


class FakeLLM:
    """`reply(prompt) -> str` scripts generate(); `pick(prompt, options) -> list[float]` scripts choose()
    (unnormalised weights); `logp(prompt, continuation) -> float` scripts score() (summed log-prob,
    default 0). Every call is logged in `calls`."""

    def __init__(self, capable: bool, reply=None, pick=None, logp=None, name: str = "fake"):
        self.capable, self.name = capable, name
        self._reply = reply or (lambda prompt: "")
        self._pick = pick or (lambda prompt, options: [1.0] * len(options))
        self._logp = logp or (lambda prompt, continuation: 0.0)
        self.calls: list[tuple[str, str]] = []

    def generate(self, prompt, max_new_tokens=64, **kw):
        self.calls.append(("generate", prompt))
        return self._reply(prompt)

    def generate_batch(self, prompts, **kw):
        return [self.generate(p, **kw) for p in prompts]

    def choose(self, prompt, options, **kw):
        self.calls.append(("choose", prompt))
        weights = list(self._pick(prompt, options))
        total = sum(weights)
        probs = [w / total for w in weights]
        i = max(range(len(options)), key=lambda j: probs[j])
        return FakeChoice(i, options[i], probs)

    def score(self, prompt, continuations, **kw):
        self.calls.append(("score", prompt))
        out = []
        for c in continuations:
            s, n = float(self._logp(prompt, c)), max(1, len(c.split()))
            out.append(FakeScore(s, s / n, n))
        return out
