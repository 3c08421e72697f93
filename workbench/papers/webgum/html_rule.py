"""Can a rule that reads only the HTML view pick the demonstrated element? Per task, on recorded steps.

The rule is a generous reader of the page's text, with no learning and no pixels:
- each element's words: its own HTML tokens (`tokens.html_tokens`: tag, attribute values, text), plus
  a colour name for every colour value it carries (a CSS name as is; `rgb(...)` and `#hex` mapped to
  the nearest of `HUES` by hue, lightness and saturation), plus what an SVG element draws
  (`circle`, `rect` -> rectangle/square, `polygon` -> triangle, `text` -> letter or number);
- the figure words: the drawn kinds of the page's other elements (so a button "Letter" matches a
  figure that is an SVG letter);
- score = (instruction words the element's words contain, figure words they contain), compared in
  that order (the raw view's instruction bar is left out: it is not an element to act on and would
  lend its words to `#wrap`); the rule picks uniformly among the not-yet-acted elements with the best score.

A step counts as picked with the probability that this uniform choice is an element the episode acts
on at this step or later (so the order of a multi-select task does not matter). `pick_rate(steps)` is
the mean over steps; a task whose rate is below `BLIND_BELOW` is one where the HTML view does not
give the target away, and the claims on visual tasks are judged there too.
"""
from __future__ import annotations

import colorsys
import re

from workbench.papers.webgum.tokens import html_tokens, words

BLIND_BELOW = 0.5   # a pick rate below this: the HTML view does not give the target away
HUES = ("red", "orange", "yellow", "green", "cyan", "blue", "purple", "magenta", "pink")
SVG_KINDS = {"circle": ("circle",), "ellipse": ("circle",), "rect": ("rectangle", "square"),
             "polygon": ("triangle",)}
STOP = {"click", "on", "the", "a", "an", "and", "of", "all", "press", "select", "to", "button", "box", "colored",
        "that", "best", "describes", "figure", "below", "shades", "submit", ".", "!", ","}
_QUERY = re.compile(r'<div id="query".*?(?=<div id="area")', re.S)
_RGB = re.compile(r"rgba?\(\s*(\d+)\s*,\s*(\d+)\s*,\s*(\d+)")
_HEX = re.compile(r"#([0-9a-fA-F]{6})\b")


def colour_name(r: int, g: int, b: int) -> str:
    """The nearest plain colour name of an RGB triple (0-255): white/grey/black when unsaturated,
    else a hue bin of `HUES`."""
    h, light, sat = colorsys.rgb_to_hls(r / 255, g / 255, b / 255)
    if sat < 0.2 or light > 0.95 or light < 0.08:
        return "white" if light > 0.85 else "black" if light < 0.2 else "grey"
    deg = h * 360
    for name, upper in (("red", 15), ("orange", 40), ("yellow", 70), ("green", 165), ("cyan", 195),
                        ("blue", 255), ("purple", 285), ("magenta", 330), ("pink", 345)):
        if deg < upper:
            return name
    return "red"


def _colours(text: str) -> set[str]:
    out = {colour_name(*map(int, m.groups())) for m in _RGB.finditer(text)}
    out |= {colour_name(int(h[0:2], 16), int(h[2:4], 16), int(h[4:6], 16)) for h in _HEX.findall(text)}
    return out


def element_words(html: str) -> tuple[dict[int, set[str]], dict[int, set[str]]]:
    """({ref: words}, {ref: drawn kinds}) of every numbered element of `html` (see the module docstring)."""
    from workbench.web.observation import html_nodes

    html = _QUERY.sub("", html or "")   # the raw view's instruction bar (no ref of its own) names no element
    own: dict[int, set[str]] = {}
    text: dict[int, str] = {}
    for t in html_tokens(html):
        if t.ref > 0:
            own.setdefault(t.ref, set()).add(t.text.lstrip("<@").lower())
            if t.kind == "text":
                text[t.ref] = text.get(t.ref, "") + t.text
    kinds: dict[int, set[str]] = {}
    for ref, node in html_nodes(html).items():
        attrs = " ".join(str(v) for v in node["attrs"].values())
        own.setdefault(ref, set()).update(_colours(attrs))
        tag = node["tag"].lower()
        kind = set(SVG_KINDS.get(tag, ()))
        if tag == "text":
            drawn = text.get(ref, "")
            kind |= {"number", "digit"} if drawn.isdigit() else {"letter"} if drawn.isalpha() else set()
        kinds[ref] = kind
        own[ref] |= kind
    return own, kinds


def step_scores(utterance: str, html: str, candidates: list[int]) -> dict[int, tuple[int, int]]:
    """Score of every candidate element: (instruction words its words contain, drawn kinds of the
    other elements its words contain)."""
    own, kinds = element_words(html)
    instr = {w for w, _, _ in words(utterance)} - STOP
    out = {}
    for ref in candidates:
        mine = own.get(ref, set())
        figure = set().union(*(k for r, k in kinds.items() if r != ref))
        out[ref] = (len(mine & instr), len(mine & figure))
    return out


def pick_probability(scores: dict[int, tuple[int, int]], targets: set[int]) -> float:
    """Probability that a uniform choice among the best-scoring candidates is one of `targets`."""
    if not scores:
        return 0.0
    best = max(scores.values())
    top = [r for r, s in scores.items() if s == best]
    return sum(r in targets for r in top) / len(top)


def episode_picks(steps: list[dict], view) -> list[float]:
    """Per recorded step of one episode (recorder step dicts, in order), the rule's pick probability on
    the HTML view `view(step) -> html`. Candidates: the step's DOM elements with a positive ref that the
    episode has not acted on yet (the page's containers included: the rule must rule them out too)."""
    from workbench.web.actions import parse_action

    refs = [parse_action(s["action"]).ref for s in steps]
    out, acted = [], set()
    for k, s in enumerate(steps):
        html = view(s)
        cands = [int(e["ref"]) for e in s["dom"] if int(e["ref"]) > 0 and int(e["ref"]) not in acted
                 and str(e["tag"]).upper() not in ("BODY",)]
        targets = {r for r in refs[k:] if r is not None}
        out.append(pick_probability(step_scores(s["utterance"], html, cands), targets))
        if refs[k] is not None:
            acted.add(refs[k])
    return out


def pick_rate(episodes: list[list[dict]], view) -> float:
    """Mean pick probability over every step of `episodes` (lists of recorder step dicts)."""
    picks = [p for ep in episodes for p in episode_picks(ep, view)]
    return sum(picks) / len(picks) if picks else float("nan")


def task_table(folder, tasks, episodes: int) -> list[dict]:
    """Per task: the rule's pick rate on the first `episodes` successful demonstrations, on the DOM
    view and on the raw view, and whether the task is HTML-blind in each (rate < `BLIND_BELOW`)."""
    from pathlib import Path

    from workbench.web.catalog import is_visual
    from workbench.web.observation import dom_html
    from workbench.web.recorder import load_dataset

    rows = []
    for task in tasks:
        ds = load_dataset(Path(folder) / "tasks" / task, success_only=True)
        eps = [[s.record for s in ds.episode_steps(e["episode"])] for e in ds.episodes[:episodes]]
        dom = pick_rate(eps, lambda s: dom_html(s["dom"]))
        raw = pick_rate(eps, lambda s: s["html"])
        rows.append({"task": task, "visual": is_visual(task), "episodes": len(eps),
                     "pick_rate_dom": round(dom, 3), "pick_rate_raw": round(raw, 3),
                     "html_blind_dom": bool(dom < BLIND_BELOW), "html_blind_raw": bool(raw < BLIND_BELOW)})
    return rows
