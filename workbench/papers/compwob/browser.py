"""Reuse one browser across pages: the CompWoB-mini run visits 53 pages, and starting Chromium costs
1-3 s on 2 cores while `WebEnv.switch_task` loads another page into the open browser in ~0.1 s."""
from __future__ import annotations

from workbench.web.env import WebEnv


def goto(env: WebEnv | None, task: str, html_dir, **kwargs) -> WebEnv:
    """An env showing page `task` of `html_dir`: `env` switched to it, or a new WebEnv(**kwargs) if None."""
    if env is None:
        return WebEnv(task, html_dir=html_dir, **kwargs)
    if env.task != task:
        env.switch_task(task, html_dir=html_dir)
    return env
