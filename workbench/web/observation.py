"""Observations of a MiniWoB++ page and their text views.

An `Observation` is what an agent sees after `WebEnv.reset` or `WebEnv.step`:

- `utterance`: the task instruction shown in `#query` (MiniWoB's `core.getUtterance()`);
- `fields`: (key, value) pairs miniwob's per-task extractor pulls from the utterance
  (empty for project pages unless their `core.getUtterance()` returns fields);
- `dom`: the visible elements of the page in document order, flattened from MiniWoB's
  `core.getDOMInfo()` (same `ref` numbering as miniwob's `dom_elements`; text pseudo-elements
  have tag "t" and negative refs);
- `html`: `outerHTML` of `#wrap` (the task area), read right after `getDOMInfo`, so every element
  carries `data-wob_ref` = its `ref` (WebGUM's HTML input maps 1:1 onto click/type actions);
- `screenshot`: uint8 array (height, width, 3) of the whole task area (the page from its top-left
  corner to the bottom-right of `#wrap`, at least 160 x 210): (210, 160, 3) on MiniWoB's tasks,
  (>= 210, 320, 3) on the composed pages; None when screenshots are off. `screenshot_size` gives
  (width, height); `regions` the boxes (x0, y0, x1, y1) of `wrap`, `query` (the instruction bar)
  and `area` (the task) in the same pixels, and `crop(obs, "area")` / `crop(obs, "query")` cut
  them out (WebGUM's 160 x 160 input is the area of a base task, without the instruction bar).

After the episode ends, MiniWoB returns an empty observation: `dom == []`, `html == ""`.

Views: `dom_text(obs)` (one compact line per element), `task_html(obs)`, `dom_html(obs.dom)` (HTML
rebuilt from the DOM's fields only: no styles or SVG paint), `obs.screenshot` and
`crop(obs, region)`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np


@dataclass(frozen=True)
class Element:
    """One visible DOM element (MiniWoB's DOMInfo, flattened).

    `value` is the `<input>`/`<textarea>` value: a str, or a bool for checkboxes and radios, None
    for other tags. `bg_color` / `fg_color` are the computed CSS background and text colours as
    MiniWoB reports them (e.g. "rgb(255, 0, 0)", "rgba(0, 0, 0, 0)" for transparent); "" for text
    pseudo-elements. `text` is the element's own text if all its children are text, else "".
    `depth` is 0 for `<body>`. `parent` is the parent's ref (0 for the root).
    """

    ref: int
    parent: int
    tag: str
    text: str
    value: str | bool | None
    id: str
    classes: str
    left: float
    top: float
    width: float
    height: float
    focused: bool
    depth: int
    bg_color: str = ""
    fg_color: str = ""

    @property
    def center(self) -> tuple[float, float]:
        return (self.left + self.width / 2, self.top + self.height / 2)

    def to_dict(self) -> dict:
        return {k: getattr(self, k) for k in self.__dataclass_fields__}


@dataclass
class Observation:
    """What the agent sees (see the module docstring)."""

    utterance: str
    fields: list[tuple[str, str]]
    dom: list[Element]
    html: str
    screenshot: np.ndarray | None = field(default=None, compare=False)
    regions: dict = field(default_factory=dict, compare=False)
    _by_ref: dict = field(default=None, init=False, repr=False, compare=False)
    _nodes: dict = field(default=None, init=False, repr=False, compare=False)

    def element(self, ref: int) -> Element:
        """The element with this ref (KeyError if absent)."""
        if self._by_ref is None:
            self._by_ref = {e.ref: e for e in self.dom}
        return self._by_ref[ref]

    @property
    def screenshot_size(self) -> tuple[int, int] | None:
        """(width, height) of the screenshot in pixels, None without one."""
        if self.screenshot is None:
            return None
        return int(self.screenshot.shape[1]), int(self.screenshot.shape[0])

    def attrs(self, ref: int) -> dict[str, str]:
        """HTML attributes of element `ref` as written in `html` (`type`, `for`, `title`, `role`,
        `href`, `placeholder`, `aria-label`, `data-*`, ...); {} when the HTML does not show it."""
        return self._html_nodes().get(ref, {}).get("attrs", {})

    def html_children(self, ref: int) -> list[tuple[str, int | None]]:
        """(tag, ref or None) of the element's child elements in the HTML, hidden ones included
        (MiniWoB's DOM leaves out elements with no size, e.g. a collapsed folder's list)."""
        return self._html_nodes().get(ref, {}).get("children", [])

    def _html_nodes(self) -> dict:
        if self._nodes is None:
            self._nodes = html_nodes(self.html)
        return self._nodes

    def children(self, ref: int) -> list[Element]:
        return [e for e in self.dom if e.parent == ref]

    def subtree(self, ref: int) -> list[Element]:
        """The element and all its descendants, in document order."""
        keep = {ref}
        out = []
        for e in self.dom:  # document order: parents come before children
            if e.ref == ref or e.parent in keep:
                keep.add(e.ref)
                out.append(e)
        return out

    def subtree_text(self, ref: int) -> str:
        """All text inside an element, joined by spaces (e.g. a link whose text is split)."""
        return " ".join(e.text for e in self.subtree(ref) if e.text).strip()

    def restrict(self, ref: int) -> "Observation":
        """A view of this observation holding only the subtree of element `ref` (for skills
        scoped to one sub-task's container in a composed page). Screenshot and HTML are kept."""
        return Observation(self.utterance, self.fields, self.subtree(ref), self.html,
                           self.screenshot, self.regions)

    def field(self, key: str, default: str | None = None) -> str | None:
        for k, v in self.fields:
            if k == key:
                return v
        return default

    @property
    def done(self) -> bool:
        """True for the empty observation MiniWoB returns once the episode has ended."""
        return not self.dom


def elements_from_dominfo(root: dict | None) -> list[Element]:
    """Flatten MiniWoB's nested `core.getDOMInfo()` dict into Elements in document order."""
    out: list[Element] = []
    if not root:
        return out
    stack = [(root, 0, 0)]
    while stack:
        node, parent, depth = stack.pop()
        value = node.get("value")
        out.append(Element(
            ref=int(node["ref"]), parent=parent, tag=node.get("tag", ""),
            text=(node.get("text") or ""), value=value, id=node.get("id") or "",
            classes=node.get("classes") if isinstance(node.get("classes"), str) else "",
            left=float(node.get("left", 0.0)), top=float(node.get("top", 0.0)),
            width=float(node.get("width", 0.0)), height=float(node.get("height", 0.0)),
            focused=bool(node.get("focused", False)), depth=depth,
            bg_color=str(node.get("bgColor") or ""), fg_color=str(node.get("fgColor") or "")))
        for child in reversed(node.get("children") or []):
            stack.append((child, int(node["ref"]), depth + 1))
    return out


_VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source",
         "track", "wbr"}


def html_nodes(html: str) -> dict[int, dict]:
    """{ref: {"tag", "attrs", "children": [(tag, ref|None)]}} for every element of `html` that
    carries `data-wob_ref` (MiniWoB numbers every element it has seen in this episode)."""
    from html.parser import HTMLParser

    nodes: dict[int, dict] = {}
    stack: list[dict | None] = []

    class P(HTMLParser):
        def handle_starttag(self, tag, attrs):
            a = {k: (v if v is not None else "") for k, v in attrs}
            ref = a.get("data-wob_ref")
            ref = int(ref) if ref is not None and ref.lstrip("-").isdigit() else None
            node = {"tag": tag, "attrs": a, "children": []}
            if stack and stack[-1] is not None:
                stack[-1]["children"].append((tag, ref))
            if ref is not None:
                nodes[ref] = node
            if tag not in _VOID:
                stack.append(node)

        def handle_endtag(self, tag):
            for i in range(len(stack) - 1, -1, -1):  # tolerate unclosed tags
                if stack[i] is not None and stack[i]["tag"] == tag:
                    del stack[i:]
                    break

    try:
        P().feed(html or "")
    except Exception:  # noqa: BLE001 - a malformed page gives fewer attributes, not a crash
        pass
    return nodes


def _clip(s: str, n: int) -> str:
    s = " ".join(str(s).split())
    return s if len(s) <= n else s[: n - 1] + "…"


def element_line(e: Element, max_text: int = 60) -> str:
    """One compact line: `[ref] tag "text" value=... .classes #id`, indented by depth."""
    parts = [f"[{e.ref}]", e.tag.lower()]
    if e.text:
        parts.append('"' + _clip(e.text, max_text) + '"')
    if e.value is not None and e.value != "":
        parts.append(f"value={e.value!r}" if isinstance(e.value, str) else f"value={e.value}")
    if e.id:
        parts.append("#" + e.id)
    if e.classes:
        parts.append("." + ".".join(e.classes.split()))
    if e.focused:
        parts.append("(focused)")
    return " ".join(parts)


_SKIP_TAGS = {"BODY", "DIV"}


def dom_text(obs: Observation, indent: bool = True, keep_empty: bool = False,
             max_text: int = 60) -> str:
    """The DOM as compact text, one element a line (ref, tag, text, value, id, classes).

    Containers without text, value or id (bare `div`s, `body`) are left out unless
    `keep_empty`, which keeps prompts short; the refs of the remaining lines are the ones
    `Action.click`/`Action.type` accept.
    """
    lines = []
    for e in obs.dom:
        if not keep_empty and e.tag in _SKIP_TAGS and not e.text and not e.id:
            continue
        pad = "  " * max(0, e.depth - 1) if indent else ""
        lines.append(pad + element_line(e, max_text))
    return "\n".join(lines)


QUERY_HEIGHT = 50   # MiniWoB's instruction bar (#query) on its 160 x 210 tasks


def crop(obs_or_image, region: str = "area", regions: dict | None = None) -> np.ndarray:
    """Cut a region out of a screenshot: "area" (the task, below the instruction bar), "query"
    (the instruction bar) or "wrap" (both). Takes an Observation, or an image with `regions`
    (e.g. a recorded step's); without regions, MiniWoB's layout is assumed (a 50 px bar on top).
    Area crops of base tasks are 160 x 160, like WebGUM's input."""
    if isinstance(obs_or_image, Observation):
        image, regions = obs_or_image.screenshot, (regions or obs_or_image.regions)
    else:
        image = obs_or_image
    if image is None:
        raise ValueError("no screenshot to crop (the env ran with screenshots=False)")
    h, w = image.shape[:2]
    if region not in ("area", "query", "wrap"):
        raise ValueError(f"unknown region {region!r}; choose area, query or wrap")
    regions = regions or {}
    wrap = regions.get("wrap") or (0, 0, w, h)
    query = regions.get("query") or (wrap[0], wrap[1], wrap[2], wrap[1] + QUERY_HEIGHT)
    # the task area is the wrap below the instruction bar (MiniWoB's #area is often shorter
    # than the space the task has)
    box = {"wrap": wrap, "query": query, "area": (wrap[0], query[3], wrap[2], wrap[3])}[region]
    x0, y0, x1, y1 = (max(0, int(v)) for v in box)
    return image[y0:min(h, y1), x0:min(w, x1)]


def task_html(obs: Observation) -> str:
    """Raw HTML of the task area (`#wrap`), elements tagged with `data-wob_ref`."""
    return obs.html


def dom_html(dom) -> str:
    """HTML rebuilt from the DOM elements alone (`Element`s or their dicts, document order): each
    element as `<tag id=.. class=.. data-wob_ref=..>` with its own text and, for inputs, its type and
    value (`checked` for a ticked box), nested by `parent`. Text pseudo-elements (tag "t") become
    text inside their parent. Nothing else of the page survives: no `style`, no SVG paint or geometry
    (`fill`, `r`, `points`), no `data-*` markers, no hidden elements. This is the view of a MiniWoB
    page built from the fields its DOM records (tag, id, classes, text, value, ref), the observation
    WebN-T5 and WebGUM read as HTML; `obs.html` is the raw `#wrap` markup instead."""
    from html import escape

    nodes = [e.to_dict() if isinstance(e, Element) else e for e in dom]
    children: dict[int, list[dict]] = {}
    refs = {int(e["ref"]) for e in nodes}
    roots = []
    for e in nodes:
        parent = int(e.get("parent") or 0)
        if parent in refs:
            children.setdefault(parent, []).append(e)
        else:
            roots.append(e)

    def render(e: dict) -> str:
        tag = str(e.get("tag") or "")
        text = escape(" ".join(str(e.get("text") or "").split()), quote=False)
        if tag.lower() == "t":
            return text
        name, _, kind = tag.lower().partition("_")
        attrs = []
        if kind:
            attrs.append(f'type="{escape(kind)}"')
        if e.get("id"):
            attrs.append(f'id="{escape(str(e["id"]))}"')
        if e.get("classes"):
            attrs.append(f'class="{escape(str(e["classes"]))}"')
        value = e.get("value")
        if isinstance(value, bool):
            if value:
                attrs.append("checked")
        elif value not in (None, ""):
            attrs.append(f'value="{escape(str(value))}"')
        attrs.append(f'data-wob_ref="{int(e["ref"])}"')
        inner = text + "".join(render(c) for c in children.get(int(e["ref"]), []))
        open_tag = f"<{name} {' '.join(attrs)}>"
        return open_tag if name in _VOID and not inner else f"{open_tag}{inner}</{name}>"

    return "".join(render(e) for e in roots)
