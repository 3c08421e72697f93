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
    checkpoints: list = dataclasses.field(default_factory=list)   # [{"step", "params", metrics...}] per epoch
    stopped_early: bool = False

    def __setstate__(self, state):   # runs cached before checkpoints existed
        self.__dict__.update({"checkpoints": [], "stopped_early": False, **state})

    def policy(self, env, deterministic: bool = False, outer: Callable | None = None, extra: Extra | None = None):
        c = ppo.compile_ppo(env, self.cfg, extra or Extra(), env_key(env), outer)
        return c.make_policy(self.params[:2], deterministic=deterministic)


_EXEC: dict = {}


def params_digest(params) -> str:
    """A short hash of a parameter pytree's values (cache keys of warm-started runs)."""
    import hashlib
    h = hashlib.sha256()
    for leaf in jax.tree.leaves(params):
        h.update(np.ascontiguousarray(np.asarray(leaf, np.float32)).tobytes())
    return h.hexdigest()[:16]


def train(env, cfg: PPOConfig, seed: int = 0, progress=no_progress, extra: Extra | None = None,
          outer: Callable | None = None, extra_desc: Any = None, use_cache: bool = True,
          namespace: str = "sim/ppo", evaluate: Callable | None = None, eval_episodes: int = 0,
          stop_success: float | None = None, init_params=None, keep_params: bool = True) -> Run:
    """Train PPO (with the optional extra slot) on `env`; cached, resumable, reporting progress.

    `outer` wraps the batched env (e.g. a LatentWrapper); `extra_desc` must describe `extra` and
    `outer` for the cache key. `evaluate(step, run) -> metrics` adds host-side metrics per epoch.

    Checkpoints: after every epoch (cfg.num_timesteps / cfg.num_evals env steps) `run.checkpoints` gets
    {"step", "params" (normalizer, policy), and the epoch's metrics}; with `eval_episodes` > 0 each one
    is evaluated on that many fresh deterministic episodes (`eval/return`, and for goal tasks
    `eval/success`, `eval/final_over_initial`). The list is in the cache, so a cache hit has it too.
    `stop_success`: stop after the first epoch whose success (eval, else train) reaches it.
    `init_params`: warm start from brax-layout (normalizer, policy, value) params (e.g. `load_policy`)."""
    extra = extra or Extra()
    key = {"env": env_key(env), "ppo": dataclasses.asdict(cfg), "seed": seed, "extra": extra_desc or extra.key}
    if eval_episodes or stop_success is not None or init_params is not None:   # old keys stay valid otherwise
        key.update(eval_episodes=eval_episodes, stop_success=stop_success,
                   warm=params_digest(init_params) if init_params is not None else None)
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
    if init_params is not None:
        # copies: the epoch donates its input buffers, and a CPU jnp.asarray may alias the caller's arrays
        norm, pol, val = (jax.tree.map(lambda x: jnp.array(x, copy=True), p) for p in init_params)
        if jax.tree.structure(pol) != jax.tree.structure(ts.params.policy):
            from workbench import WorkbenchError
            raise WorkbenchError("init_params: the policy network does not match cfg.policy_hidden / the env's sizes")
        params = ts.params.replace(policy=pol, value=val)
        ts = ts.replace(params=params, normalizer=norm, opt_state=c.optimizer.init(params))
    env_state = c.reset(k_env)
    history, start_epoch, checkpoints = History(), 0, []
    if use_cache and ckpt_path.exists():  # resume: params, optimiser, extra state, rng, history
        try:
            saved = pickle.loads(ckpt_path.read_bytes())
            ts = jax.tree.map(jnp.asarray, saved["ts"])
            rng, history, start_epoch = jnp.asarray(saved["rng"]), saved["history"], saved["epoch"]
            checkpoints = saved.get("checkpoints", [])
        except Exception:
            ckpt_path.unlink(missing_ok=True)

    def report(step, metrics):
        history.log(step, metrics)
        progress(step, metrics)

    def snapshot():
        params = jax.device_get((ts.normalizer, ts.params.policy, ts.params.value))
        return Run(params, jax.device_get(ts.extra), history, int(ts.env_steps),
                   {"jit_s": jit_s, "train_s": train_s, "sps": sps, "cached": False}, cfg, seed, checkpoints)

    def eval_metrics(e: int) -> dict:
        from workbench.sim import rollouts
        params = jax.device_get((ts.normalizer, ts.params.policy))
        ep = rollouts.collect(env, rollouts.ppo_apply(env, cfg), eval_episodes, cfg.episode_length or env.episode_length,
                              seed=10_000 + e, params=params, policy_key=("ppo_eval", env_key(env), cfg))
        return {f"eval/{k}": v for k, v in rollouts.summary(ep).items()}

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
    e, stop = start_epoch, False
    for e in range(start_epoch, n_epochs):
        rng, k = jax.random.split(rng)
        t0 = time.time()
        ts, env_state, metrics = epoch(ts, env_state, k)
        metrics = {k_: float(v) for k_, v in jax.device_get(metrics).items()}
        dt = time.time() - t0
        train_s += dt
        sps = c.steps_per_epoch / dt
        metrics.update({"time/sps": sps, "time/jit_s": jit_s, "time/train_s": train_s})
        if eval_episodes:
            metrics.update(eval_metrics(e))
        if evaluate:
            metrics.update(evaluate(int(ts.env_steps), snapshot()))
        history.log(int(ts.env_steps), metrics)
        checkpoints.append({"step": int(ts.env_steps), **metrics,
                            **({"params": jax.device_get((ts.normalizer, ts.params.policy))} if keep_params else {})})
        success = metrics.get("eval/success", metrics.get("train/success"))
        stop = stop_success is not None and success is not None and success >= stop_success
        if use_cache and e < n_epochs - 1 and not stop:  # checkpoint before the callback, which may interrupt
            cache.atomic_write_bytes(ckpt_path, pickle.dumps(
                {"ts": jax.device_get(ts), "rng": np.asarray(rng), "history": history, "epoch": e + 1,
                 "checkpoints": checkpoints}))
        progress(int(ts.env_steps), metrics)
        if stop:
            break
    run = snapshot()
    run.stopped_early = bool(stop and e < n_epochs - 1)
    run.timing["sps"] = run.env_steps / train_s if train_s else float("nan")
    if use_cache:
        cache.atomic_write_bytes(final_path, pickle.dumps(run))
        ckpt_path.unlink(missing_ok=True)
    return run


