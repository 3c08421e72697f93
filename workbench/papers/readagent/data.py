"""Documents and questions: QuALITY and QMSum loaders, and the project's generated benchmark.

Every source becomes a `Document`: a list of paragraphs (the unit pagination works on, paper §3.1)
and its `Question`s. Multiple-choice questions carry `answer` (0-based option index); free-form ones
carry `references`. `evidence` lists the paragraph indices that hold the answer when known (the
generated benchmark plants each fact in one paragraph, so look-up quality can be measured).

Loaders raise `WorkbenchError` naming the file and line of a malformed record.
"""
from __future__ import annotations

import json
import random
import re
from dataclasses import asdict, dataclass, field
from html.parser import HTMLParser
from pathlib import Path

from workbench import WorkbenchError
from workbench.paths import REPO_ROOT

BENCHMARK_PATH = REPO_ROOT / "data" / "readagent" / "benchmark.jsonl"
LETTERS = "ABCDEFGH"


@dataclass
class Question:
    qid: str
    question: str
    options: list[str] | None = None      # multiple choice (QuALITY: 4) or None (free form)
    answer: int | None = None              # 0-based index of the right option (None: hidden / free form)
    references: list[str] = field(default_factory=list)  # free-form reference answers
    evidence: list[int] = field(default_factory=list)    # paragraph indices holding the answer


@dataclass
class Document:
    doc_id: str
    title: str
    paragraphs: list[str]
    questions: list[Question]
    source: str = ""
    sections: list[int] = field(default_factory=list)   # paragraph where each episode starts (generated only)

    @property
    def words(self) -> int:
        return sum(count_words(p) for p in self.paragraphs)

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict) -> "Document":
        return cls(d["doc_id"], d["title"], list(d["paragraphs"]),
                   [Question(**q) for q in d["questions"]], d.get("source", ""), list(d.get("sections", [])))


def count_words(text: str) -> int:
    """Whitespace-separated words: the paper's unit for page limits and compression rate."""
    return len(text.split())


def truncate(doc: Document, max_words: int) -> Document:
    """Keep whole paragraphs up to `max_words`; drop questions whose evidence falls outside."""
    if max_words <= 0 or doc.words <= max_words:
        return doc
    kept, total = [], 0
    for p in doc.paragraphs:
        if kept and total + count_words(p) > max_words:
            break
        kept.append(p)
        total += count_words(p)
    qs = [q for q in doc.questions if all(e < len(kept) for e in q.evidence)]
    return Document(doc.doc_id, doc.title, kept, qs, doc.source, [s for s in doc.sections if s < len(kept)])


# --------------------------------------------------------------------------------------------
# Loaders
# --------------------------------------------------------------------------------------------

def _read_jsonl(path: str | Path):
    """(line number, record) for each JSON object of a JSONL file; one-line WorkbenchErrors naming the
    file when it is missing, a folder, empty, binary or not UTF-8, and file:line for a bad record."""
    path = Path(path).expanduser()
    if not path.exists():
        raise WorkbenchError(f"{path}: no such file")
    if path.is_dir():
        raise WorkbenchError(f"{path}: is a folder, not a JSONL file")
    if path.stat().st_size == 0:
        raise WorkbenchError(f"{path}: is empty, not a JSONL file")
    records = 0
    with open(path, "rb") as f:
        for lineno, raw in enumerate(f, start=1):
            if b"\0" in raw:
                raise WorkbenchError(f"{path}: is a binary file, not JSONL text (line {lineno})")
            try:
                line = raw.decode("utf-8")
            except UnicodeDecodeError:
                raise WorkbenchError(f"{path}:{lineno}: not UTF-8 text (is it a binary file?)") from None
            if not line.strip():
                continue
            try:
                record = json.loads(line)
            except json.JSONDecodeError as e:
                raise WorkbenchError(f"{path}:{lineno}: not valid JSON ({e.msg})") from None
            if not isinstance(record, dict):
                raise WorkbenchError(f"{path}:{lineno}: expected a JSON object, got {type(record).__name__}")
            records += 1
            yield lineno, record
    if not records:
        raise WorkbenchError(f"{path}: holds no JSON records (only blank lines)")


