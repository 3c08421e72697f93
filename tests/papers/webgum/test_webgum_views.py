"""What each variant sees: the DOM view of the HTML, the HTML-rule pick test, the controls, and
training to convergence (early stopping), on hand-built pages."""
import numpy as np
import pytest
import torch

from workbench.papers.webgum import data, html_rule
from workbench.papers.webgum.config import Config
from workbench.papers.webgum.model import WebGUMLite
from workbench.papers.webgum.tokens import html_tokens
from workbench.web.observation import dom_html


def _el(ref, parent, tag, text="", value=None, id="", classes="", left=0.0, top=60.0):
    return {"ref": ref, "parent": parent, "tag": tag, "text": text, "value": value, "id": id, "classes": classes,
            "left": left, "top": top, "width": 20.0, "height": 20.0, "focused": False, "depth": 0,
            "bg_color": "rgb(0, 255, 255)", "fg_color": ""}


COLOUR_DOM = [_el(1, 0, "BODY"), _el(2, 1, "DIV", id="wrap"), _el(3, 2, "DIV", id="area"),
              _el(4, 3, "DIV", classes="color", left=10), _el(5, 3, "DIV", classes="color", left=40)]
COLOUR_RAW = ('<div id="wrap" data-wob_ref="2"><div id="query">Click on the <div id="query-color" '
              'style="background-color: cyan;"></div> colored box.</div><div id="area" data-wob_ref="3">'
              '<div class="color" data-color="cyan" style="background-color: cyan;" data-wob_ref="4"></div>'
              '<div class="color" data-color="red" style="background-color: rgb(250, 10, 10);" data-wob_ref="5"></div>'
              '</div></div>')


def test_dom_view_keeps_structure_and_text_and_drops_paint():
    dom = [_el(1, 0, "BODY"), _el(2, 1, "DIV", id="wrap"), _el(3, 2, "INPUT_text", value="ann", id="user"),
           _el(4, 2, "INPUT_checkbox", value=True), _el(5, 2, "BUTTON", "Submit", classes="btn primary"),
           _el(-1, 5, "t", "now")]
    html = dom_html(dom)
    assert html.startswith('<body data-wob_ref="1"><div id="wrap" data-wob_ref="2">')
    assert '<input type="text" id="user" value="ann" data-wob_ref="3">' in html
    assert '<input type="checkbox" checked data-wob_ref="4">' in html
    assert '<button class="btn primary" data-wob_ref="5">Submitnow</button>' in html
    assert "rgb" not in html and "style" not in html
    # every element keeps its ref, so the model's element slots and the actions still line up
    refs = {t.ref for t in html_tokens(html)}
    assert {1, 2, 3, 4, 5} <= refs


def test_featurize_reads_the_configured_view():
    cfg = Config(scale="smoke")
    dom_only = data.featurize("Click on the cyan colored box.", COLOUR_RAW, COLOUR_DOM, None, {}, [], 0, cfg)
    raw = data.featurize("Click on the cyan colored box.", COLOUR_RAW, COLOUR_DOM, None, {},
                         [], 0, Config(scale="smoke", html_view="raw"))
    from workbench.papers.webgum.tokens import token_id
    assert token_id("cyan") in set(raw["html"].tolist())
    assert token_id("cyan") not in set(dom_only["html"].tolist())
    assert dom_only["elem_refs"][-2:] == raw["elem_refs"][-2:] == [4, 5]   # the boxes have slots in both views


def test_html_rule_picks_colour_from_raw_markup_not_from_dom_view():
    steps = [{"utterance": "Click on the cyan colored box.", "html": COLOUR_RAW, "dom": COLOUR_DOM,
              "action": "click(ref=4)"}]
    raw = html_rule.episode_picks(steps, lambda s: s["html"])
    dom = html_rule.episode_picks(steps, lambda s: dom_html(s["dom"]))
    assert raw == [1.0]                     # style="background-color: cyan" gives the box away
    assert dom[0] == pytest.approx(1 / 4)   # wrap, area and the two boxes tie: a uniform guess
    assert html_rule.colour_name(250, 10, 10) == "red" and html_rule.colour_name(207, 242, 207) == "green"


def test_html_rule_relates_a_button_to_the_drawn_figure():
    dom = [_el(1, 0, "BODY"), _el(2, 1, "svg", id="area_svg"), _el(3, 2, "text", "y"),
           _el(4, 1, "BUTTON", "Circle"), _el(5, 1, "BUTTON", "Letter")]
    steps = [{"utterance": "Click the button that best describes the figure below.", "html": "", "dom": dom,
              "action": "click(ref=5)"}]
    assert html_rule.episode_picks(steps, lambda s: dom_html(s["dom"])) == [1.0]


def _batch(cfg):
    rng = np.random.default_rng(0)
    ex = data.featurize("Click on the cyan colored box.", COLOUR_RAW, COLOUR_DOM,
                        rng.integers(0, 255, (210, 160, 3), dtype=np.uint8), {}, [], 0, cfg)
    prev = rng.integers(0, 255, (cfg.image_size, cfg.image_size, 3), dtype=np.uint8)
    return data.pack([ex], [prev], cfg)


def test_controls_ignore_what_they_must_not_see():
    cfg = Config(scale="smoke")
    batch = _batch(cfg)
    torch.manual_seed(0)
    blank = WebGUMLite(cfg, "blank-image").eval()
    one = WebGUMLite(cfg, "one-frame").eval()
    other = dict(batch, frames=torch.randint(0, 255, batch["frames"].shape, dtype=torch.uint8),
                 elem_rgb=torch.rand(batch["elem_rgb"].shape), elem_box=torch.rand(batch["elem_box"].shape))
    with torch.no_grad():
        assert torch.equal(blank(batch)["elem"], blank(other)["elem"])          # no pixel, box or colour reaches it
        prev_changed = batch["frames"].clone()
        prev_changed[:, 1] = 255 - prev_changed[:, 1]
        assert torch.equal(one(batch)["elem"], one(dict(batch, frames=prev_changed))["elem"])   # the previous frame is unused
        full = WebGUMLite(cfg, "image+html").eval()
        assert not torch.equal(full(batch)["elem"], full(dict(batch, frames=prev_changed))["elem"])


def test_early_stopping_keeps_the_best_heldout_weights():
    from workbench.papers.webgum.train import fit, heldout_accuracy

    cfg = Config(scale="smoke", max_updates=30, eval_every=5, patience=2, batch_size=4)
    ex = data.Examples()
    for e in range(12):
        target = 4 + e % 2
        steps = [{"utterance": f"Click on the {'cyan' if target == 4 else 'red'} colored box.", "action": target}]
        for s in steps:
            from workbench.web.actions import Action
            item = data.featurize(s["utterance"], COLOUR_RAW, COLOUR_DOM, None, {}, [], 0, cfg,
                                  action=Action.click(s["action"]))
            ex.items.append(item)
            ex.prev.append(-1)
            ex.episode_of.append(("click-color", e))
    f = fit(cfg, ex, ex.subset(8), "html", heldout=ex.heldout(8))
    assert f.stopped in ("patience", "cap") and f.updates <= cfg.max_updates
    held = data.pack_examples(ex, ex.heldout(8), cfg)
    assert heldout_accuracy(f.model, held) == pytest.approx(f.heldout_acc)
    assert f.heldout_acc == max(v for _, v in [(s, m["heldout/acc"]) for s, m in f.history.rows if "heldout/acc" in m])
