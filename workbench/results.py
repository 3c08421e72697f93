"""results.json: what a notebook measured and how each of the paper's claims fares: holds, fails or inconclusive.

Claims are written in code before any run (`workbench/papers/<slug>/claims.py`); a claim's rule is a small
Python expression over measured names, evaluated here by a small interpreter (no `eval`, no calls other
than abs/min/max/all/any/len/sum):

    CLAIMS = [Claim("p-beats-gist", paper="look-up beats gists only", rule="acc_p > acc_gist")]
    res = Results("readagent", cfg, scale)
    res.log(**metrics)
    res.judge(CLAIMS, {"acc_p": bootstrap(correct_p), "acc_gist": bootstrap(correct_gist)})
    res.write(results_dir)            # atomic; returns the path

## How a verdict is reached (the one place this is specified)

A measured value is a plain number (no noise known) or a `Samples`: the quantity's sampling noise.
- `bootstrap(units, statistic=mean, n=1000, seed=0)` resamples the evaluation units (episodes, questions,
  pairs, test examples) with replacement `n` times and returns the statistic of each replicate, with the
  full-data statistic as the point value.
- `seeds([v0, v1, v2])` holds one value per training seed (`workbench sweep` builds these from its runs).

The rule is evaluated on R joint resamples of all its quantities and its **support** is the fraction of
them in which it is true. Verdict: `holds` when support >= 0.95, `fails` when support <= 0.05,
`inconclusive` otherwise. `holds` in results.json is true only for the verdict `holds`.
- bootstrap quantities: resample r uses replicate r of each. Replicate r's units are drawn from
  (number of units, n, seed) alone, so quantities bootstrapped over the same units with the same seed
  are *paired* (replicate r of `acc_a` and of `acc_b` score the very same questions); quantities over
  different units are independent draws. R = n (all bootstrap quantities in one rule need the same n).
- seed quantities: resample r draws the seeds with replacement (one draw shared by every seed quantity
  of the rule, so they are paired by seed) and uses each quantity's mean over the drawn seeds; all seed
  quantities of one rule come from the same seeds. Mixed with bootstrap quantities, seed draws and unit
  draws are independent. A seed list of length 1 is a plain number.
- plain numbers are the same in every resample. A rule over plain numbers only is judged once (support
  1, 0 or 0.5) and the claim records `noise` "none" for each of them.
- ties are not evidence: an ordering comparison (<, <=, >, >=) between two equal numbers is *unknown*,
  combined by Kleene's three-valued logic (False and unknown = False, True and unknown = unknown, not
  unknown = unknown), and an unknown resample counts 1/2. So `acc_a >= acc_b` with both at chance and
  equal in every resample has support 0.5 (inconclusive), never holds; `==` and `!=` stay exact.
- missing values: a name the notebook did not measure at all makes the claim `inconclusive` (nothing
  was measured: e.g. a part this scale skips). A value that is None or NaN -- a threshold never reached
  ("steps to grok" = None), an undefined statistic -- makes the rule *false* on that resample: a claim
  needing a number the run never reached does not hold, and fails when it is missing in (nearly) every
  resample. A rule that cannot be computed on a resample (division by zero) is false there too.

Each judged claim (a dict in results.json) has: id, paper, rule, note, `measured` (the point value of
each quantity: the full-data statistic for a bootstrap, the mean over seeds -- None when a seed misses
it -- for seeds), `intervals` (95% percentile interval over the resamples, for each quantity with
samples), `noise` (per quantity: "none", "N seeds" or "bootstrap xN"), `verdict`, `support`, `reason`
(one line: why this verdict) and `holds`.
"""
from __future__ import annotations

import ast
import dataclasses
import json
import math
import operator
import platform
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Sequence

import numpy as np

from workbench import WorkbenchError, __version__
from workbench.cache import atomic_write_text

HOLDS_AT = 0.95          # support needed for `holds`
FAILS_AT = 0.05          # support at or below which the claim `fails`
N_RESAMPLES = 1000       # resamples for rules over seed quantities only (bootstrap rules use their n)
VERDICTS = ("holds", "fails", "inconclusive")

