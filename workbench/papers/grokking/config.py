"""Settings for "Interpreting Grokked Transformers in Complex Modular Arithmetic" (Furuta et al. 2024,
arXiv 2402.16726). The defaults are the `cpu` scale; `SCALES` holds the other scales as small diffs.

No heavy imports here: `workbench list` and parameter validation read this file before any work.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from workbench.scales import PaperConfig

# Operation names (the values live in workbench/papers/grokking/data.py, which must cover exactly these).
# "Elementary" operations are fed as [a, op, b]; the polynomials as [a, =, b] (the paper's code).
ELEMENTARY_OPS = ("add", "sub", "mul", "mul_nz", "div")
POLYNOMIAL_OPS = ("x2y2", "x2xyy2", "x2xyy2x", "x3xy", "x3xy2y", "2x3y", "xyy", "x2y", "x3_2y",
                  "apb2", "apb2ab", "amb2", "apb3", "amb3", "apb4", "amb4", "xyxy")
OP_NAMES = ELEMENTARY_OPS + POLYNOMIAL_OPS


def is_prime(n: int) -> bool:
    return n >= 2 and all(n % k for k in range(2, int(n ** 0.5) + 1))


def n_pairs(op: str, p: int, operand_range: str = "p") -> int:
    """How many operand pairs `op` is defined on (data.pairs): b not 0 mod p for div, a, b != 0 for mul_nz."""
    n = p if operand_range == "p" else p + 5
    return {"div": n * (n - n // p - (1 if n % p else 0)), "mul_nz": (n - 1) ** 2}.get(op, n * n)


def mixture_ops(mixture: str) -> tuple[str, ...]:
    """'add,sub' -> ('add', 'sub')."""
    return tuple(o.strip() for o in mixture.split(",") if o.strip())


def transfer_pair(transfer: str) -> tuple[str, str]:
    """'add>2x3y' -> ('add', '2x3y'): source operation (a pre-grokked run) and target operation."""
    source, _, target = transfer.partition(">")
    return source.strip(), target.strip()


@dataclass(frozen=True)
class Config(PaperConfig):
    # --- task (paper Sec. 2: a ⊙ b mod p over all pairs, one random train/test split) ---
    ops: tuple[str, ...] = ("add", "sub", "mul", "x2y2", "x3xy")  # the contrasts the claims need: +, -, x, a symmetric and a non-factorisable polynomial
    p: int = 31                    # modulus; cost ~ frac*p^2 per full-batch step: p=31 at frac 0.6 is 2.4x cheaper per step than p=59 at 0.4 (576 vs 1392 training pairs), which buys 3 seeds; the paper's 97 is the `paper` scale
    train_frac: float = 0.6        # paper 0.3 over 100k steps; the CPU lever. a-b (seed 0) stays at chance for 10k steps at p=59, frac 0.4, and for 6k at p=31, frac 0.4; at frac 0.6 its test acc is 0.09 at 2k, 0.46 at 4k, 0.76 at 6k steps, while a³+ab stays at 0.06
    operand_range: Literal["p", "vocab"] = "p"  # operands over the p numbers, or over all p+5 tokens as the official data code does (`paper`)
    seed: int = 0                  # data split and initialisation of the first seed; the grok step varies +-30-50% across seeds
    n_seeds: int = 3               # seeds seed..seed+n_seeds-1; claims on grok steps need >= 3 (analysis.MIN_SEEDS), else they are left out of `measured` (inconclusive)
    seed_ops: tuple[str, ...] = ("add", "sub")  # ops trained on every seed (the claims on grok steps and FFS drops read add; sub's operand asymmetry is compared with add's); the other ops and the ablations train on the first seed only, their claims read final values bootstrapped over test pairs

    # --- model (official model.py: 1 layer, no LayerNorm, no biases, logits at the last position) ---
    d_model: int = 128             # paper
    n_heads: int = 4               # paper: 4 heads x 32
    d_mlp: int = 512               # paper, ReLU
    pos_embed: bool = False        # paper: positional embedding commented out; True is the ablation
    ablation_ops: tuple[str, ...] = ("sub",)  # ops retrained with pos_embed flipped: is the subtraction asymmetry architectural?

    # --- the paper's other experiments (later version): transfer from pre-grokked runs, multi-task mixtures ---
    transfers: tuple[str, ...] = ("add>2x3y", "mul>2x3y", "add>mul", "mul>add")  # source>target: the source is the first seed's trained run of an op in `ops` (a source not in `ops` is skipped)
    transfer_modes: tuple[str, ...] = ("embed", "block")  # official train_emb_ft.py: "embed" loads W_E and freezes it, "block" loads the attention and MLP weights and freezes them; the rest starts fresh
    transfer_steps: int = 2_000    # budget of each fine-tuning run and of its from-scratch baseline (stops stop_after_grok after grokking)
    transfer_probe_step: int = 500  # test accuracy per test pair recorded at this step: transfer = higher accuracy than from scratch at the same step
    mixtures: tuple[str, ...] = ("add,sub", "add,mul", "add,sub,mul")  # official config_add_sub/add_mul/add_sub_mul: losses summed over tasks on the same pairs
    mixture_steps: int = 12_000    # budget of each mixture run (stops stop_after_grok after every task grokked)

    # --- optimisation (official configs) ---
    lr: float = 1e-3               # AdamW, paper
    weight_decay: float = 1.0      # the grokking lever; wd 1e-2..1e-3 reportedly never groks (CoursIA#7268)
    beta1: float = 0.9             # AdamW, paper / Nanda et al.
    beta2: float = 0.98            # paper / Nanda et al.
    steps: int = 12_000            # per-op budget; the paper trains 100k steps at p=97, frac 0.3. a-b reached 0.76 test acc at 6k (p=31, frac 0.6, seed 0), so ~8k to grok; 12k leaves room for the +-30-50% seed spread
    stop_after_grok: int = 1_000   # keep training this many steps after test acc first reaches grok_threshold, then stop (-1: never stop early); saves CPU time on ops that grok early
    eval_every: int = 100          # full-batch train/test evaluation and Fourier measures every this many steps
    n_checkpoints: int = 24        # log-spaced steps at which W_E and W_L are kept (spectra slider, heatmaps)

    # --- measures (FFS/FCR reconstructed from the paper's prose: threshold and normalisation are parameters) ---
    grok_threshold: float = 0.95   # "grok step" = first evaluated step with test accuracy >= this
    ffs_eta: float = 0.5           # FFS threshold eta: a Fourier component counts if its norm / normaliser > eta
    ffs_norm: Literal["max", "sum"] = "max"   # normaliser of the component norms: their max (default) or their sum
    fourier_const: bool = False    # count the constant (k=0) row in FFS and Gini; off: it is sqrt(p) x the mean embedding, carries nothing about x, and when large (a·b) its norm as the max normaliser put every frequency under eta (FFS 1/p for a dense spectrum)
    fcr_weighting: Literal["uniform", "norm"] = "norm"  # FCR's mean of min(c/s, s/c) over frequencies weighted by c+s (the frequencies that carry the representation); "uniform" scores a one-sided sparse embedding plus 1e-3 noise like a random one (~0.9)

    # --- plumbing ---
    use_cache: bool = True         # reuse trained runs from workbench.cache (keyed by every field that affects training)

    def check(self):
        self.require(self.p >= 3 and self.p % 2 == 1,
                     f"p={self.p}: the modulus must be an odd number >= 3 (the Fourier basis pairs cos/sin)")
        self.nonempty("ops")
        self.members("ops", OP_NAMES, "operation")
        self.members("ablation_ops", OP_NAMES, "operation")
        self.require(is_prime(self.p) or not any(op in ("div", "mul_nz") for op in self.ops + self.ablation_ops),
                     f"p={self.p} is not prime, but 'div'/'mul_nz' need a field (p prime)")
        self.between("train_frac", 0.0, 1.0, open_low=True, open_high=True)
        self.members("seed_ops", OP_NAMES, "operation")   # those not in `ops` are not trained at all
        mixed = [o for m in self.mixtures for o in mixture_ops(m)]
        self.members("transfer_modes", ("embed", "block"), "transfer mode")
        for t in self.transfers:
            source, target = transfer_pair(t)
            self.require(source in OP_NAMES, f"transfers: {t!r} has an unknown source operation {source!r}")
            self.require(target in OP_NAMES, f"transfers: {t!r} has an unknown target operation {target!r}")
        for m in self.mixtures:
            self.require(len(mixture_ops(m)) >= 2 and all(o in ELEMENTARY_OPS for o in mixture_ops(m)),
                         f"mixtures: {m!r} is not two or more elementary operations separated by commas (e.g. 'add,sub')")
        self.require(len({n_pairs(o, self.p) for o in mixed} | {self.p * self.p}) == 1,
                     "mixtures train their tasks on the same pairs: use operations defined on all pairs (add, sub, mul)")
        self.positive("transfer_steps", "transfer_probe_step", "mixture_steps")
        self.require(self.transfer_probe_step <= self.transfer_steps,
                     f"transfer_probe_step={self.transfer_probe_step} lies beyond transfer_steps={self.transfer_steps}")
        self.nonempty("transfer_modes")
        for op in self.ops + self.ablation_ops + tuple(transfer_pair(t)[1] for t in self.transfers) + tuple(mixed):
            n = n_pairs(op, self.p, self.operand_range)
            self.require(0 < int(self.train_frac * n) < n,
                         f"train_frac={self.train_frac} leaves an empty train or test set for {op} at p={self.p}")
        self.at_least(0, "seed")
        self.positive("n_seeds")
        self.positive("d_model", "n_heads", "d_mlp", "steps", "eval_every", "n_checkpoints", "lr")
        self.require(self.d_model % self.n_heads == 0,
                     f"d_model={self.d_model} is not divisible by n_heads={self.n_heads}")
        self.at_least(0.0, "weight_decay")
        self.between("beta1", 0.0, 1.0, open_high=True)
        self.between("beta2", 0.0, 1.0, open_high=True)
        self.at_least(-1, "stop_after_grok")
        self.between("grok_threshold", 0.0, 1.0, open_low=True)
        self.between("ffs_eta", 0.0, 1.0, open_low=True, open_high=True)

SCALES = {
    "smoke": dict(p=23, train_frac=0.5, d_model=64, d_mlp=256, ops=("add", "mul"), seed_ops=("add",), ablation_ops=(),
                  steps=1500, eval_every=100, n_checkpoints=8, n_seeds=1,
                  transfers=("add>mul",), transfer_modes=("embed",), transfer_steps=300, transfer_probe_step=200,
                  mixtures=("add,mul",), mixture_steps=300),
    "cpu": {},
    # the official configs: p=97, operands over all p+5 tokens, train fraction 0.3, 100k full-batch epochs, no
    # early stop, every op on every seed; transfers and mixtures at the same budget
    "paper": dict(p=97, train_frac=0.3, operand_range="vocab", steps=100_000, stop_after_grok=-1, eval_every=500,
                  n_checkpoints=50, ops=("add", "sub", "mul", "div", "x2y2", "x2xyy2", "x3xy", "x3xy2y", "apb2", "amb3"),
                  seed_ops=("add", "sub", "mul", "div", "x2y2", "x2xyy2", "x3xy", "x3xy2y", "apb2", "amb3"),
                  transfer_steps=100_000, transfer_probe_step=2_000, mixture_steps=100_000),
}

COST = {  # wall time of one run at each scale, as measured
    "smoke": "10 s on 2 quiet cores with an empty cache",
    "cpu": "not yet timed whole with transfers and mixtures: ~110-135k full-batch steps, estimated 13-18 min on 2 quiet cores",
    "paper": "not run: 10 ops x 100k full-batch steps at p=97; hours on CPU, meant for a GPU",
}
