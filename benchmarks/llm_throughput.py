"""Throughput of the embedded SmolLM2-135M-Instruct: prefill and generation tokens/s, load time, memory.

    python benchmarks/llm_throughput.py [--threads 1 2] [--new-tokens 32] [--repeats 2]

For each torch thread count it times, on a fixed prompt set (chat template applied):
  prefill     one forward pass over each prompt (batch 1), prompt tokens / s
  generation  greedy decoding of --new-tokens tokens after each prompt (eos ignored), new tokens / s,
              with workbench.llm's own KV-cache loop and, as the in-process reference, transformers'
              `model.generate` (the ratio is printed)
and, if `llama-cpp-python` is importable, the same GGUF through llama.cpp with the same thread count
(ratio printed); otherwise it says llama.cpp is not installed. Timings are the best of --repeats.
Numbers from a machine shared with other jobs are inflated (more so with 2 threads, which wait on each
other when a core is taken away): say so when reporting them.
"""
from __future__ import annotations

import argparse
import os
import time

PROMPTS = [
    "What is the capital of France?",
    "Write a haiku about the sea.",
    "Explain in two sentences why the sky is blue.",
    "List three fruits that are red.",
    "Summarize the following text in one sentence. The bicycle was invented in the nineteenth century. "
    "Early designs had no pedals: riders pushed along the ground with their feet. Pedals were attached to "
    "the front wheel in the 1860s, and the safety bicycle, with two wheels of equal size and a chain drive "
    "to the rear wheel, appeared in the 1880s. Pneumatic tyres followed soon after, making riding far more "
    "comfortable, and the bicycle became a common means of transport in cities across Europe and America. "
    "Today hundreds of millions of people ride bicycles every day, for work, for sport and for pleasure.",
]


def rss_mb() -> tuple[float, float]:
    """(current, peak) resident memory of this process in MiB, from /proc."""
    values = {}
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(("VmRSS:", "VmHWM:")):
                key, kb = line.split()[:2]
                values[key] = int(kb) / 1024
    return values.get("VmRSS:", float("nan")), values.get("VmHWM:", float("nan"))


def best_of(repeats: int, fn) -> float:
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


def bench_transformers(llm, prompt_ids, new_tokens, repeats):
    import torch
    from transformers import DynamicCache, GenerationConfig

    model = llm.model

    def prefill():
        with torch.inference_mode():
            for ids in prompt_ids:
                model(input_ids=torch.tensor([ids]), logits_to_keep=1)

    def ours():  # the same loop as HFLLM._generate_ids, minus eos/stop handling
        with torch.inference_mode():
            for ids in prompt_ids:
                cache = DynamicCache(config=model.config)
                logits = model(input_ids=torch.tensor([ids]), cache=cache, use_cache=True, logits_to_keep=1).logits
                for _ in range(new_tokens - 1):
                    nxt = logits[:, -1].argmax(-1, keepdim=True)
                    logits = model(input_ids=nxt, cache=cache, use_cache=True).logits

    config = GenerationConfig(max_new_tokens=new_tokens, min_new_tokens=new_tokens, do_sample=False,
                              pad_token_id=llm.tokenizer.pad_token_id, eos_token_id=llm.tokenizer.eos_token_id)

    def reference():
        with torch.inference_mode():
            for ids in prompt_ids:
                t = torch.tensor([ids])
                model.generate(input_ids=t, attention_mask=torch.ones_like(t), generation_config=config)

    n_prompt = sum(len(i) for i in prompt_ids)
    t_prefill = best_of(repeats, prefill)
    # generation time = full decode minus its prefill, so tokens/s counts the new tokens only
    t_ours = best_of(repeats, ours) - t_prefill
    t_ref = best_of(repeats, reference) - t_prefill
    n_new = new_tokens * len(prompt_ids)
    return {"prefill": n_prompt / t_prefill, "gen": n_new / t_ours, "gen_reference": n_new / t_ref}


