"""Featurisation, the model's variants and a tiny behaviour cloning on hand-built pages: the loss falls,
the exact action is learnt, and only a model with the image solves a task told apart by colour alone.
No browser."""
import random
from dataclasses import replace

import numpy as np
import pytest
import torch

from workbench import WorkbenchError
from workbench.web.actions import Action
from workbench.web.observation import Element

from workbench.papers.webgum import data
from workbench.papers.webgum.config import Config
from workbench.papers.webgum.model import WebGUMLite, loss_fn
from workbench.papers.webgum.train import fit

TINY = Config(scale="smoke", tasks=("click-button",), saliency_task="click-button", image_size=16, patch=8,
              d_model=32, heads=2, layers=1, batch_size=16, train_steps=120, log_every=20, lr=3e-3,
              max_html_tokens=64, scaling_episodes=(1,), demo_episodes=2)
VOCAB = [a + b for a in ("ka", "lo", "mi", "nu", "po", "ri") for b in ("da", "fe", "gi", "ho", "ju")]  # letters only: one word each
COLOURS = {"red": (255, 0, 0), "green": (0, 160, 0), "blue": (0, 0, 255)}
REGIONS = {"wrap": (0, 0, 160, 210), "query": (0, 0, 160, 50), "area": (0, 50, 160, 210)}


def page(rng, kind):
    """(utterance, html, dom, screenshot, action) for three boxes in a row: `text` = click the box whose
    label is quoted, `colour` = click the box of a named colour (the HTML says nothing about colour),
    `type` = type the quoted word into the input."""
    labels, colours = rng.sample(VOCAB, 3), rng.sample(list(COLOURS), 3)
    t = rng.randrange(3)
    shot = np.full((210, 160, 3), 255, np.uint8)
    dom = [Element(2, 0, "DIV", "", None, "wrap", "", 0, 0, 160, 210, False, 1).to_dict()]
    html = '<div id="wrap" data-wob_ref="2">'
    for i in range(3):
        ref, x = 4 + i, 10 + 50 * i
        tag = "INPUT_text" if kind == "type" else "BUTTON"
        label = labels[i] if kind == "text" else ""   # MiniWoB's DOM gives an <input> no text of its own
        dom.append(Element(ref, 2, tag, label, None, "", "", x, 100, 40, 40, False, 2).to_dict())
        shot[100:140, x:x + 40] = COLOURS[colours[i]]
        html += (f'<input type="text" data-wob_ref="{ref}">' if kind == "type"
                 else f'<button data-wob_ref="{ref}">{label}</button>')
    html += "</div>"
    if kind == "text":
        return f'Click the "{labels[t]}" button.', html, dom, shot, Action.click(4 + t)
    if kind == "colour":
        return f"Click the {colours[t]} box.", html, dom, shot, Action.click(4 + t)
    word = rng.choice(VOCAB)
    return f'Enter "{word}" into box {t + 1}.', html, dom, shot, Action.type(4 + t, word)


def examples(kinds, n, seed=0):
    rng, ex = random.Random(seed), data.Examples()
    for k in range(n):
        u, html, dom, shot, action = page(rng, kinds[k % len(kinds)])
        item = data.featurize(u, html, dom, shot, REGIONS, [], 0, TINY, action=action)
        assert item is not None
        ex.items.append(item)
        ex.prev.append(-1)
        ex.episode_of.append(("synthetic", k))
    return ex


def exact_acc(model, ex):
    with torch.no_grad():
        return loss_fn(model, data.pack_examples(ex, list(range(len(ex.items))), TINY))[1]["acc"]


