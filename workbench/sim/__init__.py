"""workbench.sim: the shared Brax layer (Composer, PPO harness, offline rollout viewer).

    from workbench.sim import harness, viewer
    from workbench.sim.env import build_env
    env = build_env("ant_run", components__agent__params__num_legs=6)
    run = harness.train(env, harness.PPOConfig(num_timesteps=200_000), seed=0, progress=dash)
    fig = viewer.rollout_figure(env, harness.rollout(env, run, steps=100))

Modules import jax/brax lazily where they can: `composer` (descriptions, MJCF) is cheap, `env`,
`ppo`, `harness` and `viewer` import jax. Used by Braxlines, GDT, MxT-Bench and RT-X notebooks;
this package never imports a paper subpackage.
"""
import os

# Before jax's first import: XLA logs two CPU-feature lines per executable loaded from the persistent
# compilation cache (see env.enable_compile_cache); level 3 keeps notebook output clean.
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
