"""RT-X-mini settings. Defaults are the `cpu` scale (<= 15 min on 2 cores with the datasets cached); no heavy imports."""
from __future__ import annotations

from dataclasses import dataclass

from workbench.scales import PaperConfig

ARM_NAMES = ("panda7", "ur6", "widow5", "scara4", "kuka7", "planar3")   # workbench.sim.arms.ARMS (no MuJoCo import here)


@dataclass(frozen=True)
class Config(PaperConfig):
    # the mixture (Sec. III): data-rich robots stand for RT-1 / Bridge, data-poor ones for the small lab datasets
    rich_robots: tuple[str, ...] = ("panda7", "widow5", "kuka7")   # eef_delta 10 Hz, eef_delta 5 Hz, eef_velocity 5 Hz
    poor_robots: tuple[str, ...] = ("scara4", "ur6", "planar3")    # joint_delta 4-DoF, eef_abs yawed base, 3-DoF 5 Hz
    rich_episodes: int = 240             # per data-rich robot (paper scale: 1000); 240 keeps generation ~3 min
    poor_episodes: int = 40              # per data-poor robot (paper scale: 50)
    expert_noise: float = 0.005          # m of Gaussian noise on each scripted displacement
    data_seed: int = 0                   # expert and start-state seeds of the datasets
    skill_source: str = "panda7"         # the only robot whose data shows pick_place (Bridge's role in Table II)
    skill_target: str = "scara4"         # where pick_place is tested (the Google robot's role)
    # standardisation (Sec. IV): per-dataset normalisation then uniform bins
    bins: int = 256                      # RT-1 / RT-1-X paper: 256 bins per action dimension
    norm_quantile: float = 1.0           # percent cut at each end: p1-p99 -> [-1, 1] (the paper does not say which statistic)
    mixture_temperature: float = 0.5     # dataset weight ~ frames ** T: 0.5 lifts the small datasets, like RT-X's hand weights
    # RT-1-mini (model.py)
    history: int = 4                     # steps of history (RT-1: 6 images, RT-1-X: 15)
    ablation_history: int = 2            # the history ablation's mixture against one with the current step only
                                         # (Table II rows 4-5: RT-2-X 5B with 2 frames against none)
    d_small: int = 64                    # the "RT-1-X" size that should underfit the mixture on data-rich robots
    layers_small: int = 2                # with d_small: ~0.1M parameters
    d_large: int = 128                   # the larger model (RT-2-X's role in Table I)
    layers_large: int = 3                # with d_large: ~0.6M parameters, 6x the small one
    heads: int = 4                       # attention heads in both sizes
    dropout: float = 0.1                 # RT-1 uses dropout 0.1 in its Transformer
    train_steps: int = 1600              # AdamW steps per model, ~24 ms CPU each (small, batch 64); 800 left every policy
                                         # below 25% success (measured), 1500 at batch 128 reached 31-56% on panda7 reach
    batch_size: int = 64                 # windows per step (each trains `history` predictions)
    lr: float = 2e-3                     # small models and few steps take a large step; cosine decay to 0
    # evaluation and claims
    eval_episodes: int = 12              # closed-loop episodes per (model, robot, task) cell, fresh start states
    eval_horizon: float = 1.0            # fraction of each task's step limit (reach 6 s, push and pick_place 15 s)
    eval_seed: int = 100_000             # env seeds eval_seed + i: disjoint from the datasets' seeds
    seeds: int = 1                       # training seeds of every plan (13 models); the first four claims bootstrap
                                         # over (seed, cell, episode) units, the *-by-seed claims resample seeds
    poor_seeds: int = 3                  # training seeds of the data-poor experiment: the seeds past `seeds` train the
                                         # poor robots' own models and the small mixture and evaluate them on the poor
                                         # robots; mixture-helps-poor-by-seed resamples these seeds
    rich_seeds: int = 3                  # training seeds of the data-rich experiment at matched epochs: the seeds past
                                         # `seeds` train the rich robots' own models and the epoch-matched mixture
                                         # and evaluate them on the rich robots
    seed: int = 0                        # first training seed
    workers: int = 2                     # models trained side by side in processes, one core each (torch on one
                                         # thread is compute-bound; the models are independent)
    bootstrap: int = 1000                # replicates per measured success rate
    browser_episodes: int = 3            # episodes per robot in the episode browser

    @property
    def robots(self) -> tuple[str, ...]:
        return self.rich_robots + self.poor_robots

    def check(self):
        self.nonempty("rich_robots", "poor_robots")
        self.members("rich_robots", ARM_NAMES, "robot")
        self.members("poor_robots", ARM_NAMES, "robot")
        self.require(not set(self.rich_robots) & set(self.poor_robots),
                     f"rich_robots and poor_robots share {sorted(set(self.rich_robots) & set(self.poor_robots))}")
        self.require(self.skill_source in self.robots, f"skill_source={self.skill_source!r}: must be one of the robots")
        self.require(self.skill_target in self.robots and self.skill_target != self.skill_source,
                     f"skill_target={self.skill_target!r}: must be another of the robots")
        self.positive("rich_episodes", "poor_episodes", "history", "d_small", "layers_small", "d_large",
                      "layers_large", "heads", "train_steps", "batch_size", "lr", "eval_episodes", "eval_horizon", "seeds",
                      "poor_seeds", "rich_seeds", "ablation_history", "bootstrap", "browser_episodes", "workers")
        self.at_least(0.0, "expert_noise", "mixture_temperature")
        self.at_least(0, "data_seed", "seed", "eval_seed")
        self.at_least(2, "bins")
        self.between("norm_quantile", 0.0, 25.0, open_high=True)
        self.between("dropout", 0.0, 1.0, open_high=True)
        self.require(self.d_small % self.heads == 0 and self.d_large % self.heads == 0,
                     f"d_small={self.d_small} and d_large={self.d_large} must be multiples of heads={self.heads}")


SCALES = {
    "smoke": {"rich_robots": ("panda7",), "poor_robots": ("scara4",), "rich_episodes": 6, "poor_episodes": 4,
              "train_steps": 30, "batch_size": 32, "d_large": 64, "layers_large": 2, "eval_episodes": 2,
              "eval_horizon": 0.2, "seeds": 1, "poor_seeds": 1, "rich_seeds": 1, "bootstrap": 100, "browser_episodes": 2,
              "workers": 1},
    "cpu": {},
    "paper": {"rich_episodes": 1000, "poor_episodes": 50, "d_small": 128, "layers_small": 4, "d_large": 256,
              "layers_large": 8, "history": 6, "train_steps": 20_000, "batch_size": 256, "lr": 3e-4,
              "eval_episodes": 50, "seeds": 3, "poor_seeds": 3, "rich_seeds": 3},
}

COST = {  # wall time of one run at each scale, as measured
    "smoke": "about 2 min on 2 shared cores (110 s at load ~10, before the 4 added models of 30 steps each)",
    "cpu": "29 models over 3 seeds: about 1,300-2,000 CPU-s from per-model CPU (small 14 ms a step, the 8,492-step "
           "mixture ~120 CPU-s), ~11-16 min on 2 quiet cores with 2 workers, datasets cached (34 CPU-s to generate)",
    "paper": "not run: 1000/50 episodes per robot, 20k steps per model, 13 models x 3 seeds; hours on CPU",
}
