"""Roll out any policy for n episodes: jitted and vmapped where the policy is jittable, on the host otherwise.

    pol = ppo_policy(env, run, deterministic=True)          # PPO parameters (brax layout)
    ep = collect(env, pol, episodes=16, steps=300)         # one jitted scan over 16 vmapped envs
    ep = collect(env, torch_policy, 16, 300, host=True)    # numpy in, numpy/torch out, stepped per call

A policy is `policy(obs [n, d], key) -> actions [n, a]` (a (actions, extras) pair is accepted too).
`collect` returns numpy arrays, time first ([T, n, ...]); there is no automatic reset: each of the n
environments plays one episode of at most `steps` steps, and `valid[t, i]` says whether step t still
belongs to it (steps after a termination are padding):
    observations [T+1, n, d], actions [T, n, a], rewards [T, n], terminations [T, n] (the env ended it:
    success or a fall), truncations [T, n] (the step limit ended it), valid [T, n],
    states: {pos, rot, vel, ang [T+1, n, links, 3|4], q, qd [T+1, n, ...]} (per-part, for re-tokenising),
    infos: {goal [T+1, n, 3], success, distance, initial_distance [T, n]} for goal tasks.
This is the layout `workbench.sim.datasets` stores (D4RL/Minari field names).
"""
from __future__ import annotations

from typing import Callable

import workbench.sim.env  # noqa: F401  (first: quiet brax import, XLA compile cache)
import jax
import jax.numpy as jnp
import numpy as np

from workbench import WorkbenchError


def ppo_apply(env, cfg, deterministic: bool = True) -> Callable:
    """policy(params, obs, key) for brax-layout PPO params (normalizer, policy[, value]) of `cfg`'s network."""
    from workbench.sim import harness, ppo
    make_policy = ppo.compile_ppo(env, cfg, ppo.Extra(), harness.env_key(env)).make_policy

    def apply(params, obs, key):
        return make_policy(tuple(params[:2]), deterministic=deterministic)(obs, key)[0]
    return apply


def ppo_policy(env, run_or_params, deterministic: bool = True, cfg=None) -> Callable:
    """A jittable policy(obs, key) from a harness Run (or brax-layout params plus their PPOConfig)."""
    params = run_or_params.params if hasattr(run_or_params, "params") else run_or_params
    apply = ppo_apply(env, cfg or run_or_params.cfg, deterministic)
    return lambda obs, key: apply(params, obs, key)


def random_policy(action_size: int) -> Callable:
    def policy(obs, key):
        return jax.random.uniform(key, (obs.shape[0], action_size), minval=-1, maxval=1)
    return policy


def _actions(out):
    return out[0] if isinstance(out, tuple) else out


def _record(env, s):
    ps = s.pipeline_state
    rec = {"obs": s.obs, "pos": ps.x.pos, "rot": ps.x.rot, "vel": ps.xd.vel, "ang": ps.xd.ang, "q": ps.q, "qd": ps.qd}
    if getattr(env, "task", None) is not None:
        rec["goal"] = s.info["task"]["goal"]
    return rec


def _step_record(env, s2):
    rec = {"reward": s2.reward, "done": s2.done}
    if getattr(env, "task", None) is not None:
        rec.update(success=s2.info["success"], distance=s2.info["distance"],
                   initial_distance=s2.info["initial_distance"])
    return rec


_JIT: dict = {}


