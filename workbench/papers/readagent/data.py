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

    @property
    def words(self) -> int:
        return sum(count_words(p) for p in self.paragraphs)

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict) -> "Document":
        return cls(d["doc_id"], d["title"], list(d["paragraphs"]),
                   [Question(**q) for q in d["questions"]], d.get("source", ""))


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
    return Document(doc.doc_id, doc.title, kept, qs, doc.source)


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


def load_quality(path: str | Path, limit: int | None = None) -> list[Document]:
    """QuALITY v1.0.1 `.htmlstripped` JSONL: one line per (article, writer); merged per `article_id`
    (each article appears twice, with two writers' questions: paginate and gist it once)."""
    docs: dict[str, Document] = {}
    for lineno, rec in _read_jsonl(path):
        where = f"{path}:{lineno}"
        art_id = str(_need(rec, "article_id", (str, int), where))
        article = _need(rec, "article", str, where)
        questions = _need(rec, "questions", list, where)
        if art_id not in docs:
            if limit is not None and len(docs) >= limit:
                continue
            docs[art_id] = Document(art_id, str(rec.get("title", art_id)), quality_paragraphs(article), [],
                                    source="quality")
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
            docs[art_id].questions.append(Question(qid, text, list(options), None if gold is None else gold - 1))
    return list(docs.values())


def load_qmsum(path: str | Path, limit: int | None = None) -> list[Document]:
    """QMSum JSONL (`data/ALL/jsonl/val.jsonl`): one meeting per line; a paragraph is one speaker turn
    ("Speaker: content"); general and specific queries become free-form questions. Specific queries'
    `relevant_text_span` ([start, end] turn indices, as strings) becomes the evidence."""
    docs = []
    for lineno, rec in _read_jsonl(path):
        if limit is not None and len(docs) >= limit:
            break
        where = f"{path}:{lineno}"
        turns = _need(rec, "meeting_transcripts", list, where)
        paragraphs = []
        for ti, t in enumerate(turns):
            if not isinstance(t, dict) or not isinstance(t.get("content"), str):
                raise WorkbenchError(f"{where}: meeting_transcripts[{ti}] needs a string 'content'")
            paragraphs.append(f"{t.get('speaker', 'Speaker')}: {t['content'].strip()}")
        doc_id = f"qmsum-{lineno}"
        topics = rec.get("topic_list") or []
        title = topics[0].get("topic", doc_id) if topics and isinstance(topics[0], dict) else doc_id
        questions = []
        for kind in ("general_query_list", "specific_query_list"):
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
                    evidence.extend(range(a, min(b, len(paragraphs) - 1) + 1))
                questions.append(Question(f"{doc_id}-{kind[:4]}-{qi}", text, None, None, [answer], sorted(set(evidence))))
        docs.append(Document(doc_id, str(title), paragraphs, questions, source="qmsum"))
    return docs


def save_jsonl(docs: list[Document], path: str | Path) -> None:
    from workbench.cache import atomic_write_text
    atomic_write_text(path, "".join(json.dumps(d.to_dict()) + "\n" for d in docs))


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
# The generated benchmark: chronicles of invented towns with planted facts
# --------------------------------------------------------------------------------------------

NAMES = ["Mara", "Tobin", "Elsa", "Quill", "Bram", "Ilse", "Corin", "Dagny", "Fenna", "Hollis", "Jory",
         "Kestrel", "Lark", "Mirren", "Odo", "Perrin", "Rosk", "Sabine", "Tamsin", "Ulric", "Vesna", "Wren",
         "Yara", "Zeno", "Anselm", "Brisa", "Edda", "Garrick"]
PLACES = ["the old granary", "the lighthouse", "the chapel crypt", "the mill cellar", "the bell tower",
          "the boathouse", "the orchard shed", "the weaver's loft", "the north gatehouse", "the salt store",
          "the ferry landing", "the market hall", "the tannery yard", "the hill shrine"]
OBJECTS = ["brass key", "leather ledger", "silver compass", "glass lantern", "copper kettle", "oak chest",
           "wool cloak", "iron lockbox", "painted fan", "bone flute", "tin whistle", "map of the marsh",
           "jade ring", "clay seal"]
