"""Scales: named parameter sets per paper, then key-by-key overrides, validated before any work.

    cfg = resolve("grokking", "cpu", {"p": 97})          # from a notebook (typed values)
    cfg = resolve("grokking", "cpu", parse_overrides(["p=97"], Config))   # from the CLI (strings)
    cfg.scale                                            # "cpu": a Config knows the scale it was resolved at

Order of application: Config defaults (= the `cpu` scale) -> SCALES[scale] -> overrides.
An unknown scale, unknown key or a value of the wrong type raises WorkbenchError naming it; every
paper's Config derives from `PaperConfig`, whose checks reject a value that could not run (a zero
size, a fraction outside its range, an empty split) with one line naming the field.
"""
from __future__ import annotations

import ast
import dataclasses
import inspect
import io
import math
import textwrap
import tokenize
import typing
from typing import Any, Iterable

from workbench import WorkbenchError
from workbench import registry

SCALE_NAMES = ("smoke", "cpu", "paper")


@dataclasses.dataclass(frozen=True)
class PaperConfig:
    """The base of every paper's `Config`: the scale it was resolved at, and field checks.

    A paper's Config declares its fields (each with a trailing `# why` comment, which `workbench params`
    shows) and overrides `check()` to reject what could not run, using the helpers below. Float fields are
    checked for NaN/inf here, for every paper."""
    scale: str = "cpu"  # set by --scale or the notebook's `scale`, never with -p: smoke | cpu | paper

    def __post_init__(self):
        if self.scale not in SCALE_NAMES:
            raise ValueError(f"scale={self.scale!r}: choose one of {', '.join(SCALE_NAMES)}")
        for f in dataclasses.fields(self):
            for v in _items(getattr(self, f.name)):
                if isinstance(v, float) and not math.isfinite(v):
                    raise ValueError(f"{f.name}={getattr(self, f.name)!r}: must be a finite number")
        self.check()

    def check(self) -> None:
        """The paper's own checks: raise ValueError with one line naming the field."""

    # --- helpers for check(); a tuple field is checked item by item ---
    def require(self, condition: bool, message: str) -> None:
        if not condition:
            raise ValueError(message)

    def at_least(self, low: float, *names: str) -> None:
        for name in names:
            for v in _items(getattr(self, name)):
                self.require(v >= low, f"{name}={getattr(self, name)!r}: must be >= {low}")

    def positive(self, *names: str) -> None:
        for name in names:
            for v in _items(getattr(self, name)):
                self.require(v > 0, f"{name}={getattr(self, name)!r}: must be > 0")

    def between(self, name: str, low: float, high: float, *, open_low: bool = False, open_high: bool = False) -> None:
        """low <= value <= high; open_low / open_high exclude the end."""
        lo, hi = ("(" if open_low else "["), (")" if open_high else "]")
        for v in _items(getattr(self, name)):
            ok = (v > low if open_low else v >= low) and (v < high if open_high else v <= high)
            self.require(ok, f"{name}={getattr(self, name)!r}: must lie in {lo}{low}, {high}{hi}")

    def nonempty(self, *names: str) -> None:
        for name in names:
            value = getattr(self, name)
            self.require(len(value) > 0 if isinstance(value, (tuple, list)) else bool(str(value).strip()),
                         f"{name} is empty")

    def members(self, name: str, known: Iterable[Any], what: str = "") -> None:
        """Every item of a tuple field (or the one value) is one of `known`; no item twice. `what` names an
        item in the message ("operation": "unknown operation(s) pow")."""
        known = list(known)
        items = _items(getattr(self, name))
        bad = [repr(v) if v == "" else str(v) for v in items if v not in known]
        shown = ", ".join(map(str, known)) if len(known) <= 40 else f"{known[0]} ... {known[-1]}"
        self.require(not bad, f"{name}: unknown {what + '(s) ' if what else ''}{', '.join(bad)}; known: {shown}")
        self.require(len(set(items)) == len(items), f"{name}={getattr(self, name)!r}: an item appears twice")

    def llm_kind(self, name: str) -> None:
        """A `workbench.llm.get_llm` spec of a known kind (the backend checks the rest when it loads)."""
        spec = getattr(self, name)
        self.require(spec in ("smollm2", "llamacpp") or spec.startswith(LLM_SCHEMES) and len(spec) > spec.index(":") + 1,
                     f"{name}={spec!r}: use smollm2, hf:<path>, openai:<base_url>#<model>, replay:<file> "
                     "or llamacpp[:<file.gguf>]")


