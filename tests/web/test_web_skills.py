"""Skills and SkillAgent on hand-made observations (no browser)."""

import pytest

from workbench.web.actions import Action
from workbench.web.observation import Element, Observation
from workbench.web.skills import (SkillAgent, SkillError, click_button, find, find_button,
                                  find_input, skill)


def el(ref, parent, tag, text="", value=None, id="", classes="", depth=1):
    return Element(ref, parent, tag, text, value, id, classes, 0.0, 0.0, 10.0, 10.0, False, depth)


OBS = Observation("Click on the \"ok\" button.", [], [
    el(1, 0, "BODY", depth=0),
    el(2, 1, "DIV", id="left"), el(3, 2, "BUTTON", "ok"), el(4, 2, "LABEL", "Name"),
    el(5, 2, "INPUT_text", value=""),
    el(6, 1, "DIV", id="right"), el(7, 6, "BUTTON", "ok"), el(8, 6, "INPUT_submit", value="Go"),
], "")


def test_finders():
    assert find_button(OBS, "ok").ref == 3
    assert find_button(OBS, "Go").ref == 8
    assert find_input(OBS, "Name").ref == 5
    assert find(OBS, tag="BUTTON", text="OK", case=False).ref == 3
    with pytest.raises(SkillError):
        find_button(OBS, "cancel")


def test_within_scopes_the_search():
    assert click_button("ok").next_action(OBS) == Action.click(3)
    s = click_button("ok").within("right")
    assert s.next_action(OBS) == Action.click(7)
    assert s.next_action(OBS) is None and s.finished
    assert repr(click_button("ok").within("right")) == "click_button('ok').within('right')"
    with pytest.raises(SkillError):
        click_button("ok").within("nowhere").next_action(OBS)


def test_skill_agent_runs_skills_in_order_then_waits():
    @skill
    def twice(s, label):
        yield Action.click(find_button(s.obs, label).ref)
        yield Action.click(find_button(s.obs, label).ref)

    agent = SkillAgent(lambda u: [twice("ok").within("right"), click_button("Go")])
    agent.reset(OBS)
    got = [agent.act(OBS, []) for _ in range(4)]
    assert got == [Action.click(7), Action.click(7), Action.click(8), Action.none()]


def test_wait_for_returns_at_once_waits_for_the_state_and_times_out():
    from workbench.web.skills import find_all, wait_for

    late = Observation("", [], OBS.dom + [el(9, 1, "SPAN", "late")], "")
    now = [0.0]

    @skill
    def click_late(s):
        hits = yield from wait_for(s, lambda obs: find_all(obs, text="late"), "the late span",
                                   timeout_s=1.0, clock=lambda: now[0])
        yield Action.click(hits[0].ref)

    assert click_late().next_action(late) == Action.click(9)   # already there: no wait step
    s = click_late()
    assert s.next_action(OBS) == Action.none() and s.last_note[0].endswith("wait for the late span")
    now[0] = 0.9
    assert s.next_action(OBS) == Action.none()
    assert s.next_action(late) == Action.click(9)
    s = click_late()
    now[0] = 5.0
    assert s.next_action(OBS) == Action.none()
    now[0] = 6.0
    with pytest.raises(SkillError, match=r"timed out after 1 s waiting for the late span"):
        s.next_action(OBS)


def menu_obs(active=(), open_sub=True, sub=("Cleo", "Dora-Lee", "Eve")):
    """A jQuery-UI menu as MiniWoB observes it: "Ann" (with a submenu `sub`) and "Bea"; a hidden
    submenu is absent; a wrapped name shows as two text pieces; `active` = highlighted items."""
    def wrapper(ref, parent, name):
        classes = "ui-menu-item-wrapper" + (" ui-state-active" if name in active else "")
        if "-" not in name:
            return [el(ref, parent, "DIV", name, classes=classes)]
        a, b = name.split("-")
        return [el(ref, parent, "DIV", classes=classes), el(-ref, ref, "t", a + "-"),
                el(-ref - 100, ref, "t", b)]

    dom = [el(1, 0, "BODY", depth=0), el(2, 1, "UL", id="menu", classes="ui-menu"),
           el(3, 2, "LI", classes="ui-menu-item"), *wrapper(4, 3, "Ann")]
    if open_sub:
        dom.append(el(5, 3, "UL", classes="ui-menu"))
        for i, name in enumerate(sub):
            li = 6 + 2 * i
            dom += [el(li, 5, "LI", classes="ui-menu-item"), *wrapper(li + 1, li, name)]
    dom += [el(20, 2, "LI", classes="ui-menu-item"), *wrapper(21, 20, "Bea")]
    return Observation("Select Ann>Eve", [], dom, "")


