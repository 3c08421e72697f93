"""Train the policies behind GDT's offline data, once, and write them to data/gdt/ (run by hand).

    python -m workbench.papers.gdt.make_data [--steps 3000000] [--speed-steps 600000] [--out data/gdt]
    python -m workbench.papers.gdt.make_data --speeds-only --speeds 1 3   # add speed policies to data/gdt

1. PPO on `runner_run` (the sim layer's half-cheetah-family runner, spring backend), keeping the policy
   of every epoch: `runner_ckpt_XX.npz`, from near-random to the best this budget reaches (D4RL's
   random -> expert spread, the paper's medium-replay flavour).
2. Warm-started from the checkpoint nearest in mean speed, PPO on `runner_speed` (reward -|v_x - speed|, cheetah-vel
   style) at a few target speeds: `runner_speed_<v>.npz`, policies that hold a pace no checkpoint holds.
Each file is a `workbench.sim.harness.save_policy` file whose header records this script, the PPO
settings and the measured return; `manifest.json` lists them. The notebook's `cpu` scale only reads these
files and rolls them out (`workbench.papers.gdt.data.make_dataset`), so no PPO runs inside its budget.

Checkpoint files carry the final run's value network beside each epoch's policy: acting needs only the
normaliser and the policy, and the policy-file format stores all three.
"""
from __future__ import annotations

import argparse
import dataclasses
import json
import time
from pathlib import Path

from workbench.sim import composer, harness, rollouts
from workbench.sim.env import build_env

SCRIPT = "python -m workbench.papers.gdt.make_data"


def ppo_settings(steps: int, num_evals: int) -> harness.PPOConfig:
    """brax's half-cheetah PPO recipe shrunk for 2 CPU cores: 128 envs instead of 2048."""
    return harness.PPOConfig(num_timesteps=steps, num_envs=128, episode_length=1000, unroll_length=20,
                             batch_size=128, num_minibatches=4, num_updates_per_batch=8, learning_rate=1e-3,
                             entropy_cost=1e-3, discounting=0.95, reward_scaling=1.0, num_evals=num_evals,
                             policy_hidden=(32, 32, 32, 32), value_hidden=(64, 64, 64))


def _measure(env, policy_file: Path, episodes: int = 8, steps: int = 300) -> dict:
    """Deterministic return over `steps` steps and mean x-velocity; one compilation for every file."""
    pol = harness.load_policy(policy_file)
    ep = rollouts.collect(env, rollouts.ppo_apply(env, pol.cfg), episodes, steps, seed=123, params=pol.params,
                          policy_key=("gdt_measure", pol.cfg))
    vx = ep["observations"][1:, :, 8]
    return {"return_300": float(ep["rewards"].sum(0).mean()), "xvel_mean": float(vx.mean())}


def _partial_run(env, cfg: harness.PPOConfig) -> harness.Run:
    """The epochs a killed `harness.train` left in its resume file (same cache key as harness.train)."""
    import pickle
    from workbench import cache
    key = {"env": harness.env_key(env), "ppo": dataclasses.asdict(cfg), "seed": 0, "extra": "none"}
    saved = pickle.loads(cache.path_for("sim/ppo/ckpt", key).read_bytes())
    ts = saved["ts"]
    return harness.Run((ts.normalizer, ts.params.policy, ts.params.value), (), saved["history"], int(ts.env_steps),
                       {}, cfg, 0, saved["checkpoints"])


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--steps", type=int, default=3_000_000, help="env steps of the main PPO run")
    ap.add_argument("--checkpoints", type=int, default=12, help="epochs = saved checkpoints")
    ap.add_argument("--speeds", type=float, nargs="*", default=[1.0, 3.0], help="target speeds (m/s)")
    ap.add_argument("--speed-steps", type=int, default=600_000, help="env steps per speed policy")
    ap.add_argument("--out", default="data/gdt")
    ap.add_argument("--partial", action="store_true",
                    help="write the epochs an interrupted main run saved (its resume file) instead of training on")
    ap.add_argument("--speeds-only", action="store_true",
                    help="keep the checkpoints already in --out; train only the speed policies, warm-started "
                         "from the checkpoint nearest in mean speed, and add them to its manifest")
    args = ap.parse_args(argv)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    env = build_env("runner_run")
    t0 = time.time()
    if args.speeds_only:
        manifest = json.loads((out / "manifest.json").read_text())
        manifest["files"] = [f for f in manifest["files"]   # keep the speed policies not retrained now
                             if f["kind"] == "checkpoint" or f.get("speed") not in args.speeds]
        manifest["speeds_args"] = vars(args)
        checkpoints = []
    else:
        cfg = ppo_settings(args.steps, args.checkpoints)
        run = _partial_run(env, cfg) if args.partial else harness.train(env, cfg, seed=0,
                            progress=lambda s, m: print(f"[{time.time() - t0:6.0f}s] run {s:>9d} "
                                                        f"reward {m.get('train/reward', float('nan')):8.2f}", flush=True))
        manifest = {"script": SCRIPT, "args": vars(args), "files": []}
        checkpoints = run.checkpoints
    for i, ck in enumerate(checkpoints):
        path = out / f"runner_ckpt_{i:02d}.npz"
        ck_run = dataclasses.replace(run, params=(*ck["params"], run.params[2]), env_steps=ck["step"])
        harness.save_policy(path, ck_run, env, SCRIPT, {"train/reward": ck.get("train/reward")},
                            note=f"runner_run PPO checkpoint {i} of {len(run.checkpoints)}")
        manifest["files"].append({"file": path.name, "kind": "checkpoint", "env_steps": ck["step"],
                                  **_measure(env, path)})
        print(manifest["files"][-1], flush=True)
    for v in ([] if args.partial else args.speeds):
        # warm start from the checkpoint whose mean speed is nearest the target: slowing the final (fastest)
        # policy down to 1 m/s took more than 600k steps (2.7 m/s after them), starting near the pace does not
        ckpts = [f for f in manifest["files"] if f["kind"] == "checkpoint"]
        start = min(ckpts, key=lambda f: abs(f["xvel_mean"] - v))
        init = harness.load_policy(out / start["file"]).params
        senv = build_env(composer.get("runner_speed", components__agent__reward_fns__target_speed__speed=v))
        srun = harness.train(senv, ppo_settings(args.speed_steps, 2), seed=1, init_params=init,
                             progress=lambda s, m: print(f"[{time.time() - t0:6.0f}s] speed {v} {s:>9d} "
                                                         f"reward {m.get('train/reward', float('nan')):8.2f}", flush=True))
        path = out / f"runner_speed_{v:g}.npz"
        harness.save_policy(path, srun, senv, SCRIPT, {"train/reward": srun.history.last("train/reward")},
                            note=f"runner_speed at {v:g} m/s, warm-started from {start['file']}")
        manifest["files"].append({"file": path.name, "kind": "speed", "speed": v, "warm_start": start["file"],
                                  "env_steps": args.speed_steps, **_measure(env, path)})
        print(manifest["files"][-1], flush=True)
    manifest["speeds_runtime_s" if args.speeds_only else "runtime_s"] = round(time.time() - t0, 1)
    (out / "manifest.json").write_text(json.dumps(manifest, indent=1))


if __name__ == "__main__":
    main()
