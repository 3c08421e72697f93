"""Experiment 2: DPO vs GDPO fine-tuning of SmolLM2-135M-Instruct on AI-feedback soft labels.

Pipeline (the paper used PaLM 2-XS / PaLM 2-L, which this cannot match):
1. prompts from `task.make_prompts`; two responses per prompt sampled from the model itself through
   `workbench.llm` (temperature 0.9; its reply cache makes reruns free);
2. soft labels from `judge.judge_pair` (SmolLM2 judging, both orders) or from the checker (σ(Δr/T));
   each pair ordered so p̂ ≥ ½;
3. a short fine-tune per loss (`train_policy`), reference log-probs precomputed;
4. greedy responses of each policy and of the reference on held-out prompts, win rate by the checker.

Trainer. `llm_train_layers = k > 0` trains only the top k transformer blocks (and the final norm); the
frozen lower blocks never change, so their output for every sequence is computed once (together with the
reference log-probs) and each step runs only k blocks plus the LM head on the response tokens. That is the
measured choice for CPU (see benchmarks/gdpo_trainer.py); k = 0 fine-tunes the whole model with an ordinary
forward pass, the same computation as TRL's DPOTrainer. Sequence log-likelihoods are sums over the
response tokens plus the end-of-turn token (TRL's convention), not length-normalised.
"""
from __future__ import annotations

import copy
import time
from dataclasses import asdict, dataclass, field

import numpy as np
import torch

from workbench.papers.gdpo import judge as J
from workbench.papers.gdpo import losses as L
from workbench.papers.gdpo import task as T
from workbench.history import History, Progress, no_progress


# --- tokens ---------------------------------------------------------------------------------------
def encode(tokenizer, prompt_text: str, response: str) -> tuple[list[int], int]:
    """Token ids of chat-rendered prompt + response + end-of-turn, and the index of the first response
    token (the first token after the longest common prefix with the prompt alone)."""
    text = tokenizer.apply_chat_template([{"role": "user", "content": prompt_text}], tokenize=False,
                                         add_generation_prompt=True)
    p = tokenizer(text, add_special_tokens=False)["input_ids"]
    f = tokenizer(text + response, add_special_tokens=False)["input_ids"] + [tokenizer.eos_token_id]
    k = 0
    while k < min(len(p), len(f)) and p[k] == f[k]:
        k += 1
    return f, k


def collate(rows: list[list[int]], starts: list[int], pad_id: int):
    """Right-padded input_ids [B, T], attention mask [B, T] and response-token mask [B, T]."""
    width = max(len(r) for r in rows)
    ids = torch.full((len(rows), width), pad_id, dtype=torch.long)
    attn = torch.zeros((len(rows), width), dtype=torch.long)
    target = torch.zeros((len(rows), width), dtype=torch.bool)
    for b, (r, k) in enumerate(zip(rows, starts)):
        ids[b, :len(r)] = torch.tensor(r)
        attn[b, :len(r)] = 1
        target[b, k:len(r)] = True
    return ids, attn, target


def _token_logps(logits_at, ids, target) -> torch.Tensor:
    """Sum over response tokens of log p(token_t | tokens_<t); logits_at(sel) gives logits at the
    positions t−1 selected by `sel` [B, T−1]."""
    sel = target[:, 1:]
    logp = torch.log_softmax(logits_at(sel).float(), -1)
    tok = logp.gather(-1, ids[:, 1:][sel][:, None])[:, 0]
    rows = torch.arange(ids.shape[0])[:, None].expand_as(sel)[sel]
    return torch.zeros(ids.shape[0], dtype=tok.dtype).index_add(0, rows, tok)


def sequence_logps(model, ids, attn, target) -> torch.Tensor:
    """One ordinary forward pass of the whole model, [B] log-likelihoods. The LM head runs on the
    response positions only (a fifth of the tokens in the benchmark batch; the 49k-way head is a
    fifth of the model's FLOPs per token), the same values as slicing the full logits."""
    h = model.model(input_ids=ids, attention_mask=attn).last_hidden_state
    return _token_logps(lambda sel: model.lm_head(h[:, :-1][sel]), ids, target)


