import dataclasses
import re

import pytest
from readagent_fakes import FakeLLM

from workbench.papers.readagent import baselines
from workbench.papers.readagent.config import Config, SCALES
from workbench.papers.readagent.data import NAMES, generate_benchmark
from workbench.papers.readagent.evaluate import train
from workbench.papers.readagent.paginate import Page, page_of_paragraph


def subject(question):
    return question.split(" did ")[1].split()[0]


def oracle_logp(prompt, continuation):
    """A likelihood 'model': the question is likely after text that names its subject."""
    if continuation.startswith(" Where") or continuation.startswith(" To") or continuation.startswith(" What"):
        return 5.0 * (subject(continuation) in prompt)
    return -1.0                                               # pagination: every break alike (first label)


def oracle_pick(prompt, options):
    """Answers right when a sentence of the text names the question's subject and the answer (uniform
    without text)."""
    if prompt.startswith("Question:"):
        return [1.0] * len(options)
    who = subject(prompt.split("Question: ")[1])
    sentences = [x for x in re.split(r"(?<=[.!?])\s", prompt.split("Question:")[0]) if who in x]
    return [5.0 if any(o.removeprefix("Answer: ") in x for x in sentences) else 1.0 for o in options]


def names_gist(prompt):
    """A 'gist' naming each episode's subject and object on the page: enough to find the page, never
    the answer; a page without an episode start gets the list of its people."""
    tales = re.findall(r"This is the tale of ([^.]+)\.", prompt)
    if tales:
        return "The tale of " + "; the tale of ".join(tales) + "."
    return " ".join(sorted(set(re.findall(r"\b[A-Z][a-z]+\b", prompt)) & set(NAMES)))


def oracle():
    return FakeLLM(capable=False, pick=oracle_pick, reply=names_gist, logp=oracle_logp)


def test_tiny_run_records_every_method():
    cfg = dataclasses.replace(Config(), n_docs=2, questions_per_doc=3,
                              methods=("readagent_p", "readagent_s", "gists", "bm25", "full", "uniform_p"))
    run = train(cfg, llm=oracle(), cache=False)
    s = run.summary()
    assert set(s.index) == set(cfg.methods)
    assert s.loc["readagent_p", "evidence_hit"] == 1.0              # the oracle opens the evidence page
    assert s.loc["readagent_p", "accuracy"] == 1.0
    assert s.loc["readagent_s", "evidence_hit"] == 1.0 and s.loc["readagent_s", "lookups"] == 1.0  # then STOP
    assert s.loc["gists", "accuracy"] < 1.0                          # name-list gists hold no answer
    assert s.loc["full", "cr_pct"] == pytest.approx(100 * (1 - cfg.context_words / 1652), abs=5)  # truncated
    assert s.loc["gists", "cr_pct"] > s.loc["readagent_p", "cr_pct"] > 0
    assert (s["cr_pct"] >= 100 * (1 - cfg.context_words / 1600)).all()  # nothing reads more than its context
    m = run.measured()
    assert m["questions"] == 6 and m["pages_per_doc"] >= 2
    assert m["detail_in_gist"] == 0.0
    assert len(run.history) == 3                                     # step 0 + one row per document
    assert set(run.metrics("generated")) >= {"generated/accuracy_readagent_p", "time/wall_s_total",
                                             "time/cpu_s_gist"}
    assert not any(k.startswith("time/cpu_s_wall") for k in run.metrics("generated"))


