import dataclasses
import re

import pytest
from readagent_fakes import FakeLLM

from workbench.papers.readagent import baselines
from workbench.papers.readagent.config import Config, SCALES
from workbench.papers.readagent.data import generate_benchmark
from workbench.papers.readagent.evaluate import train
from workbench.papers.readagent.paginate import page_of_paragraph, paginate_uniform


def oracle_pick(prompt, options):
    """A likelihood 'model' that always breaks at the first label, opens the page whose text holds the
    question's subject, and answers right when the answer is in its context."""
    q = re.search(r"Question: (.*)\n", prompt)
    if options[0].startswith("Break point"):
        return [2.0] + [1.0] * (len(options) - 1)
    subject = q.group(1).split(" did ")[1].split()[0]
    if options[0].startswith("["):
        pages = re.split(r"<Page \d+>", prompt)[1:]
        return [1.0 + 9.0 * (subject in p) for p in pages]
    if options[0] == "STOP":
        return [1.0 if o == "STOP" else 0.5 for o in options]
    opts = re.findall(r"\(([A-D])\) (.*)", prompt)
    context = prompt.split("Question:")[0]
    return [5.0 if f"{subject}" in context and text in context.split(subject, 1)[1][:200] else 1.0
            for _, text in opts]


def names_gist(prompt):
    """A 'gist' listing the names on the page: enough to find the page, never the answer."""
    return " ".join(sorted(set(re.findall(r"\b[A-Z][a-z]+\b", prompt.split("Passage:")[1]))))


def test_tiny_run_records_every_method(monkeypatch):
    cfg = dataclasses.replace(Config(), n_docs=2, doc_words=1500, questions_per_doc=3,
                              methods=("readagent_p", "readagent_s", "gists", "bm25", "full", "uniform_p"))
    llm = FakeLLM(capable=False, pick=oracle_pick, reply=names_gist)
    run = train(cfg, llm=llm, cache=False)
    s = run.summary()
    assert set(s.index) == set(cfg.methods)
    assert s.loc["readagent_p", "evidence_hit"] == 1.0              # the oracle opens the evidence page
    assert s.loc["readagent_p", "accuracy"] == 1.0
    assert s.loc["gists", "accuracy"] < 1.0                          # name-list gists hold no answer
    assert s.loc["full", "cr_pct"] == 0.0
    assert s.loc["gists", "cr_pct"] > s.loc["readagent_p", "cr_pct"] > 0
    assert s.loc["readagent_s", "lookups"] == 0.0                    # the oracle stops at once
    m = run.measured()
    assert m["questions"] == 6 and m["pages_per_doc"] >= 2
    assert len(run.history) == 3                                     # step 0 + one row per document


def test_bm25_and_neural_rank_the_evidence_page_first():
    doc = generate_benchmark(0, 1)[0]
    pages = paginate_uniform(doc.paragraphs, 440)
    for q in doc.questions:
        ev = page_of_paragraph(pages, q.evidence[0])
        assert baselines.bm25_rank(pages, q.question)[0] == ev
    q = doc.questions[0]
    assert page_of_paragraph(pages, q.evidence[0]) in baselines.neural_rank(pages, q.question)[:3]


def test_config_scales_are_valid():
    for scale, over in SCALES.items():
        dataclasses.replace(Config(), **over)
    with pytest.raises(ValueError, match="min_words"):
        Config(min_words=700)
    with pytest.raises(ValueError, match="unknown method"):
        Config(methods=("nope",))


def test_qmsum_free_text_run_with_a_capable_backend(tmp_path):
    import json
    turns = [{"speaker": f"S{i % 3}", "content": " ".join(f"word{i}x{j}" for j in range(60))} for i in range(30)]
    turns[17]["content"] += " The budget was fixed at twelve euros."
    rec = {"topic_list": [{"topic": "Budget"}], "general_query_list": [],
           "specific_query_list": [{"query": "What was the budget fixed at?", "answer": "twelve euros",
                                    "relevant_text_span": [["17", "17"]]}],
           "meeting_transcripts": turns}
    path = tmp_path / "val.jsonl"
    path.write_text(json.dumps(rec) + "\n")

    def reply(prompt):
        if "Label: <N>" in prompt:                       # the QMSum pagination style
            return "A topic ends.\nLabel: " + re.findall(r"<(\d+)>", prompt)[0]
        if "shorten" in prompt:                          # gists keep the topic, never the figure
            return "people talk about the budget." if "budget was fixed" in prompt else "people talk."
        if "square brackets" in prompt:
            pages = re.split(r"<Page (\d+)>", prompt)
            return "Read [" + ", ".join(pages[i] for i in range(1, len(pages), 2) if "budget" in pages[i + 1]) + "]"
        if "Reference answer" in prompt:                 # the LLM rater
            return "YES" if "Proposed answer: twelve euros" in prompt else "NO"
        return "twelve euros" if "budget was fixed" in prompt else "no idea"
    cfg = dataclasses.replace(Config(), dataset=f"qmsum:{path}", n_docs=1, methods=("readagent_p", "gists", "bm25"),
                              rate_answers=True)
    run = train(cfg, llm=FakeLLM(capable=True, reply=reply), cache=False)
    s = run.summary()
    assert s.loc["readagent_p", "rouge1"] == 1.0 and s.loc["gists", "rouge1"] == 0.0
    assert s.loc["readagent_p", "evidence_hit"] == 1.0
    assert run.measured()["rougeL_readagent_p"] == 1.0
    assert s.loc["readagent_p", "lr1"] == 1.0 and s.loc["gists", "lr1"] == 0.0


def test_smoke_replay_file_covers_the_smoke_scale():
    """The smoke scale answers from recorded replies: a prompt change makes this fail (a replay miss);
    re-record with `get_llm("smollm2", record="data/readagent/smoke_replies.jsonl")` on the smoke config."""
    from workbench import scales
    from workbench.llm import get_llm
    from workbench.papers.readagent import data
    from workbench.papers.readagent.evaluate import evidence_check

    cfg = scales.resolve("readagent", "smoke")
    llm = get_llm(cfg.llm)   # a repo-relative replay file
    assert llm.capable is False
    docs = data.load_documents(cfg.dataset, cfg.n_docs, cfg.seed, cfg.doc_words, cfg.questions_per_doc)
    assert len(evidence_check(llm, docs[0], cfg.calibrate_answers)) == len(docs[0].questions)
    run = train(cfg, llm=llm, cache=False)
    assert set(run.summary().index) == set(cfg.methods)
