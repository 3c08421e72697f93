"""Env-steps/s through workbench.sim.harness vs raw brax.training.agents.ppo.train, same env and settings.

    PYTHONPATH=. python benchmarks/sim_harness.py [--env point_mass_goal] [--steps 400000] [--envs 128]

Both run PPO on the same Composer env with the same network sizes, batch shapes and number of epochs.
Steps/s is the median over epochs after the first (brax's first epoch includes its compilation; the
harness compiles ahead of time and reports jit time apart). `--rounds` alternates raw and harness runs
and keeps each side's best median, so a load spike on a shared machine hits both. Goal: overhead <= 10 %.
"""
from __future__ import annotations

import argparse
import functools
import os
import statistics
import tempfile
import time

os.environ.setdefault("WORKBENCH_CACHE", tempfile.mkdtemp(prefix="wb-bench-"))  # no cached params

from workbench.sim import harness  # noqa: E402  (sets XLA logging first)
from workbench.sim.env import build_env  # noqa: E402
from brax.training.agents.ppo import networks as ppo_networks  # noqa: E402
from brax.training.agents.ppo import train as brax_ppo  # noqa: E402


def compare_to_raw(env, cfg: harness.PPOConfig, rounds: int) -> tuple[float, float]:
    """(raw brax, harness) env-steps/s on `env` with `cfg`: each side's best median over `rounds`,
    the two sides alternating so that a load spike on a shared machine hits both."""
    raws, mines = [], []
    for r in range(rounds):
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
    return max(raws), max(mines)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--env", default="point_mass_goal")
    ap.add_argument("--steps", type=int, default=400_000)
    ap.add_argument("--envs", type=int, default=128)
    ap.add_argument("--evals", type=int, default=6)
    ap.add_argument("--rounds", type=int, default=2)
    args = ap.parse_args()
    env = build_env(args.env)
    cfg = harness.PPOConfig(num_timesteps=args.steps, num_envs=args.envs, batch_size=args.envs, num_minibatches=4,
                            unroll_length=10, num_updates_per_batch=4, num_evals=args.evals)

    raw, mine = compare_to_raw(env, cfg, args.rounds)
    print(f"env {args.env}, {cfg.num_envs} envs, {cfg.num_timesteps} steps, {cfg.num_evals} epochs, best of {args.rounds}")
    print(f"{'brax ppo.train (raw)':24s}{raw:14.0f} env-steps/s")
    print(f"{'workbench.sim.harness':24s}{mine:14.0f} env-steps/s")
    print(f"ratio harness/raw = {mine / raw:.3f}  -> overhead {100 * (1 - mine / raw):+.1f} %  (goal <= 10 %)")


if __name__ == "__main__":
    main()
