"""The whole ReadAgent experiment: read each document once (paginate + gist), then answer every question
with every method on the same pages, and summarise accuracy, CR, look-ups and evidence-page hits.

    run = train(cfg, progress=dash)          # llm from cfg.llm unless given
    run.summary()                            # one row per method
    run.measured()                           # the names claims.py reads

Per-document memories and per-(document, method) readings go through `workbench.cache`, keyed by the
backend, the document's text and every setting that shapes them, so a re-run reuses them.
Phase costs are kept as this process's CPU seconds (`Run.seconds`, and `wall_total`, the one wall-clock
figure): on a shared machine wall time measures the neighbours; with one torch thread, CPU seconds
approximate wall time on idle cores. `Run.timings()` names them for results.json (`time/cpu_s_<phase>`,
`time/wall_s_total`).
"""
from __future__ import annotations

import time
from dataclasses import asdict, dataclass, field
from statistics import mean

from workbench.cache import cached, key_of
from workbench.history import History, no_progress
from workbench.llm import get_llm
from workbench.parallel import map_in_processes
from workbench.papers.readagent import agent, baselines
from workbench.papers.readagent.agent import GistReport, Memory, Reading
from workbench.papers.readagent.data import Document, Question, evidence_page, load_documents
from workbench.papers.readagent.metrics import (ROUGE_KEYS, accuracy, chance_hit, compression_rate, evidence_hit,
                                                mean_or_nan, rate_answer, rouge_one)
from workbench.papers.readagent.paginate import PaginationTrace, page_of_paragraph, paginate, paginate_uniform

PROMPT_VERSION = 4  # bump when a prompt changes: cached memories/readings then miss


@dataclass
class DocMemory:
    memory: Memory
    trace: PaginationTrace
    uniform: Memory | None
    seconds: dict[str, float]
    breaks_at_sections: list[bool] = field(default_factory=list)  # per page break: at an episode start?
    gist_report: GistReport = field(default_factory=GistReport)     # how each gist was obtained
    uniform_gist_report: GistReport | None = None

# The floor for free-form answers: the question itself, copied as the answer (no reading at all).
COPY_QUESTION = "copy_question"


