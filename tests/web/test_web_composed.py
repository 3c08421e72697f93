"""The composed-page oracle on pages it was not written against: an instruction parser for both the
project generator's and MiniWoB's wordings in either order, and skills that find elements by role,
label and text. Browser tests run it on composed pages written in a second style
(`pages/others/style2.js`: no per-sub-task boxes, MiniWoB wording, a shared Submit, <label for>,
an ARIA dialog) and on MiniWoB's own base tasks."""
from pathlib import Path

import pytest
from support import needs_browser

from workbench import WorkbenchError
from workbench.web.instructions import Clause, direction, parse

OTHERS = Path(__file__).parent / "pages" / "others"
STYLE2 = sorted(p.stem for p in OTHERS.glob("s2-*.html"))
THIRD = Path(__file__).parent / "pages" / "third"
STYLE3 = sorted(p.stem for p in THIRD.glob("s3-*.html"))


def bases(instruction, respect_after=True):
    return [c.base for c in parse(instruction, respect_after)]


def test_miniwob_wordings_in_either_order():
    fwd = ('Enter "tango" into the text field and press Submit, and then select Xy3 and click '
           'Submit.')
    rev = 'Select Xy3 and click Submit, after entering "tango" into the text field and pressing Submit.'
    want = [Clause("enter-text", ("tango",)), Clause("click-option", ("Xy3",))]
    assert parse(fwd) == want and parse(rev) == want
    assert direction(fwd) == "forward" and direction(rev) == "reverse"
    assert bases(rev, respect_after=False) == ["click-option", "enter-text"]
    three = ('Click on the link "vega", after clicking on a "text" widget, and closing the dialog '
             'box by clicking the "x".')
    assert parse(three) == [Clause("click-widget", ("text",)), Clause("click-dialog", ("x",)),
                            Clause("click-link", ("vega",))]
    login = ('Find and click on the folder or file named "kilo", after entering the username "uma" '
             'and the password "x9" into the text fields and pressing login.')
    assert parse(login) == [Clause("login-user", ("uma", "x9")), Clause("navigate-tree", ("kilo",))]


def test_miniwob_base_task_wordings_and_case():
    cases = {
        'Click on the "Yes" button.': ("click-button", ("Yes",)),
        'CLICK ON THE LINK "Eget".': ("click-link", ("Eget",)),
        "Select ab, Cd3 and click Submit.": ("click-checkboxes", ("ab", "Cd3")),
        "Select nothing and click Submit.": ("click-checkboxes", ()),
        "Select words similar to huge, tiny and click Submit.": ("click-checkboxes", ("huge", "tiny")),
        'Enter the password "ab1" into both text fields and press submit.': ("enter-password", ("ab1",)),
        "Enter 08/17/2010 as the date and hit submit.": ("enter-date", ("08/17/2010",)),
        'Close the dialog box by clicking the "x".': ("click-dialog", ("x",)),
        'Click the button in the dialog box labeled "Cancel".': ("click-dialog", ("Cancel",)),
        'Click on a "textarea" widget.': ("click-widget", ("textarea",)),
        'Type "LEONIE" in all lower case letters in the text input and press Submit.':
            ("enter-text", ("leonie",)),
        'Navigate through the file tree. Find and click on the folder or file named "Kia".':
            ("navigate-tree", ("Kia",)),
    }
    for text, (base, args) in cases.items():
        [c] = parse(text)
        assert (c.base, c.args) == (base, args), text
    assert parse("Select words similar to big and click Submit.")[0].match == "similar"


def test_clauses_without_their_own_submit():
    """CompWoB's pages share one Submit (or Login) named once at the end: earlier clauses carry no
    Submit, and a clause presses its form's button only when it says so."""
    fwd = ('Enter the password "p1" into both text fields, and then select Ab and click Submit.')
    rev = 'Select Ab and click Submit, after entering the password "p1" into both text fields.'
    for u in (fwd, rev):
        c = parse(u)
        assert [(x.base, x.args, x.submit) for x in c] == [("enter-password", ("p1",), False),
                                                            ("click-option", ("Ab",), True)]
    c = parse('Select xk, and then enter the username "ann" and the password "pw" into the text fields '
              'and press login.')
    assert [(x.base, x.args, x.submit) for x in c] == [("click-option", ("xk",), False),
                                                        ("login-user", ("ann", "pw"), True)]
    c = parse('Enter the username "ann" and the password "pw" into both text fields and press login, after '
              'entering 03/04/2012 as the date.')
    assert [(x.base, x.submit) for x in c] == [("enter-date", False), ("login-user", True)]
    # several options before "and then" (commas join them, as click-checkboxes writes its list)
    c = parse('Select ab, Cd9, and then click on the link "x".')
    assert [(x.base, x.args) for x in c] == [("click-checkboxes", ("ab", "Cd9")), ("click-link", ("x",))]
    # the project's wording still presses Submit after each clause
    assert all(x.submit for x in parse('select "x" and submit, and then log in as "a" with password "b".'))


