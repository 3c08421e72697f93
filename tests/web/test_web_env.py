"""WebEnv lifecycle: no browser processes left after close / Ctrl-C, crash recovery, the
per-episode time limit, input errors."""

import contextlib
import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import psutil
import pytest
from support import needs_browser

from workbench import WorkbenchError
from workbench.web.actions import Action

pytestmark = needs_browser
REPO = Path(__file__).resolve().parents[2]


def alive(pids):
    """The pids that still run (zombies waiting to be reaped by init count as gone)."""
    out = []
    for pid in pids:
        try:
            if psutil.Process(pid).status() != psutil.STATUS_ZOMBIE:
                out.append(pid)
        except psutil.NoSuchProcess:
            pass
    return out


def still_alive_after(pids, timeout=10.0):
    """Poll until every pid is gone or `timeout` seconds pass; the pids still running then.

    Processes take a moment to exit after a kill: a deadline, not a fixed sleep, so a slow machine
    does not fail the test and a fast one does not wait."""
    deadline = time.monotonic() + timeout
    while alive(pids) and time.monotonic() < deadline:
        time.sleep(0.05)
    return alive(pids)


def chromium_main(env):
    """The browser's main process: chromedriver's chromium child."""
    driver = psutil.Process(env.pids[0])
    return next(p for p in driver.children() if "chrom" in p.name())


def button_ref(obs, label):
    return next(e.ref for e in obs.dom if e.tag == "BUTTON" and e.text == label)


def test_close_kills_every_process_and_is_idempotent():
    from workbench.web.env import WebEnv

    env = WebEnv("click-button", screenshots=False)
    pids = env.pids
    assert len(pids) >= 2 and any("chrom" in psutil.Process(p).name() for p in pids[1:])
    env.reset()
    env.close()
    env.close()
    assert still_alive_after(pids) == []
    with pytest.raises(WorkbenchError):
        env.reset()


def test_context_manager_closes_on_exception():
    from workbench.web.env import WebEnv

    with pytest.raises(ZeroDivisionError):
        with WebEnv("click-button", screenshots=False) as env:
            pids = env.pids
            env.reset()
            1 / 0
    assert still_alive_after(pids) == []


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
def test_ctrl_c_or_kill_leaves_no_browser(sig):
    script = textwrap.dedent("""
        import json, signal, sys, time
        signal.signal(signal.SIGINT, signal.default_int_handler)   # even when started with SIGINT ignored
        from workbench.web.env import WebEnv
        env = WebEnv("click-button", screenshots=False)   # no `with`: atexit must clean up
        env.reset()
        print(json.dumps(env.pids), flush=True)
        while True:
            env.reset(); time.sleep(0.05)
    """)
    proc = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, cwd=REPO,
                            env={**os.environ, "PYTHONPATH": str(REPO)})
    try:
        pids = json.loads(proc.stdout.readline())
        assert alive(pids)
        proc.send_signal(sig)
        proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    survivors = still_alive_after(pids)
    for pid in survivors:         # do not leave a browser behind for the rest of the suite
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
    assert survivors == [], f"browser processes survived signal {sig}"


def test_crashed_browser_is_restarted_and_the_episode_fails():
    from workbench.web.env import WebEnv

    with WebEnv("click-button", seed=3, screenshots=False) as env:
        obs = env.reset()
        old = env.pids
        chromium_main(env).kill()
        r = env.step(Action.click(button_ref(obs, obs.field("target"))))
        assert r.terminated and not r.success and r.info.get("crashed")
        assert env.crashes == 1
        assert set(env.pids).isdisjoint(old)
        assert still_alive_after(old) == []
        obs = env.reset()  # the new browser works
        r = env.step(Action.click(button_ref(obs, obs.field("target"))))
        assert r.success


def test_time_limit_truncates_the_episode():
    from workbench.web.env import WebEnv

    with WebEnv("click-button", time_limit_s=0.5, screenshots=False) as env:
        obs = env.reset()
        time.sleep(0.8)  # let the 0.5 s limit pass: the elapsed time is what is tested
        r = env.step(Action.click(button_ref(obs, obs.field("target"))))
        assert r.truncated and not r.terminated and not r.success
        assert r.info["reason"] == "timed out" and r.reward == -1.0
        with pytest.raises(WorkbenchError, match="reset"):
            env.step(Action.none())
        # within the limit the same task succeeds, and `reward` is the undiscounted raw reward
        obs = env.reset()
        r = env.step(Action.click(button_ref(obs, obs.field("target"))))
        assert r.success and r.reward == 1.0 and 0 < r.info["env_reward"] <= 1.0


def test_seeds_reproduce_problems():
    from workbench.web.env import WebEnv

    with WebEnv("click-button", seed=7, screenshots=False) as env:
        a = [env.reset().utterance for _ in range(3)]
        b = env.reset(seed=env.seed).utterance
    with WebEnv("click-button", seed=7, screenshots=False) as env:
        assert [env.reset().utterance for _ in range(3)] == a
    assert b == a[-1]


def test_bad_inputs_are_one_line_errors(tmp_path):
    from workbench.web.env import WebEnv

    with pytest.raises(WorkbenchError, match="unknown MiniWoB task"):
        WebEnv("no-such-task")
    with pytest.raises(WorkbenchError, match="no page"):
        WebEnv("nothing", html_dir=tmp_path)
    with pytest.raises(WorkbenchError, match="time_limit_s"):
        WebEnv("click-button", time_limit_s=0)


def test_seeds_give_the_same_problems_as_raw_miniwob():
    import gymnasium as gym
    import miniwob

    from workbench.web.env import WebEnv

    gym.register_envs(miniwob)
    raw = gym.make("miniwob/click-checkboxes-v1")
    try:
        want = [raw.reset(seed=s)[0]["utterance"] for s in (5, 6)]
    finally:
        raw.close()
    with WebEnv("click-checkboxes", screenshots=False) as env:
        assert [env.reset(seed=s).utterance for s in (5, 6)] == want


def test_crash_before_reset_restarts_the_browser():
    from workbench.web.env import WebEnv

    with WebEnv("click-button", screenshots=False) as env:
        env.reset()
        old = env.pids
        chromium_main(env).kill()
        obs = env.reset()  # restarts and retries once
        assert env.crashes == 1 and set(env.pids).isdisjoint(old)
        r = env.step(Action.click(button_ref(obs, obs.field("target"))))
        assert r.success
