"""Cache (keyed, atomic, recomputes corrupt entries) and History queries."""
import os
import pickle
import sys

import pytest

from workbench import cache
from workbench.history import History


def test_cached_computes_once_per_key(tmp_path, monkeypatch):
    monkeypatch.setenv("WORKBENCH_CACHE", str(tmp_path))
    calls = []

    def compute():
        calls.append(1)
        return {"w": [1, 2, 3]}

    assert not cache.is_cached("t", {"a": 1, "b": 2})
    assert cache.cached("t", {"a": 1, "b": 2}, compute) == {"w": [1, 2, 3]}
    assert cache.is_cached("t", {"a": 1, "b": 2})
    assert cache.cached("t", {"b": 2, "a": 1}, compute) == {"w": [1, 2, 3]}  # key ignores dict order
    assert len(calls) == 1
    cache.cached("t", {"a": 2, "b": 2}, compute)
    assert len(calls) == 2
    path = cache.path_for("t", {"a": 1, "b": 2})
    path.write_bytes(b"truncated")  # a corrupt entry is recomputed, not an error
    assert cache.cached("t", {"a": 1, "b": 2}, compute) == {"w": [1, 2, 3]} and len(calls) == 3


class Params:
    """A class a cache entry holds; deleted below to play a class that a newer version renamed."""

    def __init__(self, w):
        self.w = w


def test_entries_of_the_wrong_type_or_unreadable_are_dropped_and_recomputed(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("WORKBENCH_CACHE", str(tmp_path))
    calls = []

    def compute():
        calls.append(1)
        return {"w": len(calls)}

    path = cache.path_for("t", "k")
    path.parent.mkdir(parents=True)
    path.write_bytes(pickle.dumps([1, 2, 3]))  # an older version stored a list here
    assert cache.cached("t", "k", compute, expect=dict) == {"w": 1}
    assert "holds a list, not a dict; recomputing" in capsys.readouterr().err
    assert cache.cached("t", "k", compute, expect=dict) == {"w": 1} and len(calls) == 1  # now a hit, kept

    # a predicate as the check
    assert cache.cached("t", "k", compute, expect=lambda v: v.get("w") == 2) == {"w": 2}
    assert "that the check rejects" in capsys.readouterr().err
    with pytest.raises(TypeError, match="computed value holds a dict, not a list"):
        cache.cached("t", "k2", compute, expect=list)  # a caller's bug is loud, and nothing is stored
    assert not cache.is_cached("t", "k2")

    # an entry whose class no longer exists cannot be unpickled: recomputed, not a crash on every rerun
    path.write_bytes(pickle.dumps(Params([1])))
    monkeypatch.delattr(sys.modules[__name__], "Params")
    assert cache.cached("t", "k", compute, expect=dict) == {"w": 4}
    assert "cannot be read (AttributeError" in capsys.readouterr().err
    assert pickle.loads(path.read_bytes()) == {"w": 4}


def test_atomic_write_leaves_old_file_on_failure(tmp_path):
    target = tmp_path / "f.txt"
    cache.atomic_write_text(target, "old")

    with pytest.raises(TypeError):
        cache.atomic_write_bytes(target, None)  # type error inside the write
    assert target.read_text() == "old"
    assert os.listdir(tmp_path) == ["f.txt"]


def test_history_queries():
    h = History()
    for step, acc in [(0, 0.0), (100, 0.5), (200, 0.96), (300, 0.99)]:
        h(step, {"eval/acc": acc, "train/loss": 1.0 / (step + 1)})
    h.log(300, {"note": "done"})
    assert h.first_step("eval/acc", 0.95) == 200
    assert h.first_step("eval/acc", 0.999) is None
    assert h.first_step("train/loss", 0.005, above=False) == 200
    assert h.last("eval/acc") == 0.99 and h.max("eval/acc") == 0.99
    assert h.series("eval/acc")[0] == [0, 100, 200, 300]
    assert History.from_dict(h.to_dict()).rows == h.rows