def test_click_button_sequence_wording():
    fwd = 'Click button ONE, then click button TWO, and then select ab, cd and click Submit.'
    rev = 'Select ab, cd and click Submit, after clicking button ONE, then clicking button TWO.'
    want = [Clause("click-button-sequence", ("ONE", "TWO")), Clause("click-checkboxes", ("ab", "cd"))]
    assert parse(fwd) == want and parse(rev) == want
    assert direction(fwd) == "forward" and direction(rev) == "reverse"
    assert parse("Click button ONE, then click button TWO.") == [Clause("click-button-sequence", ("ONE", "TWO"))]


@pytest.mark.parametrize("fwd, rev, want", [
    ('Close the dialog box by clicking the "x", and then use the textbox to enter "Kasey" and press "Search", '
     'then find and click the 2nd search result.',
     'Use the textbox to enter "Kasey" and press "Search", then find and click the 2nd search result, after '
     'closing the dialog box by clicking the "x"',
     [("click-dialog", ("x",)), ("search-engine", ("Kasey", "2"))]),
    ('Enter an item that starts with "Au" and ends with "ria", and then close the dialog box by clicking the "x".',
     'Close the dialog box by clicking the "x", after entering an item that starts with "Au" and ends with "ria".',
     [("use-autocomplete", ("Au", "ria")), ("click-dialog", ("x",))]),
    ('Click on the "Ok" button, and then switch between the tabs to find and click on the link "amet".',
     'Switch between the tabs to find and click on the link "amet", after clicking on the "Ok" button.',
     [("click-button", ("Ok",)), ("click-tab-2-hard", ("amet",))]),
    ('Click on a "text" widget, and then search for drama movies directed by Smith from year 1999.',
     'Search for drama movies directed by Smith from year 1999, after clicking on a "text" widget.',
     [("click-widget", ("text",)), ("multi-layouts", ("drama", "Smith", "1999"))]),
])
def test_miniwob_task_wordings_in_compositions(fwd, rev, want):
    """The wordings of MiniWoB tasks that CompWoB composes, in both orders."""
    for u in (fwd, rev):
        assert [(c.base, c.args) for c in parse(u)] == want, u
    assert direction(fwd) == "forward" and direction(rev) == "reverse"


def test_unknown_words_between_clauses_are_an_error():
    with pytest.raises(WorkbenchError, match="unknown words: dance"):
        parse('Click on the "Yes" button, dance, and then click on the link "a".')
    with pytest.raises(WorkbenchError):
        parse("Do something nice.")


@pytest.fixture(scope="module")
def env():
    from workbench.web.env import WebEnv

    with WebEnv(STYLE2[0], html_dir=OTHERS, screenshots=False) as e:
        yield e


@needs_browser
@pytest.mark.parametrize("page", STYLE2)
def test_second_style_pages_oracle_naive_and_wrong_order(page, env):
    from workbench.web.agent import run_episode
    from workbench.web.composed import naive, oracle, wrong_order

    env.switch_task(page, html_dir=OTHERS)
    seen = set()
    for seed in range(4):
        ep = run_episode(env, oracle(), max_steps=25, seed=seed)
        assert ep.success, (page, ep.utterance, ep.steps, ep.error, ep.reason)
        d = direction(ep.utterance)
        seen.add(d)
        ep = run_episode(env, naive(), max_steps=25, seed=seed)
        assert ep.success == (d == "forward"), (page, ep.utterance, ep.steps)
        ep = run_episode(env, wrong_order(), max_steps=25, seed=seed)
        assert not ep.success, (page, ep.utterance, ep.steps)
    assert len(STYLE2) == 5


@needs_browser
@pytest.mark.parametrize("page", STYLE3)
def test_third_style_pages_shared_submit_and_case(page, env):
    """One shared Submit or Login named once at the end, "into both text fields", click-button-sequence
    with decoys "one"/"two" placed before "ONE"/"TWO": the oracle solves each page in every episode
    and wording; running the clauses in reverse never does."""
    from workbench.web.agent import run_episode
    from workbench.web.composed import oracle, wrong_order

    env.switch_task(page, html_dir=THIRD)
    seen = set()
    for seed in range(4):
        ep = run_episode(env, oracle(), max_steps=25, seed=seed)
        assert ep.success, (page, ep.utterance, ep.steps, ep.error, ep.reason)
        seen.add(direction(ep.utterance))
        assert not run_episode(env, wrong_order(), max_steps=25, seed=seed).success
    assert len(STYLE3) == 3


