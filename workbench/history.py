"""History: the (step, metrics) rows a training loop logs; figures and claims read from here.

The shape every paper's loop shares (Brax's `progress_fn`):

    Progress = Callable[[int, dict[str, float]], None]

Call it at step 0 and at each evaluation. Keys are `split/name` (`train/loss`, `eval/acc`, `time/sps`).
The `History` keeps every row so results never depend on what was displayed.
"""
from __future__ import annotations

import math
from typing import Callable, Iterable

Progress = Callable[[int, dict], None]


def no_progress(step: int, metrics: dict) -> None:
    """The default progress callback: does nothing."""


class History:
    def __init__(self, rows: Iterable[tuple[int, dict]] = ()):
        self.rows: list[tuple[int, dict]] = [(int(s), dict(m)) for s, m in rows]

    def log(self, step: int, metrics: dict) -> None:
        self.rows.append((int(step), {k: float(v) if _is_number(v) else v for k, v in metrics.items()}))

    __call__ = log  # a History is itself a Progress callback

    def keys(self) -> list[str]:
        seen: dict[str, None] = {}
        for _, m in self.rows:
            seen.update(dict.fromkeys(m))
        return list(seen)

    def series(self, key: str) -> tuple[list[int], list[float]]:
        """(steps, values) for the rows that have `key`."""
        pairs = [(s, m[key]) for s, m in self.rows if key in m]
        return [p[0] for p in pairs], [p[1] for p in pairs]

    def last(self, key: str, default=None):
        _, values = self.series(key)
        return values[-1] if values else default

    def max(self, key: str, default=None):
        _, values = self.series(key)
        values = [v for v in values if not (isinstance(v, float) and math.isnan(v))]
        return max(values) if values else default

    def first_step(self, key: str, threshold: float, above: bool = True) -> int | None:
        """First logged step where `key` >= threshold (or <= when above=False); None if never."""
        for step, value in zip(*self.series(key)):
            if (value >= threshold) if above else (value <= threshold):
                return step
        return None

    def to_dict(self) -> dict:
        return {"rows": [[s, m] for s, m in self.rows]}

    @classmethod
    def from_dict(cls, d: dict) -> "History":
        return cls((s, m) for s, m in d["rows"])

    def __len__(self) -> int:
        return len(self.rows)


def _is_number(v) -> bool:
    try:
        float(v)
        return not isinstance(v, (str, bytes))
    except (TypeError, ValueError):
        return False
