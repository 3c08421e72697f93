"""Scales: named parameter sets per paper, then key-by-key overrides, validated before any work.

    cfg = resolve("grokking", "cpu", {"p": 97})          # from a notebook (typed values)
    cfg = resolve("grokking", "cpu", parse_overrides(["p=97"], Config))   # from the CLI (strings)

Order of application: Config defaults (= the `cpu` scale) -> SCALES[scale] -> overrides.
An unknown scale, unknown key or a value of the wrong type raises WorkbenchError naming it.
"""
from __future__ import annotations

import ast
import dataclasses
import typing
from typing import Any

from workbench import WorkbenchError
from workbench import registry

SCALE_NAMES = ("smoke", "cpu", "paper")


def field_types(config_cls) -> dict[str, Any]:
    hints = typing.get_type_hints(config_cls)
    return {f.name: hints[f.name] for f in dataclasses.fields(config_cls)}


def _type_name(tp) -> str:
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
        if key not in types:
            raise WorkbenchError(f"unknown parameter '{key}' for {config_cls.__module__}; known: {', '.join(types)}")
        out[key] = parse_value(key, text, types[key])
    return out


def apply(config_cls, scales: dict[str, dict], scale: str, overrides: dict[str, Any] | None = None):
    """Config defaults -> scales[scale] -> overrides, every key and value checked."""
    if scale not in scales:
        raise WorkbenchError(f"unknown scale '{scale}'; choose one of {', '.join(scales)}")
    types = field_types(config_cls)
    values: dict[str, Any] = {}
    for source, items in ((f"scale '{scale}'", scales[scale]), ("overrides", overrides or {})):
        for key, value in items.items():
            if key not in types:
                raise WorkbenchError(f"unknown parameter '{key}' in {source}; known: {', '.join(types)}")
            values[key] = coerce(key, value, types[key])
    try:
        return dataclasses.replace(config_cls(), **values)
    except (ValueError, TypeError) as e:  # __post_init__ checks in the paper's Config
        raise WorkbenchError(f"bad parameters: {e}") from None


def resolve(slug: str, scale: str = "cpu", overrides: dict[str, Any] | None = None):
    """The paper's Config at `scale` with `overrides` applied (typed values, e.g. from a notebook)."""
    module = registry.PAPERS[slug].load_config() if slug in registry.PAPERS else registry.get(slug).load_config()
    return apply(module.Config, module.SCALES, scale, overrides)
