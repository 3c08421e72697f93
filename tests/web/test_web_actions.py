"""Action string form and miniwob conversion (no browser)."""

import pytest

from workbench import WorkbenchError
from workbench.web.actions import Action, parse_action


@pytest.mark.parametrize("action", [
    Action.click(5), Action.click(-3), Action.type(7, 'He said "hi", then left\\n'),
    Action.type(2, ""), Action.press_key("<Enter>"), Action.press_key('"'), Action.none(),
    Action.type(1, "ünï, code=(1)"),
])
def test_string_round_trip(action):
    assert parse_action(str(action)) == action


def test_string_forms_are_readable():
    assert str(Action.click(5)) == "click(ref=5)"
    assert str(Action.type(5, "Ann")) == 'type(ref=5, text="Ann")'
    assert str(Action.press_key("<Enter>")) == 'press_key(key="<Enter>")'
    assert str(Action.none()) == "none()"


@pytest.mark.parametrize("bad", ["clack(ref=1)", "click(ref=x)", "click()", "type(ref=1)",
                                 "click(ref=1, foo=2)", "click(ref=1", ""])
def test_parse_rejects_bad_strings(bad):
    with pytest.raises(WorkbenchError):
        parse_action(bad)


def test_to_miniwob_uses_the_config_indices():
    from miniwob.action import ActionSpaceConfig, ActionTypes

    cfg = ActionSpaceConfig.get_preset("all_supported")
    a = Action.type(4, "xy").to_miniwob(cfg)
    assert cfg.action_types[a["action_type"]] == ActionTypes.FOCUS_ELEMENT_AND_TYPE_TEXT
    assert a["ref"] == 4 and a["text"] == "xy"
    k = Action.press_key("<Tab>").to_miniwob(cfg)
    assert cfg.allowed_keys[k["key"]] == "<Tab>"
    assert cfg.action_types[Action.none().to_miniwob(cfg)["action_type"]] == ActionTypes.NONE
    with pytest.raises(WorkbenchError):
        Action.press_key("<NoSuchKey>").to_miniwob(cfg)