@dataclass
class Run:
    docs: list[Document]
    memories: dict[str, DocMemory]
    records: list[dict]                                 # one per (document, question, method)
    history: History = field(default_factory=History)
    seconds: dict[str, float] = field(default_factory=dict)   # CPU seconds of this process per phase

    def methods(self) -> list[str]:
        return list(dict.fromkeys(r["method"] for r in self.records))

    def summary(self):
        """One row per method: the dataset's own measure (accuracy for multiple choice, ROUGE-1/2/L for
        free-form answers), CR %, look-ups, evidence-page hit rate vs chance. A column a dataset
        cannot have (accuracy on QMSum, evidence hits on QuALITY) is NaN. On free-form datasets the
        `copy_question` row is the floor: the question copied as the answer."""
        import pandas as pd

        rows = []
        for m in self.methods():
            rs = [r for r in self.records if r["method"] == m]
            row = {"method": m, "questions": len(rs), "cr_pct": mean(r["cr"] for r in rs),
                   "lookups": mean(r["lookups"] for r in rs),
                   "evidence_hit": mean_or_nan(r["hit"] for r in rs),
                   "chance_hit": mean_or_nan(r["chance"] for r in rs if r["hit"] is not None)}
            mc = [r for r in rs if r["answer"] is not None]
            row["accuracy"] = accuracy([r["prediction"] for r in mc], [r["answer"] for r in mc]) if mc else float("nan")
            free = [r for r in rs if r.get("rouge")]
            if free:
                row |= {k: mean(r["rouge"][k] for r in free) for k in ROUGE_KEYS}
                if "lr1" in free[0]:
                    row |= {"lr1": mean(r["lr1"] for r in free), "lr2": mean(r["lr2"] for r in free)}
            rows.append(row)
        return pd.DataFrame(rows).set_index("method")

    def measured(self) -> dict:
        """Flat metrics `<metric>_<method>` for claims and results.json. Only what this dataset can
        measure: a quantity it cannot have (accuracy of free-form answers, evidence hits without an
        evidence annotation) is left out, so a claim on it is inconclusive ("not measured")."""
        out = {}
        for m, row in self.summary().iterrows():
            for col in ("accuracy", "cr_pct", "lookups", "evidence_hit", "chance_hit", "rouge1", "rouge2", "rougeL",
                        "lr1", "lr2"):
                if col in row and row[col] == row[col]:   # NaN: not measurable here
                    out[f"{col}_{m}"] = float(row[col])
        out["gist_cr_pct"] = mean(100 * (1 - dm.memory.gist_words / max(1, sum(p.words for p in dm.memory.pages)))
                                  for dm in self.memories.values())
        out["pages_per_doc"] = mean(len(dm.memory.pages) for dm in self.memories.values())
        out["words_per_page"] = mean(p.words for dm in self.memories.values() for p in dm.memory.pages)
        out["pagination_fallbacks"] = sum(s["fallback"] for dm in self.memories.values() for s in dm.trace.steps)
        out["questions"] = len({(r["doc_id"], r["qid"]) for r in self.records})
        details = [r["detail_in_gist"] for r in self.records if r["method"] == self.methods()[0]
                   and r.get("detail_in_gist") is not None]
        out["detail_in_gist"] = mean(details) if details else float("nan")
        aligned = [b for dm in self.memories.values() for b in dm.breaks_at_sections]
        out["breaks_at_sections"] = mean(aligned) if aligned else float("nan")
        out |= self.gist_counts()
        out |= self.sequential_counts()
        return {k: v for k, v in out.items() if v == v}   # NaN: not measurable on this dataset

    def gist_counts(self) -> dict[str, float]:
        """How the gists of the LLM-paginated memories were obtained (`agent.GistReport`): counts, the
        share of first replies that were degenerate, of gists retried and of extractive gists, and
        `gist_degenerate_pct`: the share of the final gists that are degenerate (model-written ones
        that `agent.gist_problem` rejects; extractive ones are the page's own sentences)."""
        total: dict[str, int] = {}
        kept_bad = 0
        for dm in self.memories.values():
            report = dm.gist_report
            for k, v in report.counts().items():
                total[k] = total.get(k, 0) + v
            kept_bad += sum(src != "extractive" and agent.gist_problem(g, p.text) is not None
                            for src, g, p in zip(report.sources, dm.memory.gists, dm.memory.pages))
        n = total.get("gists", 0)
        if not n:
            return {}
        first_bad = sum(1 for dm in self.memories.values() for ps in dm.gist_report.problems if ps)
        return total | {"gist_degenerate_first_pct": 100 * first_bad / n,
                        "gist_retried_pct": 100 * total["gists_retried"] / n,
                        "gist_extractive_pct": 100 * total["gists_extractive"] / n,
                        "gist_degenerate_pct": 100 * kept_bad / n}

    def sequential_counts(self) -> dict[str, float]:
        """ReadAgent-S's look-ups: the share of questions on which it read two pages or more, and on
        which its look-up ended because the next page would overflow the reader's context."""
        rs = [r for r in self.records if r["method"] == "readagent_s"]
        if not rs:
            return {}
        return {"s_multi_page": mean(r["lookups"] >= 2 for r in rs),
                "s_stopped_by_context": mean(any("overflow the context" in x for x in r["replies"]) for r in rs)}

    def claim_measures(self, n: int = 1000, seed: int = 0) -> dict:
        """`measured()` with each per-method quantity the claims read (accuracy, ROUGE, cr_pct,
        evidence_hit, chance_hit) as a bootstrap over the questions (`workbench.results.bootstrap`):
        every method is resampled on the same questions (same units, same seed), so comparisons
        between methods are paired. A quantity this dataset cannot have (accuracy of free-form QMSum
        answers, evidence hits on QuALITY) is absent, as in `measured()`."""
        import numpy as np

        from workbench.results import bootstrap

        out = dict(self.measured())
        keys = list(dict.fromkeys((r["doc_id"], r["qid"]) for r in self.records))
        for m in self.methods():
            by_q = {(r["doc_id"], r["qid"]): r for r in self.records if r["method"] == m}
            if set(by_q) != set(keys):
                continue   # not answered on every question: no paired resample, keep the point values
            rows = [by_q[k] for k in keys]
            columns = {
                "accuracy": [float(r["correct"]) if r["answer"] is not None else np.nan for r in rows],
                "cr_pct": [r["cr"] for r in rows],
                "evidence_hit": [np.nan if r["hit"] is None else float(r["hit"]) for r in rows],
                "chance_hit": [r["chance"] if r["hit"] is not None else np.nan for r in rows],
            } | {k: [r["rouge"][k] if r.get("rouge") else np.nan for r in rows] for k in ROUGE_KEYS}
            for name, values in columns.items():
                # resample the questions that have the quantity (evidence hits: those with an evidence
                # span), so no replicate is left without one; which questions those are depends on the
                # question, not the method, so the methods stay paired
                values = np.asarray(values, dtype=float)
                values = values[np.isfinite(values)]
                if len(values):
                    out[f"{name}_{m}"] = bootstrap(values, _nanmean, n=n, seed=seed)
        return out

    def metrics(self, dataset: str, gate: dict | None = None) -> dict[str, float]:
        """Everything results.json logs: `<dataset>/<measured name>` (generated, quality or qmsum), the
        sanity gate's accuracies when given (`<dataset>/gate_with_page`, `gate_no_page`) and the phase
        costs (`timings`)."""
        prefix = dataset_name(dataset)
        out = {f"{prefix}/{k}": v for k, v in self.measured().items()}
        if gate is not None:
            out |= {f"{prefix}/gate_{k}": gate[k] for k in ("with_page", "no_page", "chance", "questions")}
        return out | self.timings()

    def timings(self) -> dict[str, float]:
        """Phase costs for results.json: CPU seconds of this process per phase, and the wall time."""
        return {("time/wall_s_total" if k == "wall_total" else f"time/cpu_s_{k}"): v for k, v in self.seconds.items()}