def test_menu_path_waits_for_the_highlight_to_enter_the_submenu():
    """ArrowRight shows the submenu at once but moves the highlight into it in a zero-delay timer:
    an observation in between shows the submenu with only its parent highlighted. A key pressed
    then would act on the parent menu (ArrowDown: move to "Bea" and hide the submenu), so the
    skill waits for the highlight before pressing the next key."""
    from workbench.web.oracles_subset import menu_path

    s = menu_path(["Ann", "Eve"])
    assert s.next_action(menu_obs(open_sub=False)) == Action.click(2)
    assert s.next_action(menu_obs({"Ann"}, open_sub=False)) == Action.press_key("<ArrowRight>")
    assert s.next_action(menu_obs({"Ann"})) == Action.none()            # highlight still on Ann
    assert s.next_action(menu_obs({"Ann", "Cleo"})) == Action.press_key("<ArrowDown>")
    assert s.next_action(menu_obs({"Ann", "Dora-Lee"})) == Action.press_key("<ArrowDown>")
    assert s.next_action(menu_obs({"Ann", "Eve"})) == Action.press_key("<Enter>")
    assert s.next_action(menu_obs({"Ann", "Eve"})) is None

    s = menu_path(["Ann", "Dora-Lee"])           # a name wrapped in the narrow menu still matches
    s.next_action(menu_obs(open_sub=False))
    s.next_action(menu_obs({"Ann"}, open_sub=False))
    assert s.next_action(menu_obs({"Ann", "Cleo"})) == Action.press_key("<ArrowDown>")
    assert s.next_action(menu_obs({"Ann", "Dora-Lee"})) == Action.press_key("<Enter>")

    s = menu_path(["Ann", "Eve"], timeout_s=0)
    for obs in (menu_obs(open_sub=False), menu_obs({"Ann"}, open_sub=False), menu_obs({"Ann"})):
        s.next_action(obs)
    with pytest.raises(SkillError, match="waiting for the highlight in the submenu of \"Ann\""):
        s.next_action(menu_obs({"Ann"}))
    s = menu_path(["Ann", "Zed"])
    s.next_action(menu_obs(open_sub=False))
    s.next_action(menu_obs({"Ann"}, open_sub=False))
    with pytest.raises(SkillError, match="no menu item 'Zed' under 'Ann'"):
        s.next_action(menu_obs({"Ann", "Cleo"}))


def test_autocomplete_clicks_again_when_the_menu_was_redrawn():
    """A suggestion clicked from an observation taken just before the widget's next search drew
    the menu again is gone from the page: the click does nothing, so the skill checks the input
    and clicks the redrawn suggestion."""
    from workbench.web.task_skills import autocomplete

    def page(value, item_ref=None):
        dom = [el(1, 0, "BODY", depth=0), el(2, 1, "INPUT_text", value=value, id="tags")]
        if item_ref is not None:
            dom += [el(3, 1, "UL", classes="ui-menu"), el(4, 3, "LI", classes="ui-menu-item"),
                    el(item_ref, 4, "DIV", "Austria", classes="ui-menu-item-wrapper")]
        return Observation('Enter an item that starts with "Au".', [], dom, "")

    s = autocomplete("Au")
    assert s.next_action(page("")) == Action.type(2, "Au")
    assert s.next_action(page("Au")) == Action.none()                  # no menu yet
    assert s.next_action(page("Au", 30)) == Action.click(30)
    assert s.next_action(page("Au", 31)) == Action.click(31)           # 30 was redrawn as 31
    assert s.next_action(page("Austria")) is None
