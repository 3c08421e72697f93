"""CompWoB-mini: composed web tasks in real Chromium; scripted, cloned and prompted agents.

Defaults are the `cpu` scale (≤ 15 min on 2 cores); see `SCALES` for smoke and paper.
"""
from __future__ import annotations

from dataclasses import dataclass

from workbench.papers.compwob.paper_set import CPU_SUBSET
from workbench.scales import PaperConfig

AGENTS = ("oracle", "naive", "bc", "llm", "overlap")


@dataclass(frozen=True)
class Config(PaperConfig):
    seed: int = 0                          # seeds every episode (per task) and the BC initialisation
    compositions: tuple[str, ...] = ()     # composed tasks to run (forward names); () = all 21
    bases: tuple[str, ...] = ()            # base (1-way) tasks to run; () = all 11
    episodes: int = 5                      # episodes per page for oracle/naive/bc (paper: 100); 5 keeps cpu ≤ 15 min
    time_limit_s: float = 60.0             # page timer per episode: generous, a slow LLM step must not time out
    max_steps_per_subtask: int = 4         # step budget = this × sub-tasks + 4 (the longest base skill needs 4)
    agents: tuple[str, ...] = AGENTS       # which agents to run: scripted oracle, naive, behaviour-cloned, prompted LLM, word-overlap baseline (no model)
    # behaviour cloning (transferred agent): oracle demos on BASE tasks only
    bc_demo_episodes: int = 12             # oracle episodes per base task for demonstrations (~3 steps each)
    bc_epochs: int = 300                   # full-batch Adam steps; the loss is flat by ~200
    bc_lr: float = 0.01                    # tiny model, full batch: a large step is stable
    bc_dim: int = 16                       # embedding size of the bag-of-words ranker
    # prompted agent
    llm: str = "smollm2"                   # workbench.llm spec; "replay:<file>" for recorded replies
    llm_record: str = ""                   # also append replies to this replay file ("" = no)
    llm_shortlist: int = 6                 # options per LLM step (most instruction overlap): each costs a prompt pass
    llm_steps_per_subtask: int = 2         # LLM step budget = this × sub-tasks + 2 (each step costs seconds)
    llm_episodes: int = 1                  # LLM episodes per task (each step is one scoring call, ~2-5 s)
    llm_bases: tuple[str, ...] = ()        # base pages for the LLM; () = all 11
    llm_compositions: tuple[str, ...] = (  # the twelve 2-way compositions (3- to 5-way cost too many LLM steps)
        "click-button_click-link", "click-link_click-button", "click-option_click-button",
        "click-checkboxes_enter-text", "enter-text_click-link", "click-dialog_click-button",
        "login-user_navigate-tree", "login-user_navigate-tree-transition", "enter-password_click-option",
        "click-widget_click-checkboxes", "enter-date_click-dialog", "click-link_enter-password")
    pages: str = ""                        # folder of composed MiniWoB-style pages (anyone's; absolute or repo-relative) scored after ours; "" = none
    # the paper's own benchmark (paper_set.py): its composed pages from `paper_dir`, its base tasks from the miniwob package
    task_set: str = "project"              # "project": the project's 21 compositions; "paper": CompWoB's published pages
    paper_dir: str = "data/compwob/compositional"   # a copy of CompWoB's pages (absolute or repo-relative; not shipped)
    paper_compositions: tuple[str, ...] = ()   # with task_set=paper: which compositions (forward names); () = all 51
    paper_llm_max_n: int = 2               # with task_set=paper: the LLM plays base pages and compositions of at most this many sub-tasks

    def check(self):
        from workbench.web.compose.catalog import BASES, COMPOSITIONS   # plain data, no browser
        for key, known in (("compositions", COMPOSITIONS), ("llm_compositions", COMPOSITIONS),
                           ("bases", BASES), ("llm_bases", BASES), ("agents", AGENTS)):
            self.members(key, known)
        self.nonempty("agents")
        from workbench.papers.compwob import paper_set
        self.members("task_set", ("project", "paper"))
        self.members("paper_compositions", paper_set.COMPOSITIONS)
        self.require(bool(self.paper_dir.strip()), "paper_dir: empty; name the folder holding CompWoB's pages")
        if self.task_set == "paper":
            paper_set.check_folder(paper_set.folder(self.paper_dir), self.paper_compositions or paper_set.COMPOSITIONS)
        self.at_least(0, "seed")
        self.positive("episodes", "time_limit_s", "max_steps_per_subtask", "bc_demo_episodes", "bc_epochs",
                      "bc_lr", "bc_dim", "llm_shortlist", "llm_steps_per_subtask", "llm_episodes", "paper_llm_max_n")
        self.loadable_llm("llm")
        if self.pages:   # absolute, or relative to the repo root (the notebook's kernel runs elsewhere)
            from pathlib import Path
            from workbench.paths import REPO_ROOT
            where = [q for q in (REPO_ROOT / self.pages, Path(self.pages).resolve()) if q.is_dir()]
            self.require(bool(where) and any(where[0].glob("*.html")), f"pages: {self.pages} is not a folder of .html pages")

SCALES = {
    # smoke replays recorded LLM replies; after changing the LLM prompt re-record them with
    # workbench run compwob --scale smoke -p llm=smollm2 -p llm_record=data/compwob/smoke_replies.jsonl
    "smoke": {"bases": ("click-button", "click-link"), "compositions": ("click-button_click-link",),
              "episodes": 1, "bc_demo_episodes": 2, "bc_epochs": 40,
              "llm": "replay:data/compwob/smoke_replies.jsonl", "llm_episodes": 1,
              "llm_bases": ("click-link",), "llm_compositions": ("click-button_click-link",),
              "paper_compositions": ("click-button_click-link",)},
    "cpu": {"paper_compositions": CPU_SUBSET},   # used with task_set=paper only
    "paper": {"episodes": 100, "bc_demo_episodes": 200, "llm_episodes": 100, "llm_bases": (),
              "llm_compositions": (), "paper_llm_max_n": 8},
}

COST = {  # wall time of one run at each scale, as measured
    "smoke": "30-45 s on 2 shared cores (LLM replies replayed)",
    "cpu": "project set 1209 s on 2 cores at load ~20; paper set (8 of CPU_SUBSET's 15 compositions) 763 s wall, 107 CPU s at load ~33",
    "paper": "not run: 53 pages x 100 episodes x 4 agents, the LLM on every page; hours (use a GPU or a served model)",
}
