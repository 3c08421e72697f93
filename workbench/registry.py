"""The ten papers: slug, title, arXiv id, and where each one's notebook and config live.

A paper's config module, `workbench/papers/<slug>/config.py`, defines three names and imports nothing heavy
(it is read by `workbench list` and by parameter validation before any work starts):

    Config   a frozen dataclass deriving from `workbench.scales.PaperConfig`: the whole input of the
             paper's experiments; defaults = `cpu` scale; `check()` refuses values no run could use
    SCALES   {"smoke": {...}, "cpu": {...}, "paper": {...}}: named override sets (small diffs)
    COST     {"smoke": "...", "cpu": "...", "paper": "..."}: what each scale costs, as measured
"""
from __future__ import annotations

import importlib
from dataclasses import dataclass
from pathlib import Path

from workbench import WorkbenchError
from workbench.paths import NOTEBOOK_DIR, REPO_ROOT


@dataclass(frozen=True)
class Paper:
    slug: str
    title: str
    arxiv: str

    @property
    def notebook(self) -> Path:
        return NOTEBOOK_DIR / f"{self.slug}.ipynb"

    @property
    def config_module(self) -> str:
        return f"workbench.papers.{self.slug}.config"

    def has_notebook(self) -> bool:
        return self.notebook.exists()

    def load_config(self):
        """The paper's config module (Config, SCALES, COST)."""
        try:
            return importlib.import_module(self.config_module)
        except ModuleNotFoundError as e:
            if e.name and self.config_module.startswith(e.name):
                raise WorkbenchError(f"notebook '{self.slug}' has no config module {self.config_module}") from None
            raise


PAPERS: dict[str, Paper] = {p.slug: p for p in [
    Paper("gdpo", "Geometric-Averaged Preference Optimization for Soft Preference Labels", "2409.06691"),
    Paper("grokking", "Interpreting Grokked Transformers in Complex Modular Arithmetic", "2402.16726"),
    Paper("readagent", "A Human-Inspired Reading Agent with Gist Memory of Very Long Contexts", "2402.09727"),
    Paper("compwob", "Exposing Limitations of Language Model Agents in Sequential-Task Compositions on the Web", "2311.18751"),
    Paper("rtx", "Open X-Embodiment: Robotic Learning Datasets and RT-X Models", "2310.08864"),
    Paper("webagent", "A Real-World WebAgent with Planning, Long Context Understanding, and Program Synthesis", "2307.12856"),
    Paper("webgum", "Multimodal Web Navigation with Instruction-Finetuned Foundation Models", "2305.11854"),
    Paper("mxt", "A System for Morphology-Task Generalization via Unified Representation and Behavior Distillation", "2211.14296"),
    Paper("gdt", "Generalized Decision Transformer for Offline Hindsight Information Matching", "2111.10364"),
    Paper("braxlines", "Braxlines: Fast and Interactive Toolkit for RL-driven Behavior Engineering beyond Reward Maximization", "2110.04686"),
]}


def get(slug: str) -> Paper:
    """The paper for `slug`; a clear error for an unknown slug or one without a notebook yet."""
    if slug not in PAPERS:
        raise WorkbenchError(f"unknown notebook '{slug}'; known: {', '.join(PAPERS)}")
    paper = PAPERS[slug]
    if not paper.has_notebook():
        raise WorkbenchError(f"notebook '{slug}' is not written yet (no {paper.notebook.relative_to(REPO_ROOT)})")
    return paper


def available() -> list[Paper]:
    """Papers whose notebook exists, in registry order."""
    return [p for p in PAPERS.values() if p.has_notebook()]
