"""WebGUM-lite inputs: instruction words with character offsets, HTML tokens tied to element refs,
screenshot patches, and the action as text.

WebGUM (arXiv 2305.11854, Fig. 2) feeds Flan-T5 the instruction, the action history and the page's
HTML as text, plus 2 x 14 x 14 ViT patch tokens of the last two screenshots, and decodes the action
as text: `function(selector, text)`. No pretrained tokenizer can be fetched here, so words are hashed
into `N_BUCKETS` ids (`token_id`): the same word gets the same id in the instruction and in the HTML,
which is what lets a small model match "Submit" in one to "Submit" in the other.

- `words(text)` -> [(word, start, end)]: lower-cased words and punctuation with character offsets, so a
  predicted span of instruction words maps back to the exact text to type (`span_text`).
- `html_tokens(html)` -> [HtmlToken(text, ref, kind)]: start tags, attribute names, attribute value
  words and text words in document order, each tied to the `data-wob_ref` of the element it belongs
  to. Attributes named in `DROP_ATTRS` are left out: MiniWoB's `data-*` markers spell some answers
  (`data-color="cyan"`, `data-type="letter"`) and `data-wob_ref` is a number, not content; SVG path
  data (`d`) is long and means nothing word by word.
- `patches(image, patch)` -> [N, patch*patch*3]: non-overlapping square patches in row-major order
  (ViT's "local" tokens); `patch_grid(image_size, patch)` = patches per side.
- `action_to_text` / `action_from_text`: the action in WebGUM's dict-like output form,
  `{"action": "click", "ref": 5}` / `{"action": "type", "ref": 5, "text": "Ann"}`.
"""
from __future__ import annotations

import json
import re
import zlib
from dataclasses import dataclass
from html.parser import HTMLParser

import numpy as np

from workbench import WorkbenchError
from workbench.web.actions import Action

N_BUCKETS = 8192          # hashed vocabulary size; 0 is padding
DROP_ATTRS = ("data-", "d", "xmlns", "version", "viewbox", "preserveaspectratio")
VALUE_WORDS = 8           # at most this many words of one attribute value (long styles, paths)
_WORD = re.compile(r"[A-Za-z]+|\d+|[^\sA-Za-z\d]")
_VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}


def token_id(token: str, buckets: int = N_BUCKETS) -> int:
    """A word's hashed id in [1, buckets): stable across runs and processes (crc32, not hash())."""
    return 1 + zlib.crc32(token.encode()) % (buckets - 1)


def words(text: str) -> list[tuple[str, int, int]]:
    """(lower-cased word, start, end) for each run of letters, of digits, or each other symbol."""
    return [(m.group(0).lower(), m.start(), m.end()) for m in _WORD.finditer(text or "")]


def span_text(text: str, spans: list[tuple[str, int, int]], start: int, end: int) -> str:
    """The exact characters of `text` covered by words start..end (inclusive)."""
    if not (0 <= start <= end < len(spans)):
        raise WorkbenchError(f"span {start}..{end} outside {len(spans)} words")
    return text[spans[start][1]:spans[end][2]]


def find_span(text: str, spans: list[tuple[str, int, int]], target: str) -> tuple[int, int] | None:
    """(start, end) word indices whose characters are exactly `target`, the first such; None if the
    target is not a run of whole words of `text` (then it cannot be copied from the instruction)."""
    if not target:
        return None
    starts = {s: i for i, (_, s, _) in reversed(list(enumerate(spans)))}
    ends = {e: i for i, (_, _, e) in enumerate(spans)}
    k = text.find(target)
    while k >= 0:
        if k in starts and k + len(target) in ends:
            return starts[k], ends[k + len(target)]
        k = text.find(target, k + 1)
    return None


@dataclass(frozen=True)
class HtmlToken:
    text: str     # "<button", "@class", "btn", "submit"
    ref: int      # data-wob_ref of the element the token belongs to (0 outside any numbered element)
    kind: str     # "tag" | "attr" | "value" | "text"


def _dropped(name: str) -> bool:
    name = name.lower()
    return any(name.startswith(p) if p.endswith("-") else name == p for p in DROP_ATTRS)