_ALLOWED_FUNCS = {"abs": abs, "min": min, "max": max, "all": all, "any": any, "len": len, "sum": sum}
_ALLOWED_NODES = (
    ast.Expression, ast.BoolOp, ast.And, ast.Or, ast.UnaryOp, ast.Not, ast.USub, ast.UAdd, ast.BinOp,
    ast.Add, ast.Sub, ast.Mult, ast.Div, ast.Pow, ast.Mod, ast.FloorDiv, ast.Compare, ast.Eq, ast.NotEq,
    ast.Lt, ast.LtE, ast.Gt, ast.GtE, ast.In, ast.NotIn, ast.Name, ast.Load, ast.Constant, ast.Call,
    ast.Tuple, ast.List, ast.Subscript, ast.IfExp,
)


# ---------------------------------------------------------------------------------------------------
# measured quantities with their noise

@dataclass(frozen=True)
class Samples:
    """A measured quantity's sampling distribution: per-seed values or bootstrap replicates.

    values  one float per seed (kind "seeds") or per bootstrap replicate (kind "bootstrap"); None/NaN
            for a seed or replicate where the quantity was never reached or is undefined
    point   the value to report (bootstrap: the full-data statistic); default: the mean of the values
    """
    values: tuple
    kind: str = "seeds"
    point: float | None = None

    def __post_init__(self):
        if self.kind not in ("seeds", "bootstrap"):
            raise WorkbenchError(f"Samples kind {self.kind!r}: choose 'seeds' or 'bootstrap'")
        vals = tuple(None if _is_missing(v) else float(v) for v in _plain(list(self.values)))
        if not vals:
            raise WorkbenchError("Samples needs at least one value")
        object.__setattr__(self, "values", vals)
        if _is_missing(self.point):
            object.__setattr__(self, "point", None)
        else:
            object.__setattr__(self, "point", float(self.point))

    def center(self) -> float | None:
        """The reported value: `point` if given, else the mean (None if any value is missing)."""
        if self.point is not None:
            return self.point
        return None if any(v is None for v in self.values) else float(np.mean(self.values))


def seeds(values: Sequence[float | None]) -> Samples:
    """One value per training seed, in seed order (paired by position with other seed quantities)."""
    return Samples(tuple(values), "seeds")


def bootstrap(units: Sequence[Any] | np.ndarray, statistic: Callable[[Any], float] | None = None,
              n: int = 1000, seed: int = 0) -> Samples:
    """Bootstrap replicates of `statistic` over evaluation units (first axis of `units`).

    Replicate r uses the units at indices drawn from (len(units), n, seed) only: two quantities
    bootstrapped over the same units with the same `seed` are paired replicate by replicate.
    `statistic` gets a subset of the same kind (array rows; default: np.mean of a numeric array)."""
    arr = units if isinstance(units, np.ndarray) else np.asarray(units, dtype=object if _ragged(units) else None)
    m = len(arr)
    if m == 0:
        raise WorkbenchError("bootstrap over zero evaluation units")
    if n < 1:
        raise WorkbenchError(f"bootstrap n={n}: need at least one replicate")
    stat = statistic or (lambda a: float(np.mean(a)))
    idx = np.random.default_rng(seed).integers(0, m, size=(n, m))
    return Samples(tuple(_stat(stat, arr[i]) for i in idx), "bootstrap", point=_stat(stat, arr))


def _ragged(units) -> bool:
    return any(isinstance(u, (dict, str)) or hasattr(u, "__dict__") for u in list(units)[:1])


def _stat(stat, subset) -> float | None:
    try:
        v = stat(subset)
    except (ArithmeticError, ValueError):
        return None
    return None if _is_missing(v) else float(v)


def _is_missing(v: Any) -> bool:
    if v is None:
        return True
    try:
        return isinstance(v, (float, np.floating)) and math.isnan(v)
    except TypeError:
        return False


