"""HTML-T5-mini: a LongT5 encoder-decoder with transient-global attention, built from a config
(no weights exist to download; Gur et al. did not release HTML-T5), and its dense T5 twin.

HTML-T5 (§3.1) is LongT5 (Guo et al. 2022): the encoder attends within a local window of radius r
and to "transient global" tokens, one per block of g tokens, the sum of that block's embeddings; so an
encoder layer costs O(L (2r + L/g)) instead of T5's O(L^2). The decoder is dense. LongT5's defaults
r = 127, g = 16 are kept (whether HTML-T5 changed them is not known).

`measure_step` times one forward+backward pass and counts the bytes autograd keeps for backward (the
activation memory: peak memory on a CPU, where the allocator offers no peak counter; on a GPU
`torch.cuda.max_memory_allocated` is reported beside it).
"""
from __future__ import annotations

import time
from dataclasses import dataclass

ATTENTION = ("tglobal", "local", "dense")


@dataclass(frozen=True)
class ModelShape:
    vocab_size: int
    d_model: int = 64
    d_ff: int = 256
    layers: int = 2               # encoder layers = decoder layers
    heads: int = 4
    local_radius: int = 127       # LongT5's default
    global_block: int = 16        # LongT5's default
    attention: str = "tglobal"    # tglobal (HTML-T5) | local | dense (T5)


def build(shape: ModelShape, seed: int = 0):
    """A freshly initialised encoder-decoder of `shape` (seeded)."""
    import torch
    from transformers import LongT5Config, LongT5ForConditionalGeneration, T5Config, T5ForConditionalGeneration

    if shape.attention not in ATTENTION:
        raise ValueError(f"attention={shape.attention!r}: choose one of {', '.join(ATTENTION)}")
    common = dict(vocab_size=shape.vocab_size, d_model=shape.d_model, d_kv=shape.d_model // shape.heads,
                  d_ff=shape.d_ff, num_layers=shape.layers, num_decoder_layers=shape.layers,
                  num_heads=shape.heads, dropout_rate=0.0, pad_token_id=0, eos_token_id=1,
                  decoder_start_token_id=0, feed_forward_proj="relu", tie_word_embeddings=True)
    torch.manual_seed(seed)
    if shape.attention == "dense":
        return T5ForConditionalGeneration(T5Config(**common))
    cfg = LongT5Config(**common, local_radius=shape.local_radius, global_block_size=shape.global_block,
                       encoder_attention_type="transient-global" if shape.attention == "tglobal" else "local")
    return LongT5ForConditionalGeneration(cfg)


def n_params(model) -> int:
    return sum(p.numel() for p in model.parameters())


def measure_step(model, length: int, target_length: int, batch: int = 1, repeats: int = 3,
                 seed: int = 0) -> dict:
    """Forward+backward on random tokens of `length` (encoder) and `target_length` (decoder):
    {"time_s": [per repeat], "saved_mb": bytes kept for backward / 2^20, "cuda_peak_mb": or None}.
    The first pass warms up and is not timed."""
    import torch

    dev = next(model.parameters()).device
    g = torch.Generator().manual_seed(seed)
    vocab = model.config.vocab_size
    x = torch.randint(3, vocab, (batch, length), generator=g).to(dev)
    y = torch.randint(3, vocab, (batch, target_length), generator=g).to(dev)
    saved = [0]

    def pack(t):
        saved[0] += t.numel() * t.element_size()
        return t

    def one():
        model.zero_grad(set_to_none=True)
        model(input_ids=x, labels=y).loss.backward()

    model.train()
    one()
    if dev.type == "cuda":
        torch.cuda.synchronize()
        torch.cuda.reset_peak_memory_stats()
    times = []
    for r in range(repeats):
        saved[0] = 0
        t0 = time.perf_counter()
        with torch.autograd.graph.saved_tensors_hooks(pack, lambda t: t):
            one()
        if dev.type == "cuda":
            torch.cuda.synchronize()
        times.append(time.perf_counter() - t0)
    peak = torch.cuda.max_memory_allocated() / 2**20 if dev.type == "cuda" else None
    return {"time_s": times, "saved_mb": saved[0] / 2**20, "cuda_peak_mb": peak}


def speed_table(vocab_size: int, lengths: tuple[int, ...], d_model: int, layers: int, heads: int,
                target_ratio: float = 0.15, repeats: int = 3, device: str = "cpu",
                progress=lambda done, total: None) -> list[dict]:
    """TGlobal vs dense T5 of the same size at each encoder length, measured side by side (the
    lengths interleaved, so machine load hits both alike). Rows: length, attention, time_s (list),
    saved_mb, cuda_peak_mb, params. Targets are `target_ratio` x length (span corruption's share)."""
    models = {a: build(ModelShape(vocab_size, d_model, 4 * d_model, layers, heads, attention=a)).to(device)
              for a in ("tglobal", "dense")}
    rows, k = [], 0
    for L in lengths:
        for att, m in models.items():
            r = measure_step(m, L, max(8, int(L * target_ratio)), repeats=repeats)
            rows.append({"length": L, "attention": att, **r, "params": n_params(m)})
            k += 1
            progress(k, 2 * len(lengths))
    return rows
