"""Gisting, gist memory and interactive look-up (paper §3.2-3.3), and answering.

Gist memory is the concatenation of `<Page i>` tags and gists; a looked-up page replaces its gist in
place (paper §3.3). ReadAgent-P asks once for up to k pages; ReadAgent-S asks for one page at a time
(or STOP) up to a budget, seeing the pages already expanded. Prompts are our own wording of the
protocol and output formats (paper Appendix A, the official demo).

Every decision is one `workbench.llm.decide` call, which takes one of two paths:
  * capable backend: free text, parsed as the paper does: P takes the ints between the first '[' and
    the next ']' that are valid pages (at most k, in order, duplicates dropped); S takes 'Page N' or
    'STOP' (anything else, or a page already read, ends the look-up); the answer is 'Answer: (X)'
    (unparseable = wrong).
  * `llm.capable == False` (the embedded 135M model): likelihood, framed so that content decides.
    Choosing among labels ("[3]", "Page 3", "Answer: (B)") by likelihood is position-bound with the
    135M model (it picked page 1 or the first label every time, docs/papers/readagent.md), so:
    P scores the question's likelihood after each page's gist, minus its likelihood with no page
    (candidate-conditional framing of `decide`), keeps the best page and every page with prob >=
    `keep_ratio` x the best, up to k and within the reader's context; S scores the question after the
    pages read so far plus each unread page's gist, minus after the pages read so far, opens the best
    and STOPs when no unread page raises the question's likelihood by `stop_margin` nats; the answer
    scores each option's text as the reply to context + question, minus its score with the question
    alone (calibration against a no-context baseline).
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
    text = re.sub(r"^\s*(meeting transcript|passage|text|page)\s*:\s*", "", text, flags=re.I)  # the prompt's label
    text = " ".join(text.split())
    if not text:
        first = page_text.split(". ")[0]
        text = first if first.endswith(".") else first + "."
    return text


def cut_repetition(text: str, n: int = 4) -> str:
    """Repetition control for small models' gists: keep the text up to the end of the last sentence
    before a word n-gram repeats (a loop such as one sentence written fifteen times keeps its first
    copy); a text with no repeated n-gram is returned unchanged."""
    words = text.split()
    seen, cut = set(), None
    for i in range(len(words) - n + 1):
        gram = tuple(w.lower().strip(".,;:!?\"'") for w in words[i:i + n])
        if gram in seen:
            cut = i
            break
        seen.add(gram)
    if cut is None:
        return text
    head = " ".join(words[:cut])
    end = max(head.rfind(". "), head.rfind("! "), head.rfind("? "))
    if head.endswith((".", "!", "?")):
        return head
    return head[:end + 1] if end > 0 else head


def gist_tokens(page: Page, cap: int, ratio: float) -> int:
    """A length target from the page: about `ratio` of its words in tokens (~1.3 tokens a word),
    at most `cap`, at least 8."""
    return max(8, min(cap, int(round(page.words * ratio * 1.3))))


# A gist that is not a gist of its page. The 135M model, asked to shorten a meeting page, replies
# about itself ("I'm sorry for the confusion", "I'm a helpful AI assistant"), invents a text of its
# own, or copies the page's first words; such replies are retried once with another wording and
# then replaced by an extractive gist (`extractive_gist`).
META_REPLY = re.compile(
    r"\b(I'?m sorry|I am sorry|I apologi[sz]e|confusion|as an AI|an AI (language model|assistant)|"
    r"(helpful|friendly) (AI )?assistant|I('m| am) (an? )?(AI|assistant|language model)|I can(no|')t (help|assist|"
    r"provide|do)|I'?d be happy to|happy to help|let me know|feel free|here'?s (a|the) (shortened|short|summar)|"
    r"shortened version|(the|this) (passage|transcript|text|page) (is|was) (about|shortened))", flags=re.I)
STOPWORDS = set("""about above after again against also because been before being below between both could
does doing down during each from further have having here hers herself himself into itself just more most
myself only other ours ourselves over same should some such than that their theirs them themselves then there
these they this those through under until very were what when where which while whom will with would your
yours yourself yourselves okay yeah well like really think know going thing things sort kind right gonna
yes says said""".split())
# words a faithful gist of a meeting page may use without the page using them
SUMMARY_WORDS = set("""meeting discuss discussed discussion discusses talk talked talks talking speaker speakers
mention mentioned mentions agree agreed agrees suggest suggested suggests explain explained explains project team
group member members present presented presents presentation asked asks question questions answer answered
decide decided decision point points propose proposed idea ideas shorten shortened summary passage text page""".split())


def content_words(text: str) -> list[str]:
    """Lower-case words of 4+ letters that carry content (stop words out)."""
    return [w for w in re.findall(r"[a-z][a-z'-]{3,}", text.lower()) if w not in STOPWORDS]


def _stem(word: str) -> str:
    return word[:5]


SPEAKER_LABEL = re.compile(r"(^|(?<=[.!?\"]\s))([A-Z][\w.'-]*(?: [A-Z(][\w.'()-]*){0,4}):\s")


def said_words(text: str) -> list[str]:
    """Content words of a text without its "Speaker Name:" labels (what was said, not who said it)."""
    return content_words(SPEAKER_LABEL.sub(" ", text))


def invented_names(gist: str, page_text: str) -> list[str]:
    """Capitalised words inside the gist's sentences (not sentence-initial) that the page never uses:
    names the model made up."""
    page = {w.lower() for w in re.findall(r"[A-Za-z][\w'-]*", page_text)}
    out = []
    for sentence in sentences(SPEAKER_LABEL.sub(". ", gist)):
        for w in re.findall(r"(?<=\s)[A-Z][a-z][\w'-]*", sentence):
            if w.lower() not in page:
                out.append(w)
    return out


FILLER_BELOW = 4   # a gist saying fewer content words than this ("Speaker A: Mm. Speaker B: Okay.") says nothing


def off_page_share(gist: str, page_text: str) -> float:
    """Share of the gist's content words that the page does not use (compared by their first five
    letters, so 'discussion' matches 'discussed'; generic summary words excepted). 0 for a gist
    without content words."""
    words = [w for w in content_words(gist) if w not in SUMMARY_WORDS]
    if not words:
        return 0.0
    page = {_stem(w) for w in content_words(page_text)}
    return sum(_stem(w) not in page for w in words) / len(words)


def copies_opening(gist: str, page_text: str, min_words: int = 8) -> bool:
    """Is the gist the page's first words, verbatim (at least `min_words` of them, and at least 80%
    of the gist)? Punctuation and case are ignored."""
    norm = lambda t: [w.strip(".,;:!?\"'()").lower() for w in t.split()]   # noqa: E731
    g, p = norm(gist), norm(page_text)
    n = 0
    while n < min(len(g), len(p)) and g[n] == p[n]:
        n += 1
    return n >= min_words and n >= 0.8 * len(g)


OFF_PAGE_AT = 0.5   # a gist whose content words are mostly not on the page is invented


def gist_problem(gist: str, page_text: str) -> str | None:
    """Why a gist is degenerate: 'meta' (a reply about the request or the assistant), 'off_page'
    (most of its content words are not on the page, or it names someone the page does not), 'filler'
    (fewer than FILLER_BELOW content words once speaker labels are removed: "Mm. Okay."), 'copy' (the
    page's opening, verbatim), 'loop' (a repeated word 4-gram survives), 'empty'; None for a gist."""
    if not gist.strip():
        return "empty"
    if META_REPLY.search(gist):
        return "meta"
    if off_page_share(gist, page_text) > OFF_PAGE_AT or invented_names(gist, page_text):
        return "off_page"
    if len(said_words(gist)) < FILLER_BELOW:
        return "filler"
    if copies_opening(gist, page_text):
        return "copy"
    if cut_repetition(gist) != gist:
        return "loop"
    return None


def sentences(text: str) -> list[str]:
    return [s.strip() for s in re.split(r"(?<=[.!?])\s+", " ".join(text.split())) if s.strip()]


def _lead_sentence(paragraph: str) -> str:
    """The paragraph's first sentence that says something (at least 3 content words; a meeting turn's
    "Okay." or "Mm." is skipped), with the turn's speaker label kept; else its first sentence."""
    label = SPEAKER_LABEL.match(paragraph)
    prefix = paragraph[:label.end()] if label else ""
    parts = sentences(paragraph[len(prefix):])
    for sentence in parts:
        if len(content_words(sentence)) >= 3:
            return prefix + sentence
    return prefix + (parts[0] if parts else "")


def extractive_gist(page: Page, max_words: int) -> str:
    """A gist made of the page's own sentences: the lead sentence (`_lead_sentence`) of each of its
    longest paragraphs (a meeting page: the longest turns, with their speakers), in page order, within
    `max_words` (at least one sentence). A lead-sentence extract: what each paragraph is about, not its
    details."""
    paras = [p for p in page.text.split("\n") if p.strip()]
    order = sorted(range(len(paras)), key=lambda i: -count_words(paras[i]))
    chosen, words = [], 0
    for i in order:
        first = _lead_sentence(paras[i])
        w = count_words(first)
        if chosen and words + w > max_words:
            continue
        chosen.append((i, first))
        words += w
        if words >= max_words:
            break
    return " ".join(text for _, text in sorted(chosen))


def retry_prompt(page_text: str, style: str = "quality") -> str:
    what = "part of a meeting" if style == "qmsum" else "part of a story"
    return (f"Here is {what}:\n\n{page_text}\n\nWrite two short sentences that say what happens in it, "
            f"using its names and words.")


@dataclass
class GistReport:
    """How each page's gist was obtained: 'model' (first reply), 'retry' (second reply) or
    'extractive' (the replies were degenerate), and the problems seen in the replies."""
    sources: list[str] = field(default_factory=list)
    problems: list[list[str]] = field(default_factory=list)

    def counts(self) -> dict[str, int]:
        out = {"gists": len(self.sources), "gists_retried": sum(len(ps) > 0 and ps[0] != "copy" for ps in self.problems),
               "gists_extractive": sum(s == "extractive" for s in self.sources)}
        for kind in ("meta", "off_page", "filler", "copy", "loop", "empty"):
            out[f"gist_replies_{kind}"] = sum(kind in ps for ps in self.problems)
        return out


def gist_pages(llm, pages: list[Page], max_new_tokens: int = 48, style: str = "quality",
               ratio: float = 0.0, report: GistReport | None = None) -> list[str]:
    """One "shorten" call per page (paper §3.2), batched; each reply cut at its first repetition loop
    (`cut_repetition`). `ratio` > 0: the token budget follows the page's length (`gist_tokens`).
    A degenerate reply (`gist_problem`) is retried once with another wording; if that is degenerate
    too, the page gets an extractive gist (`extractive_gist`). A copy of the page's opening goes to
    the extractive gist without a retry (one model call saved per page: the model that copied is
    asked again with the same page). `report` records which and why."""
    budgets = [gist_tokens(p, max_new_tokens, ratio) if ratio > 0 else max_new_tokens for p in pages]

    def ask(prompts_of) -> list[str]:
        replies = [""] * len(pages)
        for b in sorted(set(budgets)):  # one batch per budget (the budget is part of the cache key)
            idx = [i for i, x in enumerate(budgets) if x == b and prompts_of(i) is not None]
            for i, r in zip(idx, llm.generate_batch([prompts_of(i) for i in idx], max_new_tokens=b)):
                replies[i] = r
        return [clean_gist(cut_repetition(r), p.text) if r else "" for r, p in zip(replies, pages)]

    gists = ask(lambda i: gist_prompt(pages[i].text, style))
    problems = [[x] if (x := gist_problem(g, p.text)) else [] for g, p in zip(gists, pages)]
    sources = ["model"] * len(pages)
    bad = {i for i, ps in enumerate(problems) if ps and ps[0] != "copy"}
    for i, ps in enumerate(problems):   # a copy of the opening: an extract of the whole page instead
        if ps and ps[0] == "copy":
            gists[i], sources[i] = extractive_gist(pages[i], max(8, int(budgets[i] / 1.3))), "extractive"
    if bad:
        retried = ask(lambda i: retry_prompt(pages[i].text, style) if i in bad else None)
        for i in sorted(bad):
            x = gist_problem(retried[i], pages[i].text)
            if x is None:
                gists[i], sources[i] = retried[i], "retry"
            else:
                problems[i].append(x)
                gists[i] = extractive_gist(pages[i], max(8, int(budgets[i] / 1.3)))
                sources[i] = "extractive"
    if report is not None:
        report.sources, report.problems = sources, problems
    return gists


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


QUESTION_CUE = "A question this text answers:"


def gist_frame(gist: str) -> str:
    """The candidate-conditional prompt for one page: its gist, then the cue before the question."""
    return f"Page summary: {gist}\n{QUESTION_CUE}"


def fit_context(memory: Memory, pages: list[int], budget_words: int) -> list[int]:
    """The longest prefix of `pages` (best first) whose expansion keeps the context within
    `budget_words` (0: no budget); the first page is always kept, so a look-up reads at least one."""
    kept: list[int] = []
    for i in pages:
        if kept and budget_words and memory.context_words(kept + [i]) > budget_words:
            break
        kept.append(i)
    return kept


def lookup_parallel(llm, memory: Memory, q: Question, k: int, keep_ratio: float = 0.5,
                    context_words: int = 0) -> tuple[list[int], str]:
    """ReadAgent-P: (pages to expand, raw reply or the kept pages with their scores)."""
    n = len(memory.pages)
    d = decide(llm, "", range(n), frame=lambda i: gist_frame(memory.gists[i]), target=" " + q.question,
               baseline=QUESTION_CUE, chat=False, text_prompt=parallel_prompt(memory, q, k),
               parse=lambda reply: parse_page_list(reply, n, k), at_most=k, keep_ratio=keep_ratio,
               max_new_tokens=48)
    pages = fit_context(memory, d.value, context_words)
    if d.by == "text":
        return pages, d.reply
    return pages, f"[{', '.join(map(str, pages))}] (question log-lik gain per page: " + \
        ", ".join(f"{i}: {s:+.1f}" for i, s in enumerate(d.scores)) + ")"


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


def read_frame(memory: Memory, read: list[int], candidate: int | None) -> str:
    """S's candidate-conditional prompt: the pages read so far in full, then one unread page's gist.
    With nothing read yet it is P's prompt (`gist_frame`), so S's first step costs nothing after P's
    look-up (the reply cache holds the same scores)."""
    head = "".join(f"Page: {' '.join(memory.pages[i].text.split())}\n\n" for i in read)
    return head + (gist_frame(memory.gists[candidate]) if candidate is not None else QUESTION_CUE)


def lookup_sequential(llm, memory: Memory, q: Question, budget: int, stop_margin: float = 1.0,
                      candidates: int = 2, context_words: int = 0) -> tuple[list[int], list[str], list[int]]:
    """ReadAgent-S: (pages expanded in order, raw replies, context words at each step).

    Likelihood path: each step scores the question after the pages read so far plus one unread page's
    gist, minus its score after the pages read so far alone; the best page is opened if it gains at
    least `stop_margin` nats, else STOP. The first step ranks every page; later steps re-score the
    `candidates` best-ranked unread pages only (each later prompt holds the read pages: cost)."""
    read: list[int] = []
    replies: list[str] = []
    words = []
    n = len(memory.pages)
    rank = list(range(n))
    while len(read) < budget and len(read) < n:
        words.append(memory.context_words(read))
        unread = [i for i in rank if i not in read]
        if read and candidates:
            unread = unread[:candidates]
        if getattr(llm, "capable", False):
            d = decide(llm, sequential_prompt(memory, q, read, budget), unread, by="text", max_new_tokens=16,
                       parse=lambda reply: parse_sequential(reply, n, read))
            page, reply = d.value, d.reply
        else:
            d = decide(llm, "", unread, frame=lambda i: read_frame(memory, read, i), target=" " + q.question,
                       baseline=read_frame(memory, read, None), chat=False, by="likelihood")
            if not read:   # later steps look at the best-ranked pages of this first, complete ranking
                rank = [unread[i] for i in sorted(range(len(unread)), key=lambda i: -d.scores[i])]
            gain = d.scores[d.index]
            page = d.value if gain >= stop_margin else None
            reply = f"Page {page} (gain {gain:+.1f})" if page is not None else f"STOP (best gain {gain:+.1f})"
        if page is not None and context_words and memory.context_words(read + [page]) > context_words and read:
            page, reply = None, reply + "; STOP: the page would overflow the context"
        replies.append(reply)
        if page is None:
            break
        read.append(page)
    return read, replies, words


# ------------------------------------------------------------------------------------------------
# Answering
# ------------------------------------------------------------------------------------------------


ANSWER_FRAMINGS = ("concise", "from_text")


def answer_prompt(context: str, q: Question, style: str = "quality", framing: str = "concise") -> str:
    """The answer prompt. Free-form framings: 'concise' (the paper's QMSum wording: a short, concise
    answer) and 'from_text' (the question first, then the text, then an instruction to answer with
    what the text says, in its words, without repeating the question: a small model otherwise
    restates the question)."""
    if q.options:
        return (f"Read the text below and answer the multiple-choice question.\n\n{context}\n\n{_question_block(q)}\n"
                f"Reply in the form 'Answer: (X)', where X is the letter of the right option.")
    what = "meeting transcript" if style == "qmsum" else "text"
    if framing == "from_text":
        return (f"Question: {q.question}\n\nHere is the {what}:\n\n{context}\n\nAnswer the question with what the "
                f"{what} says: who said what, the decisions and the reasons, in its own words. Do not repeat the "
                f"question.")
    return (f"Read the {what} below and answer the question in a short, concise way.\n\n{context}\n\n"
            f"Question: {q.question}\nAnswer:")


def parse_answer(reply: str, n_options: int) -> int | None:
    """'Answer: (X)' -> option index; also accepts 'Answer: X' and a bare '(X)'; else None (wrong)."""
    valid = LETTERS[:n_options]
    m = re.search(rf"Answer\s*:\s*\(?\s*([{valid}])\b\)?", reply, flags=re.IGNORECASE)
    if not m:
        m = re.search(rf"\(([{valid}])\)", reply)
    return valid.index(m.group(1).upper()) if m else None


def likelihood_prompt(context: str, q: Question) -> str:
    """The likelihood path's answer prompt: the text, then the question (no option list: each option's
    text is scored as the reply)."""
    return (f"{context}\n\n" if context else "") + f"Question: {q.question}"


def answer(llm, context: str, q: Question, style: str = "quality", max_new_tokens: int = 24,
           calibrate: bool = True, framing: str = "concise") -> tuple[int | str | None, str]:
    """(prediction, raw reply): an option index (or None) for multiple choice, a string otherwise.

    A capable model writes 'Answer: (X)' to the letter prompt (paper's protocol). A small one has
    each option's text scored as the reply "Answer: <option>" to the text + question (per-token mean
    log-prob); `calibrate` subtracts each option's score with the question alone (no text), so the
    model's prior for an option does not decide. Measured with SmolLM2-135M on the generated
    benchmark (24 questions, evidence page in context): uncalibrated 0.92, calibrated 1.00; with no
    page 0.25 (chance)."""
    if not q.options:
        reply = " ".join(cut_repetition(llm.generate(answer_prompt(context, q, style, framing),
                                                     max_new_tokens=max_new_tokens)).split())
        return reply, reply
    n = len(q.options)
    d = decide(llm, likelihood_prompt(context, q), range(n), frame=lambda i: f"Answer: {q.options[i]}",
               text_prompt=answer_prompt(context, q, style), parse=lambda reply: parse_answer(reply, n),
               max_new_tokens=max_new_tokens, baseline=likelihood_prompt("", q) if calibrate else None)
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
                  method: str = "readagent_p", max_new_tokens: int = 24, calibrate: bool = True,
                  context_words: int = 0, framing: str = "concise") -> Reading:
    pages, reply = lookup_parallel(llm, memory, q, k, keep_ratio, context_words)
    pred, ans = answer(llm, memory.context(pages), q, style, max_new_tokens, calibrate, framing)
    return Reading(method, pages, [memory.gist_words, memory.context_words(pages)], pred, [reply, ans])


def read_sequential(llm, memory: Memory, q: Question, budget: int, style: str = "quality",
                    max_new_tokens: int = 24, calibrate: bool = True, stop_margin: float = 1.0,
                    candidates: int = 2, context_words: int = 0, framing: str = "concise") -> Reading:
    pages, replies, words = lookup_sequential(llm, memory, q, budget, stop_margin, candidates, context_words)
    pred, ans = answer(llm, memory.context(pages), q, style, max_new_tokens, calibrate, framing)
    return Reading("readagent_s", pages, words + [memory.context_words(pages)], pred, replies + [ans])
