"""GDT settings. Defaults are the `cpu` scale (cached data from the shipped policies, short GPT training);
no heavy imports."""
from __future__ import annotations

from dataclasses import dataclass

from workbench.scales import PaperConfig

METHODS = ("dt", "cdt", "bdt", "fdt")   # fdt: the feature-sum DT (official `--distributions deterministic`)
FEATURES = ("xvel", "reward")


@dataclass(frozen=True)
class Config(PaperConfig):
    # data: the shipped runner policies (data/gdt) rolled out once and cached, or a dataset file
    dataset: str = ""                    # a sim-layer dataset .npz (path from the repo root) instead of rolling out
    max_policies: int = 0                # 0 = every shipped policy; n = n of them evenly spread (smoke)
    episodes_per_policy: int = 48        # 14 policies (12 checkpoints, 2 speed) x 48 x 500 steps = 336k transitions (the paper: D4RL 1-2M)
    episode_length: int = 500            # steps (25 s); halves rollout and target cost vs D4RL's 1000
    data_seed: int = 0                   # rollout noise of the dataset
    # protocol (eval_cdt.py): held-out targets ranked by return, plus synthetic bimodal ones
    n_best: int = 5                      # top-5 returns held out ("best")
    n_median: int = 5                    # 5 around the median held out ("50%")
    bimodal_slow: tuple[float, ...] = (0.1, 0.3)   # speed quantile of the slow half of each bimodal target
    bimodal_fast: tuple[float, ...] = (0.9, 0.95)  # speed quantile of its fast half
    # hindsight features
    cond_feature: str = "xvel"           # CDT's Phi: x-velocity (obs[8]) or reward
    eval_feature: str = "xvel"           # the feature whose W1 the claims judge
    num_bins: int = 30                   # CDT: 31 edges over the train split's range -> 30 bins
    gamma: float = 1.0                   # CDT histogram discount (official default 1)
    rtg_scale: float = 1000.0            # DT: return-to-go / 1000 (official `scale`)
    feature_scale: float = 1000.0        # feature-sum DT: future sum of the CDT feature / 1000 (official: / max_ep_len)
    z_dim: int = 16                      # BDT: README's --z_dim 16
    # GPT: the paper's K and head count; width 64 and 2 layers on CPU (the paper: 128 and 3), because one
    # update of the paper's size at batch 64 costs ~0.4 s on a free core (~14 GFLOP), 6x this one
    context: int = 20                    # K
    width: int = 64                      # embedding (paper 128)
    layers: int = 2                      # paper 3
    heads: int = 1                       # paper: 1 head
    dropout: float = 0.1                 # paper: 0.1
    max_ep_len: int = 1000               # timestep embedding rows (>= episode_length)
    # optimisation: the paper's AdamW; far fewer updates (100k in the paper)
    learning_rate: float = 1e-3          # official 1e-4 over 100k updates; 1e-3 for a 60x shorter run of a smaller net
    weight_decay: float = 1e-4           # official
    warmup_steps: int = 100              # official 10k of 100k; scaled to the short run
    batch_size: int = 32                 # official 64; halved for time (8 trainings in the budget)
    updates: int = 1000                  # per model and seed (official 100k)
    eval_every: int = 250                # loss reports (averaged over eval_batches held batches)
    eval_batches: int = 4                # held batches averaged per loss report (no single noisy batch)
    # evaluation
    methods: tuple[str, ...] = METHODS   # DT, CDT, BDT, feature-sum DT: the claims need all four
    n_seeds: int = 2                     # training seeds per method (the claims' intervals are over seeds and rollouts)
    rollouts_per_target: int = 10        # the paper: 20 (pooled into one histogram per target); 10 fits the cpu budget
    eval_steps: int = 500                # rollout length = the targets' length
    viewer_steps: int = 150              # steps of the CDT rollout shown in the offline viewer
    diag_windows: int = 512              # train-split windows of the BDT diagnosis (diagnose.py; ~10 s at cpu scale)
    workers: int = 2                     # (method, seed) models trained and rolled out side by side in processes, one
                                         # core each (torch on one thread is compute-bound; the models are independent)

    def check(self):
        if self.dataset:
            from workbench.paths import REPO_ROOT
            from pathlib import Path
            self.require((REPO_ROOT / Path(self.dataset)).is_file(), f"dataset={self.dataset!r}: no such file")
        self.members("methods", METHODS)
        self.nonempty("methods")
        self.members("cond_feature", FEATURES)
        self.members("eval_feature", FEATURES)
        self.at_least(0, "max_policies", "data_seed")
        self.at_least(1, "n_best", "n_median", "n_seeds", "rollouts_per_target", "heads", "layers")
        self.at_least(2, "num_bins", "episodes_per_policy")
        self.positive("episode_length", "rtg_scale", "feature_scale", "z_dim", "context", "width", "learning_rate", "batch_size",
                      "updates", "eval_every", "eval_batches", "eval_steps", "viewer_steps", "diag_windows", "workers")
        self.at_least(0.0, "weight_decay", "warmup_steps")
        self.between("dropout", 0.0, 1.0, open_high=True)
        self.between("gamma", 0.0, 1.0, open_low=True)
        self.between("bimodal_slow", 0.0, 1.0)
        self.between("bimodal_fast", 0.0, 1.0)
        self.require(len(self.bimodal_slow) == len(self.bimodal_fast),
                     f"bimodal_slow {self.bimodal_slow} and bimodal_fast {self.bimodal_fast} need the same length")
        self.require(all(s < f for s, f in zip(self.bimodal_slow, self.bimodal_fast)),
                     "each bimodal_slow quantile must be below its bimodal_fast quantile")
        self.require(self.width % self.heads == 0, f"width={self.width} must divide by heads={self.heads}")
        self.require(self.episode_length > self.context, f"episode_length={self.episode_length} must exceed context={self.context}")
        self.require(self.max_ep_len >= self.episode_length, f"max_ep_len={self.max_ep_len} must be >= episode_length")
        self.require(self.eval_steps <= self.episode_length, f"eval_steps={self.eval_steps} must be <= episode_length")


SCALES = {
    "smoke": {"dataset": "data/gdt/smoke_dataset.npz", "max_policies": 2, "episodes_per_policy": 6, "episode_length": 60, "n_best": 2, "n_median": 2,
              "bimodal_slow": (0.1,), "bimodal_fast": (0.9,), "context": 5, "width": 32, "layers": 1,
              "max_ep_len": 64, "warmup_steps": 5, "updates": 20, "eval_every": 10, "eval_batches": 1,
              "batch_size": 16, "n_seeds": 1, "rollouts_per_target": 2, "eval_steps": 40, "viewer_steps": 20,
              "diag_windows": 64, "workers": 1},
    "cpu": {},
    "paper": {"episodes_per_policy": 100, "episode_length": 1000, "eval_steps": 1000, "warmup_steps": 10_000,
              "updates": 100_000, "eval_every": 10_000,
              "width": 128, "layers": 3, "learning_rate": 1e-4, "batch_size": 64, "eval_batches": 20, "n_seeds": 3, "rollouts_per_target": 20,
              "viewer_steps": 300},
}

COST = {  # wall time of one run at each scale, as measured
    "smoke": "38 CPU-s with 4 methods (220 s wall on 2 cores at load ~27, shipped dataset)",
    "cpu": "~11-12 min on 2 quiet cores estimated from ~1250 CPU-s (2 workers, dataset cached; +64 CPU-s to roll it out); not yet timed end to end on quiet cores",
    "paper": "not run: 100k updates x 4 methods x 3 seeds, width 128 x 3 layers; GPU hours",
}
