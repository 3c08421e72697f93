import math

import pytest

from workbench.papers.readagent.metrics import (accuracy, chance_hit, compression_rate, evidence_hit, rate_answer, rouge,
                                         text_compression_rate)
from readagent_fakes import FakeLLM


def test_compression_rate_hand_example():
    # full document 1,000 words; gist memory 150 words; after expanding one 400-word page (replacing a
    # 50-word gist) the context is 150 - 50 + 400 = 500 words. CR uses the longest: 100 * (1 - 500/1000) = 50.
    assert compression_rate([150, 500], 1000) == pytest.approx(50.0)
    assert compression_rate([1000], 1000) == 0.0
    assert text_compression_rate(["a b", "a b c d"], "a b c d e f g h") == pytest.approx(50.0)


def test_accuracy_counts_none_as_wrong():
    assert accuracy([0, None, 2, 1], [0, 1, 2, 3]) == 0.5


def test_chance_hit():
    # 7 pages, 1 evidence page, 2 opened: 1 - C(6,2)/C(7,2) = 1 - 15/21 = 2/7
    assert chance_hit(7, 2, 1) == pytest.approx(2 / 7)
    assert chance_hit(5, 5, 1) == 1.0
    assert math.isnan(chance_hit(5, 1, 0))
    assert evidence_hit([1, 3], [3]) is True and evidence_hit([1], [3]) is False and evidence_hit([1], []) is None


def test_rouge_best_over_references():
    r = rouge(["the cat sat"], [["a dog ran", "the cat sat"]])
    assert r["rouge1"] == pytest.approx(1.0) and r["rougeL"] == pytest.approx(1.0)
    r = rouge(["the cat"], [["the cat sat on the mat"]])
    # unigram P = 2/2, R = 2/6 -> F = 2PR/(P+R) = 0.5; bigram P = 1/1, R = 1/5 -> F = 1/3
    assert r["rouge1"] == pytest.approx(0.5) and r["rouge2"] == pytest.approx(1 / 3)


def test_rater_hook_both_paths():
    llm = FakeLLM(capable=True, reply=lambda p: "YES" if "Reference answer: ok" in p else "NO")
    assert rate_answer(llm, "q", "a", ["bad", "ok"]) is True
    assert rate_answer(llm, "q", "a", ["bad"]) is False
    llm = FakeLLM(capable=False, pick=lambda p, o: [1.0 if x == "Yes, partially" else 0.1 for x in o])
    assert rate_answer(llm, "q", "a", ["x"], strict=False) is True
