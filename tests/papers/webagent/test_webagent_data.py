"""Span corruption statistics on a fixed seed, the tokenizer's round trip, the HTML view."""
import numpy as np
import pytest

from workbench.papers.webagent.data import (clean_html, noise_mask, span_corrupt, span_stats, token_stream,
                                            train_tokenizer)

PAGES = ['<div id="wrap" data-wob_ref="2" data-wob_eps="e0">\n  <div id="query">Click on the "ok" button.</div>\n'
         '  <div id="area" data-wob_ref="3" data-wob_eps="e0"><button style="margin:2px" data-wob_ref="4" '
         'data-wob_eps="e0">ok</button></div>\n</div>',
         '<div id="wrap" data-wob_ref="2"><input type="text" id="tt" data-wob_ref="5"><span>Zoë & “quotes”</span></div>']


def test_clean_html_keeps_refs_drops_noise():
    assert clean_html(PAGES[0]) == ('<div id="wrap" ref=2><div id="query">Click on the "ok" button.</div>'
                                    '<div id="area" ref=3><button ref=4>ok</button></div></div>')


@pytest.mark.parametrize("mean_span, spans, mean", [
    # length 512, density 0.15: round(76.8) = 77 noise tokens in every mask
    (3.0, 26, 77 / 26),    # round(77 / 3) = 26 spans -> mean span 2.96
    (8.0, 10, 7.7),        # round(77 / 8) = 10 spans -> 7.7
    (64.0, 1, 77.0),       # round(77 / 64) = 1 span -> the whole 77 tokens in one span
])
def test_noise_mask_statistics(mean_span, spans, mean):
    rng = np.random.default_rng(0)
    masks = [noise_mask(512, 0.15, mean_span, rng) for _ in range(200)]
    got_mean, rate = span_stats(masks)
    assert rate == pytest.approx(77 / 512)
    assert got_mean == pytest.approx(mean)
    assert all(not m[0] for m in masks)                     # T5 starts every sequence with a kept gap
    edges = [int((np.diff(m.astype(int)) == 1).sum()) for m in masks]
    assert set(edges) == {spans}
    starts = {int(np.argmax(m)) for m in masks}
    # the spans move from mask to mask; one span always ends the row (T5's interleaving: gap, span)
    assert len(starts) > 20 if spans > 1 else starts == {512 - 77}


def test_mixture_mean_span_at_paper_length():
    # 4096 tokens (HTML-T5's input length): 614 noise tokens; mean 64 -> round(614/64) = 10 spans of 61.4
    rng = np.random.default_rng(1)
    mean, rate = span_stats([noise_mask(4096, 0.15, 64.0, rng) for _ in range(20)])
    assert mean == pytest.approx(61.4) and rate == pytest.approx(614 / 4096)


def test_span_corrupt_by_hand():
    ids = [10, 11, 12, 13, 14, 15]
    mask = np.array([0, 1, 1, 0, 1, 0], bool)
    inputs, targets = span_corrupt(ids, mask, sentinels=[100, 101], eos=1)
    assert inputs == [10, 100, 13, 101, 15, 1]
    assert targets == [100, 11, 12, 101, 14, 1]


def test_tokenizer_round_trip_and_specials():
    tok = train_tokenizer([clean_html(p) for p in PAGES] * 5, vocab_size=300, n_sentinels=8)
    assert tok.tok.token_to_id("<pad>") == 0 and tok.eos_id == 1 and len(tok.sentinel_ids) == 8
    for text in [clean_html(p) for p in PAGES] + ['<p ref=99>unseen “text” ∑ 日本</p>', "  spaces\n\tand tabs  "]:
        assert tok.decode(tok.encode(text)) == text
    rows = token_stream(tok, [clean_html(p) for p in PAGES] * 10, 32)
    assert rows.shape[1] == 32 and (rows == tok.eos_id).any()
