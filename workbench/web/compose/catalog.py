"""The composed tasks: which base sub-tasks, in which execution order, on one page.

A task name is its base sub-tasks in execution order joined by "_" (CompWoB's convention, arXiv
2311.18751), e.g. "click-button_click-link"; "-transition" marks a page whose content is swapped
after each sub-task (one box visible at a time, like moving from a login form to the next page);
"-reverse" marks the twin whose instruction lists the final sub-task first ("B, after A-ing"). The
twin's JavaScript is identical; only the instruction's wording differs.

Departure from the paper: 11 base sub-tasks written by this project (CompWoB reuses 22 MiniWoB
tasks), 21 compositions (CompWoB: 50), at most 5-way (CompWoB: up to 8-way).
"""
from __future__ import annotations

from dataclasses import dataclass

from workbench import WorkbenchError

BASES = (
    "click-button", "click-link", "click-option", "click-checkboxes", "enter-text", "enter-password",
    "login-user", "click-dialog", "click-widget", "enter-date", "navigate-tree",
)

COMPOSITIONS = (
    # 2-way
    "click-button_click-link",
    "click-link_click-button",
    "click-option_click-button",
    "click-checkboxes_enter-text",
    "enter-text_click-link",
    "click-dialog_click-button",
    "login-user_navigate-tree",
    "login-user_navigate-tree-transition",
    "enter-password_click-option",
    "click-widget_click-checkboxes",
    "enter-date_click-dialog",
    "click-link_enter-password",
    # 3-way
    "click-button_click-link_click-option",
    "enter-text_click-checkboxes_click-dialog",
    "click-widget_login-user_click-link",
    "click-option_enter-date_click-button",
    "login-user_click-option_navigate-tree-transition",
    # 4-way
    "click-link_click-button_click-checkboxes_click-option",
    "enter-text_click-widget_click-dialog_login-user",
    # 5-way
    "click-button_click-link_click-checkboxes_click-option_click-dialog",
    "click-widget_enter-text_click-link_click-option_login-user",
)


@dataclass(frozen=True)
class Task:
    """One page: `name` is its file stem (and the miniwob subdomain)."""
    name: str
    bases: tuple[str, ...]     # sub-tasks in execution order
    direction: str             # "forward" or "reverse" (wording only)
    transition: bool           # one box visible at a time

    @property
    def n(self) -> int:
        return len(self.bases)

    @property
    def composition(self) -> str:
        """The name without the -reverse suffix (shared by both twins)."""
        return self.name[: -len("-reverse")] if self.direction == "reverse" else self.name


def parse(name: str) -> Task:
    """'a_b-transition-reverse' -> Task; unknown base names raise WorkbenchError."""
    stem, direction, transition = name, "forward", False
    if stem.endswith("-reverse"):
        stem, direction = stem[: -len("-reverse")], "reverse"
    if stem.endswith("-transition"):
        stem, transition = stem[: -len("-transition")], True
    bases = tuple(stem.split("_"))
    bad = [b for b in bases if b not in BASES]
    if bad:
        raise WorkbenchError(f"task {name!r}: unknown base sub-task(s) {', '.join(bad)}; known: {', '.join(BASES)}")
    if len(set(bases)) != len(bases):
        raise WorkbenchError(f"task {name!r}: a base sub-task appears twice")
    if len(bases) == 1 and (transition or direction == "reverse"):
        raise WorkbenchError(f"task {name!r}: a single sub-task has no transition or reverse twin")
    return Task(name, bases, direction, transition)


def base_tasks() -> list[Task]:
    """The 1-way pages (each base sub-task alone, same JS as inside the compositions)."""
    return [parse(b) for b in BASES]


def composed_tasks(directions: tuple[str, ...] = ("forward", "reverse")) -> list[Task]:
    out = []
    for c in COMPOSITIONS:
        for d in directions:
            out.append(parse(c if d == "forward" else c + "-reverse"))
    return out


def all_tasks() -> list[Task]:
    return base_tasks() + composed_tasks()