def _nanmean(values) -> float:
    """Mean over the defined values of a bootstrap replicate (NaN when none is defined)."""
    import numpy as np

    ok = values[np.isfinite(values)]
    return float(ok.mean()) if len(ok) else float("nan")


def context_room(run: Run, context_words: int, seq_max: int) -> str:
    """One line per document on the reader's context budget (the paper's: gists plus the pages looked up
    must fit): how many words the gists take, how many average pages fit beside them, and whether
    ReadAgent-S can use its `seq_max` pages; when it cannot, the `context_words` that would let it."""
    lines = []
    for doc_id, dm in run.memories.items():
        gist = dm.memory.gist_words
        page = mean(p.words for p in dm.memory.pages)
        fit = max(0, int((context_words - gist) // page)) if context_words else seq_max
        need = int(gist + seq_max * page + 0.5)
        line = (f"{doc_id}: gists {gist} of the {context_words}-word context, pages of {page:.0f} words on average: "
                f"room for {fit} page(s)")
        if context_words and fit < min(seq_max, len(dm.memory.pages)):
            line += f"; ReadAgent-S needs context_words >= {need} to read {seq_max} pages"
        lines.append(line)
    return "\n".join(lines)


def dataset_name(dataset: str) -> str:
    """The prefix of a run's metric names: 'generated', 'quality' or 'qmsum'."""
    return dataset.split(":", 1)[0]


def sanity_gate(llm, docs: list[Document], calibrate: bool = True, workers: int = 1) -> dict:
    """Can the model answer from the evidence page, and not without it? For each multiple-choice
    question with known evidence: the answer (by the method's own answering) with the evidence page
    (`data.evidence_page`: the episode holding the answer) as the whole text, and with no text.
    Returns {'with_page': accuracy, 'no_page': accuracy, 'chance': mean 1/options, 'questions': n,
    'per_question': [(qid, right with page, right with none)]}. No page is scored uncalibrated: the
    calibrated score of every option is 0 there (the model's prior alone decides).
    `llm`: an LLM object, or a backend spec, which lets `workers` > 1 processes share the documents."""
    per_doc: dict[int, list] = {}
    for i, rows in map_in_processes(_gate_rows, docs, workers if isinstance(llm, str) else 1, llm, calibrate):
        per_doc[i] = rows
    rows = [r for i in sorted(per_doc) for r in per_doc[i]]
    n = len(rows)
    return {"with_page": mean(r[1] for r in rows) if n else float("nan"),
            "no_page": mean(r[2] for r in rows) if n else float("nan"),
            "chance": mean(r[3] for r in rows) if n else float("nan"), "questions": n,
            "per_question": [r[:3] for r in rows]}


def _gate_rows(doc: Document, llm_or_spec, calibrate: bool) -> list[tuple]:
    """The sanity gate's rows for one document: (qid, right with the page, right with none, chance)."""
    llm = get_llm(llm_or_spec) if isinstance(llm_or_spec, str) else llm_or_spec
    rows = []
    for q in doc.questions:
        if not (q.options and q.evidence and q.answer is not None):
            continue
        with_page = agent.answer(llm, evidence_page(doc, q), q, calibrate=calibrate)[0] == q.answer
        no_page = agent.answer(llm, "", q, calibrate=False)[0] == q.answer
        rows.append((q.qid, with_page, no_page, 1 / len(q.options)))
    return rows


def describe_question(doc: Document, q: Question, chars: int = 300) -> str:
    """One question for the notebook's first look: text, options and the right one (multiple choice)
    or the reference answers (free form), and the start of its evidence page when known."""
    lines = [f"Q: {q.question}"]
    if q.options:
        lines.append("options: " + " | ".join(q.options))
        lines.append(f"right: {q.options[q.answer]}" if q.answer is not None else "right: (hidden)")
    if q.references:
        lines.append("reference: " + q.references[0][:chars])
    page = evidence_page(doc, q)
    lines.append(f"evidence: {page[:chars]}..." if page else "evidence: not marked in this dataset")
    return "\n".join(lines)


def read_document(llm, doc: Document, cfg, style: str, uniform: bool) -> DocMemory:
    """Pagination (paper §3.1) and gisting (§3.2) of one document; the uniform ablation when asked."""
    seconds = {}
    t0 = time.process_time()
    trace = PaginationTrace()
    pages = paginate(doc.paragraphs, llm, cfg.max_words, cfg.min_words, cfg.take_rest_words, style, trace)
    seconds["paginate"] = time.process_time() - t0
    t0 = time.process_time()
    report = GistReport()
    memory = Memory(pages, agent.gist_pages(llm, pages, cfg.gist_max_tokens, style, cfg.gist_ratio, report))
    seconds["gist"] = time.process_time() - t0
    umem, ureport = None, None
    if uniform:
        t0 = time.process_time()
        upages = paginate_uniform(doc.paragraphs, cfg.uniform_words)
        ureport = GistReport()
        umem = Memory(upages, agent.gist_pages(llm, upages, cfg.gist_max_tokens, style, cfg.gist_ratio, ureport))
        seconds["gist_uniform"] = time.process_time() - t0
    aligned = [p.start in doc.sections for p in pages[1:]] if doc.sections else []
    return DocMemory(memory, trace, umem, seconds, aligned, report, ureport)


def read_question(llm, method: str, doc: Document, dm: DocMemory, q, cfg, style: str) -> Reading | None:
    """One method's reading of one question; None when the method does not apply (full text too long)."""
    n, cal, ctx, fr = cfg.answer_max_tokens, cfg.calibrate_answers, cfg.context_words, cfg.answer_framing
    mem = dm.memory
    if method == "readagent_p":
        return agent.read_parallel(llm, mem, q, cfg.lookup_k, cfg.lookup_keep_ratio, style, "readagent_p", n, cal, ctx,
                                   fr)
    if method == "uniform_p":
        return agent.read_parallel(llm, dm.uniform, q, cfg.lookup_k, cfg.lookup_keep_ratio, style, "uniform_p", n, cal,
                                   ctx, fr)
    if method == "readagent_s":
        return agent.read_sequential(llm, mem, q, cfg.seq_max, style, n, cal, cfg.stop_margin, cfg.seq_candidates, ctx,
                                     fr)
    if method == "gists":
        return baselines.read_gists(llm, mem, q, style, n, cal, fr)
    if method in ("bm25", "neural"):
        return baselines.read_retrieved(llm, mem.pages, q, cfg.retrieve_k, method, style, n, cal, ctx, fr)
    if method == "full":
        return baselines.read_full(llm, doc.paragraphs, q, style, n, cal, ctx, fr)
    raise ValueError(method)


def _detail_in_gist(q: Question, memory: Memory, evidence_pages: list[int]) -> bool | None:
    """Does the right option's text appear in the gist of an evidence page? (the benchmark is built so
    that gists lose the detail; None when unknown)"""
    if not (q.options and q.answer is not None and evidence_pages):
        return None
    right = q.options[q.answer].lower()
    return any(right in memory.gists[i].lower() for i in evidence_pages)


def _record(doc: Document, q, reading: Reading, memory: Memory) -> dict:
    pages = memory.pages
    evidence_pages = sorted({page_of_paragraph(pages, e) for e in q.evidence})
    n_opened = len(reading.opened)
    hit = evidence_hit(reading.opened, evidence_pages) if n_opened else (None if not evidence_pages else False)
    scores = rouge_one(str(reading.prediction or ""), q.references) if q.references else None
    return dict(doc_id=doc.doc_id, qid=q.qid, method=reading.method, prediction=reading.prediction,
                answer=q.answer, references=q.references, correct=(q.answer is not None and reading.prediction == q.answer),
                opened=reading.opened, lookups=n_opened, evidence_pages=evidence_pages, n_pages=len(pages),
                hit=hit if reading.method not in ("gists", "full", COPY_QUESTION) else None, rouge=scores,
                chance=chance_hit(len(pages), n_opened, len(evidence_pages)) if n_opened else float("nan"),
                cr=compression_rate(reading.context_words, doc.words), context_words=reading.context_words,
                replies=reading.replies, detail_in_gist=_detail_in_gist(q, memory, evidence_pages))


def _readings_of(value, doc: Document) -> bool:
    """Is a cached value one Reading (or None) per question of `doc`?"""
    return isinstance(value, list) and len(value) == len(doc.questions) and \
        all(r is None or isinstance(r, Reading) for r in value)


def _read_doc(doc: Document, cfg, llm_or_spec, cache: bool) -> tuple[DocMemory, list[dict], dict[str, float]]:
    """Everything one document needs: its memory (cached), every method's readings (cached) and their
    records, and this process's CPU seconds per phase. Runs in a worker process when `train` has
    several (`llm_or_spec` is then the backend spec and the worker loads its own copy)."""
    llm = get_llm(llm_or_spec) if isinstance(llm_or_spec, str) else llm_or_spec
    style = "qmsum" if cfg.dataset.startswith("qmsum:") else "quality"
    uniform = "uniform_p" in cfg.methods
    mem_keys = {f: getattr(cfg, f) for f in ("max_words", "min_words", "take_rest_words", "uniform_words",
                                             "gist_max_tokens", "gist_ratio")}
    read_keys = {f: getattr(cfg, f) for f in ("lookup_k", "lookup_keep_ratio", "seq_max", "stop_margin", "seq_candidates",
                                              "retrieve_k", "context_words", "answer_max_tokens", "calibrate_answers",
                                              "answer_framing")}
    desc = dict(llm=llm.name, doc=key_of(doc.paragraphs), style=style, uniform=uniform, v=PROMPT_VERSION, **mem_keys)
    dm = cached("readagent/memory", desc, lambda: read_document(llm, doc, cfg, style, uniform), enabled=cache,
                expect=DocMemory)
    seconds = dict(dm.seconds)
    records: list[dict] = []
    for method in cfg.methods:   # in this order: S's first step re-uses P's scores from the reply cache
        t0 = time.process_time()
        rdesc = dict(desc, method=method, questions=[asdict(q) for q in doc.questions], **read_keys)
        readings = cached("readagent/readings", rdesc,
                          lambda: [read_question(llm, method, doc, dm, q, cfg, style) for q in doc.questions],
                          enabled=cache, expect=lambda rs: _readings_of(rs, doc))
        memory = dm.uniform if method == "uniform_p" else dm.memory
        answered = [(q, r) for q, r in zip(doc.questions, readings) if r is not None]
        for q, r in answered:
            rec = _record(doc, q, r, memory)
            if cfg.rate_answers and q.references:  # LR-1 strict YES / LR-2 Yes or partially, best over references
                rec["lr1"] = rate_answer(llm, q.question, str(rec["prediction"]), q.references, strict=True)
                rec["lr2"] = rate_answer(llm, q.question, str(rec["prediction"]), q.references, strict=False)
            records.append(rec)
        seconds[method] = time.process_time() - t0
    for q in doc.questions:   # free-form: the floor, the question copied as the answer (no document text read)
        if q.references:
            records.append(_record(doc, q, Reading(COPY_QUESTION, [], [0], q.question, []), dm.memory))
    return dm, records, seconds


def train(cfg, llm=None, progress=no_progress, cache: bool = True) -> Run:
    """Read `cfg.n_docs` documents and answer their questions with every method in `cfg.methods`.
    progress(step, metrics) is called at step 0 and after each document (step = questions answered).

    `llm`: an LLM object, or a backend spec (default `cfg.llm`). With a spec and `cfg.workers` > 1 the
    documents are read in that many worker processes (`workbench.parallel`), each loading its own
    copy of the model; an LLM object is always used here, in this process. Either way a document's
    work is the same, so the readings do not depend on the number of workers."""
    llm = cfg.llm if llm is None else llm
    docs = load_documents(cfg.dataset, cfg.n_docs, cfg.seed, cfg.doc_words, cfg.questions_per_doc, cfg.max_doc_words)
    run = Run(docs, {}, [])
    progress(0, {})
    run.history.log(0, {})
    workers = cfg.workers if isinstance(llm, str) else 1
    t_start = time.time()
    done: dict[int, tuple[DocMemory, list[dict]]] = {}
    step = 0
    for i, (dm, records, seconds) in map_in_processes(_read_doc, docs, workers, cfg, llm, cache):
        done[i] = (dm, records)
        for k, v in seconds.items():
            run.seconds[k] = run.seconds.get(k, 0.0) + v
        # records in document order, whatever order the workers finish in
        run.memories = {docs[j].doc_id: done[j][0] for j in sorted(done)}
        run.records = [r for j in sorted(done) for r in done[j][1]]
        step += len(docs[i].questions)
        metrics = {f"eval/acc_{m}": row["accuracy"] for m, row in run.summary().iterrows() if row["accuracy"] == row["accuracy"]}
        metrics |= {f"eval/rougeL_{m}": row["rougeL"] for m, row in run.summary().iterrows() if "rougeL" in row}
        metrics["time/s"] = time.time() - t_start
        run.history.log(step, metrics)
        progress(step, metrics)
    run.seconds["wall_total"] = time.time() - t_start
    return run
