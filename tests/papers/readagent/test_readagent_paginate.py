import re

from readagent_fakes import FakeLLM

from workbench.papers.readagent.paginate import (PaginationTrace, chunk_with_labels, labelled_passage, page_of_paragraph,
                                          paginate, paginate_uniform, parse_break)


def paragraphs(n=20, words=100):
    return [" ".join(f"p{i}w{j}" for j in range(words)) for i in range(n)]


def test_labels_start_at_min_words_and_chunk_respects_max_words():
    paras = paragraphs(20, 100)
    # 100-word paragraphs, max 600, min 280: take 6 paragraphs (600 words); running count reaches
    # 280 after the 3rd, so labels sit before paragraphs 3, 4, 5 and after the 6th (<6>).
    stop, labels, words = chunk_with_labels(paras, 0, 600, 280)
    assert (stop, labels, words) == (6, [3, 4, 5, 6], 600)
    text = labelled_passage(paras, 0, stop, labels)
    assert re.findall(r"<(\d+)>", text) == ["3", "4", "5", "6"]
    assert text.index("<3>") > text.index("p2w99") and text.index("<3>") < text.index("p3w0")


def test_llm_path_takes_the_parsed_label():
    paras = paragraphs(20, 100)
    llm = FakeLLM(capable=True, reply=lambda prompt: "A scene ends here.\nBreak point: <4>")
    trace = PaginationTrace()
    pages = paginate(paras, llm, 600, 280, 350, trace=trace)
    assert pages[0].start == 0 and pages[0].end == 4
    assert all(p.words <= 600 for p in pages)
    assert all(p.words >= 280 for p in pages[:-1])
    assert [p.start for p in pages[1:]] == [p.end for p in pages[:-1]]   # pages tile the document
    assert pages[-1].end == 20
    assert not trace.steps[0]["fallback"]


def test_bad_reply_falls_back_to_the_last_label():
    paras = paragraphs(20, 100)
    for reply in ["I cannot decide.", "Break point: <1>", "Break point: <99>", ""]:
        llm = FakeLLM(capable=True, reply=lambda prompt, r=reply: r)
        trace = PaginationTrace()
        pages = paginate(paras, llm, 600, 280, 350, trace=trace)
        assert pages[0].end == 6, reply            # last label <6>: the fullest page
        assert trace.steps[0]["fallback"]


def test_short_rest_is_one_page_without_a_call():
    paras = paragraphs(8, 100)   # 800 words: first page by the model, rest (<350 words) taken whole
    llm = FakeLLM(capable=True, reply=lambda prompt: "Break point: <5>")
    pages = paginate(paras, llm, 600, 280, 350)
    assert [(p.start, p.end) for p in pages] == [(0, 5), (5, 8)]
    assert len(llm.calls) == 1


def test_likelihood_path_breaks_where_the_text_before_predicts_the_text_after_least():
    paras = paragraphs(20, 100)

    def logp(prompt, cont):      # the start of paragraph 4 is unpredictable from paragraph 3's end
        return -5.0 if prompt.startswith("Text: ...p3w") and cont.startswith(" p4w") else -1.0
    llm = FakeLLM(capable=False, logp=logp)
    trace = PaginationTrace()
    pages = paginate(paras, llm, 600, 280, 350, trace=trace)
    assert pages[0].end == 4
    assert trace.steps[0]["labels"] == [3, 4, 5, 6] and "<4> -0.13" in trace.steps[0]["reply"]
    assert all(kind == "score" for kind, _ in llm.calls)
    # every continuity equal: the first label wins (stable), never the document end
    pages = paginate(paragraphs(5, 100), FakeLLM(capable=False), 600, 280, 150)
    assert pages[0].end == 3


def test_parse_break_variants():
    assert parse_break("Break point: <5>", [3, 4, 5]) == 5
    assert parse_break("break point: 4", [3, 4, 5]) == 4
    assert parse_break("Maybe <3>? Break point: <5>\n", [3, 4, 5]) == 5
    assert parse_break("Break point: <7>", [3, 4, 5]) is None
    assert parse_break("<4>", [3, 4, 5]) is None
    assert parse_break("Label: <4>", [3, 4], style="qmsum") == 4


def test_a_huge_paragraph_is_a_page_of_its_own():
    paras = paragraphs(3, 100) + [" ".join(["x"] * 900)] + paragraphs(3, 100)
    llm = FakeLLM(capable=True, reply=lambda prompt: "nonsense")
    pages = paginate(paras, llm, 600, 280, 350)
    assert any((p.start, p.end) == (3, 4) for p in pages)
    assert pages[-1].end == len(paras)


def test_uniform_pagination_and_page_lookup():
    paras = paragraphs(10, 100)
    pages = paginate_uniform(paras, 250)
    assert [(p.start, p.end) for p in pages] == [(0, 3), (3, 6), (6, 9), (9, 10)]
    assert page_of_paragraph(pages, 7) == 2


def test_no_page_is_shorter_than_min_words_but_the_last():
    """A short meeting turn before a long one: the short one is not a page of its own (it was a 3-word
    page); the page runs past max_words instead. Only the document's last page may be short."""
    paras = ["Okay, so, um."] + [" ".join(["y"] * 500)] + paragraphs(4, 100) + ["Right."]
    for capable in (True, False):
        llm = FakeLLM(capable=capable, reply=lambda prompt: "nonsense")
        pages = paginate(paras, llm, 300, 120, 150)
        assert [p.words >= 120 for p in pages[:-1]] == [True] * (len(pages) - 1), [p.words for p in pages]
        assert (pages[0].start, pages[0].end) == (0, 2) and pages[-1].end == len(paras)
    stop, labels, words = chunk_with_labels(paras, 0, 300, 120)
    assert (stop, labels, words) == (2, [2], 503)
