"""Scripted oracles for MiniWoB++ base tasks: an instruction parser per task plus reusable skills.

`PLANNERS[task](utterance) -> list[Skill]` turns a task's instruction into skills
(`workbench.web.skills`); `oracle(task)` wraps it in a `SkillAgent` (an Agent). The parsers read
only the instruction text (no miniwob `fields`), so a composed task's oracle can split its
instruction into clauses and call the base planners on each clause, e.g.

    plan = PLANNERS["click-button"]('Click on the "ok" button') + \
           PLANNERS["enter-text"]('Enter "Ann" into the text field and press Submit')

Skills act through the DOM only (element refs, `core.elementClick`), never coordinates.
Success rates measured over >= 20 episodes per task are in the module's tests/benchmark report.
"""

from __future__ import annotations

import re
from typing import Callable

from workbench import WorkbenchError
from workbench.web.actions import Action
from workbench.web.skills import (Skill, SkillAgent, SkillError, click_button, click_text, find,
                                  find_all, find_button, norm, quoted, skill)

PLANNERS: dict[str, Callable[[str], list[Skill]]] = {}


def planner(task: str):
    """Register an instruction parser for `task`."""

    def deco(fn):
        PLANNERS[task] = fn
        return fn

    return deco


def oracle(task: str) -> SkillAgent:
    """The scripted oracle agent for a base task."""
    if task not in PLANNERS:
        raise WorkbenchError(f"no oracle for task {task!r}; have {sorted(PLANNERS)}")
    return SkillAgent(PLANNERS[task], name=f"oracle:{task}")


def _one_quoted(utterance: str, what: str) -> str:
    q = quoted(utterance)
    if not q:
        raise SkillError(f"no quoted {what} in {utterance!r}")
    return q[0]


# ---------------------------------------------------------------------------------------------
# Skills for base tasks

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


# ---------------------------------------------------------------------------------------------
# Instruction parsers

@planner("click-button")
def plan_click_button(u: str) -> list[Skill]:
    # 'Click on the "Yes" button.'
    return [click_button(_one_quoted(u, "button label"))]


@planner("click-link")
def plan_click_link(u: str) -> list[Skill]:
    # 'Click on the link "ipsum".'
    return [click_link(_one_quoted(u, "link text"))]


@planner("click-option")
def plan_click_option(u: str) -> list[Skill]:
    # 'Select Xy3 and click Submit.'
    m = re.search(r"Select (.+?) and click Submit", u)
    if not m:
        raise SkillError(f"cannot parse click-option instruction {u!r}")
    return [select_option(m.group(1)), submit()]


@planner("enter-text")
def plan_enter_text(u: str) -> list[Skill]:
    # 'Enter "Ann" into the text field and press Submit.'
    return [enter_text(_one_quoted(u, "text")), submit()]


@planner("enter-password")
def plan_enter_password(u: str) -> list[Skill]:
    # 'Enter the password "ab1" into both text fields and press submit.'
    return [enter_password(_one_quoted(u, "password")), submit()]


# ---------------------------------------------------------------------------------------------
# Checkboxes

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


def _split_list(text: str) -> list[str]:
    text = text.strip()
    if text == "nothing":
        return []
    return [w.strip() for w in text.split(",") if w.strip()]


@planner("click-checkboxes")
def plan_click_checkboxes(u: str) -> list[Skill]:
    # 'Select ab, Cd3 and click Submit.' / 'Select nothing and click Submit.'
    m = re.search(r"Select (.*?) and click Submit", u)
    if not m:
        raise SkillError(f"cannot parse click-checkboxes instruction {u!r}")
    return [select_checkboxes(_split_list(m.group(1))), submit()]


PLANNERS["click-checkboxes-transfer"] = plan_click_checkboxes

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


@planner("click-checkboxes-soft")
def plan_click_checkboxes_soft(u: str) -> list[Skill]:
    # 'Select words similar to huge, tiny and click Submit.'
    m = re.search(r"Select words similar to (.*?) and click Submit", u)
    if not m:
        raise SkillError(f"cannot parse click-checkboxes-soft instruction {u!r}")
    return [select_checkboxes(_split_list(m.group(1)), match=similar), submit()]


# ---------------------------------------------------------------------------------------------
# Dialogs, tabs, widgets, button sequence

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


@planner("click-dialog")
def plan_click_dialog(u: str) -> list[Skill]:
    return [close_dialog()]


@planner("click-dialog-2")
def plan_click_dialog_2(u: str) -> list[Skill]:
    # 'Click the button in the dialog box labeled "x".'
    return [click_dialog_button(_one_quoted(u, "button label"))]


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


