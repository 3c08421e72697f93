"""`check_spec` (cheap, one line, before anything loads) and repo-relative replay and record files."""
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from workbench.llm import LLMError, check_spec, get_llm
from workbench.llm.base import request_key
from workbench.paths import REPO_ROOT

GEN = {"prompt": "Hello", "max_new_tokens": 8, "temperature": 0.0, "stop": [], "seed": 0, "system": None,
       "chat": True}


def one_line(spec, match):
    with pytest.raises(LLMError, match=match) as err:
        check_spec(spec)
    assert "\n" not in str(err.value)
    with pytest.raises(LLMError, match=match):  # get_llm checks first, so it says the same
        get_llm(spec)


def test_a_missing_model_folder_is_one_line(tmp_path):
    one_line("hf:/no/such/path", r"hf:/no/such/path: /no/such/path does not exist")
    one_line(f"hf:{tmp_path}", "no config.json")
    (tmp_path / "weights.bin").write_bytes(b"\0")
    one_line(f"hf:{tmp_path / 'weights.bin'}", "is a file")
    one_line("hf:", "needs a model folder")
    assert check_spec("hf:HuggingFaceTB/SmolLM2-135M-Instruct") == "hf:HuggingFaceTB/SmolLM2-135M-Instruct"  # hub id


def test_other_bad_specs(tmp_path):
    one_line("gpt-17", "unknown LLM spec")
    one_line("openai:localhost:8000", "bad endpoint spec")
    one_line("openai:http://127.0.0.1:8000/v1", "bad endpoint spec")  # no #model
    one_line(f"replay:{tmp_path / 'none.jsonl'}", "does not exist")
    one_line(f"llamacpp:{tmp_path / 'none.gguf'}", "does not exist|llama-cpp-python")
    one_line("", "non-empty")
    assert check_spec("smollm2") == "smollm2"
    assert check_spec("openai:http://127.0.0.1:8000/v1#m") == "openai:http://127.0.0.1:8000/v1#m"


def test_check_spec_is_cheap():
    """No torch or transformers import, so the command line can call it before any work starts."""
    code = ("import sys; from workbench.llm import check_spec; check_spec('smollm2'); "
            "check_spec('replay:data/readagent/smoke_replies.jsonl')\n"
            "try: check_spec('hf:/no/such/path')\nexcept Exception as e: print(e)\n"
            "print(sorted(m for m in ('torch', 'transformers', 'numpy') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60,
                         env={**os.environ, "PYTHONPATH": str(REPO_ROOT)}, cwd="/")
    assert out.returncode == 0, out.stderr
    assert out.stdout.splitlines() == ["hf:/no/such/path: /no/such/path does not exist", "[]"]


def test_relative_replay_and_record_files_are_taken_from_the_repo_root(tmp_path, monkeypatch):
    rel = Path("data/readagent/smoke_replies.jsonl")
    monkeypatch.chdir(tmp_path)  # as a notebook runs, from a folder other than the repo root
    assert check_spec(f"replay:{rel}") == f"replay:{REPO_ROOT / rel}"
    llm = get_llm(f"replay:{rel}")
    assert llm.path == REPO_ROOT / rel and llm.backend == "smollm2"
    # a relative record file lands under the repo root too (written to a scratch folder inside it)
    scratch = REPO_ROOT / "runs" / f".test-record-{os.getpid()}"
    try:
        source = tmp_path / "r.jsonl"
        source.write_text(json.dumps({"key": request_key("smollm2", "generate", GEN), "backend": "smollm2",
                                      "capable": False, "op": "generate", "request": GEN, "reply": "Hi"}) + "\n")
        recorder = get_llm(f"replay:{source}", record=scratch.relative_to(REPO_ROOT) / "rec.jsonl")
        assert recorder.generate("Hello", max_new_tokens=8) == "Hi"
        assert (scratch / "rec.jsonl").is_file() and not (tmp_path / scratch.relative_to(REPO_ROOT)).exists()
    finally:
        for f in scratch.glob("*"):
            f.unlink()
        if scratch.exists():
            scratch.rmdir()