@needs_browser
def test_composed_oracle_solves_miniwob_base_tasks(env):
    """MiniWoB's own pages are pages written by others too: the composed oracle reads their
    instructions and finds their widgets without the base oracles' task-specific finders."""
    from workbench.web.agent import evaluate
    from workbench.web.composed import oracle

    tasks = ["click-button", "click-button-sequence", "click-link", "click-option", "click-checkboxes", "enter-text",
             "enter-password", "login-user", "login-user-popup", "click-dialog", "click-dialog-2",
             "click-widget", "enter-date", "navigate-tree", "click-checkboxes-soft", "click-checkboxes-transfer",
             "click-tab-2-hard", "use-autocomplete", "multi-layouts", "search-engine"]
    failed = {}
    for t in tasks:
        ev = evaluate(t, oracle(), episodes=2, seed=3, env=env)
        bad = [(e.utterance, e.steps, e.error) for e in ev.episodes if not e.success]
        if bad:
            failed[t] = bad
    assert failed == {}


@needs_browser
def test_step_notes_name_the_clause_and_the_elements(env):
    from workbench.web.composed import oracle

    env.switch_task("s2-login_tree", html_dir=OTHERS)
    obs = env.reset(seed=1)
    agent = oracle()
    agent.reset(obs)
    a = agent.act(obs, [])
    note = agent.step_note()
    login = next(c for c in parse(obs.utterance) if c.base == "login-user")
    assert note["sub_instruction"] == f"{login.text}: type the username"
    assert note["refs"] == [a.ref] and obs.element(a.ref).tag == "INPUT_text"


@needs_browser
def test_recorded_composed_episode_keeps_clauses_and_refs(env, tmp_path):
    from workbench.web.agent import run_episode
    from workbench.web.composed import oracle
    from workbench.web.recorder import Recorder, load_dataset

    env.switch_task("s2-checkboxes_password_button", html_dir=OTHERS)
    ep = run_episode(env, oracle(), max_steps=25, seed=2, recorder=Recorder(tmp_path / "d"))
    assert ep.success
    steps = load_dataset(tmp_path / "d").steps
    clauses = [c.text for c in parse(ep.utterance)]
    # the sub-instructions walk through the clauses in execution order
    heads = [s.sub_instruction.split(": ")[0] for s in steps]
    assert list(dict.fromkeys(heads)) == clauses
    assert steps[-1].sub_instruction.endswith("button")
    for s in steps:
        assert s.action.ref in s.refs
        assert all(any(e.ref == r for e in s.observation(screenshot=False).dom) for r in s.refs)


def test_widget_finder_ignores_miniwob_marks_and_prefers_the_widget_row():
    """A Submit the agent already clicked carries MiniWoB's data-tampered mark: that is no
    widget marking; the click-widget row is found by its mixed kinds."""
    from workbench.web import roles
    from workbench.web.observation import Element, Observation

    def el(ref, parent, tag, depth, text=""):
        return Element(ref, parent, tag, text, None, "", "", 0, 0, 10, 10, False, depth)

    dom = [el(1, 0, "DIV", 0), el(2, 1, "DIV", 1), el(3, 2, "INPUT_text", 2),
           el(4, 2, "BUTTON", 2, "Submit"), el(5, 1, "DIV", 1), el(6, 5, "TEXTAREA", 2),
           el(7, 5, "INPUT_radio", 2), el(8, 5, "BUTTON", 2, "nunc"), el(9, 5, "INPUT_text", 2)]
    html = ('<div data-wob_ref="1"><div data-wob_ref="2"><input data-wob_ref="3" '
            'data-tampered="e1"><button data-wob_ref="4" data-tampered="e1">Submit</button></div>'
            '<div data-wob_ref="5"><textarea data-wob_ref="6"></textarea><input type="radio" '
            'data-wob_ref="7"><button data-wob_ref="8">nunc</button><input data-wob_ref="9">'
            '</div></div>')
    obs = Observation("u", [], dom, html)
    assert roles.widget(obs, "button").ref == 8 and roles.widget(obs, "text").ref == 9
    assert obs.attrs(4) == {"data-wob_ref": "4", "data-tampered": "e1"}
    assert obs.html_children(5) == [("textarea", 6), ("input", 7), ("button", 8), ("input", 9)]
