"""The fast decode path of the embedded SmolLM2 (workbench.llm.decode): its GGUF blocks are the model's
float32 weights bit for bit, the block products equal float32 matrix products up to summation order,
and greedy decoding gives the same token ids as the model's own forward (the previous loop)."""
import numpy as np
import pytest
import torch

from workbench.llm import LLMError, decode, get_llm
from workbench.llm.hf import shared_model, smollm2_gguf

PROMPTS = ["What is the capital of France?", "Write a haiku about the sea.", "List three fruits that are red.",
           "Explain in two sentences why the sky is blue.", "Name an animal that lives in the ocean."]


@pytest.fixture(scope="module")
def setup():
    model, tokenizer = shared_model("smollm2")
    decoder = decode.gguf_decoder(model, smollm2_gguf())
    assert decoder is not None, "no C compiler found: the fast path is off"
    return model, tokenizer, decoder


def test_gguf_blocks_are_the_float32_weights(setup):
    model, _, d = setup
    for i, layer in enumerate(d.layers):
        a, f = layer.self_attn, layer.mlp
        for m, weights in ((d.qkv[i], (a.q_proj, a.k_proj, a.v_proj)), (d.o[i], (a.o_proj,)),
                           (d.gate_up[i], (f.gate_proj, f.up_proj)), (d.down[i], (f.down_proj,))):
            assert torch.equal(decode.dequantize(m.blocks, m.kind), torch.cat([w.weight for w in weights]))
    assert torch.equal(decode.dequantize(d.lm_head.blocks, d.lm_head.kind), model.lm_head.weight)


@pytest.mark.parametrize("rows", [1, 3, 6])
@pytest.mark.parametrize("threads", [1, 2])
def test_block_product_equals_float32_product(setup, rows, threads):
    model, _, d = setup
    x = torch.randn(rows, 1536, generator=torch.Generator().manual_seed(rows))
    got = d.down[3](x, threads)
    want = torch.nn.functional.linear(x, model.model.layers[3].mlp.down_proj.weight)
    assert torch.allclose(got, want, rtol=1e-5, atol=1e-5 * float(want.abs().max()))
    # each output row is computed alone: the same numbers whatever the batch or thread count
    assert torch.equal(got[:1], d.down[3](x[:1], 1))


def greedy(start, model, tokenizer, prompts, n):
    rows = [tokenizer(tokenizer.apply_chat_template([{"role": "user", "content": p}], tokenize=False,
                                                    add_generation_prompt=True), add_special_tokens=False)["input_ids"]
            for p in prompts]
    width, pad = max(map(len, rows)), tokenizer.pad_token_id
    ids = torch.tensor([[pad] * (width - len(r)) + r for r in rows])
    mask = torch.tensor([[0] * (width - len(r)) + [1] * len(r) for r in rows])
    positions = (mask.cumsum(-1) - 1).clamp(min=0)
    out = []
    with torch.inference_mode():
        logits, step = start(model, ids, mask, positions, n)
        for i in range(n):
            nxt = logits.argmax(-1)
            out.append(nxt)
            if i < n - 1:
                logits = step(nxt)
    return torch.stack(out, 1).tolist()


def test_greedy_token_ids_identical_to_the_model_forward(setup):
    model, tokenizer, d = setup
    fast = lambda *a: d.start(*a[1:])  # noqa: E731
    for p in PROMPTS[:3]:  # one prompt at a time (eos ignored: 24 tokens each)
        assert greedy(fast, model, tokenizer, [p], 24) == greedy(decode.torch_start, model, tokenizer, [p], 24), p
    # a left-padded batch
    assert greedy(fast, model, tokenizer, PROMPTS, 12) == greedy(decode.torch_start, model, tokenizer, PROMPTS, 12)


def test_replies_identical_through_get_llm(monkeypatch):
    llm = get_llm("smollm2", cache=False)
    fast = llm.generate_batch(PROMPTS[:3], max_new_tokens=32)
    monkeypatch.setenv("WORKBENCH_LLM_DECODE", "torch")
    assert llm.generate_batch(PROMPTS[:3], max_new_tokens=32) == fast
    monkeypatch.setenv("WORKBENCH_LLM_DECODE", "fast")
    with pytest.raises(LLMError, match="WORKBENCH_LLM_DECODE"):
        llm.generate("Hi", max_new_tokens=2)


def test_gguf_reader_finds_every_tensor():
    tensors = decode.gguf_tensors(smollm2_gguf())
    kind, dims, data = tensors["blk.0.ffn_down.weight"]
    assert kind == decode.Q4_1 and dims == (1536, 576) and data.shape == (576, 1536 // 32 * 20)
    assert tensors["token_embd.weight"][0] == decode.Q8_0
    assert sum(name.startswith("blk.") for name in tensors) == 30 * 9
    assert np.asarray(tensors["output_norm.weight"][2]).view(np.float32).shape == (576,)
