"""Evaluation on live MiniWoB pages in headless Chromium: a fixed hand-written policy and a fixed
(seeded, untrained) WebGUM-lite model play through `run.evaluate`; a live observation featurises
exactly like the recorded demonstration of the same episode."""
import re

import numpy as np
import pytest
from support import needs_browser

from workbench.web.actions import Action

from workbench.papers.webgum import data
from workbench.papers.webgum.config import Config  # noqa: E402

CFG = Config(scale="smoke", tasks=("click-button",), saliency_task="click-button", eval_episodes=3, eval_max_steps=3,
             d_model=32, heads=2, layers=1, gallery_episodes=1, scaling_episodes=(1,), demo_episodes=2)


class QuotedButton:
    """Fixed policy for click-button: click the button whose text is the quoted word."""

    def act(self, obs, history):
        word = re.search(r'"(.+?)"', obs.utterance).group(1)
        return Action.click(next(e.ref for e in obs.dom if e.tag == "BUTTON" and e.text == word))


class FirstButton:
    def act(self, obs, history):
        return Action.click(next(e.ref for e in obs.dom if e.tag == "BUTTON"))


@needs_browser
def test_evaluate_plays_fixed_policies_on_the_same_seeds():
    import torch
    from workbench.papers.webgum.model import WebGUMLite
    from workbench.papers.webgum.run import evaluate
    from workbench.papers.webgum.train import GUMAgent

    torch.manual_seed(0)
    model = GUMAgent(WebGUMLite(CFG, "image+html").eval(), CFG)
    seen = []
    rows, gallery = evaluate(CFG, {"quoted": QuotedButton(), "first": FirstButton(), "image+html": model},
                             progress=lambda k, m: seen.append((k, m)))
    by = {m: [r for r in rows if r["model"] == m] for m in ("quoted", "first", "image+html")}
    assert all(len(v) == 3 for v in by.values())
    assert [r["seed"] for r in by["quoted"]] == [r["seed"] for r in by["first"]] == [r["seed"] for r in by["image+html"]]
    assert all(r["success"] and r["reward"] > 0 and r["steps"] == 1 for r in by["quoted"])
    assert all(r["error"] is None for r in rows)                     # the model always returns a valid action
    assert seen[-1][0] == 1 and seen[-1][1]["eval/quoted"] == 1.0
    # the gallery keeps the model's first episode: its frame and the box it acted on
    assert gallery and gallery[0]["frame"].shape == (CFG.image_size, CFG.image_size, 3)
    assert gallery[0]["task"] == "click-button" and gallery[0]["action"].startswith("click(ref=")


@needs_browser
def test_a_live_observation_featurises_like_its_recorded_demonstration(tmp_path):
    from workbench.web.demos import record_demos
    from workbench.web.env import WebEnv
    from workbench.web.recorder import load_dataset

    record_demos(tmp_path, ["enter-text"], episodes=1)
    ds = load_dataset(tmp_path / "tasks" / "enter-text")
    step = ds.steps[0]
    r = step.record
    recorded = data.featurize(r["utterance"], r["html"], r["dom"], step.load_screenshot(), r["regions"], [], 0, CFG,
                              action=step.action)
    with WebEnv("enter-text", screenshots=True) as env:
        obs = env.reset(seed=ds.episodes[0]["seed"])
        live = data.featurize(obs.utterance, obs.html, [e.to_dict() for e in obs.dom], obs.screenshot, obs.regions,
                              [], 0, CFG, action=step.action)
    assert recorded["kind"] == live["kind"] == 1 and recorded["span"] == live["span"]
    assert recorded["elem_refs"] == live["elem_refs"]
    for k in ("instr", "html", "elem_tok", "elem_match", "elem_box", "elem_hist"):
        assert np.array_equal(recorded[k], live[k]), k
    assert np.abs(recorded["frame"].astype(int) - live["frame"].astype(int)).max() <= 2   # the same picture


# What a rule reading only the HTML can do on each visual task of the cpu set, on live oracle episodes:
# (the pick rate's bounds on the DOM view, what the models read; on the raw #wrap markup). The DOM view
# hides colours: click-color and click-shades are HTML-blind there (a guess among the boxes), while the
# raw markup gives their targets away through `style`. click-shape's colours are hidden too, but its
# letters and digits are SVG text, so the rule picks some targets (on 100 demonstrations: 0.38, below
# `BLIND_BELOW`), fewer than on the raw markup. identify-shape's figure is an SVG tag or text in both
# views, and a rule that relates the buttons to it picks every target: not HTML-blind.
VISUAL_EXPECTED = {"click-color": ((0.0, 0.35), (0.9, 1.0)), "click-shades": ((0.0, 0.4), (0.7, 1.0)),
                   "click-shape": ((0.15, 0.6), None), "identify-shape": ((0.9, 1.0), (0.9, 1.0))}


@needs_browser
@pytest.mark.parametrize("task", sorted(VISUAL_EXPECTED))
def test_html_rule_per_visual_task(task, tmp_path):
    from workbench.papers.webgum import html_rule
    from workbench.web.demos import record_demos

    record_demos(tmp_path, [task], episodes=12, seed=3, max_steps=30, screenshots=False)
    row = html_rule.task_table(tmp_path, [task], 12)[0]
    print(row)
    assert row["episodes"] >= 10
    (lo, hi), raw = VISUAL_EXPECTED[task]
    assert lo <= row["pick_rate_dom"] <= hi
    if raw is None:
        assert row["pick_rate_dom"] < row["pick_rate_raw"]
    else:
        assert raw[0] <= row["pick_rate_raw"] <= raw[1]
