"""Read composed instructions: find each sub-task's clause, its base task and arguments, and the
order the clauses must run in.

Two wordings are read, in any mix, case-insensitively:
- the project generator's (`workbench.web.compose`, after CompWoB, arXiv 2311.18751):
  'click the "Yes" button', 'select "xk2" and submit', 'log in as "ann" with password "p"', ...
- MiniWoB's own base-task wordings: 'Click on the "Yes" button', 'Click on the link "amet"',
  'Select xk2 and click Submit', 'Enter the username "ann" and the password "p" into the text
  fields and press login', 'Close the dialog box by clicking the "x"', 'Click on a "text" widget',
  'Enter 08/17/2010 as the date and hit submit', 'Find and click on the folder or file named "X"',
  'Click button ONE, then click button TWO' (click-button-sequence), 'Switch between the tabs to find
  and click on the link "X"' (click-tab-2-hard), 'Enter an item that starts with "Au" and ends with
  "ria"' (use-autocomplete), 'Search for drama movies directed by Smith from year 1999'
  (multi-layouts), 'Use the textbox to enter "X" and press "Search", then find and click the 2nd
  search result' (search-engine); and the same clauses without
  their Submit, as CompWoB's pages write them when the sub-tasks share one Submit named once at the
  end ('Select xk2, and then enter the password "p" into both text fields and click Submit'):
  `Clause.submit` says whether a clause presses its form's button.
Each clause may be imperative or a gerund ("clicking on a ... widget").

Instead of splitting on separators, `parse` finds every clause by its own pattern and reads the
connecting words between them: clauses written before an "after" (outside quotes) run last, e.g.
  forward  "A, B, and then C."            -> A, B, C
  reverse  "C, after A-ing, and B-ing."   -> A, B, C
With `respect_after=False` clauses come in textual order (the naive reader that ignores "after").
Words between clauses other than connectors ("and", "then", "after", "first", ...) are an error:
an instruction with a clause the parser cannot read is never half-executed.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from workbench import WorkbenchError

Q = r'"([^"]*)"'
DATE = r"(\d\d/\d\d/\d{4})"
CLICK = r"click(?:ing)?(?: on)?"
# "and submit", "and click Submit", "and press submit", "and hit submit", gerunds too
SUBMIT = (r"(?:and |then |, )*(?:submit(?:ting)?|(?:press(?:ing)?|click(?:ing)?|hit(?:ting)?)"
          r"(?: on)? (?:the )?submit(?: button)?)")
OPT_SUBMIT = rf"(?: {SUBMIT})?"
LOGIN_BUTTON = (r"(?:,? (?:and |then )?(?:press(?:ing)?|click(?:ing)?|hit(?:ting)?)(?: on)? (?:the )?"
                r"(?:login|log in|sign in|submit)(?: button)?)?")
# where an option list with no Submit of its own ends: a connector, the next clause's verb, or the end
VERBS = r"(?:click|enter|type|select|check|press|log|open|find|close|switch|search|use|navigate|expand|forward)"
LIST_END = (rf"(?=,? (?:and )?then\b|,? after\b|,? (?:and )?{VERBS}(?:s|e?d|ing)?\b|\.\s|\.?$)")
# a clause that says to press its form's button (Submit, Login): the skill presses it; one that
# does not leaves it to a later clause (pages whose sub-tasks share one Submit named once at the end)
PRESSES = re.compile(r"\b(?:submit(?:ting)?|log(?:ging)? ?in|sign(?:ing)? in)\b", re.I)

# (base task, pattern, how to turn the groups into arguments); order = priority at equal starts
_PATTERNS: list[tuple[str, str, object]] = [
    ("login-user", rf"log(?:ging)? in as {Q} with (?:the )?password {Q}", None),
    ("login-user", rf"enter(?:ing)? the username {Q} and the password {Q}"
                   rf"(?: (?:into|in) (?:the|both) (?:text )?fields)?{LOGIN_BUTTON}", None),
    ("enter-password", rf"enter(?:ing)? the password {Q} twice(?: {SUBMIT})", None),
    ("enter-password", rf"(?:enter|entering|type|typing) the password {Q} (?:into|in) both "
                       rf"(?:text )?(?:fields|boxes|inputs){OPT_SUBMIT}", None),
    ("enter-password", rf"(?:enter|entering|type|typing) the password {Q} twice", None),
    ("enter-date", rf"enter(?:ing)? the date {DATE}{OPT_SUBMIT}", None),
    ("enter-date", rf"enter(?:ing)? {DATE} as the date{OPT_SUBMIT}", None),
    ("enter-text", rf"typ(?:e|ing) {Q} in all (lower|upper) case letters in the text "
                   rf"(?:input|field|box){OPT_SUBMIT}", "case"),
    ("enter-text", rf"(?:enter|entering|type|typing) {Q} (?:into|in) the text (?:field|box|input)"
                   rf"{OPT_SUBMIT}", None),
    ("enter-text", rf"typ(?:e|ing) {Q} {SUBMIT}", None),
    ("click-checkboxes", rf"check(?:ing)? ((?:{Q}(?:,? and |, )?)+) {SUBMIT}", "quoted"),
    ("click-option", rf"select(?:ing)? {Q} {SUBMIT}", None),
    ("click-checkboxes", rf"select(?:ing)? words similar to (.+?) {SUBMIT}", "similar"),
    ("click-option", rf"select(?:ing)? ([^\"]+?) {SUBMIT}", "list"),
    ("click-option", rf"select(?:ing)? ([^\".]+?){LIST_END}", "list"),
    ("click-button-sequence", rf"{CLICK} (?:the )?button ([A-Za-z0-9]+),? (?:and )?then {CLICK} "
                              rf"(?:the )?button ([A-Za-z0-9]+)", None),
    ("click-dialog", rf"press(?:ing)? {Q} in the dialog(?: box)?", None),
    ("click-dialog", rf"clos(?:e|ing) the dialog(?: box)? by clicking(?: on)? the {Q}", None),
    ("click-dialog", rf"{CLICK} the button in the dialog(?: box)? label(?:l)?ed {Q}", None),
    ("click-widget", rf"{CLICK} (?:a|an|the) {Q} widget", None),
    ("click-link", rf"{CLICK} (?:the )?link {Q}", None),
    ("click-button", rf"{CLICK} (?:the |a )?{Q} button", None),
    ("click-checkboxes", rf"select(?:ing)? words similar to ([^\".]+?){LIST_END}", "similar"),
    ("click-tab-2-hard", rf"switch(?:ing)? between the tabs to find and {CLICK} the link {Q}", None),
    ("use-autocomplete", rf"enter(?:ing)? an item that starts with {Q}(?: and ends with {Q})?", None),
    ("multi-layouts", r"search(?:ing)? for (\w+) movies directed by (.+?) from year (\d+)", None),
    ("search-engine", rf"us(?:e|ing) the textbox to enter {Q} and press(?:ing)? \"search\",? (?:and )?then "
                      rf"find(?:ing)? and {CLICK} the (\d+)(?:st|nd|rd|th) search result", None),
    ("navigate-tree", rf"open(?:ing)? the (?:file|folder) {Q}", None),
    ("navigate-tree", rf"(?:navigat(?:e|ing) through the file tree\.? )?(?:find(?:ing)? and )?"
                      rf"{CLICK} the (?:folder or file|file or folder|file|folder) "
                      rf"(?:named|labell?ed) {Q}", None),
]
_COMPILED = [(b, re.compile(p, re.I), how) for b, p, how in _PATTERNS]
CONNECTORS = {"and", "then", "after", "first", "next", "finally", "also", "please", "lastly"}


@dataclass(frozen=True)
class Clause:
    """One sub-task: its base task name, arguments (strings) and the text it was read from.
    `match` says how labels compare ("exact", or "similar" for click-checkboxes-soft)."""
    base: str
    args: tuple[str, ...]
    text: str = field(compare=False, default="")
    match: str = field(compare=False, default="exact")
    submit: bool = field(compare=False, default=True)   # the clause says to press its form's button


def _clause(base: str, m: re.Match, how) -> Clause:
    args, match = m.groups(), "exact"
    if how == "quoted":
        args = tuple(re.findall(Q, args[0]))
    elif how == "case":
        args = (args[0].lower() if args[1].lower() == "lower" else args[0].upper(),)
    elif how in ("list", "similar"):
        words = [w.strip() for w in re.split(r",|\band\b", args[0]) if w.strip()]
        args = () if words == ["nothing"] else tuple(words)
        if how == "similar" or len(args) != 1:
            base = "click-checkboxes"
        match = "similar" if how == "similar" else "exact"
    text = m.group(0).strip()
    return Clause(base, tuple(args), text, match, bool(PRESSES.search(text)))


def parse_clause(text: str) -> Clause:
    """'clicking the link "amet"' -> Clause('click-link', ('amet',)); unknown wording raises."""
    t = text.strip().rstrip(".")
    for base, rx, how in _COMPILED:
        m = rx.fullmatch(t)
        if m:
            return _clause(base, m, how)
    raise WorkbenchError(f"cannot read clause {text.strip()!r}")


def _matches(instruction: str) -> list[tuple[int, int, Clause]]:
    """Non-overlapping clause matches, leftmost first (the longest at one start)."""
    found = []
    for rank, (base, rx, how) in enumerate(_COMPILED):
        for m in rx.finditer(instruction):
            found.append((m.start(), -(m.end() - m.start()), rank, m.end(), base, m, how))
    found.sort(key=lambda f: f[:3])
    out, end = [], 0
    for start, _neg, _rank, stop, base, m, how in found:
        if start >= end:
            out.append((start, stop, _clause(base, m, how)))
            end = stop
    return out


def _gaps(instruction: str, spans) -> list[str]:
    """The text between (and around) the matched clauses."""
    cuts = [0] + [x for s, e, _ in spans for x in (s, e)] + [len(instruction)]
    return [instruction[cuts[i]:cuts[i + 1]] for i in range(0, len(cuts), 2)]


def parse(instruction: str, respect_after: bool = True) -> list[Clause]:
    """The instruction's sub-tasks as Clauses, in execution order (textual order when
    `respect_after` is False); WorkbenchError when a part of it reads as no known clause."""
    spans = _matches(instruction)
    gaps = _gaps(instruction, spans)
    unknown = [w for g in gaps for w in re.findall(r"[A-Za-z]+", g) if w.lower() not in CONNECTORS]
    if not spans or unknown:
        raise WorkbenchError(f"cannot read instruction {instruction!r}"
                             + (f" (unknown words: {' '.join(unknown[:8])})" if unknown else ""))
    clauses = [c for _, _, c in spans]
    if not respect_after:
        return clauses
    # gap k lies before clause k; an "after" there means clauses k.. ran before clauses ..k-1
    after = next((k for k, g in enumerate(gaps) if re.search(r"\bafter\b", g, re.I)), None)
    if after is None or after == 0 or after >= len(clauses):
        return clauses
    return clauses[after:] + clauses[:after]


def split(instruction: str, respect_after: bool = True) -> list[str]:
    """Clause texts in execution order (or textual order when `respect_after` is False)."""
    return [c.text for c in parse(instruction, respect_after)]


def direction(instruction: str) -> str:
    """"reverse" when the execution order differs from the textual order, else "forward"."""
    return "forward" if parse(instruction) == parse(instruction, False) else "reverse"


def quoted_strings(instruction: str) -> list[str]:
    """Every "..." string and date in the instruction (the texts an agent may type)."""
    return re.findall(Q, instruction) + re.findall(r"\b\d\d/\d\d/\d{4}\b", instruction)