@planner("click-tab-2-hard")
def plan_click_tab_2_hard(u: str) -> list[Skill]:
    return [find_link_in_tabs(_one_quoted(u, "link text"))]


PLANNERS["click-tab-2"] = plan_click_tab_2_hard

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


@planner("click-widget")
def plan_click_widget(u: str) -> list[Skill]:
    # 'Click on a "textarea" widget.'
    return [click_widget(_one_quoted(u, "widget kind"))]


@skill
def click_buttons_in_order(s, labels: list[str]):
    """Click buttons one after another (click-button-sequence: ONE, then TWO)."""
    for label in labels:
        yield Action.click(find_button(s.obs, label).ref)


@planner("click-button-sequence")
def plan_click_button_sequence(u: str) -> list[Skill]:
    # 'Click button ONE, then click button TWO.'
    labels = re.findall(r"button (\w+)", u)
    if not labels:
        raise SkillError(f"cannot parse click-button-sequence instruction {u!r}")
    return [click_buttons_in_order(labels)]


# ---------------------------------------------------------------------------------------------
# Text entry: dates, logins (with pop-ups), multi-layout forms

@skill
def enter_date(s, mmddyyyy: str, field: str = "tt"):
    """Type a date MM/DD/YYYY into an `<input type=date>` (keystrokes fill month, day, year)."""
    yield Action.type(find(s.obs, id=field).ref, mmddyyyy.replace("/", ""))


@planner("enter-date")
def plan_enter_date(u: str) -> list[Skill]:
    # 'Enter 08/17/2010 as the date and hit submit.'
    m = re.search(r"(\d\d/\d\d/\d{4})", u)
    if not m:
        raise SkillError(f"no date in {u!r}")
    return [enter_date(m.group(1)), submit()]


def _popup_cancel(obs):
    hits = find_all(obs, id="popup-cancel")
    return hits[0] if hits else None


@skill
def dismiss_popup(s):
    """Click "Cancel" on a pop-up (login-user-popup's #popup) if one is showing."""
    cancel = _popup_cancel(s.obs)
    if cancel is not None:
        yield Action.click(cancel.ref)


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


@planner("login-user")
def plan_login_user(u: str) -> list[Skill]:
    # 'Enter the username "ann" and the password "x1" into the text fields and press login.'
    m = re.search(r'username "([^"]*)" and the password "([^"]*)"', u)
    if not m:
        raise SkillError(f"cannot parse login instruction {u!r}")
    return [fill_login(m.group(1), m.group(2))]


PLANNERS["login-user-popup"] = plan_login_user

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


@planner("multi-layouts")
def plan_multi_layouts(u: str) -> list[Skill]:
    # 'Search for drama movies directed by Smith from year 1999.'
    m = re.search(r"Search for (.+?) movies directed by (.+?) from year (\d+)", u)
    if not m:
        raise SkillError(f"cannot parse multi-layouts instruction {u!r}")
    return [fill_form({"genre": m.group(1), "director": m.group(2), "year": m.group(3)})]


# ---------------------------------------------------------------------------------------------
# Tree, search engine, autocomplete, email

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


@planner("navigate-tree")
def plan_navigate_tree(u: str) -> list[Skill]:
    return [open_tree_item(_one_quoted(u, "item name"))]


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


_ORDINAL = re.compile(r"(\d+)(?:st|nd|rd|th)")


@planner("search-engine")
def plan_search_engine(u: str) -> list[Skill]:
    # 'Use the textbox to enter "Kenda" and press "Search", then find and click the 5th
    #  search result.'
    m = _ORDINAL.search(u)
    if not m:
        raise SkillError(f"no result rank in {u!r}")
    return [search_and_open(_one_quoted(u, "query"), int(m.group(1)))]


@skill
def autocomplete(s, start: str, end: str | None = None, field: str = "tags", waits: int = 30):
    """Type `start` into an autocomplete input, wait for the suggestion menu, click a suggestion
    ending with `end` (any when None) (use-autocomplete)."""
    yield Action.type(find(s.obs, id=field).ref, start)
    for _ in range(waits):
        items = [e for e in s.obs.dom if "ui-menu-item-wrapper" in e.classes.split()
                 or ("ui-menu-item" in e.classes.split() and e.text)]
        good = [e for e in items if norm(e.text).startswith(start)
                and (end is None or norm(e.text).endswith(end))]
        if good:
            yield Action.click(good[0].ref)
            return
        yield Action.none()
    raise SkillError(f"no suggestion for {start!r}...{end!r}")