def _causal(attn: torch.Tensor, dtype) -> torch.Tensor:
    """Additive [B, 1, T, T] mask: causal, and no attention to padding (works for eager and sdpa)."""
    t = attn.shape[1]
    allowed = torch.tril(torch.ones(t, t, dtype=torch.bool))[None] & attn.bool()[:, None, :]
    allowed |= torch.eye(t, dtype=torch.bool)[None]  # padded rows attend to themselves (no NaN)
    return torch.zeros(allowed.shape, dtype=dtype).masked_fill(~allowed, torch.finfo(dtype).min)[:, None]


def _blocks(model, h, attn, layers):
    base = model.model
    pos = torch.arange(h.shape[1])[None]
    pe = base.rotary_emb(h, pos)
    mask = _causal(attn, h.dtype)
    for layer in layers:
        out = layer(h, attention_mask=mask, position_ids=pos, position_embeddings=pe)
        h = out[0] if isinstance(out, tuple) else out
    return h


@torch.no_grad()
def frozen_hidden(model, ids, attn, n_train: int) -> torch.Tensor:
    """Hidden states entering the top `n_train` blocks (the frozen part), [B, T, d]."""
    layers = model.model.layers
    return _blocks(model, model.model.embed_tokens(ids), attn, layers[:len(layers) - n_train])


def top_logps(model, hidden, ids, attn, target, n_train: int) -> torch.Tensor:
    """[B] log-likelihoods from cached frozen hidden states: top blocks, final norm, LM head on the
    response positions only."""
    layers = model.model.layers
    h = model.model.norm(_blocks(model, hidden, attn, layers[len(layers) - n_train:]))
    return _token_logps(lambda sel: model.lm_head(h[:, :-1][sel]), ids, target)


# --- training ------------------------------------------------------------------------------------
@dataclass
class PairData:
    """Encoded pairs: sequences interleaved [y₁ of pair 0, y₂ of pair 0, y₁ of pair 1, ...]."""
    ids: torch.Tensor
    attn: torch.Tensor
    target: torch.Tensor
    p_hat: torch.Tensor               # [P]
    ref_logps: torch.Tensor           # [2P]
    hidden: torch.Tensor | None       # [2P, T, d] frozen hidden states (partial training), else None


def prepare(base_model, tokenizer, pairs: list[dict], n_train: int, chunk: int = 16) -> PairData:
    """Encode pairs ({'prompt', 'y1', 'y2', 'p_hat'}), precompute reference log-probs and frozen states."""
    rows, starts = [], []
    for p in pairs:
        for y in (p["y1"], p["y2"]):
            r, k = encode(tokenizer, p["prompt"], y)
            rows.append(r), starts.append(k)
    ids, attn, target = collate(rows, starts, tokenizer.pad_token_id)
    refs, hidden = [], []
    base_model.eval()
    with torch.no_grad():
        for i in range(0, len(rows), chunk):
            sl = slice(i, i + chunk)
            if n_train > 0:
                h = frozen_hidden(base_model, ids[sl], attn[sl], n_train)
                hidden.append(h)
                refs.append(top_logps(base_model, h, ids[sl], attn[sl], target[sl], n_train))
            else:
                refs.append(sequence_logps(base_model, ids[sl], attn[sl], target[sl]))
    p_hat = torch.tensor([float(p["p_hat"]) for p in pairs])
    return PairData(ids, attn, target, p_hat, torch.cat(refs), torch.cat(hidden) if hidden else None)


def make_policy(base_model, n_train: int):
    """A trainable copy of the base model: only the top n_train blocks and the final norm train
    (n_train = 0: everything)."""
    policy = copy.deepcopy(base_model)
    policy.train()
    if n_train > 0:
        policy.requires_grad_(False)
        for layer in policy.model.layers[len(policy.model.layers) - n_train:]:
            layer.requires_grad_(True)
        policy.model.norm.requires_grad_(True)
    else:
        policy.requires_grad_(True)
    return policy


def policy_logps(policy, data: PairData, seq: torch.Tensor, n_train: int) -> torch.Tensor:
    ids, attn, target = data.ids[seq], data.attn[seq], data.target[seq]
    width = int(attn.sum(1).max())  # trim the batch to its own longest sequence
    ids, attn, target = ids[:, :width], attn[:, :width], target[:, :width]
    if n_train > 0:
        return top_logps(policy, data.hidden[seq][:, :width], ids, attn, target, n_train)
    return sequence_logps(policy, ids, attn, target)


