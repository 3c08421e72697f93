"""PPO experts, one per (morphology, task): trained once by this script, shipped as policy files in data/mxt/.

    PYTHONPATH=. nice -n 10 python -m workbench.papers.mxt.experts ant-4:reach ant-3:touch ... [--steps 600000]
    ... ant-4:reach --steps 1200000 --evals 30 --export   # file from an interrupted run's last checkpoint
    ... ant-4:reach --steps 400000 --warm                 # continue from the file already in data/mxt

Each expert is `harness.train` on `composer.goal_task(task, body)` with early stop once the per-epoch
deterministic evaluation reaches `stop_success`; the best checkpoint (by eval success) is re-evaluated on
64 fresh episodes and written to `data/mxt/<body>_<task>.npz` with its settings and success
(`harness.save_policy`), and `data/mxt/experts.json` (the card) is updated. An expert below
`ACCEPT_SUCCESS` (0.6) is still written and marked `accepted: false`; the notebook
measures every expert again and reports it (`distil_from` says whether sub-bar experts feed the students).
The per-epoch evaluation has 16 episodes (noisy: early stop can fire on a lucky epoch); the final one has 64.

MxT (arXiv 2211.14296, `train_ppo_mlp.py`) trains 100M steps with 2048 envs; here a few million on 2
CPU cores, which is why the tasks are the lite ones (touch 1.5-3 m, reach
0.8-1.5 m, 300-step episodes).
"""
from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

ACCEPT_SUCCESS = 0.6          # the bar for an accepted expert
DATA_DIR = Path(__file__).resolve().parents[3] / "data" / "mxt"


