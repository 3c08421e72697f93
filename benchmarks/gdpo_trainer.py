"""Training-step throughput of the workbench DPO/GDPO trainer against TRL's DPOTrainer, and the two DPO
losses on the same batch.

Same model (SmolLM2-135M-Instruct, float32), same pairs, same token ids (TRL's own tokenized batch is fed to
both), reference log-probs precomputed on both sides, Adam, one torch thread each (see config.torch_threads).
Printed: seconds per optimizer step for
  - TRL DPOTrainer (full model, `precompute_ref_log_probs=True`)        [reference]
  - workbench full fine-tune (llm_train_layers = 0): the same computation
  - workbench top-2-blocks fine-tune on cached frozen states (the notebook's choice)
and the ratios (TRL time / ours; goal >= 1.0), then the DPO loss of TRL and of `losses.preference_loss` on the
same batch with the same (trained) policy and reference, which must agree; and GDPO at p̂ = 1 vs DPO.

    PYTHONPATH=$PWD .venv/bin/python benchmarks/gdpo_trainer.py [--pairs 4] [--steps 3]

Without `trl` installed it times the workbench trainers against a plain reference loop (forward, loss,
backward, step written out in full) and says so.
"""
from __future__ import annotations

import argparse
import copy
import logging
import os
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


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--pairs", type=int, default=4)
    ap.add_argument("--steps", type=int, default=3)
    ap.add_argument("--threads", type=int, default=1)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    warnings.filterwarnings("ignore")
    logging.disable(logging.WARNING)
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

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

    # --- the batch: TRL's own tokenization when available, else ours ---------------------------
    if have_trl:
        trainer = trl_trainer(copy.deepcopy(base).requires_grad_(True), tokenizer, pairs, args.steps, lr, beta,
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
          f"{int(target.sum())} response tokens; {args.threads} torch thread(s)")

    # --- workbench trainers ---------------------------------------------------------------------
    results = {}
    for name, n_train in (("workbench full model", 0), ("workbench top-2 blocks", 2)):
        with torch.no_grad():
            hidden = lm.frozen_hidden(base, ids, attn, n_train) if n_train else None
            ref = (lm.top_logps(base, hidden, ids, attn, target, n_train) if n_train
                   else lm.sequence_logps(base, ids, attn, target))
        data = lm.PairData(ids, attn, target, torch.ones(len(pairs)), ref, hidden)
        policy = lm.make_policy(base, n_train)
        lm.train_policy(policy, data, "dpo", beta, lr, len(pairs), epochs=1, n_train=n_train)  # warm-up step
        t = time.perf_counter()
        lm.train_policy(policy, data, "gdpo", beta, lr, len(pairs), epochs=args.steps, n_train=n_train)
        results[name] = (time.perf_counter() - t) / args.steps
        del policy

    # --- reference: TRL, or a plain loop ----------------------------------------------------------
    if have_trl:
        from transformers import TrainerCallback

        class StepTimer(TrainerCallback):
            def __init__(self):
                self.times, self.t = [], None

            def on_step_begin(self, *a, **k):
                self.t = time.perf_counter()

            def on_step_end(self, *a, **k):
                self.times.append(time.perf_counter() - self.t)

        timer = StepTimer()
        trainer.add_callback(timer)
        trainer.train()
        ref_name = "TRL DPOTrainer"
        results[ref_name] = sum(timer.times[1:]) / max(1, len(timer.times) - 1)  # first step = warm-up
    else:
        ref_name = "plain reference loop"
        policy = copy.deepcopy(base).requires_grad_(True).train()
        opt = torch.optim.Adam(policy.parameters(), lr=lr)
        with torch.no_grad():
            ref = lm.sequence_logps(base, ids, attn, target)
        times = []
        for _ in range(args.steps + 1):
            t = time.perf_counter()
            logits = policy(input_ids=ids, attention_mask=attn).logits
            logp = torch.log_softmax(logits[:, :-1], -1).gather(-1, ids[:, 1:, None])[..., 0]
            seq = (logp * target[:, 1:]).sum(1)
            h = (seq[0::2] - ref[0::2]) - (seq[1::2] - ref[1::2])
            loss = -torch.nn.functional.logsigmoid(beta * h).mean()
            opt.zero_grad(), loss.backward(), opt.step()
            times.append(time.perf_counter() - t)
        results[ref_name] = sum(times[1:]) / args.steps

    print(f"\n{'trainer':28s} {'s/step':>8s} {'ratio vs ' + ref_name:>28s}")
    for name, s in results.items():
        print(f"{name:28s} {s:8.2f} {results[ref_name] / s:28.2f}")

    if have_trl:  # the two DPO losses on the same batch, same trained policy and reference
        policy, reference = trainer.model.eval(), trainer.ref_model.eval()
        batch = {k: v for k, v in batch.items() if k not in ("ref_chosen_logps", "ref_rejected_logps")}
        trainer.precompute_ref_logps = False  # let TRL run the reference model on this batch itself
        with torch.no_grad():
            trl_loss = float(trainer.compute_loss(policy, batch))
            pol = lm.sequence_logps(policy, ids, attn, target)
            refp = lm.sequence_logps(reference, ids, attn, target)
            ours, _ = L.preference_loss("dpo", pol[0::2], pol[1::2], refp[0::2], refp[1::2], torch.ones(len(pairs)), beta)
            geo, _ = L.preference_loss("gdpo", pol[0::2], pol[1::2], refp[0::2], refp[1::2], torch.ones(len(pairs)), beta)
        print(f"\nDPO loss on the same batch after {args.steps} TRL steps: TRL {trl_loss:.6f}, workbench "
              f"{float(ours):.6f} (|diff| {abs(trl_loss - float(ours)):.2e}); GDPO at p̂ = 1: {float(geo):.6f}")


if __name__ == "__main__":
    main()
