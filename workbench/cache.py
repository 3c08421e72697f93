"""Disk cache for expensive artifacts (trained parameters, generated datasets, LLM replies).

Everything is keyed by what produced it (a JSON-able description hashed with sha256), written
atomically (temp file + rename, so Ctrl-C never leaves half a file), and safe to delete: the cache
directory is `$WORKBENCH_CACHE`, else `~/.cache/workbench`.

    params = cached("grokking/params", {"cfg": asdict(cfg), "op": "add"}, lambda: train(cfg), expect=dict)

An entry that cannot be unpickled (a class renamed or removed since it was written, a truncated
file), or that unpickles into something `expect` rejects (a type, a tuple of types, or a predicate),
is dropped and recomputed, with one line on stderr saying so: an entry left by an older version of
the code never breaks a rerun.
"""
from __future__ import annotations

import hashlib
import json
import os
import pickle
import secrets
import sys
from pathlib import Path
from typing import Any, Callable, TypeVar

T = TypeVar("T")


def cache_dir() -> Path:
    return Path(os.environ.get("WORKBENCH_CACHE", Path.home() / ".cache" / "workbench"))


def key_of(description: Any) -> str:
    """A stable 16-hex-digit key for a JSON-able description (dict order does not matter)."""
    text = json.dumps(description, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def atomic_write_bytes(path: str | Path, data: bytes) -> None:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    # not mkstemp: its 0600 would make reports unreadable to others; os.open applies the umask like open()
    tmp = path.parent / f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}.tmp"
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def atomic_write_text(path: str | Path, text: str) -> None:
    atomic_write_bytes(path, text.encode())


def path_for(namespace: str, description: Any, suffix: str = ".pkl") -> Path:
    return cache_dir() / namespace / f"{key_of(description)}{suffix}"


def is_cached(namespace: str, description: Any) -> bool:
    """Whether `cached(namespace, description, ...)` would be a hit (e.g. to replay progress instead of training)."""
    return path_for(namespace, description).exists()


def _rejects(expect, value) -> str | None:
    """Why `value` is not what `expect` (a type, tuple of types or predicate) allows, else None."""
    if expect is None:
        return None
    if isinstance(expect, type) or (isinstance(expect, tuple) and all(isinstance(t, type) for t in expect)):
        if isinstance(value, expect):
            return None
        names = " or ".join(t.__name__ for t in (expect if isinstance(expect, tuple) else (expect,)))
        return f"holds a {type(value).__name__}, not a {names}"
    if not callable(expect):
        raise TypeError(f"expect must be a type, a tuple of types or a predicate, got {expect!r}")
    return None if expect(value) else f"holds a {type(value).__name__} that the check rejects"


def cached(namespace: str, description: Any, compute: Callable[[], T], enabled: bool = True,
           expect: type | tuple[type, ...] | Callable[[Any], bool] | None = None) -> T:
    """Return the pickled result for `description` under `namespace`, computing and storing it on a miss.

    An entry that fails to unpickle, or that `expect` rejects, is dropped and recomputed (module
    docstring). A freshly computed value that `expect` rejects is a bug in the caller: TypeError."""
    path = path_for(namespace, description)
    if enabled and path.exists():
        try:
            with open(path, "rb") as f:
                value = pickle.load(f)
            problem = _rejects(expect, value)
        except Exception as e:  # noqa: BLE001 - any unreadable entry is recomputed
            problem = f"cannot be read ({type(e).__name__}: {' '.join(str(e).split())[:80]})"
        if problem is None:
            return value
        print(f"workbench.cache: entry {path} {problem}; recomputing it", file=sys.stderr)
        path.unlink(missing_ok=True)
    value = compute()
    problem = _rejects(expect, value)
    if problem:
        raise TypeError(f"cached({namespace!r}): the computed value {problem}")
    if enabled:
        atomic_write_bytes(path, pickle.dumps(value))
    return value
