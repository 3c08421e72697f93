"""WebAgent / HTML-T5-mini: long-span denoising, TGlobal attention, a modular agent that writes programs.

Defaults are the `cpu` scale (<= 15 min on 2 cores with the corpus, demonstrations and checkpoints
cached); see `SCALES` for smoke and paper. No heavy imports here.
"""
from __future__ import annotations

from dataclasses import dataclass

from workbench.scales import PaperConfig

BASE_TASKS = ("click-button", "click-link", "click-checkboxes", "enter-text", "focus-text", "login-user",
              "enter-password", "click-dialog", "click-option", "click-tab")
COMPOSITIONS = ("click-button_click-link", "click-checkboxes_enter-text", "enter-text_click-link",
                "click-dialog_click-button", "click-link_enter-password", "enter-password_click-option")


@dataclass(frozen=True)
class Config(PaperConfig):
    seed: int = 0                           # seeds the models, the corruption, and every episode (by task)
    # corpus and tokenizer
    corpus_resets: int = 2                  # pages kept per MiniWoB task (all 130) and per composed page (53) after reset
    corpus_limit: int = 0                   # 0 = every MiniWoB task and composed page; N = the first N of each (smoke)
    vocab_size: int = 512                   # BPE merges + bytes; a 1M-parameter model needs a small vocabulary
    sentinels: int = 100                    # T5's 100 <extra_id_k>; mean span 3 at 512 tokens needs ~26
    # model (HTML-T5-mini)
    d_model: int = 64                       # a ~1M-parameter model would use 128; 64 halves the cpu cost
    d_ff: int = 256                         # 4 x d_model, as T5
    layers: int = 2                         # encoder and decoder layers each
    heads: int = 4                          # head size 16
    local_radius: int = 127                 # LongT5 default; HTML-T5's value is not known
    global_block: int = 16                  # LongT5 default (one transient global token per 16 tokens)
    # pre-training: every arm (long-span TGlobal, short-span TGlobal, long-span dense) gets the same steps,
    # batch, length and seeds
    pretrain_seeds: tuple[int, ...] = (0, 1, 2)   # pre-training (and fine-tuning) seeds per arm; claims resample them as seeds
    pretrain_len: int = 1024                # tokens per packed row: mean span 64 makes 2 spans of ~77 at 15% noise (512 made 1)
    pretrain_steps: int = 300               # AdamW steps per arm and seed; ~7 passes over the 163k-token corpus
    pretrain_batch: int = 4                 # rows per step (4 x 1024 tokens)
    pretrain_lr: float = 3e-3               # a tiny model from scratch takes a large step (T5 uses 1e-2 Adafactor)
    noise_density: float = 0.15             # T5's default; HTML-T5's value is unverified
    long_spans: tuple[float, ...] = (8.0, 64.0)   # HTML-T5's mixture of long-span denoising (mean span lengths)
    short_spans: tuple[float, ...] = (3.0,)       # T5's span corruption: the baseline mixture
    # fine-tuning on oracle demonstrations (successful episodes only)
    tasks: tuple[str, ...] = BASE_TASKS     # MiniWoB base tasks with scripted oracles
    compositions: tuple[str, ...] = COMPOSITIONS   # composed pages (workbench.web.compose), solved by the composed-page oracle
    demo_episodes: int = 12                 # training episodes per page (kept if the oracle succeeds)
    heldout_episodes: int = 4               # held-out episodes per page for planning/snippet accuracy (other seeds)
    finetune_steps: int = 300               # multi-task AdamW steps (plan, snippet, program, act mixed uniformly)
    finetune_batch: int = 8                 # (example, task) pairs per step
    finetune_lr: float = 2e-3               # lower than pre-training: the pre-trained weights should survive
    max_len: int = 512                      # encoder tokens at fine-tuning; longer pages lose their tail
    max_target: int = 40                    # decoder tokens (sub-instructions and programs are short)
    self_experience_episodes: int = 0       # training-seed episodes per page and agent whose successful programs become data (paper's self-experience supervision); 0 = off: cpu budget
    self_experience_steps: int = 100        # extra fine-tuning steps on demonstrations + harvested programs
    # live evaluation and program writing
    program_beams: int = 4                  # both agents: the first of this many beams that the program grammar accepts (1 = greedy)
    workers: int = 2                        # arms x seeds trained in parallel worker processes (one core each)
    eval_episodes: int = 3                  # live episodes per page per agent (held-out seeds); paper: 100 per task
    max_steps: int = 12                     # actions per live episode (the longest oracle episode here takes 7)
    writer: str = "t5"                      # program writer: "t5" (the fine-tuned model's program task) or an LLM spec (capable backend, prompted)
    # speed and memory of attention
    speed_lengths: tuple[int, ...] = (1024, 2048, 4096)   # encoder lengths for TGlobal vs dense
    speed_repeats: int = 2                  # timed forward+backward passes per length and attention (after one warm-up)

    def check(self):
        from workbench.web.compose.catalog import COMPOSITIONS as KNOWN
        self.at_least(0, "seed", "corpus_limit", "self_experience_episodes")
        self.nonempty("pretrain_seeds")
        self.positive("program_beams", "workers")
        self.require(all(s >= 0 for s in self.pretrain_seeds), f"pretrain_seeds={self.pretrain_seeds}: seeds are >= 0")
        self.require(len(set(self.pretrain_seeds)) == len(self.pretrain_seeds),
                     f"pretrain_seeds={self.pretrain_seeds}: a seed appears twice")
        self.positive("corpus_resets", "d_model", "d_ff", "layers", "heads", "local_radius", "global_block",
                      "pretrain_len", "pretrain_steps", "pretrain_batch", "pretrain_lr", "long_spans", "short_spans",
                      "demo_episodes", "heldout_episodes", "finetune_steps", "finetune_batch", "finetune_lr", "self_experience_steps",
                      "max_len", "max_target", "eval_episodes", "max_steps", "speed_lengths", "speed_repeats")
        self.at_least(260, "vocab_size")
        self.at_least(1, "sentinels")
        self.between("noise_density", 0.0, 0.5, open_low=True)
        self.nonempty("long_spans", "short_spans", "tasks", "speed_lengths")
        self.require(self.d_model % self.heads == 0, f"d_model={self.d_model} must be a multiple of heads={self.heads}")
        self.require(self.pretrain_len >= 64, f"pretrain_len={self.pretrain_len}: must be >= 64")
        self.require(self.pretrain_len * self.noise_density / min(self.short_spans + self.long_spans) <= self.sentinels,
                     f"sentinels={self.sentinels}: too few for pretrain_len x noise_density / the shortest mean span")
        self.members("compositions", KNOWN)
        if self.writer != "t5":
            self.loadable_llm("writer")
        from workbench.web.oracles import PLANNERS
        self.members("tasks", PLANNERS, "a MiniWoB task with an oracle")


