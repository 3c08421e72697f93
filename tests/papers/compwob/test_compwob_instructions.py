"""The instruction grammar and parser, the catalog of composed tasks, and the generated pages."""
import pytest

from workbench import WorkbenchError
from workbench.papers.compwob.instructions import Clause, parse, parse_clause, quoted_strings, split
from workbench.web.compose import COMPOSITIONS, PAGES_DIR, all_tasks, composed_tasks, parse as parse_task
from workbench.web.compose.generate import render

FWD3 = 'Click the "Yes" button, click the link "amet", and then select "xk2" and submit.'
REV3 = 'Select "xk2" and submit, after clicking the "Yes" button, and clicking the link "amet".'


def test_forward_and_reverse_give_the_same_execution_order():
    want = [Clause("click-button", ("Yes",)), Clause("click-link", ("amet",)), Clause("click-option", ("xk2",))]
    assert parse(FWD3) == want
    assert parse(REV3) == want


def test_naive_reading_of_reverse_puts_final_clause_first():
    assert [c.base for c in parse(REV3, respect_after=False)] == ["click-option", "click-button", "click-link"]
    assert [c.base for c in parse(FWD3, respect_after=False)] == ["click-button", "click-link", "click-option"]


def test_two_way_and_five_way_reverse():
    assert split('Open the file "Anna", after logging in as "bo" with password "x1".') == \
        ['logging in as "bo" with password "x1"', 'Open the file "Anna"']
    rev5 = ('Press "OK" in the dialog, after clicking the "Go" button, clicking the link "nibh", '
            'checking "ab" and "cd" and submitting, and selecting "q" and submitting.')
    assert [c.base for c in parse(rev5)] == ["click-button", "click-link", "click-checkboxes", "click-option",
                                             "click-dialog"]
    assert parse(rev5)[2].args == ("ab", "cd")


def test_split_ignores_separators_inside_quotes():
    s = 'Type "a, after b" and submit, and then click the link "c, and then d".'
    assert [c.args for c in parse(s)] == [("a, after b",), ("c, and then d",)]


def test_every_clause_form_and_its_gerund():
    pairs = {
        'click the "No" button': ("click-button", ("No",)),
        'entering the password "p9" twice and submitting': ("enter-password", ("p9",)),
        'logging in as "ann" with password "z"': ("login-user", ("ann", "z")),
        'pressing "Cancel" in the dialog': ("click-dialog", ("Cancel",)),
        'click the "radio" widget': ("click-widget", ("radio",)),
        'entering the date 03/14/2016 and submitting': ("enter-date", ("03/14/2016",)),
        'open the file "Vera"': ("navigate-tree", ("Vera",)),
        'typing "dolor" and submitting': ("enter-text", ("dolor",)),
        'check "a" and submit': ("click-checkboxes", ("a",)),
    }
    for text, (base, args) in pairs.items():
        c = parse_clause(text)
        assert (c.base, c.args) == (base, args), text
    with pytest.raises(WorkbenchError):
        parse_clause("dance a little")


def test_quoted_strings_include_dates():
    assert quoted_strings('Type "a" and submit, and then enter the date 01/02/2003 and submit.') == ["a", "01/02/2003"]


def test_catalog_covers_2_to_5_way_and_a_transition():
    ns = [parse_task(c).n for c in COMPOSITIONS]
    assert len(COMPOSITIONS) >= 20 and min(ns) == 2 and max(ns) == 5 and set(ns) == {2, 3, 4, 5}
    assert any(parse_task(c).transition for c in COMPOSITIONS)
    assert len(composed_tasks()) == 2 * len(COMPOSITIONS)
    with pytest.raises(WorkbenchError):
        parse_task("click-button_fly-to-moon")
    with pytest.raises(WorkbenchError):
        parse_task("click-button_click-button")


def test_pages_are_generated_and_twins_differ_only_in_wording():
    for task in all_tasks():
        path = PAGES_DIR / f"{task.name}.html"
        assert path.read_text() == render(task), f"{path.name} is stale: run python -m workbench.web.compose"
    fwd = (PAGES_DIR / "click-button_click-link.html").read_text()
    rev = (PAGES_DIR / "click-button_click-link-reverse.html").read_text()
    diff = [(a, b) for a, b in zip(fwd.splitlines(), rev.splitlines()) if a != b]
    assert len(diff) == 2 and "TASK_DIRECTION" in diff[1][0]   # the <title> and the direction flag only


def test_config_scales_resolve_and_reject_unknown_names():
    from workbench import scales
    assert scales.resolve("compwob", "smoke").episodes == 1
    assert scales.resolve("compwob", "cpu").scale == "cpu"
    with pytest.raises(WorkbenchError, match="unknown click-button_fly"):
        scales.resolve("compwob", "cpu", {"compositions": ("click-button_fly",)})
    with pytest.raises(WorkbenchError, match="agents"):
        scales.resolve("compwob", "cpu", {"agents": ("oracle", "gpt9")})
