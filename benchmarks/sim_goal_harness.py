"""Goal-task env-steps/s through workbench.sim.harness vs raw brax PPO, and scripted-arm collection steps/s.

    PYTHONPATH=. python benchmarks/sim_goal_harness.py [--body ant-4] [--steps 200000] [--envs 128] [--rounds 1]

Part 1: PPO on the generated `touch` task of one body (fresh goal at every automatic reset through
`ppo.AutoReset`, per-episode success metrics) under `harness.train`, against `brax.training.agents.ppo.train`
on the same env (brax's own auto-reset, which replays each env's first goal: the equivalent env without our
wrapper). Same network sizes, batch shapes and epochs; steps/s is the median over epochs after the first.
Goal: overhead <= 10 %. Part 2: scripted-expert episodes on MuJoCo arms (host loop), control steps/s and
physics steps/s per arm.
"""
from __future__ import annotations

import argparse
import os
import tempfile
import time

os.environ.setdefault("WORKBENCH_CACHE", tempfile.mkdtemp(prefix="wb-bench-"))  # no cached params

from workbench.sim import arms, composer, harness  # noqa: E402  (sets XLA logging first)
from workbench.sim.env import build_env  # noqa: E402
from sim_harness import compare_to_raw  # noqa: E402  (this folder is on sys.path when run as a script)


def ppo_part(args) -> None:
    env = build_env(composer.goal_task("touch", args.body))
    cfg = harness.PPOConfig(num_timesteps=args.steps, num_envs=args.envs, batch_size=args.envs, num_minibatches=4,
                            unroll_length=10, num_updates_per_batch=4, num_evals=args.evals,
                            policy_hidden=(64, 64), value_hidden=(128, 128), learning_rate=3e-4)
    raw, mine = compare_to_raw(env, cfg, args.rounds)
    print(f"touch {args.body}: {cfg.num_envs} envs, {cfg.num_timesteps} steps, {cfg.num_evals} epochs, best of {args.rounds}")
    print(f"{'brax ppo.train (raw)':24s}{raw:14.0f} env-steps/s")
    print(f"{'workbench.sim.harness':24s}{mine:14.0f} env-steps/s  (fresh goals + success metrics)")
    print(f"ratio harness/raw = {mine / raw:.3f}  -> overhead {100 * (1 - mine / raw):+.1f} %  (goal <= 10 %)")


def arm_part(args) -> None:
    print("scripted-arm collection (host loop, MuJoCo):")
    for name in arms.ARMS:
        env = arms.ArmEnv(name, "pick_place")
        steps, ok, t0 = 0, 0, time.time()
        for s in range(args.arm_episodes):
            ep = arms.run_episode(env, arms.Expert(env), seed=s)
            steps += len(ep["actions"])
            ok += ep["success"]
        dt = time.time() - t0
        print(f"  {name:8s} {env.spec.hz:4.0f} Hz  {steps / dt:7.0f} control steps/s  "
              f"{steps * env.substeps / dt:8.0f} physics steps/s  success {ok}/{args.arm_episodes}", flush=True)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--body", default="ant-4")
    ap.add_argument("--steps", type=int, default=200_000)
    ap.add_argument("--envs", type=int, default=128)
    ap.add_argument("--evals", type=int, default=4)
    ap.add_argument("--rounds", type=int, default=1)
    ap.add_argument("--arm-episodes", type=int, default=5)
    ap.add_argument("--skip-ppo", action="store_true")
    args = ap.parse_args()
    arm_part(args)
    if not args.skip_ppo:
        ppo_part(args)


if __name__ == "__main__":
    main()
