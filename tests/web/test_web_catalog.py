"""The task catalogue: the 56-task subset, every task shipped by miniwob, visual tasks inside it."""
from workbench.web.catalog import SUBSET, VISUAL, is_visual, table
from workbench.web.env import miniwob_tasks


def test_subset_is_56_miniwob_tasks_and_visual_tasks_are_in_it():
    assert len(SUBSET) == len(set(SUBSET)) == 56
    assert set(SUBSET) <= set(miniwob_tasks())
    assert set(VISUAL) <= set(SUBSET) and {"click-color", "click-shape", "count-shape"} <= set(VISUAL)
    assert is_visual("click-shades") and not is_visual("login-user")
    rows = table()
    assert [r["task"] for r in rows] == list(SUBSET)
    assert {r["task"] for r in rows if r["visual"]} == set(VISUAL)
