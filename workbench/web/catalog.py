"""The MiniWoB++ task catalogue the web papers report on, and which tasks are visual.

`SUBSET`: the 56 tasks WebGUM (arXiv 2305.11854) and WebAgent/HTML-T5 (arXiv 2307.12856) report on
(BrowserGym's `webgum_subset` column). `VISUAL`: tasks people solve from pixels (colours, shapes,
positions on a drawing), with what the page exposes to an agent that reads no pixels; a notebook
splits results with `is_visual(task)`. `table()` lists every subset task with its flags.
"""
from __future__ import annotations

SUBSET = (
    "book-flight", "choose-date", "choose-date-easy", "choose-date-medium", "choose-list",
    "click-button", "click-button-sequence", "click-checkboxes", "click-checkboxes-large",
    "click-checkboxes-soft", "click-checkboxes-transfer", "click-collapsible", "click-collapsible-2",
    "click-color", "click-dialog", "click-dialog-2", "click-link", "click-menu", "click-option",
    "click-pie", "click-scroll-list", "click-shades", "click-shape", "click-tab", "click-tab-2",
    "click-tab-2-hard", "click-test", "click-test-2", "click-widget", "count-shape", "email-inbox",
    "email-inbox-forward-nl", "email-inbox-forward-nl-turk", "email-inbox-nl-turk", "enter-date",
    "enter-password", "enter-text", "enter-text-dynamic", "enter-time", "focus-text",
    "focus-text-2", "grid-coordinate", "guess-number", "identify-shape", "login-user",
    "login-user-popup", "multi-layouts", "multi-orderings", "navigate-tree", "search-engine",
    "social-media", "social-media-all", "social-media-some", "tic-tac-toe", "use-autocomplete",
    "use-spinner",
)

# task -> what a person looks at, and what the DOM / rendered page exposes instead
VISUAL = {
    "click-color": "box colours; the DOM carries each box's background colour",
    "click-shades": "colour shades; the DOM carries each square's background colour",
    "click-shape": "SVG shapes and colours; their tag, fill and text attributes are in the HTML",
    "count-shape": "SVG shapes and colours; their tag, fill and text attributes are in the HTML",
    "identify-shape": "one SVG shape; its tag and attributes are in the HTML",
    "grid-coordinate": "a drawn grid; the circles' positions are in the DOM",
    "tic-tac-toe": "a drawn board; the cells' marks are in the DOM",
    "click-pie": "a pie menu drawn in SVG; its labels are SVG text",
}


def is_visual(task: str) -> bool:
    """True for a task people solve from the picture (see `VISUAL`)."""
    return task in VISUAL


def table() -> list[dict]:
    """One row per subset task: task, visual (bool), oracle (bool: a scripted oracle exists)."""
    from workbench.web.oracles import PLANNERS

    return [{"task": t, "visual": is_visual(t), "oracle": t in PLANNERS} for t in SUBSET]
