"""The prompted agent: a language model choosing the next action, with base-task exemplars only.

Mirrors the prompted agents of CompWoB (RCI, AdaPlanner, Synapse): few-shot exemplars come from
BASE tasks only, so every composed task is zero-shot for it. Each step is one `workbench.llm.decide`
call, which takes one of two paths by the backend's `capable`:
- small embedded model (SmolLM2-135M, not capable): the likelihood of the candidate actions rendered
  as short descriptions (`candidates.py`), i.e. decide by likelihood, never by parsing free text. The
  options are cut to the `k` (default 6) sharing most words with the instruction: each option
  costs one pass over the prompt, and on 2 CPU cores a pass is ~0.1-0.5 s;
- capable backend (an OpenAI-compatible server, a large local model): the prompt lists the DOM
  (`workbench.web.observation.dom_text`) and the model writes one action in its string form
  (`click(ref=5)`, `type(ref=5, text="x")`), read back with `workbench.web.actions.parse_action`;
  an unreadable reply becomes `none()` (a wasted step).
Departures: no self-critique loop (RCI) or code plans (AdaPlanner); one call per step; an action
already taken in the episode is never offered again (a cheap stand-in for self-critique: the 135M
model otherwise re-clicks the same radio button until the step budget runs out).
"""
from __future__ import annotations

from workbench.llm import decide
from workbench.web.actions import Action, parse_action
from workbench.web.observation import dom_text

from workbench.papers.compwob.candidates import candidates, shortlist

# Base-task exemplars (written for this project; one clause each, never a composition).
EXEMPLARS_CHOOSE = """Example task: Click the link "amet".
Actions: click-link: click span "amet" .alink
Example task: Select "qq" and submit.
Actions: click-option: click input_radio "qq" (unchecked) | click-option: click button "Submit" .submit"""

EXEMPLARS_TEXT = """Example task: Click the link "amet".
Page: [4] div #box-click-link .task-box / [6] span "amet" .alink / [7] span "dolor" .alink
Actions: click(ref=6)
Example task: Log in as "anna" with password "xk2".
Page: [4] div #box-login-user / [6] input_text .username / [8] input_password .password / [9] button "Login" .submit
Actions: type(ref=6, text="anna") | type(ref=8, text="xk2") | click(ref=9)"""


class LLMAgent:
    """`act(obs, history)`: one LLM call per step (see the module docstring)."""

    name = "llm"

    def __init__(self, llm, k: int = 6):
        self.llm = llm
        self.k = k
        self.done: list[str] = []

    def reset(self, obs) -> None:
        self.done = []

    def text_prompt(self, obs) -> str:
        """What a capable model reads: the DOM, and exemplars of actions in their string form."""
        return (f"You control a web page. Reply with one action only.\n{EXEMPLARS_TEXT}\n\n"
                f"Task: {obs.utterance}\nPage:\n{dom_text(obs)}\nActions so far: {self._so_far()}\nNext action:")

    def choose_prompt(self, obs) -> str:
        """What the likelihood path scores the candidates' descriptions after."""
        return (f"You control a web page, one action at a time.\n{EXEMPLARS_CHOOSE}\n\n"
                f"Task: {obs.utterance}\nActions so far: {self._so_far()}\nNext action:")

    def _so_far(self) -> str:
        return " | ".join(self.done) if self.done else "none"

    def act(self, obs, history) -> Action:
        if not history:
            self.reset(obs)
        taken = {t.action for t in history}
        cands = shortlist([c for c in candidates(obs) if c.action not in taken], obs.utterance, self.k)
        d = decide(self.llm, self.choose_prompt(obs), cands, frame=lambda c: " " + c.text,
                   text_prompt=self.text_prompt(obs), parse=read_action,
                   max_new_tokens=32, stop=["\n"])
        if d.value is None:  # no candidate left to choose from
            return Action.none()
        if d.by == "text":  # the model wrote an action: the history shows it in the same form
            self.done.append(str(d.value))
            return d.value
        self.done.append(d.value.text)
        return d.value.action


def read_action(reply: str) -> Action:
    """The first action of a free-text reply (`click(ref=5)`); an unreadable reply is `none()`, a wasted step."""
    try:
        return parse_action(reply.strip().split("|")[0])
    except Exception:  # noqa: BLE001 - any unreadable reply
        return Action.none()
