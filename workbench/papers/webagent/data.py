"""HTML corpus, HTML tokenizer, long-span denoising and fine-tuning examples for HTML-T5-mini.

- `collect_corpus`: the `#wrap` HTML of every MiniWoB task after reset (several seeds each) plus the
  project's composed pages: the stand-in for the paper's CommonCrawl HTML (§3.1).
- `clean_html`: the model's view of a page: `data-wob_ref="7"` becomes `ref=7` (the paper's
  data-ref ids, what snippet extraction predicts), style and episode attributes go, whitespace
  between tags goes.
- `train_tokenizer`: a byte-level BPE (`tokenizers`) over that corpus with T5's specials and
  sentinels (`<extra_id_k>`); byte-level, so `decode(encode(html)) == html` for any text.
- `noise_mask` / `span_corrupt`: T5's span corruption (Raffel et al. 2020, `random_spans_noise_mask`)
  and HTML-T5's mixture of long-span denoising (mean span 8 and 64 at noise 0.15) against T5's
  short span (mean 3).
- `examples_from_steps`: fine-tuning labels from a recorded oracle episode (planning, snippet,
  program and the single-model "act" task; see `Example`).
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass

import numpy as np

from workbench import WorkbenchError
from workbench.web.actions import Action

PAD, EOS, UNK = "<pad>", "</s>", "<unk>"


# ---------------------------------------------------------------------------------------------
# the corpus

_REF = re.compile(r'\sdata-wob_ref="(\d+)"')
_DROP = re.compile(r'\s(?:data-wob_eps|style)="[^"]*"')
_GAP = re.compile(r">\s+<")


def clean_html(html: str) -> str:
    """The model's view of a page (see module docstring). Refs survive as `ref=N`."""
    html = _DROP.sub("", html)
    html = _REF.sub(r" ref=\1", html)
    return _GAP.sub("><", html.strip())


def collect_corpus(tasks: list[str], pages: list[str], pages_dir, resets: int, seed: int = 0,
                   progress=lambda done, total: None) -> list[str]:
    """Cleaned HTML after `resets` resets of each MiniWoB task in `tasks` and each page in `pages`
    (stems in `pages_dir`), in one browser moved from task to task. A task that fails to load
    (some need assets miniwob does not ship offline) is skipped."""
    from workbench.web.env import WebEnv

    docs, env = [], None
    work = [(t, None) for t in tasks] + [(p, pages_dir) for p in pages]
    try:
        for k, (task, html_dir) in enumerate(work):
            try:
                if env is None:
                    env = WebEnv(task, html_dir=html_dir, screenshots=False, time_limit_s=60)
                else:
                    env.switch_task(task, html_dir=html_dir)
                for r in range(resets):
                    html = clean_html(env.reset(seed=seed * 1000 + r).html)
                    if html:
                        docs.append(html)
            except WorkbenchError:
                raise
            except Exception:  # noqa: BLE001 - a task that does not load offline is left out
                pass
            progress(k + 1, len(work))
    finally:
        if env is not None:
            env.close()
    return docs


# ---------------------------------------------------------------------------------------------
# the tokenizer

class HtmlTokenizer:
    """A trained `tokenizers.Tokenizer` with T5's conventions: <pad>=0, </s>=1, <unk>=2, then
    `n_sentinels` sentinels `<extra_id_0>`...; `encode` adds no specials, `decode` drops them."""

    def __init__(self, tok, n_sentinels: int):
        self.tok, self.n_sentinels = tok, n_sentinels
        self.pad_id, self.eos_id = tok.token_to_id(PAD), tok.token_to_id(EOS)
        self.sentinel_ids = [tok.token_to_id(f"<extra_id_{k}>") for k in range(n_sentinels)]

    @property
    def vocab_size(self) -> int:
        return self.tok.get_vocab_size()

    def encode(self, text: str) -> list[int]:
        return self.tok.encode(text, add_special_tokens=False).ids

    def decode(self, ids) -> str:
        special = {self.pad_id, self.eos_id, *self.sentinel_ids}
        return self.tok.decode([int(i) for i in ids if int(i) not in special], skip_special_tokens=False)

    def to_json(self) -> str:
        return json.dumps({"tokenizer": self.tok.to_str(), "n_sentinels": self.n_sentinels})

    @classmethod
    def from_json(cls, text: str) -> "HtmlTokenizer":
        from tokenizers import Tokenizer
        d = json.loads(text)
        return cls(Tokenizer.from_str(d["tokenizer"]), d["n_sentinels"])


