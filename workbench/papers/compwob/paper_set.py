"""CompWoB's own benchmark: the paper's 50 compositions of MiniWoB tasks, each with a reverse-order twin.

The pages were published by the authors under the Apache-2.0 licence in google-research/google-research,
`compositional_rl/compwob/compositional/` (one `<name>.html` per page; `<name>-reverse.html` is the
same JavaScript with the instruction listing the final sub-task first). They are not shipped with
this project: `Config.paper_dir` points at a copy (docs/papers/compwob.md says how to get one).

Page names follow MiniWoB's task names: the base tasks in execution order joined by `_`, then
`-transition` (page content changes between sub-tasks), then `-reverse`. Every label a result row
carries (bases, number of sub-tasks, order) comes from the name (`labels`), never from an agent.

    from workbench.papers.compwob.paper_set import COMPOSITIONS, CPU_SUBSET, labels, base_tasks_of
"""
from __future__ import annotations

from pathlib import Path

from workbench import WorkbenchError

# the compositions published with the paper (forward names): the paper's 50, and
# click-button_enter-text, published beside them without a reverse twin, whose script throws at
# reset (it clears the area holding the text field it then fills)
COMPOSITIONS: tuple[str, ...] = (
    "click-button-sequence_click-checkboxes",
    "click-button-sequence_click-option",
    "click-button-sequence_click-option_login-user",
    "click-button-sequence_click-widget_click-link_click-button_click-checkboxes_click-option_click-dialog",
    "click-button-sequence_click-widget_click-link_click-button_click-checkboxes_click-option_click-dialog_login-user",
    "click-button-sequence_login-user-popup",
    "click-button-sequence_use-autocomplete",
    "click-button_click-checkboxes",
    "click-button_click-checkboxes-transfer",
    "click-button_click-dialog",
    "click-button_click-link",
    "click-button_click-option",
    "click-button_click-option_login-user",
    "click-button_click-tab-2-hard",
    "click-button_enter-text",
    "click-checkboxes-soft_enter-password",
    "click-checkboxes-soft_multi-layouts",
    "click-checkboxes-transfer_click-button-sequence_enter-password",
    "click-checkboxes-transfer_enter-password_click-dialog",
    "click-checkboxes-transfer_multi-layouts_email-inbox-forward-nl-transition",
    "click-checkboxes_click-widget_click-button-sequence",
    "click-dialog-2_click-widget",
    "click-dialog-2_login-user-popup",
    "click-dialog_click-button-sequence_enter-password",
    "click-dialog_click-checkboxes-transfer_click-widget",
    "click-dialog_search-engine",
    "click-link_click-button",
    "click-link_click-button_click-checkboxes_click-dialog",
    "click-link_click-button_click-checkboxes_click-option_click-dialog",
    "click-link_click-button_click-dialog",
    "click-link_click-dialog",
    "click-link_click-widget",
    "click-link_enter-text",
    "click-option_enter-text",
    "click-option_login-user",
    "click-option_login-user-transition",
    "click-option_multi-layouts_click-widget_login-user-popup-transition",
    "click-option_navigate-tree",
    "click-widget_click-checkboxes-soft",
    "click-widget_click-link_click-button_click-checkboxes_click-option_click-dialog",
    "click-widget_click-option_click-dialog",
    "click-widget_enter-password",
    "click-widget_multi-layouts",
    "enter-date_login-user",
    "enter-password_click-checkboxes_login-user-popup",
    "enter-password_click-option",
    "login-user-popup_email-inbox-forward-nl-turk-transition",
    "login-user_navigate-tree",
    "login-user_navigate-tree-transition",
    "multi-layouts_login-user",
    "use-autocomplete_click-dialog",
)
NO_REVERSE = ("click-button_enter-text",)

# The cpu scale's subset, stratified by the number of sub-tasks (the paper's main complexity axis):
# eight 2-way, three 3-way, one 4-way, one 5-way and one 6-way composition, covering both page
# layouts (one shared Submit named once at the end; a button per sub-task), plus the page that
# throws at reset (reported as broken, never scored)
CPU_SUBSET: tuple[str, ...] = (
    "click-button_click-link", "click-link_click-button", "click-button-sequence_click-checkboxes",
    "click-option_login-user", "enter-password_click-option", "enter-date_login-user",
    "click-widget_enter-password", "click-link_enter-text",
    "click-button_click-option_login-user", "click-widget_click-option_click-dialog",
    "click-link_click-button_click-dialog",
    "click-link_click-button_click-checkboxes_click-dialog",
    "click-link_click-button_click-checkboxes_click-option_click-dialog",
    "click-widget_click-link_click-button_click-checkboxes_click-option_click-dialog",
    "click-button_enter-text",
)


def labels(name: str) -> dict:
    """What a page is, from its name: composition (without `-reverse`), bases in execution order,
    n, transition, direction ("base" for a single task)."""
    stem, reverse = (name[: -len("-reverse")], True) if name.endswith("-reverse") else (name, False)
    transition = stem.endswith("-transition")
    bases = tuple(stem.removesuffix("-transition").split("_"))
    return {"composition": stem, "bases": bases, "n": len(bases), "transition": transition,
            "direction": "base" if len(bases) == 1 else "reverse" if reverse else "forward"}


def page_names(compositions) -> list[str]:
    """Forward and reverse page names of `compositions` (forward first; no twin where none exists)."""
    out = []
    for c in compositions:
        out.append(c)
        if c not in NO_REVERSE:
            out.append(c + "-reverse")
    return out


def base_tasks_of(compositions) -> list[str]:
    """The MiniWoB base tasks the compositions are made of (sorted): each is a page of the miniwob
    package, played alone for the base success rates."""
    return sorted({b for c in compositions for b in labels(c)["bases"]})


def folder(paper_dir: str) -> Path:
    """`Config.paper_dir` as a folder: absolute, or relative to the repo root."""
    from workbench.paths import REPO_ROOT
    p = REPO_ROOT / paper_dir
    return p if p.is_dir() else Path(paper_dir).resolve()


def check_folder(folder: Path, compositions) -> None:
    """WorkbenchError naming the missing pages when `folder` lacks any page of `compositions`."""
    if not folder.is_dir():
        raise WorkbenchError(f"paper_dir: {folder} is not a folder; it must hold CompWoB's pages "
                             "(compositional_rl/compwob/compositional/ of google-research/google-research)")
    missing = [n for n in page_names(compositions) if not (folder / f"{n}.html").exists()]
    if missing:
        raise WorkbenchError(f"paper_dir: {folder} lacks {len(missing)} page(s) of the selected compositions, "
                             f"e.g. {missing[0]}.html")
