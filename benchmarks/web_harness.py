"""Episodes per second through `workbench.web.env.WebEnv` versus raw `miniwob` (gymnasium).

Both sides play the same tasks with the same element actions, one browser at a time, alternating
blocks so that machine load hits both alike:
- click-button: reset, then CLICK_ELEMENT on the target button (1 step);
- login-user: reset, FOCUS_ELEMENT_AND_TYPE_TEXT username, password, CLICK_ELEMENT login (3 steps).
The raw side reads refs from miniwob's `dom_elements`; WebEnv's side from `Observation.dom`.
Both run with screenshots on (miniwob's default) and off. WebEnv additionally returns the
`#wrap` HTML every step (read in the same script call as the DOM).

    PYTHONPATH=$PWD python benchmarks/web_harness.py [--episodes 40] [--rounds 2]

Prints episodes/s for each side and the ratio raw/harness (overhead = ratio - 1; goal <= 10%).
Browser start-up (about 1.5 s on each side) is excluded.
"""

from __future__ import annotations

import argparse
import os
import time

os.environ.setdefault("SE_OFFLINE", "true")


def raw_episode(env, task: str) -> bool:
    obs, _ = env.reset()
    els = obs["dom_elements"]

    def ref(pred):
        return next(e["ref"] for e in els if pred(e))

    u = env.unwrapped
    if task == "click-button":
        target = dict(obs["fields"])["target"]
        actions = [u.create_action("CLICK_ELEMENT",
                                   ref=ref(lambda e: e["tag"] == "button" and e["text"] == target))]
    else:
        f = dict(obs["fields"])
        actions = [
            u.create_action("FOCUS_ELEMENT_AND_TYPE_TEXT", ref=ref(lambda e: e["id"] == "username"),
                            text=f["username"]),
            u.create_action("FOCUS_ELEMENT_AND_TYPE_TEXT", ref=ref(lambda e: e["id"] == "password"),
                            text=f["password"]),
            u.create_action("CLICK_ELEMENT", ref=ref(lambda e: e["id"] == "subbtn")),
        ]
    for a in actions:
        _obs, reward, done, _trunc, info = env.step(a)
    return done and info["raw_reward"] > 0


def harness_episode(env, task: str) -> bool:
    from workbench.web.actions import Action

    obs = env.reset()
    if task == "click-button":
        target = obs.field("target")
        actions = [Action.click(next(e.ref for e in obs.dom
                                     if e.tag == "BUTTON" and e.text == target))]
    else:
        by_id = {e.id: e.ref for e in obs.dom if e.id}
        actions = [Action.type(by_id["username"], obs.field("username")),
                   Action.type(by_id["password"], obs.field("password")),
                   Action.click(by_id["subbtn"])]
    for a in actions:
        r = env.step(a)
    return r.success


def run_raw(task: str, episodes: int, screenshots: bool) -> tuple[float, float]:
    import gymnasium as gym
    import miniwob  # noqa: F401 - registers the envs

    gym.register_envs(miniwob)
    env = gym.make(f"miniwob/{task}-v1")
    try:
        env.unwrapped.set_record_screenshots(screenshots)
        raw_episode(env, task)  # warm-up
        t0 = time.perf_counter()
        ok = sum(raw_episode(env, task) for _ in range(episodes))
        return episodes / (time.perf_counter() - t0), ok / episodes
    finally:
        env.close()


def run_harness(task: str, episodes: int, screenshots: bool) -> tuple[float, float]:
    from workbench.web.env import WebEnv

    with WebEnv(task, seed=0, screenshots=screenshots) as env:
        harness_episode(env, task)  # warm-up
        t0 = time.perf_counter()
        ok = sum(harness_episode(env, task) for _ in range(episodes))
        return episodes / (time.perf_counter() - t0), ok / episodes


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--episodes", type=int, default=40)
    p.add_argument("--rounds", type=int, default=2)
    args = p.parse_args()
    from workbench.web.env import chromium_missing

    if chromium_missing():
        print(f"web_harness: skipped, {chromium_missing()}")
        return
    print(f"{'task':<14} {'shots':<6} {'raw ep/s':>9} {'harness ep/s':>13} {'raw/harness':>12}"
          f" {'success raw/harness':>20}")
    for task in ("click-button", "login-user"):
        for shots in (True, False):
            raw, har, sr, sh = [], [], [], []
            for _ in range(args.rounds):
                r, s = run_raw(task, args.episodes, shots)
                raw.append(r), sr.append(s)
                h, s = run_harness(task, args.episodes, shots)
                har.append(h), sh.append(s)
            r, h = sum(raw) / len(raw), sum(har) / len(har)
            print(f"{task:<14} {str(shots):<6} {r:>9.2f} {h:>13.2f} {r / h:>12.3f}"
                  f" {min(sr):>10.2f}/{min(sh):.2f}", flush=True)


if __name__ == "__main__":
    main()
