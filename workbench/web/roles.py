"""Find elements by role, label and text, on any MiniWoB-style page (no project markup assumed).

The composed-page skills (`workbench.web.composed`) use these instead of ids and class names, so
they work on the project's generated pages, on MiniWoB's own tasks and on pages written by others.
Roles come from the tag MiniWoB reports and the HTML attributes (`Observation.attrs`: `type`,
`role`, `for`, `title`, `aria-label`, `placeholder`); labels from `<label>` (wrapping or `for=`),
`aria-label`/`placeholder`, or the text right before an input. Comparisons ignore case and spacing.
"""
from __future__ import annotations

from workbench.web.observation import Element, Observation
from workbench.web.skills import SkillError, norm


def low(text) -> str:
    return norm(text).lower()


def position(obs: Observation, e: Element) -> int:
    """Index of `e` (by ref: an element read from an earlier observation works) in document order."""
    for i, x in enumerate(obs.dom):
        if x.ref == e.ref:
            return i
    raise ValueError(f"element {e.ref} is not on the page")


def before(obs: Observation, a: Element, b: Element) -> bool:
    """True if `a` comes before `b` in document order."""
    return position(obs, a) < position(obs, b)


def is_button(obs: Observation, e: Element) -> bool:
    return e.tag in ("BUTTON", "INPUT_button", "INPUT_submit", "INPUT_reset") or \
        obs.attrs(e.ref).get("role") == "button"


def button_label(obs: Observation, e: Element) -> str:
    """What a button says: its text, its value (`<input type=submit>`), aria-label or title."""
    a = obs.attrs(e.ref)
    return low(obs.subtree_text(e.ref) or (e.value if isinstance(e.value, str) else "")
               or a.get("aria-label") or a.get("title") or a.get("value"))


def buttons(obs: Observation, label: str | None = None) -> list[Element]:
    """Buttons in document order, those labelled `label` (case-insensitive) when given."""
    out = [e for e in obs.dom if is_button(obs, e)]
    if label is not None:
        out = [e for e in out if button_label(obs, e) == low(label)]
    return out


def button(obs: Observation, label: str, after: Element | None = None) -> Element:
    """The button labelled `label`: the first one after `after` (document order) when given
    (the Submit that belongs to a form, when a page shows several), else the first."""
    hits = buttons(obs, label)
    if after is not None and any(x.ref == after.ref for x in obs.dom):
        later = [e for e in hits if before(obs, after, e)]
        hits = later or hits
    if not hits:
        raise SkillError(f"no button labelled {label!r}")
    return hits[0]


def submit_button(obs: Observation, after: Element | None = None,
                  labels=("submit",)) -> Element:
    """The submit-like button for a form whose last field is `after` (first matching button after
    it; `<input type=submit>` counts whatever its label)."""
    for lab in labels:
        try:
            return button(obs, lab, after)
        except SkillError:
            pass
    subs = [e for e in obs.dom if e.tag == "INPUT_submit"]
    if after is not None:
        subs = [e for e in subs if before(obs, after, e)] or subs
    if subs:
        return subs[0]
    raise SkillError(f"no {' / '.join(labels)} button")


def is_link(obs: Observation, e: Element) -> bool:
    a = obs.attrs(e.ref)
    return e.tag == "A" or a.get("role") == "link" or "href" in a or \
        any("link" in c.lower() for c in e.classes.split())


def link(obs: Observation, text: str) -> Element:
    """The link reading `text`: an `<a>`, role=link or a *link* class; else any element whose
    own text is exactly `text` and is no button, label or input."""
    same = [e for e in obs.dom if e.text and low(e.text) == low(text) and e.tag != "t"]
    exact = [e for e in same if norm(e.text) == norm(text)]   # case decides between "Eget", "eget"
    links = [e for e in same if is_link(obs, e)]
    other = [e for e in same if not is_button(obs, e) and e.tag not in ("LABEL", "OPTION")]
    for pool in ([e for e in links if e in exact], links, [e for e in other if e in exact], other):
        if pool:
            return pool[0]
    raise SkillError(f"no link {text!r}")


