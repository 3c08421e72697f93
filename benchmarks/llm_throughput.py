"""Throughput of the embedded SmolLM2-135M-Instruct: prefill and generation tokens/s, decode candidates.

    python benchmarks/llm_throughput.py [--threads 1 2] [--new-tokens 32] [--repeats 10] [--int8]

For each torch thread count, greedy decoding (batch 1, eos ignored) of --new-tokens tokens after one prompt of
a fixed set (chat template applied; repeat r uses prompt r mod 5), with each candidate in turn, interleaved
(A B C A B C ...) so that all see the same machine load:
  today      the previous loop: the model's forward with a DynamicCache (workbench.llm.decode.torch_start)
  gguf       the default now: steps multiplied with the GGUF's 4-bit blocks (workbench.llm.decode.GGUFDecoder)
  int8       (--int8) torch.ao dynamic int8 quantisation of the Linear layers, the `today` loop; lossy:
             the share of greedy tokens that differ from float32 is printed
  llama.cpp  the same GGUF through llama-cpp-python, when it is installed
Generation tok/s counts the decode steps only (the prompt's forward is timed separately: prefill tok/s,
the same float32 forward for every transformers candidate, so prefill and scoring are unchanged).
Printed per thread count: median tok/s and min-max over the repeats, the per-repeat ratio gguf / today
(median, min-max), and whether the goal is met: generation >= half of llama.cpp's. With llama.cpp installed
that is measured side by side; without it, the goal is judged from the ratio llama.cpp / today recorded in
earlier on this machine (52-55 vs 20 tok/s on 1 thread, 86 vs 33 on 2: 2.7x and 2.6x), i.e. gguf / today
>= 1.35 (1 thread) and 1.30 (2 threads), a ratio of two loops measured here side by side.
The load average is printed before and after: absolute numbers from a shared machine are inflated.
"""
from __future__ import annotations

import argparse
import copy
import os
import statistics
import time
import warnings

import torch

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
# llama.cpp / today's loop, generation tok/s, measured side by side earlier (llama.cpp Q4_1 GGUF vs
# the transformers forward loop; 1 thread: 52-55 vs 20, 2 threads: 86 vs 33)
RECORDED_LLAMACPP_OVER_TODAY = {1: 53.5 / 20, 2: 86 / 33}


def rss_mb() -> float:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def summary(values, fmt=".1f") -> str:
    return f"{statistics.median(values):{fmt}} ({min(values):{fmt}}-{max(values):{fmt}})"


def transformers_candidate(start, model, new_tokens):
    """fn(ids) -> (prefill seconds, decode seconds, token ids) for a decode `start` function."""
    def run(ids):
        with torch.inference_mode():
            t0 = time.perf_counter()
            x = torch.tensor([ids])
            mask = torch.ones_like(x)
            logits, step = start(model, x, mask, torch.arange(len(ids))[None], new_tokens)
            t1 = time.perf_counter()
            out = []
            for i in range(new_tokens):
                nxt = logits.argmax(-1)
                out.append(int(nxt))
                if i < new_tokens - 1:
                    logits = step(nxt)
            return t1 - t0, time.perf_counter() - t1, out
    return run


