"""MxT-Bench settings. Defaults are the `cpu` scale (shipped experts, ant-3/4/6 x touch/reach); no heavy imports."""
from __future__ import annotations

from dataclasses import dataclass

from workbench.scales import PaperConfig

TASKS = ("touch", "reach")


@dataclass(frozen=True)
class Config(PaperConfig):
    # environments (body:task); the multi-task students train on every accepted expert among them
    envs: tuple[str, ...] = ("ant-3:touch", "ant-4:touch", "ant-6:touch",
                             "ant-3:reach", "ant-4:reach", "ant-6:reach")  # every shipped expert (data/mxt/README.md)
    zs_train_bodies: tuple[str, ...] = ("ant-3", "ant-6")   # zero-shot students see only these bodies
    zs_test_bodies: tuple[str, ...] = ("ant-4", "claw-4")   # held out (() skips zero-shot): an unseen ant, and a
                                                          # body of a family no student saw; each on every task
    # experts (data/mxt, written by `python -m workbench.papers.mxt.experts`)
    expert_dir: str = "data/mxt"         # policy files + experts.json card; relative to the repo root
    retrain_experts: bool = False        # true: retrain every expert here (~10-20 min each on 2 CPU cores)
    expert_steps: int = 3_000_000        # PPO budget per expert when retraining (early stop at 0.8 success)
    accept_success: float = 0.6          # an expert below it is reported as not accepted
    distil_from: str = "all"             # "accepted": only experts at the bar; "all": every shipped expert (ant-3
                                         # reach is below it, data/mxt/README.md; "accepted" drops it)
    # data (expert rollouts, per-part states, tokenised afterwards)
    data_steps: int = 300                # steps per collected episode; = eval_steps shares the compiled rollout
    max_per_env: int = 12_000            # rows kept per env, so each env weighs alike (MxT's BC reads ~11.7k)
    valid_frac: float = 0.05             # held-out rows: the loss that early stopping watches
    pad_to: int = 16                     # token slots: ant-6 and claw-4 have 14 (torso + 12 leg links + goal)
    # students (MxT: d_model 256, 3 layers, 2 heads, FF 512; MLP 1024x1024) -- smaller for 2 cores
    d_model: int = 64                    # a quarter of MxT's width: ~74k parameters with 24 features per token
    heads: int = 2                       # as MxT
    layers: int = 2                      # MxT uses 3
    d_ff: int = 128                      # 2 x d_model, as MxT's 512 / 256
    mlp_hidden: tuple[int, ...] = (134, 134)   # MxT's mlp_1024_1024 narrowed to the Transformer's parameter count
    ablations: tuple[str, ...] = ("no_morph",)  # Transformer feature-set ablations (tokens.FEATURE_SETS)
    bc_steps: int = 6_000                # cap on minibatches per student (MxT: 100k fixed); early stopping ends sooner
    patience: int = 4                    # early stop: held-out loss checks (every log_every steps) without a gain
    min_delta: float = 0.01              # a gain = the held-out loss below (1 - min_delta) x the best so far
    batch_size: int = 128                # MxT 256; halved for the 2-core budget
    bc_lr: float = 1e-3                  # MxT 3e-4; a shorter run takes a larger step
    log_every: int = 250                 # minibatches per jitted chunk = one held-out loss check
    student_seeds: int = 2               # training seeds per student (init and minibatches: seed, seed + 1, ...)
    workers: int = 2                     # processes training students (one core each); results do not depend on it
    # evaluation
    eval_episodes: int = 32              # per (student, seed, env): 64 per student and env over 2 seeds
    eval_steps: int = 300                # the tasks' episode length
    viewer_steps: int = 150              # frames of each body's rollout in the viewer
    seed: int = 0                        # data, evaluation episodes and the first student seed

    def check(self):
        from workbench import WorkbenchError
        from workbench.sim.composer import morphology
        from workbench.papers.mxt.tokens import FEATURE_SETS

        def body_ok(name: str, body: str) -> None:
            try:
                morphology(body)
            except WorkbenchError as e:
                self.require(False, f"{name}: {e}")

        self.nonempty("envs")
        for spec in self.envs:
            body, _, task = spec.partition(":")
            self.require(task in TASKS, f"envs: {spec!r} must be body:task with task in {', '.join(TASKS)}")
            body_ok("envs", body)
        for body in self.zs_train_bodies + self.zs_test_bodies:
            body_ok("zs_train_bodies" if body in self.zs_train_bodies else "zs_test_bodies", body)
        if self.zero_shot:
            self.nonempty("zs_train_bodies")
        both = sorted(set(self.zs_test_bodies) & set(self.zs_train_bodies))
        self.require(not both, f"zs_test_bodies {both} are also in zs_train_bodies: they would not be held out")
        self.require(self.expert_dir.strip() != "", "expert_dir='': name the folder of the expert policy files")
        self.members("ablations", FEATURE_SETS)
        self.members("distil_from", ("accepted", "all"))
        self.positive("expert_steps", "data_steps", "max_per_env", "pad_to", "d_model", "heads", "layers", "d_ff",
                      "bc_steps", "batch_size", "bc_lr", "log_every", "eval_episodes", "eval_steps", "viewer_steps",
                      "patience", "student_seeds", "workers")
        self.between("min_delta", 0.0, 1.0)
        self.nonempty("mlp_hidden")
        self.require(all(int(h) >= 1 for h in self.mlp_hidden), f"mlp_hidden={self.mlp_hidden!r}: widths must be >= 1")
        self.between("accept_success", 0.0, 1.0)
        self.between("valid_frac", 0.0, 0.5, open_low=True)
        self.require(self.d_model % self.heads == 0, f"d_model ({self.d_model}) must divide by heads ({self.heads})")
        self.at_least(0, "seed")

    @property
    def zero_shot(self) -> bool:
        return len(self.zs_test_bodies) > 0

    def env_list(self) -> list[tuple[str, str]]:
        return [tuple(s.split(":")) for s in self.envs]

    def seeds(self) -> list[int]:
        """The students' training seeds."""
        return [self.seed + k for k in range(self.student_seeds)]


