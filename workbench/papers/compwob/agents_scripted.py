"""Scripted agents: the oracle (reads "after"), the naive in-order agent, and a wrong-order probe.

All three parse the instruction into clauses (`instructions.parse`) and run the base-task skills
(`skills.next_action`) clause by clause; they differ only in the order of the clauses:
- oracle: execution order (an "after"-aware parser) -> validates every composed page;
- naive: textual order (reads "B, after A-ing" as "B, then A"): isolates the reversed-wording effect
  (a failure mode the paper reports: clauses executed in textual order despite "after");
- wrong-order: execution order reversed (final sub-task first); every page must fail it.
"""
from __future__ import annotations

from workbench.web.actions import Action

from workbench.papers.compwob import instructions, skills


class ScriptedAgent:
    """`act(obs, history) -> Action` over parsed clauses; `order` is execution|textual|reversed."""

    def __init__(self, order: str = "execution", name: str | None = None):
        if order not in ("execution", "textual", "reversed"):
            from workbench import WorkbenchError
            raise WorkbenchError(f"unknown clause order {order!r}; choose execution, textual or reversed")
        self.order = order
        self.name = name or {"execution": "oracle", "textual": "naive", "reversed": "wrong-order"}[order]
        self.clauses: list = []

    def reset(self, obs) -> None:
        clauses = instructions.parse(obs.utterance, respect_after=self.order != "textual")
        self.clauses = clauses[::-1] if self.order == "reversed" else clauses
        self.i, self.state = 0, {}

    def act(self, obs, history) -> Action:
        if not history:
            self.reset(obs)
        while self.i < len(self.clauses):
            action = skills.next_action(self.clauses[self.i], obs, self.state)
            if action is not None:
                return action
            self.i, self.state = self.i + 1, {}
        return Action.none()


def oracle() -> ScriptedAgent:
    return ScriptedAgent("execution")


def naive() -> ScriptedAgent:
    return ScriptedAgent("textual")


def wrong_order() -> ScriptedAgent:
    return ScriptedAgent("reversed")