class PreferenceStep:
    """One optimizer step of the preference loss: `step(pairs_idx)` -> metrics of the loss it
    stepped on (train/loss, train/margin (β·h), train/accuracy, train/chosen_logratio (log π/π_ref of y₁));
    `evaluate(pairs_idx)` the same metrics without a step. Adam (PyTorch's fused CPU kernel: one pass
    over the parameters instead of a dozen elementwise ops per tensor)."""

    def __init__(self, policy, data: PairData, loss_type: str, beta: float, lr: float, n_train: int,
                 alpha: float = L.ROPO_ALPHA, gamma: float = L.ROPO_GAMMA):
        self.policy, self.data, self.loss_type = policy, data, L.check_loss_type(loss_type)
        self.beta, self.n_train, self.alpha, self.gamma = beta, n_train, alpha, gamma
        self.opt = torch.optim.Adam([p for p in policy.parameters() if p.requires_grad], lr=lr, fused=True)

    def _loss(self, pairs_idx):
        pairs_idx = np.asarray(pairs_idx)
        seq = torch.from_numpy(np.stack([2 * pairs_idx, 2 * pairs_idx + 1], 1).reshape(-1))
        logp = policy_logps(self.policy, self.data, seq, self.n_train)
        ref = self.data.ref_logps[seq]
        loss, m = L.preference_loss(self.loss_type, logp[0::2], logp[1::2], ref[0::2], ref[1::2],
                                    self.data.p_hat[torch.from_numpy(pairs_idx)], self.beta, self.alpha, self.gamma)
        return loss, {"train/loss": float(loss.detach()), "train/margin": m["rewards/margins"],
                      "train/accuracy": m["rewards/accuracies"],
                      "train/chosen_logratio": float((logp[0::2] - ref[0::2]).mean().detach())}

    def evaluate(self, pairs_idx) -> dict[str, float]:
        with torch.no_grad():
            return self._loss(pairs_idx)[1]

    def __call__(self, pairs_idx) -> dict[str, float]:
        loss, metrics = self._loss(pairs_idx)
        self.opt.zero_grad()
        loss.backward()
        self.opt.step()
        return metrics


def train_policy(policy, data: PairData, loss_type: str, beta: float, lr: float, batch_pairs: int,
                 epochs: int, n_train: int, seed: int = 0, progress: Progress = no_progress,
                 alpha: float = L.ROPO_ALPHA, gamma: float = L.ROPO_GAMMA) -> History:
    """Adam on the preference loss (`PreferenceStep`); `progress(step, metrics)` at step 0 (before
    training, on the first `batch_pairs` pairs) and after every step."""
    history = History()
    step_fn = PreferenceStep(policy, data, loss_type, beta, lr, n_train, alpha, gamma)
    n_pairs = len(data.p_hat)
    rng = np.random.default_rng(seed)
    step, t0 = 0, time.time()
    metrics = step_fn.evaluate(np.arange(min(n_pairs, batch_pairs)))
    history.log(0, metrics), progress(0, metrics)
    for _ in range(epochs):
        order = rng.permutation(n_pairs)
        for i in range(0, n_pairs, batch_pairs):
            metrics = step_fn(order[i:i + batch_pairs])
            step += 1
            metrics["time/steps_per_s"] = step / (time.time() - t0)
            history.log(step, metrics), progress(step, metrics)
    policy.eval()
    return history


@torch.inference_mode()
def generate_greedy(model, tokenizer, prompts: list[str], max_new_tokens: int, batch: int = 8) -> list[str]:
    """Greedy replies of a (possibly fine-tuned) torch model, chat template applied, left padding."""
    model.eval()
    out = []
    for i in range(0, len(prompts), batch):
        rows = [tokenizer(tokenizer.apply_chat_template([{"role": "user", "content": p}], tokenize=False,
                                                        add_generation_prompt=True),
                          add_special_tokens=False)["input_ids"] for p in prompts[i:i + batch]]
        width, pad = max(len(r) for r in rows), tokenizer.pad_token_id
        ids = torch.tensor([[pad] * (width - len(r)) + r for r in rows])
        mask = torch.tensor([[0] * (width - len(r)) + [1] * len(r) for r in rows])
        gen = model.generate(input_ids=ids, attention_mask=mask, max_new_tokens=max_new_tokens, do_sample=False,
                             pad_token_id=pad, eos_token_id=tokenizer.eos_token_id, top_p=None, top_k=None,
                             temperature=None)
        out += [tokenizer.decode(row, skip_special_tokens=True) for row in gen[:, width:]]
    return out


