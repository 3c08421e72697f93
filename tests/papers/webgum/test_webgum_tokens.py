"""Tokenisation of instructions and HTML, patches, the action text and span decoding: values worked out
by hand, no browser."""
import numpy as np
import pytest
import torch

from workbench import WorkbenchError
from workbench.web.actions import Action

from workbench.papers.webgum.tokens import (action_from_text, action_to_text, find_span, html_tokens, patch_grid,
                                            patches, span_text, token_id, words)


def test_words_keep_offsets_and_spans_copy_exact_text():
    u = 'Enter "Ann-Marie 42" and press Submit.'
    w = words(u)
    # letters, digits and each other symbol are words: " ann - marie 42 " ...
    assert [x[0] for x in w[:7]] == ["enter", '"', "ann", "-", "marie", "42", '"']
    assert (w[2][1], w[2][2]) == (7, 10)                     # 'Ann' at characters 7..9
    assert find_span(u, w, "Ann-Marie 42") == (2, 5)
    assert span_text(u, w, 2, 5) == "Ann-Marie 42"           # the original case and spacing come back
    assert find_span(u, w, "nn-Marie") is None               # not whole words: cannot be copied
    assert find_span(u, w, "") is None
    with pytest.raises(WorkbenchError):
        span_text(u, w, 5, 2)


def test_token_ids_are_stable_and_shared_between_instruction_and_html():
    assert token_id("submit") == token_id("submit") and 1 <= token_id("submit") < 8192
    assert token_id("submit") != token_id("cancel")
    toks = html_tokens('<button data-wob_ref="7">Submit</button>')
    assert token_id(toks[-1].text) == token_id(words("Submit")[0][0])


def test_html_tokens_tie_each_token_to_its_element_and_drop_data_attributes():
    html = ('<div id="wrap" data-wob_ref="2"><div class="color" data-color="cyan" style="background-color: cyan;" '
            'data-wob_ref="4"></div><p>Hi <b data-wob_ref="6">Bob</b> there<br>x</p>'
            '<svg data-wob_ref="8"><path d="M1,2L3,4" fill="red" data-wob_ref="9"></path></svg></div>')
    toks = [(t.text, t.ref, t.kind) for t in html_tokens(html)]
    assert toks[:3] == [("<div", 2, "tag"), ("@id", 2, "attr"), ("wrap", 2, "value")]
    # data-color (the answer) and data-wob_ref are dropped; the style's colour stays
    assert ("<div", 4, "tag") in toks and not any("data" in t[0] for t in toks)
    assert [t for t in toks if t[1] == 4] == [("<div", 4, "tag"), ("@class", 4, "attr"), ("color", 4, "value"),
                                             ("@style", 4, "attr"), ("background", 4, "value"), ("-", 4, "value"),
                                             ("color", 4, "value"), (":", 4, "value"), ("cyan", 4, "value"),
                                             (";", 4, "value")]
    # an unnumbered <p> belongs to its numbered parent; text after </b> goes back to it; <br> is void
    assert ("hi", 2, "text") in toks and ("bob", 6, "text") in toks and ("there", 2, "text") in toks
    assert ("x", 2, "text") in toks
    # SVG path data is dropped, its fill kept
    assert [t for t in toks if t[1] == 9] == [("<path", 9, "tag"), ("@fill", 9, "attr"), ("red", 9, "value")]
    assert html_tokens("<div><<p data-wob_ref='x'>") is not None     # malformed: no exception


def test_patches_are_row_major_and_match_the_models_patch_tokens():
    img = np.arange(4 * 4 * 3).reshape(4, 4, 3)
    p = patches(img, 2)
    assert p.shape == (4, 12)
    # patch 0 = pixels (0,0) (0,1) (1,0) (1,1); pixel (y, x) holds 3 * (4y + x) .. +2
    assert p[0].tolist() == [0, 1, 2, 3, 4, 5, 12, 13, 14, 15, 16, 17]
    assert p[1, :3].tolist() == [6, 7, 8]                   # patch 1 starts at pixel (0, 2)
    assert p[2, :3].tolist() == [24, 25, 26]                # patch 2 starts at pixel (2, 0)
    assert patch_grid(80, 16) == 5
    with pytest.raises(WorkbenchError):
        patch_grid(80, 12)
    from workbench.papers.webgum.config import Config
    from workbench.papers.webgum.model import WebGUMLite
    m = WebGUMLite(Config(image_size=8, patch=4, d_model=16, heads=2, layers=1))
    frames = torch.rand(2, 2, 8, 8, 3)
    got = m.patch_tokens(frames)
    assert got.shape == (2, 2, 4, 48)
    assert torch.equal(got[1, 0], torch.from_numpy(patches(frames[1, 0].numpy(), 4)))


@pytest.mark.parametrize("action", [Action.click(5), Action.type(12, 'say "hi", Zoë'), Action.type(3, "")])
def test_action_text_round_trip(action):
    text = action_to_text(action)
    assert action_from_text(text) == action
    assert text.startswith('{"action": "' + action.kind + '", "ref": ')


@pytest.mark.parametrize("bad", ["click(ref=5)", '{"action": "scroll", "ref": 1}', '{"action": "click"}',
                                 '{"action": "click", "ref": "5"}', '{"action": "type", "ref": 1}',
                                 '{"action": "click", "ref": 1, "text": "x"}', "[1, 2]", ""])
def test_malformed_action_text_is_one_clear_error(bad):
    with pytest.raises(WorkbenchError, match="action text|click|type"):
        action_from_text(bad)


def test_only_click_and_type_have_a_text_form():
    with pytest.raises(WorkbenchError, match="click and type"):
        action_to_text(Action.press_key("<Enter>"))


def test_decode_span_takes_the_best_ordered_pair():
    from workbench.papers.webgum.train import decode_span
    s = torch.tensor([-5.0, 5.0, 1.0, 0.0])
    e = torch.tensor([9.0, 0.0, 3.0, 2.0])
    # (1, 0) would score 5 + 9 = 14 but ends before it starts; ordered pairs: (1, 2) = 5 + 3 = 8 is best,
    # ahead of (1, 3) = 7, (1, 1) = 5, (0, 0) = 4
    assert decode_span(s, e) == (1, 2)
    assert decode_span(s, e, max_len=1) == (1, 1)   # one-word spans only: (1,1)=5 > (0,0)=4, (2,2)=4 > (3,3)=2
