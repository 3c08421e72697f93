"""The WebAgent loop on live pages: HTML-T5-mini plans and extracts snippets, a program writer
writes a program, the sandbox (`workbench.web.program`) runs it.

- modular (WebAgent, §3): plan the next sub-instruction from the instruction, the sub-instructions
  done so far and the page -> the refs that sub-instruction needs -> a program from the
  sub-instruction and those elements only. The program writer is the same fine-tuned model
  (`program:` task) or, given an LLM spec, a capable backend prompted with the sub-instruction and
  the snippets (the paper's Flan-U-PaLM role).
- single: the same network maps the instruction, its earlier programs and the raw page straight to
  the program (`act:` task): the one-model baseline.

Both decode their program the same way (`Policy.program`): the `beams` best beam-search outputs, and
the first of them that the sandbox's grammar accepts (`train.first_program`), so a comparison of the
two is about planning, not about one of them writing more syntax errors.

Each is a `ProgramAgent` writer: `write(observation, history) -> (program source, note)`.
"""
from __future__ import annotations

from dataclasses import dataclass

from workbench.papers.webagent.data import Example, clean_html, parse_refs, prompts, snippet_text
from workbench.papers.webagent.train import first_program, generate, generate_beams


@dataclass
class Policy:
    """A fine-tuned HTML-T5-mini with its tokenizer and lengths."""
    model: object
    tok: object
    max_len: int
    max_new: int
    beams: int = 1

    def run(self, kind: str, ex: Example) -> str:
        return generate(self.model, self.tok, [prompts(kind, ex)[0]], self.max_len, self.max_new)[0]

    def program(self, kind: str, ex: Example) -> tuple[str, int]:
        """A program for `kind` ("program" or "act"): the first of `beams` beams the grammar accepts,
        and its rank (-1: none did, the best beam is returned)."""
        cands = generate_beams(self.model, self.tok, prompts(kind, ex)[0], self.max_len, self.max_new, self.beams)
        return first_program(cands)


def _example(obs, history: list[str], programs: list[str], sub: str = "", refs=(), snippets: str = "") -> Example:
    return Example("live", 0, len(programs), obs.utterance, tuple(history), tuple(programs),
                   clean_html(obs.html), sub, tuple(refs), snippets, "")


PROGRAM_PROMPT = """Write a program for one step on a web page. The API: click(ref), type(ref, text), press_key(key).
Use only refs of the elements shown. Answer with the program only.

Step: type "ann" into input_text #username
Elements: <input_text ref=7 id="username">
Program: type(7, "ann")

Step: click button "Submit"
Elements: <button ref=9>Submit
Program: click(9)

Step: {sub}
Elements: {snippets}
Program:"""


def first_line(text: str) -> str:
    """The program part of a free-text reply: the first non-empty line, code fences dropped."""
    lines = [ln.strip() for ln in text.replace("```python", "").replace("```", "").splitlines() if ln.strip()]
    return lines[0] if lines else ""


class Modular:
    """WebAgent's modular writer (module docstring); `llm` (a workbench.llm LLM) writes the programs
    when given, else the policy's `program:` task does."""

    def __init__(self, policy: Policy, llm=None):
        self.policy, self.llm = policy, llm
        self.history: list[str] = []
        self.programs: list[str] = []
        self.trace: list[dict] = []     # per step: sub-instruction, refs, program (the planning trace)
        self.examples: list[Example] = []   # per step, what it wrote: self-experience data if the episode succeeds

    def __call__(self, obs, history) -> tuple[str, dict]:
        if not history:
            self.history, self.programs, self.trace, self.examples = [], [], [], []
        sub = self.policy.run("plan", _example(obs, self.history, self.programs))
        refs = parse_refs(self.policy.run("snippet", _example(obs, self.history, self.programs, sub)))
        dom = [e.to_dict() for e in obs.dom]
        snippets = snippet_text(dom, list(refs))
        if self.llm is None:
            program, _ = self.policy.program("program", _example(obs, self.history, self.programs, sub, refs, snippets))
        else:
            program = first_line(self.llm.generate(PROGRAM_PROMPT.format(sub=sub, snippets=snippets), max_new_tokens=40))
        ex = _example(obs, self.history, self.programs, sub, refs, snippets)
        self.examples.append(Example(**{**ex.__dict__, "program": program}))
        if not self.history or self.history[-1] != sub:
            self.history.append(sub)
        self.programs.append(program)
        self.trace.append({"sub_instruction": sub, "refs": list(refs), "program": program})
        return program, {"sub_instruction": sub, "refs": list(refs)}


class Single:
    """The single-model baseline: raw page -> program (`act:` task)."""

    def __init__(self, policy: Policy):
        self.policy = policy
        self.programs: list[str] = []
        self.examples: list[Example] = []

    def __call__(self, obs, history) -> tuple[str, dict]:
        if not history:
            self.programs, self.examples = [], []
        ex = _example(obs, [], self.programs)
        program, _ = self.policy.program("act", ex)
        self.examples.append(Example(**{**ex.__dict__, "program": program}))
        self.programs.append(program)
        return program, {"sub_instruction": "", "refs": []}
