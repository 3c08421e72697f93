"""workbench.llm: one interface to language models, for generation and likelihood scoring.

    from workbench.llm import get_llm
    llm = get_llm()                                   # embedded SmolLM2-135M-Instruct, offline
    llm.generate("Name a colour.", max_new_tokens=8)  # chat template applied; greedy by default
    llm.choose("Is fire hot or cold?", ["Hot", "Cold"]).option
    decide(llm, prompt, options, frame=..., parse=...).value   # free text if capable, else likelihood

Specs (`get_llm(spec)`):
    smollm2                         the embedded SmolLM2-135M-Instruct (GGUF via transformers), the default
    hf:<path-or-id>                 any Hugging Face causal LM (a local directory; a hub id needs network)
    openai:<base_url>#<model>       an OpenAI-compatible server (vLLM, llama.cpp server, Ollama, or
                                    `python -m workbench.llm.serve`); key from $OPENAI_API_KEY
    replay:<file>[#<backend>]       recorded replies only; a miss raises LLMError; a relative file is
                                    taken from the repository root (as is a relative `record=` file)
    llamacpp[:<file.gguf>]          the GGUF run by llama.cpp (optional: needs llama-cpp-python)

Options: `cache=True` (the on-disk reply cache under `workbench.cache.cache_dir()/llm`; a hit costs
no model call), `record=<file>` (also append every reply to a replay file), and backend options
(`capable=` for hf; `timeout=` (seconds per call, all retries included; default 60), `retries=`,
`template=` for openai). Instances are cached per (spec,
options) within a process and models load once per process. Small models cannot follow output
formats (`llm.capable` is False): `decide` (workbench/llm/decide.py) makes one decision among
enumerated options by parsing free text for a capable model and by likelihood otherwise, including
the candidate-conditional framing that works with the 135M model. `check_spec(spec)` checks a spec
cheaply (no model load, no torch import) for the command line and Configs.

Every backend failure raises `LLMError` (a `WorkbenchError`) with one line naming the problem.
Torch threads for in-process models: `$WORKBENCH_LLM_THREADS` (default 1, measured; see hf.py).
"""
from __future__ import annotations

import inspect
import json
import threading

from workbench.llm.base import LLM, Choice, LLMError, Score
from workbench.llm.decide import Decision, decide, match_option
from workbench.llm.spec import check_spec, repo_path

__all__ = ["get_llm", "check_spec", "decide", "Decision", "match_option", "LLM", "Score", "Choice", "LLMError",
           "DEFAULT_SPEC"]

DEFAULT_SPEC = "smollm2"
_INSTANCES: dict[str, LLM] = {}
_LOCK = threading.Lock()


def _backend_class(spec: str) -> type[LLM]:
    if spec == "smollm2" or spec.startswith("hf:"):
        from workbench.llm.hf import HFLLM
        return HFLLM
    if spec.startswith("openai:"):
        from workbench.llm.endpoint import OpenAILLM
        return OpenAILLM
    if spec.startswith("replay:"):
        from workbench.llm.replay import ReplayLLM
        return ReplayLLM
    from workbench.llm.llamacpp import LlamaCppLLM  # check_spec let through nothing else
    return LlamaCppLLM


def _make(spec: str, options: dict) -> LLM:
    cls = _backend_class(spec)
    params = inspect.signature(cls.__init__).parameters
    if not any(p.kind is p.VAR_KEYWORD for p in params.values()):
        unknown = sorted(set(options) - set(params))
        if unknown:
            valid = sorted(k for k, p in params.items() if p.kind is p.KEYWORD_ONLY)
            raise LLMError(f"unknown option(s) {', '.join(unknown)} for {spec!r} (valid: {', '.join(valid)})")
    return cls(spec, **options)


def get_llm(spec: str = DEFAULT_SPEC, *, cache: bool = True, record=None, **options) -> LLM:
    """The LLM for `spec` (see the module docstring), created once per (spec, options) in this process.

    The spec is checked first (`check_spec`), so a missing file or a malformed spec is one line
    before anything loads."""
    spec = check_spec(spec)
    options = {"cache": cache, "record": str(repo_path(record)) if record else None, **options}
    key = spec + " " + json.dumps(options, sort_keys=True, default=str)
    with _LOCK:
        if key not in _INSTANCES:
            _INSTANCES[key] = _make(spec, options)
        return _INSTANCES[key]
