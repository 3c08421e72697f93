"""Training-step throughput of the workbench DPO/GDPO trainer against TRL's DPOTrainer, and the two DPO
losses on the same batch.

Same model (SmolLM2-135M-Instruct, float32, full fine-tune), same pairs, same token ids (TRL's own tokenized
batch is fed to both), reference log-probs precomputed on both sides, Adam, one torch thread each. The steps
are interleaved: TRL's training loop runs, and after each of its steps one workbench step
(`lm.PreferenceStep`, llm_train_layers = 0) runs from a callback, so both see the same machine load. The first
step of each is a warm-up and is dropped. Printed: seconds per step of each (median, min-max), the ratio TRL
time / workbench time per adjacent pair of steps (median, min-max; goal >= 1.0, and whether it is met), the
load average before and after, then the DPO loss of TRL and of `losses.preference_loss` on the same batch with
the same (trained) policy and reference, which must agree to 1e-6; and GDPO at p̂ = 1 vs DPO.
`--profile` also prints a torch.profiler table of one workbench step.

    PYTHONPATH=$PWD .venv/bin/python benchmarks/gdpo_trainer.py [--pairs 4] [--steps 8] [--profile]

Without `trl` installed, or with `--reference plain`, it interleaves the workbench step with a plain reference
loop (forward, loss, backward, step written out in full) and says so.
"""
from __future__ import annotations

import argparse
import copy
import logging
import os
import statistics
import tempfile
import time
import warnings

import torch


def make_pairs(n: int) -> list[dict]:
    from workbench.papers.gdpo import task

    out = []
    for i, p in enumerate(task.make_prompts(n, seed=123)):
        good = f"The {p.topic.split()[-1]} was quiet, and a {p.word} lay by the door in the soft evening light."
        bad = f"I do not know much about {p.topic}, but it is a place many people like to visit in spring."
        out.append({"prompt": p.text, "chosen": good, "rejected": bad})
    return out


def trl_trainer(model, tokenizer, pairs, steps: int, lr: float, beta: float, out_dir: str):
    from datasets import Dataset
    from trl import DPOConfig, DPOTrainer

    data = Dataset.from_list([{"prompt": [{"role": "user", "content": p["prompt"]}],
                               "chosen": [{"role": "assistant", "content": p["chosen"]}],
                               "rejected": [{"role": "assistant", "content": p["rejected"]}]} for p in pairs])
    args = DPOConfig(output_dir=out_dir, per_device_train_batch_size=len(pairs), max_steps=steps, learning_rate=lr,
                     beta=beta, loss_type=["sigmoid"], precompute_ref_log_probs=True, report_to="none",
                     save_strategy="no", logging_steps=1, use_cpu=True, lr_scheduler_type="constant",
                     warmup_steps=0, weight_decay=0.0, optim="adamw_torch", adam_beta1=0.9, adam_beta2=0.999,
                     dataloader_num_workers=0, disable_tqdm=True, seed=0, max_length=None)
    return DPOTrainer(model=model, ref_model=copy.deepcopy(model), args=args, train_dataset=data,
                      processing_class=tokenizer)


