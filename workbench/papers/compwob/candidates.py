"""Candidate actions on a page, each with a short description: the action space of the learned agents.

Both the prompted LLM agent (which scores descriptions by likelihood) and the behaviour-cloned agent
(which ranks (instruction, description) pairs) choose among these. A description names the box the
element is in (its base-task area, `box-<base>` on the page), the verb, the element and its text:

    click-link: click link "amet"
    login-user: type "anna" into input_text .username
    click-checkboxes: click input_checkbox "xk3" (checked)

This is a state abstraction in the spirit of Synapse (arXiv 2306.07863); departure from CompWoB's
agents, which read raw HTML and emit free-form actions.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from workbench.web.actions import Action
from workbench.web.observation import Element, Observation

from workbench.web.instructions import quoted_strings

CLICKABLE_CLASSES = {"alink", "file", "folder"}
TEXT_INPUTS = {"input_text", "input_password", "textarea"}


@dataclass(frozen=True)
class Candidate:
    text: str            # the description the agents read
    action: Action
    ref: int
    kind: str            # click | type
    typed: str = ""      # the typed text (type actions)


def _box_of(obs: Observation, e: Element) -> str:
    ref = e.parent
    while ref:
        p = obs.element(ref)
        if p.id.startswith("box-"):
            return p.id[4:]
        ref = p.parent
    return "page"


def _label_text(obs: Observation, e: Element) -> str:
    """The text of the <label> an input sits in (radios and checkboxes), else ''."""
    if e.parent:
        p = obs.element(e.parent)
        if p.tag.lower() == "label":
            return obs.subtree_text(p.ref)
    return ""


def _describe(obs: Observation, e: Element) -> str:
    tag = e.tag.lower()
    text = e.text or _label_text(obs, e)
    parts = [tag]
    if text:
        parts.append(f'"{text}"')
    if e.classes:
        parts.append("." + ".".join(e.classes.split()))
    if isinstance(e.value, bool):
        parts.append("(checked)" if e.value else "(unchecked)")
    elif e.value:
        parts.append(f'(value "{e.value}")')
    return " ".join(parts)


def candidates(obs: Observation, instruction: str | None = None) -> list[Candidate]:
    """Every click on an interactive element, and every quoted string typed into an empty text field."""
    instruction = obs.utterance if instruction is None else instruction
    strings = list(dict.fromkeys(quoted_strings(instruction)))
    out: list[Candidate] = []
    for e in obs.dom:
        tag = e.tag.lower()
        interactive = tag == "button" or tag.startswith("input") or tag == "textarea" or \
            (tag == "span" and CLICKABLE_CLASSES & set(e.classes.split()))
        if not interactive:
            continue
        where, what = _box_of(obs, e), _describe(obs, e)
        if tag in TEXT_INPUTS and not e.value:
            for s in strings:
                out.append(Candidate(f'{where}: type "{s}" into {what}', Action.type(e.ref, s), e.ref, "type", s))
        if tag not in ("input_text", "input_password"):
            out.append(Candidate(f"{where}: click {what}", Action.click(e.ref), e.ref, "click"))
    return out


_STOP = {"click", "the", "and", "then", "after", "a", "an", "in", "into", "with", "type", "span", "input", "ing"}


def overlap_scores(cands: list[Candidate], instruction: str) -> list[int]:
    """How much each candidate's description shares with the instruction: a quoted string of the
    instruction counts 3, any other word (stop words aside) 1. Word order plays no part."""
    quoted = set(quoted_strings(instruction))
    words = set(re.findall(r"[a-z0-9]+", instruction.lower())) - _STOP

    def score(c: Candidate) -> int:
        texts = set(re.findall(r'"([^"]*)"', c.text))
        return 3 * len(texts & quoted) + len(set(re.findall(r"[a-z0-9]+", c.text.lower())) & words)
    return [score(c) for c in cands]


def shortlist(cands: list[Candidate], instruction: str, k: int) -> list[Candidate]:
    """The `k` candidates sharing most with the instruction (`overlap_scores`); ties keep page order.
    Cuts the prompted agent's options (and its cost: one scoring pass per option)."""
    if k <= 0 or len(cands) <= k:
        return cands
    scores = overlap_scores(cands, instruction)
    ranked = sorted(range(len(cands)), key=lambda i: (-scores[i], i))[:k]
    return [cands[i] for i in sorted(ranked)]
