"""Episode pagination (paper §3.1, "episode pagination"), and uniform pagination (the §4.2 ablation).

From the current paragraph we take paragraphs while the page stays within `max_words` (always at least
one). Once the running count reaches `min_words`, a numbered pause-point label `<j>` is placed before
paragraph j (labels are global paragraph indices), plus one after the last paragraph taken. The model
picks the label where a break is most natural; a label outside the offered ones, or no label at all,
falls back to the last label (the most text per page). A final chunk shorter than `take_rest_words`
becomes a page without asking the model (the paper's demo uses 350 words).

Departure: the demo lets a chunk overshoot `max_words` by one paragraph; we stop before it, so a page
is <= max_words unless that would leave it below `min_words`: then the next paragraph is taken anyway
(a long meeting turn after a short one), so no page but a document's last is shorter than `min_words`.

The choice has two paths (both tested):
  * capable backend: the free-text prompt (one `workbench.llm.decide` call); the reply's
    "Break point: <N>" line is parsed;
  * `llm.capable == False` (the embedded 135M model): the text around each offered break decides.
    Choosing among the labels "Break point: <j>" by likelihood took the first label in 16 of 16 QMSum
    decisions (position-bound), so instead, for each label j we measure how much the text before it
    helps predict the text after it: the per-token log-likelihood of the start of paragraph j after
    the end of paragraph j-1, minus after no text. The break goes where that continuity is lowest (a
    scene or topic change). The document-end label is offered only when it is the only one.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from workbench.llm import decide

from workbench.papers.readagent.data import count_words

# dataset styles: what a natural break is, and the reply's keyword (paper §A prompts, our wording)
STYLES = {
    "quality": dict(kind="story", hint="a scene change, the end of a dialogue or of an event", key="Break point"),
    "qmsum": dict(kind="meeting transcript", hint="a natural transition between topics", key="Label"),
}


@dataclass
class Page:
    index: int                  # 0-based page number (shown to the model as <Page index>)
    start: int                  # first paragraph index (inclusive)
    end: int                    # last paragraph index (exclusive)
    text: str                   # paragraphs joined by newlines

    @property
    def words(self) -> int:
        return count_words(self.text)


@dataclass
class PaginationTrace:
    """What each pagination step offered and chose, for the browser and tests."""
    steps: list[dict] = field(default_factory=list)   # {start, labels, chosen, reply, fallback}


def chunk_with_labels(paragraphs: list[str], start: int, max_words: int, min_words: int) -> tuple[int, list[int], int]:
    """Paragraphs [start, stop) fitting in `max_words`; labels j (break before paragraph j) offered once
    the running count reaches `min_words`, always including `stop`. Returns (stop, labels, words).
    A page never ends below `min_words` unless the document does: when the next paragraph would
    overflow `max_words` before `min_words` are reached, it is taken anyway (the page runs long)."""
    words, stop, labels = 0, start, []
    while stop < len(paragraphs):
        w = count_words(paragraphs[stop])
        if stop > start and words + w > max_words and words >= min_words:
            break
        words += w
        stop += 1
        if words >= min_words and stop < len(paragraphs):
            labels.append(stop)
    if not labels or labels[-1] != stop:
        labels.append(stop)
    return stop, labels, words


def labelled_passage(paragraphs: list[str], start: int, stop: int, labels: list[int]) -> str:
    parts = []
    for j in range(start, stop):
        if j in labels and j != start:
            parts.append(f"<{j}>")
        parts.append(paragraphs[j])
    parts.append(f"<{stop}>")
    return "\n".join(parts)


def break_prompt(paragraphs: list[str], start: int, stop: int, labels: list[int], previous: str = "",
                 style: str = "quality") -> str:
    """Our wording of the paper's pagination prompt: labelled passage, the previous page's tail
    prefixed with "...", the next paragraph plus "..." unless at the document end."""
    s = STYLES[style]
    prev = f"Text just before the passage:\n...{' '.join(previous.split()[-60:])}\n\n" if previous else ""
    tail = f"\n{paragraphs[stop]}\n..." if stop < len(paragraphs) else ""
    return (f"You are reading a {s['kind']} and must split it into pages. Numbered labels such as <{labels[0]}> "
            f"sit between paragraphs of the passage below. Pick the label where a page break is most natural, "
            f"for example {s['hint']}.\n\n{prev}Passage:\n{labelled_passage(paragraphs, start, stop, labels)}{tail}\n\n"
            f"Offered labels: {', '.join(f'<{j}>' for j in labels)}.\n"
            f"Give a short reason, then end with a line of the form '{s['key']}: <N>'.")


def parse_break(reply: str, labels: list[int], style: str = "quality") -> int | None:
    """The label named on the reply's '<key>: <N>' line if it is one of `labels`, else None.
    Tolerates missing angle brackets and case; takes the last such line (the reason may mention labels)."""
    key = STYLES[style]["key"]
    found = re.findall(rf"{re.escape(key)}\s*:?\s*<?\s*(\d+)\s*>?", reply, flags=re.IGNORECASE)
    if not found:
        return None
    value = int(found[-1])
    return value if value in labels else None


def choose_break(llm, prompt: str, labels: list[int], style: str = "quality") -> tuple[int, str, bool]:
    """(label, raw reply, fell back?) from the capable backend's free-text reply."""
    key = STYLES[style]["key"]
    d = decide(llm, prompt, labels, frame=lambda j: f"{key}: <{j}>", parse=lambda reply: parse_break(reply, labels, style),
               max_new_tokens=96, by="text")
    return (labels[-1], d.reply, True) if d.value is None else (d.value, d.reply, False)


