"""Base sub-task skills: given a clause and the current observation, the next action (or None = done).

A skill is reactive: it reads the page each step, so it works on any layout and after a transition.
It looks only inside the clause's box (`div#box-<base>`, written by `workbench.web.compose`), so
several "Submit" buttons on one page never confuse it. `state` is a dict the caller keeps per clause
(e.g. which tree folders were opened). These are the skills for this project's composed pages; the
MiniWoB base tasks have their own oracles in `workbench.web.oracles`.
"""
from __future__ import annotations

from typing import Callable

from workbench.web.actions import Action
from workbench.web.observation import Element, Observation

from workbench.papers.compwob.instructions import Clause


def box(obs: Observation, base: str) -> list[Element] | None:
    """The elements inside the clause's box, or None when the box is not on the page (yet)."""
    for e in obs.dom:
        if e.id == f"box-{base}":
            return obs.subtree(e.ref)[1:]
    return None


def _tag(e: Element) -> str:
    return e.tag.lower()


def _with_class(els: list[Element], cls: str) -> list[Element]:
    return [e for e in els if cls in e.classes.split()]


def _submit(els, state) -> Action | None:
    if state.get("submitted"):
        return None
    state["submitted"] = True
    return Action.click(_with_class(els, "submit")[0].ref)


def _click_once(target: Element | None, state) -> Action | None:
    if state.get("clicked") or target is None:
        return None
    state["clicked"] = True
    return Action.click(target.ref)


def _first(els, pred) -> Element | None:
    return next((e for e in els if pred(e)), None)


def _label_input(obs: Observation, els: list[Element], text: str) -> Element | None:
    """The radio/checkbox input whose label reads `text`."""
    for e in els:
        if _tag(e) == "label" and obs.subtree_text(e.ref).strip() == text:
            return _first(obs.subtree(e.ref), lambda x: _tag(x).startswith("input"))
    return None


def _fill(field: Element | None, text: str) -> Action | None:
    if field is None or field.value == text:
        return None
    return Action.type(field.ref, text)


def click_button(c, obs, els, state):
    return _click_once(_first(els, lambda e: _tag(e) == "button" and e.text == c.args[0]), state)


def click_link(c, obs, els, state):
    return _click_once(_first(_with_class(els, "alink"), lambda e: e.text == c.args[0]), state)


def click_option(c, obs, els, state):
    radio = _label_input(obs, els, c.args[0])
    if radio is not None and radio.value is not True:
        return Action.click(radio.ref)
    return _submit(els, state)


def click_checkboxes(c, obs, els, state):
    for e in els:
        if _tag(e) == "label":
            box_ = _first(obs.subtree(e.ref), lambda x: _tag(x) == "input_checkbox")
            want = obs.subtree_text(e.ref).strip() in c.args
            if box_ is not None and bool(box_.value) != want:
                return Action.click(box_.ref)
    return _submit(els, state)


def _type_then_submit(pairs, els, state):
    for field, text in pairs:
        a = _fill(field, text)
        if a is not None:
            return a
    return _submit(els, state)


def enter_text(c, obs, els, state):
    return _type_then_submit([(_first(_with_class(els, "text-field"), bool), c.args[0])], els, state)


def enter_password(c, obs, els, state):
    return _type_then_submit([(_first(_with_class(els, "pw1"), bool), c.args[0]),
                              (_first(_with_class(els, "pw2"), bool), c.args[0])], els, state)


def login_user(c, obs, els, state):
    return _type_then_submit([(_first(_with_class(els, "username"), bool), c.args[0]),
                              (_first(_with_class(els, "password"), bool), c.args[1])], els, state)


def click_dialog(c, obs, els, state):
    return _click_once(_first(_with_class(els, "dialog-btn"), lambda e: e.text == c.args[0]), state)


_WIDGET_TAGS = {"button": "button", "checkbox": "input_checkbox", "radio": "input_radio",
                "text": "input_text", "textarea": "textarea"}


def click_widget(c, obs, els, state):
    tag = _WIDGET_TAGS.get(c.args[0])
    return _click_once(_first(_with_class(els, "widget"), lambda e: _tag(e) == tag), state)


def enter_date(c, obs, els, state):
    return _type_then_submit([(_first(_with_class(els, "date-field"), bool), c.args[0])], els, state)


def navigate_tree(c, obs, els, state):
    f = _first(_with_class(els, "file"), lambda e: e.text == c.args[0])
    if f is not None:
        return _click_once(f, state)
    opened = state.setdefault("opened", [])
    folder = _first(_with_class(els, "folder"), lambda e: e.text not in opened)
    if folder is None or state.get("clicked"):
        return None
    opened.append(folder.text)
    return Action.click(folder.ref)


SKILLS: dict[str, Callable[[Clause, Observation, list[Element], dict], Action | None]] = {
    "click-button": click_button, "click-link": click_link, "click-option": click_option,
    "click-checkboxes": click_checkboxes, "enter-text": enter_text, "enter-password": enter_password,
    "login-user": login_user, "click-dialog": click_dialog, "click-widget": click_widget,
    "enter-date": enter_date, "navigate-tree": navigate_tree,
}


def next_action(clause: Clause, obs: Observation, state: dict) -> Action | None:
    """The skill's next action for `clause`, or None when the clause is done or its box is absent."""
    els = box(obs, clause.base)
    if els is None:
        return None
    return SKILLS[clause.base](clause, obs, els, state)