@planner("use-autocomplete")
def plan_use_autocomplete(u: str) -> list[Skill]:
    # 'Enter an item that starts with "Au" and ends with "ria".'  ('and ends with' optional)
    q = quoted(u)
    if not q:
        raise SkillError(f"cannot parse use-autocomplete instruction {u!r}")
    return [autocomplete(q[0], q[1] if len(q) > 1 else None), submit()]


@skill
def forward_email(s, sender: str, recipient: str):
    """Open the email from `sender`, press Forward, address it to `recipient`, send
    (email-inbox-forward-nl)."""
    yield Action.click(find(s.obs, text=sender, classes="email-sender").ref)
    yield Action.click(find(s.obs, classes="email-forward").ref)
    yield Action.type(find(s.obs, classes="forward-sender").ref, recipient)
    yield Action.click(find(s.obs, id="send-forward").ref)


# The task's instruction templates; NAME is the sender, DEST the recipient.
_EMAIL_FORWARD_TEMPLATES = [
    "Find the email by NAME and forward that email to DEST.",
    "Locate the email by NAME. Forward that email to DEST.",
    "Look for the email from NAME and forward to DEST.",
    "Forward to DEST the email from NAME.",
    "Send DEST the email you got from NAME.",
    "Go to the email by NAME. Send it to DEST.",
    "Send to DEST the email you got from NAME.",
    "Forward the email from NAME to DEST.",
    "Send DEST the email from NAME.",
    "Please find the message by NAME, then send it to DEST.",
    "Please forward the information from NAME to DEST.",
    "DEST wants the email you got from NAME.",
    "DEST wants the email NAME sent to you.",
    "The mail by NAME should be forwarded to DEST.",
    "Please forward to DEST the email by NAME.",
    "Give DEST the message you received from NAME,",
    "Forward the mail by NAME to DEST.",
    "Go to the message from NAME and send it to DEST.",
    "DEST is waiting for the email by NAME.",
    "NAME wants his or her message to be sent to DEST.",
    "I want the mail by NAME to be sent to DEST.",
    "Forward to DEST the email you got from NAME.",
    "Please forward the message from NAME to DEST.",
    "Please find the mail by NAME. Forward it to DEST.",
    "Navigate to the message from NAME and send it to DEST.",
    "Forward DEST the email from NAME.",
    "Forward DEST the message NAME sent you.",
    "Send DEST the information NAME sent to you.",
    "Search for the mail NAME sent you and send it to DEST.",
    "Get NAME email and then forward it to DEST please.",
]


def _template_regex(t: str) -> re.Pattern:
    body = re.escape(t.rstrip(".,"))
    body = body.replace("NAME", r"(?P<name>.+?)").replace("DEST", r"(?P<dest>.+?)")
    return re.compile(r"^\s*" + body + r"\s*[.,]?\s*$")


_EMAIL_FORWARD_RES = [_template_regex(t) for t in _EMAIL_FORWARD_TEMPLATES]


def parse_email_forward(u: str) -> tuple[str, str] | None:
    """(sender, recipient) of an email-inbox-forward-nl instruction, or None if no template
    fits. Among fitting templates the one with the shortest names wins ("Send to X ..." also
    fits "Send DEST ..." with DEST = "to X")."""
    best = None
    for rx in _EMAIL_FORWARD_RES:
        m = rx.match(u)
        if m and (best is None or len(m.group("name") + m.group("dest")) < sum(map(len, best))):
            best = (m.group("name"), m.group("dest"))
    return best


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


@planner("email-inbox-forward-nl")
def plan_email_inbox_forward_nl(u: str) -> list[Skill]:
    parsed = parse_email_forward(u)
    if parsed is None:
        return [forward_email_by_names(u)]
    return [forward_email(*parsed)]


PLANNERS["email-inbox-forward-nl-turk"] = plan_email_inbox_forward_nl


# ---------------------------------------------------------------------------------------------
# Further cheap MiniWoB tasks (WebGUM's subset), built from the same skills

PLANNERS["click-checkboxes-large"] = plan_click_checkboxes
PLANNERS["enter-text-dynamic"] = plan_enter_text


@planner("click-test")
def plan_click_test(u: str) -> list[Skill]:
    # 'Click the button.'
    return [click_ref_of(lambda obs: find(obs, tag="BUTTON"))]


@skill
def click_ref_of(s, locate: Callable):
    """Click the element `locate(obs)` returns."""
    yield Action.click(locate(s.obs).ref)


@planner("click-test-2")
def plan_click_test_2(u: str) -> list[Skill]:
    # 'Click button ONE.'
    m = re.search(r"button (\w+)", u)
    if not m:
        raise SkillError(f"cannot parse click-test-2 instruction {u!r}")
    return [click_button(m.group(1))]


