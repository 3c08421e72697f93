"""WebGUM-lite: screenshot + HTML behaviour cloning on oracle demonstrations of MiniWoB++.

Defaults are the `cpu` scale (<= 15 min on 2 cores once the demonstrations are cached); see
`SCALES` for smoke and paper. No heavy imports here.
"""
from __future__ import annotations

from dataclasses import dataclass

from workbench.scales import PaperConfig
from workbench.web.catalog import SUBSET

VARIANTS = ("image+html", "html", "image")   # the same model with image tokens / HTML tokens removed
# controls: the image+html model with every screenshot blank (white, as the paper's white-image control) and
# with the current screenshot only (1 frame instead of H = 2)
CONTROLS = ("blank-image", "one-frame")
HTML_VIEWS = ("dom", "raw")   # dom: HTML rebuilt from MiniWoB's DOM fields (WebN-T5 / WebGUM); raw: #wrap markup

# cpu task set: 8 non-visual and 4 visual tasks of the 56-task subset whose oracle acts by click/type
# only and whose HTML fits 384 tokens (catalog.VISUAL marks the visual ones). Not click-dialog: its
# jQuery-UI dialog is appended to <body>, outside the `#wrap` HTML the recorder keeps, so no HTML
# token names the button the oracle clicks
CPU_TASKS = ("click-button", "click-link", "click-widget", "click-test-2", "focus-text-2", "enter-text",
             "login-user", "click-checkboxes", "click-color", "click-shades", "click-shape", "identify-shape")

# subset tasks whose oracle presses keys or waits (measured over oracle demonstrations): outside WebGUM's
# click/type action space, so left out of the paper-scale set
KEY_OR_WAIT = ("book-flight", "click-collapsible-2", "click-menu", "click-scroll-list", "guess-number",
               "use-autocomplete", "use-spinner")
# (measured: on choose-date, -easy, -medium and click-dialog, -2 some acted elements (jQuery-UI date pickers and
# dialogs appended to <body>) are outside the `#wrap` HTML the recorder keeps; `data.build_examples` leaves such
# episodes out and counts them in the dataset card, so those tasks get few or no demonstrations)
PAPER_TASKS = tuple(t for t in SUBSET if t not in KEY_OR_WAIT)   # 49 tasks