# ---------------------------------------------------------------------------------------------------
# the rule interpreter (three-valued: True, False, UNKNOWN for ties)

class _Unknown:
    def __repr__(self):
        return "unknown"


UNKNOWN = _Unknown()


class _Undefined(Exception):
    """The rule cannot be computed on these values (division by zero, NaN): false on this resample."""


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


_BINOPS = {ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul, ast.Div: operator.truediv,
           ast.Pow: operator.pow, ast.Mod: operator.mod, ast.FloorDiv: operator.floordiv}
_ORDER = {ast.Lt: operator.lt, ast.LtE: operator.le, ast.Gt: operator.gt, ast.GtE: operator.ge}
_EXACT = {ast.Eq: operator.eq, ast.NotEq: operator.ne,
          ast.In: lambda a, b: a in b, ast.NotIn: lambda a, b: a not in b}


def _tri(v: Any) -> Any:
    """A value as True / False / UNKNOWN."""
    return v if v is UNKNOWN else bool(v)


def _and(values) -> Any:
    values = [_tri(v) for v in values]
    return False if False in values else UNKNOWN if any(v is UNKNOWN for v in values) else True


def _or(values) -> Any:
    values = [_tri(v) for v in values]
    return True if True in values else UNKNOWN if any(v is UNKNOWN for v in values) else False


def _number(v: Any) -> bool:
    return isinstance(v, (int, float, np.integer, np.floating)) and not isinstance(v, bool)


def _compare(op, a, b) -> Any:
    if a is UNKNOWN or b is UNKNOWN:
        return UNKNOWN
    if type(op) in _ORDER:
        if _number(a) and _number(b):
            if math.isnan(a) or math.isnan(b):
                raise _Undefined
            if a == b:
                return UNKNOWN  # a tie is no evidence for either order
        return _ORDER[type(op)](a, b)
    return _EXACT[type(op)](a, b)


def _ev(node: ast.AST, env: dict[str, Any]) -> Any:
    if isinstance(node, ast.Expression):
        return _ev(node.body, env)
    if isinstance(node, ast.Constant):
        return node.value
    if isinstance(node, ast.Name):
        return _ALLOWED_FUNCS[node.id] if node.id in _ALLOWED_FUNCS else env[node.id]
    if isinstance(node, (ast.Tuple, ast.List)):
        return [_ev(e, env) for e in node.elts]
    if isinstance(node, ast.BoolOp):
        vals = [_ev(v, env) for v in node.values]
        return _and(vals) if isinstance(node.op, ast.And) else _or(vals)
    if isinstance(node, ast.UnaryOp):
        v = _ev(node.operand, env)
        if isinstance(node.op, ast.Not):
            t = _tri(v)
            return UNKNOWN if t is UNKNOWN else not t
        return UNKNOWN if v is UNKNOWN else (-v if isinstance(node.op, ast.USub) else +v)
    if isinstance(node, ast.BinOp):
        a, b = _ev(node.left, env), _ev(node.right, env)
        if a is UNKNOWN or b is UNKNOWN:
            return UNKNOWN
        try:
            return _BINOPS[type(node.op)](a, b)
        except (ArithmeticError, ValueError):
            raise _Undefined from None
    if isinstance(node, ast.Compare):
        links, left = [], _ev(node.left, env)
        for op, comp in zip(node.ops, node.comparators):
            right = _ev(comp, env)
            links.append(_compare(op, left, right))
            left = right
        return _and(links)
    if isinstance(node, ast.IfExp):
        t = _tri(_ev(node.test, env))
        if t is UNKNOWN:
            a, b = _ev(node.body, env), _ev(node.orelse, env)
            return a if a == b else UNKNOWN
        return _ev(node.body if t else node.orelse, env)
    if isinstance(node, ast.Call):
        name = node.func.id
        args = [_ev(a, env) for a in node.args]
        if name in ("all", "any"):
            items = args[0] if len(args) == 1 else args
            return _and(items) if name == "all" else _or(items)
        if any(a is UNKNOWN for a in args) or any(isinstance(a, list) and UNKNOWN in a for a in args):
            return UNKNOWN
        return _ALLOWED_FUNCS[name](*args)
    if isinstance(node, ast.Subscript):
        return _ev(node.value, env)[_ev(node.slice, env)]
    raise WorkbenchError(f"rule node {type(node).__name__} is not allowed")  # _parse_rule keeps these out


