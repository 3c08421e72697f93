"""Agent actions on a MiniWoB++ page, their string form, and conversion to miniwob actions.

Four kinds (the element-based action space of the prompted and transferred agents, e.g. WebGUM's
`click(ref)` / `type(ref, text)`):

| kind       | string form                     | miniwob action                               |
|------------|---------------------------------|----------------------------------------------|
| click      | `click(ref=5)`                  | CLICK_ELEMENT(ref) (JS `core.elementClick`)  |
| type       | `type(ref=5, text="hello")`     | FOCUS_ELEMENT_AND_TYPE_TEXT(ref, text)       |
| press_key  | `press_key(key="<Enter>")`      | PRESS_KEY(key) (miniwob's key syntax)        |
| none       | `none()`                        | NONE                                         |

`str(action)` gives the string form and `parse_action(s)` reads it back (texts are JSON-quoted,
so any text round-trips). `type` clicks the element, focuses it and sends keystrokes: the text is
appended to what the field holds (MiniWoB fields start empty).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

from workbench import WorkbenchError

KINDS = ("click", "type", "press_key", "none")
TYPE_MAX_LEN = 64  # miniwob.constants.TYPING_MAX_LENGTH


@dataclass(frozen=True)
class Action:
    """One agent action; build with `Action.click(ref)`, `Action.type(ref, text)`,
    `Action.press_key(key)` or `Action.none()`."""

    kind: str
    ref: int | None = None
    text: str | None = None
    key: str | None = None

    def __post_init__(self):
        if self.kind not in KINDS:
            raise WorkbenchError(f"unknown action kind {self.kind!r}; expected one of {KINDS}")
        if self.kind in ("click", "type") and self.ref is None:
            raise WorkbenchError(f"action {self.kind} needs a ref")
        if self.kind == "type" and self.text is None:
            raise WorkbenchError("action type needs a text")
        if self.kind == "type" and len(self.text) > TYPE_MAX_LEN:
            raise WorkbenchError(f"typed text longer than {TYPE_MAX_LEN} characters")
        if self.kind == "press_key" and not self.key:
            raise WorkbenchError("action press_key needs a key")

    @classmethod
    def click(cls, ref: int) -> "Action":
        return cls("click", ref=int(ref))

    @classmethod
    def type(cls, ref: int, text: str) -> "Action":  # noqa: A003 - mirrors the action's name
        return cls("type", ref=int(ref), text=str(text))

    @classmethod
    def press_key(cls, key: str) -> "Action":
        return cls("press_key", key=str(key))

    @classmethod
    def none(cls) -> "Action":
        return cls("none")

    def __str__(self) -> str:
        if self.kind == "click":
            return f"click(ref={self.ref})"
        if self.kind == "type":
            return f"type(ref={self.ref}, text={json.dumps(self.text, ensure_ascii=False)})"
        if self.kind == "press_key":
            return f"press_key(key={json.dumps(self.key, ensure_ascii=False)})"
        return "none()"

    def to_miniwob(self, config) -> dict:
        """The miniwob action dict for this action under `config` (an `ActionSpaceConfig`
        containing the needed action types, e.g. the `all_supported` preset)."""
        from miniwob.action import ActionTypes

        kind_to_type = {
            "click": ActionTypes.CLICK_ELEMENT,
            "type": ActionTypes.FOCUS_ELEMENT_AND_TYPE_TEXT,
            "press_key": ActionTypes.PRESS_KEY,
            "none": ActionTypes.NONE,
        }
        action = {"action_type": list(config.action_types).index(kind_to_type[self.kind])}
        if self.ref is not None:
            action["ref"] = self.ref
        if self.text is not None:
            action["text"] = self.text
        if self.key is not None:
            keys = list(config.allowed_keys)
            if self.key not in keys:
                raise WorkbenchError(f"key {self.key!r} is not in miniwob's allowed keys")
            action["key"] = keys.index(self.key)
        return action


_PATTERN = re.compile(r"^\s*(click|type|press_key|none)\s*\((.*)\)\s*$", re.S)
_ARG = re.compile(r'\s*(ref|text|key)\s*=\s*(-?\d+|"(?:[^"\\]|\\.)*")\s*(,|$)', re.S)


def parse_action(s: str) -> Action:
    """Read an action back from its string form (`str(action)`); raises WorkbenchError."""
    m = _PATTERN.match(s)
    if not m:
        raise WorkbenchError(f"not an action: {s!r}")
    kind, body = m.group(1), m.group(2)
    args: dict = {}
    pos = 0
    while pos < len(body.strip()) and body[pos:].strip():
        a = _ARG.match(body, pos)
        if not a:
            raise WorkbenchError(f"cannot read the arguments of action {s!r}")
        name, raw = a.group(1), a.group(2)
        args[name] = json.loads(raw) if raw.startswith('"') else int(raw)
        pos = a.end()
    try:
        return Action(kind, **args)
    except TypeError as e:
        raise WorkbenchError(f"bad arguments in action {s!r}: {e}") from None
