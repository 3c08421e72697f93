"""Reusable skills: the building blocks of the scripted oracles (and of composed-task oracles).

A `Skill` is a small multi-step behaviour driven by observations: `skill.next_action(obs)` returns
the next `Action`, or None once the skill is finished. Skills are written as generator functions
decorated with `@skill`; inside, `s.obs` is always the latest observation:

    @skill
    def fill_login(s, username, password):
        yield Action.type(find_input(s.obs, "username").ref, username)
        yield Action.type(find_input(s.obs, "password").ref, password)
        yield Action.click(find_button(s.obs, "Login").ref)

    fill_login("ann", "pw")          # -> a fresh Skill object (single use)
    fill_login("ann", "pw").within("login-box")   # only looks inside #login-box

`SkillAgent(planner)` runs a plan: at the start of an episode it calls `planner(utterance)` for a
list of skills and then runs them in order (an agent for `agent.run_episode`). The oracles in
`workbench.web.oracles` are planners of this kind; a composed task's oracle parses its instruction
into sub-task fragments and concatenates the base planners' skill lists.

Element finders (`find_*`) take an observation and raise `SkillError` when nothing matches, which
fails the episode cleanly.

Pages change after an action: menus, suggestions and panels open on timers and animations. A skill
never waits a fixed number of steps or seconds for that: `x = yield from wait_for(s, condition,
what)` waits (`Action.none()` steps, each a fresh observation) until the page shows the state the
next action needs, within a deadline (`WAIT_TIMEOUT_S`), and fails with "timed out after ... s
waiting for <what>" otherwise.
"""

from __future__ import annotations

import functools
import re
import time
from typing import Callable, Iterator

from workbench.web.actions import Action
from workbench.web.observation import Element, Observation


class SkillError(Exception):
    """A skill could not find what it needs on the page."""


class Skill:
    """One use of a skill (see module docstring)."""

    def __init__(self, name: str, fn: Callable[..., Iterator[Action]], args: tuple, kwargs: dict):
        self.name, self._fn, self._args, self._kwargs = name, fn, args, kwargs
        self._gen = None
        self.obs: Observation | None = None
        self.finished = False
        self.scope: str | None = None
        self.instruction: str | None = None   # the sub-instruction this skill carries out
        self._say: tuple[str | None, list[int]] = (None, [])
        self.last_note: tuple[str, list[int]] = ("", [])

    def say(self, text: str | None, *elements) -> None:
        """Inside a skill: name the step about to be yielded ("type the username") and the
        elements it needs (Elements or refs); recorded with the action (`SkillAgent.note`)."""
        self._say = (text, [int(getattr(e, "ref", e)) for e in elements if e is not None])

    def described(self, instruction: str) -> "Skill":
        """Set the sub-instruction text (e.g. a composed instruction's clause); returns the skill."""
        self.instruction = instruction
        return self

    def within(self, container_id: str) -> "Skill":
        """Scope this skill to the subtree of the element with this HTML id (e.g. one sub-task's
        container on a composed page); returns the skill. Elements the page appends to `<body>`
        (jQuery-UI dialogs, autocomplete menus) are then out of reach."""
        self.scope = container_id
        return self

    def next_action(self, obs: Observation) -> Action | None:
        if self.finished:
            return None
        if self.scope is not None:
            box = next((e for e in obs.dom if e.id == self.scope), None)
            if box is None:
                raise SkillError(f"no container #{self.scope} for skill {self!r}")
            obs = obs.restrict(box.ref)
        self.obs = obs
        if self._gen is None:
            self._gen = self._fn(self, *self._args, **self._kwargs)
        self._say = (None, [])
        try:
            action = next(self._gen)
        except StopIteration:
            self.finished = True
            return None
        text, refs = self._say
        if not refs and action.ref is not None:
            refs = [action.ref]
        step = text or _describe_step(obs, action)
        self.last_note = (f"{self.instruction or repr(self)}: {step}", refs)
        return action

    def __repr__(self) -> str:
        args = ", ".join([repr(a) for a in self._args] +
                         [f"{k}={v!r}" for k, v in self._kwargs.items()])
        return f"{self.name}({args})" + (f".within({self.scope!r})" if self.scope else "")


def _describe_step(obs: Observation, action: Action) -> str:
    """A default sub-instruction for an action: 'click button "Login"', 'type "ann" into input_text
    #username', 'press_key C-a', 'wait'."""
    if action.kind == "none":
        return "wait"
    if action.kind == "press_key":
        return f"press {action.key}"
    try:
        e = obs.element(action.ref)
    except KeyError:
        return str(action)
    what = e.tag.lower()
    label = norm(obs.subtree_text(e.ref))[:40]
    if label:
        what += f' "{label}"'
    elif e.id:
        what += f" #{e.id}"
    return f"click {what}" if action.kind == "click" else f'type "{action.text}" into {what}'


def skill(fn: Callable[..., Iterator[Action]]) -> Callable[..., Skill]:
    """Decorator: a generator function `fn(s, *args)` becomes a factory of `Skill`s."""

    @functools.wraps(fn)
    def factory(*args, **kwargs) -> Skill:
        return Skill(fn.__name__, fn, args, kwargs)

    return factory


