"""Skills for MiniWoB++ base tasks (the building blocks of the scripted oracles).

Each skill drives one base task's widgets through the DOM (element refs, never coordinates) and
reads the page as it changes, so the same skill serves the base task and the matching sub-task of
a composed page (`workbench.web.oracles` parses instructions into these skills). The framework
(`Skill`, `@skill`, finders) is in `workbench.web.skills`.
"""

from __future__ import annotations

import re
from typing import Callable

from workbench.web.actions import Action
from workbench.web.skills import (WAIT_TIMEOUT_S, SkillError, find, find_all, find_button, norm,
                                  skill, wait_for)


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


@skill
def select_checkboxes(s, labels: list[str], match: Callable[[str, str], bool] | None = None):
    """Make exactly the checkboxes whose label matches one of `labels` ticked (others unticked).
    `match(label_on_page, wanted)` defaults to equality."""
    match = match or (lambda page, want: norm(page) == norm(want))
    boxes = [e for e in s.obs.dom if e.tag == "INPUT_checkbox"]
    for box in boxes:
        text = s.obs.subtree_text(box.parent)
        want = any(match(text, w) for w in labels)
        if bool(box.value) != want:
            yield Action.click(box.ref)


# click-checkboxes-soft: each checkbox shows a word from its own group of synonyms and the
# instruction names another word of the group (the groups are the task's vocabulary).
SYNONYM_GROUPS = [
    "big large huge enormous gigantic", "small tiny little mini petite",
    "red scarlet crimson vermillion", "happy cheerful joyful gleeful delighted",
    "sad unhappy sorrowful miserable tragic", "angry mad furious irritated",
    "evil wicked immoral sinful corrupt depraved", "wrong incorrect mistaken erroneous",
    "real genuine actual", "strange odd peculiar unusual weird", "stop cease halt end finish",
    "scared terrified panicked fearful frightened afraid", "quiet calm peaceful serene mild",
    "old aged archaic", "love like adore favor", "kill murder assassinate",
    "keep retain preserve sustain maintain", "hide conceal camouflage",
    "hate despise loathe detest dislike", "funny humorous amusing comical laughable",
    "fat fleshy plump chubby", "stupid dumb dull unwise", "delicious savory delectable appetizing",
    "cut slice carve chop", "brave courageous fearless", "begin start initiate launch",
    "answer reply response", "television televisions TV TVs", "house home houses homes",
    "fire flame fires flames", "pig pork swine", "rabbit rabbits bunny bunnies",
    "car cars automobile automobiles vehicle vehicles", "water",
]


_GROUP_OF = {}


for _i, _g in enumerate(SYNONYM_GROUPS):
    for _w in _g.split():
        _GROUP_OF.setdefault(_w.lower(), set()).add(_i)


def similar(a: str, b: str) -> bool:
    """True if two words are equal or in the same synonym group."""
    a, b = norm(a).lower(), norm(b).lower()
    return a == b or bool(_GROUP_OF.get(a, set()) & _GROUP_OF.get(b, set()))


@skill
def close_dialog(s):
    """Click the "x" in a jQuery-UI dialog's title bar (click-dialog)."""
    yield Action.click(find(s.obs, classes="ui-dialog-titlebar-close").ref)


@skill
def click_dialog_button(s, label: str):
    """Click a dialog button by label; "x" means the title bar's close button (click-dialog-2)."""
    if label == "x":
        yield Action.click(find(s.obs, classes="ui-dialog-titlebar-close").ref)
    else:
        yield Action.click(find_button(s.obs, label).ref)