def _truth(tree: ast.Expression, names: list[str], env: dict[str, Any]) -> float:
    """1, 0.5 (unknown: decided by a tie) or 0 for one set of plain values."""
    if any(_is_missing(env.get(n)) for n in names):
        return 0.0
    try:
        t = _tri(_ev(tree, env))
    except _Undefined:
        return 0.0
    return 0.5 if t is UNKNOWN else float(t)


def evaluate_rule(rule: str, measured: dict[str, Any]) -> bool:
    """Is `rule` definitely true on plain values? Missing names, None or NaN values, and ties make it False.
    (Samples are read at their point value; `Claim.judge` is what weighs their noise.)"""
    tree, names = _parse_rule(rule), rule_names(rule)
    env = {n: _point(measured.get(n)) for n in names}
    return _truth(tree, names, env) == 1.0


def _point(v: Any) -> Any:
    return v.center() if isinstance(v, Samples) else v


# ---------------------------------------------------------------------------------------------------
# judging over joint resamples

def _resample(values: dict[str, Any]) -> tuple[int, dict[str, np.ndarray], dict[str, str]]:
    """Joint resamples of the rule's quantities: (R, {name: R values (NaN = missing)}, {name: noise})."""
    noisy = {n: v for n, v in values.items() if isinstance(v, Samples) and not (v.kind == "seeds" and len(v.values) == 1)}
    noise = {n: ("none" if n not in noisy else f"{len(v.values)} seeds" if v.kind == "seeds"
                 else f"bootstrap x{len(v.values)}") for n, v in values.items()}
    boot = {n: v for n, v in noisy.items() if v.kind == "bootstrap"}
    seed = {n: v for n, v in noisy.items() if v.kind == "seeds"}
    for group, what in ((boot, "bootstrap replicates"), (seed, "seeds")):
        sizes = {len(v.values) for v in group.values()}
        if len(sizes) > 1:
            raise WorkbenchError(f"quantities {', '.join(group)} in one rule have different numbers of {what} "
                                 f"({sorted(sizes)}); they must come from the same draws")
    r = len(next(iter(boot.values())).values) if boot else N_RESAMPLES
    out = {}
    for n, v in boot.items():
        out[n] = np.array([np.nan if x is None else x for x in v.values], dtype=float)
    if seed:
        s = len(next(iter(seed.values())).values)
        draws = np.random.default_rng(0).integers(0, s, size=(r, s))  # one draw for all: paired by seed
        for n, v in seed.items():
            arr = np.array([np.nan if x is None else x for x in v.values], dtype=float)
            out[n] = arr[draws].mean(axis=1)  # NaN when a drawn seed misses the value
    return r, out, noise


def _interval(x: np.ndarray) -> list[float] | None:
    ok = x[~np.isnan(x)]
    if len(ok) < len(x) or not len(ok):  # some resamples miss the value: no honest interval
        return None
    lo, hi = np.percentile(ok, [2.5, 97.5])
    return [float(lo), float(hi)]


def verdict_of(support: float | None) -> str:
    if support is None:
        return "inconclusive"
    return "holds" if support >= HOLDS_AT else "fails" if support <= FAILS_AT else "inconclusive"


