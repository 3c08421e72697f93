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
from workbench.papers.readagent.agent import Memory, Reading
from workbench.papers.readagent.data import Document, Question, evidence_page, load_documents
from workbench.papers.readagent.metrics import (accuracy, chance_hit, compression_rate, evidence_hit, mean_or_nan, rate_answer,
                                         rouge)
from workbench.papers.readagent.paginate import PaginationTrace, page_of_paragraph, paginate, paginate_uniform

PROMPT_VERSION = 3  # bump when a prompt changes: cached memories/readings then miss


@dataclass
class DocMemory:
    memory: Memory
    trace: PaginationTrace
    uniform: Memory | None
    seconds: dict[str, float]
    breaks_at_sections: list[bool] = field(default_factory=list)  # per page break: at an episode start?


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
        """One row per method: accuracy (or ROUGE), CR %, look-ups, evidence-page hit rate vs chance."""
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
            free = [r for r in rs if r["references"]]
            if free:
                row |= rouge([str(r["prediction"] or "") for r in free], [r["references"] for r in free])
                if "lr1" in free[0]:
                    row |= {"lr1": mean(r["lr1"] for r in free), "lr2": mean(r["lr2"] for r in free)}
            rows.append(row)
        return pd.DataFrame(rows).set_index("method")

    def measured(self) -> dict:
        """Flat metrics `<metric>_<method>` for claims and results.json."""
        out = {}
        for m, row in self.summary().iterrows():
            for col in ("accuracy", "cr_pct", "lookups", "evidence_hit", "chance_hit", "rouge1", "rouge2", "rougeL",
                        "lr1", "lr2"):
                if col in row:
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
        return out

    def claim_measures(self, n: int = 1000, seed: int = 0) -> dict:
        """`measured()` with each per-method quantity the claims read (accuracy, cr_pct, evidence_hit,
        chance_hit) as a bootstrap over the questions (`workbench.results.bootstrap`): every method is
        resampled on the same questions (same units, same seed), so comparisons between methods are
        paired. A quantity undefined for this dataset (accuracy on free-form QMSum) stays a plain NaN."""
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
            }
            for name, values in columns.items():
                values = np.asarray(values, dtype=float)
                if np.isfinite(values).any():
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
    memory = Memory(pages, agent.gist_pages(llm, pages, cfg.gist_max_tokens, style, cfg.gist_ratio))
    seconds["gist"] = time.process_time() - t0
    umem = None
    if uniform:
        t0 = time.process_time()
        upages = paginate_uniform(doc.paragraphs, cfg.uniform_words)
        umem = Memory(upages, agent.gist_pages(llm, upages, cfg.gist_max_tokens, style, cfg.gist_ratio))
        seconds["gist_uniform"] = time.process_time() - t0
    aligned = [p.start in doc.sections for p in pages[1:]] if doc.sections else []
    return DocMemory(memory, trace, umem, seconds, aligned)


def read_question(llm, method: str, doc: Document, dm: DocMemory, q, cfg, style: str) -> Reading | None:
    """One method's reading of one question; None when the method does not apply (full text too long)."""
    n, cal, ctx = cfg.answer_max_tokens, cfg.calibrate_answers, cfg.context_words
    mem = dm.memory
    if method == "readagent_p":
        return agent.read_parallel(llm, mem, q, cfg.lookup_k, cfg.lookup_keep_ratio, style, "readagent_p", n, cal, ctx)
    if method == "uniform_p":
        return agent.read_parallel(llm, dm.uniform, q, cfg.lookup_k, cfg.lookup_keep_ratio, style, "uniform_p", n, cal,
                                   ctx)
    if method == "readagent_s":
        return agent.read_sequential(llm, mem, q, cfg.seq_max, style, n, cal, cfg.stop_margin, cfg.seq_candidates, ctx)
    if method == "gists":
        return baselines.read_gists(llm, mem, q, style, n, cal)
    if method in ("bm25", "neural"):
        return baselines.read_retrieved(llm, mem.pages, q, cfg.retrieve_k, method, style, n, cal, ctx)
    if method == "full":
        return baselines.read_full(llm, doc.paragraphs, q, style, n, cal, ctx)
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
    return dict(doc_id=doc.doc_id, qid=q.qid, method=reading.method, prediction=reading.prediction,
                answer=q.answer, references=q.references, correct=(q.answer is not None and reading.prediction == q.answer),
                opened=reading.opened, lookups=n_opened, evidence_pages=evidence_pages, n_pages=len(pages),
                hit=hit if reading.method not in ("gists", "full") else None,
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
                                              "retrieve_k", "context_words", "answer_max_tokens", "calibrate_answers")}
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
        metrics = {f"eval/acc_{m}": row["accuracy"] for m, row in run.summary().iterrows()}
        metrics["time/s"] = time.time() - t_start
        run.history.log(step, metrics)
        progress(step, metrics)
    run.seconds["wall_total"] = time.time() - t_start
    return run
