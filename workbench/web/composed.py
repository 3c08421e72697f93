"""The oracle for composed pages (CompWoB-style): parse the instruction into clauses, run one skill
per clause, in execution order.

Works from what any MiniWoB-style page shows: instructions in the project generator's or MiniWoB's
base-task wordings, in either order (`workbench.web.instructions`), and elements found by role,
label and text (`workbench.web.roles`), never by the project's ids, class names or per-sub-task
boxes. A form's Submit is the first submit-like button after the form's last field, so several
Submit buttons on one page, or one Submit shared by consecutive sub-tasks, both work.

    from workbench.web.composed import oracle, naive, wrong_order
    evaluate("click-button_click-link-reverse", oracle(), html_dir=PAGES_DIR)

- `oracle()`: clauses in execution order ("after"-aware) -> solves every well-formed page;
- `naive()`: textual order (reads "B, after A-ing" as "B, then A") -> fails reverse wordings;
- `wrong_order()`: execution order reversed -> every composed page must fail it.
`skill_for(clause)` is the skill for one clause; `plan(utterance, order)` the whole plan.
Each step's note (`agent.step_note()`) names the clause and the step ("type the username").
"""
from __future__ import annotations

import re

from workbench import WorkbenchError
from workbench.web import roles, task_skills
from workbench.web.actions import Action
from workbench.web.instructions import Clause, parse
from workbench.web.skills import Skill, SkillAgent, SkillError, norm, skill

ORDERS = ("execution", "textual", "reversed")
_USERISH = ("user", "name", "login", "email")


def _fresh(s, e):
    """The element with `e`'s ref in the latest observation (refs are stable in an episode)."""
    try:
        return s.obs.element(e.ref)
    except KeyError:
        return None


def _fill(s, locate, text: str, what: str, done=None):
    """Generator body: make the input `locate(obs)` hold `text` (clearing other content first);
    returns the input."""
    done = done or (lambda e: e.value == text)
    for _ in range(6):
        yield from _dismiss_popup(s)
        box = locate(s.obs)
        if done(box):
            return box
        if box.value:
            s.say(f"clear the {what}", box)
            yield Action.click(box.ref)
            s.say(f"clear the {what}", box)
            yield Action.press_key("C-a")
            s.say(f"clear the {what}", box)
            yield Action.press_key("<Backspace>")
            continue
        s.say(f"type the {what}", box)
        yield Action.type(box.ref, text if box.tag != "INPUT_date" else re.sub(r"\D", "", text))
    raise SkillError(f"could not fill the {what}")


def _submit(s, after, labels=("submit",)):
    """Generator body: press the submit-like button that follows `after` (an Element or None)."""
    yield from _dismiss_popup(s)
    anchor = _fresh(s, after) if after is not None else None
    try:
        b = roles.submit_button(s.obs, anchor, labels)
    except SkillError:
        if anchor is None:
            raise
        # no button says so (MiniWoB's login-user-popup labels its login button "OK"):
        # the first button after the form's last field
        later = [e for e in roles.buttons(s.obs) if roles.before(s.obs, anchor, e)]
        if not later:
            raise
        b = later[0]
    s.say(f"click {roles.button_label(s.obs, b) or 'submit'}", b)
    yield Action.click(b.ref)


def _free_text_input(obs, text: str):
    """The text field of an enter-text sub-task: not a username, password, date or search field,
    not a click-widget widget; one already holding `text` first, then an empty one."""
    named = [e for e in roles.text_inputs(obs)
             if not any(w in roles.label_of(obs, e) for w in _USERISH + ("date", "search", "mm/"))]
    plain = [e for e in named if not roles.widget_like(obs, e)]
    for pool in (plain, named):
        for pick in ([e for e in pool if e.value == text], [e for e in pool if not e.value], pool):
            if pick:
                return pick[0]
    raise SkillError("no free text field")


def _exact_first(obs, hits: list, label: str, text_of) -> list:
    """`hits` (matched ignoring case) with those whose text is exactly `label` first: with "no" and
    "No" on one page, "No" is the "No" button."""
    exact = [e for e in hits if norm(text_of(e)) == norm(label)]
    return exact + [e for e in hits if e not in exact]