def judge_rule(rule: str, measured: dict[str, Any]) -> dict[str, Any]:
    """Verdict, support, intervals, point values and noise of `rule` over `measured` (see module doc)."""
    tree, names = _parse_rule(rule), rule_names(rule)
    absent = [n for n in names if n not in measured]
    values = {n: measured[n] for n in names if n in measured}
    points = {n: _plain(_point(v)) for n, v in values.items()}
    points.update({n: None for n in absent})
    if absent:
        return {"measured": points, "intervals": {}, "noise": {n: "not measured" for n in absent},
                "support": None, "verdict": "inconclusive", "reason": f"not measured: {', '.join(absent)}"}
    r, draws, noise = _resample(values)
    plain = {n: _point(v) for n, v in values.items()}
    missing = [n for n in names if _is_missing(plain[n]) and n not in draws]
    if not draws:  # plain numbers only: judged once
        support = _truth(tree, names, plain)
        reason = ("missing (None/NaN): " + ", ".join(missing) if missing else
                  "a tie decides the rule (equality is no evidence); no noise measured" if support == 0.5 else
                  f"rule {'true' if support else 'false'} on the measured values; no noise measured")
        return {"measured": points, "intervals": {}, "noise": noise, "support": support,
                "verdict": verdict_of(support), "reason": reason}
    scores = np.empty(r)
    env = dict(plain)
    for i in range(r):
        for n, x in draws.items():
            env[n] = None if np.isnan(x[i]) else float(x[i])
        scores[i] = _truth(tree, names, env)
    support = round(float(scores.mean()), 4)
    intervals = {n: _interval(x) for n, x in draws.items()}
    verdict = verdict_of(support)
    some_missing = [n for n, x in draws.items() if np.isnan(x).any()] + missing
    reason = f"rule true in {support:.0%} of {r} resamples"
    if verdict == "holds":
        reason += f" (>= {HOLDS_AT:.0%})"
    elif verdict == "fails":
        reason += f" (<= {FAILS_AT:.0%})"
    else:
        reason += f": inside the noise (holds needs >= {HOLDS_AT:.0%})"
    ties = float(np.mean(scores == 0.5))
    if ties >= 0.5:
        reason += f"; {ties:.0%} of resamples are ties"
    if some_missing:
        reason += "; missing (None/NaN) in some: " + ", ".join(some_missing)
    return {"measured": points, "intervals": {n: iv for n, iv in intervals.items() if iv is not None},
            "noise": noise, "support": support, "verdict": verdict, "reason": reason}


def _plain(v: Any) -> Any:
    """numpy/jax/torch scalars and arrays -> JSON-able Python values (Samples -> their point value)."""
    if isinstance(v, Samples):
        v = v.center()
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
        j = judge_rule(self.rule, measured)
        return {"id": self.id, "paper": self.paper, "rule": self.rule, "note": self.note,
                "measured": j["measured"], "intervals": j["intervals"], "noise": j["noise"],
                "verdict": j["verdict"], "support": j["support"], "reason": j["reason"],
                "holds": j["verdict"] == "holds"}


def verdict_counts(claims: list[dict[str, Any]]) -> dict[str, int]:
    """{"holds": h, "fails": f, "inconclusive": i} over judged claim dicts (old files: holds -> verdict)."""
    counts = dict.fromkeys(VERDICTS, 0)
    for c in claims:
        counts[claim_verdict(c)] += 1
    return counts


def claim_verdict(c: dict[str, Any]) -> str:
    """A claim dict's verdict; results.json files written before verdicts existed have only `holds`."""
    return c.get("verdict") or ("holds" if c.get("holds") else "fails")


def summary(claims: list[dict[str, Any]]) -> str:
    """'h hold, f fail, i inconclusive'."""
    k = verdict_counts(claims)
    return f"{k['holds']} hold, {k['fails']} fail, {k['inconclusive']} inconclusive"


def format_value(v: Any, interval: list[float] | None = None) -> str:
    """'0.52 [0.41, 0.63]' (4 significant digits; the interval when there is one)."""
    def f(x):
        return "None" if x is None else f"{x:.4g}" if isinstance(x, float) else str(x)
    return f(v) + (f" [{f(interval[0])}, {f(interval[1])}]" if interval else "")