LLM_SCHEMES = ("hf:", "openai:", "replay:", "llamacpp:")  # the spec kinds of workbench.llm.get_llm


def _items(value: Any) -> list[Any]:
    return list(value) if isinstance(value, (tuple, list)) else [value]


def field_types(config_cls) -> dict[str, Any]:
    """Every dataclass field's type (including `scale`)."""
    hints = typing.get_type_hints(config_cls)
    return {f.name: hints[f.name] for f in dataclasses.fields(config_cls)}


def parameter_names(config_cls) -> list[str]:
    """The fields `-p` may set: every field but `scale`, which the scale itself sets."""
    return [f.name for f in dataclasses.fields(config_cls) if f.name != "scale"]


def _type_name(tp) -> str:
    if typing.get_origin(tp) is not None:  # tuple[str, ...], Literal[...]: their __name__ drops the arguments
        return str(tp).replace("typing.", "")
    return getattr(tp, "__name__", None) or str(tp).replace("typing.", "")


def coerce(key: str, value: Any, tp) -> Any:
    """Check (and gently convert) `value` for a field of type `tp`; raise WorkbenchError if it does not fit."""
    origin = typing.get_origin(tp)
    bad = WorkbenchError(f"bad value for '{key}': {value!r} is not a {_type_name(tp)}")
    if tp is Any:
        return value
    if origin is typing.Union or (origin is not None and str(origin) == "<class 'types.UnionType'>"):
        args = typing.get_args(tp)
        if value is None and type(None) in args:
            return None
        for arg in args:
            if arg is type(None):
                continue
            try:
                return coerce(key, value, arg)
            except WorkbenchError:
                pass
        raise bad
    if typing.get_origin(tp) is typing.Literal:
        if value not in typing.get_args(tp):
            raise WorkbenchError(f"bad value for '{key}': {value!r}; choose one of {list(typing.get_args(tp))}")
        return value
    if tp is bool:
        if isinstance(value, bool):
            return value
        raise bad
    if tp is int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise bad
        return value
    if tp is float:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise bad
        return float(value)
    if tp is str:
        if not isinstance(value, str):
            raise bad
        return value
    if origin in (tuple, list):
        if not isinstance(value, (tuple, list)):
            raise bad
        args = typing.get_args(tp)
        if origin is tuple and len(args) == 2 and args[1] is Ellipsis:
            return tuple(coerce(key, v, args[0]) for v in value)
        if origin is list and args:
            return [coerce(key, v, args[0]) for v in value]
        return type(value)(value) if origin is list else tuple(value)
    if origin is dict or tp is dict:
        if not isinstance(value, dict):
            raise bad
        return value
    return value


def parse_value(key: str, text: str, tp) -> Any:
    """Parse a CLI string for a field of type `tp`: Python literals, bare strings, comma lists for tuples."""
    origin = typing.get_origin(tp)
    if tp is str or (typing.get_origin(tp) is typing.Literal and all(isinstance(a, str) for a in typing.get_args(tp))):
        value: Any = text
    elif tp is bool:
        low = text.strip().lower()
        if low in ("true", "1", "yes", "on"):
            value = True
        elif low in ("false", "0", "no", "off"):
            value = False
        else:
            raise WorkbenchError(f"bad value for '{key}': {text!r} is not a bool (true/false)")
    else:
        try:
            value = ast.literal_eval(text)
        except (ValueError, SyntaxError):
            if origin in (tuple, list):  # a,b,c without brackets or quotes
                inner = typing.get_args(tp)[:1] or (str,)
                value = [parse_value(key, part.strip(), inner[0]) for part in text.split(",") if part.strip()]
            else:
                value = text
        if origin in (tuple, list) and not isinstance(value, (tuple, list)):
            value = [value]
    return coerce(key, value, tp)


def parse_overrides(pairs: list[str], config_cls) -> dict[str, Any]:
    """['key=value', ...] -> typed dict, validated against `config_cls`'s fields."""
    types = field_types(config_cls)
    out: dict[str, Any] = {}
    for pair in pairs:
        if "=" not in pair:
            raise WorkbenchError(f"bad parameter {pair!r}: expected key=value")
        key, text = pair.split("=", 1)
        key = key.strip()
        _check_key(key, config_cls, "-p")
        out[key] = parse_value(key, text, types[key])
    return out