# --- the experiment ------------------------------------------------------------------------------
@dataclass
class LMResult:
    pairs: list[dict]                              # prompt, word, y1, y2, r1, r2, p_hat, judge fields
    eval_prompts: list[dict]
    reference: list[str]                           # greedy reference responses on held-out prompts
    policies: dict[str, list[str]] = field(default_factory=dict)      # loss -> greedy responses
    histories: dict[str, History] = field(default_factory=dict)
    metrics: dict[str, float] = field(default_factory=dict)
    timings_s: dict[str, float] = field(default_factory=dict)


def sample_pairs(cfg, llm, prompts: list[T.Prompt]) -> list[dict]:
    """Two sampled responses per prompt, checker rewards and the judge's order-averaged verdict; each pair
    ordered so that its training label p̂ ≥ ½ (judge or truth, `cfg.llm_label_source`)."""
    kw = dict(max_new_tokens=cfg.llm_max_new_tokens, temperature=cfg.llm_temperature)
    a = llm.generate_batch([p.text for p in prompts], seed=2 * cfg.seed + 1, **kw)
    b = llm.generate_batch([p.text for p in prompts], seed=2 * cfg.seed + 2, **kw)
    pairs = []
    for p, y1, y2 in zip(prompts, a, b):
        v = J.judge_pair(llm, p, y1, y2)
        r1, r2 = T.reward(y1, p.word), T.reward(y2, p.word)
        truth = T.truth_label(r1, r2, cfg.llm_truth_temperature)
        label = v.p_hat if cfg.llm_label_source == "judge" else truth
        rec = dict(prompt=p.text, word=p.word, y1=y1, y2=y2, r1=r1, r2=r2, p_judge=v.p_hat, p_truth=truth,
                   p_a_forward=v.p_a_forward, p_a_swapped=v.p_a_swapped, p_hat=label)
        if label < 0.5:  # reorder so that p̂ ≥ ½ (the paper's convention)
            rec.update(y1=y2, y2=y1, r1=r2, r2=r1, p_judge=1 - v.p_hat, p_truth=1 - truth,
                       p_a_forward=v.p_a_swapped, p_a_swapped=v.p_a_forward, p_hat=1 - label)
        pairs.append(rec)
    return pairs


def run(cfg, progress: Progress = no_progress, llm=None) -> LMResult:
    """The whole Experiment 2. Sampled pairs and judge calls are cached by workbench.llm; trained-policy
    outputs are cached by `workbench.cache` under gdpo/lm (keyed by every llm_* setting)."""
    from workbench.llm import get_llm

    threads = torch.get_num_threads()
    torch.set_num_threads(cfg.torch_threads)
    try:
        t0 = time.time()
        llm = llm or get_llm(cfg.llm_spec)
        return _run(cfg, progress, llm, time.time() - t0)
    finally:
        torch.set_num_threads(threads)


def _run(cfg, progress: Progress, llm, load_s: float) -> LMResult:
    from workbench.cache import cached

    t0 = time.time() - load_s
    timings = {"load_s": load_s}
    train_prompts = T.make_prompts(cfg.llm_train_prompts, seed=cfg.seed)
    eval_prompts = T.make_prompts(cfg.llm_eval_prompts, seed=cfg.seed, offset=cfg.llm_train_prompts)
    t = time.time()
    pairs = sample_pairs(cfg, llm, train_prompts)
    timings["pairs_and_judge_s"] = time.time() - t
    desc = {k: v for k, v in asdict(cfg).items() if k.startswith("llm_") or k in ("seed", "ropo_alpha", "ropo_gamma")}
    desc["pairs"] = [(p["y1"], p["y2"], round(p["p_hat"], 6)) for p in pairs]
    trained = cached("gdpo/lm", desc, lambda: _train_and_generate(cfg, llm, pairs, eval_prompts, progress))
    result = LMResult(pairs, [asdict(p) for p in eval_prompts], trained["reference"], trained["policies"],
                      {k: History.from_dict(h) for k, h in trained["histories"].items()},
                      timings_s={**timings, **trained["timings_s"], "total_s": time.time() - t0})
    result.metrics = summarize(result)
    return result


