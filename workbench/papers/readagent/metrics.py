"""Metrics (paper §4.1): accuracy, ROUGE-1/2/L, compression rate, look-ups, evidence-page hits, LLM rater.

Compression rate (paper §4.1): CR = 100 * (1 - words(in-context text) / words(full context)), where the
in-context text is the LONGEST document-derived text the model saw over all steps of answering one
question (for ReadAgent that is the gist memory with the looked-up pages expanded; for retrieval the
retrieved pages; for full text, the document: CR 0). We count the words of document text only
(gists and pages), not page tags, instructions, the question or options: the paper is silent on
these, and counting them would make full text's CR negative.
"""
from __future__ import annotations

from math import comb
from statistics import mean

from workbench.papers.readagent.data import count_words


def accuracy(predictions: list[int | None], answers: list[int]) -> float:
    """Fraction right; an unparseable answer (None) counts as wrong (paper's demo)."""
    if not answers:
        return float("nan")
    return sum(p is not None and p == a for p, a in zip(predictions, answers)) / len(answers)


def compression_rate(context_words: list[int], full_words: int) -> float:
    """CR in percent from the word counts of the in-context text at each step (the longest is used)."""
    if full_words <= 0:
        raise ValueError("full context has no words")
    return 100.0 * (1.0 - max(context_words) / full_words)


def text_compression_rate(contexts: list[str], full_text: str) -> float:
    return compression_rate([count_words(c) for c in contexts], count_words(full_text))


ROUGE_KEYS = ("rouge1", "rouge2", "rougeL")


def rouge_one(prediction: str, references: list[str]) -> dict[str, float]:
    """ROUGE-1/2/L F1 of one answer (rouge-score, stemming on), the best over its references (0 when
    there is none)."""
    from rouge_score import rouge_scorer

    scorer = rouge_scorer.RougeScorer(list(ROUGE_KEYS), use_stemmer=True)
    scores = [scorer.score(ref, prediction or "") for ref in references]
    return {k: max((s[k].fmeasure for s in scores), default=0.0) for k in ROUGE_KEYS}


def rouge(predictions: list[str], references: list[list[str]]) -> dict[str, float]:
    """Mean ROUGE-1/2/L F1 over questions (`rouge_one` per question)."""
    per = [rouge_one(p, refs) for p, refs in zip(predictions, references)]
    return {k: (mean(x[k] for x in per) if per else float("nan")) for k in ROUGE_KEYS}


def evidence_hit(opened: list[int], evidence_pages: list[int]) -> bool | None:
    """Did the look-up open a page that holds the answer? None when the evidence is unknown."""
    if not evidence_pages:
        return None
    return bool(set(opened) & set(evidence_pages))


def chance_hit(n_pages: int, n_opened: int, n_evidence: int) -> float:
    """Probability that `n_opened` pages drawn uniformly without replacement from `n_pages` include at
    least one of `n_evidence` evidence pages: 1 - C(n - e, m) / C(n, m)."""
    if n_evidence <= 0 or n_pages <= 0:
        return float("nan")
    m = min(n_opened, n_pages)
    return 1.0 - comb(n_pages - n_evidence, m) / comb(n_pages, m)


def rater_prompt(question: str, answer: str, reference: str, strict: bool) -> str:
    """LLM rater (paper §4.1, LR-1 strict / LR-2 permissive), our own wording."""
    if strict:
        return (f"Question: {question}\nReference answer: {reference}\nProposed answer: {answer}\n\n"
                "Does the proposed answer agree with the reference answer? Reply YES or NO.")
    return (f"Question: {question}\nReference answer: {reference}\nProposed answer: {answer}\n\n"
            "Is the proposed answer correct, at least in part? Reply 'Yes', 'Yes, partially' or 'No'.")


def rate_answer(llm, question: str, answer: str, references: list[str], strict: bool = True) -> bool:
    """One rater verdict, best over references. Strict: YES counts (LR-1); permissive: Yes or
    'Yes, partially' count (LR-2). A likelihood choice for non-capable models, else parsed text."""
    from workbench.llm import decide

    options = ["YES", "NO"] if strict else ["Yes", "Yes, partially", "No"]
    for ref in references:
        d = decide(llm, rater_prompt(question, answer, ref, strict), options, max_new_tokens=8,
                   parse=lambda reply: options[0] if reply.strip().lower().startswith("yes") else options[-1])
        if d.value.lower().startswith("yes"):
            return True
    return False


def mean_or_nan(values) -> float:
    values = [v for v in values if v is not None]
    return mean(values) if values else float("nan")
