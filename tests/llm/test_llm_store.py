"""Reply files, the replay backend and get_llm's spec handling: no model needed."""
import json
import math
import os
import signal
import subprocess
import sys
import time

import pytest

from workbench import WorkbenchError
from workbench.llm import LLMError, get_llm
from workbench.llm.base import request_key
from workbench.llm.store import ReplyStore, cache_path

GEN = {"max_new_tokens": 8, "temperature": 0.0, "stop": [], "seed": 0, "system": None, "chat": True}


def entry(backend, op, request, reply, capable=False):
    return {"key": request_key(backend, op, request), "backend": backend, "capable": capable, "op": op,
            "request": request, "reply": reply}


def write_replay(path, entries):
    path.write_text("".join(json.dumps(e) + "\n" for e in entries))
    return path


def test_store_round_trip_and_later_lines_win(tmp_path):
    store = ReplyStore(tmp_path / "r.jsonl")
    assert store.get("k") is None
    store.append({"key": "k", "reply": "one"})
    store.append({"key": "j", "reply": [1, 2]})
    store.append({"key": "k", "reply": "two"})
    fresh = ReplyStore(tmp_path / "r.jsonl")  # another process reading the file
    assert fresh.get("k") == "two" and fresh.get("j") == [1, 2]


def test_store_skips_a_truncated_last_line_and_appends_on_a_fresh_line(tmp_path):
    path = tmp_path / "r.jsonl"
    path.write_text(json.dumps({"key": "a", "reply": "A"}) + "\n" + '{"key": "b", "rep')  # crash mid-line
    store = ReplyStore(path)
    assert store.get("a") == "A" and store.get("b") is None
    store.append({"key": "c", "reply": "C"})
    again = ReplyStore(path)
    assert again.get("a") == "A" and again.get("c") == "C" and again.get("b") is None
    assert again.skipped == 1  # the broken line, now terminated, is skipped rather than fatal


def test_store_sees_lines_appended_by_another_writer(tmp_path):
    reader, writer = ReplyStore(tmp_path / "r.jsonl"), ReplyStore(tmp_path / "r.jsonl")
    assert reader.get("x") is None
    writer.append({"key": "x", "reply": 1})
    assert reader.get("x") == 1


# The writer installs Python's Ctrl-C handler itself: a test run started as a background job inherits
# SIGINT ignored, and then the signal would never reach it.
APPENDER = """
import signal, sys
signal.signal(signal.SIGINT, signal.default_int_handler)
from workbench.llm.store import ReplyStore
store = ReplyStore(sys.argv[1])
print("ready", flush=True)
i = 0
while True:
    store.append({"key": f"{sys.argv[2]}-{i}", "reply": "x" * 3000})
    i += 1
"""


