"""Pre-training (span denoising), multi-task fine-tuning, greedy decoding and held-out accuracy.

One loop shape for both stages: AdamW on padded batches, `progress(step, metrics)` at step 0 and
every `eval_every` steps (keys `pretrain/loss`, `pretrain/eval_loss`, `finetune/loss`, ...), a
`History` kept in the returned run. Pre-training draws, per row, a mean span from the mixture
(HTML-T5: {8, 64}; T5: {3}) and corrupts it afresh each time the row is drawn (T5 corrupts on the fly).
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np

from workbench import WorkbenchError
from workbench.history import History
from workbench.papers.webagent.data import HtmlTokenizer, Example, noise_mask, parse_refs, prompts, span_corrupt


def collate(pairs: list[tuple[list[int], list[int]]]):
    """(input ids, target ids) pairs -> input_ids, attention_mask (pad 0), labels (pad -100)."""
    import torch

    n, m = max(len(a) for a, _ in pairs), max(len(b) for _, b in pairs)
    x = torch.zeros(len(pairs), n, dtype=torch.long)
    y = torch.full((len(pairs), m), -100, dtype=torch.long)
    for i, (a, b) in enumerate(pairs):
        x[i, :len(a)] = torch.tensor(a)
        y[i, :len(b)] = torch.tensor(b)
    return x, (x != 0).long(), y


def _on(model, tensors):
    """The batch on the model's device (a GPU at paper scale)."""
    dev = next(model.parameters()).device
    return tuple(t.to(dev) for t in tensors)


def _optimizer(model, lr: float, steps: int, warmup: int = 20):
    import torch

    opt = torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=0.01)
    sched = torch.optim.lr_scheduler.LambdaLR(
        opt, lambda s: min(1.0, (s + 1) / warmup) * max(0.1, 1 - s / max(1, steps)))  # warm-up, then linear decay
    return opt, sched


def _step(model, opt, sched, pairs) -> float:
    import torch

    model.train()
    x, mask, y = _on(model, collate(pairs))
    loss = model(input_ids=x, attention_mask=mask, labels=y).loss
    opt.zero_grad(set_to_none=True)
    loss.backward()
    torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
    opt.step()
    sched.step()
    return float(loss.detach())


def mean_loss(model, pairs: list, batch: int = 16) -> float:
    """Token-weighted cross-entropy over `pairs` (no gradient)."""
    import torch

    model.eval()
    tot, n = 0.0, 0
    with torch.no_grad():
        for i in range(0, len(pairs), batch):
            x, mask, y = _on(model, collate(pairs[i:i + batch]))
            k = int((y != -100).sum())
            tot += float(model(input_ids=x, attention_mask=mask, labels=y).loss) * k
            n += k
    return tot / max(1, n)


@dataclass
class StageRun:
    state: dict                  # the model's state_dict after training
    history: History = field(default_factory=History)
    seconds: float = 0.0
    key: str = ""                # the cache key it was stored under (a later stage keys on it)


def corrupt_rows(rows: np.ndarray, tok: HtmlTokenizer, mixture: tuple[float, ...], noise: float,
                 rng: np.random.Generator) -> tuple[list, list]:
    """Span-corrupt each row with a mean span drawn from `mixture`: (pairs, masks)."""
    pairs, masks = [], []
    for row in rows:
        mask = noise_mask(len(row), noise, float(rng.choice(mixture)), rng)
        pairs.append(span_corrupt(list(row), mask, tok.sentinel_ids, tok.eos_id))
        masks.append(mask)
    return pairs, masks


