"""DOM serializer and observation views: a hand-written DOMInfo dict, then a fixed project page
run in Chromium (which also exercises `register_page_dir`)."""

from pathlib import Path

from support import needs_browser

from workbench.web.actions import Action
from workbench.web.observation import dom_text, elements_from_dominfo, task_html

PAGES = Path(__file__).parent / "pages"

DOMINFO = {"tag": "BODY", "ref": 1, "left": 0, "top": 0, "width": 160, "height": 210,
           "id": "", "classes": "", "children": [
               {"tag": "DIV", "ref": 2, "left": 0, "top": 0, "width": 160, "height": 50,
                "id": "area", "classes": "", "children": [
                    {"tag": "BUTTON", "ref": 3, "left": 5, "top": 6, "width": 30, "height": 20,
                     "id": "", "classes": "a b", "text": "OK", "children": [], "focused": True},
                    {"tag": "INPUT_checkbox", "ref": 4, "left": 40, "top": 6, "width": 13,
                     "height": 13, "id": "c", "classes": "", "value": True, "children": []}]},
               {"tag": "t", "ref": -1, "left": 0, "top": 60, "width": 20, "height": 10,
                "text": "tail", "children": []}]}


def test_flatten_keeps_document_order_parents_and_depth():
    els = elements_from_dominfo(DOMINFO)
    assert [e.ref for e in els] == [1, 2, 3, 4, -1]
    assert [e.parent for e in els] == [0, 1, 2, 2, 1]
    assert [e.depth for e in els] == [0, 1, 2, 2, 1]
    ok = els[2]
    assert (ok.tag, ok.text, ok.classes, ok.focused, ok.value) == ("BUTTON", "OK", "a b", True, None)
    assert els[3].value is True and els[3].id == "c"
    assert elements_from_dominfo(None) == []


def test_dom_text_lines():
    from workbench.web.observation import Observation

    obs = Observation("u", [], elements_from_dominfo(DOMINFO), "<div id='wrap'></div>")
    assert dom_text(obs).splitlines() == [
        "[2] div #area",
        '  [3] button "OK" .a.b (focused)',
        "  [4] input_checkbox value=True #c",
        '[-1] t "tail"',
    ]
    assert dom_text(obs, keep_empty=True).splitlines()[0] == "[1] body"
    assert task_html(obs) == "<div id='wrap'></div>"
    assert obs.subtree_text(2) == "OK"


@needs_browser
def test_fixed_page_dom_html_and_reward():
    from workbench.web.env import WebEnv

    with WebEnv("wb-fixed", html_dir=PAGES, screenshots=True) as env:
        obs = env.reset()
        assert obs.utterance == 'Type "abc", tick the box and press Go.'
        assert obs.fields == []
        assert obs.screenshot.shape == (210, 160, 3)
        lines = dom_text(obs).splitlines()
        assert lines == [
            "[2] div #wrap",
            "  [3] div #area",
            "    [4] p .intro.big",
            '      [-1] t "Hello"',
            '      [5] b "world"',
            "    [6] label",
            '      [-2] t "Name"',
            "      [7] input_text #name",
            "    [8] label",
            "      [9] input_checkbox value=False #tick",
            '      [-3] t "Tick"',
            '    [10] button "Go" #go .primary',
        ]
        by_id = {e.id: e for e in obs.dom if e.id}
        assert by_id["name"].value == "" and by_id["tick"].value is False
        assert by_id["go"].width > 0 and by_id["go"].top > by_id["area"].top
        html = task_html(obs)
        assert html.startswith('<div id="wrap"') and 'data-wob_ref="10"' in html
        assert '<button id="go" class="primary" data-wob_ref="10"' in html
        r = env.step(Action.type(7, "abc"))
        assert not r.terminated and r.obs.element(7).value == "abc"
        r = env.step(Action.click(9))
        assert r.obs.element(9).value is True
        r = env.step(Action.click(10))
        assert r.terminated and r.success and r.reward == 1.0
        assert r.obs.dom == [] and r.obs.done
        # a wrong final action fails
        env.reset()
        r = env.step(Action.click(10))
        assert r.terminated and not r.success and r.reward == -1.0


@needs_browser
def test_switch_task_between_project_page_and_miniwob():
    from workbench.web.env import WebEnv

    with WebEnv("click-button", screenshots=False) as env:
        pids = env.pids
        env.switch_task("wb-fixed", html_dir=PAGES)
        assert env.reset().utterance == 'Type "abc", tick the box and press Go.'
        env.switch_task("click-button")
        obs = env.reset()
        assert obs.utterance.startswith("Click on the") and obs.field("target")
        assert env.pids == pids  # same browser
