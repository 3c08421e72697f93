import json
import re

import pytest

from workbench import WorkbenchError
from workbench.papers.readagent import data
from workbench.papers.readagent.data import Question, count_words, generate_benchmark, load_qmsum, load_quality


def _quality_record(article_id="a1", writer="w1", gold=2):
    return {"article_id": article_id, "set_unique_id": f"{article_id}_{writer}", "batch_num": "1",
            "writer_id": writer, "source": "Gutenberg", "title": "A Tale", "author": "X", "topic": "",
            "url": "", "year": "", "license": "", "article": "First line\nwrapped here.\n\nSecond para.\n\n\nThird.",
            "questions": [{"question": "Who?", "question_unique_id": f"{article_id}_{writer}_1",
                           "options": ["a", "b", "c", "d"], "gold_label": gold, "writer_label": gold,
                           "validation": [], "speed_validation": [], "difficult": 0}]}


def test_quality_loader_merges_writers_and_joins_wrapped_lines(tmp_path):
    path = tmp_path / "q.jsonl"
    path.write_text(json.dumps(_quality_record(writer="w1")) + "\n" + json.dumps(_quality_record(writer="w2", gold=4)) + "\n")
    docs = load_quality(path)
    assert len(docs) == 1                                    # same article_id: paginated once
    assert docs[0].paragraphs == ["First line wrapped here.", "Second para.", "Third."]
    assert [q.answer for q in docs[0].questions] == [1, 3]   # gold_label is 1-indexed


def test_quality_loader_names_the_malformed_line(tmp_path):
    path = tmp_path / "q.jsonl"
    path.write_text(json.dumps(_quality_record()) + "\n{not json\n")
    with pytest.raises(WorkbenchError, match=r"q.jsonl:2: not valid JSON"):
        load_quality(path)
    bad = _quality_record()
    bad["questions"][0]["gold_label"] = 7
    path.write_text(json.dumps(bad) + "\n")
    with pytest.raises(WorkbenchError, match=r"q.jsonl:1: question 0: gold_label 7"):
        load_quality(path)
    del bad["article"]
    path.write_text("\n" + json.dumps(bad) + "\n")
    with pytest.raises(WorkbenchError, match=r"q.jsonl:2: missing field 'article'"):
        load_quality(path)


def test_quality_loader_missing_file(tmp_path):
    with pytest.raises(WorkbenchError, match="no such file"):
        load_quality(tmp_path / "absent.jsonl")


@pytest.mark.parametrize("loader", [load_quality, load_qmsum, data.load_jsonl])
def test_a_dataset_path_that_is_no_jsonl_file_is_one_line_naming_it(tmp_path, loader):
    folder = tmp_path / "QuALITY"
    folder.mkdir()
    empty = tmp_path / "empty.jsonl"
    empty.write_text("")
    blank = tmp_path / "blank.jsonl"
    blank.write_text("\n  \n")
    binary = tmp_path / "dev.jsonl.gz"
    binary.write_bytes(b"\x1f\x8b\x08\x00" + bytes(range(256)))
    latin = tmp_path / "latin.jsonl"
    latin.write_bytes(b'{"title": "caf\xe9"}\n')
    for path, match in [(folder, "QuALITY: is a folder"), (empty, "empty.jsonl: is empty"),
                        (blank, "blank.jsonl: holds no JSON records"), (binary, "dev.jsonl.gz: is a binary file"),
                        (latin, "latin.jsonl:1: not UTF-8")]:
        with pytest.raises(WorkbenchError, match=match) as err:
            loader(path)
        assert "\n" not in str(err.value) and str(path) in str(err.value)
    # through the Config's dataset string too
    with pytest.raises(WorkbenchError, match="is a folder"):
        data.load_documents(f"quality:{folder}", n_docs=1)


def _qmsum_record():
    return {"topic_list": [{"topic": "Budget", "relevant_text_span": [["0", "1"]]}],
            "general_query_list": [{"query": "Summarize the meeting.", "answer": "They set a budget."}],
            "specific_query_list": [{"query": "What about costs?", "answer": "Costs rise.",
                                     "relevant_text_span": [["1", "2"]]}],
            "meeting_transcripts": [{"speaker": "A", "content": "Hello all."}, {"speaker": "B", "content": "Costs rise."},
                                    {"speaker": "A", "content": "Indeed."}]}