def collect(env, policy: Callable, episodes: int, steps: int | None = None, seed: int = 0, host: bool = False,
            policy_key=None, params=None) -> dict:
    """Play `episodes` episodes (one per vmapped env) of at most `steps` steps with `policy`.

    host=False: the policy is traced into one jitted scan (PPO params, flax models, scripted jnp experts);
    `policy_key` names it in the compile cache (default: the function object). host=True: the policy gets
    numpy observations and may return numpy or torch tensors; the env step is jitted, the loop is Python.
    With `params`, the policy is called as policy(params, obs, key) and params are a jit argument, so new
    parameters (e.g. each training checkpoint) reuse one compilation."""
    from brax.envs.wrappers import training as wrappers
    steps = int(steps or env.episode_length)
    if episodes < 1 or steps < 1:
        raise WorkbenchError(f"collect: episodes and steps must be >= 1, got {episodes}, {steps}")
    benv = wrappers.VmapWrapper(env)
    rng = jax.random.PRNGKey(seed)
    k_reset, k_act = jax.random.split(rng)
    keys = jax.random.split(k_act, steps)
    if not host:
        jkey = (id(env), policy_key or id(policy), episodes, steps)
        if jkey not in _JIT:
            def go(params, k_reset, keys):
                s = benv.reset(jax.random.split(k_reset, episodes))

                def f(s, k):
                    a = _actions(policy(s.obs, k) if params is None else policy(params, s.obs, k))
                    s2 = benv.step(s, a)
                    return s2, ({"action": a, **_step_record(env, s2)}, _record(env, s2))
                _, (per_step, states) = jax.lax.scan(f, s, keys)
                first = _record(env, s)
                states = jax.tree.map(lambda a, b: jnp.concatenate([a[None], b], 0), first, states)
                return per_step, states
            _JIT[jkey] = jax.jit(go)
        per_step, states = jax.device_get(_JIT[jkey](params, k_reset, keys))
    else:
        reset, step = _host_fns(benv)
        s = reset(jax.random.split(k_reset, episodes))
        per, recs = [], [jax.device_get(_record(env, s))]
        for t in range(steps):
            a = policy(np.asarray(s.obs), keys[t]) if params is None else policy(params, np.asarray(s.obs), keys[t])
            a = _actions(a)
            a = np.asarray(a.detach().cpu().numpy() if hasattr(a, "detach") else a, np.float32)
            s = step(s, jnp.asarray(a))
            per.append({"action": a, **jax.device_get(_step_record(env, s))})
            recs.append(jax.device_get(_record(env, s)))
        per_step = {k: np.stack([p[k] for p in per]) for k in per[0]}
        states = {k: np.stack([r[k] for r in recs]) for k in recs[0]}
    return _finish(per_step, states, steps)


_HOST: dict = {}


def _host_fns(benv):
    if id(benv.env) not in _HOST:
        _HOST[id(benv.env)] = (jax.jit(benv.reset), jax.jit(benv.step))
    return _HOST[id(benv.env)]


def _finish(per_step: dict, states: dict, steps: int) -> dict:
    """Episode bookkeeping: valid until (and including) the first done; timeouts at the step limit."""
    done = np.asarray(per_step["done"]) > 0
    ended_before = np.cumsum(done, 0) - done > 0            # a done happened at an earlier step
    valid = ~ended_before
    terminations = done & valid
    truncations = np.zeros_like(terminations)
    truncations[-1] = valid[-1] & ~terminations[-1]          # still running at the limit: a timeout
    out = {"observations": np.asarray(states.pop("obs")), "actions": np.asarray(per_step["action"], np.float32),
           "rewards": np.where(valid, per_step["reward"], 0.0).astype(np.float32),
           "terminations": terminations, "truncations": truncations, "valid": valid,
           "states": {k: np.asarray(v) for k, v in states.items() if k != "goal"}, "infos": {}}
    if "goal" in states:
        out["infos"] = {"goal": np.asarray(states["goal"]),
                        **{k: np.asarray(per_step[k]) for k in ("success", "distance", "initial_distance")}}
    return out


def summary(ep: dict) -> dict[str, float]:
    """Per-episode return, length and (goal tasks) success and final/initial distance, averaged."""
    valid = ep["valid"]
    last = valid.sum(0) - 1                                  # index of each episode's last step
    n = np.arange(valid.shape[1])
    out = {"return": float(ep["rewards"].sum(0).mean()), "length": float((last + 1).mean())}
    if ep["infos"]:
        inf = ep["infos"]
        out["success"] = float(inf["success"][last, n].mean())
        out["final_over_initial"] = float((inf["distance"][last, n] / np.maximum(inf["initial_distance"][last, n], 1e-6)).mean())
    return out