def test_appends_survive_ctrl_c_and_concurrent_writers(tmp_path):
    path = tmp_path / "r.jsonl"
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    procs = [subprocess.Popen([sys.executable, "-c", APPENDER, str(path), name], env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for name in "ab"]
    try:
        _interrupt_while_appending(path, procs)
    finally:
        for p in procs:       # never leave a writer running, whatever failed
            if p.poll() is None:
                p.kill()
    data = path.read_bytes()
    assert data.endswith(b"\n")
    lines = data.splitlines()
    parsed = [json.loads(line) for line in lines]  # every line whole: no torn or interleaved writes
    assert {e["key"].split("-")[0] for e in parsed} == {"a", "b"} and len(parsed) > 10


def _interrupt_while_appending(path, procs):
    for p in procs:
        assert p.stdout.readline().strip() == "ready"

    def lines_by_writer() -> dict[str, int]:
        counts = {"a": 0, "b": 0}
        for line in (path.read_bytes() if path.exists() else b"").splitlines():
            try:
                counts[json.loads(line)["key"].split("-")[0]] += 1
            except ValueError:   # the last line may be half written while we read
                pass
        return counts

    deadline = time.monotonic() + 30
    while min(lines_by_writer().values()) < 10:  # both writers well under way (one may start later)
        assert time.monotonic() < deadline, f"the appenders did not both write for 30 s: {lines_by_writer()}"
        time.sleep(0.02)
    for p in procs:
        p.send_signal(signal.SIGINT)  # KeyboardInterrupt in the middle of appending
        p.wait(timeout=20)


def test_cache_path_is_per_backend_and_under_the_cache_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("WORKBENCH_CACHE", str(tmp_path))
    a, b = cache_path("smollm2"), cache_path("openai:http://x/v1#m")
    assert a != b and a.parent == b.parent == tmp_path / "llm" and a.suffix == ".jsonl"


def test_request_key_depends_on_backend_prompt_and_settings():
    k = request_key("smollm2", "generate", {"prompt": "hi", **GEN})
    assert k == request_key("smollm2", "generate", dict(reversed(list({"prompt": "hi", **GEN}.items()))))
    assert k != request_key("hf:/m", "generate", {"prompt": "hi", **GEN})
    assert k != request_key("smollm2", "generate", {"prompt": "hi!", **GEN})
    assert k != request_key("smollm2", "generate", {"prompt": "hi", **GEN, "max_new_tokens": 9})


def test_replay_answers_recorded_calls_and_a_miss_is_one_clear_line(tmp_path):
    path = write_replay(tmp_path / "rec.jsonl", [
        entry("smollm2", "generate", {"prompt": "Hello", **GEN}, "Hi there"),
        entry("smollm2", "score", {"prompt": "Q", "continuations": ["a", "bb"], "system": None, "chat": True},
              [[-1.0, 1], [-4.0, 2]]),
    ])
    llm = get_llm(f"replay:{path}")
    assert llm is get_llm(f"replay:{path}")  # one instance per spec and options
    assert llm.backend == "smollm2" and llm.capable is False
    assert llm.generate("Hello", max_new_tokens=8) == "Hi there"
    scores = llm.score("Q", ["a", "bb"])
    assert [(s.logprob_sum, s.logprob_mean, s.n_tokens) for s in scores] == [(-1.0, -1.0, 1), (-4.0, -2.0, 2)]
    # choose: softmax over per-token means (-1, -2) and over sums (-1, -4), by hand
    mean = llm.choose("Q", ["a", "bb"])
    assert mean.index == 0 and mean.option == "a"
    assert mean.probs[0] == pytest.approx(1 / (1 + math.exp(-1)))
    total = llm.choose("Q", ["a", "bb"], normalize="sum")
    assert total.probs[1] == pytest.approx(math.exp(-3) / (1 + math.exp(-3)))
    for call in (lambda: llm.generate("Hello", max_new_tokens=9), lambda: llm.generate("Bye"),
                 lambda: llm.score("Q", ["a"])):
        with pytest.raises(LLMError, match="replay miss") as err:
            call()
        assert "\n" not in str(err.value) and isinstance(err.value, WorkbenchError)


def test_replay_file_problems_are_clear(tmp_path):
    with pytest.raises(LLMError, match="nope.jsonl does not exist"):
        get_llm(f"replay:{tmp_path / 'nope.jsonl'}")
    (tmp_path / "empty.jsonl").write_text("")
    with pytest.raises(LLMError, match="empty.jsonl is empty"):
        get_llm(f"replay:{tmp_path / 'empty.jsonl'}")
    (tmp_path / "blank.jsonl").write_text("\n\nnot json\n")
    with pytest.raises(LLMError, match="no replies"):
        get_llm(f"replay:{tmp_path / 'blank.jsonl'}")
    with pytest.raises(LLMError, match="is a folder"):
        get_llm(f"replay:{tmp_path}")
    (tmp_path / "bin.jsonl").write_bytes(bytes(range(256)))
    with pytest.raises(LLMError, match="bin.jsonl is a binary file"):
        get_llm(f"replay:{tmp_path / 'bin.jsonl'}")
    both = write_replay(tmp_path / "both.jsonl", [
        entry("smollm2", "generate", {"prompt": "x", **GEN}, "from smol"),
        entry("hf:/big", "generate", {"prompt": "x", **GEN}, "from big", capable=True)])
    with pytest.raises(LLMError, match="several backends"):
        get_llm(f"replay:{both}")
    big = get_llm(f"replay:{both}#hf:/big")
    assert big.generate("x", max_new_tokens=8) == "from big" and big.capable is True


def test_bad_specs_and_arguments(tmp_path):
    with pytest.raises(LLMError, match="unknown LLM spec"):
        get_llm("gpt-17")
    with pytest.raises(LLMError, match="bad endpoint spec"):
        get_llm("openai:localhost:8000")
    with pytest.raises(LLMError, match="unknown option.*timeot"):
        get_llm("openai:http://127.0.0.1:9/v1#m", timeot=3)
    path = write_replay(tmp_path / "r.jsonl", [entry("smollm2", "generate", {"prompt": "x", **GEN}, "y")])
    llm = get_llm(f"replay:{path}")
    with pytest.raises(LLMError, match="max_new_tokens"):
        llm.generate("x", max_new_tokens=0)
    with pytest.raises(LLMError, match="list of continuations"):
        llm.score("x", "y")
    with pytest.raises(LLMError, match="empty"):
        llm.score("x", ["y", ""])
    with pytest.raises(LLMError, match="normalize"):
        llm.choose("x", ["y"], normalize="max")
