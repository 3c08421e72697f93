"""Append-only JSONL reply files: the on-disk reply cache, `record=` files and replay files.

One line per reply: {"key", "backend", "capable", "op", "request", "reply"}. Appending is a single
`os.write` on an O_APPEND descriptor, under an exclusive flock, followed by fsync: a line is either
wholly there or (if the machine dies mid-write) a truncated last line, which readers skip; a later
append starts on a fresh line. Ctrl-C cannot split a line: Python handles the signal only after the
write returns. Several processes may append to the same file; a reader that misses re-reads what
others appended since.
"""
from __future__ import annotations

import fcntl
import json
import os
import re
from pathlib import Path
from typing import Any

from workbench.cache import cache_dir, key_of


def cache_path(backend: str) -> Path:
    """The reply-cache file of one backend: `<cache_dir>/llm/<readable name>-<hash>.jsonl`."""
    slug = re.sub(r"[^A-Za-z0-9._-]+", "_", backend)[-40:].strip("_.") or "llm"
    return cache_dir() / "llm" / f"{slug}-{key_of(backend)[:8]}.jsonl"


class ReplyStore:
    """A JSONL file of replies indexed by key; later lines win."""

    def __init__(self, path: str | Path):
        self.path = Path(path)
        self._index: dict[str, dict[str, Any]] = {}
        self._offset = 0  # bytes of the file already indexed (always at a line boundary)
        self.skipped = 0  # unreadable lines seen (e.g. one truncated by a crash)

    def _refresh(self) -> None:
        try:
            size = self.path.stat().st_size
        except FileNotFoundError:
            return
        if size < self._offset:  # the file was replaced or truncated: start over
            self._index.clear()
            self._offset = 0
        if size == self._offset:
            return
        with open(self.path, "rb") as f:
            f.seek(self._offset)
            data = f.read(size - self._offset)
        end = data.rfind(b"\n") + 1  # index complete lines only; a partial tail is read next time
        for line in data[:end].splitlines():
            if not line.strip():
                continue
            try:
                entry = json.loads(line)
                self._index[entry["key"]] = entry
            except (ValueError, KeyError, TypeError):
                self.skipped += 1
        self._offset += end

    def entries(self) -> list[dict[str, Any]]:
        self._refresh()
        return list(self._index.values())

    def get_entry(self, key: str) -> dict[str, Any] | None:
        if key not in self._index:
            self._refresh()
        return self._index.get(key)

    def get(self, key: str) -> Any:
        entry = self.get_entry(key)
        return None if entry is None else entry["reply"]

    def append(self, entry: dict[str, Any]) -> None:
        data = (json.dumps(entry, ensure_ascii=False) + "\n").encode()
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        try:
            # writers take turns, so the check for a torn last line below never sees another's write
            # in progress (readers need no lock: they index complete lines only)
            fcntl.flock(fd, fcntl.LOCK_EX)
            size = os.fstat(fd).st_size
            if size:  # a crash may have left a line without its newline: start a fresh line
                with open(self.path, "rb") as f:
                    f.seek(size - 1)
                    if f.read(1) != b"\n":
                        data = b"\n" + data
            view = memoryview(data)
            while view:
                n = os.write(fd, view)
                view = view[n:]
            os.fsync(fd)
        finally:
            os.close(fd)
        self._index[entry["key"]] = entry