def llamacpp_candidate(gguf, threads, new_tokens):
    from llama_cpp import Llama

    model = Llama(model_path=str(gguf), n_ctx=2048, n_threads=threads, n_threads_batch=threads, verbose=False)

    def run(ids):
        model.reset()
        t0 = time.perf_counter()
        model.eval(ids)
        t1 = time.perf_counter()
        out = []
        for i in range(new_tokens):
            out.append(model.sample(top_k=1))
            if i < new_tokens - 1:
                model.eval([out[-1]])
        return t1 - t0, time.perf_counter() - t1, out
    return run


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--new-tokens", type=int, default=32)
    parser.add_argument("--repeats", type=int, default=10)
    parser.add_argument("--int8", action="store_true", help="also time torch.ao dynamic int8 (lossy)")
    args = parser.parse_args()
    load_before = os.getloadavg()
    warnings.filterwarnings("ignore")  # torch.ao's deprecation notices

    from workbench.llm import decode
    from workbench.llm.hf import HFLLM, converted_dir, smollm2_gguf

    t0 = time.perf_counter()
    converted_dir("smollm2")  # imports transformers; converts the GGUF to a cached float32 copy on first use
    t_convert = time.perf_counter() - t0
    rss0 = rss_mb()
    t0 = time.perf_counter()
    llm = HFLLM("smollm2", cache=False)
    t_load = time.perf_counter() - t0
    rss1 = rss_mb()
    t0 = time.perf_counter()
    decoder = decode.gguf_decoder(llm.model, smollm2_gguf())
    t_decoder = time.perf_counter() - t0
    if decoder is None:
        raise SystemExit("the GGUF decoder is unavailable (no C compiler, or WORKBENCH_LLM_DECODE=torch)")
    texts = [llm.render(p) for p in PROMPTS]
    prompt_ids = [llm.encode(t, True) for t in texts]
    print(f"embedded model: SmolLM2-135M-Instruct ({smollm2_gguf().name}), transformers "
          f"{__import__('transformers').__version__}, torch {torch.__version__}; os.cpu_count()={os.cpu_count()}; "
          f"load average {load_before[0]:.1f} (1 min) {load_before[1]:.1f} (5 min)")
    print(f"load: {t_load:.1f} s float32 model from the cache (+{rss1 - rss0:.0f} MiB) after {t_convert:.1f} s "
          f"importing transformers / converting; GGUF decoder {t_decoder:.2f} s (kernel compile on first use, "
          f"block copy {sum(m.blocks.nbytes for m in decoder.qkv + decoder.o + decoder.gate_up + decoder.down + [decoder.lm_head]) / 2**20:.0f} MiB)")
    print(f"{args.new_tokens} new tokens per repeat, {args.repeats} repeats (prompt r mod {len(PROMPTS)}, "
          f"{min(map(len, prompt_ids))}-{max(map(len, prompt_ids))} tokens), candidates interleaved")

    candidates = {"today": transformers_candidate(decode.torch_start, llm.model, args.new_tokens),
                  "gguf": transformers_candidate(lambda m, *a: decoder.start(*a), llm.model, args.new_tokens)}
    if args.int8:
        q8 = torch.ao.quantization.quantize_dynamic(copy.deepcopy(llm.model), {torch.nn.Linear}, dtype=torch.qint8)
        candidates["int8"] = transformers_candidate(decode.torch_start, q8, args.new_tokens)
    try:
        import llama_cpp  # noqa: F401
        have_llamacpp = True
    except ImportError:
        have_llamacpp = False
        print("llama.cpp: llama-cpp-python is not installed; the goal is judged from the recorded "
              "llama.cpp / today ratio")

    before = torch.get_num_threads()
    goals = []
    for n in args.threads:
        torch.set_num_threads(n)
        runs = dict(candidates)
        if have_llamacpp:
            runs["llama.cpp"] = llamacpp_candidate(smollm2_gguf(), n, args.new_tokens)
        for fn in runs.values():  # warm-up
            fn(prompt_ids[0][:8])
        gen = {k: [] for k in runs}
        pre = {k: [] for k in runs}
        tokens = {k: [] for k in runs}
        for r in range(args.repeats):
            ids = prompt_ids[r % len(prompt_ids)]
            for name, fn in runs.items():
                t_pre, t_dec, out = fn(ids)
                pre[name].append(len(ids) / t_pre)
                gen[name].append((args.new_tokens - 1) / t_dec)
                tokens[name].append(out)
        print(f"\n{n} thread(s), load average {os.getloadavg()[0]:.1f}:")
        print(f"  {'candidate':10s} {'prefill tok/s':>22s} {'generation tok/s':>22s}  greedy tokens vs today")
        for name in runs:
            same = sum(a == b for x, y in zip(tokens[name], tokens["today"]) for a, b in zip(x, y))
            total = sum(len(x) for x in tokens["today"])
            print(f"  {name:10s} {summary(pre[name], '.0f'):>22s} {summary(gen[name]):>22s}  {same}/{total} identical")
        ratio = [g / t for g, t in zip(gen["gguf"], gen["today"])]
        print(f"  gguf / today per repeat: median {statistics.median(ratio):.2f} (min {min(ratio):.2f}, "
              f"max {max(ratio):.2f})")
        if "int8" in runs:
            r8 = [g / t for g, t in zip(gen["int8"], gen["today"])]
            print(f"  int8 / today per repeat: median {statistics.median(r8):.2f} ({min(r8):.2f}-{max(r8):.2f})")
        if have_llamacpp:
            rl = [g / t for g, t in zip(gen["gguf"], gen["llama.cpp"])]
            goal = statistics.median(rl)
            print(f"  gguf / llama.cpp per repeat: median {goal:.2f} ({min(rl):.2f}-{max(rl):.2f}); "
                  f"goal >= 0.5: {'MET' if goal >= 0.5 else 'NOT met'}")
        else:
            need = 0.5 * RECORDED_LLAMACPP_OVER_TODAY.get(n, max(RECORDED_LLAMACPP_OVER_TODAY.values()))
            goal = statistics.median(ratio) / need * 0.5
            print(f"  goal (>= half of llama.cpp, via the recorded ratio): gguf / today >= {need:.2f}: "
                  f"{'MET' if goal >= 0.5 else 'NOT met'} (estimated gguf / llama.cpp {goal:.2f})")
        goals.append(goal >= 0.5)
    torch.set_num_threads(before)
    after = os.getloadavg()
    print(f"\nload average {load_before[0]:.1f} -> {after[0]:.1f}; goal met on every thread count: "
          f"{'yes' if all(goals) else 'no'}; RSS {rss_mb():.0f} MiB")


if __name__ == "__main__":
    main()