def aggregate_seeds(claim_dicts: list[dict[str, Any]]) -> dict[str, Any]:
    """Re-judge one claim from its per-seed claim dicts (one per run, seed order): each measured quantity
    becomes Samples(kind="seeds") of the runs' point values."""
    first = claim_dicts[0]
    names = rule_names(first["rule"])
    claim = Claim(first["id"], paper=first["paper"], rule=first["rule"], note=first.get("note", ""))
    measured: dict[str, Any] = {}
    for n in names:
        vals = [c["measured"].get(n) for c in claim_dicts if n in c.get("measured", {})]
        if len(vals) < len(claim_dicts):
            continue   # not measured in every seed: the claim is inconclusive
        if len(vals) > 1 and not all(v is None or _number(v) or isinstance(v, bool) for v in vals):
            # a list- or text-valued quantity has no mean: weigh the seeds' own verdicts instead
            out = claim.judge({})
            support = float(np.mean([{"holds": 1.0, "fails": 0.0}.get(claim_verdict(c), 0.5) for c in claim_dicts]))
            out.update(measured={k: first["measured"].get(k) for k in names}, support=round(support, 4),
                       verdict=verdict_of(support), noise={k: f"{len(claim_dicts)} seeds" for k in names},
                       reason=f"{n} is not a number: the seeds' own verdicts, {support:.0%} support")
            out["holds"] = out["verdict"] == "holds"
            break
        measured[n] = seeds(vals) if len(vals) > 1 else vals[0]
    else:
        out = claim.judge(measured)
    out["n_seeds"] = len(claim_dicts)
    out["per_seed_verdicts"] = [claim_verdict(c) for c in claim_dicts]
    return out


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
        """Judge each claim on `measured` (plain numbers or Samples); the verdicts are kept and returned."""
        judged = [c.judge(measured) for c in claims]
        self.claims.extend(judged)
        return judged

    def summary(self) -> str:
        """'h hold, f fail, i inconclusive' over the judged claims."""
        return summary(self.claims)

    def to_dict(self) -> dict[str, Any]:
        return {"slug": self.slug, "scale": self.scale, "seed": self.seed, "params": _plain(self.params),
                "runtime_s": round(time.time() - self._t0, 2), "versions": _versions(),
                "metrics": _plain(self.metrics), "claims": self.claims}

    def write(self, results_dir: str | Path) -> Path:
        path = Path(results_dir) / "results.json"
        atomic_write_text(path, json.dumps(self.to_dict(), indent=2, default=str))
        return path

    def table(self):
        """The judged claims as a pandas DataFrame (for display in the notebook); its HTML view opens with
        the verdict counts ('h hold, f fail, i inconclusive')."""
        return ClaimTable.of(self.claims)


def _claim_table_base():
    import pandas as pd
    return pd.DataFrame


class ClaimTable:
    """Builds the claims DataFrame; `of` returns a DataFrame subclass whose notebook view starts with
    the verdict counts (a plain DataFrame in every other respect)."""
    _cls = None

    @classmethod
    def of(cls, claims: list[dict[str, Any]]):
        if cls._cls is None:
            base = _claim_table_base()

            class _Table(base):
                _metadata = ["summary"]

                @property
                def _constructor(self):
                    return _Table

                def _repr_html_(self):
                    return f"<p><b>{getattr(self, 'summary', '')}</b></p>" + (super()._repr_html_() or "")

                def __repr__(self):
                    return f"{getattr(self, 'summary', '')}\n{super().__repr__()}"

            cls._cls = _Table
        rows = [{"claim": c["id"], "verdict": claim_verdict(c), "support": c.get("support"),
                 "measured": ", ".join(f"{n}={format_value(v, c.get('intervals', {}).get(n))}"
                                       for n, v in c["measured"].items()),
                 "rule": c["rule"], "why": c.get("reason", "")} for c in claims]
        table = cls._cls(rows, columns=["claim", "verdict", "support", "measured", "rule", "why"])
        table.summary = summary(claims)
        return table


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