def train_tokenizer(texts: list[str], vocab_size: int = 512, n_sentinels: int = 100) -> HtmlTokenizer:
    """Byte-level BPE over `texts`; `vocab_size` counts the 256 bytes and the merges, the specials
    come on top (the paper's HTML-T5 keeps T5's 32k SentencePiece vocabulary; a 1M-parameter model
    needs a small one, or the embeddings dominate it)."""
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers

    if not texts:
        raise WorkbenchError("cannot train a tokenizer on an empty corpus")
    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=True)
    tok.decoder = decoders.ByteLevel()
    specials = [PAD, EOS, UNK] + [f"<extra_id_{k}>" for k in range(n_sentinels)]
    trainer = trainers.BpeTrainer(vocab_size=vocab_size + len(specials), special_tokens=specials,
                                  initial_alphabet=pre_tokenizers.ByteLevel.alphabet(), show_progress=False)
    tok.train_from_iterator(texts, trainer)
    return HtmlTokenizer(tok, n_sentinels)


# ---------------------------------------------------------------------------------------------
# span corruption

def _segments(total: int, n: int, rng: np.random.Generator) -> np.ndarray:
    """`total` items cut into `n` non-empty runs, uniformly over such cuts (T5's _random_segmentation)."""
    cuts = np.sort(rng.choice(np.arange(1, total), size=n - 1, replace=False)) if n > 1 else np.array([], int)
    return np.diff(np.concatenate([[0], cuts, [total]]))


def noise_mask(length: int, noise_density: float, mean_span: float, rng: np.random.Generator) -> np.ndarray:
    """T5's random_spans_noise_mask: round(length * density) noise tokens in
    round(noise / mean_span) spans (at least one), spans and gaps of random lengths; the sequence
    starts with a gap. Returns a bool array (True = noise). As in T5, a single span (mean 64 at
    512 tokens: round(77 / 64) = 1) always ends the row, so there that objective is prefix-LM-like;
    at HTML-T5's 4096 tokens it makes 10 spans of 61 tokens."""
    n_noise = min(max(int(round(length * noise_density)), 1), length - 1)
    n_spans = max(min(int(round(n_noise / mean_span)), n_noise, length - n_noise), 1)
    noise = _segments(n_noise, n_spans, rng)
    keep = _segments(length - n_noise, n_spans, rng)
    mask = np.zeros(length, bool)
    pos = 0
    for k, g in zip(noise, keep):
        pos += g
        mask[pos:pos + k] = True
        pos += k
    return mask


def span_corrupt(ids: list[int], mask: np.ndarray, sentinels: list[int], eos: int) -> tuple[list[int], list[int]]:
    """Inputs with each noise span replaced by the next sentinel; targets = each sentinel followed
    by the span it hides, then EOS (T5 §3.1.4)."""
    inputs, targets, k, prev = [], [], 0, False
    for tok, m in zip(ids, mask):
        if m:
            if not prev:
                if k >= len(sentinels):
                    raise WorkbenchError(f"{k + 1} noise spans but only {len(sentinels)} sentinels")
                inputs.append(sentinels[k])
                targets.append(sentinels[k])
                k += 1
            targets.append(tok)
        else:
            inputs.append(tok)
        prev = bool(m)
    return inputs + [eos], targets + [eos]


def span_stats(masks: list[np.ndarray]) -> tuple[float, float]:
    """(mean span length, noise rate) over masks: what a mixture's corruption actually did."""
    spans, noise, total = [], 0, 0
    for m in masks:
        edges = np.diff(np.concatenate([[0], m.astype(int), [0]]))
        starts, ends = np.flatnonzero(edges == 1), np.flatnonzero(edges == -1)
        spans.extend(ends - starts)
        noise, total = noise + int(m.sum()), total + len(m)
    return float(np.mean(spans)), noise / total


def token_stream(tok: HtmlTokenizer, docs: list[str], length: int) -> np.ndarray:
    """Documents joined with EOS and cut into rows of `length` tokens (T5 packs its C4 the same
    way); the ragged tail is dropped. Shape [rows, length]."""
    ids: list[int] = []
    for d in docs:
        ids.extend(tok.encode(d))
        ids.append(tok.eos_id)
    rows = len(ids) // length
    if rows == 0:
        raise WorkbenchError(f"corpus of {len(ids)} tokens is shorter than one row of {length}")
    return np.asarray(ids[:rows * length], dtype=np.int64).reshape(rows, length)


# ---------------------------------------------------------------------------------------------
# fine-tuning examples from recorded episodes

