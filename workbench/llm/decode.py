"""Token-by-token decoding for workbench.llm.hf: a fast path for the embedded GGUF model, and the plain one.

`start(model, input_ids, mask, positions, max_new_tokens, gguf=...)` runs the prompt (one ordinary
transformers forward pass, as before) and returns `(logits, step)`: the last position's logits [B, V]
and a function `step(next_tokens [B]) -> logits [B, V]` for each following token.

Two implementations, same interface:
- `GGUFDecoder` (the embedded `smollm2`, default): one-token steps are memory-bound, and the float32
  model reads 540 MB of weights per token. The GGUF the float32 weights came from holds them as 4-bit
  blocks (Q4_1; the embeddings Q8_0), 5x fewer bytes; `gguf_matvec.c` multiplies with those blocks
  directly, rebuilding each weight in float32 exactly as transformers' dequantization does (so the
  weights are bit-identical; only the summation order differs from MKL's, and greedy token ids are
  checked equal in tests/llm/test_llm_decode.py). The step itself is a lean loop over the layers: a
  pre-allocated KV cache, the model's own norm and rotary modules, one fused q|k|v and one gate|up
  product per layer, no `generate()` or cache-object machinery. The prompt keeps the float32 forward
  (MKL's matrix-matrix products are faster there), so prefill and scoring are unchanged.
- `torch_start`: the previous loop (the model's forward with a DynamicCache), used for `hf:<path>`
  models, when no C compiler is found, or with $WORKBENCH_LLM_DECODE=torch.

The C file is compiled once per machine into `$WORKBENCH_CACHE/llm/kernels/` (about 1 s with cc).
"""
from __future__ import annotations

import ctypes
import hashlib
import os
import shutil
import subprocess
import tempfile
import threading
import weakref
from pathlib import Path

import numpy as np
import torch

from workbench.llm.base import LLMError

SOURCE = Path(__file__).with_name("gguf_matvec.c")
_LIB = None
_LIB_LOCK = threading.Lock()
_DECODERS: "weakref.WeakKeyDictionary" = weakref.WeakKeyDictionary()


def mode() -> str:
    """$WORKBENCH_LLM_DECODE: 'auto' (default: the GGUF path when it applies) or 'torch'."""
    value = os.environ.get("WORKBENCH_LLM_DECODE", "auto") or "auto"
    if value not in ("auto", "torch"):
        raise LLMError(f"WORKBENCH_LLM_DECODE must be 'auto' or 'torch', got {value!r}")
    return value


# --- the C kernel ------------------------------------------------------------------------------------
def _cpu_flags() -> str:
    try:
        with open("/proc/cpuinfo") as f:
            return next((line for line in f if line.startswith("flags")), "")
    except OSError:
        return ""


def kernel_library():
    """The compiled gguf_matvec.c (ctypes), built on first use; None when no C compiler is available."""
    global _LIB
    with _LIB_LOCK:
        if _LIB is not None:
            return _LIB or None
        cc = os.environ.get("CC") or shutil.which("cc") or shutil.which("gcc")
        if not cc:
            _LIB = False
            return None
        from workbench.cache import cache_dir

        key = hashlib.sha256(SOURCE.read_bytes() + cc.encode() + _cpu_flags().encode()).hexdigest()[:16]
        target = cache_dir() / "llm" / "kernels" / f"gguf_matvec-{key}.so"
        if not target.exists():
            target.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".gguf_matvec-", suffix=".so")
            os.close(fd)
            cmd = [cc, "-O3", "-march=native", "-fopenmp", "-shared", "-fPIC", "-o", tmp, str(SOURCE)]
            try:
                done = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
                if done.returncode != 0:
                    raise LLMError(f"compiling {SOURCE.name} failed: {done.stderr.strip().splitlines()[-1:]}")
                os.replace(tmp, target)  # atomic: a concurrent process sees the old state or the whole file
            finally:
                if os.path.exists(tmp):
                    os.unlink(tmp)
        lib = ctypes.CDLL(str(target))
        for name in ("matvec_q4_1", "matvec_q8_0"):
            fn = getattr(lib, name)
            fn.argtypes = [ctypes.c_void_p, ctypes.c_long, ctypes.c_long, ctypes.c_void_p, ctypes.c_long,
                           ctypes.c_void_p, ctypes.c_int]
            fn.restype = None
        _LIB = lib
        return lib


# --- GGUF weights ------------------------------------------------------------------------------------
Q4_1, Q8_0 = "Q4_1", "Q8_0"
BLOCK_BYTES = {Q4_1: 20, Q8_0: 34}  # per 32 weights


