"""workbench: a notebook-first research workbench reproducing ten ML papers at CPU scale.

The platform modules (registry, scales, results, history, cache, runner, report, plots, widgets,
progress, cli) are imported lazily by their users; importing `workbench` itself is cheap.
"""

__version__ = "0.1.0"


class WorkbenchError(Exception):
    """An error whose message is one clear line for the user (no traceback at the CLI)."""
