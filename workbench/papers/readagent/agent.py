"""Gisting, gist memory and interactive look-up (paper §3.2-3.3), and answering.

Gist memory is the concatenation of `<Page i>` tags and gists; a looked-up page replaces its gist in
place (paper §3.3). ReadAgent-P asks once for up to k pages; ReadAgent-S asks for one page at a time
(or STOP) up to a budget, seeing the pages already expanded. Prompts are our own wording of the
protocol and output formats in the brief (paper Appendix A, the official demo).

Every decision is one `workbench.llm.decide` call, which takes one of two paths:
  * capable backend: free text, parsed as the paper does: P takes the ints between the first '[' and
    the next ']' that are valid pages (at most k, in order, duplicates dropped); S takes 'Page N' or
    'STOP' (anything else, or a page already read, ends the look-up); the answer is 'Answer: (X)'
    (unparseable = wrong).
  * `llm.capable == False`: likelihood of enumerated replies. P: "[i]" for each page; keep the most
    likely page and every other page with prob >= `keep_ratio` x the top one, up to k (departure: the
    paper's model writes a list; enumerating all subsets of <= k pages is too many likelihood calls).
    S: "Page i" for each unread page plus "STOP". Answer: "Answer: (A)" ... for each option.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from workbench.llm import decide

from workbench.papers.readagent.data import LETTERS, Question, count_words
from workbench.papers.readagent.paginate import Page

# ------------------------------------------------------------------------------------------------
# Gisting
# ------------------------------------------------------------------------------------------------


def gist_prompt(page_text: str, style: str = "quality") -> str:
    what = "meeting transcript" if style == "qmsum" else "passage"
    return (f"Please shorten the following {what}. Keep the important events, people, places, objects and "
            f"numbers, and keep the order of events. Reply with the shortened text only, without any "
            f"explanation.\n\n{what.capitalize()}:\n{page_text}")


def clean_gist(reply: str, page_text: str) -> str:
    """Strip a lead-in line the model may add ("The passage is:", "Shortened passage:"); an empty reply falls back to the
    page's first sentence so the memory never has an empty page (departure: the paper has no case)."""
    text = reply.strip()
    first, _, rest = text.partition("\n")
    if first.rstrip().endswith(":") and len(first.split()) <= 6:     # "The passage is:", "Shortened text:"
        text = rest
    text = re.sub(r"^\s*(here is |the )?(shortened|shorter|short)[^:\n]{0,30}:\s*", "", text, flags=re.I)
    text = " ".join(text.split())
    if not text:
        first = page_text.split(". ")[0]
        text = first if first.endswith(".") else first + "."
    return text


def gist_pages(llm, pages: list[Page], max_new_tokens: int = 48, style: str = "quality") -> list[str]:
    """One "shorten" call per page (paper §3.2), batched."""
    replies = llm.generate_batch([gist_prompt(p.text, style) for p in pages], max_new_tokens=max_new_tokens)
    return [clean_gist(r, p.text) for r, p in zip(replies, pages)]


@dataclass
class Memory:
    """A document's pages and their gists (paper §3.2: gist memory with page tags)."""
    pages: list[Page]
    gists: list[str]

    def context(self, expanded: list[int] | tuple[int, ...] = ()) -> str:
        """Gist memory with the pages in `expanded` shown raw, in place of their gists (paper §3.3)."""
        parts = []
        for p, g in zip(self.pages, self.gists):
            parts.append(f"<Page {p.index}>\n{p.text if p.index in expanded else g}")
        return "\n\n".join(parts)

    def context_words(self, expanded=()) -> int:
        """Words of document text in context (tags excluded; see metrics.compression_rate)."""
        return sum(p.words if p.index in expanded else count_words(g) for p, g in zip(self.pages, self.gists))

    @property
    def gist_words(self) -> int:
        return self.context_words(())


def format_options(q: Question) -> str:
    return "\n".join(f"({LETTERS[i]}) {o}" for i, o in enumerate(q.options or []))


def _question_block(q: Question) -> str:
    return f"Question: {q.question}\n" + (f"Options:\n{format_options(q)}\n" if q.options else "")


# ------------------------------------------------------------------------------------------------
# Look-up
# ------------------------------------------------------------------------------------------------


def parallel_prompt(memory: Memory, q: Question, k: int) -> str:
    return (f"Below are short gists of the pages of a text, each tagged <Page i>. You will answer a question "
            f"about the text, but first you may read up to {k} pages again in full. Pick only the pages that "
            f"help; do not pick more than needed, and do not answer the question yet.\n\n{memory.context()}\n\n"
            f"{_question_block(q)}\nWhich pages do you want to read again? Reply with one sentence that ends "
            f"with the page numbers in square brackets, for example: I want to read pages [1, 3].")


def parse_page_list(reply: str, n_pages: int, k: int) -> list[int]:
    """Ints between the first '[' and the following ']' that are valid page numbers, in order, no
    duplicates, at most k. Anything else gives [] (no look-up: the answer uses the gists)."""
    start = reply.find("[")
    end = reply.find("]", start + 1)
    if start < 0 or end < 0:
        return []
    pages = []
    for token in re.findall(r"-?\d+", reply[start + 1:end]):
        i = int(token)
        if 0 <= i < n_pages and i not in pages:
            pages.append(i)
    return pages[:k]


def lookup_parallel(llm, memory: Memory, q: Question, k: int, keep_ratio: float = 0.5) -> tuple[list[int], str]:
    """ReadAgent-P: (pages to expand, raw reply)."""
    n = len(memory.pages)
    d = decide(llm, parallel_prompt(memory, q, k), range(n), frame=lambda i: f"[{i}]",
               parse=lambda reply: parse_page_list(reply, n, k), at_most=k, keep_ratio=keep_ratio,
               max_new_tokens=48)
    return d.value, d.reply if d.by == "text" else f"[{', '.join(map(str, d.value))}]"