def program_of(action: Action) -> str:
    """The one-line program for a recorded action, in the sandbox's language (workbench.web.program)."""
    if action.kind == "click":
        return f"click({action.ref})"
    if action.kind == "type":
        return f"type({action.ref}, {json.dumps(action.text, ensure_ascii=False)})"
    if action.kind == "press_key":
        return f"press_key({json.dumps(action.key, ensure_ascii=False)})"
    return "none()"


def canonical(sub_instruction: str) -> str:
    """The step part of the recorder's '<clause or skill>: <step>' (e.g. 'type the username'), the
    canonical sub-instruction the planner predicts; the whole string if there is no step part."""
    head, sep, step = sub_instruction.rpartition(": ")
    return step.strip() if sep and step.strip() else sub_instruction.strip()


def snippet_text(dom: list[dict], refs: list[int]) -> str:
    """The elements named by `refs` as short HTML-like lines (tag, ref, id, class, own text): what
    the program writer reads instead of the page (the paper's HTML snippets)."""
    by_ref = {int(e["ref"]): e for e in dom}
    out = []
    for r in refs:
        e = by_ref.get(int(r))
        if e is None:
            continue
        attrs = "".join(f' {k}="{e[k]}"' for k in ("id", "classes") if e.get(k))
        out.append(f"<{e['tag'].lower()} ref={r}{attrs}>{' '.join(str(e.get('text') or '').split())[:40]}")
    return " ".join(out)


@dataclass(frozen=True)
class Example:
    """One recorded step as the four text tasks (inputs are built by `prompts`).

    plan: instruction + earlier sub-instructions + page -> sub_instruction (closed-loop planning)
    snippet: sub_instruction + page -> refs ("7 10"; snippet extraction, the paper's data-ref summary)
    program: sub_instruction + snippet elements -> program (the program writer)
    act: instruction + earlier programs + page -> program (the single-model baseline)"""
    task: str
    episode: int
    step: int
    instruction: str
    history: tuple[str, ...]        # earlier canonical sub-instructions of the episode
    past_programs: tuple[str, ...]  # earlier programs of the episode
    html: str                       # clean_html of the page the step acted on
    sub_instruction: str
    refs: tuple[int, ...]
    snippets: str
    program: str


def examples_from_steps(steps: list[dict]) -> list[Example]:
    """Labels from one recorded episode (recorder step dicts, in order): one Example per step whose
    action is not a wait. Refs not on the page are dropped (an oracle may name a container that a
    restricted view lacks)."""
    out, history, programs = [], [], []
    for r in steps:
        action = Action.none() if r["action"] == "none()" else _parse(r["action"])
        if action.kind == "none":
            continue
        sub = canonical(r.get("sub_instruction") or "")
        on_page = {int(e["ref"]) for e in r["dom"]}
        refs = tuple(int(x) for x in r.get("refs") or [] if int(x) in on_page)
        prog = program_of(action)
        out.append(Example(r["task"], int(r["episode"]), int(r["step"]), r["utterance"], tuple(history),
                           tuple(programs), clean_html(r["html"]), sub, refs, snippet_text(r["dom"], list(refs)), prog))
        if not history or history[-1] != sub:
            history.append(sub)
        programs.append(prog)
    return out


def _parse(text: str) -> Action:
    from workbench.web.actions import parse_action
    return parse_action(text)


def prompts(kind: str, ex: Example, history_keep: int = 3) -> tuple[str, str]:
    """(input text, target text) of one task for one example; the page comes last so that
    truncation to the model's input length cuts the page, never the instruction."""
    hist = "; ".join(ex.history[-history_keep:]) or "none"
    if kind == "plan":
        return f"plan: {ex.instruction} | done: {hist} | {ex.html}", ex.sub_instruction
    if kind == "snippet":
        return f"snippet: {ex.sub_instruction} | {ex.html}", " ".join(map(str, ex.refs))
    if kind == "program":
        return f"program: {ex.sub_instruction} | {ex.snippets}", ex.program
    if kind == "act":
        past = "; ".join(ex.past_programs[-history_keep:]) or "none"
        return f"act: {ex.instruction} | done: {past} | {ex.html}", ex.program
    raise WorkbenchError(f"unknown task {kind!r}; choose plan, snippet, program or act")


TASKS = ("plan", "snippet", "program", "act")


def parse_refs(text: str) -> tuple[int, ...]:
    """Refs from a snippet prediction ("7 10" -> (7, 10)); anything else in the text is ignored."""
    return tuple(sorted({int(x) for x in re.findall(r"\d+", text)}))