def spread(values) -> str:
    return f"{statistics.median(values):8.2f} ({min(values):.2f}-{max(values):.2f})"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--pairs", type=int, default=4)
    ap.add_argument("--steps", type=int, default=8, help="timed steps of each trainer (plus one warm-up)")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--profile", action="store_true", help="print a torch.profiler table of one workbench step")
    ap.add_argument("--reference", choices=("trl", "plain"), default="trl",
                    help="the trainer to compare against: TRL's DPOTrainer (when installed) or the plain loop. "
                         "TRL 1.16 always runs its LM head through its chunked log-prob kernel, whose CPU fallback "
                         "made a step ~120 s here against ~9 s for the same work in plain torch (py-spy: "
                         "trl/kernels/chunked_logprob.py backward), so `plain` is the fair same-work reference")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    warnings.filterwarnings("ignore")
    logging.disable(logging.WARNING)
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    load_before = os.getloadavg()

    from workbench.papers.gdpo import lm
    from workbench.papers.gdpo import losses as L
    from workbench.llm.hf import load_model

    base, tokenizer = load_model("smollm2")
    base.requires_grad_(False)
    pairs = make_pairs(args.pairs)
    lr, beta = 1e-5, 0.1
    try:
        import trl  # noqa: F401
        have_trl = True
    except ImportError:
        have_trl = False
    have_trl = have_trl and args.reference == "trl"
    total = args.steps + 1  # one warm-up step each

    # --- the batch: TRL's own tokenization when available, else ours ---------------------------
    if have_trl:
        trainer = trl_trainer(copy.deepcopy(base).requires_grad_(True), tokenizer, pairs, total, lr, beta,
                              tempfile.mkdtemp(prefix="gdpo-bench-"))
        batch = next(iter(trainer.get_train_dataloader()))
        ids, attn, target = batch["input_ids"], batch["attention_mask"], batch["completion_mask"].bool()
        b = len(pairs)  # TRL's batch is [chosen..., rejected...]; ours interleaves [y1, y2, y1, y2, ...]
        order = torch.stack([torch.arange(b), torch.arange(b) + b], 1).reshape(-1)
        ids, attn, target = ids[order], attn[order], target[order]
    else:
        rows, starts = [], []
        for p in pairs:
            for y in (p["chosen"], p["rejected"]):
                r, k = lm.encode(tokenizer, p["prompt"], y)
                rows.append(r), starts.append(k)
        ids, attn, target = lm.collate(rows, starts, tokenizer.pad_token_id)
    print(f"batch: {len(pairs)} pairs, {ids.shape[0]} sequences x {ids.shape[1]} tokens, "
          f"{int(target.sum())} response tokens; {args.threads} torch thread(s); full model; "
          f"load average {load_before[0]:.1f} (1 min) {load_before[1]:.1f} (5 min) on {os.cpu_count()} cores")

    # --- the workbench step ------------------------------------------------------------------------
    with torch.no_grad():
        ref = lm.sequence_logps(base, ids, attn, target)
    data = lm.PairData(ids, attn, target, torch.ones(len(pairs)), ref, None)
    policy = lm.make_policy(base, 0)
    step = lm.PreferenceStep(policy, data, "gdpo", beta, lr, n_train=0)
    everything = list(range(len(pairs)))
    ours: list[float] = []

    def our_step():
        t = time.perf_counter()
        step(everything)
        ours.append(time.perf_counter() - t)

    # --- reference: TRL, or a plain loop; a workbench step after each of its steps -----------------
    if have_trl:
        from transformers import TrainerCallback

        class Interleave(TrainerCallback):
            def __init__(self):
                self.times, self.t = [], None

            def on_step_begin(self, *a, **k):
                self.t = time.perf_counter()

            def on_step_end(self, *a, **k):
                self.times.append(time.perf_counter() - self.t)
                our_step()
                print(f"  step {len(ours)}: TRL {self.times[-1]:.2f} s, workbench {ours[-1]:.2f} s", flush=True)

        timer = Interleave()
        trainer.add_callback(timer)
        trainer.train()
        ref_name, theirs = "TRL DPOTrainer", timer.times
    else:
        ref_name, theirs = "plain reference loop", []
        plain = copy.deepcopy(base).requires_grad_(True).train()
        opt = torch.optim.Adam(plain.parameters(), lr=lr)
        for _ in range(total):
            t = time.perf_counter()
            logits = plain(input_ids=ids, attention_mask=attn).logits
            logp = torch.log_softmax(logits[:, :-1], -1).gather(-1, ids[:, 1:, None])[..., 0]
            seq = (logp * target[:, 1:]).sum(1)
            h = (seq[0::2] - ref[0::2]) - (seq[1::2] - ref[1::2])
            loss = -torch.nn.functional.logsigmoid(beta * h).mean()
            opt.zero_grad(), loss.backward(), opt.step()
            theirs.append(time.perf_counter() - t)
            our_step()

    theirs, ours = theirs[1:], ours[1:]  # drop the warm-up steps
    ratios = [a / b for a, b in zip(theirs, ours)]
    load_after = os.getloadavg()
    print(f"\n{'trainer':28s} {'s/step: median (min-max)':>28s}   over {len(ours)} interleaved steps")
    print(f"{ref_name:28s} {spread(theirs):>28s}")
    print(f"{'workbench (full model)':28s} {spread(ours):>28s}")
    ratio = statistics.median(ratios)
    print(f"ratio {ref_name} / workbench per step pair: median {ratio:.2f} (min {min(ratios):.2f}, max "
          f"{max(ratios):.2f}); goal >= 1.0: {'MET' if ratio >= 1.0 else 'NOT met'}; load average "
          f"{load_before[0]:.1f} -> {load_after[0]:.1f}")

    if args.profile:
        from torch.profiler import ProfilerActivity, profile

        with profile(activities=[ProfilerActivity.CPU]) as prof:
            step(everything)
        print("\none workbench step, torch.profiler (top ops by self CPU time):")
        print(prof.key_averages().table(sort_by="self_cpu_time_total", row_limit=15))

    if have_trl:  # the two DPO losses on the same batch, same trained policy and reference
        trained, reference = trainer.model.eval(), trainer.ref_model.eval()
        batch = {k: v for k, v in batch.items() if k not in ("ref_chosen_logps", "ref_rejected_logps")}
        trainer.precompute_ref_logps = False  # let TRL run the reference model on this batch itself
        with torch.no_grad():
            trl_loss = float(trainer.compute_loss(trained, batch))
            pol = lm.sequence_logps(trained, ids, attn, target)
            refp = lm.sequence_logps(reference, ids, attn, target)
            dpo_loss, _ = L.preference_loss("dpo", pol[0::2], pol[1::2], refp[0::2], refp[1::2], torch.ones(len(pairs)), beta)
            geo, _ = L.preference_loss("gdpo", pol[0::2], pol[1::2], refp[0::2], refp[1::2], torch.ones(len(pairs)), beta)
        diff = abs(trl_loss - float(dpo_loss))
        print(f"\nDPO loss on the same batch after {total} TRL steps: TRL {trl_loss:.6f}, workbench "
              f"{float(dpo_loss):.6f} (|diff| {diff:.2e}, agree to 1e-6: {'yes' if diff <= 1e-6 else 'NO'}); GDPO at p̂ = 1: {float(geo):.6f}")


if __name__ == "__main__":
    main()
