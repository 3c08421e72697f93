"""Read composed instructions: split into clauses, map each clause to a base sub-task and its arguments.

The grammar is the one `workbench.web.compose` writes (after CompWoB, arXiv 2311.18751):
  forward   "A, B, and then C."          execution order A, B, C
  reverse   "C, after A-ing, and B-ing." execution order A, B, C (the final sub-task is named first)
`split(instruction, respect_after=True)` returns the clauses in execution order; with
`respect_after=False` it returns them in textual order (the naive reader that ignores "after").
Splitting is quote-aware: a comma or "after" inside "..." never splits.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from workbench import WorkbenchError

Q = r'"([^"]*)"'
# (base, pattern) for imperative and gerund forms of each base clause; the groups are its arguments.
_PATTERNS: list[tuple[str, str]] = [
    ("click-button", rf'click(?:ing)? the {Q} button'),
    ("click-link", rf'click(?:ing)? the link {Q}'),
    ("click-option", rf'select(?:ing)? {Q} and submit(?:ting)?'),
    ("click-checkboxes", rf'check(?:ing)? ((?:"[^"]*"(?: and )?)+) and submit(?:ting)?'),
    ("enter-text", rf'typ(?:e|ing) {Q} and submit(?:ting)?'),
    ("enter-password", rf'enter(?:ing)? the password {Q} twice and submit(?:ting)?'),
    ("login-user", rf'log(?:ging)? in as {Q} with password {Q}'),
    ("click-dialog", rf'press(?:ing)? {Q} in the dialog'),
    ("click-widget", rf'click(?:ing)? the {Q} widget'),
    ("enter-date", r'enter(?:ing)? the date (\d\d/\d\d/\d{4}) and submit(?:ting)?'),
    ("navigate-tree", rf'open(?:ing)? the file {Q}'),
]
_COMPILED = [(b, re.compile(r"^\s*" + p + r"\s*$", re.I)) for b, p in _PATTERNS]


@dataclass(frozen=True)
class Clause:
    """One sub-task: its base task name, arguments (strings) and the text it was read from."""
    base: str
    args: tuple[str, ...]
    text: str = field(compare=False, default="")


def parse_clause(text: str) -> Clause:
    """'clicking the link "amet"' -> Clause('click-link', ('amet',)); unknown wording raises."""
    for base, rx in _COMPILED:
        m = rx.match(text)
        if m:
            args = m.groups()
            if base == "click-checkboxes":
                args = tuple(re.findall(Q, args[0]))
            return Clause(base, tuple(args), text.strip())
    raise WorkbenchError(f"cannot read clause {text.strip()!r}")


def _protect(s: str) -> tuple[str, list[str]]:
    quoted: list[str] = []

    def sub(m):
        quoted.append(m.group(0))
        return f"\x00{len(quoted) - 1}\x00"
    return re.sub(r'"[^"]*"', sub, s), quoted


def _restore(s: str, quoted: list[str]) -> str:
    return re.sub(r"\x00(\d+)\x00", lambda m: quoted[int(m.group(1))], s)


def split(instruction: str, respect_after: bool = True) -> list[str]:
    """Clause texts in execution order (or textual order when `respect_after` is False)."""
    s, quoted = _protect(instruction.strip().rstrip("."))
    parts: list[str]
    if ", after " in s:
        head, tail = s.split(", after ", 1)
        tail = tail.replace(", and ", ", ")
        earlier = [t for t in tail.split(", ") if t.strip()]
        parts = earlier + [head] if respect_after else [head] + earlier
    elif ", and then " in s:
        before, last = s.rsplit(", and then ", 1)
        parts = [t for t in before.split(", ") if t.strip()] + [last]
    else:
        parts = [s]
    return [_restore(p, quoted).strip() for p in parts]


def parse(instruction: str, respect_after: bool = True) -> list[Clause]:
    """The instruction's sub-tasks as Clauses, in execution order (see `split`)."""
    return [parse_clause(p) for p in split(instruction, respect_after)]


def quoted_strings(instruction: str) -> list[str]:
    """Every "..." string and date in the instruction (the texts an agent may type)."""
    return re.findall(Q, instruction) + re.findall(r"\b\d\d/\d\d/\d{4}\b", instruction)
