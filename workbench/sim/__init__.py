"""workbench.sim: the shared Brax/MuJoCo layer (Composer, bodies, goal tasks, PPO harness, rollouts,
datasets, arms, offline viewer).

    from workbench.sim import composer, harness, rollouts, datasets, viewer
    from workbench.sim.env import build_env
    env = build_env("ant_run", components__agent__params__num_legs=6)
    run = harness.train(env, harness.PPOConfig(num_timesteps=200_000), seed=0, progress=dash)
    fig = viewer.rollout_figure(env, harness.rollout(env, run, steps=100))

Bodies and goal tasks (`composer`, `env`):
    composer.morphology("claw-4-broken0")       # MxT families ant-n, claw-n, centipede-n, worm-n; variants
                                                #   -broken<i>, -short<i>, -mass<x>, -size<x>; MORPHOLOGIES lists a set
    env = build_env(composer.goal_task("touch", "ant-4"))    # or "reach" (nearest foot); spring, 300 steps
    tok, mask = env.tokens(state.pipeline_state, state.info["task"]["goal"], pad_to=32)  # one token per part + goal
  A goal is drawn at every reset, including the automatic ones inside PPO (`ppo.AutoReset`; brax's own
  wrapper replays each env's first goal). Reward = progress/dt + success bonus - ctrl cost; success ends
  the episode; `info` carries success, distance and initial distance, and training reports
  `train/success`, `train/final_over_initial` over the episodes that ended.

Training (`harness.train`): progress callback, parameter cache and resume as before, plus
  eval_episodes=k (per-epoch deterministic evaluation), run.checkpoints (params + metrics per epoch, kept
  in the cache), stop_success=0.9 (early stop), init_params=... (warm start),
  save_policy(path, run, env, script, metrics) / load_policy(path) (one small versioned .npz for data/).

Rollouts and data (`rollouts`, `datasets`):
    ep = rollouts.collect(env, rollouts.ppo_policy(env, run), episodes=64)   # jitted + vmapped
    ep = rollouts.collect(env, torch_policy, 16, host=True)                  # any host policy
    datasets.save("data/sim/x.npz", ep, meta={...}); ds = datasets.load(...)  # D4RL/Minari field names
  h5py is not installed here: `load_minari_hdf5` / `load_d4rl_hdf5` need it and say so.

Arms (`arms`, MuJoCo on the host): ArmEnv("panda7" | "ur6" | "widow5" | "scara4" | "kuka7" | "planar3",
  task="reach" | "push" | "pick_place"), differential IK from mj_jacSite, Expert (scripted waypoints),
  per-arm DoF (3-7), control rate and action convention; `viewer.arm_figure` draws an episode offline.

Robot episodes (`episodes`, any robot data): RLDS step semantics in a LeRobot-v3-like folder (Parquet
  frames, JSON meta, per-feature stats); EpisodeWriter / EpisodeDataset with schema checks,
  read_rlds_tfrecord / write_rlds_tfrecord (TFDS episode files, no TensorFlow), frame_windows (torch).

Modules import jax/brax lazily where they can: `composer` (descriptions, MJCF) is cheap, `env`,
`ppo`, `harness`, `rollouts` and `viewer` import jax; `arms`, `datasets` and `episodes` do not. Used by Braxlines,
GDT, MxT-Bench and RT-X notebooks; this package never imports a paper subpackage.
"""
import os

# Before jax's first import: XLA logs two CPU-feature lines per executable loaded from the persistent
# compilation cache (see env.enable_compile_cache); level 3 keeps notebook output clean.
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