def html_tokens(html: str) -> list[HtmlToken]:
    """Tokens of `html` in document order (see the module docstring); malformed HTML gives fewer
    tokens, never an error. End tags emit nothing: the order and each token's element carry the tree."""
    out: list[HtmlToken] = []
    stack: list[tuple[str, int]] = []

    class P(HTMLParser):
        def handle_starttag(self, tag, attrs):
            a = dict(attrs)
            raw = a.get("data-wob_ref")
            ref = int(raw) if raw and raw.lstrip("-").isdigit() else (stack[-1][1] if stack else 0)
            out.append(HtmlToken("<" + tag, ref, "tag"))
            for name, value in attrs:
                if _dropped(name):
                    continue
                out.append(HtmlToken("@" + name.lower(), ref, "attr"))
                out.extend(HtmlToken(w, ref, "value") for w, _, _ in words(value or "")[:VALUE_WORDS])
            if tag not in _VOID:
                stack.append((tag, ref))

        def handle_startendtag(self, tag, attrs):
            self.handle_starttag(tag, attrs)
            if tag not in _VOID and stack and stack[-1][0] == tag:
                stack.pop()

        def handle_endtag(self, tag):
            for i in range(len(stack) - 1, -1, -1):   # tolerate unclosed tags
                if stack[i][0] == tag:
                    del stack[i:]
                    break

        def handle_data(self, data):
            ref = stack[-1][1] if stack else 0
            out.extend(HtmlToken(w, ref, "text") for w, _, _ in words(data))

    try:
        p = P()
        p.feed(html or "")
        p.close()
    except Exception:  # noqa: BLE001 - a malformed page gives fewer tokens, not a crash
        pass
    return out


def patch_grid(image_size: int, patch: int) -> int:
    """Patches per side; the image size must be a multiple of the patch size."""
    if image_size % patch:
        raise WorkbenchError(f"image_size {image_size} is not a multiple of patch {patch}")
    return image_size // patch


def patches(image: np.ndarray, patch: int) -> np.ndarray:
    """[H, W, C] -> [(H/p) * (W/p), p * p * C], row-major over the grid, each patch flattened
    row-major (y, x, channel). Works on numpy arrays and torch tensors alike."""
    h, w, c = image.shape
    if h % patch or w % patch:
        raise WorkbenchError(f"image {h}x{w} is not a multiple of patch {patch}")
    g = image.reshape(h // patch, patch, w // patch, patch, c)
    g = g.transpose(0, 2, 1, 3, 4) if isinstance(g, np.ndarray) else g.permute(0, 2, 1, 3, 4)
    return g.reshape((h // patch) * (w // patch), patch * patch * c)


# --- the action as text (WebGUM's decoder output) ---------------------------------------------

def action_to_text(action: Action) -> str:
    """WebGUM's output form: {"action": "click", "ref": 5} or {"action": "type", "ref": 5, "text": "Ann"}."""
    if action.kind == "click":
        return json.dumps({"action": "click", "ref": action.ref})
    if action.kind == "type":
        return json.dumps({"action": "type", "ref": action.ref, "text": action.text}, ensure_ascii=False)
    raise WorkbenchError(f"WebGUM's action space is click and type, not {action.kind}")


def action_from_text(text: str) -> Action:
    """Read `action_to_text`'s form back; one-line WorkbenchError on anything else."""
    try:
        d = json.loads(text)
    except (json.JSONDecodeError, TypeError):
        raise WorkbenchError(f"not an action text: {text!r}") from None
    if not isinstance(d, dict) or d.get("action") not in ("click", "type"):
        raise WorkbenchError(f"not an action text (action must be click or type): {text!r}")
    ref = d.get("ref")
    if not isinstance(ref, int) or isinstance(ref, bool):
        raise WorkbenchError(f"action text without an integer ref: {text!r}")
    if d["action"] == "click":
        if set(d) != {"action", "ref"}:
            raise WorkbenchError(f"click takes only a ref: {text!r}")
        return Action.click(ref)
    if not isinstance(d.get("text"), str) or set(d) != {"action", "ref", "text"}:
        raise WorkbenchError(f"type needs a ref and a text: {text!r}")
    return Action.type(ref, d["text"])
