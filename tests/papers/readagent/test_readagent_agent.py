import math

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


def test_cut_repetition_keeps_the_first_copy_of_a_loop():
    loop = "Mara hid the key. The key was old. " + "The key was old. " * 14
    assert agent.cut_repetition(loop) == "Mara hid the key. The key was old."
    assert agent.cut_repetition("No loop at all here.") == "No loop at all here."
    # a repeated n-gram inside the first sentence keeps the words before it
    assert agent.cut_repetition("one two three four one two three four five") == "one two three four"


def test_gist_length_follows_the_page():
    text = "Mara kept the old key under the floor of the mill for years. "   # 13 words
    short, long = Page(0, 0, 1, text * 4), Page(1, 1, 2, text * 34)
    assert agent.gist_tokens(short, cap=48, ratio=0.15) == 10         # 52 words * 0.15 * 1.3 = 10.1
    assert agent.gist_tokens(long, cap=48, ratio=0.15) == 48          # capped
    budgets = []
    llm = FakeLLM(capable=False)
    loop = "Mara kept the old key under the mill floor for years. " * 3
    llm.generate_batch = lambda prompts, max_new_tokens: budgets.append(max_new_tokens) or [loop] * len(prompts)
    assert agent.gist_pages(llm, [short, long], 48, ratio=0.15) == ["Mara kept the old key under the mill floor for years."] * 2
    assert budgets == [10, 48]


def test_parallel_both_paths():
    m = memory(4)
    llm = FakeLLM(capable=True, reply=lambda p: "Answer: (C)" if "Answer:" in p and "square" not in p else "I read [2, 0]")
    r = agent.read_parallel(llm, m, Q, k=5, keep_ratio=0.5)
    assert r.opened == [2, 0] and r.prediction == 2
    assert r.context_words == [m.gist_words, m.context_words([0, 2])]
    # likelihood: the question's log-likelihood after each gist (baseline: the cue alone, 0)
    gains = {0: math.log(1.0), 1: math.log(8.0), 2: math.log(5.0), 3: math.log(3.0)}

    def logp(prompt, cont):
        for i, g in gains.items():
            if f"Page summary: gist {i}\n" in prompt:
                return g
        return 0.0
    weights = {"Answer: here": 1, "Answer: there": 9, "Answer: nowhere": 1, "Answer: everywhere": 1}
    llm = FakeLLM(capable=False, logp=logp,
                  pick=lambda p, opts: [weights[o] if "full text" in p else 1.0 for o in opts])
    r = agent.read_parallel(llm, m, Q, k=5, keep_ratio=0.5)
    assert r.opened == [1, 2] and r.prediction == 1                    # 5 >= 0.5 * 8 > 3
    assert all(c[1].endswith(agent.QUESTION_CUE) for c in llm.calls if c[0] == "score")
    r = agent.read_parallel(llm, m, Q, k=1, keep_ratio=0.5)
    assert r.opened == [1]
    r = agent.read_parallel(llm, m, Q, k=5, keep_ratio=0.5, context_words=60)
    assert r.opened == [1]                                              # a second page would overflow 60 words


def test_sequential_both_paths():
    m = memory(4)
    replies = iter(["Page 3", "page 1", "STOP", "Answer: (A)"])
    llm = FakeLLM(capable=True, reply=lambda p: next(replies))
    r = agent.read_sequential(llm, m, Q, budget=6)
    assert r.opened == [3, 1] and r.prediction == 0
    # likelihood: only page 0's gist raises the question's likelihood; once page 0 is read nothing does
    llm = FakeLLM(capable=False, logp=lambda p, c: 3.0 if "Page summary: gist 0\n" in p else 0.0)
    r = agent.read_sequential(llm, m, Q, budget=3, stop_margin=1.0)
    assert r.opened == [0]
    assert r.replies[0].startswith("Page 0") and r.replies[1].startswith("STOP")
    second = [p for kind, p in llm.calls if kind == "score" and p.startswith("Page: full text of page 0")]
    assert second and not any("Page summary: gist 0" in p for p in second)   # read pages are not offered again
    llm = FakeLLM(capable=False, logp=lambda p, c: 2.0 * p.count("Page summary"))
    r = agent.read_sequential(llm, m, Q, budget=2, stop_margin=1.0)
    assert len(r.opened) == 2                                           # budget ends the look-up
    r = agent.read_sequential(llm, m, Q, budget=3, stop_margin=5.0)
    assert r.opened == []                                               # no page gains the margin: STOP at once


def test_unparseable_answer_counts_as_no_prediction():
    llm = FakeLLM(capable=True, reply=lambda p: "hmm")
    pred, reply = agent.answer(llm, "ctx", Q)
    assert pred is None and reply == "hmm"
    free = Question("f", "What happened?", None, None, ["a thing"])
    pred, _ = agent.answer(FakeLLM(capable=False, reply=lambda p: " a thing "), "ctx", free)
    assert pred == "a thing"


def test_calibration_subtracts_the_no_text_prior():
    # with the text, "nowhere" is most likely (0.5 vs 0.2/0.1/0.2); with the question alone it is far
    # more likely still (0.7 vs 0.1/0.1/0.1): p / p0 = 2, 1, 0.71, 2 -> calibrated argmax is "here"
    def pick(prompt, options):
        return [0.1, 0.1, 0.7, 0.1] if prompt.startswith("Question:") else [0.2, 0.1, 0.5, 0.2]
    llm = FakeLLM(capable=False, pick=pick)
    assert agent.answer(llm, "some text", Q, calibrate=False)[0] == 2
    assert agent.answer(llm, "some text", Q, calibrate=True)[0] == 0
    assert sum(p == "Question: Where is it?" for _, p in llm.calls) == 1