# ---- policy files in data/ ----------------------------------------------------------------------------
POLICY_FORMAT, POLICY_VERSION = "workbench.sim.policy", 1


def save_policy(path, run: Run, env, script: str, metrics: dict | None = None, note: str = "") -> None:
    """Write a trained policy to one small .npz: the parameter leaves (float32, in pytree order) and a JSON
    header with the format version, the env description, the PPOConfig, seed, env steps, the producing
    script and its measured metrics (e.g. success), so a notebook can ship and re-check an expert."""
    import io
    import json
    import time as _time
    from workbench import __version__
    leaves = jax.tree.leaves(tuple(run.params))
    meta = {"format": POLICY_FORMAT, "version": POLICY_VERSION, "workbench": __version__,
            "env": getattr(env, "desc", None), "backend": env.backend, "ppo": dataclasses.asdict(run.cfg),
            "seed": run.seed, "env_steps": run.env_steps, "script": script, "metrics": metrics or {}, "note": note,
            "created": _time.strftime("%Y-%m-%dT%H:%M:%SZ", _time.gmtime())}
    buf = io.BytesIO()
    np.savez_compressed(buf, meta=np.frombuffer(json.dumps(meta, default=list).encode(), np.uint8),
                        **{f"p{i:03d}": np.array(x, np.float32, copy=True) for i, x in enumerate(leaves)})
    cache.atomic_write_bytes(path, buf.getvalue())


@dataclasses.dataclass
class Policy:
    """A loaded policy file: its env (rebuilt from the stored description), PPOConfig, params and header."""
    env: Any
    cfg: PPOConfig
    params: tuple
    meta: dict

    def policy(self, deterministic: bool = True) -> Callable:
        from workbench.sim import rollouts
        return rollouts.ppo_policy(self.env, self.params, deterministic, cfg=self.cfg)


def load_policy(path) -> Policy:
    """Read a `save_policy` file (any version up to POLICY_VERSION); a broken file is a one-line error."""
    import json
    from workbench import WorkbenchError
    from workbench.sim.env import build_env
    try:
        with np.load(path) as z:
            meta = json.loads(bytes(z["meta"]).decode())
            leaves = [z[k] for k in sorted(k for k in z.files if k.startswith("p"))]
    except (OSError, KeyError, ValueError) as e:
        raise WorkbenchError(f"{path}: not a workbench policy file ({e})") from None
    if meta.get("format") != POLICY_FORMAT or int(meta.get("version", 0)) > POLICY_VERSION:
        raise WorkbenchError(f"{path}: format {meta.get('format')} v{meta.get('version')} is not readable by "
                             f"{POLICY_FORMAT} v{POLICY_VERSION}")
    env = build_env(meta["env"])
    cfg_d = dict(meta["ppo"])
    cfg_d["policy_hidden"], cfg_d["value_hidden"] = tuple(cfg_d["policy_hidden"]), tuple(cfg_d["value_hidden"])
    cfg = PPOConfig(**cfg_d)
    c = ppo.compile_ppo(env, cfg, Extra(), env_key(env))
    template = jax.eval_shape(c.init, jax.random.PRNGKey(0), ())
    template = (template.normalizer, template.params.policy, template.params.value)
    flat, treedef = jax.tree.flatten(template)
    if len(flat) != len(leaves) or any(tuple(a.shape) != b.shape for a, b in zip(flat, leaves)):
        raise WorkbenchError(f"{path}: stored parameters do not match the network of its PPOConfig")
    params = jax.tree.unflatten(treedef, [np.asarray(x, a.dtype) for a, x in zip(flat, leaves)])
    return Policy(env, cfg, params, meta)


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
