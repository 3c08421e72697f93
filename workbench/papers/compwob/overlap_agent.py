"""A baseline with no model: the prompted agent's candidates and shortlist, minus the language model.

At each step it takes the candidate action sharing the most words with the instruction
(`candidates.overlap_scores`: a quoted string counts 3, another word 1), i.e. the top of the LLM
agent's shortlist, among the actions not yet taken in the episode (the LLM agent's rule too). Ties go
to page order, then to the description's alphabetical order: `candidates` lists the strings one could
type in the order the instruction quotes them, and breaking ties by that order would let the wording's
order in. So it reads the instruction strictly as a bag of words and acts identically on "A, and then B"
and "B, after A-ing": whatever the prompted agent scores above it is what the language model adds.
"""
from __future__ import annotations

from workbench.web.actions import Action

from workbench.papers.compwob.candidates import candidates, overlap_scores


class OverlapAgent:
    """`act(obs, history)`: the untaken candidate with the highest instruction overlap."""

    name = "overlap"

    def act(self, obs, history) -> Action:
        taken = {t.action for t in history}
        cands = [c for c in candidates(obs) if c.action not in taken]
        if not cands:
            return Action.none()
        scores = overlap_scores(cands, obs.utterance)
        best = min(range(len(cands)), key=lambda i: (-scores[i], cands[i].ref, cands[i].text))
        return cands[best].action