def test_qmsum_loader(tmp_path):
    path = tmp_path / "val.jsonl"
    path.write_text(json.dumps(_qmsum_record()) + "\n")
    (doc,) = load_qmsum(path)
    assert doc.paragraphs[1] == "B: Costs rise."
    # specific queries (with evidence spans) first: questions_per_doc keeps the ones look-up is for
    assert [q.references for q in doc.questions] == [["Costs rise."], ["They set a budget."]]
    assert doc.questions[0].evidence == [1, 2] and doc.questions[0].options is None
    assert doc.questions[1].evidence == []
    (doc,) = data.load_documents(f"qmsum:{path}", n_docs=1, questions_per_doc=1)
    assert doc.questions[0].evidence == [1, 2]


def test_qmsum_loader_names_the_malformed_line(tmp_path):
    path = tmp_path / "val.jsonl"
    rec = _qmsum_record()
    rec["meeting_transcripts"][2] = {"speaker": "A"}
    path.write_text(json.dumps(_qmsum_record()) + "\n" + json.dumps(rec) + "\n")
    with pytest.raises(WorkbenchError, match=r"val.jsonl:2: meeting_transcripts\[2\] needs a string 'content'"):
        load_qmsum(path)
    path.write_text("[1, 2]\n")
    with pytest.raises(WorkbenchError, match=r"val.jsonl:1: expected a JSON object"):
        load_qmsum(path)


def test_generated_benchmark_meets_its_design():
    docs = generate_benchmark(seed=0, n_docs=10, words=1600)
    option_words = {w for values in data.KIND_VALUES.values() for v in values for w in v.split() if w != "the"} | {"old"}
    for doc in docs:
        assert doc.words >= 1600 and len(doc.questions) == len(doc.sections) >= 12
        text = "\n".join(doc.paragraphs)
        for q in doc.questions:
            (ev,) = q.evidence
            right = q.options[q.answer]
            assert len(set(q.options)) == 4
            # the detail is stated in exactly one paragraph, late in its episode (the second paragraph)
            subject = q.question.split(" did ")[1].split()[0]
            obj = q.question.split(" the ", 1)[1].rstrip("?")
            stating = [i for i, p in enumerate(doc.paragraphs) if f"{subject} " in p and right in p]
            assert stating == [ev] and ev - 1 in doc.sections, (q.question, stating)
            assert doc.paragraphs[ev].index(right) > len(doc.paragraphs[ev]) // 3
            # the subject and object are named in the episode's first sentence (what a gist keeps)
            first = doc.paragraphs[ev - 1].split(". ")[0]
            assert subject in first and obj in first
            # every option appears in the document (each answers another episode's question)
            assert all(o in text for o in q.options)
        # filler uses no option word: the only option words are in the sentences stating details
        facts = {doc.paragraphs[q.evidence[0]] for q in doc.questions}
        for p in doc.paragraphs:
            sentences = re.split(r"(?<=[.!?]) ", p)
            plain = [x for x in sentences if not any(q.options[q.answer] in x for q in doc.questions)]
            assert not {w.strip(".,\"'") for x in plain for w in x.split()} & option_words, plain
        assert facts


def test_evidence_page_is_the_episode():
    doc = generate_benchmark(0, 1)[0]
    q = doc.questions[3]
    page = data.evidence_page(doc, q)
    assert page == doc.paragraphs[q.evidence[0] - 1] + "\n" + doc.paragraphs[q.evidence[0]]
    assert data.evidence_page(data.Document("d", "t", ["a", "b"], []), Question("x", "?", evidence=[1])) == "b"
    assert data.evidence_page(doc, Question("x", "?")) == ""