CONTEXT_WORDS_BEFORE = 60   # the end of the paragraph before a break that continuity is measured from
WORDS_AFTER = 30            # the start of the paragraph after it whose likelihood is measured


def continuity(llm, paragraphs: list[str], j: int) -> float:
    """How much the end of paragraph j-1 raises the per-token log-likelihood of the start of
    paragraph j (nats per token); low = a natural break before j."""
    before = " ".join(paragraphs[j - 1].split()[-CONTEXT_WORDS_BEFORE:])
    after = " " + " ".join(paragraphs[j].split()[:WORDS_AFTER])
    with_text = llm.score(f"Text: ...{before}", [after], chat=False)[0].logprob_mean
    alone = llm.score("Text:", [after], chat=False)[0].logprob_mean
    return with_text - alone


def choose_break_by_text(llm, paragraphs: list[str], labels: list[int]) -> tuple[int, str]:
    """(label, a reply-like record of each label's continuity): the label where the text before
    predicts the text after least. The document end is a candidate only when it is the only label."""
    inner = [j for j in labels if 0 < j < len(paragraphs)]
    if not inner:
        return labels[-1], ""
    scores = {j: continuity(llm, paragraphs, j) for j in inner}
    best = min(inner, key=lambda j: scores[j])
    return best, f"Break point: <{best}> (continuity " + ", ".join(f"<{j}> {v:+.2f}" for j, v in scores.items()) + ")"


def paginate(paragraphs: list[str], llm, max_words: int = 600, min_words: int = 280, take_rest_words: int = 350,
             style: str = "quality", trace: PaginationTrace | None = None) -> list[Page]:
    """Split `paragraphs` into pages at model-chosen pause points (paper §3.1)."""
    pages: list[Page] = []
    start = 0
    while start < len(paragraphs):
        stop, labels, words = chunk_with_labels(paragraphs, start, max_words, min_words)
        if stop == len(paragraphs) and words < take_rest_words:
            cut, reply, fallback = stop, "", False
        elif len(labels) == 1:
            cut, reply, fallback = labels[0], "", False          # only one place to break: no call
        else:
            if getattr(llm, "capable", False):
                previous = pages[-1].text if pages else ""
                prompt = break_prompt(paragraphs, start, stop, labels, previous, style)
                cut, reply, fallback = choose_break(llm, prompt, labels, style)
            else:
                (cut, reply), fallback = choose_break_by_text(llm, paragraphs, labels), False
        if trace is not None:
            trace.steps.append(dict(start=start, labels=labels, chosen=cut, reply=reply, fallback=fallback))
        pages.append(Page(len(pages), start, cut, "\n".join(paragraphs[start:cut])))
        start = cut
    return pages


def paginate_uniform(paragraphs: list[str], words_per_page: int = 440) -> list[Page]:
    """The ablation's length-based pagination: break at the first paragraph end reaching the length."""
    pages, start, words = [], 0, 0
    for j, p in enumerate(paragraphs):
        words += count_words(p)
        if words >= words_per_page or j == len(paragraphs) - 1:
            pages.append(Page(len(pages), start, j + 1, "\n".join(paragraphs[start:j + 1])))
            start, words = j + 1, 0
    return pages


def page_of_paragraph(pages: list[Page], paragraph: int) -> int:
    for p in pages:
        if p.start <= paragraph < p.end:
            return p.index
    raise IndexError(f"paragraph {paragraph} is on no page")
