"""The word-overlap baseline in real Chromium: it solves a base page whose target is quoted in the
instruction, and it acts identically on a composed page and its reverse twin (same seed, same problem):
it reads the instruction as a bag of words."""
import pytest

from workbench.web import env as env_mod

if env_mod.chromium_missing():
    pytest.skip(env_mod.chromium_missing(), allow_module_level=True)

from workbench.web.agent import run_episode  # noqa: E402
from workbench.web.compose import PAGES_DIR  # noqa: E402
from workbench.papers.compwob.browser import goto  # noqa: E402
from workbench.papers.compwob.overlap_agent import OverlapAgent  # noqa: E402


def test_overlap_baseline_on_real_pages():
    env = None
    try:
        env = goto(env, "click-link", PAGES_DIR, screenshots=False, time_limit_s=30)
        ep = run_episode(env, OverlapAgent(), max_steps=3, seed=4)
        assert ep.success and ep.n_steps == 1, ep.steps     # the quoted link text outscores every other link
        runs = {}
        for name in ("click-checkboxes_enter-text", "click-checkboxes_enter-text-reverse"):
            env = goto(env, name, PAGES_DIR, screenshots=False, time_limit_s=30)
            runs[name] = run_episode(env, OverlapAgent(), max_steps=6, seed=9)
        fwd, rev = runs.values()
        assert fwd.utterance != rev.utterance and ", after " in rev.utterance
        assert fwd.steps == rev.steps and fwd.reward == rev.reward
    finally:
        if env is not None:
            env.close()
