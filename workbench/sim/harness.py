"""Training harness: PPO on a composed env with live progress, a parameter cache, resume and rollouts.

    env = build_env("point_mass_goal")
    run = train(env, PPOConfig(num_timesteps=300_000), seed=0, progress=dash)   # Dashboard-compatible
    traj = rollout(env, run, steps=50, n=8)            # obs, body positions, rewards ([T, n, ...])

* progress(step, metrics) is called at step 0 and after each jitted epoch (PPOConfig.num_evals of them)
  with `train/*`, `ppo/*`, `extra/*` and `time/{sps,jit_s,train_s}` keys; jit time is reported apart.
* Parameters are cached by (description, PPOConfig, seed, extra description) via `workbench.cache`;
  a run interrupted midway resumes from its last epoch checkpoint (same cache key).
* The extra slot (`workbench.sim.ppo.Extra`) carries MI-max / DMin discriminators; `LatentWrapper`
  appends a per-episode latent z (skill or goal) to the observation for latent-conditioned policies.
"""
from __future__ import annotations

import dataclasses
import pickle
import time
from typing import Any, Callable

import workbench.sim.env  # noqa: F401  (first: quiet brax import, XLA compile cache)
import jax
import jax.numpy as jnp
import numpy as np
from brax.envs.wrappers import training as wrappers

from workbench import cache
from workbench.history import History, no_progress
from workbench.sim import ppo
from workbench.sim.ppo import Extra, PPOConfig  # noqa: F401  (re-exported)


class LatentWrapper(wrappers.Wrapper):
    """Batched wrapper: obs -> [obs, z], z ~ sample(key, n) drawn at reset and after every episode end."""

    def __init__(self, env, sample: Callable, dim: int):
        super().__init__(env)
        self.sample, self.dim = sample, dim

    @property
    def observation_size(self) -> int:
        return self.env.observation_size + self.dim

    def _draw(self, keys):  # per-env keys [n, 2] -> (new keys, z [n, dim])
        pairs = jax.vmap(jax.random.split)(keys)
        return pairs[:, 0], jax.vmap(lambda k: self.sample(k, 1)[0])(pairs[:, 1])

    def reset(self, rng):
        s = self.env.reset(rng)
        keys, z = self._draw(jax.vmap(lambda k: jax.random.fold_in(k, 7))(rng))
        s.info["z"], s.info["z_key"] = z, keys
        return s.replace(obs=jnp.concatenate([s.obs, z], -1))

    def step(self, state, action):
        z = state.info["z"]
        s = self.env.step(state.replace(obs=state.obs[..., :-self.dim]), action)
        keys, z_new = self._draw(state.info["z_key"])
        z = jnp.where(s.done[:, None] > 0, z_new, z)
        s.info["z"], s.info["z_key"] = z, keys
        return s.replace(obs=jnp.concatenate([s.obs, z], -1))


def env_key(env) -> str:
    desc = getattr(env, "desc", None)
    return cache.key_of({"desc": desc, "backend": env.backend}) if desc is not None else type(env).__name__


@dataclasses.dataclass
class Run:
    """A finished (or cached) PPO run: brax-layout params, the extra state, history and timings."""
    params: tuple                 # (normalizer, policy, value), numpy leaves
    extra: Any
    history: History
    env_steps: int
    timing: dict                  # jit_s, train_s, sps, cached
    cfg: PPOConfig
    seed: int

    def policy(self, env, deterministic: bool = False, outer: Callable | None = None, extra: Extra | None = None):
        c = ppo.compile_ppo(env, self.cfg, extra or Extra(), env_key(env), outer)
        return c.make_policy(self.params[:2], deterministic=deterministic)


_EXEC: dict = {}


