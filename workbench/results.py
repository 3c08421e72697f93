"""results.json: what a notebook measured and which of the paper's claims hold.

Claims are written in code before any run (`workbench/<slug>/claims.py`); a claim's rule is a small
Python expression over measured names and is evaluated here, never typed in:

    CLAIMS = [Claim("add-groks", paper="a+b groks: test acc -> 100% long after train acc",
                    rule="test_acc >= 0.95 and steps_to_test95 >= 2 * steps_to_train99")]
    res = Results("grokking", cfg, scale)
    res.metrics["add/steps_to_generalize"] = 4200
    res.judge(CLAIMS, {"test_acc": 0.998, "steps_to_test95": 4200, "steps_to_train99": 900})
    res.write(results_dir)            # atomic; returns the path

A rule that needs a value that was never measured (None, NaN) does not hold; it is not an error.
"""
from __future__ import annotations

import ast
import dataclasses
import json
import math
import platform
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from workbench import WorkbenchError, __version__
from workbench.cache import atomic_write_text

_ALLOWED_FUNCS = {"abs": abs, "min": min, "max": max, "all": all, "any": any, "len": len, "sum": sum}
_ALLOWED_NODES = (
    ast.Expression, ast.BoolOp, ast.And, ast.Or, ast.UnaryOp, ast.Not, ast.USub, ast.UAdd, ast.BinOp,
    ast.Add, ast.Sub, ast.Mult, ast.Div, ast.Pow, ast.Mod, ast.FloorDiv, ast.Compare, ast.Eq, ast.NotEq,
    ast.Lt, ast.LtE, ast.Gt, ast.GtE, ast.In, ast.NotIn, ast.Name, ast.Load, ast.Constant, ast.Call,
    ast.Tuple, ast.List, ast.Subscript, ast.IfExp,
)


def rule_names(rule: str) -> list[str]:
    """The measured names a rule reads, in order of first use (functions excluded)."""
    tree = _parse_rule(rule)
    names: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and node.id not in _ALLOWED_FUNCS and node.id not in names:
            names.append(node.id)
    return names


def _parse_rule(rule: str) -> ast.Expression:
    try:
        tree = ast.parse(rule, mode="eval")
    except SyntaxError as e:
        raise WorkbenchError(f"claim rule {rule!r} is not an expression: {e.msg}") from None
    for node in ast.walk(tree):
        if not isinstance(node, _ALLOWED_NODES):
            raise WorkbenchError(f"claim rule {rule!r} uses {type(node).__name__}, which rules may not")
        if isinstance(node, ast.Call) and not (isinstance(node.func, ast.Name) and node.func.id in _ALLOWED_FUNCS):
            raise WorkbenchError(f"claim rule {rule!r} calls a function rules may not ({', '.join(_ALLOWED_FUNCS)})")
    return tree


def _is_missing(v: Any) -> bool:
    return v is None or (isinstance(v, float) and math.isnan(v))


def evaluate_rule(rule: str, measured: dict[str, Any]) -> bool:
    """Evaluate `rule` over `measured`. Missing names, None or NaN values make it False."""
    tree = _parse_rule(rule)
    names = rule_names(rule)
    if any(n not in measured or _is_missing(measured[n]) for n in names):
        return False
    env = {n: measured[n] for n in names}
    return bool(eval(compile(tree, "<rule>", "eval"), {"__builtins__": {}, **_ALLOWED_FUNCS}, env))


def _plain(v: Any) -> Any:
    """numpy/jax/torch scalars and arrays -> JSON-able Python values."""
    if hasattr(v, "tolist"):
        v = v.tolist()
    if isinstance(v, dict):
        return {str(k): _plain(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return [_plain(x) for x in v]
    if isinstance(v, float) and (math.isnan(v) or math.isinf(v)):
        return None
    return v


@dataclass(frozen=True)
class Claim:
    """A paper's claim and the rule, fixed before the run, that decides whether we reproduce it."""
    id: str
    paper: str            # the paper's statement, with its number where it gives one
    rule: str             # Python expression over measured names, e.g. "acc_p > acc_gist"
    note: str = ""        # how the measured names are computed, departures from the paper

    def __post_init__(self):
        _parse_rule(self.rule)  # a malformed rule fails at import, not after a 15-minute run

    def judge(self, measured: dict[str, Any]) -> dict[str, Any]:
        names = rule_names(self.rule)
        used = {n: _plain(measured.get(n)) for n in names}
        return {"id": self.id, "paper": self.paper, "rule": self.rule, "note": self.note,
                "measured": used, "holds": evaluate_rule(self.rule, measured)}


def _versions() -> dict[str, str]:
    out = {"workbench": __version__, "python": platform.python_version()}
    from importlib import metadata
    for pkg in ("jax", "torch", "brax", "transformers", "miniwob"):
        try:
            out[pkg] = metadata.version(pkg)
        except metadata.PackageNotFoundError:
            pass
    return out


class Results:
    """Collects metrics and judged claims for one notebook run, then writes results.json atomically."""

    def __init__(self, slug: str, config: Any = None, scale: str = "cpu", seed: int | None = None):
        self.slug, self.scale = slug, scale
        self.params = dataclasses.asdict(config) if dataclasses.is_dataclass(config) else dict(config or {})
        self.seed = seed if seed is not None else self.params.get("seed", 0)
        self.metrics: dict[str, Any] = {}
        self.claims: list[dict[str, Any]] = []
        self._t0 = time.time()

    def log(self, **metrics: Any) -> None:
        self.metrics.update(metrics)

    def judge(self, claims: list[Claim], measured: dict[str, Any]) -> list[dict[str, Any]]:
        """Evaluate each claim's rule on `measured`; the verdicts are kept and returned."""
        judged = [c.judge(measured) for c in claims]
        self.claims.extend(judged)
        return judged

    def to_dict(self) -> dict[str, Any]:
        return {"slug": self.slug, "scale": self.scale, "seed": self.seed, "params": _plain(self.params),
                "runtime_s": round(time.time() - self._t0, 2), "versions": _versions(),
                "metrics": _plain(self.metrics), "claims": self.claims}

    def write(self, results_dir: str | Path) -> Path:
        path = Path(results_dir) / "results.json"
        atomic_write_text(path, json.dumps(self.to_dict(), indent=2, default=str))
        return path

    def table(self):
        """The judged claims as a pandas DataFrame (for display in the notebook)."""
        import pandas as pd
        return pd.DataFrame([{"claim": c["id"], "holds": c["holds"], "rule": c["rule"],
                              "measured": json.dumps(c["measured"])} for c in self.claims])


REQUIRED_KEYS = ("slug", "scale", "seed", "params", "runtime_s", "versions", "metrics", "claims")


def load(path: str | Path) -> dict[str, Any]:
    """Read a results.json and check it has the contract's fields."""
    path = Path(path)
    try:
        data = json.loads(path.read_text())
    except json.JSONDecodeError as e:
        raise WorkbenchError(f"{path}: not valid JSON ({e.msg} at line {e.lineno})") from None
    missing = [k for k in REQUIRED_KEYS if k not in data]
    if missing:
        raise WorkbenchError(f"{path}: missing field(s) {', '.join(missing)}")
    return data