@planner("focus-text")
def plan_focus_text(u: str) -> list[Skill]:
    # 'Focus into the textbox.'
    return [click_ref_of(lambda obs: find(obs, tag="INPUT_text"))]


@planner("focus-text-2")
def plan_focus_text_2(u: str) -> list[Skill]:
    # 'Focus into the 2nd input textbox.'
    m = _ORDINAL.search(u)
    if not m:
        raise SkillError(f"no ordinal in {u!r}")
    n = int(m.group(1))

    def nth(obs):
        boxes = find_all(obs, tag="INPUT_text")
        if len(boxes) < n:
            raise SkillError(f"only {len(boxes)} text boxes")
        return boxes[n - 1]

    return [click_ref_of(nth)]


@planner("enter-text-2")
def plan_enter_text_2(u: str) -> list[Skill]:
    # 'Type "LEONIE" in all lower case letters in the text input and press Submit.'
    text = _one_quoted(u, "text")
    if "lower case" in u:
        text = text.lower()
    elif "upper case" in u:
        text = text.upper()
    return [enter_text(text), submit()]


@planner("click-tab")
def plan_click_tab(u: str) -> list[Skill]:
    # 'Click on Tab #2.'
    m = re.search(r"Tab #(\d+)", u)
    if not m:
        raise SkillError(f"cannot parse click-tab instruction {u!r}")
    return [click_text(f"Tab #{m.group(1)}", tag="A")]


@skill
def expand_sections_until(s, locate: Callable, waits: int = 10):
    """Open accordion sections (jQuery-UI headers) one by one until `locate(obs)` finds an
    element (None otherwise), then click it (click-collapsible, click-collapsible-2)."""
    opened = set()
    while True:
        target = locate(s.obs)
        if target is not None:
            yield Action.click(target.ref)
            return
        closed = [e for e in s.obs.dom if "ui-accordion-header-collapsed" in e.classes.split()
                  and e.ref not in opened]
        if not closed:
            for _ in range(waits):  # an opening animation may still be running
                yield Action.none()
                if locate(s.obs) is not None:
                    break
            else:
                raise SkillError("target not found in any section")
            continue
        opened.add(closed[0].ref)
        yield Action.click(closed[0].ref)


def _visible(e) -> bool:
    return e.width > 1 and e.height > 1


@planner("click-collapsible")
def plan_click_collapsible(u: str) -> list[Skill]:
    # 'Expand the section below and click submit.'
    def submit_once_open(obs):
        if not any(_visible(e) for e in find_all(obs, classes="ui-accordion-content-active")):
            return None
        return next(iter(find_all(obs, tag="BUTTON", text="Submit")), None)

    return [expand_sections_until(submit_once_open)]


@planner("click-collapsible-2")
def plan_click_collapsible_2(u: str) -> list[Skill]:
    # 'Expand the sections below, to find and click on the link "egestas".'
    text = _one_quoted(u, "link text")
    return [expand_sections_until(lambda obs: next(
        (e for e in find_all(obs, text=text, classes="alink") if _visible(e)), None))]


def success_table(tasks: list[str] | None = None, episodes: int = 20, seed: int = 0,
                  env=None) -> dict:
    """{task: agent.Evaluation} of each oracle on its base task, all in one browser (`env`, or
    one opened and closed here)."""
    from workbench.web.agent import evaluate
    from workbench.web.env import WebEnv

    tasks = tasks or sorted(PLANNERS)
    own = env is None
    env = env or WebEnv(tasks[0], seed=seed, screenshots=False)
    try:
        return {t: evaluate(t, oracle(t), episodes=episodes, seed=seed, env=env) for t in tasks}
    finally:
        if own:
            env.close()


if __name__ == "__main__":
    import argparse

    from workbench.web.env import WebEnv

    p = argparse.ArgumentParser(description="Success of every scripted oracle on its base task.")
    p.add_argument("--episodes", type=int, default=20)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("tasks", nargs="*")
    a = p.parse_args()
    print("| task | success | episodes | mean steps | s/episode |\n|---|---|---|---|---|")
    tasks = a.tasks or sorted(PLANNERS)
    with WebEnv(tasks[0], screenshots=False) as env:
        for t in tasks:
            ev = success_table([t], a.episodes, a.seed, env=env)[t]
            sec = sum(e.time_s for e in ev.episodes) / len(ev.episodes)
            print(f"| {t} | {ev.success_rate:.2f} | {len(ev.episodes)} | {ev.mean_steps:.1f} "
                  f"| {sec:.2f} |", flush=True)