def dequantize(blocks: np.ndarray, kind: str) -> torch.Tensor:
    """Float32 weights [N, K] of GGUF blocks [N, K/32 * bytes], the same arithmetic as gguf-py
    (used by transformers): Q4_1 d*q + m, Q8_0 d*q (d, m float16 widened to float32)."""
    n = blocks.shape[0]
    b = blocks.reshape(n, -1, BLOCK_BYTES[kind])
    d = b[..., 0:2].copy().view(np.float16).astype(np.float32)
    if kind == Q8_0:
        q = b[..., 2:].copy().view(np.int8).astype(np.float32)
        return torch.from_numpy((q * d).reshape(n, -1))
    m = b[..., 2:4].copy().view(np.float16).astype(np.float32)
    qs = b[..., 4:]
    q = np.concatenate([qs & 0x0F, qs >> 4], axis=-1).astype(np.float32)
    return torch.from_numpy((d * q + m).reshape(n, -1))


GGUF_TYPES = {3: Q4_1, 8: Q8_0}  # ggml type ids of the two block formats used here
_SCALAR = {0: 1, 1: 1, 2: 2, 3: 2, 4: 4, 5: 4, 6: 4, 7: 1, 10: 8, 11: 8, 12: 8}  # GGUF value type -> bytes


def gguf_tensors(path: Path) -> dict[str, tuple[str | int, tuple[int, ...], np.ndarray]]:
    """{name: (type, ggml shape, raw uint8 bytes)} of a GGUF file (v2/v3), memory-mapped.

    A minimal reader of the tensor table: gguf-py's GGUFReader also decodes every metadata field
    (the 49k-token vocabulary), which takes 5-15 s; here the metadata is skipped."""
    import struct

    data = np.memmap(path, dtype=np.uint8, mode="r")
    buf = memoryview(data)
    pos = 0

    def take(fmt: str):
        nonlocal pos
        values = struct.unpack_from("<" + fmt, buf, pos)
        pos += struct.calcsize("<" + fmt)
        return values[0] if len(values) == 1 else values

    def string() -> str:
        nonlocal pos
        n = take("Q")
        pos += n
        return bytes(buf[pos - n:pos]).decode()

    def skip(kind: int) -> None:
        nonlocal pos
        if kind == 8:  # string
            n = take("Q")  # (not `pos += take(...)`: that adds to the value of pos before the read)
            pos += n
        elif kind == 9:  # array: element type, count, elements
            inner, count = take("IQ")
            if inner in _SCALAR:
                pos += _SCALAR[inner] * count
            else:
                for _ in range(count):
                    skip(inner)
        else:
            pos += _SCALAR[kind]

    magic, version = take("4sI")
    if magic != b"GGUF" or version < 2:
        raise LLMError(f"{path} is not a GGUF v2/v3 file")
    n_tensors, n_kv = take("QQ")
    alignment = 32
    for _ in range(n_kv):
        key, kind = string(), take("I")
        if key == "general.alignment" and kind == 4:
            alignment = take("I")
        else:
            skip(kind)
    infos = []
    for _ in range(n_tensors):
        name, n_dims = string(), take("I")
        dims = tuple(take("Q") for _ in range(n_dims))
        kind, offset = take("IQ")
        infos.append((name, GGUF_TYPES.get(kind, kind), dims, offset))
    start = -(-pos // alignment) * alignment
    ends = sorted(offset for *_, offset in infos) + [len(data) - start]
    out = {}
    for name, kind, dims, offset in infos:
        end = ends[ends.index(offset) + 1]  # a tensor's bytes run to the next one (padding included)
        n_rows = int(np.prod(dims[1:])) if len(dims) > 1 else 1
        if kind in BLOCK_BYTES:
            size = n_rows * dims[0] // 32 * BLOCK_BYTES[kind]
            if size > end - offset:
                raise LLMError(f"{path}: tensor {name} runs past the file")
            out[name] = (kind, dims, data[start + offset:start + offset + size].reshape(n_rows, -1))
        elif kind == 0:  # float32
            out[name] = ("F32", dims, data[start + offset:start + offset + 4 * int(np.prod(dims))])
        else:  # other types: the raw bytes up to the next tensor (padding included)
            out[name] = (kind, dims, data[start + offset:start + end])
    return out


def _rope_rows(n_rows: int, n_heads: int) -> np.ndarray:
    """Row order of a q/k projection in transformers vs the GGUF (llama.cpp interleaves each head's two
    rotary halves; transformers' GGUF loader undoes it: rows [h, i, 2] -> [h, 2, i])."""
    return np.arange(n_rows).reshape(n_heads, n_rows // n_heads // 2, 2).swapaxes(1, 2).reshape(-1)


class Matrix:
    """One weight matrix [N, K] as contiguous GGUF blocks, multiplied by gguf_matvec."""

    def __init__(self, blocks: np.ndarray, kind: str, lib):
        self.blocks = np.array(blocks, dtype=np.uint8, order="C")  # an in-memory copy, not the file mapping
        self.kind, self.n = kind, blocks.shape[0]
        self.k = blocks.shape[1] // BLOCK_BYTES[kind] * 32
        self.fn = lib.matvec_q4_1 if kind == Q4_1 else lib.matvec_q8_0
        self.ptr = self.blocks.ctypes.data

    def __call__(self, x: torch.Tensor, threads: int) -> torch.Tensor:
        x = x.contiguous()
        y = torch.empty(x.shape[0], self.n, dtype=torch.float32)
        self.fn(x.data_ptr(), x.shape[0], self.k, self.ptr, self.n, y.data_ptr(), threads)
        return y


class GGUFDecoder:
    """Decoding steps of a Llama-architecture model whose float32 weights were dequantized from `gguf`."""

    def __init__(self, model, gguf: Path, lib):
        cfg = model.config
        self.model = model
        self.layers = model.model.layers
        self.n_heads, self.n_kv = cfg.num_attention_heads, cfg.num_key_value_heads
        self.head_dim = getattr(cfg, "head_dim", None) or cfg.hidden_size // cfg.num_attention_heads
        if getattr(cfg, "model_type", None) != "llama" or getattr(cfg, "hidden_act", "silu") != "silu":
            raise LLMError(f"the GGUF decoder handles Llama models only, not {cfg.model_type!r}")
        tensors = gguf_tensors(gguf)

        def blocks(name: str, expect: str, rows=None) -> np.ndarray:
            if name not in tensors:
                raise LLMError(f"{gguf.name} has no tensor {name}")
            kind, _, data = tensors[name]
            if kind != expect:
                raise LLMError(f"{name} is type {kind} in {gguf.name}, expected {expect}")
            return data if rows is None else data[rows]

        q_rows = _rope_rows(self.n_heads * self.head_dim, self.n_heads)
        k_rows = _rope_rows(self.n_kv * self.head_dim, self.n_kv)
        self.qkv, self.o, self.gate_up, self.down = [], [], [], []
        for i in range(len(self.layers)):
            p = f"blk.{i}."
            self.qkv.append(Matrix(np.concatenate([blocks(p + "attn_q.weight", Q4_1, q_rows),
                                                   blocks(p + "attn_k.weight", Q4_1, k_rows),
                                                   blocks(p + "attn_v.weight", Q4_1)]), Q4_1, lib))
            self.o.append(Matrix(blocks(p + "attn_output.weight", Q4_1), Q4_1, lib))
            self.gate_up.append(Matrix(np.concatenate([blocks(p + "ffn_gate.weight", Q4_1),
                                                       blocks(p + "ffn_up.weight", Q4_1)]), Q4_1, lib))
            self.down.append(Matrix(blocks(p + "ffn_down.weight", Q4_1), Q4_1, lib))
        head = "output.weight" if "output.weight" in tensors else "token_embd.weight"
        self.lm_head = Matrix(blocks(head, Q8_0), Q8_0, lib)
        self._check()

    def _check(self, rows: int = 4) -> None:
        """Spot-check that the blocks are this model's weights, bit for bit (a few rows of each matrix)."""
        def same(m: Matrix, *weights):
            idx = np.unique(np.linspace(0, m.n - 1, rows).astype(int))
            offsets = np.cumsum([0] + [w.shape[0] for w in weights])
            picked = torch.stack([weights[j][r - offsets[j]].detach()
                                  for r in idx for j in [int(np.searchsorted(offsets, r, side="right")) - 1]])
            if offsets[-1] != m.n or weights[0].shape[1] != m.k or not torch.equal(dequantize(m.blocks[idx], m.kind), picked):
                raise LLMError("the GGUF blocks do not match the model's float32 weights")

        for i, layer in enumerate(self.layers):
            a, f = layer.self_attn, layer.mlp
            same(self.qkv[i], a.q_proj.weight, a.k_proj.weight, a.v_proj.weight)
            same(self.o[i], a.o_proj.weight)
            same(self.gate_up[i], f.gate_proj.weight, f.up_proj.weight)
            same(self.down[i], f.down_proj.weight)
        same(self.lm_head, self.model.lm_head.weight)

    def start(self, input_ids, mask, positions, max_new_tokens: int):
        """Prefill with the float32 forward, copy its KV cache into pre-allocated buffers, return
        (logits [B, V], step)."""
        from transformers import DynamicCache

        model, threads = self.model, torch.get_num_threads()
        b, width = input_ids.shape
        cache = DynamicCache(config=model.config)
        logits = model(input_ids=input_ids, attention_mask=mask, position_ids=positions, cache=cache,
                       use_cache=True, logits_to_keep=1).logits[:, -1]
        total = width + max_new_tokens
        keys = torch.zeros(len(self.layers), b, self.n_kv, total, self.head_dim)
        values = torch.zeros_like(keys)
        for i, layer in enumerate(cache.layers):
            keys[i, :, :, :width] = layer.keys
            values[i, :, :, :width] = layer.values
        attend = torch.zeros(b, 1, 1, total, dtype=torch.bool)
        attend[:, 0, 0, :width] = mask.bool()
        state = {"t": width, "pos": positions[:, -1:].clone()}
        nh, nkv, hd = self.n_heads, self.n_kv, self.head_dim
        nq, nk, half = nh * hd, nkv * hd, hd // 2
        base, rms_norm = model.model, torch.nn.functional.rms_norm
        # transformers' rotate_half(x) = cat(-x2, x1) = roll(x, half) * sign: one op fewer, same values
        sign = torch.cat([-torch.ones(half), torch.ones(half)])
        norms = [(layer.input_layernorm.weight, layer.post_attention_layernorm.weight) for layer in self.layers]
        shape, eps = (model.config.hidden_size,), model.config.rms_norm_eps

        def step(tokens: torch.Tensor) -> torch.Tensor:
            t = state["t"]
            if t >= total:
                raise LLMError("decoding past max_new_tokens")
            state["pos"] = pos = state["pos"] + 1
            attend[:, 0, 0, t] = True
            h = base.embed_tokens(tokens)  # [B, d]
            cos, sin = base.rotary_emb(h, pos)  # [B, 1, hd], against q|k heads [B, nh + nkv, hd]
            sin = sin * sign
            live = attend[..., :t + 1]
            for i in range(len(norms)):
                qkv = self.qkv[i](rms_norm(h, shape, norms[i][0], eps), threads)
                qk = qkv[:, :nq + nk].view(b, nh + nkv, hd)
                qk = qk * cos + qk.roll(half, -1) * sin
                keys[i, :, :, t] = qk[:, nh:]
                values[i, :, :, t] = qkv[:, nq + nk:].view(b, nkv, hd)
                a = torch.nn.functional.scaled_dot_product_attention(
                    qk[:, :nh, None], keys[i, :, :, :t + 1], values[i, :, :, :t + 1], attn_mask=live, enable_gqa=True)
                h = h + self.o[i](a.view(b, nq), threads)
                gu = self.gate_up[i](rms_norm(h, shape, norms[i][1], eps), threads)
                h = h + self.down[i](torch.nn.functional.silu(gu[:, :gu.shape[1] // 2]) * gu[:, gu.shape[1] // 2:], threads)
            state["t"] = t + 1
            return self.lm_head(rms_norm(h, shape, base.norm.weight, eps), threads)

        return logits, step


def torch_start(model, input_ids, mask, positions, max_new_tokens: int):
    """The plain loop: the model's own forward with a DynamicCache, one call per token."""
    from transformers import DynamicCache

    cache = DynamicCache(config=model.config)
    logits = model(input_ids=input_ids, attention_mask=mask, position_ids=positions, cache=cache,
                   use_cache=True, logits_to_keep=1).logits[:, -1]
    state = {"mask": mask, "pos": positions[:, -1:]}

    def step(tokens: torch.Tensor) -> torch.Tensor:
        state["mask"] = torch.cat([state["mask"], torch.ones(len(tokens), 1, dtype=mask.dtype)], dim=1)
        state["pos"] = state["pos"] + 1
        return model(input_ids=tokens[:, None], attention_mask=state["mask"], position_ids=state["pos"],
                     cache=cache, use_cache=True).logits[:, -1]

    return logits, step


def gguf_decoder(model, gguf: Path | None):
    """The GGUFDecoder of `model` (built once per model object), or None where it does not apply."""
    if gguf is None or mode() == "torch":
        return None
    if model in _DECODERS:
        return _DECODERS[model]
    lib = kernel_library()
    decoder = GGUFDecoder(model, gguf, lib) if lib is not None else None
    _DECODERS[model] = decoder
    return decoder


def start(model, input_ids, mask, positions, max_new_tokens: int, gguf: Path | None = None):
    """(logits [B, V] after the prompt, step(tokens [B]) -> logits [B, V]); see the module docstring.
    `gguf`: the file `model`'s float32 weights were dequantized from (enables the fast path)."""
    decoder = gguf_decoder(model, gguf)
    if decoder is None:
        return torch_start(model, input_ids, mask, positions, max_new_tokens)
    return decoder.start(input_ids, mask, positions, max_new_tokens)
