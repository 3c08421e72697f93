"""LLM spec strings: repo-relative files resolved, and a cheap check of what a spec names.

`check_spec(spec)` loads no model and imports nothing heavy (no torch, no transformers), so the
command line and a Config can call it before any work starts: a missing model folder, replay file
or GGUF, a malformed endpoint, or an unknown spec is one line (LLMError) within milliseconds, not a
traceback after minutes of set-up. It does not contact an endpoint or the Hugging Face hub.

Relative files in `replay:<file>` specs (and `record=` files) are taken from the repository root,
wherever the process runs: notebooks run with `notebooks/` as their working directory, and the
scales name replay files like `data/readagent/smoke_replies.jsonl`.
"""
from __future__ import annotations

import importlib.util
import os
from pathlib import Path

from workbench.llm.base import LLMError
from workbench.paths import REPO_ROOT

SPECS = "smollm2, hf:<path>, openai:<base_url>#<model>, replay:<file> or llamacpp[:<file.gguf>]"


def repo_path(path: str | Path) -> Path:
    """`path` itself if absolute, else under the repository root."""
    path = Path(path).expanduser()
    return path if path.is_absolute() else REPO_ROOT / path


def resolve(spec: str) -> str:
    """`spec` with a relative replay file made absolute under the repository root."""
    if spec.startswith("replay:"):
        path, sep, backend = spec[len("replay:"):].partition("#")
        if path:
            return f"replay:{repo_path(path)}{sep}{backend}"
    return spec


def parse_endpoint(spec: str) -> tuple[str, str]:
    """(base_url, model) of `openai:<base_url>#<model>`."""
    base, _, model = spec[len("openai:"):].partition("#")
    if not base.startswith(("http://", "https://")) or len(base.split("://", 1)[1]) == 0 or not model:
        raise LLMError(f"bad endpoint spec {spec!r}: use openai:<http(s)://host:port/v1>#<model>")
    return base.rstrip("/"), model


def _looks_like_path(where: str) -> bool:
    # a hub id is "name" or "org/name"; anything absolute, ./ ../ ~ or with more parts is a path
    return (where.startswith(("/", "./", "../", "~")) or where in (".", "..") or where.count("/") > 1
            or os.sep != "/" and os.sep in where)


def hf_problem(where: str) -> str | None:
    """Why `hf:<where>` cannot load, if that shows without loading it (None: it may load)."""
    path = Path(where).expanduser()
    if path.exists() or _looks_like_path(where):
        if not path.exists():
            return f"hf:{where}: {path} does not exist"
        if not path.is_dir():
            return f"hf:{where}: {path} is a file; hf: takes a model folder (with config.json)"
        if not (path / "config.json").is_file():
            return f"hf:{where}: {path} holds no config.json, so it is not a Hugging Face model folder"
    return None


def data_file_problem(path: Path, what: str) -> str | None:
    """Why `path` cannot be a readable text file of `what`, if it cannot (None: it looks fine)."""
    if not path.exists():
        return f"{what} {path} does not exist"
    if path.is_dir():
        return f"{what} {path} is a folder, not a file"
    if path.stat().st_size == 0:
        return f"{what} {path} is empty"
    with open(path, "rb") as f:
        head = f.read(4096)
    if b"\0" in head:
        return f"{what} {path} is a binary file, not text"
    return None


def check_spec(spec: str) -> str:
    """Check `spec` cheaply (module docstring) and return it resolved; raise a one-line LLMError."""
    if not isinstance(spec, str) or not spec.strip():
        raise LLMError(f"LLM spec must be a non-empty string, got {spec!r}")
    spec = resolve(spec)
    if spec == "smollm2" or spec == "llamacpp":
        from workbench.llm.hf import smollm2_gguf   # locates the file without importing the package

        smollm2_gguf()
        if spec == "llamacpp" and importlib.util.find_spec("llama_cpp") is None:
            raise LLMError("the llamacpp backend needs llama-cpp-python: pip install llama-cpp-python "
                           "(or use the default smollm2 backend)")
    elif spec.startswith("hf:"):
        where = spec[3:]
        if not where:
            raise LLMError("hf: needs a model folder or hub id: hf:<path-or-id>")
        problem = hf_problem(where)
        if problem:
            raise LLMError(problem)
    elif spec.startswith("openai:"):
        parse_endpoint(spec)
    elif spec.startswith("replay:"):
        path = spec[len("replay:"):].partition("#")[0]
        if not path:
            raise LLMError("replay spec needs a file: replay:<file.jsonl>[#<backend>]")
        problem = data_file_problem(Path(path), "replay file")
        if problem:
            raise LLMError(problem)
    elif spec.startswith("llamacpp:"):
        problem = data_file_problem(Path(spec[len("llamacpp:"):]).expanduser(), "GGUF file")
        if problem and "binary" not in problem:
            raise LLMError(problem)
        if importlib.util.find_spec("llama_cpp") is None:
            raise LLMError("the llamacpp backend needs llama-cpp-python: pip install llama-cpp-python "
                           "(or use the default smollm2 backend)")
    else:
        raise LLMError(f"unknown LLM spec {spec!r}: use {SPECS}")
    return spec
