"""`workbench.llm.decide`: free text for a capable model, likelihood otherwise, in both framings.

The model is the replay backend answering from hand-written reply files, so every score and reply
is known and the expected decision is computed by hand. The real model's candidate-conditional
decision is tested in test_llm_hf.py."""
import json
import math

import pytest

from workbench.llm import Decision, LLMError, decide, get_llm, match_option
from workbench.llm.base import request_key

GEN = {"temperature": 0.0, "seed": 0, "system": None, "chat": True}


def gen_entry(prompt, reply, max_new_tokens=32, stop=(), backend="big"):
    request = {"prompt": prompt, "max_new_tokens": max_new_tokens, "stop": sorted(stop), **GEN}
    return {"key": request_key(backend, "generate", request), "backend": backend, "capable": True,
            "op": "generate", "request": request, "reply": reply}


def score_entry(prompt, scores, continuations, chat=True, backend="small"):
    """scores: (logprob_sum, n_tokens) per continuation."""
    request = {"prompt": prompt, "continuations": list(continuations), "system": None, "chat": chat}
    return {"key": request_key(backend, "score", request), "backend": backend, "capable": False,
            "op": "score", "request": request, "reply": [list(s) for s in scores]}


def replay(tmp_path, name, entries):
    path = tmp_path / name
    path.write_text("".join(json.dumps(e) + "\n" for e in entries))
    return get_llm(f"replay:{path}")


OPTIONS = ["red", "green", "blue"]
FRAMED = ["Colour: red", "Colour: green", "Colour: blue"]


def test_a_small_model_decides_by_the_likelihood_of_each_framed_option(tmp_path):
    # per-token means -2, -1, -3: "green" wins; probabilities are the softmax of the means
    llm = replay(tmp_path, "s.jsonl", [score_entry("Pick a colour.", [(-4, 2), (-2, 2), (-9, 3)], FRAMED)])
    d = decide(llm, "Pick a colour.", OPTIONS, frame=lambda o: f"Colour: {o}")
    z = math.exp(-2) + math.exp(-1) + math.exp(-3)
    assert d == Decision("green", 1, "Colour: green", "likelihood", d.probs, d.scores)
    assert d.probs == pytest.approx([math.exp(-2) / z, math.exp(-1) / z, math.exp(-3) / z])
    # summed log-probs instead: -4, -2, -9
    assert decide(llm, "Pick a colour.", OPTIONS, frame=lambda o: f"Colour: {o}", normalize="sum").value == "green"


def test_a_baseline_prompt_calibrates_the_options(tmp_path):
    # the model prefers "red" everywhere; with the content-free prompt subtracted, "blue" gains the most
    llm = replay(tmp_path, "s.jsonl", [
        score_entry("Sky colour?", [(-1.0, 1), (-3.0, 1), (-1.5, 1)], OPTIONS),
        score_entry("N/A", [(-0.5, 1), (-3.0, 1), (-3.0, 1)], OPTIONS)])
    plain = decide(llm, "Sky colour?", OPTIONS)
    calibrated = decide(llm, "Sky colour?", OPTIONS, baseline="N/A")
    assert plain.value == "red" and calibrated.value == "blue" and calibrated.index == 2
    # by hand: log p - log p0 per option, p the softmax of the scores
    lp = [x - math.log(sum(math.exp(y) for y in (-1.0, -3.0, -1.5))) for x in (-1.0, -3.0, -1.5)]
    lp0 = [x - math.log(sum(math.exp(y) for y in (-0.5, -3.0, -3.0))) for x in (-0.5, -3.0, -3.0)]
    assert calibrated.scores == pytest.approx([a - b for a, b in zip(lp, lp0)])


def test_candidate_conditional_framing_scores_the_target_under_each_candidate(tmp_path):
    pages = ["bread", "ships", "bridges"]
    frame = lambda p: f"Page about {p}. A question it answers:"  # noqa: E731
    target = " What did the baker sell?"
    llm = replay(tmp_path, "s.jsonl", [
        score_entry(frame("bread"), [(-6.0, 6)], [target], chat=False),
        score_entry(frame("ships"), [(-14.0, 6)], [target], chat=False),
        score_entry(frame("bridges"), [(-13.0, 6)], [target], chat=False),
        score_entry("A question it answers:", [(-12.0, 6)], [target], chat=False)])
    d = decide(llm, "", pages, frame=frame, target=target, baseline="A question it answers:", chat=False)
    assert d.value == "bread" and d.reply == "bread" and d.by == "likelihood"
    assert d.scores == pytest.approx([6.0, -2.0, -1.0])  # summed log-probs minus the no-page baseline
    assert [s > 0 for s in d.scores] == [True, False, False]  # only the right page makes the question likelier


def test_several_options_keep_those_near_the_best(tmp_path):
    llm = replay(tmp_path, "s.jsonl", [score_entry("Which pages?", [(-1.0, 1), (-1.2, 1), (-5.0, 1), (-1.1, 1)],
                                                   ["[0]", "[1]", "[2]", "[3]"])])
    d = decide(llm, "Which pages?", range(4), frame=lambda i: f"[{i}]", at_most=2, keep_ratio=0.5)
    assert d.value == [0, 3] and d.index is None  # best first, at most 2, page 2 far below half the best
    assert decide(llm, "Which pages?", range(4), frame=lambda i: f"[{i}]", at_most=4, keep_ratio=0.5).value == [0, 3, 1]


def test_a_capable_model_writes_free_text_that_parse_reads(tmp_path):
    llm = replay(tmp_path, "b.jsonl", [gen_entry("Pick a colour.", " I pick Blue."),
                                       gen_entry("Say a colour, one word.", "green", max_new_tokens=4, stop=["\n"])])
    assert llm.capable
    d = decide(llm, "Pick a colour.", OPTIONS)  # default parse: the option named in the reply
    assert (d.value, d.index, d.reply, d.by, d.probs) == ("blue", 2, " I pick Blue.", "text", None)
    d = decide(llm, "Pick a colour.", OPTIONS, parse=lambda r: "unreadable" if "Blue" in r else None)
    assert d.value == "unreadable" and d.index is None
    d = decide(llm, "never sent", OPTIONS, text_prompt="Say a colour, one word.", max_new_tokens=4, stop=["\n"])
    assert d.value == "green"
    # the same model forced to the likelihood path needs score replies it does not have: a replay miss
    with pytest.raises(LLMError, match="replay miss"):
        decide(llm, "Pick a colour.", OPTIONS, by="likelihood")


def test_no_options_no_call_and_bad_arguments(tmp_path):
    llm = replay(tmp_path, "s.jsonl", [score_entry("x", [(-1, 1)], ["a"])])
    assert decide(llm, "anything", []).value is None  # nothing to choose: no model call (a call would miss)
    assert decide(llm, "anything", [], at_most=2).value == []
    for kw, match in [({"by": "guess"}, "by must be"), ({"at_most": 0}, "at_most"), ({"keep_ratio": 2}, "keep_ratio"),
                      ({"target": "", "normalize": "sum"}, "target"), ({"target": "q", "normalize": "max"}, "normalize")]:
        with pytest.raises(LLMError, match=match):
            decide(llm, "x", ["a"], **kw)


def test_match_option():
    assert match_option(" Blue ", OPTIONS) == "blue"
    assert match_option("green or red?", OPTIONS) == "green"  # the first named
    assert match_option("purple", OPTIONS) is None
    assert match_option("Answer: (B)", [0, 1], frame=lambda i: f"({'AB'[i]})") == 1
