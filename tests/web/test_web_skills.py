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