def expert_ppo(num_timesteps: int = 3_000_000, num_evals: int = 20):
    """The PPO settings every expert uses (brax's ant recipe scaled to 128 CPU envs)."""
    from workbench.sim import harness
    per_step = 128 * 8 * 10                      # env steps per PPO training step (envs x minibatches x unroll)
    num_evals = max(1, min(num_evals, num_timesteps // per_step))   # an epoch holds at least one training step
    return harness.PPOConfig(num_timesteps=num_timesteps, num_envs=128, batch_size=128, num_minibatches=8,
                             unroll_length=10, num_updates_per_batch=4, learning_rate=3e-4, entropy_cost=1e-2,
                             discounting=0.97, reward_scaling=1.0, policy_hidden=(64, 64), value_hidden=(128, 128),
                             num_evals=num_evals)


def expert_path(body: str, task: str, data_dir: Path = DATA_DIR) -> Path:
    return Path(data_dir) / f"{body}_{task}.npz"


def load_card(data_dir: Path = DATA_DIR) -> dict:
    p = Path(data_dir) / "experts.json"
    return json.loads(p.read_text()) if p.exists() else {"accept_success": ACCEPT_SUCCESS, "experts": {}}


def write_card(card: dict, data_dir: Path = DATA_DIR) -> None:
    """experts.json (every number) and README.md (the same as a table, for people)."""
    from workbench import cache
    cache.atomic_write_bytes(Path(data_dir) / "experts.json", (json.dumps(card, indent=1, sort_keys=True) + "\n").encode())
    cache.atomic_write_text(Path(data_dir) / "README.md", card_markdown(card))


def card_markdown(card: dict) -> str:
    lines = ["# MxT-Bench experts (PPO, one per morphology x task)", "",
             "Written by `python -m workbench.papers.mxt.experts` (see its docstring); the numbers are in "
             "`experts.json`. Success: deterministic policy, fresh goals, episodes of 300 steps (15 s); "
             f"an expert is accepted at success >= {card.get('accept_success', ACCEPT_SUCCESS)}.", "",
             "| expert | success | final/initial | eval episodes | PPO env steps | best step | train wall s | accepted | KB |",
             "|---|---|---|---|---|---|---|---|---|"]
    for k, e in sorted(card["experts"].items()):
        wall = e.get("train_wall_s")
        lines.append(f"| {k} | {e['success']:.3f} | {e['final_over_initial']:.3f} | {e.get('eval_episodes', '')} | "
                     f"{e.get('env_steps', '')} | {e.get('best_step', '')} | {'' if wall is None else wall} | "
                     f"{'yes' if e['accepted'] else 'no'} | {e.get('kb', '')} |")
    p = next(iter(card["experts"].values()), {}).get("ppo", {})
    lines += ["", f"PPO settings: {json.dumps(p, sort_keys=True)}" if p else "", "",
              "Notes: " + card.get("notes", "trained on a 2-core machine shared by six people (load average 10-16)."), ""]
    return "\n".join(lines)


def _final_eval(env, cfg, params, episodes: int) -> dict:
    """Deterministic success and final/initial on `episodes` fresh episodes (seeds 123457 + i), in chunks of the
    harness's per-epoch evaluation size so its compiled rollout is reused (a new one costs minutes under load)."""
    import numpy as np
    from workbench.sim import harness, rollouts
    succ, ratio, ret = [], [], []
    for i in range(max(1, episodes // EVAL_CHUNK)):
        ep = rollouts.collect(env, rollouts.ppo_apply(env, cfg), EVAL_CHUNK, cfg.episode_length or env.episode_length,
                              seed=123_457 + i, params=params, policy_key=("ppo_eval", harness.env_key(env), cfg))
        summ = rollouts.summary(ep)
        succ.append(summ["success"]), ratio.append(summ["final_over_initial"]), ret.append(summ["return"])
    return {"success": float(np.mean(succ)), "final_over_initial": float(np.mean(ratio)), "return": float(np.mean(ret)),
            "eval_episodes": EVAL_CHUNK * len(succ)}


EVAL_CHUNK = 16               # episodes per per-epoch evaluation during training (harness eval_episodes)


def _write(body, task, env, cfg, params, value, env_steps, seed, metrics, data_dir, note) -> dict:
    from workbench.sim import harness
    run = harness.Run((*params, value), (), None, env_steps, {}, cfg, seed)
    path = expert_path(body, task, data_dir)
    harness.save_policy(path, run, env, script="python -m workbench.papers.mxt.experts", metrics=metrics, note=note)
    entry = {"body": body, "task": task, "file": path.name, "seed": seed, **metrics,
             "accepted": metrics["success"] >= ACCEPT_SUCCESS, "ppo": dict(vars(cfg)),
             "kb": round(path.stat().st_size / 1024, 1)}
    card = load_card(data_dir)
    card["experts"][f"{body}:{task}"] = entry
    write_card(card, data_dir)
    return entry


def _best(checkpoints: list) -> dict:
    return max(checkpoints, key=lambda c: (c.get("eval/success", 0.0), -c.get("eval/final_over_initial", 9.0)))


def train_expert(body: str, task: str, num_timesteps: int, seed: int = 0, eval_episodes: int = 64,
                 stop_success: float = 0.8, data_dir: Path = DATA_DIR, progress=None, use_cache: bool = True,
                 warm: bool = False, num_evals: int = 20) -> dict:
    """Train (optionally warm-started from the policy file already in `data_dir`), pick the best checkpoint by
    its 16-episode eval, re-evaluate it on `eval_episodes` fresh episodes, write the policy file and card entry."""
    import jax
    from workbench.sim import composer, harness
    from workbench.sim.env import build_env
    env = build_env(composer.goal_task(task, body))
    cfg = expert_ppo(num_timesteps, num_evals)
    init = harness.load_policy(expert_path(body, task, data_dir)).params if warm else None
    t0 = time.time()
    run = harness.train(env, cfg, seed=seed, eval_episodes=EVAL_CHUNK, stop_success=stop_success, use_cache=use_cache,
                        namespace="mxt/expert", progress=progress or (lambda s, m: None), init_params=init)
    wall = time.time() - t0
    best = _best(run.checkpoints)
    params = jax.device_get(best["params"])
    metrics = {**_final_eval(env, cfg, params, eval_episodes), "best_step": best["step"], "env_steps": run.env_steps,
               "train_wall_s": round(wall, 1), "sps": run.timing.get("sps"), "warm_start": warm}
    return _write(body, task, env, cfg, params, run.params[2], run.env_steps, seed, metrics, data_dir,
                  f"MxT-Bench expert {body} {task}; best checkpoint by 16-episode eval success")


def export_checkpoint(body: str, task: str, num_timesteps: int, seed: int = 0, eval_episodes: int = 64,
                      stop_success: float = 0.8, data_dir: Path = DATA_DIR, num_evals: int = 20) -> dict:
    """Write the policy file from an interrupted `train_expert` run's last harness checkpoint (same settings):
    its best epoch so far, re-evaluated like a finished run."""
    import dataclasses
    import pickle
    import jax
    from workbench import WorkbenchError, cache
    from workbench.sim import composer, harness
    from workbench.sim.env import build_env
    env = build_env(composer.goal_task(task, body))
    cfg = expert_ppo(num_timesteps, num_evals)
    key = {"env": harness.env_key(env), "ppo": dataclasses.asdict(cfg), "seed": seed, "extra": "none",
           "eval_episodes": EVAL_CHUNK, "stop_success": stop_success, "warm": None}
    path = cache.path_for("mxt/expert/ckpt", key)
    if not path.exists():
        raise WorkbenchError(f"no interrupted run of {body}:{task} with {num_timesteps} steps in the cache ({path})")
    saved = pickle.loads(path.read_bytes())
    best = _best(saved["checkpoints"])
    params = jax.device_get(best["params"])
    steps = int(saved["ts"].env_steps)
    metrics = {**_final_eval(env, cfg, params, eval_episodes), "best_step": best["step"], "env_steps": steps,
               "train_wall_s": None, "sps": None, "warm_start": False, "interrupted_at": steps}
    return _write(body, task, env, cfg, params, jax.device_get(saved["ts"].params.value), steps, seed, metrics,
                  data_dir, f"MxT-Bench expert {body} {task}; run stopped at {steps} steps, best checkpoint so far")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("envs", nargs="+", help="body:task, e.g. ant-4:reach")
    ap.add_argument("--steps", type=int, default=3_000_000, help="PPO env steps per expert (most stop early)")
    ap.add_argument("--stop-success", type=float, default=0.8, help="early stop at this 16-episode eval success")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--data-dir", default=str(DATA_DIR))
    ap.add_argument("--evals", type=int, default=20, help="PPO epochs (each ends with a 16-episode evaluation)")
    ap.add_argument("--warm", action="store_true", help="continue from the policy file already in --data-dir")
    ap.add_argument("--export", action="store_true", help="write the file from an interrupted run's checkpoint "
                    "(same --steps), training nothing")
    args = ap.parse_args()
    for spec in args.envs:
        body, task = spec.split(":")
        t0 = time.time()

        def progress(step, m, t0=t0, spec=spec):
            if step:
                print(f"{spec} {step:>9d} steps {time.time() - t0:6.0f}s sps {m.get('time/sps', 0):6.0f} "
                      f"train/success {m.get('train/success', float('nan')):.2f} "
                      f"eval/success {m.get('eval/success', float('nan')):.2f} "
                      f"f/i {m.get('eval/final_over_initial', float('nan')):.2f}", flush=True)
        if args.export:
            entry = export_checkpoint(body, task, args.steps, args.seed, stop_success=args.stop_success,
                                      data_dir=Path(args.data_dir), num_evals=args.evals)
        else:
            entry = train_expert(body, task, args.steps, args.seed, stop_success=args.stop_success,
                                 data_dir=Path(args.data_dir), progress=progress, warm=args.warm,
                                 num_evals=args.evals)
        print(json.dumps({k: entry[k] for k in ("body", "task", "success", "final_over_initial", "env_steps",
                                                "train_wall_s", "accepted", "kb")}), flush=True)


if __name__ == "__main__":
    main()
