"""Composition engine: several base web tasks on one MiniWoB-format page, in a fixed order.

After CompWoB (Furuta et al., arXiv 2311.18751): sub-tasks share one `#area`; earlier sub-tasks
only set state, the final sub-task's click gives +1 iff every earlier one was done right and in order,
and a wrong final click gives -1. Forward instructions read "A, B, and then C."; the reverse twin
(identical JavaScript) reads "C, after A-ing, and B-ing.". The pages are generated from JavaScript
snippets written for this project (`runtime.js`, `bases.js` beside the pages in
`workbench/web/tasks/compwob/`); `pages_fingerprint()` hashes what decides the pages' behaviour.

    from workbench.web.compose import PAGES_DIR, all_tasks
    env = WebEnv("click-button_click-link-reverse", html_dir=PAGES_DIR)   # workbench.web.env
"""
from __future__ import annotations

from workbench.web.compose.catalog import (BASES, COMPOSITIONS, Task, all_tasks, base_tasks, composed_tasks,
                                           parse)
from workbench.web.compose.generate import PAGES_DIR, pages_fingerprint, write_pages

__all__ = ["BASES", "COMPOSITIONS", "Task", "all_tasks", "base_tasks", "composed_tasks", "parse",
           "PAGES_DIR", "pages_fingerprint", "write_pages"]