def label_of(obs: Observation, e: Element) -> str:
    """The label of an input: `<label for=id>`, a wrapping `<label>`, aria-label, placeholder,
    else the nearest text before it (stopping at another input)."""
    a = obs.attrs(e.ref)
    if a.get("id"):
        for x in obs.dom:
            if x.tag == "LABEL" and obs.attrs(x.ref).get("for") == a["id"]:
                return low(obs.subtree_text(x.ref))
    if e.parent:
        p = obs.element(e.parent)
        if p.tag == "LABEL":
            return low(obs.subtree_text(p.ref))
    for key in ("aria-label", "placeholder", "title"):
        if a.get(key):
            return low(a[key])
    i = position(obs, e)
    for x in reversed(obs.dom[:i]):
        if x.tag.startswith(("INPUT", "TEXTAREA", "SELECT", "BUTTON")):
            break
        if x.text and x.ref != e.parent:
            return low(x.text)
    return ""


def choice(obs: Observation, label: str, similar=None) -> Element:
    """The radio button or checkbox labelled `label` (`similar(page_label, label)` to compare
    loosely, e.g. synonyms)."""
    for e in obs.dom:
        if e.tag in ("INPUT_radio", "INPUT_checkbox"):
            lab = label_of(obs, e)
            if lab == low(label) or (similar is not None and similar(lab, label)):
                return e
    raise SkillError(f"no option labelled {label!r}")


TEXT_TAGS = ("INPUT_text", "TEXTAREA", "INPUT_email", "INPUT_search")


def text_inputs(obs: Observation) -> list[Element]:
    return [e for e in obs.dom if e.tag in TEXT_TAGS]


def in_dialog(obs: Observation, e: Element) -> bool:
    ref = e.parent
    while ref:
        p = obs.element(ref)
        a = obs.attrs(ref)
        if a.get("role") in ("dialog", "alertdialog") or "dialog" in (p.id + " " + p.classes).lower():
            return True
        ref = p.parent
    return False


def dialog_close(obs: Observation) -> Element:
    """A dialog's close control: a button labelled x / × / close, or with a *close* class."""
    for e in obs.dom:
        if not (is_button(obs, e) or "close" in e.classes.lower()):
            continue
        lab = button_label(obs, e)
        if lab in ("x", "×", "✕", "close") or "close" in e.classes.lower():
            return e
    raise SkillError("no dialog close button")


WIDGET_TAGS = {"radio": ("INPUT_radio",), "checkbox": ("INPUT_checkbox",),
               "text": ("INPUT_text",), "textarea": ("TEXTAREA",),
               "button": ("BUTTON", "INPUT_button")}


def widget(obs: Observation, kind: str) -> Element:
    """A widget of this kind (radio, checkbox, text, textarea, button). Prefers one marked as a
    widget (class or data-* attribute), then one whose parent holds widgets of 3+ kinds (the
    click-widget row), then the first."""
    tags = WIDGET_TAGS.get(low(kind))
    if tags is None:
        raise SkillError(f"unknown widget kind {kind!r}")
    hits = [e for e in obs.dom if e.tag in tags]
    if not hits:
        raise SkillError(f"no {kind} widget")

    for pool in ([e for e in hits if _marked(obs, e)], [e for e in hits if _row(obs, e)], hits):
        if pool:
            return pool[0]
    raise SkillError(f"no {kind} widget")  # pragma: no cover


_WIDGET_TAG_SET = {t for ts in WIDGET_TAGS.values() for t in ts}


# data attributes MiniWoB itself puts on elements (refs, and marks on what the agent touched)
_MINIWOB_DATA = ("data-wob_", "data-tampered", "data-recording")


def _marked(obs: Observation, e: Element) -> bool:
    a = obs.attrs(e.ref)
    return "widget" in e.classes.lower() or any(
        k.startswith("data-") and not k.startswith(_MINIWOB_DATA) for k in a)


def _row(obs: Observation, e: Element) -> bool:
    return len({c.tag for c in obs.children(e.parent)} & _WIDGET_TAG_SET) >= 3


def widget_like(obs: Observation, e: Element) -> bool:
    """True for an element that looks like one of a click-widget row (marked, or among 3+ kinds)."""
    return _marked(obs, e) or _row(obs, e)
