from readagent_fakes import FakeLLM

from workbench.papers.readagent import agent
from workbench.papers.readagent.agent import Memory, clean_gist, parse_answer, parse_page_list, parse_sequential
from workbench.papers.readagent.data import Question
from workbench.papers.readagent.paginate import Page


def memory(n=4):
    pages = [Page(i, i, i + 1, f"full text of page {i} " * 10) for i in range(n)]
    return Memory(pages, [f"gist {i}" for i in range(n)])


Q = Question("q", "Where is it?", ["here", "there", "nowhere", "everywhere"], 2)


def test_parse_page_list_on_malformed_replies():
    assert parse_page_list("I want to read [1, 3].", 4, 5) == [1, 3]
    assert parse_page_list("Pages [3,3, 1] please", 4, 5) == [3, 1]          # duplicates dropped
    assert parse_page_list("[0, 7, -1, 2]", 4, 5) == [0, 2]                  # out of range dropped
    assert parse_page_list("[0, 1, 2, 3]", 4, 2) == [0, 1]                   # at most k
    assert parse_page_list("read pages 1 and 2", 4, 5) == []                 # no brackets
    assert parse_page_list("[1, 2", 4, 5) == []                              # unclosed
    assert parse_page_list("I pick (B) [] ok [2]", 4, 5) == []               # first bracket pair is empty
    assert parse_page_list("[page 2, page three]", 4, 5) == [2]


def test_parse_sequential_on_malformed_replies():
    assert parse_sequential("Page 2", 4, []) == 2
    assert parse_sequential("page <3>", 4, []) == 3
    assert parse_sequential("STOP", 4, []) is None
    assert parse_sequential("STOP. Page 2 is not needed", 4, []) is None
    assert parse_sequential("Page 2", 4, [2]) is None                       # already read: stop
    assert parse_sequential("Page 9", 4, []) is None
    assert parse_sequential("I think the answer is B", 4, []) is None


def test_parse_answer():
    assert parse_answer("Answer: (C)", 4) == 2
    assert parse_answer("answer: b", 4) == 1
    assert parse_answer("I think (D) is right", 4) == 3
    assert parse_answer("Answer: (E)", 4) is None
    assert parse_answer("no idea", 4) is None


def test_memory_replaces_gists_in_place():
    m = memory(3)
    ctx = m.context([1])
    assert ctx.index("gist 0") < ctx.index("full text of page 1") < ctx.index("gist 2")
    assert "gist 1" not in ctx
    assert m.context_words([1]) == 2 + 50 + 2


def test_clean_gist():
    assert clean_gist("Shortened passage: Mara hid a key.", "x") == "Mara hid a key."
    assert clean_gist("  ", "First sentence. Second.") == "First sentence."
    assert clean_gist("The passage is:\n\nMara hid\na key.", "x") == "Mara hid a key."
    assert clean_gist("Mara said: go.\nThen left.", "x") == "Mara said: go. Then left."


def test_parallel_both_paths():
    m = memory(4)
    llm = FakeLLM(capable=True, reply=lambda p: "Answer: (C)" if "Answer:" in p and "square" not in p else "I read [2, 0]")
    r = agent.read_parallel(llm, m, Q, k=5, keep_ratio=0.5)
    assert r.opened == [2, 0] and r.prediction == 2
    assert r.context_words == [m.gist_words, m.context_words([0, 2])]
    weights = {"[0]": 1.0, "[1]": 8.0, "[2]": 5.0, "[3]": 3.0, "Answer: (A)": 1, "Answer: (B)": 9,
               "Answer: (C)": 1, "Answer: (D)": 1}
    llm = FakeLLM(capable=False, pick=lambda p, opts: [weights[o] for o in opts])
    r = agent.read_parallel(llm, m, Q, k=5, keep_ratio=0.5)
    assert r.opened == [1, 2] and r.prediction == 1                    # 5 >= 0.5 * 8 > 3
    r = agent.read_parallel(llm, m, Q, k=1, keep_ratio=0.5)
    assert r.opened == [1]


def test_sequential_both_paths():
    m = memory(4)
    replies = iter(["Page 3", "page 1", "STOP", "Answer: (A)"])
    llm = FakeLLM(capable=True, reply=lambda p: next(replies))
    r = agent.read_sequential(llm, m, Q, budget=6)
    assert r.opened == [3, 1] and r.prediction == 0
    seen = []

    def pick(prompt, options):
        seen.append(options)
        return [2.0 if o == "Page 0" else 1.0 for o in options]     # wants page 0, then STOP ties -> first
    llm = FakeLLM(capable=False, pick=pick)
    r = agent.read_sequential(llm, m, Q, budget=3)
    assert r.opened == [0]
    assert seen[0] == ["STOP", "Page 0", "Page 1", "Page 2", "Page 3"]
    assert seen[1] == ["STOP", "Page 1", "Page 2", "Page 3"]          # read pages are not offered again
    llm = FakeLLM(capable=False, pick=lambda p, o: [0.0] + [1.0] * (len(o) - 1))
    r = agent.read_sequential(llm, m, Q, budget=2)
    assert len(r.opened) == 2                                           # budget ends the look-up


def test_unparseable_answer_counts_as_no_prediction():
    llm = FakeLLM(capable=True, reply=lambda p: "hmm")
    pred, reply = agent.answer(llm, "ctx", Q)
    assert pred is None and reply == "hmm"
    free = Question("f", "What happened?", None, None, ["a thing"])
    pred, _ = agent.answer(FakeLLM(capable=False, reply=lambda p: " a thing "), "ctx", free)
    assert pred == "a thing"


def test_calibration_divides_out_the_letter_prior():
    # with the text, (C) is most likely (0.5 vs 0.2/0.1/0.2); with "N/A", (C) is far more likely still
    # (0.7 vs 0.1/0.1/0.1): p / p0 = 2, 1, 0.71, 2 -> calibrated argmax is (A) (first of the tie 2 = 2)
    def pick(prompt, options):
        return [0.1, 0.1, 0.7, 0.1] if "\n\nN/A\n\n" in prompt else [0.2, 0.1, 0.5, 0.2]
    llm = FakeLLM(capable=False, pick=pick)
    assert agent.answer(llm, "some text", Q)[0] == 2
    assert agent.answer(llm, "some text", Q, calibrate=True)[0] == 0
    assert sum("N/A" in p for _, p in llm.calls) == 1
