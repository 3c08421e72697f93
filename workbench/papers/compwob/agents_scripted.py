"""Scripted agents for CompWoB-mini: the layer's composed-page oracle in three clause orders.

They live in `workbench.web.composed` (any MiniWoB-style composed page, not only this project's):
- oracle: execution order (an "after"-aware parser) -> validates every composed page;
- naive: textual order (reads "B, after A-ing" as "B, then A"): isolates the reversed-wording effect
  (a failure mode the paper reports: clauses executed in textual order despite "after");
- wrong-order: execution order reversed (final sub-task first); every page must fail it.
"""
from __future__ import annotations

from workbench.web.composed import ComposedAgent, naive, oracle, wrong_order

ScriptedAgent = ComposedAgent

__all__ = ["ScriptedAgent", "naive", "oracle", "wrong_order"]
