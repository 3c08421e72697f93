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
    n_docs: int = 3                 # documents read; every likelihood choice re-reads its whole prompt per option
    doc_words: int = 1500           # words per generated document; the benchmark (paper scale) uses 3,000
    questions_per_doc: int = 4      # ~30 CPU s per question for the 7 methods with the 135M model (measured)
    # --- pagination (paper Table 8, QuALITY) ---
    max_words: int = 600            # page at most this many words (paper: QuALITY/QMSum 600)
    min_words: int = 280            # labels offered only once a page has this many (paper: 280)
    take_rest_words: int = 350      # a final chunk shorter than this is one page, no LLM call (paper's demo)
    uniform_words: int = 440        # uniform-pagination ablation: page length, midpoint of min/max
    # --- gisting ---
    gist_max_tokens: int = 48       # gist length cap; paper gists ~ 1/6 of the page, 135M decodes ~10 tok/s
    # --- look-up (paper: QuALITY P 1-5, S <= 6) ---
    lookup_k: int = 2               # ReadAgent-P reads at most k pages; pages are ~7 per document here
    lookup_keep_ratio: float = 0.5  # likelihood path: keep a page whose prob >= ratio * the top page's
    seq_max: int = 2                # ReadAgent-S reads at most this many pages (paper <= 6); S is the costliest
    retrieve_k: int = 2             # BM25 / neural top-k pages (same budget as ReadAgent-P)
    full_max_words: int = 5000      # full-text baseline only when the document fits (8K-token context)
    # --- what runs ---
    methods: tuple[str, ...] = METHODS  # any subset of METHODS
    answer_max_tokens: int = 24     # free-text answers (capable backends, QMSum)
    calibrate_answers: bool = False # likelihood path: divide out the option-letter prior measured with the text
                                    # replaced by "N/A" (Zhao et al. 2021; a departure). Measured at cpu scale:
                                    # uncalibrated SmolLM2 gives one letter to nearly every question (all
                                    # methods 33%); calibrated it is no better (8-17%), so the paper's setting stays
    rate_answers: bool = False      # free-form answers: LLM raters LR-1 (strict) / LR-2 (permissive), paper §4.1
    max_doc_words: int = 0          # truncate loaded documents to this many words (0: no limit)

    def check(self):
        self.llm_kind("llm")
        self.at_least(0, "seed", "max_doc_words")
        kind, _, path = self.dataset.partition(":")
        self.require(self.dataset == "generated" or (kind in ("quality", "qmsum") and path.strip() != ""),
                     f"dataset={self.dataset!r}: use 'generated', 'quality:<path.jsonl>' or 'qmsum:<path.jsonl>'")
        self.positive("n_docs", "doc_words", "questions_per_doc", "max_words", "min_words", "take_rest_words",
                      "uniform_words", "gist_max_tokens", "lookup_k", "seq_max", "retrieve_k", "full_max_words",
                      "answer_max_tokens")
        self.require(self.min_words < self.max_words,
                     f"min_words ({self.min_words}) must be below max_words ({self.max_words})")
        self.require(self.take_rest_words <= self.max_words,
                     f"take_rest_words ({self.take_rest_words}) must not exceed max_words ({self.max_words})")
        self.between("lookup_keep_ratio", 0.0, 1.0, open_low=True)
        self.nonempty("methods")
        self.members("methods", METHODS, "method")

SCALES = {
    # plumbing: one short document, two questions, replies recorded from the embedded model (no model
    # load; `-p llm=smollm2` runs the real one); re-record after a prompt change (see tests)
    "smoke": dict(llm="replay:data/readagent/smoke_replies.jsonl", n_docs=1, doc_words=700, questions_per_doc=2,
                  max_words=300, min_words=140, take_rest_words=120, uniform_words=220, gist_max_tokens=16, lookup_k=1, seq_max=1,
                  retrieve_k=1, methods=("readagent_p", "readagent_s", "gists", "bm25")),
    "cpu": {},
    # the paper's QuALITY settings (Table 1/8): needs a capable backend, e.g. -p llm=openai:...
    "paper": dict(n_docs=10, doc_words=3000, questions_per_doc=6, gist_max_tokens=256, lookup_k=5, seq_max=6,
                  retrieve_k=4, full_max_words=6000, answer_max_tokens=64),
}

COST = {
    "smoke": "~20 s (replayed replies, no model load); ~25 CPU s + model load with -p llm=smollm2",
    "cpu": "first run 11.4 min wall / 447 CPU s on the shared 2-core machine (load ~5; 1 torch thread); "
           "~30 s with the caches (3 documents x 1,500 words, 12 questions, 7 methods)",
    "paper": "10 documents x 3,000 words, 60 questions, capable backend (e.g. a vLLM server); not measured",
}
