"""GDPO (arXiv 2409.06691) at CPU scale: the bandit (Experiment 1) and SmolLM2 with an AI judge
(Experiment 2). Defaults are the `cpu` scale. No heavy imports here (read by `workbench list`)."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from workbench.scales import PaperConfig

LOSS_TYPES = ("dpo", "cdpo", "gdpo", "ipo", "cipo", "gipo", "ropo", "gropo")   # as losses.LOSS_TYPES (a test checks)


@dataclass(frozen=True)
class Config(PaperConfig):
    seed: int = 0                        # bandit pairs and labels, LLM sampling and the prompt split
    torch_threads: int = 1               # measured: on the shared 2-core box 2 threads made LM generation 7x slower
    # --- loss surfaces / gradient-weight figures -------------------------------------------------
    surface_beta: float = 1.0            # β of the static surface figures; the widget lets you change it
    ropo_alpha: float = 0.2              # ROPO α: the paper's value is unverified; one third-party impl uses 0.2
    ropo_gamma: float = 0.1              # ROPO γ: likewise 0.1
    # --- Experiment 1: the 1-D bandit of the paper's Fig. 1-right ----------------------------------
    bandit_actions: int = 100            # K = 100 actions, as in Fig. 1
    bandit_pairs: int = 1000             # N pairs drawn from μ; enough that every action appears
    bandit_steps: int = 2000             # full-batch Adam steps; preliminary runs had converged by 2000
    bandit_optimizer: Literal["adam", "sgd"] = "adam"  # the paper's bandit optimiser is not known
    bandit_lr: float = 0.05              # Adam lr on the tabular logits
    bandit_eval_every: int = 50          # 41 evaluation points per run: smooth curves, negligible cost
    bandit_eval_log_points: int = 40     # plus this many log-spaced early steps: the KL <= 1 stretch of a trajectory lasts ~50-150 Adam steps, so the matched-KL comparison needs points there
    bandit_beta: float = 1.0             # β of the headline comparison
    bandit_temperature: float = 1.0      # label temperature T in p̂ = σ(Δr/T); T = 1 makes most labels modest
    bandit_label_noise: float = 0.0      # std of judge noise added to Δr/T before σ (0 = exact Bradley–Terry)
    bandit_betas: tuple[float, ...] = (0.1, 0.5, 1.0)          # the β sweep
    bandit_temperatures: tuple[float, ...] = (0.25, 0.5, 1.0)  # the T sweep: shapes the p̂ histogram
    bandit_seeds: int = 5                # seeds per setting (new pairs and sampled-rater labels per seed)
    bandit_study_adam_lrs: tuple[float, ...] = (0.005, 0.05, 0.5)   # optimiser study: Adam lrs
    bandit_study_sgd_lrs: tuple[float, ...] = (1.0, 10.0, 100.0)    # plain SGD lrs (per-logit grads are ~1e-3)
    bandit_study_seeds: int = 2          # seeds per study setting (the study is a diagnosis, not a verdict)
    bandit_study_betas: tuple[float, ...] = (0.1, 1.0)  # β of the optimiser study: the headline β and the weak anchor where over-optimisation shows
    bandit_methods: tuple[str, ...] = ("dpo", "dpo-sampled", "cdpo", "gdpo", "ipo", "cipo", "gipo",
                                       "ropo", "gropo")  # `loss` or `loss-sampled` (one sampled rater)
    # --- Experiment 2: SmolLM2-135M-Instruct, an include-the-word task, likelihood judge ----------
    llm_spec: str = "smollm2"            # workbench.llm spec of policy, reference and judge
    llm_train_prompts: int = 32          # pairs for fine-tuning: a few dozen keeps the cpu budget
    llm_eval_prompts: int = 24           # held-out prompts for the win rate against the reference
    llm_max_new_tokens: int = 24         # one short sentence; 48 (paper scale) doubles every cost
    llm_temperature: float = 0.9         # sampling temperature of the pairs
    llm_beta: float = 0.1                # DPO β for the LM
    llm_lr: float = 1e-4                 # above a full fine-tune's 5e-6..1e-5: only the top 2 blocks train, for few steps
    llm_batch_pairs: int = 8             # pairs per step
    llm_epochs: int = 2                  # passes over the pairs
    llm_train_layers: int = 2            # top transformer blocks trained (0 = full model); measured choice
    llm_label_source: Literal["judge", "truth"] = "judge"  # "judge" (AI feedback p̂) or "truth" (p̂ = σ(Δr/T) from the checker)
    llm_truth_temperature: float = 0.5   # T for truth labels
    llm_losses: tuple[str, ...] = ("dpo", "gdpo")  # the paper's Experiment 2 pair: DPO against GDPO

    def check(self):
        self.at_least(0, "seed", "llm_train_layers")
        self.positive("torch_threads", "bandit_pairs", "bandit_steps", "bandit_lr", "bandit_eval_every",
                      "bandit_seeds", "bandit_study_seeds", "llm_train_prompts", "llm_eval_prompts", "llm_max_new_tokens",
                      "llm_batch_pairs", "llm_epochs", "llm_lr")
        self.at_least(2, "bandit_actions")
        self.at_least(0, "bandit_eval_log_points")
        self.positive("bandit_study_betas")
        self.positive("surface_beta", "bandit_beta", "bandit_temperature", "bandit_betas", "bandit_temperatures",
                      "bandit_study_adam_lrs", "bandit_study_sgd_lrs", "llm_temperature", "llm_beta", "llm_truth_temperature")
        self.at_least(0.0, "ropo_alpha", "ropo_gamma", "bandit_label_noise")
        self.nonempty("bandit_betas", "bandit_temperatures", "bandit_methods", "llm_losses")
        self.members("bandit_methods", [m + s for m in LOSS_TYPES for s in ("", "-sampled")])
        self.members("llm_losses", LOSS_TYPES)
        self.loadable_llm("llm_spec")
        self.require(self.bandit_beta in self.bandit_betas and self.bandit_temperature in self.bandit_temperatures,
                     "bandit_beta must be one of bandit_betas and bandit_temperature one of bandit_temperatures "
                     "(the headline run is a cell of the sweep)")


SCALES = {
    "smoke": dict(bandit_pairs=200, bandit_steps=200, bandit_eval_every=50, bandit_betas=(1.0,),
                  bandit_temperatures=(1.0,), bandit_seeds=2,
                  bandit_study_adam_lrs=(0.05,), bandit_study_sgd_lrs=(10.0,), bandit_study_seeds=1,
                  bandit_study_betas=(1.0,), bandit_eval_log_points=5,
                  bandit_methods=("dpo", "dpo-sampled", "cdpo", "gdpo"),
                  llm_train_prompts=4, llm_eval_prompts=2, llm_max_new_tokens=8, llm_batch_pairs=4,
                  llm_epochs=1),
    "cpu": {},
    "paper": dict(bandit_seeds=10, llm_train_prompts=400, llm_eval_prompts=200, llm_max_new_tokens=48,
                  llm_lr=5e-6, llm_epochs=1, llm_train_layers=0),
}

COST = {  # wall time of one run at each scale, as measured
    "smoke": "about 95 s on 2 shared cores with empty caches (45 s of it loading the model); 21 s warm",
    "cpu": "1513 s wall at load ~30 on 2 shared cores, 182 CPU-s (model conversion cached); about 5 min on 2 quiet cores",
    "paper": "not run: 10 bandit seeds, 400 LLM pairs, full fine-tune; hours on CPU, meant for a GPU",
}
