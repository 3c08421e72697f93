"""One way into and out of a paper notebook.

    run = notebook.start("grokking", scale, overrides, results_dir)   # after the parameters cell
    cfg = run.cfg                                                       # the Config; cfg.scale == scale
    ...                                                                 # training, figures
    run.finish(CLAIMS, measured, **metrics)                             # the last cell

`start` resolves the scale and the overrides into the paper's Config (headless, the CLI has already
checked them before the kernel started; in Lab a bad value fails here, before any work), checks that
results and the cache can be written, and starts the clock. `finish` logs the metrics, judges the claims
on `measured` (never at smoke scale: the platform decides from the scale, not the notebook), writes
results.json atomically with `runtime_s` from start to finish, and returns the claims table to show.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable

from workbench import scales
from workbench.paths import RUNS_DIR
from workbench.results import Claim, Results

NOT_JUDGED = "No claim is judged at smoke scale: it checks the plumbing, its budget is too small for any claim."


@dataclass
class Run:
    """An open notebook run: its Config, where its results go, and the clock (in `results`)."""
    slug: str
    cfg: Any
    results_dir: Path
    results: Results = field(repr=False)
    path: Path | None = None  # results.json, once finished

    @property
    def scale(self) -> str:
        return self.cfg.scale

    @property
    def judges_claims(self) -> bool:
        return self.scale != "smoke"

    def finish(self, claims: Iterable[Claim], measured: dict[str, Any], **metrics: Any):
        """Log `metrics`, judge `claims` on `measured` (not at smoke scale), write results.json; return the
        claims table (a DataFrame) or, when nothing was judged, a line saying why."""
        self.results.log(**metrics)
        if self.judges_claims:
            self.results.judge(list(claims), measured)
        self.path = self.results.write(self.results_dir)
        if self.results.claims:
            return self.results.table()
        return Note(NOT_JUDGED if not self.judges_claims else f"{self.slug} has no claims to judge.")


class Note:
    """One line of text that shows as itself in Lab, in a report and on a terminal."""

    def __init__(self, text: str):
        self.text = text

    def __repr__(self) -> str:
        return self.text

    def _repr_markdown_(self) -> str:
        return f"**{self.text}**"


def start(slug: str, scale: str = "cpu", overrides: dict[str, Any] | None = None,
          results_dir: str | Path = "") -> Run:
    """Open a run of `slug`'s notebook: the Config at `scale` with `overrides`, results going to
    `results_dir` ("" -> runs/lab/<slug>). Raises WorkbenchError (one line) on a bad parameter or an
    unwritable results or cache folder."""
    from workbench import runner

    cfg = scales.resolve(slug, scale, overrides)
    out = runner.check_writable_dir(Path(results_dir) if str(results_dir) else RUNS_DIR / "lab" / slug,
                                    "results_dir")
    runner.check_cache()
    # Results keeps the clock: runtime_s in results.json is measured from its creation, i.e. from here
    return Run(slug, cfg, out, Results(slug, cfg, scale))
