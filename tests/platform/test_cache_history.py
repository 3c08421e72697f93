"""Cache (keyed, atomic, recomputes corrupt entries) and History queries."""
import os

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


def test_atomic_write_leaves_old_file_on_failure(tmp_path):
    target = tmp_path / "f.txt"
    cache.atomic_write_text(target, "old")

    try:
        cache.atomic_write_bytes(target, None)  # type error inside the write
    except TypeError:
        pass
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