def sequential_prompt(memory: Memory, q: Question, read: list[int], budget: int) -> str:
    done = f"Pages already read again: [{', '.join(map(str, read))}]." if read else "No page has been read again yet."
    return (f"Below are short gists of the pages of a text, each tagged <Page i>; pages you have read again "
            f"are shown in full in their place. You will answer a question about the text. You may read "
            f"{budget - len(read)} more page(s) in full, one at a time.\n\n{memory.context(read)}\n\n"
            f"{_question_block(q)}\n{done}\nIf you need another page, reply exactly 'Page N' with its number. "
            f"If you have enough to answer, reply exactly 'STOP'.")


def parse_sequential(reply: str, n_pages: int, read: list[int]) -> int | None:
    """'Page N' (a valid, unread page) -> N; 'STOP' or anything else -> None (look-up ends)."""
    m = re.search(r"\bpage\s*<?\s*(\d+)", reply, flags=re.IGNORECASE)
    stop = re.search(r"\bSTOP\b", reply, flags=re.IGNORECASE)
    if not m or (stop and stop.start() < m.start()):
        return None
    i = int(m.group(1))
    return i if 0 <= i < n_pages and i not in read else None


def lookup_sequential(llm, memory: Memory, q: Question, budget: int) -> tuple[list[int], list[str], list[int]]:
    """ReadAgent-S: (pages expanded in order, raw replies, context words at each step)."""
    read: list[int] = []
    replies: list[str] = []
    words = []
    n = len(memory.pages)
    while len(read) < budget and len(read) < n:
        prompt = sequential_prompt(memory, q, read, budget)
        words.append(memory.context_words(read))
        unread = [i for i in range(n) if i not in read]
        d = decide(llm, prompt, [None] + unread, frame=lambda i: "STOP" if i is None else f"Page {i}",
                   parse=lambda reply: parse_sequential(reply, n, read), max_new_tokens=16)
        reply, page = d.reply, d.value
        replies.append(reply)
        if page is None:
            break
        read.append(page)
    return read, replies, words


# ------------------------------------------------------------------------------------------------
# Answering
# ------------------------------------------------------------------------------------------------


def answer_prompt(context: str, q: Question, style: str = "quality") -> str:
    if q.options:
        return (f"Read the text below and answer the multiple-choice question.\n\n{context}\n\n{_question_block(q)}\n"
                f"Reply in the form 'Answer: (X)', where X is the letter of the right option.")
    what = "meeting transcript" if style == "qmsum" else "text"
    return (f"Read the {what} below and answer the question in a short, concise way.\n\n{context}\n\n"
            f"Question: {q.question}\nAnswer:")


def parse_answer(reply: str, n_options: int) -> int | None:
    """'Answer: (X)' -> option index; also accepts 'Answer: X' and a bare '(X)'; else None (wrong)."""
    valid = LETTERS[:n_options]
    m = re.search(rf"Answer\s*:\s*\(?\s*([{valid}])\b\)?", reply, flags=re.IGNORECASE)
    if not m:
        m = re.search(rf"\(([{valid}])\)", reply)
    return valid.index(m.group(1).upper()) if m else None


def answer(llm, context: str, q: Question, style: str = "quality", max_new_tokens: int = 24,
           calibrate: bool = False) -> tuple[int | str | None, str]:
    """(prediction, raw reply): an option index (or None) for multiple choice, a string otherwise.

    `calibrate` (likelihood path only; departure from the paper, which parses free text): divide each
    option's probability by its probability when the text is replaced by "N/A" (contextual calibration,
    Zhao et al. 2021), so a small model's prior for one letter does not decide every answer."""
    prompt = answer_prompt(context, q, style)
    if not q.options:
        reply = llm.generate(prompt, max_new_tokens=max_new_tokens).strip()
        return reply, reply
    n = len(q.options)
    d = decide(llm, prompt, range(n), frame=lambda i: f"Answer: ({LETTERS[i]})",
               parse=lambda reply: parse_answer(reply, n), max_new_tokens=max_new_tokens,
               baseline=answer_prompt("N/A", q, style) if calibrate else None)
    return d.value, d.reply


@dataclass
class Reading:
    """One method's reading of one question."""
    method: str
    opened: list[int] = field(default_factory=list)   # pages expanded / retrieved
    context_words: list[int] = field(default_factory=list)  # document words in context at each step
    prediction: int | str | None = None
    replies: list[str] = field(default_factory=list)


def read_parallel(llm, memory: Memory, q: Question, k: int, keep_ratio: float, style: str = "quality",
                  method: str = "readagent_p", max_new_tokens: int = 24, calibrate: bool = False) -> Reading:
    pages, reply = lookup_parallel(llm, memory, q, k, keep_ratio)
    pred, ans = answer(llm, memory.context(pages), q, style, max_new_tokens, calibrate)
    return Reading(method, pages, [memory.gist_words, memory.context_words(pages)], pred, [reply, ans])


def read_sequential(llm, memory: Memory, q: Question, budget: int, style: str = "quality",
                    max_new_tokens: int = 24, calibrate: bool = False) -> Reading:
    pages, replies, words = lookup_sequential(llm, memory, q, budget)
    pred, ans = answer(llm, memory.context(pages), q, style, max_new_tokens, calibrate)
    return Reading("readagent_s", pages, words + [memory.context_words(pages)], pred, replies + [ans])