def train(env, cfg: PPOConfig, seed: int = 0, progress=no_progress, extra: Extra | None = None,
          outer: Callable | None = None, extra_desc: Any = None, use_cache: bool = True,
          namespace: str = "sim/ppo", evaluate: Callable | None = None) -> Run:
    """Train PPO (with the optional extra slot) on `env`; cached, resumable, reporting progress.

    `outer` wraps the batched env (e.g. a LatentWrapper); `extra_desc` must describe `extra` and
    `outer` for the cache key. `evaluate(step, run) -> metrics` adds host-side metrics per epoch."""
    extra = extra or Extra()
    key = {"env": env_key(env), "ppo": dataclasses.asdict(cfg), "seed": seed, "extra": extra_desc or extra.key}
    final_path = cache.path_for(namespace, key)
    if use_cache and final_path.exists():
        try:
            run = pickle.loads(final_path.read_bytes())
            run.timing = {**run.timing, "cached": True}
            for step, metrics in run.history.rows:
                progress(step, metrics)
            return run
        except Exception:
            final_path.unlink(missing_ok=True)
    ckpt_path = cache.path_for(namespace + "/ckpt", key)

    c = ppo.compile_ppo(env, cfg, extra, env_key(env), outer)
    rng = jax.random.PRNGKey(seed)
    k_init, k_extra, k_env, rng = jax.random.split(rng, 4)
    ts = c.init(k_init, extra.init(k_extra))
    env_state = c.reset(k_env)
    history, start_epoch = History(), 0
    if use_cache and ckpt_path.exists():  # resume: params, optimiser, extra state, rng, history
        try:
            saved = pickle.loads(ckpt_path.read_bytes())
            ts = jax.tree.map(jnp.asarray, saved["ts"])
            rng, history, start_epoch = jnp.asarray(saved["rng"]), saved["history"], saved["epoch"]
        except Exception:
            ckpt_path.unlink(missing_ok=True)

    def report(step, metrics):
        history.log(step, metrics)
        progress(step, metrics)

    def snapshot():
        params = jax.device_get((ts.normalizer, ts.params.policy, ts.params.value))
        return Run(params, jax.device_get(ts.extra), history, int(ts.env_steps),
                   {"jit_s": jit_s, "train_s": train_s, "sps": sps, "cached": False}, cfg, seed)

    n_epochs = max(1, cfg.num_evals)
    jit_s, train_s, sps = 0.0, 0.0, float("nan")
    if start_epoch == 0:
        first = {"train/reward": float("nan")}
        if evaluate:
            first.update(evaluate(0, snapshot()))
        report(0, first)
    exec_key = (env_key(env), cfg, extra.key, id(c))
    if exec_key not in _EXEC:
        t0 = time.time()
        _EXEC[exec_key] = c.epoch.lower(ts, env_state, rng).compile()
        jit_s = time.time() - t0
    epoch = _EXEC[exec_key]
    for e in range(start_epoch, n_epochs):
        rng, k = jax.random.split(rng)
        t0 = time.time()
        ts, env_state, metrics = epoch(ts, env_state, k)
        metrics = {k_: float(v) for k_, v in jax.device_get(metrics).items()}
        dt = time.time() - t0
        train_s += dt
        sps = c.steps_per_epoch / dt
        metrics.update({"time/sps": sps, "time/jit_s": jit_s, "time/train_s": train_s})
        if evaluate:
            metrics.update(evaluate(int(ts.env_steps), snapshot()))
        history.log(int(ts.env_steps), metrics)
        if use_cache and e < n_epochs - 1:  # checkpoint before the callback, which may interrupt
            cache.atomic_write_bytes(ckpt_path, pickle.dumps(
                {"ts": jax.device_get(ts), "rng": np.asarray(rng), "history": history, "epoch": e + 1}))
        progress(int(ts.env_steps), metrics)
    run = snapshot()
    run.timing["sps"] = run.env_steps / train_s if train_s else float("nan")
    if use_cache:
        cache.atomic_write_bytes(final_path, pickle.dumps(run))
        ckpt_path.unlink(missing_ok=True)
    return run


_ROLLOUT: dict = {}


def rollout(env, run: Run | None, steps: int, n: int = 8, seed: int = 0, deterministic: bool = False,
            latent=None, policy_params=None) -> dict[str, np.ndarray]:
    """Roll out `n` episodes of `steps` steps (no auto-reset). Returns numpy arrays, time first:
    obs [T+1, n, d], action [T, n, a], reward [T, n], done [T, n], pos [T+1, n, links, 3], rot [..., 4].

    `latent` [n, k] is appended to every observation (skill / goal for latent-conditioned policies).
    `run=None` -> uniform random actions in [-1, 1]. Compiled once per (env, shapes, run.cfg)."""
    latent = None if latent is None else jnp.asarray(latent, jnp.float32)
    key = (env_key(env), steps, n, deterministic, None if latent is None else latent.shape, run.cfg if run else None)
    if key not in _ROLLOUT:
        benv = wrappers.EpisodeWrapper(wrappers.VmapWrapper(env), steps + 1, 1)
        make_policy = ppo.compile_ppo(env, run.cfg, Extra(), env_key(env)).make_policy if run else None

        def go(params, z, rng):
            k_reset, k_act = jax.random.split(rng)
            s = benv.reset(jax.random.split(k_reset, n))
            obs_of = (lambda o: o) if z is None else (lambda o: jnp.concatenate([o, z], -1))

            def f(s, k):
                if make_policy is None:
                    a = jax.random.uniform(k, (n, env.action_size), minval=-1, maxval=1)
                else:
                    a, _ = make_policy(params, deterministic=deterministic)(obs_of(s.obs), k)
                s2 = benv.step(s, a)
                return s2, (s2.obs, a, s2.reward, s2.done, s2.pipeline_state.x.pos, s2.pipeline_state.x.rot)

            _, (obs, act, rew, done, pos, rot) = jax.lax.scan(f, s, jax.random.split(k_act, steps))
            cat = lambda first, xs: jnp.concatenate([first[None], xs], 0)
            return {"obs": cat(s.obs, obs), "action": act, "reward": rew, "done": done,
                    "pos": cat(s.pipeline_state.x.pos, pos), "rot": cat(s.pipeline_state.x.rot, rot)}

        _ROLLOUT[key] = jax.jit(go)
    params = policy_params if policy_params is not None else (run.params[:2] if run else ())
    out = _ROLLOUT[key](params, latent, jax.random.PRNGKey(seed))
    return {k: np.asarray(v) for k, v in out.items()}
