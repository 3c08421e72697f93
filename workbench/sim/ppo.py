"""A compact PPO with an extra-loss / reward-relabelling slot, built from brax.training's pieces.

Why our own loop rather than alternating around `brax.training.agents.ppo.train`:
  * MI-max and DMin (Braxlines Sec. 3-4) train a discriminator *with* the policy and relabel every
    batch's reward with it. `ppo.train` has no such hook; alternating (PPO chunk -> discriminator
    steps -> `restore_params`) rebuilds and re-jits `ppo.train`'s closures on every call, and on 2
    CPU cores a compile costs 10-40 s, more than the chunk itself.
  * Here the whole epoch (unroll -> relabel -> PPO SGD -> extra update) is one `jax.jit`, compiled once
    per (env, PPOConfig, extra kind) and cached in this module, so a sweep over reward types or seeds
    whose extra state is a pytree of the same shapes re-uses one compilation.
The PPO maths is brax's own (`brax.training.agents.ppo.losses.compute_ppo_loss`, `networks`,
`acting.generate_unroll`, `running_statistics`), so the benchmark against `ppo.train` compares loops,
not algorithms; parameters have brax's layout `(normalizer, policy, value)` and work with
`brax.training.agents.ppo.networks.make_inference_fn`.

The slot (`Extra`): `init(key) -> state`, `relabel(state, data) -> data` (new rewards for a
`[B, T]` batch), `update(state, data, key) -> (state, metrics)` (e.g. discriminator SGD), all pure.
"""
from __future__ import annotations

import dataclasses
import functools
from typing import Any, Callable, NamedTuple

import flax.struct
import workbench.sim.env  # noqa: F401  (first: quiet brax import, XLA compile cache)
import jax
import jax.numpy as jnp
import optax
from brax.envs.wrappers import training as wrappers
from brax.training import acting, gradients
from brax.training.acme import running_statistics
from brax.training.agents.ppo import losses as ppo_losses
from brax.training.agents.ppo import networks as ppo_networks


@dataclasses.dataclass(frozen=True)
class PPOConfig:
    """PPO settings (names as in `brax.training.agents.ppo.train`); defaults suit a 2-D point mass."""
    num_timesteps: int = 1_000_000
    num_envs: int = 128
    episode_length: int = 0            # 0 -> the env's own episode_length
    unroll_length: int = 10
    batch_size: int = 64               # per minibatch, in unrolls
    num_minibatches: int = 8           # batch_size * num_minibatches must divide by num_envs
    num_updates_per_batch: int = 8
    learning_rate: float = 3e-3      # point-mass goal reaching: 3e-4 had not moved by 300k steps
    entropy_cost: float = 1e-3
    discounting: float = 0.97
    gae_lambda: float = 0.95
    clipping_epsilon: float = 0.3
    reward_scaling: float = 1.0
    normalize_observations: bool = True
    policy_hidden: tuple = (32, 32, 32, 32)
    value_hidden: tuple = (64, 64, 64)
    num_evals: int = 10                # progress reports (= jitted epochs) over the run

    @property
    def steps_per_training_step(self) -> int:
        return self.batch_size * self.num_minibatches * self.unroll_length

    def check(self) -> None:
        from workbench import WorkbenchError
        if (self.batch_size * self.num_minibatches) % self.num_envs:
            raise WorkbenchError(f"PPOConfig: batch_size*num_minibatches ({self.batch_size * self.num_minibatches}) "
                                 f"must be a multiple of num_envs ({self.num_envs})")


class Extra:
    """The do-nothing extra slot; MI-max / DMin subclass it. `key` names the compiled shape family."""
    key = "none"

    def init(self, rng) -> Any:
        return ()

    def relabel(self, state, data):
        return data

    def update(self, state, data, rng):
        return state, {}


@flax.struct.dataclass
class TrainState:
    opt_state: Any
    params: ppo_losses.PPONetworkParams
    normalizer: Any
    extra: Any
    env_steps: jnp.ndarray


class LastObs(wrappers.Wrapper):
    """Keeps the observation before an auto-reset in `info['last_obs']` (relabelling needs s_{t+1})."""

    def reset(self, rng):
        s = self.env.reset(rng)
        s.info["last_obs"] = s.obs
        return s

    def step(self, state, action):
        s = self.env.step(state, action)
        s.info["last_obs"] = s.obs
        return s