def test_sequential_first_step_asks_what_parallel_asks():
    """S's first step scores the same prompts as P's look-up, so the reply cache serves it."""
    m = memory()
    for i in range(len(m.pages)):
        assert agent.read_frame(m, [], i) == agent.gist_frame(m.gists[i])
    assert agent.read_frame(m, [], None) == agent.QUESTION_CUE
    later = agent.read_frame(m, [2], 1)
    assert later.startswith("Page: full text of page 2") and later.endswith(agent.gist_frame("gist 1"))


PAGE = ("Project Manager: So the remote control should have a big scroll wheel and a bright yellow case.\n"
        "Marketing: Our survey says people lose their remote, so a beeper that finds it would sell well.\n"
        "Industrial Designer: The case can be rubber, which is cheap, and the battery lasts two years.")


def test_gist_problems_are_detected():
    assert agent.gist_problem("I'm sorry for the confusion. Here is the text.", PAGE) == "meta"
    assert agent.gist_problem("I'm a helpful AI assistant and can shorten texts.", PAGE) == "meta"
    assert agent.gist_problem("The dragon flew over the castle towers at midnight, burning villages.", PAGE) == "off_page"
    assert agent.gist_problem("Project Manager: So the remote control should have a big scroll wheel", PAGE) == "copy"
    assert agent.gist_problem("", PAGE) == "empty"
    assert agent.gist_problem("Marketing: Oh right. Project Manager: Um, a sleek look? Marketing: Right.", PAGE) == "filler"
    assert agent.gist_problem("The team liked the scroll wheel, said Nathan, and the yellow case.", PAGE) == "off_page"
    assert agent.invented_names("The team liked the wheel, said Nathan.", PAGE) == ["Nathan"]
    assert agent.clean_gist("Meeting transcript: Marketing: a beeper.", PAGE) == "Marketing: a beeper."
    good = "The team wants a remote with a scroll wheel, a yellow rubber case and a beeper to find it."
    assert agent.gist_problem(good, PAGE) is None
    assert agent.off_page_share(good, PAGE) < 0.3   # 'team', 'wants' are not on the page


def test_degenerate_gists_are_retried_then_extracted_and_counted():
    pages = [Page(0, 0, 3, PAGE), Page(1, 3, 6, PAGE), Page(2, 6, 9, PAGE)]
    good = "The team wants a remote with a scroll wheel and a yellow rubber case."

    def replies(prompts, max_new_tokens):
        out = []
        for p in prompts:
            retry = p.startswith("Here is")
            out.append(good if retry else "I'm sorry for the confusion, I am an AI assistant.")
        return out

    llm = FakeLLM(capable=False)
    calls = []
    llm.generate_batch = lambda prompts, max_new_tokens: calls.append(len(prompts)) or replies(prompts, max_new_tokens)
    report = agent.GistReport()
    gists = agent.gist_pages(llm, pages, 32, style="qmsum", report=report)
    assert gists == [good] * 3 and report.sources == ["retry"] * 3 and calls == [3, 3]
    counts = report.counts()
    assert counts["gists"] == 3 and counts["gists_retried"] == 3 and counts["gist_replies_meta"] == 3

    # both replies degenerate: the page's own sentences, the longest turns' first sentences
    llm.generate_batch = lambda prompts, max_new_tokens: ["I'm a helpful AI assistant."] * len(prompts)
    report = agent.GistReport()
    gists = agent.gist_pages(llm, pages[:1], 32, style="qmsum", report=report)
    assert report.sources == ["extractive"] and report.problems == [["meta", "meta"]]
    assert all(s in PAGE for s in agent.sentences(gists[0])) and agent.count_words(gists[0]) <= 24
    turns = "A: Okay. Mm. We need a cheap rubber case for the remote.\nB: Yes.\nA: Right."
    assert agent.extractive_gist(Page(0, 0, 3, turns), 10) == "A: We need a cheap rubber case for the remote."
    # a copy of the opening goes to the extract without a second call
    calls.clear()
    llm.generate_batch = lambda prompts, max_new_tokens: calls.append(1) or [PAGE.split("\n")[0]] * len(prompts)
    report = agent.GistReport()
    agent.gist_pages(llm, pages[:1], 32, style="qmsum", report=report)
    assert report.sources == ["extractive"] and report.problems == [["copy"]] and calls == [1]


def test_sequential_reads_a_second_page_when_the_question_needs_it_and_the_context_has_room():
    """The question needs pages 1 and 3: S opens 1, then 3 (page 3 still raises the question's
    likelihood after page 1 is read), then stops. With a context that holds the gists and one page
    only, the second page would overflow and S stops after one."""
    m = memory(4)   # pages of 50 words, gists of 2

    def logp(prompt, continuation):
        return 3.0 * ("gist 1" in prompt or "page 1 " in prompt) + 3.0 * ("gist 3" in prompt or "page 3 " in prompt)
    llm = FakeLLM(capable=False, logp=logp)
    r = agent.read_sequential(llm, m, Q, budget=3, stop_margin=1.0, context_words=120)
    assert sorted(r.opened) == [1, 3] and r.replies[-2].startswith("STOP")
    assert r.context_words == [8, 56, 104, 104]
    r = agent.read_sequential(llm, m, Q, budget=3, stop_margin=1.0, context_words=100)
    assert len(r.opened) == 1 and "overflow the context" in r.replies[1]