@dataclass(frozen=True)
class Config(PaperConfig):
    seed: int = 0                          # seeds demonstrations (per task), model initialisation and evaluation episodes
    tasks: tuple[str, ...] = CPU_TASKS     # MiniWoB tasks: 8 non-visual + 4 visual at cpu (fits 15 min); paper: the whole subset
    demo_episodes: int = 100               # oracle episodes per task in the full demonstration set (1200 at cpu, ~2.4k steps)
    scaling_episodes: tuple[int, ...] = (10, 30)   # smaller nested sets for the data-scaling curve (the full set is the third point)
    variants: tuple[str, ...] = VARIANTS   # image+html (WebGUM), html (HTML-only, WebN-T5-like), image (image-only)
    controls: tuple[str, ...] = CONTROLS   # extra image+html models: blank screenshots, and one frame instead of two
    html_view: str = "dom"                 # dom: tag, id, class, text, value and ref of each DOM element (no style or SVG paint); raw: #wrap outerHTML minus data-*
    heldout_episodes: int = 10             # oracle episodes per task after the training ones: held-out action accuracy for early stopping
    eval_episodes: int = 15                # live episodes per task and model (paired seeds): 12 tasks x 15 = 180 per model
    eval_max_steps: int = 12               # step budget per episode (the longest demonstration, click-shades, takes ~8)
    # model (WebGUM-lite; WebGUM: Flan-T5-XL + ViT-B/16)
    image_size: int = 80                   # the 160 x 160 task area resized to this; paper's 160 costs 4x the patch tokens
    patch: int = 16                        # patch side in pixels: 5 x 5 patches per frame at cpu (ViT-B/16 on 224: 14 x 14); tokens cost more than pixels
    frames: int = 2                        # last H screenshots as tokens (paper: H = 2, "temporal")
    d_model: int = 64                      # width of the from-scratch transformer (minutes on CPU)
    layers: int = 2                        # encoder layers
    heads: int = 4                         # attention heads
    max_instr_tokens: int = 32             # instruction words kept (login-user's has 20)
    max_html_tokens: int = 384             # HTML tokens kept (click-shape's page has ~380; WebGUM: 4096 input tokens)
    max_elements: int = 48                 # element slots the pointer chooses among (click-shape has 22)
    match_feature: bool = True             # per-element word overlap with the instruction: stands in for pretrained lexical matching
    # behaviour cloning
    batch_size: int = 32                   # demonstration steps per update (paper: 128)
    train_steps: int = 300                 # kept for the benchmark and `fit_fixed`; the run trains each model by `max_updates`/`patience`
    max_updates: int = 3000                # cap on AdamW updates per model (every model: the same stopping rule)
    eval_every: int = 50                   # updates between held-out action-accuracy checks
    patience: int = 4                      # stop after this many checks without a better held-out accuracy; the best weights are kept
    workers: int = 2                       # models trained in parallel worker processes (one core each); 1 = in this process
    lr: float = 2e-3                       # a small model from scratch takes a larger step than fine-tuning
    weight_decay: float = 0.01             # AdamW default-ish; the runs are too short to overfit much
    log_every: int = 50                    # updates between loss reports (averaged over those updates)
    torch_threads: int = 1                 # torch threads while training (0 = torch's default): on a shared 2-core machine more spin against each other
    # analysis
    saliency_task: str = "click-shades"    # visual task whose screenshot saliency is drawn
    gallery_episodes: int = 2              # episodes per task kept with screenshots for the gallery

    def check(self):
        from workbench.web.catalog import SUBSET
        from workbench.papers.webgum.tokens import patch_grid

        self.nonempty("tasks", "variants")
        self.members("tasks", SUBSET, "task")
        self.members("variants", VARIANTS, "variant")
        self.members("controls", CONTROLS, "control")
        self.members("html_view", HTML_VIEWS, "html view")
        self.require(self.saliency_task in self.tasks, f"saliency_task={self.saliency_task!r}: not one of tasks")
        self.at_least(0, "seed")
        self.positive("demo_episodes", "scaling_episodes", "eval_episodes", "eval_max_steps", "image_size",
                      "patch", "frames", "d_model", "layers", "heads", "max_instr_tokens", "max_html_tokens",
                      "max_elements", "batch_size", "train_steps", "lr", "log_every", "heldout_episodes",
                      "max_updates", "eval_every", "patience", "workers")
        self.at_least(0, "torch_threads")
        self.at_least(0, "weight_decay", "gallery_episodes")
        self.between("frames", 1, 2)   # the current screenshot, and the previous one (paper: H = 2)
        self.require(all(n < self.demo_episodes for n in self.scaling_episodes),
                     f"scaling_episodes={self.scaling_episodes}: each must be below demo_episodes={self.demo_episodes}")
        self.require(list(self.scaling_episodes) == sorted(set(self.scaling_episodes)),
                     f"scaling_episodes={self.scaling_episodes}: give distinct counts in increasing order")
        self.require(self.d_model % self.heads == 0, f"d_model={self.d_model}: must be a multiple of heads={self.heads}")
        try:
            patch_grid(self.image_size, self.patch)
        except Exception as e:  # noqa: BLE001 - one line naming the fields
            self.require(False, f"image_size={self.image_size}, patch={self.patch}: {e}")


SCALES = {
    # plumbing: two tasks, a few demonstrations, a tiny model; no claim is judged
    "smoke": {"tasks": ("click-button", "click-color"), "demo_episodes": 4, "scaling_episodes": (2,),
              "eval_episodes": 2, "eval_max_steps": 4, "d_model": 32, "layers": 1, "train_steps": 30,
              "log_every": 10, "heldout_episodes": 2, "max_updates": 40, "eval_every": 10, "patience": 2, "workers": 1, "saliency_task": "click-color", "gallery_episodes": 1, "max_html_tokens": 128},
    "cpu": {},
    # the paper's protocol: the subset (click/type tasks), 100 evaluation episodes per task, larger model
    "paper": {"tasks": PAPER_TASKS, "demo_episodes": 1000, "scaling_episodes": (100, 300), "eval_episodes": 100,
              "eval_max_steps": 30, "image_size": 160, "patch": 16, "d_model": 256, "layers": 6, "heads": 8,
              "max_instr_tokens": 64, "max_html_tokens": 1024, "max_elements": 160, "batch_size": 128,
              "train_steps": 20000, "max_updates": 20000, "eval_every": 500, "patience": 5, "heldout_episodes": 50,
              "lr": 5e-4, "torch_threads": 0, "workers": 1},
}

COST = {  # wall time of one run at each scale, as measured
    "smoke": "about 2 min on 2 shared cores at load ~30 (notebook test 116 s), demonstrations cached",
    "cpu": "not yet measured with training to convergence (7 models); ~14 min quiet estimated from 0.07 CPU-s per update and 0.33 CPU-s per live episode",
    "paper": "not run: ~49k oracle episodes (~5 h to record on 2 cores), GPU hours of training, ~4 h live evaluation",
}