def test_featurize_labels_boxes_history_and_overlap():
    u, html, dom, shot, _ = page(random.Random(1), "type")
    x = data.featurize(u, html, dom, shot, REGIONS, [5, 5, 6], 2, TINY, action=Action.type(5, u.split('"')[1]))
    assert x["elem_refs"] == [2, 4, 5, 6] and x["kind"] == 1 and x["elem"] == 2
    assert data.KINDS[x["kind"]] == "type"
    start, end = x["span"]
    assert u[x["instr_words"][start][1]:x["instr_words"][end][2]] == u.split('"')[1]
    assert x["elem_hist"].tolist() == [0, 0, 2, 1]                 # acted on ref 5 twice, ref 6 once
    # box of ref 4 in the task-area crop: x 10..50 of 160, y (100-50)..(140-50) of 160
    assert np.allclose(x["elem_box"][1], [10 / 160, 50 / 160, 50 / 160, 90 / 160])
    assert x["frame"].shape == (16, 16, 3) and x["step"] == 2
    t = page(random.Random(2), "text")
    y = data.featurize(t[0], t[1], t[2], t[3], REGIONS, [], 0, TINY, action=t[4])
    assert y["elem_match"][y["elem"]].tolist() == [1.0, 1.0]         # the quoted label is the element's text
    assert sorted(y["elem_match"][:, 1].tolist()) == [0.0, 0.0, 0.0, 1.0]
    # a colour box's mean pixel is its colour
    c = page(random.Random(3), "colour")
    z = data.featurize(*c[:4], REGIONS, [], 0, TINY)
    got = sorted(z["elem_rgb"][i, :3].tolist() for i in (1, 2, 3))
    assert np.allclose(got, sorted((np.array(v) / 255).tolist() for v in COLOURS.values()), atol=0.01)
    assert np.allclose(z["elem_rgb"][1:, 3:], 0, atol=0.01)          # flat colour: no spread
    # an action the model cannot express has no label
    assert data.featurize(u, html, dom, shot, REGIONS, [], 0, TINY, action=Action.click(99)) is None
    assert data.featurize(u, html, dom, shot, REGIONS, [], 0, TINY, action=Action.type(4, "not in it")) is None


def test_variants_drop_their_modality():
    ex = examples(["text", "colour"], 4)
    batch = data.pack_examples(ex, [0, 1, 2, 3], TINY)
    other = dict(batch, frames=torch.randint(0, 255, batch["frames"].shape, dtype=torch.uint8),
                 elem_rgb=torch.rand(batch["elem_rgb"].shape), elem_box=torch.rand(batch["elem_box"].shape))
    no_html = dict(batch, html=torch.randint(1, 8000, batch["html"].shape), elem_match=torch.rand(batch["elem_match"].shape))
    torch.manual_seed(0)
    html_only, image_only, both = (WebGUMLite(TINY, v).eval() for v in ("html", "image", "image+html"))
    with torch.no_grad():
        assert torch.allclose(html_only(batch)["elem"], html_only(other)["elem"])
        assert torch.allclose(image_only(batch)["elem"], image_only(no_html)["elem"])
        assert not torch.allclose(both(batch)["elem"], both(other)["elem"])
        assert not torch.allclose(both(batch)["elem"], both(no_html)["elem"])


def test_tiny_training_lowers_loss_and_learns_clicks_and_typing():
    ex = examples(["text", "type"], 96)
    run = fit(TINY, ex, list(range(len(ex.items))), "image+html")
    _, loss = run.history.series("train/loss")
    assert loss[-1] < 0.3 * loss[0]
    held_out = examples(["text", "type"], 48, seed=1)              # new words: it must match, not memorise
    assert exact_acc(run.model, held_out) >= 0.8
    assert run.samples_per_s > 0 and run.n_steps == 96


def test_only_a_model_with_the_image_solves_a_colour_task():
    cfg = replace(TINY, train_steps=100)
    ex, held_out = examples(["colour"], 96), examples(["colour"], 60, seed=1)
    idx = list(range(len(ex.items)))
    with_image = fit(cfg, ex, idx, "image+html").model
    html_only = fit(cfg, ex, idx, "html").model
    assert exact_acc(with_image, held_out) >= 0.9
    assert exact_acc(html_only, held_out) <= 0.6                  # chance is 1/3: the HTML has no colour


def test_fit_refuses_an_empty_set_and_config_refuses_bad_values():
    with pytest.raises(WorkbenchError):
        fit(TINY, data.Examples(), [], "html")
    from workbench.scales import resolve
    for bad in ({"patch": 12}, {"tasks": ("fly-to-moon",)}, {"scaling_episodes": (100,)},
                {"scaling_episodes": (30, 10)}, {"variants": ("pixels",)}, {"saliency_task": "login-user",
                                                                              "tasks": ("click-button",)},
                {"d_model": 30}, {"frames": 3}, {"eval_episodes": 0}):
        with pytest.raises((WorkbenchError, ValueError)):
            resolve("webgum", "cpu", bad)
