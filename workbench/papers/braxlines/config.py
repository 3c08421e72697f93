"""Braxlines settings. Defaults are the `cpu` scale (a 2-D point mass, spring backend); no heavy imports."""
from __future__ import annotations

from dataclasses import dataclass

from workbench.scales import PaperConfig

MI_ALGOS = ("diayn", "diayn_full", "cdiayn", "gcrl", "fixed_gcrl")
DMIN_REWARDS = ("gail", "gail2", "airl", "fairl", "mle")


@dataclass(frozen=True)
class Config(PaperConfig):
    env: str = "point_mass"              # Composer description; the paper's 2-D studies use a point mass
    feature_idx: tuple[int, ...] = (0, 1)  # s_I: xy position (ant: (13, 14) = xy velocity, as Braxlines)
    episode_length: int = 50             # 5 s of simulated time at dt 0.1: room to reach +-6 units
    obs_scale: float = 8.0               # Braxlines notebook obs_scale: goals in +-4, target modes at +-4
    # MI-max (Sec. 3)
    mi_algos: tuple[str, ...] = MI_ALGOS  # the paper's VGCRL variants
    num_skills: int = 8                  # Braxlines' DIAYN default K = 8
    mi_timesteps: int = 400_000          # enough for 8 separated point-mass skills (measured)
    gcrl_sigma: float = 1.0              # std of q(z|s) (m): 0.5 made log q flat-clipped 3 m from a goal
    # DMin (Sec. 4)
    dmin_rewards: tuple[str, ...] = DMIN_REWARDS  # the paper's f-divergence rewards, and MLE with the known target
    dmin_timesteps: int = 400_000        # same budget as MI-max
    target_num_modes: int = 2            # Braxlines notebook: 2 modes
    target_samples: int = 250            # Braxlines notebook: 250 target samples
    diag_rewards: tuple[str, ...] = ("gail", "mle")  # DMin diagnosis: these rewards again from spread starts
    diag_reset_noise: float = 1.0        # diagnosis starts: uniform in +-1 m around the origin
    # PPO (sim harness): small batches keep the jit and each update cheap on 2 cores
    num_envs: int = 128                  # parallel environments: small, so one jitted update is cheap on a CPU
    batch_size: int = 128                # unrolls per minibatch; batch_size * num_minibatches divides by num_envs
    num_minibatches: int = 4             # minibatches per PPO update
    unroll_length: int = 10              # steps per unroll (a fifth of an episode)
    num_updates_per_batch: int = 8       # more SGD per batch: the budget is env steps, not compute
    learning_rate: float = 3e-3          # 3e-4 / 1e-3 had not learned goal reaching by 300k steps
    entropy_cost: float = 1e-3           # brax PPO's default order; skills need a little exploration
    discounting: float = 0.95            # 50-step episodes
    num_evals: int = 5                   # progress points (= jitted epochs) per run
    disc_steps: int = 4                  # discriminator Adam steps per PPO training step
    disc_lr: float = 1e-3                # Adam lr of the discriminator / skill posterior
    # evaluation
    eval_episodes: int = 32              # per skill (DIAYN) or in total (goal reaching, DMin)
    mi_bins: int = 20                    # bins per dimension for I(z; s) over [-box, box]^2
    mi_box: float = 6.0                  # farthest a point mass gets in 5 s
    viewer_env: str = "ant_run"          # a Composer scene to show in the offline viewer (random actions)
    viewer_steps: int = 40               # rollout length shown in the viewer
    seed: int = 0                        # PPO, discriminator, goal and target sampling

    def check(self):
        from workbench.sim.composer import DESCRIPTIONS   # plain data (numpy), no brax
        self.members("env", DESCRIPTIONS)
        self.members("viewer_env", DESCRIPTIONS)
        self.require(len(self.feature_idx) == 2, f"feature_idx={self.feature_idx!r}: must name 2 observation "
                     "entries (the skill plane: I(z; s) bins, maps and goals are 2-D)")
        self.members("feature_idx", range(10_000))
        self.nonempty("mi_algos", "dmin_rewards")
        self.members("mi_algos", MI_ALGOS)
        self.members("dmin_rewards", DMIN_REWARDS)
        self.members("diag_rewards", DMIN_REWARDS)
        self.at_least(0, "seed")
        self.at_least(2, "num_skills", "mi_bins")
        self.positive("episode_length", "obs_scale", "mi_timesteps", "gcrl_sigma", "dmin_timesteps",
                      "target_num_modes", "target_samples", "diag_reset_noise", "num_envs", "batch_size", "num_minibatches",
                      "unroll_length", "num_updates_per_batch", "learning_rate", "num_evals", "disc_steps",
                      "disc_lr", "eval_episodes", "mi_box", "viewer_steps")
        self.at_least(0.0, "entropy_cost")
        self.between("discounting", 0.0, 1.0, open_low=True)
        self.require((self.batch_size * self.num_minibatches) % self.num_envs == 0,
                     f"batch_size*num_minibatches ({self.batch_size * self.num_minibatches}) must be a multiple "
                     f"of num_envs ({self.num_envs})")


SCALES = {
    "smoke": {"mi_algos": ("diayn",), "dmin_rewards": ("airl", "mle"), "mi_timesteps": 20_480,
              "dmin_timesteps": 20_480, "diag_rewards": (), "num_evals": 2, "num_envs": 64, "batch_size": 64, "eval_episodes": 4,
              "viewer_env": "point_mass", "viewer_steps": 20},
    "cpu": {},
    "paper": {"env": "ant_run", "feature_idx": (13, 14), "episode_length": 1000, "num_envs": 2048,
              "batch_size": 1024, "num_minibatches": 32, "unroll_length": 5, "learning_rate": 3e-4,
              "num_updates_per_batch": 4, "entropy_cost": 1e-2,
              "discounting": 0.97, "mi_timesteps": 180_000_000, "dmin_timesteps": 180_000_000,
              "num_evals": 20, "mi_box": 12.0, "viewer_steps": 200},
}

COST = {  # wall time of one run at each scale, as measured
    "smoke": "about 75 s on 2 cores with empty caches (16 s warm), mostly jit compilation",
    "cpu": "about 14 min on 2 shared cores with an empty cache (857 s at load 7-10)",
    "paper": "not run: ant, 2048 envs, 30M x 6 steps per run; GPU hours",
}
