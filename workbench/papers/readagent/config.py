"""ReadAgent settings. Defaults are the `cpu` scale: the project's generated benchmark read by the
embedded SmolLM2-135M model, sized so the first (uncached) run fits 15 minutes on 2 cores.

No heavy imports here: `workbench list` and parameter validation read this module.
"""
from __future__ import annotations

from dataclasses import dataclass

from workbench.scales import PaperConfig

METHODS = ("readagent_p", "readagent_s", "gists", "bm25", "neural", "full", "uniform_p")


@dataclass(frozen=True)
class Config(PaperConfig):
    # --- model ---
    llm: str = "smollm2"            # workbench.llm spec; "openai:http://host:8000/v1#model" for a capable model
    seed: int = 0                   # benchmark generation and any sampling
    # --- data ---
    dataset: str = "generated"      # "generated" | "quality:<path.jsonl>" | "qmsum:<path.jsonl>"
    n_docs: int = 4                 # documents read (4 x 10 = 40 questions; the committed file holds 10 x 12)
    doc_words: int = 1600           # words per generated document: 12 two-paragraph episodes, one detail each
    questions_per_doc: int = 10     # spread over the document; ~7 likelihood answers each (one per method)
    # --- the reader's working context (the paper's regime: the document does not fit) ---
    context_words: int = 480        # document words the reader may hold at once: gists + looked-up pages,
                                    # retrieved pages, or the truncated full text. Generated documents are
                                    # ~3.5x longer; the 135M model answers reliably only from short texts
    # --- pagination (paper Table 8, QuALITY: 600/280, for an 8K-token model; halved here) ---
    max_words: int = 300            # page at most this many words; one or two episodes of ~140 words
    min_words: int = 120            # labels offered only once a page has this many
    take_rest_words: int = 150      # a final chunk shorter than this is one page, no LLM call (paper's demo: 350)
    uniform_words: int = 210        # uniform-pagination ablation: page length, midpoint of min/max
    # --- gisting ---
    gist_max_tokens: int = 32       # gist length cap (~25 words, the opening of a page when the 135M copies)
    gist_ratio: float = 0.15        # length target: gist tokens ~ ratio x page words x 1.3, capped (0: the cap)
    # --- look-up (paper: QuALITY P 1-5, S <= 6) ---
    lookup_k: int = 2               # ReadAgent-P reads at most k pages, fewer when they overflow context_words
    lookup_keep_ratio: float = 0.5  # likelihood path: keep a page whose prob >= ratio * the top page's
    seq_max: int = 2                # ReadAgent-S reads at most this many pages (paper <= 6)
    stop_margin: float = 1.0        # S stops when no unread page's gist raises the question's log-likelihood
                                    # (nats, summed over its tokens) by this much over the pages already read
    seq_candidates: int = 2         # S's later steps re-score this many best-ranked unread pages (cost)
    retrieve_k: int = 2             # BM25 / neural top-k pages (same budget as ReadAgent-P)
    # --- what runs ---
    methods: tuple[str, ...] = METHODS  # any subset of METHODS
    answer_max_tokens: int = 24     # free-text answers (capable backends, QMSum)
    answer_framing: str = "concise"  # free-form answer prompt: "concise" (the paper's QMSum wording) or
                                    # "from_text" (question first, answer with what the text says)
    calibrate_answers: bool = True  # likelihood path: each option's score minus its score with the question
                                    # alone (no text). Measured, SmolLM2-135M, generated benchmark, evidence
                                    # page in context: 0.92 uncalibrated, 1.00 calibrated (24 questions)
    rate_answers: bool = False      # free-form answers: LLM raters LR-1 (strict) / LR-2 (permissive), paper §4.1
    max_doc_words: int = 0          # truncate loaded documents to this many words (0: no limit)
    # --- compute ---
    workers: int = 2                # documents read in parallel processes, one core and one model copy each
                                    # (the embedded model; 2 threads in one process gain only ~1.25x)

    def check(self):
        self.loadable_llm("llm")
        self.at_least(0, "seed", "max_doc_words", "context_words", "seq_candidates", "stop_margin")
        self.positive("workers")
        kind, _, path = self.dataset.partition(":")
        self.require(self.dataset == "generated" or (kind in ("quality", "qmsum") and path.strip() != ""),
                     f"dataset={self.dataset!r}: use 'generated', 'quality:<path.jsonl>' or 'qmsum:<path.jsonl>'")
        self.positive("n_docs", "doc_words", "questions_per_doc", "max_words", "min_words", "take_rest_words",
                      "uniform_words", "gist_max_tokens", "lookup_k", "seq_max", "retrieve_k", "answer_max_tokens")
        self.require(self.min_words < self.max_words,
                     f"min_words ({self.min_words}) must be below max_words ({self.max_words})")
        self.require(self.take_rest_words <= self.max_words,
                     f"take_rest_words ({self.take_rest_words}) must not exceed max_words ({self.max_words})")
        self.between("lookup_keep_ratio", 0.0, 1.0, open_low=True)
        self.between("gist_ratio", 0.0, 1.0)
        self.require(self.answer_framing in ("concise", "from_text"),
                     f"answer_framing={self.answer_framing!r}: use 'concise' or 'from_text'")
        self.nonempty("methods")
        self.members("methods", METHODS, "method")

SCALES = {
    # plumbing: one short document, two questions, replies recorded from the embedded model (no model
    # load; `-p llm=smollm2` runs the real one); re-record after a prompt change (see tests)
    "smoke": dict(llm="replay:data/readagent/smoke_replies.jsonl", n_docs=1, doc_words=700, questions_per_doc=2,
                  gist_max_tokens=16, lookup_k=1, seq_max=1, retrieve_k=1,
                  methods=("readagent_p", "readagent_s", "gists", "bm25"), workers=1),
    "cpu": {},
    # the paper's QuALITY settings (Table 1/8): needs a capable backend, e.g. -p llm=openai:...
    "paper": dict(n_docs=10, doc_words=3000, questions_per_doc=12, context_words=6000, max_words=600, min_words=280,
                  take_rest_words=350, uniform_words=440, gist_max_tokens=256, gist_ratio=0.0, lookup_k=5,
                  seq_max=6, retrieve_k=4, answer_max_tokens=64),
}

COST = {  # wall time of one run at each scale, as measured
    "smoke": "about 20 s (replayed replies, no model load)",
    "cpu": "about 15 min on 2 nearly quiet cores with an empty cache (916 s)",
    "paper": "not measured: 10 documents x 3,000 words, 120 questions; needs a capable backend (e.g. vLLM)",
}