COLORS = ["crimson", "ochre", "teal", "violet", "amber", "slate grey", "emerald", "saffron", "indigo", "ivory"]
TOWNS = ["Harrowgate", "Lindmoor", "Espen Quay", "Varrow", "Cold Hithe", "Brenmark", "Saltreach", "Owlsford",
         "Dunmere", "Kettleby", "Marrowick", "Thistlecombe"]
TRADES = ["baker", "cooper", "ferryman", "herbalist", "glassblower", "clerk", "mason", "net-mender", "scribe",
          "potter", "saddler", "chandler"]
ANIMALS = ["a grey heron", "a lame pony", "two stray dogs", "a flock of geese", "an old tomcat", "a pair of crows"]
WEATHER = ["A thin rain drifted in from the estuary", "The wind turned cold and smelled of tar",
           "Fog sat on the river until nearly noon", "The sun came out hard and bright over the roofs",
           "Clouds piled up above the western hills", "A dry wind rattled the shutters along the lane"]
MOODS = ["uneasy", "cheerful", "tired", "restless", "thoughtful", "impatient", "hopeful", "wary"]
SAYINGS = ["Nothing stays buried in this town for long", "A quiet street is a street that is listening",
           "Debts are paid in the end, one way or another", "The river remembers every boat it carried",
           "You cannot mend a net while it is still in the water", "Old doors open slowest"]


def _filler_sentences(rng: random.Random, cast: list[str], town: str) -> list[str]:
    """Narrative sentences that carry no question's answer (they may mention any place or object)."""
    a, b = rng.sample(cast, 2)
    place, other = rng.sample(PLACES, 2)
    obj = rng.choice(OBJECTS)
    return [
        f"{rng.choice(WEATHER)}, and the people of {town} kept close to their doors.",
        f"{a} walked past {place} and stopped to watch {rng.choice(ANIMALS)} near the water.",
        f"\"{rng.choice(SAYINGS)},\" {a} said to {b}, who only shrugged and looked away.",
        f"{b} had worked as a {rng.choice(TRADES)} for many years and knew most of the families by name.",
        f"The talk in the market that week was all about {other} and who had been seen near it after dark.",
        f"{a} felt {rng.choice(MOODS)} all afternoon and could not say exactly why.",
        f"Somebody had left a {obj} on the steps of {place}, but by evening it was gone again.",
        f"{b} counted the lamps along the quay and found that two of them had gone out.",
        f"Later, {a} and {b} shared bread and cheese and argued about the price of salt.",
        f"Children ran down the lane toward {other}, shouting about a ship that never came.",
        f"{a} remembered the winter when the river froze and the whole town crossed it on foot.",
        f"The bells rang for the evening, and {b} hurried home before the gates were shut.",
    ]


def _filler_paragraph(rng: random.Random, cast: list[str], town: str, n_sentences: int) -> str:
    sents = _filler_sentences(rng, cast, town)
    rng.shuffle(sents)
    return " ".join(sents[:n_sentences])


def _make_fact(rng: random.Random, kind: str, who: str, other: str, obj: str, used: dict) -> tuple[str, str, str, list[str]]:
    """(fact sentence, question, right answer, distractors) for one planted fact."""
    if kind == "hide":
        place, *dist = rng.sample(PLACES, 4)
        return (f"That night {who} hid the {obj} in {place}, and told no one at all.",
                f"Where did {who} hide the {obj}?", place, dist)
    if kind == "price":
        price = rng.randrange(7, 90)
        dist = rng.sample([p for p in range(5, 95) if abs(p - price) >= 3], 3)
        return (f"{who} paid {price} silver coins for the {obj}, more than it was worth.",
                f"How many silver coins did {who} pay for the {obj}?", str(price), [str(d) for d in dist])
    if kind == "color":
        color, *dist = rng.sample(COLORS, 4)
        return (f"{who} painted the front door of the house a bright {color} that spring.",
                f"What color did {who} paint the front door?", color, dist)
    if kind == "travel":
        town, *dist = rng.sample([t for t in TOWNS if t not in used["towns"]], 4)
        return (f"At dawn {who} set out for {town} with a letter sewn into a coat lining.",
                f"To which town did {who} set out with the letter?", town, dist)
    if kind == "gift":
        gift, *dist = rng.sample([o for o in OBJECTS if o != obj], 4)
        return (f"Before leaving, {who} gave {other} a {gift} as a parting present.",
                f"What did {who} give {other} as a parting present?", f"a {gift}", [f"a {d}" for d in dist])
    raise ValueError(kind)