class SkillAgent:
    """Runs `planner(utterance) -> list[Skill]` (an Agent: `act(observation, history)`)."""

    def __init__(self, planner: Callable[[str], list[Skill]], name: str | None = None):
        self.planner = planner
        self.name = name or getattr(planner, "__name__", "skills")
        self.plan: list[Skill] = []
        self.note: tuple[str, list[int]] = ("", [])

    def reset(self, observation: Observation) -> None:
        self.plan = list(self.planner(observation.utterance))

    def act(self, observation: Observation, history) -> Action:
        if not history and not self.plan:
            self.reset(observation)
        while self.plan:
            action = self.plan[0].next_action(observation)
            if action is not None:
                self.note = self.plan[0].last_note
                return action
            self.plan.pop(0)
        self.note = ("wait", [])
        return Action.none()

    def step_note(self) -> dict:
        """What the last action was for: {"sub_instruction": "<skill or clause>: <step>",
        "refs": [elements that step needs]} (the recorder stores it per step)."""
        return {"sub_instruction": self.note[0], "refs": list(self.note[1])}


# ---------------------------------------------------------------------------------------------
# Waiting for the page

WAIT_TIMEOUT_S = 5.0  # how long `wait_for` waits for a state by default (wall-clock seconds)


def wait_for(s: Skill, condition: Callable[[Observation], object], what: str,
             timeout_s: float = WAIT_TIMEOUT_S, clock: Callable[[], float] = time.monotonic):
    """Generator body of a skill: wait until the page is in the state the next action needs and
    return `condition(s.obs)`'s value (`x = yield from wait_for(s, condition, "the menu")`).

    `condition(obs)` returns something truthy once the state is there (e.g. the element to act
    on), falsy while it is not; it may raise `SkillError` for a state no waiting can change.
    Returns at once, without a step, when the state is already there; otherwise yields
    `Action.none()` (the env pauses briefly and observes again) until it is, for at most
    `timeout_s` seconds of wall-clock time from the first miss, then raises SkillError
    "timed out after N s waiting for <what>". A deadline rather than a number of steps, so a
    loaded machine gets the same time as a quiet one."""
    deadline = None
    while True:
        got = condition(s.obs)
        if got:
            return got
        now = clock()
        if deadline is None:
            deadline = now + timeout_s
        elif now >= deadline:
            raise SkillError(f"timed out after {timeout_s:g} s waiting for {what}")
        s.say(f"wait for {what}")
        yield Action.none()


# ---------------------------------------------------------------------------------------------
# Element finders

def norm(text: str | None) -> str:
    return " ".join(str(text or "").split())


def _match(text: str, want: str, exact: bool, case: bool) -> bool:
    a, b = norm(text), norm(want)
    if not case:
        a, b = a.lower(), b.lower()
    return a == b if exact else b in a


def find_all(obs: Observation, text: str | None = None, tag: str | None = None,
             exact: bool = True, case: bool = True, id: str | None = None,
             classes: str | None = None, deep: bool = False,
             where: Callable[[Element], bool] | None = None) -> list[Element]:
    """Elements matching every given criterion. `tag` is MiniWoB's (e.g. "BUTTON",
    "INPUT_text"; "INPUT" matches any input); `classes` must all be present; `deep` matches the
    text of the whole subtree instead of the element's own text."""
    out = []
    want_classes = classes.split() if classes else []
    for e in obs.dom:
        if tag is not None and not (e.tag == tag or (tag == "INPUT" and e.tag.startswith("INPUT_"))):
            continue
        if id is not None and e.id != id:
            continue
        if want_classes and not set(want_classes) <= set(e.classes.split()):
            continue
        if text is not None:
            own = obs.subtree_text(e.ref) if deep else e.text
            if not _match(own, text, exact, case):
                continue
        if where is not None and not where(e):
            continue
        out.append(e)
    return out


def find(obs: Observation, text: str | None = None, tag: str | None = None, **kw) -> Element:
    """The first element matching (see `find_all`); SkillError if none."""
    hits = find_all(obs, text=text, tag=tag, **kw)
    if not hits:
        crit = ", ".join(f"{k}={v!r}" for k, v in dict(text=text, tag=tag, **kw).items()
                         if v is not None)
        raise SkillError(f"no element with {crit}")
    return hits[0]


def find_button(obs: Observation, label: str) -> Element:
    """A button (BUTTON or INPUT_button/submit) whose label is `label` (case-sensitive)."""
    for tag in ("BUTTON", "INPUT_button", "INPUT_submit"):
        hits = find_all(obs, text=label, tag=tag) if tag == "BUTTON" else \
            find_all(obs, tag=tag, where=lambda e: norm(e.value) == norm(label))
        if hits:
            return hits[0]
    hits = find_all(obs, text=label, tag="BUTTON", deep=True)
    if hits:
        return hits[0]
    raise SkillError(f"no button labelled {label!r}")


def find_input(obs: Observation, id_or_label: str) -> Element:
    """A text-like input by id, else the input right after a label/text with that content."""
    hits = find_all(obs, id=id_or_label, where=lambda e: e.tag.startswith(("INPUT", "TEXTAREA")))
    if hits:
        return hits[0]
    inputs = [e for e in obs.dom if e.tag.startswith(("INPUT_text", "INPUT_password", "TEXTAREA"))]
    for i, e in enumerate(obs.dom):
        if e.text and _match(e.text, id_or_label, exact=False, case=False):
            after = [x for x in inputs if obs.dom.index(x) > i]
            if after:
                return after[0]
    raise SkillError(f"no input {id_or_label!r}")


def quoted(utterance: str) -> list[str]:
    """The strings in double quotes in an instruction, in order."""
    return re.findall(r'"([^"]*)"', utterance)


# ---------------------------------------------------------------------------------------------
# Generic skills

@skill
def click_text(s, text: str, tag: str | None = None, exact: bool = True):
    """Click the first element whose own text is `text` (optionally of this tag)."""
    yield Action.click(find(s.obs, text=text, tag=tag, exact=exact).ref)


@skill
def click_button(s, label: str):
    """Click the button labelled `label` (click-button)."""
    yield Action.click(find_button(s.obs, label).ref)