def family(body: str) -> str:
    """'ant-4' -> 'ant' (the morphology family of a body spec)."""
    return body.split("-")[0]


SCALES = {
    "smoke": {"envs": ("ant-4:reach",), "zs_train_bodies": ("ant-4",), "zs_test_bodies": (), "ablations": (),
              "data_steps": 30, "max_per_env": 320, "bc_steps": 20, "log_every": 10, "patience": 2,
              "batch_size": 32, "eval_episodes": 4, "eval_steps": 30, "viewer_steps": 20, "d_model": 16, "d_ff": 32,
              "layers": 1, "mlp_hidden": (32,), "pad_to": 12, "student_seeds": 1, "workers": 1},
    "cpu": {},
    "paper": {"envs": tuple(f"{b}:{t}" for b in ("ant-2", "ant-3", "ant-4", "ant-5", "ant-6", "claw-3", "claw-4",
                                                 "claw-5", "centipede-3", "centipede-4")
                            for t in TASKS),
              "zs_train_bodies": ("ant-2", "ant-3", "ant-4", "ant-6", "claw-3", "claw-5", "centipede-3"),
              "zs_test_bodies": ("ant-5", "claw-4", "centipede-4"), "student_seeds": 3,
              "retrain_experts": True, "expert_steps": 100_000_000, "eval_episodes": 256,
              "max_per_env": 97_850, "pad_to": 24, "d_model": 256, "layers": 3, "d_ff": 512,
              "mlp_hidden": (1024, 1024), "bc_steps": 100_000, "bc_lr": 3e-4, "log_every": 1000, "patience": 10},
}

COST = {  # wall time of one run at each scale, as measured
    "smoke": "about 3 min on 2 shared cores with a warm XLA cache (about 12 min cold, compile-bound)",
    "cpu": "59 min wall at load 26-41, data cold (1257 CPU-s, 2 seeds in 2 workers): ~12 min on 2 quiet cores (estimate)",
    "paper": "not run: PPO experts at 100M steps each, 100k BC steps; GPU hours",
}