def _base_model(llm, spec: str):
    """The base model to fine-tune: a copy of the judge's own in-process model when there is one
    (saves a second GGUF load), else `workbench.llm.hf.load_model`."""
    model, tokenizer = getattr(llm, "model", None), getattr(llm, "tokenizer", None)
    if model is None or tokenizer is None:
        from workbench.llm.hf import load_model
        model, tokenizer = load_model(spec)
    model = copy.deepcopy(model)
    model.requires_grad_(False)
    return model, tokenizer


def _train_and_generate(cfg, llm, pairs, eval_prompts, progress) -> dict:
    timings = {}
    base, tokenizer = _base_model(llm, cfg.llm_spec)
    n_train = cfg.llm_train_layers
    t = time.time()
    data = prepare(base, tokenizer, pairs, n_train)
    timings["prepare_s"] = time.time() - t
    texts = [p.text for p in eval_prompts]
    t = time.time()
    reference = generate_greedy(base, tokenizer, texts, cfg.llm_max_new_tokens)
    timings["generate_reference_s"] = time.time() - t
    policies, histories = {}, {}
    for loss_type in cfg.llm_losses:
        policy = make_policy(base, n_train)
        t = time.time()
        prefix = lambda step, m, lt=loss_type: progress(step, {f"{lt}/{k.split('/', 1)[1]}": v for k, v in m.items()})
        hist = train_policy(policy, data, loss_type, cfg.llm_beta, cfg.llm_lr, cfg.llm_batch_pairs, cfg.llm_epochs,
                            n_train, cfg.seed, prefix, cfg.ropo_alpha, cfg.ropo_gamma)
        timings[f"train_{loss_type}_s"] = time.time() - t
        t = time.time()
        policies[loss_type] = generate_greedy(policy, tokenizer, texts, cfg.llm_max_new_tokens)
        timings[f"generate_{loss_type}_s"] = time.time() - t
        histories[loss_type] = hist.to_dict()
        del policy
    return {"reference": reference, "policies": policies, "histories": histories, "timings_s": timings}


def summarize(res: LMResult) -> dict[str, float]:
    """Judge quality (accuracy, ECE, position bias, mean p̂) and each policy's win rate vs the reference."""
    p = res.pairs
    cal = J.calibration([x["p_judge"] for x in p], [x["r1"] for x in p], [x["r2"] for x in p])
    m = {"judge_accuracy": cal["accuracy"], "judge_ece": cal["ece"], "judge_pairs_decidable": cal["n"],
         "judge_position_bias": float(np.mean([0.5 * (x["p_a_forward"] + x["p_a_swapped"]) - 0.5 for x in p])),
         "judge_mean_confidence": float(np.mean([x["p_judge"] for x in p])),
         "pairs_reward_rate": float(np.mean([x["r1"] for x in p] + [x["r2"] for x in p]))}
    ref_r = np.array([T.reward(y, e["word"]) for y, e in zip(res.reference, res.eval_prompts)])
    m["reference_reward_rate"] = float(np.mean(ref_r))
    for loss_type, outs in res.policies.items():
        r = [T.reward(y, e["word"]) for y, e in zip(outs, res.eval_prompts)]
        m[f"{loss_type}_reward_rate"] = float(np.mean(r))
        m[f"{loss_type}_win_rate"] = T.win_rate(r, ref_r)
        outcome = (np.asarray(r) > ref_r) + 0.5 * (np.asarray(r) == ref_r)   # per-prompt score in {0, ½, 1}
        m[f"{loss_type}_win_rate_se"] = float(outcome.std(ddof=1) / np.sqrt(len(r))) if len(r) > 1 else float("nan")
        m[f"{loss_type}_changed_frac"] = float(np.mean([a != b for a, b in zip(outs, res.reference)]))
    return m
