"""`llamacpp[:<file.gguf>]`: a GGUF model run by llama.cpp (optional; needs `llama-cpp-python`).

`llamacpp` alone is the embedded SmolLM2-135M-Instruct GGUF, run as shipped (Q4_1 weights) instead of
dequantized to float32 in torch: generation is several times faster (benchmarks/llm_throughput.py),
log-probs differ slightly from the `smollm2` backend (quantized matmuls), and replies are cached under
their own backend name. The chat template comes from the transformers tokenizer of the same GGUF, so
prompts render exactly as for `smollm2`. Scoring evaluates prompt+continuation with all logits kept
and reads the continuation tokens' log-probs (the same boundary rule as hf.py).

Install: CMAKE_ARGS="-DGGML_NATIVE=OFF" pip install llama-cpp-python (a ~5 min C++ build).
"""
from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

from workbench.llm.base import LLM, LLMError

N_CTX = 2048  # tokens of context; logits for all of them are kept for scoring (N_CTX x vocab floats)
_MODELS: dict[str, Any] = {}
_LOCK = threading.RLock()


def _gguf(spec: str) -> Path:
    from workbench.llm.hf import smollm2_gguf

    if spec == "llamacpp":
        return smollm2_gguf()
    path = Path(spec[len("llamacpp:"):]).expanduser()
    if not path.is_file():
        raise LLMError(f"GGUF file {path} does not exist" if not path.exists() else f"GGUF file {path} is not a file")
    return path


class LlamaCppLLM(LLM):
    def __init__(self, spec: str, *, cache: bool = True, record=None, capable: bool = False):
        super().__init__(spec, cache=cache, record=record)
        try:
            import llama_cpp
        except ImportError:
            raise LLMError("the llamacpp backend needs llama-cpp-python: pip install llama-cpp-python "
                           "(or use the default smollm2 backend)") from None
        from workbench.llm.hf import load_tokenizer, threads

        gguf = _gguf(spec)
        with _LOCK:
            if spec not in _MODELS:
                n = threads()
                _MODELS[spec] = llama_cpp.Llama(model_path=str(gguf), n_ctx=N_CTX, n_threads=n, n_threads_batch=n,
                                                logits_all=True, verbose=False)
        self.llama = _MODELS[spec]
        if spec == "llamacpp":
            self.tokenizer = load_tokenizer("smollm2")
        else:
            from transformers import AutoTokenizer

            from workbench.llm.hf import quiet_transformers
            with quiet_transformers():
                self.tokenizer = AutoTokenizer.from_pretrained(str(gguf.parent), gguf_file=gguf.name)
        self.capable = bool(capable)

    def chat_tokenizer(self):
        return self.tokenizer

    def encode(self, text: str) -> list[int]:
        return self.llama.tokenize(text.encode(), add_bos=False, special=True)

    def _generate(self, prompts: list[str], settings: dict[str, Any]) -> list[str]:
        out = []
        sampled = settings["temperature"] > 0
        with _LOCK:
            for p in prompts:
                ids = self.encode(self.render(p, settings["system"], settings["chat"]))
                if len(ids) + settings["max_new_tokens"] > N_CTX:
                    raise LLMError(f"prompt of {len(ids)} tokens + {settings['max_new_tokens']} new exceeds the "
                                   f"llamacpp context of {N_CTX}")
                self.llama.reset()
                result = self.llama.create_completion(
                    ids, max_tokens=settings["max_new_tokens"], temperature=settings["temperature"],
                    top_k=0 if sampled else 1, top_p=1.0, min_p=0.0, repeat_penalty=1.0,
                    stop=settings["stop"] or None, seed=settings["seed"])
                text = result["choices"][0]["text"]
                for s in settings["stop"]:
                    text = text.split(s, 1)[0]
                out.append(text)
        return out

    def _score(self, prompt: str, continuations: list[str], system: str | None, chat: bool) -> list[tuple[float, int]]:
        import numpy as np

        text = self.render(prompt, system, chat)
        p = self.encode(text)
        out = []
        with _LOCK:
            for c in continuations:
                f = self.encode(text + c)
                if len(f) > N_CTX:
                    raise LLMError(f"prompt+continuation of {len(f)} tokens exceeds the llamacpp context of {N_CTX}")
                k = 0
                while k < min(len(p), len(f)) and p[k] == f[k]:
                    k += 1
                if k == 0 or k == len(f):
                    raise LLMError("cannot score: empty prompt or a continuation that adds no token")
                self.llama.reset()
                self.llama.eval(f)
                logits = np.asarray(self.llama.scores[k - 1: len(f) - 1], dtype=np.float64)
                logits -= logits.max(axis=1, keepdims=True)
                logp = logits - np.log(np.exp(logits).sum(axis=1, keepdims=True))
                out.append((float(logp[np.arange(len(f) - k), f[k:]].sum()), len(f) - k))
        return out