class AutoReset(wrappers.AutoResetWrapper):
    """brax's auto-reset (replay each env's first pipeline state), plus a fresh task on every reset.

    brax's wrapper also replays the first observation, so a goal drawn at reset would be the same goal for
    every episode of an environment: PPO would learn n_envs goals. When the env has
    `reset_task(ps, info, key) -> (obs, info)` (goal tasks), each finished episode instead gets a new goal
    from a per-env key kept in `info['reset_key']`; the body still restarts from its first pose (as in brax).
    Cost: one observation per step, computed for every env and kept where done."""

    def reset(self, rng):
        s = super().reset(rng)
        s.info["reset_key"] = jax.vmap(lambda k: jax.random.fold_in(k, 11))(rng)
        return s

    def step(self, state, action):
        base = self.env.unwrapped
        if not hasattr(base, "reset_task") or getattr(base, "task", None) is None:
            return super().step(state, action)
        s = super().step(state, action)
        pairs = jax.vmap(jax.random.split)(s.info["reset_key"])
        obs, fresh = jax.vmap(lambda ps, k: base.reset_task(ps, {}, k))(s.pipeline_state, pairs[:, 1])

        def pick(new, old):
            d = jnp.reshape(s.done, s.done.shape + (1,) * (new.ndim - s.done.ndim))
            return jnp.where(d > 0, new, old)

        info = dict(s.info)
        info["task"] = jax.tree.map(pick, fresh["task"], s.info["task"])  # success/distance keep the step's values
        info["reset_key"] = pairs[:, 0]
        return s.replace(obs=pick(obs, s.obs), info=info)


def wrap(env, episode_length: int, outer: Callable | None = None):
    """vmap -> episode limit -> last-obs -> auto-reset (fresh goals), then an optional outer wrapper."""
    env = AutoReset(LastObs(wrappers.EpisodeWrapper(wrappers.VmapWrapper(env), episode_length, 1)))
    return outer(env) if outer else env


class Compiled(NamedTuple):
    env: Any
    network: Any
    make_policy: Callable
    optimizer: Any
    reset: Callable
    init: Callable
    epoch: Callable
    steps_per_epoch: int


_COMPILED: dict = {}


