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

`--demos` measures oracle demonstrations per minute instead: the harness side plays each task's
scripted oracle through `WebEnv` and writes every step with `Recorder` (JSONL, and PNGs when
screenshots are on) into a temporary folder; the raw side replays the very same actions (same
seeds, so the same pages and refs) on raw `miniwob` with no agent and no recording. Tasks:
`--tasks` (default: a mix of one- to multi-step tasks). "time har/raw" is the harness's time
over raw miniwob's for the same episodes (overhead = that - 1; below 1 the harness is faster).

    PYTHONPATH=$PWD python benchmarks/web_harness.py --demos [--episodes 20] [--rounds 2]
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


# tasks whose refs are the same on replay (animated widgets such as the date picker number their
# elements in the order they finish appearing, so replaying their refs on raw miniwob can miss)
DEMO_TASKS = ("click-button", "login-user", "click-checkboxes", "email-inbox", "search-engine")


def demo_harness(task: str, seeds: list[int], screenshots: bool, folder) -> tuple[float, list]:
    """(seconds, [actions per episode]) for recorded oracle episodes through WebEnv."""
    from workbench.web.agent import run_episode
    from workbench.web.env import WebEnv
    from workbench.web.oracles import oracle
    from workbench.web.recorder import Recorder

    rec = Recorder(folder, screenshots=screenshots)
    with WebEnv(task, seed=0, screenshots=screenshots) as env:
        run_episode(env, oracle(task), max_steps=30, seed=seeds[0])  # warm-up, not recorded
        t0 = time.perf_counter()
        eps = [run_episode(env, oracle(task), max_steps=30, seed=s, recorder=rec) for s in seeds]
        dt = time.perf_counter() - t0
    assert all(e.success for e in eps), f"oracle failed on {task}"
    return dt, [e.steps for e in eps]


def demo_raw(task: str, seeds: list[int], actions: list, screenshots: bool) -> tuple[float, int]:
    """(seconds, successes) replaying the harness's actions on raw miniwob."""
    import gymnasium as gym
    import miniwob  # noqa: F401 - registers the envs

    from workbench.web.actions import parse_action
    from workbench.web.env import action_space_config

    gym.register_envs(miniwob)
    env = gym.make(f"miniwob/{task}-v1", action_space_config=action_space_config())
    try:
        u = env.unwrapped
        u.set_record_screenshots(screenshots)
        config = u.action_space_config

        def play(seed, steps):
            env.reset(seed=seed)
            info = {}
            for a in steps:
                parsed = parse_action(a)
                if parsed.kind == "none":
                    time.sleep(0.1)  # WebEnv's none_wait_s: the same waits on both sides
                _o, _r, done, _t, info = env.step(parsed.to_miniwob(config))
            return info.get("raw_reward", 0) > 0

        play(seeds[0], actions[0])  # warm-up
        t0 = time.perf_counter()
        ok = sum(play(s, a) for s, a in zip(seeds, actions))
        return time.perf_counter() - t0, ok
    finally:
        env.close()


def demos_main(args) -> None:
    import random
    import tempfile

    tasks = args.tasks or list(DEMO_TASKS)
    print(f"{'task':<18} {'shots':<6} {'raw demos/min':>14} {'harness demos/min':>18} "
          f"{'time har/raw':>12} {'steps/ep':>9}")
    total = {True: [0.0, 0.0, 0], False: [0.0, 0.0, 0]}
    for task in tasks:
        rng = random.Random(f"bench/{task}")
        seeds = [rng.randrange(2**31) for _ in range(args.episodes)]
        for shots in (True, False):
            t_raw = t_har = 0.0
            steps = 0
            for _ in range(args.rounds):
                with tempfile.TemporaryDirectory() as tmp:
                    dt, actions = demo_harness(task, seeds, shots, tmp)
                t_har += dt
                dr, ok = demo_raw(task, seeds, actions, shots)
                assert ok == len(seeds), f"raw replay of {task} succeeded {ok}/{len(seeds)}"
                t_raw += dr
                steps = sum(map(len, actions)) / len(actions)
            n = args.episodes * args.rounds
            total[shots][0] += t_raw
            total[shots][1] += t_har
            total[shots][2] += n
            print(f"{task:<18} {str(shots):<6} {60 * n / t_raw:>14.1f} {60 * n / t_har:>18.1f} "
                  f"{t_har / t_raw:>12.3f} {steps:>9.1f}", flush=True)
    for shots, (t_raw, t_har, n) in total.items():
        print(f"{'all':<18} {str(shots):<6} {60 * n / t_raw:>14.1f} {60 * n / t_har:>18.1f} "
              f"{t_har / t_raw:>12.3f}")


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--episodes", type=int, default=40)
    p.add_argument("--rounds", type=int, default=2)
    p.add_argument("--demos", action="store_true",
                   help="oracle demonstrations per minute (recorded) vs raw replay of the actions")
    p.add_argument("--tasks", nargs="*", default=None, help="tasks for --demos")
    args = p.parse_args()
    from workbench.web.env import chromium_missing

    if chromium_missing():
        print(f"web_harness: skipped, {chromium_missing()}")
        return
    if args.demos:
        demos_main(args)
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