@skill
def find_link_in_tabs(s, text: str):
    """Open tabs one by one until a link (`span.alink`) with this text is visible, click it
    (click-tab-2-hard). Only the open tab's panel is visible, so each check sees one tab."""
    opened = set()
    while True:
        hits = find_all(s.obs, text=text, classes="alink")
        if hits:
            yield Action.click(hits[0].ref)
            return
        tabs = [e for e in find_all(s.obs, classes="ui-tabs-anchor") if e.text not in opened]
        active = [e for e in find_all(s.obs, tag="LI", classes="ui-tabs-active")]
        for a in active:
            opened.update(c.text for c in s.obs.children(a.ref))
        tabs = [e for e in tabs if e.text not in opened]
        if not tabs:
            raise SkillError(f"link {text!r} not found in any tab")
        opened.add(tabs[0].text)
        yield Action.click(tabs[0].ref)


_WIDGET_TAGS = {"radio": ("INPUT_radio",), "checkbox": ("INPUT_checkbox",),
                "text": ("INPUT_text", "INPUT_input"), "textarea": ("TEXTAREA",),
                "button": ("BUTTON",)}


@skill
def click_widget(s, kind: str):
    """Click a widget of this kind: radio, checkbox, text, textarea or button (click-widget)."""
    tags = _WIDGET_TAGS.get(kind)
    if tags is None:
        raise SkillError(f"unknown widget kind {kind!r}")
    yield Action.click(find(s.obs, where=lambda e: e.tag in tags).ref)


@skill
def click_buttons_in_order(s, labels: list[str]):
    """Click buttons one after another (click-button-sequence: ONE, then TWO)."""
    for label in labels:
        yield Action.click(find_button(s.obs, label).ref)


@skill
def enter_date(s, mmddyyyy: str, field: str = "tt"):
    """Type a date MM/DD/YYYY into an `<input type=date>` (keystrokes fill month, day, year)."""
    yield Action.type(find(s.obs, id=field).ref, mmddyyyy.replace("/", ""))


def _popup_cancel(obs):
    hits = find_all(obs, id="popup-cancel")
    return hits[0] if hits else None


def _set_field(s, field_id: str, text: str, tries: int = 6):
    """Generator body: make input `field_id` hold exactly `text`, dismissing pop-ups that
    appear on focus (and clearing wrong content) on the way."""
    for _ in range(tries):
        cancel = _popup_cancel(s.obs)
        if cancel is not None:
            yield Action.click(cancel.ref)
            continue
        box = find(s.obs, id=field_id)
        if box.value == text:
            return
        if box.value:
            yield Action.click(box.ref)
            yield Action.press_key("C-a")
            yield Action.press_key("<Backspace>")
            continue
        yield Action.type(box.ref, text)
    raise SkillError(f"could not fill #{field_id}")


@skill
def fill_login(s, username: str, password: str):
    """Fill #username and #password and press the login button (#subbtn), dismissing pop-ups
    (login-user, login-user-popup)."""
    yield from _set_field(s, "username", username)
    yield from _set_field(s, "password", password)
    for _ in range(3):
        cancel = _popup_cancel(s.obs)
        if cancel is None:
            break
        yield Action.click(cancel.ref)
    yield Action.click(find(s.obs, id="subbtn").ref)


_LAYOUT_KEYS = {"genre": ("genre",), "director": ("director",), "year": ("year", "date")}


_LAYOUT_SUBMIT = ("Submit", "Search", "Go!")


def _input_label(obs, inp) -> str:
    """The text of the smallest ancestor of `inp` that holds no other text input."""
    ref = inp.parent
    while ref:
        sub = obs.subtree(ref)
        if sum(e.tag == "INPUT_text" for e in sub) > 1:
            break
        text = " ".join(e.text for e in sub if e.text)
        if text:
            return text.lower()
        ref = obs.element(ref).parent
    return ""