def compile_ppo(env, cfg: PPOConfig, extra: Extra, env_key: str, outer: Callable | None = None) -> Compiled:
    """Build (once per env_key/cfg/extra.key) the jitted reset, init and epoch functions."""
    key = (env_key, cfg, extra.key)
    if key in _COMPILED:
        return _COMPILED[key]
    cfg.check()
    ep_len = cfg.episode_length or getattr(env, "episode_length", 1000)
    wenv = wrap(env, ep_len, outer)
    obs_size = wenv.observation_size
    normalize = running_statistics.normalize if cfg.normalize_observations else (lambda x, y: x)
    network = ppo_networks.make_ppo_networks(obs_size, env.action_size, preprocess_observations_fn=normalize,
                                             policy_hidden_layer_sizes=cfg.policy_hidden,
                                             value_hidden_layer_sizes=cfg.value_hidden)
    make_policy = ppo_networks.make_inference_fn(network)
    optimizer = optax.adam(cfg.learning_rate)
    loss_fn = functools.partial(ppo_losses.compute_ppo_loss, ppo_network=network, entropy_cost=cfg.entropy_cost,
                                discounting=cfg.discounting, reward_scaling=cfg.reward_scaling,
                                gae_lambda=cfg.gae_lambda, clipping_epsilon=cfg.clipping_epsilon,
                                normalize_advantage=True)
    grad_fn = gradients.loss_and_pgrad(loss_fn, pmap_axis_name=None, has_aux=True)
    n_unrolls = cfg.batch_size * cfg.num_minibatches // cfg.num_envs
    total_train_steps = max(1, cfg.num_timesteps // cfg.steps_per_training_step)
    steps_per_epoch = max(1, total_train_steps // max(1, cfg.num_evals))

    def init(rng, extra_state):
        kp, kv = jax.random.split(rng)
        params = ppo_losses.PPONetworkParams(policy=network.policy_network.init(kp),
                                             value=network.value_network.init(kv))
        normalizer = running_statistics.init_state(jax.ShapeDtypeStruct((obs_size,), jnp.float32))
        return TrainState(optimizer.init(params), params, normalizer, extra_state, jnp.zeros((), jnp.int32))

    def minibatch_step(carry, data, normalizer):
        opt_state, params, rng = carry
        rng, k = jax.random.split(rng)
        (_, metrics), grads = grad_fn(params, normalizer, data, k)
        updates, opt_state = optimizer.update(grads, opt_state)
        return (opt_state, optax.apply_updates(params, updates), rng), metrics

    def sgd_step(carry, _, data, normalizer):
        opt_state, params, rng = carry
        rng, k_perm, k_grad = jax.random.split(rng, 3)
        shuffled = jax.tree.map(lambda x: jnp.reshape(jax.random.permutation(k_perm, x),
                                                      (cfg.num_minibatches, -1) + x.shape[1:]), data)
        (opt_state, params, _), metrics = jax.lax.scan(
            functools.partial(minibatch_step, normalizer=normalizer), (opt_state, params, k_grad), shuffled)
        return (opt_state, params, rng), metrics

    is_task = getattr(env, "task", None) is not None
    fields = ("truncation", "last_obs") + (("success", "distance", "initial_distance") if is_task else ())

    def episode_metrics(data) -> dict:
        """Goal tasks: success rate and final/initial distance over the episodes that ended in this batch."""
        if not is_task:
            return {}
        ended = 1.0 - data.discount
        n = jnp.maximum(jnp.sum(ended), 1.0)
        ratio = data.extras["state_extras"]["distance"] / jnp.maximum(data.extras["state_extras"]["initial_distance"], 1e-6)
        return {"train/success": jnp.sum(ended * data.extras["state_extras"]["success"]) / n,
                "train/final_over_initial": jnp.sum(ended * ratio) / n, "train/episodes": jnp.sum(ended)}

    def training_step(carry, _):
        ts, env_state, rng = carry
        k_sgd, k_unroll, k_extra, rng = jax.random.split(rng, 4)
        policy = make_policy((ts.normalizer, ts.params.policy))

        def unroll(c, _):
            s, k = c
            k, k2 = jax.random.split(k)
            s, d = acting.generate_unroll(wenv, s, policy, k2, cfg.unroll_length, extra_fields=fields)
            return (s, k), d

        (env_state, _), data = jax.lax.scan(unroll, (env_state, k_unroll), (), length=n_unrolls)
        data = jax.tree.map(lambda x: jnp.swapaxes(x, 1, 2), data)          # [U, envs, T, ...]
        data = jax.tree.map(lambda x: jnp.reshape(x, (-1,) + x.shape[2:]), data)  # [B, T, ...]
        data = extra.relabel(ts.extra, data)  # [B, T] rewards from the extra state (discriminator)
        normalizer = running_statistics.update(ts.normalizer, data.observation)
        (opt_state, params, _), metrics = jax.lax.scan(
            functools.partial(sgd_step, data=data, normalizer=normalizer),
            (ts.opt_state, ts.params, k_sgd), (), length=cfg.num_updates_per_batch)
        extra_state, extra_metrics = extra.update(ts.extra, data, k_extra)
        metrics = {**{f"ppo/{k}": jnp.mean(v) for k, v in metrics.items()},
                   **{f"extra/{k}": v for k, v in extra_metrics.items()},
                   "train/reward": jnp.mean(data.reward), "train/done": 1.0 - jnp.mean(data.discount),
                   **episode_metrics(data)}
        ts = TrainState(opt_state, params, normalizer, extra_state, ts.env_steps + cfg.steps_per_training_step)
        return (ts, env_state, rng), metrics

    def epoch(ts, env_state, rng):
        (ts, env_state, _), metrics = jax.lax.scan(training_step, (ts, env_state, rng), (), length=steps_per_epoch)
        return ts, env_state, jax.tree.map(jnp.mean, metrics)

    reset = jax.jit(lambda rng: wenv.reset(jax.random.split(rng, cfg.num_envs)))
    out = Compiled(wenv, network, make_policy, optimizer, reset, jax.jit(init), jax.jit(epoch, donate_argnums=(0, 1)),
                   steps_per_epoch * cfg.steps_per_training_step)
    _COMPILED[key] = out
    return out