SCALES = {
    "smoke": {"corpus_resets": 1, "corpus_limit": 4, "tasks": ("click-button", "enter-text"), "compositions": (),
              "d_model": 32, "d_ff": 64, "layers": 1, "heads": 2, "pretrain_len": 128, "pretrain_steps": 4,
              "pretrain_batch": 2, "pretrain_seeds": (0, 1), "program_beams": 2, "workers": 1, "sentinels": 40, "demo_episodes": 2, "heldout_episodes": 1, "finetune_steps": 4,
              "finetune_batch": 4, "max_len": 256, "self_experience_episodes": 1, "self_experience_steps": 2, "eval_episodes": 1, "max_steps": 4,
              "speed_lengths": (256, 512), "speed_repeats": 1},
    "cpu": {},
    "paper": {"corpus_resets": 50, "pretrain_seeds": (0, 1, 2), "workers": 1, "d_model": 512, "d_ff": 2048, "layers": 8, "heads": 8, "pretrain_len": 4096,
              "pretrain_steps": 100_000, "pretrain_batch": 32, "pretrain_lr": 1e-3, "vocab_size": 32_000, "sentinels": 256,
              "demo_episodes": 200, "heldout_episodes": 20, "finetune_steps": 20_000, "finetune_batch": 32,
              "finetune_lr": 5e-4, "max_len": 4096, "eval_episodes": 100, "self_experience_episodes": 20,
              "self_experience_steps": 5000,
              "speed_lengths": (1024, 2048, 4096, 8192, 16384), "speed_repeats": 5},
}

COST = {  # wall time of one run at each scale, as measured
    "smoke": "617 s on 2 cores at load ~30 (69 CPU-s: about 1 min quiet, estimated)",
    "cpu": "not yet measured with 3 arms x 3 seeds; ~25-30 CPU-min cold (over 15 min on 2 quiet cores), within it with cached stages (estimated)",
    "paper": "not run: a 100M-parameter model pre-trained at 4k tokens, 100 live episodes per page; GPU hours",
}