@skill
def fill_form(s, values: dict[str, str], submit_labels=_LAYOUT_SUBMIT):
    """Fill text inputs found by their label words (`{"genre": "drama", ...}`, keys matched
    against each input's label text, with synonyms for multi-layouts), then press the button
    (or clickable div) labelled one of `submit_labels`."""
    for key, value in values.items():
        words = _LAYOUT_KEYS.get(key, (key,))
        inputs = [e for e in s.obs.dom if e.tag == "INPUT_text"]
        target = next((e for e in inputs if any(w in _input_label(s.obs, e) for w in words)), None)
        if target is None:
            raise SkillError(f"no input labelled {key!r}")
        yield Action.type(target.ref, value)
    for label in submit_labels:
        hits = find_all(s.obs, text=label, where=lambda e: e.tag != "t")
        if hits:
            yield Action.click(hits[-1].ref)
            return
    raise SkillError("no submit button")


@skill
def open_tree_item(s, name: str, max_clicks: int = 12):
    """Expand folders of a jQuery treeview until an item named `name` is visible; click it
    (navigate-tree)."""
    expanded = set()
    for _ in range(max_clicks):
        hits = [e for e in find_all(s.obs, text=name, tag="SPAN")
                if {"file", "folder"} & set(e.classes.split())]
        if hits:
            yield Action.click(hits[0].ref)
            return
        closed = [e for e in s.obs.dom if e.tag == "LI" and "expandable" in e.classes.split()
                  and e.ref not in expanded]
        if not closed:
            raise SkillError(f"tree item {name!r} not found")
        li = closed[0]
        expanded.add(li.ref)
        hitarea = [c for c in s.obs.children(li.ref) if "hitarea" in c.classes.split()]
        yield Action.click((hitarea or s.obs.children(li.ref))[0].ref)
    raise SkillError(f"tree item {name!r} not reached")


@skill
def search_and_open(s, query: str, rank: int, per_page: int = 3):
    """Search for `query` (#search-text, #search), go to the page holding result number
    `rank` (1-based) and click it (search-engine)."""
    yield Action.type(find(s.obs, id="search-text").ref, query)
    yield Action.click(find(s.obs, id="search").ref)
    page, pos = (rank - 1) // per_page + 1, (rank - 1) % per_page
    if page > 1:
        links = find_all(s.obs, text=str(page), where=lambda e: e.tag == "A")
        if not links:
            raise SkillError(f"no link to result page {page}")
        yield Action.click(links[0].ref)
    titles = find_all(s.obs, classes="search-title")
    if len(titles) <= pos:
        raise SkillError(f"only {len(titles)} results on the page")
    yield Action.click(titles[pos].ref)


@skill
def autocomplete(s, start: str, end: str | None = None, field: str = "tags",
                 timeout_s: float = WAIT_TIMEOUT_S):
    """Type `start` into an autocomplete input, wait for the suggestion menu (it opens after the
    widget's delay), click a suggestion ending with `end` (any when None) (use-autocomplete)."""
    yield Action.type(find(s.obs, id=field).ref, start)
    what = f"a suggestion {start!r}..." + (repr(end) if end is not None else "")
    yield from choose_suggestion(
        s, field, lambda t: t.startswith(start) and (end is None or t.endswith(end)), what,
        timeout_s)


def choose_suggestion(s, field: str, accept: Callable[[str], bool], what: str,
                      timeout_s: float = WAIT_TIMEOUT_S, tries: int = 3):
    """Generator body: once the autocomplete menu of input #`field` shows a suggestion whose text
    `accept`s, click it, until the input holds that text; returns the suggestion.

    jQuery UI's autocomplete searches `delay` ms after a keystroke, so when typing is slow (a
    loaded machine) a menu for a prefix shows first and the search for the whole text draws the
    menu again. A suggestion clicked from an observation taken in between is gone from the page
    and the click does nothing: the input is checked after each click and the redrawn suggestion
    clicked again (SkillError after `tries` clicks)."""
    def suggestion(obs):
        items = [e for e in obs.dom if "ui-menu-item-wrapper" in e.classes.split()
                 or ("ui-menu-item" in e.classes.split() and e.text)]
        return next((e for e in items if accept(norm(e.text))), None)

    for _ in range(tries):
        item = yield from wait_for(s, suggestion, what, timeout_s)
        s.say(f"choose {norm(item.text)!r}", item)
        yield Action.click(item.ref)
        if norm(find(s.obs, id=field).value) == norm(item.text):
            return item
    raise SkillError(f"#{field} does not take {what} after {tries} clicks")