def _need(record: dict, key: str, kind, where: str):
    if key not in record:
        raise WorkbenchError(f"{where}: missing field '{key}'")
    if not isinstance(record[key], kind):
        raise WorkbenchError(f"{where}: field '{key}' should be {getattr(kind, '__name__', kind)}, "
                             f"got {type(record[key]).__name__}")
    return record[key]


def quality_paragraphs(article: str) -> list[str]:
    """QuALITY htmlstripped text: wrapped lines are joined, a blank line starts a new paragraph."""
    blocks = re.split(r"\n\s*\n", article.strip())
    return [" ".join(line.strip() for line in b.splitlines() if line.strip()) for b in blocks if b.strip()]


def looks_like_html(text: str) -> bool:
    """Does an article hold HTML markup (QuALITY's raw files) rather than stripped text?"""
    return bool(re.search(r"<(p|br|html|body|div|h\d|pre)\b[^>]*>|</p>", text, flags=re.I))


class _Paragraphs(HTMLParser):
    """HTML to paragraphs: <p>, <br/><br/>, headings, <div> and <pre> end a paragraph (QuALITY's own
    stripping turns these tags into line breaks); <head>, <style> and <script> are dropped."""
    BREAKS = {"p", "div", "h1", "h2", "h3", "h4", "h5", "h6", "pre", "li", "tr", "blockquote", "hr"}
    SKIP = {"head", "style", "script", "title"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.paragraphs: list[str] = []
        self.current: list[str] = []
        self.skipping = 0
        self.brs = 0

    def _flush(self):
        text = " ".join("".join(self.current).split())
        if text:
            self.paragraphs.append(text)
        self.current = []

    def handle_starttag(self, tag, attrs):
        if tag in self.SKIP:
            self.skipping += 1
        elif tag == "br":
            self.brs += 1
            if self.brs >= 2:          # <br/><br/>: a paragraph break; one <br/> is a line break
                self._flush()
            else:
                self.current.append(" ")
        elif tag in self.BREAKS:
            self._flush()

    def handle_endtag(self, tag):
        if tag in self.SKIP:
            self.skipping = max(0, self.skipping - 1)
        elif tag in self.BREAKS:
            self._flush()

    def handle_data(self, data):
        if self.skipping:
            return
        if data.strip():
            self.brs = 0
        self.current.append(data)

    def close(self):
        super().close()
        self._flush()


def html_paragraphs(html: str) -> list[str]:
    """Paragraphs of an HTML article (QuALITY's raw `QuALITY.v1.0.1.<split>` files)."""
    parser = _Paragraphs()
    parser.feed(html)
    parser.close()
    return parser.paragraphs


def _quality_article(rec: dict, where: str) -> list[str]:
    """A QuALITY record's paragraphs, whichever of QuALITY's published forms it has: the stripped text
    (`*.htmlstripped.*`), the raw HTML as one string (`QuALITY.v1.0.1.<split>`), or the HTML as a list
    of lines (the baseline repository's `quality_example.jsonl`)."""
    if "article" not in rec:
        raise WorkbenchError(f"{where}: missing field 'article'")
    article = rec["article"]
    if isinstance(article, list) and all(isinstance(x, str) for x in article):
        article = "".join(article)
    if not isinstance(article, str):
        raise WorkbenchError(f"{where}: field 'article' should be the article's text or HTML (a string, or a list of "
                             f"HTML lines), got {type(article).__name__}; use QuALITY's "
                             f"QuALITY.v1.0.1.htmlstripped.<split> file")
    return html_paragraphs(article) if looks_like_html(article) else quality_paragraphs(article)


def _quality_questions(rec: dict, where: str) -> list[dict]:
    """[{question, options, gold_label?, question_unique_id?}]: the `questions` list of the v1.0.1 files,
    or the numbered fields (question1, question1option1..4, question1_gold_label) of the example file."""
    if "questions" in rec:
        return _need(rec, "questions", list, where)
    numbered = []
    n = 1
    while f"question{n}" in rec:
        options = []
        while f"question{n}option{len(options) + 1}" in rec:
            options.append(rec[f"question{n}option{len(options) + 1}"])
        q = {"question": rec[f"question{n}"], "options": options}
        if f"question{n}_gold_label" in rec:
            q["gold_label"] = rec[f"question{n}_gold_label"]
        numbered.append(q)
        n += 1
    if not numbered:
        raise WorkbenchError(f"{where}: missing field 'questions' (nor question1, question1option1, ...): "
                             f"not a QuALITY record")
    return numbered


def load_quality(path: str | Path, limit: int | None = None) -> list[Document]:
    """QuALITY JSONL, one line per (article, writer), merged per `article_id` (each article appears
    twice, with two writers' questions: paginate and gist it once). Reads the `.htmlstripped` files,
    the raw-HTML ones (paragraphs from the HTML) and the baseline example's numbered-question form."""
    docs: dict[str, Document] = {}
    for lineno, rec in _read_jsonl(path):
        where = f"{path}:{lineno}"
        art_id = str(_need(rec, "article_id", (str, int), where))
        questions = _quality_questions(rec, where)
        if art_id not in docs:
            if limit is not None and len(docs) >= limit:
                continue
            paragraphs = _quality_article(rec, where)
            if not paragraphs:
                raise WorkbenchError(f"{where}: article {art_id} has no text")
            docs[art_id] = Document(art_id, str(rec.get("title", art_id)), paragraphs, [], source="quality")
        for qi, q in enumerate(questions):
            qwhere = f"{where}: question {qi}"
            if not isinstance(q, dict):
                raise WorkbenchError(f"{qwhere}: expected an object")
            text = _need(q, "question", str, qwhere)
            options = _need(q, "options", list, qwhere)
            if len(options) < 2 or not all(isinstance(o, str) for o in options):
                raise WorkbenchError(f"{qwhere}: 'options' should be a list of at least 2 strings")
            gold = q.get("gold_label")  # 1-indexed; absent on the test split
            if gold is not None and (not isinstance(gold, int) or not 1 <= gold <= len(options)):
                raise WorkbenchError(f"{qwhere}: gold_label {gold!r} is not in 1..{len(options)}")
            qid = str(q.get("question_unique_id", f"{art_id}-{rec.get('writer_id', '')}-{qi}"))
            docs[art_id].questions.append(Question(qid, text.strip(), [o.strip() for o in options],
                                                   None if gold is None else gold - 1))
    return list(docs.values())


# QMSum's own preprocessing (its repository's data_process notebook) drops these speech-recognition
# markers and joins spelled-out acronyms ("a_m_i_" -> "ami", "l_c_d_" -> "lcd"); we do the same on
# the untokenised text, keeping case.
TRANSCRIPT_MARKUP = re.compile(r"\{\s*(vocalsound|disfmarker|pause|nonvocalsound|gap)\s*\}", flags=re.I)
SPELLED_ACRONYM = re.compile(r"\b((?:[A-Za-z]_){2,}[A-Za-z]?_?)")


def clean_transcript(text: str) -> str:
    """A QMSum turn without its transcription markup: {vocalsound}, {disfmarker}, {pause},
    {nonvocalsound} and {gap} removed, spelled acronyms joined (L_C_D_ -> LCD), spaces collapsed."""
    text = TRANSCRIPT_MARKUP.sub(" ", text)
    text = SPELLED_ACRONYM.sub(lambda m: m.group(1).replace("_", ""), text)
    text = re.sub(r"\s+([,.?!;:])", r"\1", " ".join(text.split()))
    return text.strip()


def load_qmsum(path: str | Path, limit: int | None = None) -> list[Document]:
    """QMSum JSONL (`data/ALL/jsonl/val.jsonl`): one meeting per line; a paragraph is one speaker turn
    ("Speaker: content"); specific and general queries become free-form questions, specific ones first
    (they carry `relevant_text_span`, [start, end] turn indices as strings, which becomes the evidence,
    and they ask for a detail, as the paper's look-up is for; general ones ask for a summary)."""
    docs = []
    for lineno, rec in _read_jsonl(path):
        if limit is not None and len(docs) >= limit:
            break
        where = f"{path}:{lineno}"
        turns = _need(rec, "meeting_transcripts", list, where)
        paragraphs, turn_index = [], {}   # turn_index: transcript turn -> paragraph (empty turns dropped)
        for ti, t in enumerate(turns):
            if not isinstance(t, dict) or not isinstance(t.get("content"), str):
                raise WorkbenchError(f"{where}: meeting_transcripts[{ti}] needs a string 'content'")
            content = clean_transcript(t["content"])
            if content:   # a turn that was only markup ("{vocalsound}") is no paragraph
                turn_index[ti] = len(paragraphs)
                paragraphs.append(f"{t.get('speaker', 'Speaker')}: {content}")
        doc_id = f"qmsum-{lineno}"
        topics = rec.get("topic_list") or []
        title = topics[0].get("topic", doc_id) if topics and isinstance(topics[0], dict) else doc_id
        questions = []
        for kind in ("specific_query_list", "general_query_list"):
            for qi, q in enumerate(rec.get(kind, []) or []):
                qwhere = f"{where}: {kind}[{qi}]"
                if not isinstance(q, dict):
                    raise WorkbenchError(f"{qwhere}: expected an object")
                text = _need(q, "query", str, qwhere)
                answer = _need(q, "answer", str, qwhere)
                evidence = []
                for span in q.get("relevant_text_span", []) or []:
                    try:
                        a, b = int(span[0]), int(span[1])
                    except (TypeError, ValueError, IndexError):
                        raise WorkbenchError(f"{qwhere}: relevant_text_span {span!r} is not [start, end]") from None
                    evidence.extend(turn_index[t] for t in range(a, b + 1) if t in turn_index)
                questions.append(Question(f"{doc_id}-{kind[:4]}-{qi}", text, None, None, [answer], sorted(set(evidence))))
        docs.append(Document(doc_id, str(title), paragraphs, questions, source="qmsum"))
    return docs


def load_jsonl(path: str | Path) -> list[Document]:
    """The project's own format (one `Document.to_dict()` per line)."""
    out = []
    for lineno, rec in _read_jsonl(path):
        try:
            out.append(Document.from_dict(rec))
        except (KeyError, TypeError) as e:
            raise WorkbenchError(f"{path}:{lineno}: not a benchmark document ({e})") from None
    return out


# --------------------------------------------------------------------------------------------
# The generated benchmark: tales of one town, one episode per planted detail
# --------------------------------------------------------------------------------------------
# Designed for the regime the paper measures with a model as small as the embedded 135M one:
#   * each episode (two paragraphs, ~140 words) is about one subject and one object, named in its first
#     sentence; the detail a question asks for (where it was hidden, which town it went to, what colour
#     it was painted) is stated once, late in the second paragraph, so a gist that keeps the opening
#     keeps what the page is about and loses the detail;
#   * a document uses one or two kinds of detail, so every option of a question is the answer to
#     another episode's question: every option appears in the document, and only the evidence page
#     pairs the right one with the question's subject and object;
#   * the filler sentences use none of the options' words.
# `Document.sections` records where each episode starts (the "evidence page" of the sanity gate).

NAMES = ["Mara", "Tobin", "Elsa", "Quill", "Bram", "Ilse", "Corin", "Dagny", "Fenna", "Hollis", "Jory",
         "Kestrel", "Lark", "Mirren", "Odo", "Perrin", "Rosk", "Sabine", "Tamsin", "Ulric", "Vesna", "Wren",
         "Yara", "Zeno", "Anselm", "Brisa", "Edda", "Garrick"]
OBJECTS = ["brass key", "leather ledger", "silver compass", "glass lantern", "copper kettle", "oak chest",
           "wool cloak", "iron lockbox", "painted fan", "bone flute", "tin whistle", "walking stick",
           "jade ring", "clay jar", "fishing rod", "sewing box"]
TRADES = ["baker", "cooper", "ferryman", "herbalist", "glassblower", "clerk", "mason", "net-mender", "scribe",
          "potter", "saddler", "chandler"]
MOODS = ["uneasy", "cheerful", "tired", "restless", "thoughtful", "impatient", "hopeful", "wary"]
SAYINGS = ["Nothing stays buried for long", "A quiet street is a street that is listening",
           "Debts are paid in the end, one way or another", "The river remembers every boat it carried",
           "You cannot mend a net while it is still in the water", "Heavy doors open slowest"]
WEATHER = ["A thin rain drifted in from the estuary", "The wind turned cold and smelled of tar",
           "Fog sat on the river until nearly noon", "The sun came out hard and bright over the roofs",
           "Clouds piled up above the hills", "A dry wind rattled the shutters along the lane"]
# the answers: each kind's values, none of which the filler uses
KIND_VALUES = {
    "hide": ["the lighthouse", "the old granary", "the chapel crypt", "the mill cellar", "the bell tower",
             "the boathouse", "the orchard shed", "the weaver's loft", "the salt store", "the tannery yard",
             "the hill shrine", "the ferry landing"],
    "travel": ["Harrowgate", "Lindmoor", "Espen Quay", "Varrow", "Cold Hithe", "Brenmark", "Saltreach",
               "Owlsford", "Dunmere", "Kettleby", "Marrowick", "Thistlecombe"],
    "color": ["crimson", "ochre", "teal", "violet", "amber", "emerald", "saffron", "indigo", "ivory", "scarlet"],
}
FACT_KINDS = tuple(KIND_VALUES)


def _fact(kind: str, who: str, obj: str, value: str) -> tuple[str, str]:
    """(the sentence stating the detail, the question asking for it)."""
    if kind == "hide":
        return (f"Late that night {who} hid the {obj} in {value}, where nobody would think to look.",
                f"Where did {who} hide the {obj}?")
    if kind == "travel":
        return (f"At dawn {who} set out for {value}, with the {obj} wrapped in a blanket.",
                f"To which town did {who} take the {obj}?")
    if kind == "color":
        return (f"Then {who} painted the {obj} a bright {value} and left it to dry by the door.",
                f"What colour did {who} paint the {obj}?")
    raise ValueError(kind)


def _fillers(rng: random.Random, who: str, friend: str, obj: str, trade: str) -> list[str]:
    """Sentences about an episode's subject that carry no option's words, shuffled."""
    sents = [
        f"{who} had worked as a {trade} for many years and knew most of the families by name.",
        f"{who} felt {rng.choice(MOODS)} all that week and could not say exactly why.",
        f"\"{rng.choice(SAYINGS)},\" {who} said to {friend}, who only shrugged and looked away.",
        f"{friend} had known {who} since they were children and was trusted with most things.",
        f"The {obj} had belonged to the grandmother of {who}, and it was kept wrapped in a faded cloth.",
        f"{who} and {friend} shared bread and cheese and argued about the price of flour.",
        f"{rng.choice(WEATHER)}, and most people kept close to their doors.",
        f"For days {who} turned the matter over and spoke of it to no one but {friend}.",
        f"{who} counted the lamps along the quay and found that two of them had gone out.",
        f"The bells rang for the evening, and {friend} hurried home before the gates were shut.",
    ]
    rng.shuffle(sents)
    return sents


def _episode(rng: random.Random, who: str, friend: str, obj: str, fact: str) -> list[str]:
    """Two paragraphs: the subject and object named first, the detail late in the second."""
    trade = rng.choice(TRADES)
    fill = _fillers(rng, who, friend, obj, trade)
    first = [f"This is the tale of {who} the {trade} and the {obj}."] + fill[:3]
    second = fill[3:6] + [fact] + fill[6:7]
    return [" ".join(first), " ".join(second)]


def spread(questions: list[Question], k: int) -> list[Question]:
    """k of the questions, spread evenly over the list (all of them when k >= their number)."""
    if k >= len(questions):
        return list(questions)
    return [questions[int((i + 0.5) * len(questions) / k)] for i in range(k)]


def generate_document(seed: int, index: int, words: int = 1600) -> Document:
    """One tale of >= `words` words (at least 4 episodes of ~140 words), one question per episode,
    each answered by one sentence in a known paragraph."""
    rng = random.Random(f"readagent-v2-{seed}-{index}")
    n_episodes = max(4, -(-words // 140))
    n_kinds = 1 if n_episodes < 8 else 2
    kinds = [FACT_KINDS[(index + j) % len(FACT_KINDS)] for j in range(n_kinds)]
    names = rng.sample(NAMES, min(len(NAMES), n_episodes + 4))
    if len(names) < n_episodes + 2:
        raise ValueError(f"too many episodes ({n_episodes}) for the {len(NAMES)} names")
    subjects, friends = names[:n_episodes], names[n_episodes:]
    objects = [OBJECTS[i % len(OBJECTS)] for i in rng.sample(range(len(OBJECTS)), len(OBJECTS))]
    per_kind = {k: rng.sample(KIND_VALUES[k], min(len(KIND_VALUES[k]), n_episodes)) for k in kinds}
    paragraphs: list[str] = []
    sections: list[int] = []
    facts = []   # (kind, value, question, evidence paragraph)
    used = {k: [] for k in kinds}
    while len(sections) < n_episodes or sum(count_words(p) for p in paragraphs) < words:
        e = len(sections)
        if e >= min(len(objects), len(subjects)):
            break
        kind = kinds[e % n_kinds]
        value = per_kind[kind][len(used[kind]) % len(per_kind[kind])]
        used[kind].append(value)
        who, obj = subjects[e], objects[e]
        sentence, question = _fact(kind, who, obj, value)
        sections.append(len(paragraphs))
        paragraphs += _episode(rng, who, rng.choice(friends), obj, sentence)
        facts.append((kind, value, question, len(paragraphs) - 1))
    questions = []
    for e, (kind, value, question, where) in enumerate(facts):
        others = [v for v in dict.fromkeys(used[kind]) if v != value]
        if len(others) < 3:
            raise ValueError(f"document {index}: {kind} has {len(others) + 1} values; 4 options need 4 episodes")
        options = [value] + rng.sample(others, 3)
        rng.shuffle(options)
        questions.append(Question(f"gen{seed}-{index}-{e}", question, options, options.index(value), [], [where]))
    return Document(f"gen{seed}-{index}", f"Tales of the river town ({index})", paragraphs, questions, "generated",
                    sections)


def generate_benchmark(seed: int = 0, n_docs: int = 10, words: int = 1600) -> list[Document]:
    """The project's benchmark: `n_docs` tales (deterministic in `seed`)."""
    return [generate_document(seed, i, words) for i in range(n_docs)]


# the committed file's settings: `load_documents` reads it when a run asks for no more than this
BENCHMARK_SETTINGS = dict(seed=0, n_docs=10, words=1600)


def evidence_page(doc: Document, q: Question) -> str:
    """The text of the episode (section) holding the question's evidence, or the evidence paragraphs
    themselves when the document has no sections; "" when the evidence is unknown."""
    if not q.evidence:
        return ""
    if doc.sections:
        bounds = list(doc.sections) + [len(doc.paragraphs)]
        for a, b in zip(bounds, bounds[1:]):
            if a <= q.evidence[0] < b:
                return "\n".join(doc.paragraphs[a:b])
    return "\n".join(doc.paragraphs[e] for e in q.evidence)


def load_documents(dataset: str, n_docs: int, seed: int = 0, doc_words: int = 1600, questions_per_doc: int = 10,
                   max_doc_words: int = 0) -> list[Document]:
    """`dataset` as in Config: 'generated' (the committed file when its settings match, else generated),
    'quality:<path>' or 'qmsum:<path>'."""
    b = BENCHMARK_SETTINGS
    if dataset == "generated":
        if seed == b["seed"] and doc_words == b["words"] and n_docs <= b["n_docs"] and BENCHMARK_PATH.exists():
            docs = load_jsonl(BENCHMARK_PATH)[:n_docs]
        else:
            docs = generate_benchmark(seed, n_docs, doc_words)
    elif dataset.startswith("quality:"):
        docs = load_quality(dataset.split(":", 1)[1], limit=n_docs)
    elif dataset.startswith("qmsum:"):
        docs = load_qmsum(dataset.split(":", 1)[1], limit=n_docs)
    else:
        raise WorkbenchError(f"unknown dataset {dataset!r}; use 'generated', 'quality:<path>' or 'qmsum:<path>'")
    docs = [truncate(d, max_doc_words) for d in docs[:n_docs]]
    for d in docs:   # generated: spread over the document; loaded: the first ones (QMSum: specific first)
        d.questions = spread(d.questions, questions_per_doc) if d.source == "generated" else d.questions[:questions_per_doc]
    return docs
