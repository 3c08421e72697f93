"""Scripted oracles for MiniWoB++ base tasks: an instruction parser per task over reusable skills.

`PLANNERS[task](utterance) -> list[Skill]` turns a task's instruction into skills
(`workbench.web.task_skills`, framework in `workbench.web.skills`); `oracle(task)` wraps it in a
`SkillAgent` (an Agent). The skills are re-exported here. The parsers read
only the instruction text (no miniwob `fields`), so a composed task's oracle can split its
instruction into clauses and call the base planners on each clause, e.g.

    plan = PLANNERS["click-button"]('Click on the "ok" button') + \
           PLANNERS["enter-text"]('Enter "Ann" into the text field and press Submit')

Patterns ignore case. Skills act through the DOM only (element refs, `core.elementClick`), never coordinates.
`python -m workbench.web.oracles --episodes 25 [--subset]` measures each oracle on its base task
(`--subset`: the 56 tasks of `catalog.SUBSET`). More oracles, for the rest of that subset, are in
`workbench.web.oracles_subset` (registered here on import).
"""

from __future__ import annotations

import re
from typing import Callable

from workbench import WorkbenchError
from workbench.web.skills import (Skill, SkillAgent, SkillError, click_button, click_text, find,
                                  find_all, quoted)
from workbench.web.task_skills import (is_visible, autocomplete, click_buttons_in_order,
                                       click_dialog_button, click_link, click_ref_of, click_widget,
                                       close_dialog, enter_date, enter_password, enter_text,
                                       expand_sections_until, fill_form, fill_login,
                                       find_link_in_tabs, forward_email, forward_email_by_names,
                                       open_tree_item, search_and_open, select_checkboxes,
                                       select_option, similar, submit)

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
    m = re.search(r"Select (.+?) and click Submit", u, re.I)
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


def _split_list(text: str) -> list[str]:
    text = text.strip()
    if text.lower() == "nothing":
        return []
    return [w.strip() for w in text.split(",") if w.strip()]


@planner("click-checkboxes")
def plan_click_checkboxes(u: str) -> list[Skill]:
    # 'Select ab, Cd3 and click Submit.' / 'Select nothing and click Submit.'
    m = re.search(r"Select (.*?) and click Submit", u, re.I)
    if not m:
        raise SkillError(f"cannot parse click-checkboxes instruction {u!r}")
    return [select_checkboxes(_split_list(m.group(1))), submit()]


PLANNERS["click-checkboxes-transfer"] = plan_click_checkboxes


@planner("click-checkboxes-soft")
def plan_click_checkboxes_soft(u: str) -> list[Skill]:
    # 'Select words similar to huge, tiny and click Submit.'
    m = re.search(r"Select words similar to (.*?) and click Submit", u, re.I)
    if not m:
        raise SkillError(f"cannot parse click-checkboxes-soft instruction {u!r}")
    return [select_checkboxes(_split_list(m.group(1)), match=similar), submit()]


# ---------------------------------------------------------------------------------------------
# Dialogs, tabs, widgets, button sequence


@planner("click-dialog")
def plan_click_dialog(u: str) -> list[Skill]:
    return [close_dialog()]


@planner("click-dialog-2")
def plan_click_dialog_2(u: str) -> list[Skill]:
    # 'Click the button in the dialog box labeled "x".'
    return [click_dialog_button(_one_quoted(u, "button label"))]


@planner("click-tab-2-hard")
def plan_click_tab_2_hard(u: str) -> list[Skill]:
    return [find_link_in_tabs(_one_quoted(u, "link text"))]


PLANNERS["click-tab-2"] = plan_click_tab_2_hard


@planner("click-widget")
def plan_click_widget(u: str) -> list[Skill]:
    # 'Click on a "textarea" widget.'
    return [click_widget(_one_quoted(u, "widget kind"))]


@planner("click-button-sequence")
def plan_click_button_sequence(u: str) -> list[Skill]:
    # 'Click button ONE, then click button TWO.'
    labels = re.findall(r"button (\w+)", u)
    if not labels:
        raise SkillError(f"cannot parse click-button-sequence instruction {u!r}")
    return [click_buttons_in_order(labels)]


# ---------------------------------------------------------------------------------------------
# Text entry: dates, logins (with pop-ups), multi-layout forms


@planner("enter-date")
def plan_enter_date(u: str) -> list[Skill]:
    # 'Enter 08/17/2010 as the date and hit submit.'
    m = re.search(r"(\d\d/\d\d/\d{4})", u)
    if not m:
        raise SkillError(f"no date in {u!r}")
    return [enter_date(m.group(1)), submit()]