@skill
def forward_email(s, sender: str, recipient: str):
    """Open the email from `sender`, press Forward, address it to `recipient`, send
    (email-inbox-forward-nl)."""
    yield Action.click(find(s.obs, text=sender, classes="email-sender").ref)
    yield Action.click(find(s.obs, classes="email-forward").ref)
    yield Action.type(find(s.obs, classes="forward-sender").ref, recipient)
    yield Action.click(find(s.obs, id="send-forward").ref)


_NOT_NAMES = {"Find", "Locate", "Look", "Forward", "Send", "Go", "Please", "The", "Give", "I",
              "Navigate", "Search", "Get", "Email", "Mail", "Message", "It", "Open", "Pull",
              "Can", "Could", "Would", "You", "Hey", "Hi", "Select", "Click", "Read", "Take"}


@skill
def forward_email_by_names(s, utterance: str):
    """Free-form forward request: the sender is a name in the utterance that matches an inbox
    sender; the recipient is the other capitalised name."""
    senders = {e.text for e in find_all(s.obs, classes="email-sender") if e.text}
    found = []  # (name, starts a sentence)
    for m in re.finditer(r"[A-Z][\w-]*", utterance):
        name = m.group(0)
        if name in _NOT_NAMES:
            continue
        initial = not utterance[:m.start()].strip() or utterance[:m.start()].strip()[-1] in ".,!?"
        found.append((name, initial))
    cued = re.search(r"\b(?:from|by) ([A-Z][\w-]*)", utterance)
    sender = cued.group(1) if cued and cued.group(1) in senders else \
        next((n for n, _ in found if n in senders), None)
    others = [(n, i) for n, i in found if n != sender]
    dest = next((n for n, i in others if not i), None) or next((n for n, _ in others), None)
    if sender is None or dest is None:
        raise SkillError(f"cannot find sender and recipient in {utterance!r}")
    yield from forward_email(sender, dest)._fn(s, sender, dest)


@skill
def click_ref_of(s, locate: Callable):
    """Click the element `locate(obs)` returns."""
    yield Action.click(locate(s.obs).ref)


@skill
def expand_sections_until(s, locate: Callable, timeout_s: float = WAIT_TIMEOUT_S):
    """Open accordion sections (jQuery-UI headers) one by one until `locate(obs)` finds an
    element (None otherwise), then click it (click-collapsible, click-collapsible-2). A section
    opens with an animation from zero height: after each header click, wait until the target
    shows or that section's panel does before looking further (or opening the next, which would
    close this one)."""
    opened = set()
    while True:
        target = locate(s.obs)
        if target is not None:
            yield Action.click(target.ref)
            return
        closed = [e for e in s.obs.dom if "ui-accordion-header-collapsed" in e.classes.split()
                  and e.ref not in opened]
        if not closed:
            raise SkillError("target not found in any section")
        header = closed[0]
        opened.add(header.ref)
        yield Action.click(header.ref)
        name = norm(s.obs.subtree_text(header.ref))
        yield from wait_for(
            s, lambda obs, h=header.ref: locate(obs) is not None or _section_shown(obs, h),
            f"section {name!r} to open", timeout_s)


def _section_shown(obs, header_ref: int) -> bool:
    """The panel of the accordion header `header_ref` (the header's next sibling) is showing: it
    appears in the observation, with every element in it, once its height is no longer zero."""
    header = next((e for e in obs.dom if e.ref == header_ref), None)
    if header is None:
        return False
    siblings = obs.children(header.parent)
    after = siblings[siblings.index(header) + 1:]
    return bool(after) and "ui-accordion-content" in after[0].classes.split() \
        and is_visible(after[0])


def is_visible(e) -> bool:
    return e.width > 1 and e.height > 1