def bench_llamacpp(gguf, texts, threads, new_tokens, repeats):
    from llama_cpp import Llama

    t0 = time.perf_counter()
    model = Llama(model_path=str(gguf), n_ctx=2048, n_threads=threads, n_threads_batch=threads, verbose=False)
    load = time.perf_counter() - t0
    prompt_ids = [model.tokenize(t.encode(), add_bos=False, special=True) for t in texts]

    def prefill():
        for ids in prompt_ids:
            model.reset()
            model.eval(ids)

    def decode():
        for ids in prompt_ids:
            model.reset()
            model.eval(ids)
            for _ in range(new_tokens - 1):
                model.eval([model.sample(top_k=1)])

    t_prefill = best_of(repeats, prefill)
    t_decode = best_of(repeats, decode) - t_prefill
    return {"prefill": sum(len(i) for i in prompt_ids) / t_prefill, "gen": new_tokens * len(texts) / t_decode,
            "load": load}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--new-tokens", type=int, default=32)
    parser.add_argument("--repeats", type=int, default=2)
    args = parser.parse_args()

    import torch

    from workbench.llm.hf import HFLLM, converted_dir, smollm2_gguf

    rss0, _ = rss_mb()
    t0 = time.perf_counter()
    converted_dir("smollm2")  # imports transformers; converts the GGUF to a cached float32 copy on first use
    t_convert = time.perf_counter() - t0
    t0 = time.perf_counter()
    llm = HFLLM("smollm2", cache=False)
    t_load = time.perf_counter() - t0
    rss1, _ = rss_mb()
    texts = [llm.render(p) for p in PROMPTS]
    prompt_ids = [llm.encode(t, True) for t in texts]
    print(f"embedded model: SmolLM2-135M-Instruct ({smollm2_gguf().name}), float32 via transformers "
          f"{__import__('transformers').__version__}, torch {torch.__version__}; os.cpu_count()={os.cpu_count()}, "
          f"load average {os.getloadavg()[0]:.1f}")
    print(f"load: {t_load:.1f} s from the float32 copy in the cache, after {t_convert:.1f} s importing transformers "
          f"(and, on first use only, converting the GGUF); RSS +{rss1 - rss0:.0f} MiB for the model")
    print(f"prompt set: {len(PROMPTS)} prompts, {sum(map(len, prompt_ids))} prompt tokens; "
          f"{args.new_tokens} new tokens each; best of {args.repeats}")
    try:
        import llama_cpp  # noqa: F401
        have_llamacpp = True
    except ImportError:
        have_llamacpp = False
        print("llama.cpp: llama-cpp-python is not installed; transformers numbers only")
    header = f"{'threads':>7} {'prefill tok/s':>14} {'gen tok/s':>10} {'generate() tok/s':>17} {'ours/generate()':>16}"
    if have_llamacpp:
        header += f" {'llama.cpp prefill':>18} {'llama.cpp gen':>14} {'ratio prefill':>14} {'ratio gen':>10}"
    print(header + ("  (ratio: transformers / llama.cpp, same thread count)" if have_llamacpp else ""))
    before = torch.get_num_threads()
    for n in args.threads:
        torch.set_num_threads(n)
        r = bench_transformers(llm, prompt_ids, args.new_tokens, args.repeats)
        line = f"{n:>7} {r['prefill']:>14.0f} {r['gen']:>10.1f} {r['gen_reference']:>17.1f} {r['gen'] / r['gen_reference']:>16.2f}"
        if have_llamacpp:
            c = bench_llamacpp(smollm2_gguf(), texts, n, args.new_tokens, args.repeats)
            line += f" {c['prefill']:>18.0f} {c['gen']:>14.1f} {r['prefill'] / c['prefill']:>14.2f} {r['gen'] / c['gen']:>10.2f}"
        print(line, flush=True)
    torch.set_num_threads(before)
    rss, peak = rss_mb()
    print(f"memory: RSS {rss:.0f} MiB, peak {peak:.0f} MiB (whole process, torch and transformers included)")


if __name__ == "__main__":
    main()
