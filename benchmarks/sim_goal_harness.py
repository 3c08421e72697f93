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
import functools
import os
import statistics
import tempfile
import time

os.environ.setdefault("WORKBENCH_CACHE", tempfile.mkdtemp(prefix="wb-bench-"))  # no cached params

from workbench.sim import arms, composer, harness  # noqa: E402  (sets XLA logging first)
from workbench.sim.env import build_env  # noqa: E402
from brax.training.agents.ppo import networks as ppo_networks  # noqa: E402
from brax.training.agents.ppo import train as brax_ppo  # noqa: E402


def ppo_part(args) -> None:
    env = build_env(composer.goal_task("touch", args.body))
    cfg = harness.PPOConfig(num_timesteps=args.steps, num_envs=args.envs, batch_size=args.envs, num_minibatches=4,
                            unroll_length=10, num_updates_per_batch=4, num_evals=args.evals,
                            policy_hidden=(64, 64), value_hidden=(128, 128), learning_rate=3e-4)
    raws, mines = [], []
    for r in range(args.rounds):
        raw_sps: list[float] = []
        t0 = time.time()
        brax_ppo.train(env, num_timesteps=cfg.num_timesteps, num_envs=cfg.num_envs, episode_length=env.episode_length,
                       unroll_length=cfg.unroll_length, batch_size=cfg.batch_size, num_minibatches=cfg.num_minibatches,
                       num_updates_per_batch=cfg.num_updates_per_batch, learning_rate=cfg.learning_rate,
                       entropy_cost=cfg.entropy_cost, discounting=cfg.discounting, gae_lambda=cfg.gae_lambda,
                       clipping_epsilon=cfg.clipping_epsilon, normalize_observations=True, num_evals=cfg.num_evals,
                       run_evals=False, seed=r,
                       network_factory=functools.partial(ppo_networks.make_ppo_networks,
                                                         policy_hidden_layer_sizes=cfg.policy_hidden,
                                                         value_hidden_layer_sizes=cfg.value_hidden),
                       progress_fn=lambda step, m: raw_sps.append(float(m["training/sps"])) if "training/sps" in m else None)
        raw_wall = time.time() - t0
        ours: list[float] = []
        t0 = time.time()
        run = harness.train(env, cfg, seed=r, use_cache=False,
                            progress=lambda step, m: ours.append(m["time/sps"]) if "time/sps" in m else None)
        ours_wall = time.time() - t0
        raws.append(statistics.median(raw_sps[1:] or raw_sps))
        mines.append(statistics.median(ours[1:] or ours))
        print(f"round {r}: raw {raws[-1]:.0f} steps/s ({raw_wall:.1f} s wall), harness {mines[-1]:.0f} steps/s "
              f"({ours_wall:.1f} s wall, jit {run.timing['jit_s']:.1f} s)", flush=True)
    raw, mine = max(raws), max(mines)
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