@planner("login-user")
def plan_login_user(u: str) -> list[Skill]:
    # 'Enter the username "ann" and the password "x1" into the text fields and press login.'
    m = re.search(r'username "([^"]*)" and the password "([^"]*)"', u, re.I)
    if not m:
        raise SkillError(f"cannot parse login instruction {u!r}")
    return [fill_login(m.group(1), m.group(2))]


PLANNERS["login-user-popup"] = plan_login_user


@planner("multi-layouts")
def plan_multi_layouts(u: str) -> list[Skill]:
    # 'Search for drama movies directed by Smith from year 1999.'
    m = re.search(r"Search for (.+?) movies directed by (.+?) from year (\d+)", u, re.I)
    if not m:
        raise SkillError(f"cannot parse multi-layouts instruction {u!r}")
    return [fill_form({"genre": m.group(1), "director": m.group(2), "year": m.group(3)})]


# ---------------------------------------------------------------------------------------------
# Tree, search engine, autocomplete, email


@planner("navigate-tree")
def plan_navigate_tree(u: str) -> list[Skill]:
    return [open_tree_item(_one_quoted(u, "item name"))]


_ORDINAL = re.compile(r"(\d+)(?:st|nd|rd|th)")


@planner("search-engine")
def plan_search_engine(u: str) -> list[Skill]:
    # 'Use the textbox to enter "Kenda" and press "Search", then find and click the 5th
    #  search result.'
    m = _ORDINAL.search(u)
    if not m:
        raise SkillError(f"no result rank in {u!r}")
    return [search_and_open(_one_quoted(u, "query"), int(m.group(1)))]


@planner("use-autocomplete")
def plan_use_autocomplete(u: str) -> list[Skill]:
    # 'Enter an item that starts with "Au" and ends with "ria".'  ('and ends with' optional)
    q = quoted(u)
    if not q:
        raise SkillError(f"cannot parse use-autocomplete instruction {u!r}")
    return [autocomplete(q[0], q[1] if len(q) > 1 else None), submit()]


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
    m = re.search(r"Tab #(\d+)", u, re.I)
    if not m:
        raise SkillError(f"cannot parse click-tab instruction {u!r}")
    return [click_text(f"Tab #{m.group(1)}", tag="A")]


@planner("click-collapsible")
def plan_click_collapsible(u: str) -> list[Skill]:
    # 'Expand the section below and click submit.'
    def submit_once_open(obs):
        if not any(is_visible(e) for e in find_all(obs, classes="ui-accordion-content-active")):
            return None
        return next(iter(find_all(obs, tag="BUTTON", text="Submit")), None)

    return [expand_sections_until(submit_once_open)]


@planner("click-collapsible-2")
def plan_click_collapsible_2(u: str) -> list[Skill]:
    # 'Expand the sections below, to find and click on the link "egestas".'
    text = _one_quoted(u, "link text")
    return [expand_sections_until(lambda obs: next(
        (e for e in find_all(obs, text=text, classes="alink") if is_visible(e)), None))]


from workbench.web import oracles_subset  # noqa: E402,F401 - registers the subset's other oracles


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

    from workbench.web.catalog import SUBSET, is_visual
    from workbench.web.env import WebEnv
    # run as a script this file is `__main__`; the registry every oracle module fills is the
    # importable module's
    from workbench.web.oracles import PLANNERS, success_table  # noqa: F811

    p = argparse.ArgumentParser(description="Success of every scripted oracle on its base task.")
    p.add_argument("--episodes", type=int, default=20)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--subset", action="store_true",
                   help="only the 56 tasks of the WebGUM/WebAgent subset (catalog.SUBSET)")
    p.add_argument("tasks", nargs="*")
    a = p.parse_args()
    tasks = a.tasks or (list(SUBSET) if a.subset else sorted(PLANNERS))
    print("| task | visual | success | episodes | mean steps | s/episode |\n"
          "|---|---|---|---|---|---|")
    with WebEnv(tasks[0], screenshots=False) as env:
        for t in tasks:
            ev = success_table([t], a.episodes, a.seed, env=env)[t]
            sec = sum(e.time_s for e in ev.episodes) / len(ev.episodes)
            print(f"| {t} | {'yes' if is_visual(t) else ''} | {ev.success_rate:.2f} "
                  f"| {len(ev.episodes)} | {ev.mean_steps:.1f} | {sec:.2f} |", flush=True)