def _button(obs, label: str):
    hits = _exact_first(obs, roles.buttons(obs, label), label,
                        lambda e: obs.subtree_text(e.ref) or (e.value if isinstance(e.value, str) else ""))
    if not hits:
        raise SkillError(f"no button labelled {label!r}")
    return hits[0]


def _choice(obs, label: str, similar=None):
    """The radio button or checkbox labelled `label`, an exact label before one differing in case
    (`similar(page_label, label)` compares loosely, e.g. synonyms)."""
    boxes = [e for e in obs.dom if e.tag in ("INPUT_radio", "INPUT_checkbox")]
    raw = {e.ref: _raw_label(obs, e) for e in boxes}
    for pool in ([e for e in boxes if norm(raw[e.ref]) == norm(label)],
                 [e for e in boxes if roles.label_of(obs, e) == roles.low(label)],
                 [e for e in boxes if similar is not None and similar(roles.label_of(obs, e), label)]):
        if pool:
            return pool[0]
    raise SkillError(f"no option labelled {label!r}")


def _raw_label(obs, e) -> str:
    """An option's label as written (case kept): the text of its wrapping `<label>` or of the
    `<label for=...>`, else "" (then only the case-insensitive match applies)."""
    a = obs.attrs(e.ref)
    if a.get("id"):
        for x in obs.dom:
            if x.tag == "LABEL" and obs.attrs(x.ref).get("for") == a["id"]:
                return obs.subtree_text(x.ref)
    if e.parent and obs.element(e.parent).tag == "LABEL":
        return obs.subtree_text(e.parent)
    return ""


@skill
def click_button(s, label: str):
    b = _button(s.obs, label)
    s.say(f'click the "{label}" button', b)
    yield Action.click(b.ref)


@skill
def click_buttons(s, labels: tuple):
    """Click the buttons labelled `labels`, in order (click-button-sequence: "ONE, then TWO")."""
    for label in labels:
        b = _button(s.obs, label)
        s.say(f'click the "{label}" button', b)
        yield Action.click(b.ref)


@skill
def click_link(s, text: str):
    e = roles.link(s.obs, text)
    s.say(f'click the link "{text}"', e)
    yield Action.click(e.ref)


@skill
def select_and_submit(s, labels: tuple, match: str = "exact", submit: bool = True):
    """Tick the radio buttons / checkboxes labelled `labels`, untick other ticked checkboxes of
    the same group, then press the Submit after them."""
    from workbench.web.task_skills import similar
    loose = similar if match == "similar" else None
    anchor = None
    for lab in labels:
        e = _choice(s.obs, lab, loose)
        anchor = e if anchor is None or roles.before(s.obs, anchor, e) else anchor
        if e.value is not True:
            s.say(f'select "{lab}"', e)
            yield Action.click(e.ref)
    wanted = {_choice(s.obs, lab, loose).ref for lab in labels}
    boxes = [e for e in s.obs.dom if e.tag == "INPUT_checkbox"]
    if wanted:
        parents = {s.obs.element(r).parent for r in wanted}
        group = {e.ref for e in boxes if e.parent in parents or
                 any(s.obs.element(e.parent).parent == s.obs.element(p).parent for p in parents)}
    else:
        group = {e.ref for e in boxes}
    for e in list(boxes):
        if e.ref in group and e.ref not in wanted and e.value is True:
            s.say(f"unselect \"{roles.label_of(s.obs, e)}\"", e)
            yield Action.click(e.ref)
    if anchor is None and boxes:
        anchor = boxes[0]
    if submit:
        yield from _submit(s, anchor)


@skill
def enter_text(s, text: str, submit: bool = True):
    box = yield from _fill(s, lambda obs: _free_text_input(obs, text), text, "text")
    if submit:
        yield from _submit(s, box)


def _password_pair(obs):
    pws = [e for e in obs.dom if e.tag == "INPUT_password"]
    inputs = [e for e in obs.dom if e.tag.startswith("INPUT_") or e.tag == "TEXTAREA"]

    def after_username(p):
        i = inputs.index(p)
        return i > 0 and inputs[i - 1].tag != "INPUT_password" and \
            any(w in roles.label_of(obs, inputs[i - 1]) for w in _USERISH)

    free = [p for p in pws if not after_username(p)]
    if len(free) < 2:
        raise SkillError("no pair of password fields")
    return free[0], free[1]