def test_bm25_and_neural_rank_the_evidence_page_first():
    doc = generate_benchmark(0, 1)[0]
    bounds = doc.sections[::2] + [len(doc.paragraphs)]        # pages of two whole episodes
    pages = [Page(i, a, b, "\n".join(doc.paragraphs[a:b])) for i, (a, b) in enumerate(zip(bounds, bounds[1:]))]
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
        if "shorten" in prompt:                          # gists: words from the middle of the page, never the figure
            words = re.findall(r"word\d+x\d+", prompt)
            topic = " word17x0 talks about the budget" if "budget was fixed" in prompt else ""
            return " ".join(words[len(words) // 3:len(words) // 3 + 25]) + topic + "."
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
    from workbench.papers.readagent.evaluate import sanity_gate

    cfg = scales.resolve("readagent", "smoke")
    llm = get_llm(cfg.llm)   # a repo-relative replay file
    assert llm.capable is False
    docs = data.load_documents(cfg.dataset, cfg.n_docs, cfg.seed, cfg.doc_words, cfg.questions_per_doc)
    assert sanity_gate(llm, docs, cfg.calibrate_answers)["questions"] == sum(len(d.questions) for d in docs)
    run = train(cfg, llm=llm, cache=False)
    assert set(run.summary().index) == set(cfg.methods)


def test_workers_read_the_same_as_one_process():
    """Documents read in two worker processes (each loading the backend from its spec) give the same
    records, in document order, as one process. The smoke replay file covers two documents for this."""
    from workbench import scales
    from workbench.papers.readagent.evaluate import sanity_gate

    cfg = dataclasses.replace(scales.resolve("readagent", "smoke"), workers=1)
    one = train(cfg, cache=False)
    two = train(dataclasses.replace(cfg, n_docs=2, workers=2), cache=False)
    assert list(dict.fromkeys(r["doc_id"] for r in two.records)) == [d.doc_id for d in two.docs]
    first = [r for r in two.records if r["doc_id"] == one.records[0]["doc_id"]]
    assert [(r["method"], r["prediction"], r["opened"]) for r in first] == \
        [(r["method"], r["prediction"], r["opened"]) for r in one.records]
    assert len(two.memories) == 2
    gate = sanity_gate(cfg.llm, two.docs, workers=2)
    assert gate["questions"] == sum(len(d.questions) for d in two.docs)


def write_quality(path):
    """Two lines in the QuALITY v1.0.1 htmlstripped layout: one article, two writers' questions."""
    import json
    paras = [f"Paragraph {i} of the story, line one\nwrapped onto line two. " + " ".join(f"w{i}x{j}" for j in range(80))
             for i in range(12)]
    paras[7] += " The captain kept the map in a blue tin."
    article = "\n\n".join(paras)
    lines = []
    for writer, gold in (("1001", 3), ("1002", 1)):
        lines.append({"article_id": "52995", "set_unique_id": f"52995_{writer}", "batch_num": "22", "writer_id": writer,
                      "source": "Gutenberg", "title": "The Map", "author": "A. Writer", "topic": "", "url": "",
                      "year": "1955", "license": "This etext is in the public domain.", "article": article,
                      "questions": [{"question": "Where did the captain keep the map?", "question_unique_id":
                                     f"52995_{writer}_1", "options": ["a red box", "a drawer", "a blue tin", "a boot"],
                                     "gold_label": gold, "writer_label": gold, "validation": [
                                         {"untimed_annotator_id": "0020", "untimed_answer": gold, "untimed_eval1_answerability": 1,
                                          "untimed_eval2_context": 2, "untimed_best_distractor": 1}],
                                     "speed_validation": [{"speed_annotator_id": "0004", "speed_answer": gold}],
                                     "difficult": 0}]})
    path.write_text("".join(json.dumps(x) + "\n" for x in lines))


def write_qmsum(path):
    """One meeting in the QMSum data/ALL/jsonl layout; the general query is listed first, as in QMSum."""
    import json
    turns = [{"speaker": f"Speaker {i % 3}", "content": " ".join(f"word{i}x{j}" for j in range(60))} for i in range(30)]
    turns[17]["content"] += " The budget was fixed at twelve euros."
    rec = {"topic_list": [{"topic": "Budget", "relevant_text_span": [["15", "19"]]}],
           "general_query_list": [{"query": "Summarize the whole meeting.", "answer": "They discussed a budget."}],
           "specific_query_list": [{"query": "What was the budget fixed at?", "answer": "twelve euros",
                                    "relevant_text_span": [["17", "17"]]}],
           "meeting_transcripts": turns}
    path.write_text(json.dumps(rec) + "\n")


@pytest.mark.parametrize("kind", ["quality", "qmsum"])
@pytest.mark.parametrize("capable", [False, True])
def test_loaded_datasets_run_end_to_end(tmp_path, kind, capable):
    """What the notebook does with `dataset=quality:FILE` / `qmsum:FILE`, on files in the real layouts:
    load, describe the first question, the sanity gate, every method, the metrics it logs."""
    from workbench.papers.readagent import data
    from workbench.papers.readagent.evaluate import describe_question, sanity_gate

    path = tmp_path / f"{kind}.jsonl"
    (write_quality if kind == "quality" else write_qmsum)(path)
    cfg = dataclasses.replace(Config(), dataset=f"{kind}:{path}", n_docs=1, questions_per_doc=2)
    docs = data.load_documents(cfg.dataset, cfg.n_docs, cfg.seed, cfg.doc_words, cfg.questions_per_doc)
    text = describe_question(docs[0], docs[0].questions[0])
    assert ("right: a blue tin" in text) if kind == "quality" else ("reference: twelve euros" in text)
    assert "evidence: not marked" in text if kind == "quality" else "evidence: Speaker 2: word17x0" in text
    reply = (lambda p: "Break point: <3>\nLabel: <3>" if "<N>" in p else "[0]" if "square" in p else "STOP"
             if "'STOP'" in p else "Answer: (C)" if "Answer: (X)" in p else "twelve euros")
    llm = FakeLLM(capable=capable, reply=reply, pick=lambda p, o: [2.0 if "blue tin" in x else 1.0 for x in o])
    gate = sanity_gate(llm, docs)
    assert gate["questions"] == 0 and gate["with_page"] != gate["with_page"]   # no evidence page known: NaN
    run = train(cfg, llm=llm, cache=False)
    floor = {"copy_question"} if kind == "qmsum" else set()      # free-form answers get the copy-the-question floor
    assert set(run.summary().index) == set(cfg.methods) | floor
    metrics = run.metrics(cfg.dataset)
    assert f"{kind}/questions" in metrics and not any(k.startswith("generated/") for k in metrics)
    m = run.measured()
    if kind == "quality":
        assert m["questions"] == 2 and m["accuracy_full"] == 0.5          # gold C for one writer, A for the other
    else:
        assert m["questions"] == 2 and m["rouge1_bm25"] > 0                  # specific query first, then general
        assert run.docs[0].questions[0].evidence == [17]


def test_claims_are_judged_on_paired_bootstraps_over_questions():
    from workbench.papers.readagent.claims import CLAIMS
    from workbench.results import Results, Samples

    cfg = dataclasses.replace(Config(), n_docs=2, questions_per_doc=4, methods=("readagent_p", "gists", "uniform_p"))
    run = train(cfg, llm=oracle(), cache=False)
    measures = run.claim_measures(n=200)
    acc = measures["accuracy_readagent_p"]
    assert isinstance(acc, Samples) and acc.kind == "bootstrap" and acc.point == run.measured()["accuracy_readagent_p"]
    res = Results("readagent", cfg, "cpu")
    judged = {c["id"]: c for c in res.judge(CLAIMS, measures)}
    assert judged["p-beats-gists"]["verdict"] == "holds"             # 8/8 against name-list gists
    assert "bootstrap" in judged["p-beats-gists"]["noise"]["accuracy_readagent_p"]
    assert judged["s-beats-gists"]["verdict"] == "inconclusive"      # S did not run: nothing measured


@pytest.mark.parametrize("kind", ["quality", "qmsum"])
def test_no_claim_fails_for_a_quantity_its_dataset_cannot_have(tmp_path, kind):
    """QMSum answers are free text (no accuracy), QuALITY marks no evidence: those quantities are left
    out of what the run measured, so the claims on them are inconclusive ("not measured"), never fail;
    QMSum's comparisons are judged in ROUGE-L, over a bootstrap of the queries; the copy-the-question
    floor is a row of the table."""
    from workbench.papers.readagent.claims import CLAIMS
    from workbench.results import Results, Samples

    path = tmp_path / f"{kind}.jsonl"
    (write_quality if kind == "quality" else write_qmsum)(path)
    cfg = dataclasses.replace(Config(), dataset=f"{kind}:{path}", n_docs=1)
    llm = FakeLLM(capable=False, reply=lambda p: "the budget was fixed" if "budget" in p else "words",
                  pick=lambda p, o: [2.0 if "blue tin" in x else 1.0 for x in o])
    run = train(cfg, llm=llm, cache=False)
    measures = run.claim_measures(n=100)
    judged = {c["id"]: c for c in Results("readagent", cfg, "cpu").judge(CLAIMS, measures)}
    for c in judged.values():
        assert c["verdict"] != "fails" or "missing" not in c["reason"], c
    absent = ("accuracy" if kind == "qmsum" else "evidence_hit")
    assert not any(k.startswith(absent) for k in run.measured())
    not_measured = {i for i, c in judged.items() if c["reason"].startswith("not measured")}
    if kind == "qmsum":
        assert {"p-beats-gists", "s-beats-gists", "llm-pagination-helps"} <= not_measured
        assert not {"p-beats-gists-rouge", "s-beats-gists-rouge", "lookup-finds-evidence"} & not_measured
        assert isinstance(measures["rougeL_readagent_s"], Samples) and measures["rougeL_readagent_s"].kind == "bootstrap"
        s = run.summary()
        assert s.loc["copy_question", "questions"] == 2 and s.loc["copy_question", "cr_pct"] == 100
        assert 0 <= s.loc["copy_question", "rougeL"] <= 1          # scored like every other answer
    else:
        assert "lookup-finds-evidence" in not_measured and "copy_question" not in run.summary().index
        assert {"p-beats-gists-rouge", "s-beats-gists-rouge"} <= not_measured
        assert not {"p-beats-gists", "compression-ordering"} & not_measured
