"""Reuse one browser across pages: point an open `WebEnv` at another page of the same folder.

Opening a `WebEnv` starts Chromium (1-3 s on 2 cores); the CompWoB-mini run visits 53 pages, so it
moves one browser from page to page instead. This reaches into `WebEnv` internals (its miniwob
instance's `url`/`driver` and the kwargs it restarts a crashed browser with); if they change, the
fallback closes the env and opens a fresh one. (A `WebEnv.goto(task)` in workbench.web would replace it.)
"""
from __future__ import annotations

import urllib.parse

from workbench.web.env import WebEnv


def goto(env: WebEnv | None, task: str, html_dir, **kwargs) -> WebEnv:
    """An env showing `task` from `html_dir`: `env` moved to the page, or a new one if that fails."""
    if env is not None and env.task == task:
        return env
    if env is not None:
        try:
            inst = env.gym_env.instance
            url = urllib.parse.urljoin(inst.url, f"{task}.html")
            inst.driver.get(url)
            if not inst.driver.execute_script("return typeof genProblem === 'function' && "
                                              "document.getElementById('sync-task-cover') !== null;"):
                raise RuntimeError(f"page {url} did not load")
            inst.url = url
            env.gym_env.subdomain = task
            env._kwargs["subdomain"] = task                       # a crash restart (new WebEnv
            env.gym_env.instance_kwargs["subdomain"] = task       # or new instance) reopens this page
            env.task = task
            env._done = True
            return env
        except Exception:  # noqa: BLE001 - any failure: fall back to a fresh browser
            env.close()
    return WebEnv(task, html_dir=html_dir, **kwargs)