FACT_KINDS = ("hide", "price", "color", "travel", "gift")


def generate_document(seed: int, index: int, words: int = 3000, n_questions: int = 6) -> Document:
    """One chronicle of >= `words` words with `n_questions` multiple-choice questions, each answered by
    exactly one planted sentence in a known paragraph (`Question.evidence`), spread over the document.

    Each fact has its own subject (a cast member used by no other fact), so the sentence that answers
    a question is the only one that pairs its subject with its fact kind."""
    rng = random.Random(f"readagent-{seed}-{index}")
    town = rng.choice(TOWNS)
    cast = rng.sample(NAMES, 6 + n_questions)
    subjects, cast = cast[:n_questions], cast[n_questions:]   # fact subjects never appear in filler
    paragraphs: list[str] = []
    scene = 0
    while sum(count_words(p) for p in paragraphs) < words:
        if rng.random() < 0.2 or not paragraphs:
            scene += 1
            paragraphs.append(f"{['Morning', 'Evening', 'Later', 'The next day', 'That week'][scene % 5]} "
                              f"in {town}. " + _filler_paragraph(rng, cast, town, 4))
        else:
            paragraphs.append(_filler_paragraph(rng, cast, town, rng.randint(4, 7)))
    # plant the facts in paragraphs spread evenly over the document (not the first or last)
    n = len(paragraphs)
    slots = [int((i + 0.5) * n / n_questions) for i in range(n_questions)]
    slots = [min(max(s, 1), n - 2) for s in slots]
    used = {"towns": {town}}
    questions = []
    for qi, (slot, who) in enumerate(zip(slots, subjects)):
        kind = FACT_KINDS[(qi + index) % len(FACT_KINDS)]
        other = rng.choice(cast)
        obj = rng.choice(OBJECTS)
        sentence, question, right, distractors = _make_fact(rng, kind, who, other, obj, used)
        sents = paragraphs[slot].split(". ")
        pos = rng.randint(1, len(sents) - 1)
        paragraphs[slot] = ". ".join(sents[:pos]) + ". " + sentence + " " + ". ".join(sents[pos:])
        options = [right] + distractors[:3]
        rng.shuffle(options)
        questions.append(Question(f"gen{seed}-{index}-{qi}", question, options, options.index(right), [], [slot]))
    return Document(f"gen{seed}-{index}", f"A chronicle of {town} ({index})", paragraphs, questions, "generated")


def generate_benchmark(seed: int = 0, n_docs: int = 10, words: int = 3000, n_questions: int = 6) -> list[Document]:
    """The project's benchmark: `n_docs` chronicles (deterministic in `seed`)."""
    return [generate_document(seed, i, words, n_questions) for i in range(n_docs)]


def load_documents(dataset: str, n_docs: int, seed: int = 0, doc_words: int = 3000, questions_per_doc: int = 6,
                   max_doc_words: int = 0) -> list[Document]:
    """`dataset` as in Config: 'generated' (the committed file when its settings match, else generated),
    'quality:<path>' or 'qmsum:<path>'."""
    if dataset == "generated":
        if seed == 0 and doc_words == 3000 and questions_per_doc <= 6 and n_docs <= 10 and BENCHMARK_PATH.exists():
            docs = load_jsonl(BENCHMARK_PATH)[:n_docs]
        else:
            docs = generate_benchmark(seed, n_docs, doc_words, max(questions_per_doc, 1))
    elif dataset.startswith("quality:"):
        docs = load_quality(dataset.split(":", 1)[1], limit=n_docs)
    elif dataset.startswith("qmsum:"):
        docs = load_qmsum(dataset.split(":", 1)[1], limit=n_docs)
    else:
        raise WorkbenchError(f"unknown dataset {dataset!r}; use 'generated', 'quality:<path>' or 'qmsum:<path>'")
    docs = [truncate(d, max_doc_words) for d in docs[:n_docs]]
    for d in docs:
        d.questions = d.questions[:questions_per_doc]
    return docs