def _check_key(key: str, config_cls, source: str) -> None:
    if key == "scale":
        raise WorkbenchError(f"'scale' in {source}: choose the scale with --scale (or the notebook's `scale`), "
                             "not as a parameter")
    names = parameter_names(config_cls)
    if key not in names:
        raise WorkbenchError(f"unknown parameter '{key}' in {source} for {config_cls.__module__}; "
                             f"known: {', '.join(names)}")


def apply(config_cls, scales: dict[str, dict], scale: str, overrides: dict[str, Any] | None = None):
    """Config defaults -> scales[scale] -> overrides, every key and value checked; the Config carries `scale`."""
    if scale not in scales:
        raise WorkbenchError(f"unknown scale '{scale}'; choose one of {', '.join(scales)}")
    types = field_types(config_cls)
    values: dict[str, Any] = {}
    for source, items in ((f"scale '{scale}'", scales[scale]), ("overrides", overrides or {})):
        for key, value in items.items():
            _check_key(key, config_cls, source)
            values[key] = coerce(key, value, types[key])
    if "scale" in types:
        values["scale"] = scale
    try:
        return config_cls(**values)
    except (ValueError, TypeError) as e:  # the Config's own checks (PaperConfig.check)
        raise WorkbenchError(f"bad parameters: {e}") from None


def load(slug: str):
    """The paper's config module (Config, SCALES, COST), for any registered slug."""
    if slug in registry.PAPERS:
        return registry.PAPERS[slug].load_config()
    return registry.get(slug).load_config()  # raises the unknown-slug error


def resolve(slug: str, scale: str = "cpu", overrides: dict[str, Any] | None = None):
    """The paper's Config at `scale` with `overrides` applied (typed values, e.g. from a notebook)."""
    module = load(slug)
    return apply(module.Config, module.SCALES, scale, overrides)


# --- `workbench params`: every parameter, its type, its value at each scale and why ---

def field_reasons(config_cls) -> dict[str, str]:
    """The trailing `# comment` of each field in the class source (and comment-only lines right below it,
    indented past the field, which continue it): the one-line reason `workbench params` shows."""
    reasons: dict[str, str] = {}
    for cls in reversed(config_cls.__mro__):
        if not dataclasses.is_dataclass(cls) or "__dataclass_fields__" not in cls.__dict__:
            continue
        src = textwrap.dedent(inspect.getsource(cls))
        lines = src.splitlines()
        comments = {t.start[0]: (t.start[1], t.string.lstrip("#").strip())
                    for t in tokenize.generate_tokens(io.StringIO(src).readline) if t.type == tokenize.COMMENT}
        body = ast.parse(src).body[0].body
        for node in body:
            if not (isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name)):
                continue
            parts = [comments[n][1] for n in range(node.lineno, node.end_lineno + 1) if n in comments]
            n = node.end_lineno + 1
            while n in comments and lines[n - 1].lstrip().startswith("#") and comments[n][0] > node.col_offset:
                parts.append(comments[n][1])
                n += 1
            reasons[node.target.id] = " ".join(p for p in parts if p)
    return reasons


def show_value(value: Any) -> str:
    """A value as it would be written after `-p key=`: tuples as comma lists."""
    if isinstance(value, (tuple, list)):
        return ",".join(show_value(v) for v in value) if value else "()"
    if isinstance(value, str):
        return value if value else '""'
    return repr(value)


def describe(slug: str) -> str:
    """`workbench params SLUG`: every parameter with its type, value at each scale and reason."""
    module = load(slug)
    cls, scale_sets = module.Config, module.SCALES
    at = {s: apply(cls, scale_sets, s) for s in SCALE_NAMES if s in scale_sets}
    types, reasons = field_types(cls), field_reasons(cls)
    paper = registry.PAPERS[slug]
    out = [f"{slug}: {paper.title}",
           f"{len(parameter_names(cls))} parameters; set any with `workbench run {slug} -p name=value` "
           f"(applied after --scale). Source: workbench/papers/{slug}/config.py", ""]
    for name in parameter_names(cls):
        values = {s: show_value(getattr(cfg, name)) for s, cfg in at.items()}
        if len(set(values.values())) == 1:
            shown = f"every scale: {next(iter(values.values()))}"
        else:
            shown = "  |  ".join(f"{s}: {v}" for s, v in values.items())
        out += [f"{name} ({_type_name(types[name])})", f"    {shown}", f"    {reasons.get(name) or '(no reason given)'}"]
    return "\n".join(out)