@skill
def enter_password(s, password: str, submit: bool = True):
    yield from _fill(s, lambda obs: _password_pair(obs)[0], password, "password")
    second = yield from _fill(s, lambda obs: _password_pair(obs)[1], password,
                              "password again")
    if submit:
        yield from _submit(s, second)


def _username_field(obs):
    texts = roles.text_inputs(obs)
    named = [e for e in texts if any(w in roles.label_of(obs, e) for w in _USERISH)]
    if named:
        return named[0]
    inputs = [e for e in obs.dom if e.tag.startswith("INPUT_") or e.tag == "TEXTAREA"]
    for a, b in zip(inputs, inputs[1:]):
        if a.tag == "INPUT_text" and b.tag == "INPUT_password":
            return a
    raise SkillError("no username field")


def _password_after(obs, user):
    user = obs.element(user.ref)
    for e in obs.dom:
        if e.tag == "INPUT_password" and roles.before(obs, user, e):
            return e
    raise SkillError("no password field")


def _popup_cancel(obs):
    """The cancel/close button of a pop-up covering the page (an element whose id or class says
    popup or modal; dialogs are left alone: closing one may be a sub-task)."""
    for e in obs.dom:
        if not roles.is_button(obs, e) or roles.button_label(obs, e) not in ("cancel", "close", "x", "×"):
            continue
        ref = e.ref
        while ref:
            p = obs.element(ref)
            if re.search(r"popup|modal", p.id + " " + p.classes, re.I):
                return e
            ref = p.parent
    return None


def _dismiss_popup(s):
    """Generator body: cancel pop-ups that cover a form (login-user-popup)."""
    for _ in range(3):
        cancel = _popup_cancel(s.obs)
        if cancel is None:
            return
        s.say("close the pop-up", cancel)
        yield Action.click(cancel.ref)


@skill
def login(s, username: str, password: str, submit: bool = True):
    user = yield from _fill(s, _username_field, username, "username")
    pw = yield from _fill(s, lambda obs: _password_after(obs, user), password, "password")
    if submit:
        yield from _submit(s, pw, ("login", "log in", "sign in", "submit"))


@skill
def dialog_button(s, label: str):
    """Press the dialog button labelled `label`; "x" (or ×) is the close control."""
    if roles.low(label) in ("x", "×", "close") and not [
            b for b in roles.buttons(s.obs, label) if roles.in_dialog(s.obs, b)
            and "close" not in b.classes.lower()]:
        e = roles.dialog_close(s.obs)
    else:
        hits = _exact_first(s.obs, roles.buttons(s.obs, label), label, lambda e: s.obs.subtree_text(e.ref))
        inside = [b for b in hits if roles.in_dialog(s.obs, b)]
        if not (inside or hits):
            raise SkillError(f"no dialog button {label!r}")
        e = (inside or hits)[0]
    s.say(f'click "{label}" in the dialog', e)
    yield Action.click(e.ref)


@skill
def click_widget(s, kind: str):
    e = roles.widget(s.obs, kind)
    s.say(f'click the "{kind}" widget', e)
    yield Action.click(e.ref)


@skill
def enter_date(s, date: str, submit: bool = True):
    mm, dd, yyyy = date.split("/")

    def field(obs):
        dates = [e for e in obs.dom if e.tag == "INPUT_date"] + \
            [e for e in roles.text_inputs(obs) if any(w in roles.label_of(obs, e)
                                                      for w in ("date", "mm/"))]
        if not dates:
            raise SkillError("no date field")
        return dates[0]

    box = yield from _fill(s, field, date, "date",
                           done=lambda e: e.value in (date, f"{yyyy}-{mm}-{dd}"))
    if submit:
        yield from _submit(s, box)


