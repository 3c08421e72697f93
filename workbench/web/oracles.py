"""Scripted oracles for MiniWoB++ base tasks: an instruction parser per task plus reusable skills.

`PLANNERS[task](utterance) -> list[Skill]` turns a task's instruction into skills
(`workbench.web.skills`); `oracle(task)` wraps it in a `SkillAgent` (an Agent). The parsers read
only the instruction text (no miniwob `fields`), so a composed task's oracle can split its
instruction into clauses and call the base planners on each clause, e.g.

    plan = PLANNERS["click-button"]('Click on the "ok" button') + \
           PLANNERS["enter-text"]('Enter "Ann" into the text field and press Submit')

Skills act through the DOM only (element refs, `core.elementClick`), never coordinates.
Success rates measured over >= 20 episodes per task are in the module's tests/benchmark report.
"""

from __future__ import annotations

import re
from typing import Callable

from workbench import WorkbenchError
from workbench.web.actions import Action
from workbench.web.skills import (Skill, SkillAgent, SkillError, click_button, find, find_all,
                                  find_button, norm, quoted, skill)

PLANNERS: dict[str, Callable[[str], list[Skill]]] = {}


def planner(task: str):
    """Register an instruction parser for `task`."""

    def deco(fn):
        PLANNERS[task] = fn
        return fn

    return deco


def oracle(task: str) -> SkillAgent:
    """The scripted oracle agent for a base task."""
    if task not in PLANNERS:
        raise WorkbenchError(f"no oracle for task {task!r}; have {sorted(PLANNERS)}")
    return SkillAgent(PLANNERS[task], name=f"oracle:{task}")


def _one_quoted(utterance: str, what: str) -> str:
    q = quoted(utterance)
    if not q:
        raise SkillError(f"no quoted {what} in {utterance!r}")
    return q[0]


# ---------------------------------------------------------------------------------------------
# Skills for base tasks

@skill
def click_link(s, text: str):
    """Click the link (`span.alink` or `<a>`) whose text is `text` (click-link)."""
    hits = find_all(s.obs, text=text, classes="alink") or find_all(s.obs, text=text, tag="A")
    if not hits:
        raise SkillError(f"no link {text!r}")
    yield Action.click(hits[0].ref)


@skill
def select_option(s, label: str):
    """Tick the radio button or checkbox whose label text is `label`."""
    yield Action.click(_labelled_input(s.obs, label).ref)


def _labelled_input(obs, label: str):
    """The radio/checkbox input inside the `<label>` (or followed by the text) `label`."""
    for e in obs.dom:
        if e.tag in ("INPUT_radio", "INPUT_checkbox"):
            parent_text = obs.subtree_text(e.parent) if e.parent else ""
            if obs.element(e.parent).tag == "LABEL" and norm(parent_text) == norm(label):
                return e
    raise SkillError(f"no option labelled {label!r}")


@skill
def submit(s, label: str = "Submit"):
    yield Action.click(find_button(s.obs, label).ref)


@skill
def enter_text(s, text: str, field: str | None = None):
    """Type `text` into the text field (`field` = its id; default: the first text input)."""
    if field:
        target = find(s.obs, id=field)
    else:
        target = find(s.obs, where=lambda e: e.tag in ("INPUT_text", "TEXTAREA"))
    yield Action.type(target.ref, text)


@skill
def enter_password(s, password: str):
    """Type the password into both #password and #verify (enter-password)."""
    yield Action.type(find(s.obs, id="password").ref, password)
    yield Action.type(find(s.obs, id="verify").ref, password)


# ---------------------------------------------------------------------------------------------
# Instruction parsers

@planner("click-button")
def plan_click_button(u: str) -> list[Skill]:
    # 'Click on the "Yes" button.'
    return [click_button(_one_quoted(u, "button label"))]


@planner("click-link")
def plan_click_link(u: str) -> list[Skill]:
    # 'Click on the link "ipsum".'
    return [click_link(_one_quoted(u, "link text"))]


@planner("click-option")
def plan_click_option(u: str) -> list[Skill]:
    # 'Select Xy3 and click Submit.'
    m = re.search(r"Select (.+?) and click Submit", u)
    if not m:
        raise SkillError(f"cannot parse click-option instruction {u!r}")
    return [select_option(m.group(1)), submit()]


@planner("enter-text")
def plan_enter_text(u: str) -> list[Skill]:
    # 'Enter "Ann" into the text field and press Submit.'
    return [enter_text(_one_quoted(u, "text")), submit()]


@planner("enter-password")
def plan_enter_password(u: str) -> list[Skill]:
    # 'Enter the password "ab1" into both text fields and press submit.'
    return [enter_password(_one_quoted(u, "password")), submit()]