def pretrain(model, tok: HtmlTokenizer, stream: np.ndarray, mixture: tuple[float, ...], noise: float,
             steps: int, batch: int, lr: float, seed: int, eval_rows: int = 16, eval_every: int = 25,
             progress=lambda step, metrics: None) -> StageRun:
    """Self-supervised denoising on packed corpus rows `stream` [rows, length]. The last `eval_rows`
    rows are held out, corrupted once with a fixed seed, for `pretrain/eval_loss`."""
    rng = np.random.default_rng(seed)
    if len(stream) < 2:
        raise WorkbenchError(f"the corpus packs into {len(stream)} row(s); pre-training needs at least 2")
    eval_rows = max(1, min(eval_rows, len(stream) // 4))   # a small (smoke) corpus keeps most rows for training
    train_rows, held = stream[:-eval_rows], stream[-eval_rows:]
    eval_pairs, _ = corrupt_rows(held, tok, mixture, noise, np.random.default_rng(10_000 + seed))

    def next_batch():
        return corrupt_rows(train_rows[rng.integers(0, len(train_rows), batch)], tok, mixture, noise, rng)[0]
    return _train(model, lr, steps, eval_every, next_batch, eval_pairs, "pretrain", progress)


def _train(model, lr: float, steps: int, eval_every: int, next_batch, eval_pairs, prefix: str, progress) -> StageRun:
    """The loop both stages share: `steps` optimiser steps on `next_batch()`, `<prefix>/eval_loss` on
    `eval_pairs` every `eval_every` steps (and at the end), the final weights kept on the CPU."""
    opt, sched = _optimizer(model, lr, steps)
    run, t0 = StageRun({}), time.perf_counter()
    for step in range(steps + 1):
        m = {}
        if step > 0:
            m[f"{prefix}/loss"] = _step(model, opt, sched, next_batch())
        if step % eval_every == 0 or step == steps:
            m[f"{prefix}/eval_loss"] = mean_loss(model, eval_pairs)
            m["time/s"] = time.perf_counter() - t0
            run.history.log(step, m)
            progress(step, m)
    run.seconds = time.perf_counter() - t0
    run.state = {k: v.detach().cpu().clone() for k, v in model.state_dict().items()}
    return run


def encode_pairs(tok: HtmlTokenizer, examples: list[Example], kinds: tuple[str, ...], max_len: int,
                 max_target: int) -> list[tuple[list[int], list[int]]]:
    """Token pairs of every example for every task, inputs cut to `max_len` (the page's tail goes)."""
    out = []
    for ex in examples:
        for k in kinds:
            src, tgt = prompts(k, ex)
            out.append((tok.encode(src)[:max_len - 1] + [tok.eos_id], tok.encode(tgt)[:max_target - 1] + [tok.eos_id]))
    return out


def finetune(model, tok: HtmlTokenizer, train: list[Example], held: list[Example], kinds: tuple[str, ...],
             steps: int, batch: int, lr: float, max_len: int, max_target: int, seed: int, eval_every: int = 50,
             extra: list[tuple[str, Example]] = (), progress=lambda step, metrics: None) -> StageRun:
    """Multi-task fine-tuning on every (example, task) pair, tasks mixed uniformly (HTML-T5 is
    fine-tuned on planning and summarisation together, §3.2), plus `extra` (task, example) pairs
    (self-experience); `finetune/eval_loss` on held-out steps (training steps if none are held out)."""
    rng = np.random.default_rng(seed)
    pairs = encode_pairs(tok, train, kinds, max_len, max_target)
    for kind, ex in extra:
        pairs += encode_pairs(tok, [ex], (kind,), max_len, max_target)
    eval_pairs = encode_pairs(tok, (held or train)[:48], kinds, max_len, max_target)
    return _train(model, lr, steps, eval_every, lambda: [pairs[i] for i in rng.integers(0, len(pairs), batch)],
                  eval_pairs, "finetune", progress)


def generate(model, tok: HtmlTokenizer, texts: list[str], max_len: int, max_new: int, batch: int = 16) -> list[str]:
    """Greedy decoding, `batch` inputs at a time."""
    import torch

    model.eval()
    out = []
    with torch.no_grad():
        for i in range(0, len(texts), batch):
            enc = [(tok.encode(t)[:max_len - 1] + [tok.eos_id], [tok.eos_id]) for t in texts[i:i + batch]]
            x, mask, _ = _on(model, collate(enc))
            ids = model.generate(input_ids=x, attention_mask=mask, max_new_tokens=max_new, do_sample=False,
                                 num_beams=1, decoder_start_token_id=0, pad_token_id=0, eos_token_id=tok.eos_id)
            out.extend(tok.decode(row).strip() for row in ids.tolist())
    return out


def generate_beams(model, tok: HtmlTokenizer, text: str, max_len: int, max_new: int, beams: int) -> list[str]:
    """The `beams` best beam-search decodings of one input, best first (`beams` = 1: greedy)."""
    import torch

    if beams <= 1:
        return generate(model, tok, [text], max_len, max_new)
    model.eval()
    enc = [(tok.encode(text)[:max_len - 1] + [tok.eos_id], [tok.eos_id])]
    with torch.no_grad():
        x, mask, _ = _on(model, collate(enc))
        ids = model.generate(input_ids=x, attention_mask=mask, max_new_tokens=max_new, do_sample=False,
                             num_beams=beams, num_return_sequences=beams, decoder_start_token_id=0, pad_token_id=0,
                             eos_token_id=tok.eos_id, early_stopping=True)
    return [tok.decode(row).strip() for row in ids.tolist()]


def first_program(candidates: list[str]) -> tuple[str, int]:
    """(the first candidate the sandbox's grammar accepts, its rank), or (the first candidate, -1)
    when none compiles (the sandbox then refuses it with its reason)."""
    from workbench.web.program import ProgramError, compile_program

    for k, c in enumerate(candidates):
        try:
            compile_program(c)
            return c, k
        except ProgramError:
            continue
    return (candidates[0] if candidates else ""), -1


def correct(kind: str, predictions: list[str], examples: list[Example]) -> np.ndarray:
    """Per example 0/1: plan = the canonical sub-instruction exactly (whitespace-normalised);
    snippet = the set of refs exactly; program / act = the program text exactly."""
    out = []
    for p, ex in zip(predictions, examples):
        if kind == "snippet":
            out.append(parse_refs(p) == tuple(sorted(set(ex.refs))))
        else:
            _, tgt = prompts(kind, ex)
            out.append(" ".join(p.split()) == " ".join(tgt.split()))
    return np.asarray(out, dtype=float)


def accuracy(model, tok: HtmlTokenizer, examples: list[Example], kind: str, max_len: int, max_new: int) -> tuple[np.ndarray, list[str]]:
    """(0/1 per held-out example, predictions) for one task."""
    preds = generate(model, tok, [prompts(kind, ex)[0] for ex in examples], max_len, max_new)
    return correct(kind, preds, examples), preds
