"""One decision among enumerated options, made the way the model can make it.

    d = decide(llm, prompt, options, frame=lambda o: f"Answer: ({o})", parse=read_answer)
    d.value      # the chosen option (or what `parse` read from a free-text reply; None if unreadable)

A capable model (`llm.capable`: it follows output formats) writes a free-text reply to `text_prompt`
(default `prompt`), and `parse(reply)` reads the decision from it, as a paper's own agent would. A
small model (the embedded 135M one) cannot be trusted to write a format, so it decides by likelihood
among the options instead, in one of two framings:

* reply framing (default): the likelihood of each option's text, `frame(option)`, as the reply to
  `prompt` (`llm.choose`; per-token mean by default). `baseline=` a content-free prompt (e.g. the
  same prompt with the document replaced by "N/A") subtracts each option's log-probability under it
  (contextual calibration, Zhao et al. 2021), so a prior for one label does not decide every time.
* candidate-conditional framing (`target=` given): the likelihood of one fixed text, `target` (say,
  the question), after a prompt that shows each candidate, `frame(option)` (say, one page's gist).
  The option under which the target is most likely wins; scores are summed log-probs, minus the
  target's log-prob after `baseline` (the prompt with no candidate) when given, so a score above 0
  means the candidate makes the target more likely than nothing does (`Decision.scores`; a caller
  can stop when none does). With SmolLM2-135M this framing found the page that answers a question
  24 times of 24, where asking for the page number by label picked page 1 every time
  (docs/papers/readagent.md, "Deciding by likelihood with the 135M model").

Several options at once (`at_most=k`): the likelihood path keeps the best option and every other
one whose probability is at least `keep_ratio` x the best, up to k, best first; `parse` should then
return a list too. `by="text"` or `by="likelihood"` forces a path whatever the model.

Every model call goes through `llm.generate`, `llm.choose` or `llm.score`, so the reply cache, the
record file and replay work as for direct calls (the keys are those of the same direct calls).
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Callable, Sequence

from workbench.llm.base import LLMError, softmax

BY = ("auto", "text", "likelihood")


@dataclass(frozen=True)
class Decision:
    """What `decide` chose and how.

    value: the chosen option (a list with `at_most`), what `parse` read from a free-text reply, or
        None (an unreadable reply, or no options to choose from);
    index: position of `value` in the options, None when it is not one of them;
    reply: the model's free-text reply (text path), else the chosen option's text: `frame(option)`
        in reply framing, `str(option)` in candidate-conditional framing;
    by: "text" or "likelihood";
    probs, scores: per option (likelihood path only), the softmax and the log-scores it was taken
        over: log-probabilities in reply framing (calibrated: their difference from the baseline's),
        the target's log-likelihood in candidate-conditional framing (minus the baseline's).
    """

    value: Any
    index: int | None
    reply: str
    by: str
    probs: list[float] | None = None
    scores: list[float] | None = None


def _index(options: Sequence, value) -> int | None:
    for i, o in enumerate(options):
        if o is value or o == value:
            return i
    return None


def match_option(reply: str, options: Sequence, frame: Callable[[Any], str] = str):
    """The default `parse`: the option whose text the reply is (ignoring case and outer space), else
    the option whose text appears first in the reply (longest on a tie), else None."""
    text = reply.strip().lower()
    texts = [frame(o).strip().lower() for o in options]
    for o, t in zip(options, texts):
        if t and text == t:
            return o
    found = [(text.find(t), -len(t), i) for i, t in enumerate(texts) if t and t in text]
    return options[min(found)[2]] if found else None


def decide(llm, prompt: str, options: Sequence, *, frame: Callable[[Any], str] = str,
           parse: Callable[[str], Any] | None = None, text_prompt: str | None = None,
           target: str | None = None, baseline: str | None = None, normalize: str | None = None,
           at_most: int | None = None, keep_ratio: float = 1.0, max_new_tokens: int = 32,
           stop: list[str] | None = None, system: str | None = None, chat: bool = True,
           by: str = "auto") -> Decision:
    """Choose among `options` by free text for a capable model, else by likelihood (module docstring).

    prompt: what the model reads (reply framing: the options' texts are scored as its reply; with
        `target`: unused by the likelihood path, `frame(option)` is the prompt there);
    frame: an option's text (reply framing) or the prompt showing that option (with `target`);
    parse: reads a free-text reply into a decision (default `match_option` over the framed texts);
    text_prompt: the free-text prompt when it differs from `prompt` (e.g. it asks for an output format);
    normalize: "mean" (per token; the reply framing's default) or "sum" (the target framing's default);
    max_new_tokens, stop: of the free-text reply; system, chat: of every call.
    """
    if by not in BY:
        raise LLMError(f"by must be one of {', '.join(BY)}, got {by!r}")
    if at_most is not None and (not isinstance(at_most, int) or at_most < 1):
        raise LLMError(f"at_most must be a positive int, got {at_most!r}")
    if not 0 <= keep_ratio <= 1:
        raise LLMError(f"keep_ratio must be in [0, 1], got {keep_ratio!r}")
    options = list(options)
    if by == "auto":
        by = "text" if getattr(llm, "capable", False) else "likelihood"
    if by == "text":
        reply = llm.generate(text_prompt if text_prompt is not None else prompt, max_new_tokens=max_new_tokens,
                             stop=stop, system=system, chat=chat)
        value = parse(reply) if parse is not None else match_option(reply, options, frame)
        return Decision(value, None if isinstance(value, list) else _index(options, value), reply, "text")
    if not options:
        return Decision([] if at_most else None, None, "", "likelihood")
    if target is None:
        texts = [frame(o) for o in options]
        probs, scores = _reply_scores(llm, prompt, texts, baseline, normalize or "mean", system, chat)
    else:
        texts = [str(o) for o in options]
        probs, scores = _target_scores(llm, [frame(o) for o in options], target, baseline, normalize or "sum",
                                       system, chat)
    order = sorted(range(len(options)), key=lambda i: -probs[i])  # stable: ties keep the options' order
    best = order[0]
    if at_most is None:
        return Decision(options[best], best, texts[best], "likelihood", probs, scores)
    kept = [i for i in order if probs[i] >= keep_ratio * probs[best]][:at_most]
    return Decision([options[i] for i in kept], None, ", ".join(texts[i] for i in kept), "likelihood", probs, scores)


def _reply_scores(llm, prompt, texts, baseline, normalize, system, chat):
    choice = llm.choose(prompt, texts, system=system, chat=chat, normalize=normalize)
    probs = list(choice.probs)
    if baseline is None:
        return probs, [math.log(max(p, 1e-300)) for p in probs]
    prior = llm.choose(baseline, texts, system=system, chat=chat, normalize=normalize)
    # log p - log p0 per option; clipped so an option the model rules out entirely stays comparable
    scores = [math.log(max(p, 1e-12)) - math.log(max(p0, 1e-12)) for p, p0 in zip(probs, prior.probs)]
    return softmax(scores), scores


def _target_scores(llm, prompts, target, baseline, normalize, system, chat):
    if normalize not in ("mean", "sum"):
        raise LLMError(f"normalize must be 'mean' or 'sum', got {normalize!r}")
    if not isinstance(target, str) or not target:
        raise LLMError(f"target must be a non-empty string, got {target!r}")

    def value(prompt: str) -> float:
        s = llm.score(prompt, [target], system=system, chat=chat)[0]
        return s.logprob_mean if normalize == "mean" else s.logprob_sum

    scores = [value(p) for p in prompts]
    if baseline is not None:
        zero = value(baseline)
        scores = [s - zero for s in scores]
    return softmax(scores), scores