def test_generation_is_deterministic_and_matches_the_committed_file():
    assert [d.to_dict() for d in generate_benchmark(3, 2)] == [d.to_dict() for d in generate_benchmark(3, 2)]
    assert generate_benchmark(3, 1)[0].paragraphs != generate_benchmark(4, 1)[0].paragraphs
    committed = data.load_jsonl(data.BENCHMARK_PATH)
    assert [d.to_dict() for d in committed] == [d.to_dict() for d in generate_benchmark(**data.BENCHMARK_SETTINGS)]
    assert data.BENCHMARK_PATH.stat().st_size < 1_000_000
    # the cpu scale reads the committed file: 4 documents x 10 questions spread over each
    docs = data.load_documents("generated", n_docs=4, questions_per_doc=10)
    assert sum(len(d.questions) for d in docs) == 40
    assert docs[0].questions[0].qid != docs[0].questions[1].qid


def test_truncate_keeps_whole_paragraphs_and_drops_questions_beyond():
    doc = generate_benchmark(0, 1)[0]
    short = data.truncate(doc, 1000)
    assert count_words(" ".join(short.paragraphs)) <= 1000
    assert all(q.evidence[0] < len(short.paragraphs) for q in short.questions)
    assert len(short.questions) < len(doc.questions)


def test_transcripts_are_cleaned_as_qmsum_does():
    raw = "Um {vocalsound} so the {disfmarker} the L_C_D_ screen {gap} costs {pause} more . {nonvocalsound}"
    assert data.clean_transcript(raw) == "Um so the the LCD screen costs more."
    assert data.clean_transcript("a_m_i_ and t_v_ { vocalsound } stuff") == "ami and tv stuff"


def test_qmsum_markup_never_reaches_a_paragraph_and_evidence_follows_dropped_turns(tmp_path):
    rec = _qmsum_record()
    rec["meeting_transcripts"].insert(0, {"speaker": "C", "content": "{vocalsound}"})   # a turn of markup only
    rec["meeting_transcripts"][2]["content"] = "Costs {disfmarker} rise {vocalsound} ."
    rec["specific_query_list"][0]["relevant_text_span"] = [["2", "3"]]   # shifted by the inserted turn
    path = tmp_path / "val.jsonl"
    path.write_text(json.dumps(rec) + "\n")
    (doc,) = load_qmsum(path)
    assert doc.paragraphs == ["A: Hello all.", "B: Costs rise.", "A: Indeed."]
    assert doc.questions[0].evidence == [1, 2]
    assert not any("{" in p for p in doc.paragraphs)


HTML = ('<!DOCTYPE html>\n<html><head><title>T</title><style>p {margin: 0}</style></head><body>\n'
        '<h1>THE MAP</h1>\n<p>\n  First line\nwrapped here.\n </p>\n <p>Second &amp; last<br/>line.</p>'
        '<br/><br/>Third.\n</body></html>')


def test_quality_raw_html_forms_are_read(tmp_path):
    """QuALITY publishes the article as HTML (`QuALITY.v1.0.1.dev`: a string; the baseline repository's
    quality_example.jsonl: a list of lines, with numbered question fields) and stripped text."""
    path = tmp_path / "raw.jsonl"
    path.write_text(json.dumps(_quality_record() | {"article": HTML}) + "\n")
    (doc,) = load_quality(path)
    assert doc.paragraphs == ["THE MAP", "First line wrapped here.", "Second & last line.", "Third."]
    numbered = {"article_id": 52845, "title": "T", "article": HTML.splitlines(keepends=True),
                "question1": "Who? ", "question1option1": "a ", "question1option2": "b", "question1option3": "c",
                "question1option4": "d", "question1_gold_label": 3, "question2": "Why?", "question2option1": "x",
                "question2option2": "y"}
    path.write_text(json.dumps(numbered) + "\n")
    (doc,) = load_quality(path)
    assert doc.paragraphs[1] == "First line wrapped here."
    assert [(q.question, q.options, q.answer) for q in doc.questions] == [("Who?", ["a", "b", "c", "d"], 2),
                                                                           ("Why?", ["x", "y"], None)]
    path.write_text(json.dumps(_quality_record() | {"article": {"html": "x"}}) + "\n")
    with pytest.raises(WorkbenchError, match=r"raw.jsonl:1: field 'article' should be .*htmlstripped"):
        load_quality(path)
    path.write_text(json.dumps({"article_id": 1, "article": "text"}) + "\n")
    with pytest.raises(WorkbenchError, match=r"raw.jsonl:1: missing field 'questions'"):
        load_quality(path)