@skill
def open_tree_item(s, name: str, max_clicks: int = 15):
    """Expand collapsed list items (an `<li>` whose `<ul>` is hidden) until an item reading
    `name` shows, then click it (navigate-tree)."""
    opened = set()
    for _ in range(max_clicks):
        hits = [e for e in s.obs.dom if e.text and roles.low(e.text) == roles.low(name)
                and e.tag not in ("t", "LABEL") and not roles.is_button(s.obs, e)]
        if hits:
            s.say(f'click "{name}"', hits[0])
            yield Action.click(hits[0].ref)
            return
        closed = [li for li in s.obs.dom if li.tag == "LI" and li.ref not in opened
                  and any(t in ("ul", "ol") for t, _ in s.obs.html_children(li.ref))
                  and not any(c.tag in ("UL", "OL") for c in s.obs.children(li.ref))]
        if not closed:
            raise SkillError(f"tree item {name!r} not found")
        li = closed[0]
        opened.add(li.ref)
        kids = s.obs.children(li.ref)
        target = next((c for c in kids if "hitarea" in c.classes), None) or \
            next((c for c in kids if s.obs.subtree_text(c.ref)), li)
        s.say(f"open the folder \"{s.obs.subtree_text(li.ref)}\"", target)
        yield Action.click(target.ref)
    raise SkillError(f"tree item {name!r} not reached")


@skill
def autocomplete_and_submit(s, start: str, end: str | None):
    """use-autocomplete: type the start into the autocomplete field, pick the suggestion that
    ends right, press the Submit after it."""
    yield from task_skills.autocomplete(start, end)._fn(s, start, end)
    yield from _submit(s, next((e for e in s.obs.dom if e.id == "tags"), None))


def skill_for(clause: Clause) -> Skill:
    """The skill carrying out one clause (its note names the clause). A form's button (Submit,
    Login) is pressed only when the clause says so (`Clause.submit`)."""
    a, b, press = clause.args, clause.base, clause.submit
    if b == "click-button":
        sk = click_button(a[0])
    elif b == "click-button-sequence":
        sk = click_buttons(tuple(a))
    elif b == "click-link":
        sk = click_link(a[0])
    elif b in ("click-option", "click-checkboxes"):
        sk = select_and_submit(tuple(a), clause.match, press)
    elif b == "enter-text":
        sk = enter_text(a[0], press)
    elif b == "enter-password":
        sk = enter_password(a[0], press)
    elif b == "login-user":
        sk = login(a[0], a[1], press)
    elif b == "click-dialog":
        sk = dialog_button(a[0])
    elif b == "click-widget":
        sk = click_widget(a[0])
    elif b == "enter-date":
        sk = enter_date(a[0], press)
    elif b == "navigate-tree":
        sk = open_tree_item(a[0])
    elif b == "click-tab-2-hard":
        sk = task_skills.find_link_in_tabs(a[0])
    elif b == "use-autocomplete":   # MiniWoB's wording never names its Submit, yet the task is done by it
        sk = autocomplete_and_submit(a[0], a[1])
    elif b == "multi-layouts":      # "search for ...": the form's own Search/Submit/Go! button
        sk = task_skills.fill_form({"genre": a[0], "director": a[1], "year": a[2]})
    elif b == "search-engine":
        sk = task_skills.search_and_open(a[0], int(a[1]))
    else:  # pragma: no cover - instructions only yields the bases above
        raise WorkbenchError(f"no skill for {b!r}")
    return sk.described(clause.text or f"{b}{a}")


def plan(utterance: str, order: str = "execution") -> list[Skill]:
    """One skill per clause of the instruction, in `order` (execution, textual or reversed)."""
    if order not in ORDERS:
        raise WorkbenchError(f"unknown clause order {order!r}; choose {', '.join(ORDERS)}")
    clauses = parse(utterance, respect_after=order != "textual")
    if order == "reversed":
        clauses = clauses[::-1]
    return [skill_for(c) for c in clauses]


class ComposedAgent(SkillAgent):
    """A `SkillAgent` over `plan(utterance, order)`; `clauses` holds the parsed clauses."""

    def __init__(self, order: str = "execution", name: str | None = None):
        if order not in ORDERS:
            raise WorkbenchError(f"unknown clause order {order!r}; choose {', '.join(ORDERS)}")
        self.order = order
        super().__init__(lambda u: plan(u, order),
                         name or {"execution": "oracle", "textual": "naive",
                                  "reversed": "wrong-order"}[order])


def oracle() -> ComposedAgent:
    return ComposedAgent("execution")


def naive() -> ComposedAgent:
    return ComposedAgent("textual")


def wrong_order() -> ComposedAgent:
    return ComposedAgent("reversed")
