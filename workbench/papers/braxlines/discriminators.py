"""MI-max and DMin discriminators as extra slots of the sim PPO (`workbench.sim.ppo.Extra`).

MI-max (Braxlines Sec. 3, "VGCRL"): the policy sees [s, z]; the reward of a transition is
    r = log q(z | s_I) - log p(z)                     (a per-sample lower bound on I(z; s_I))
with s_I the feature dimensions (point-mass xy). Variants:
    fixed_gcrl  z = (scale/4, scale/4) always: plain goal reaching with reward log N(z; s_I, sigma)
    gcrl        z ~ U(-scale/2, scale/2)^2 is a goal; q = N(s_I, sigma) has no parameters
    cdiayn      z continuous as above; q = N(MLP(s_I), sigma)   (continuous DIAYN)
    diayn       z ~ Cat(K) (one-hot); q = softmax(MLP(s_I))
    diayn_full  as diayn, the MLP reads the full observation
The discriminator is trained with the policy: each PPO training step does `disc_steps` Adam steps on
-E log q(z | s') over the same batch. Departure: no spectral norm (Braxlines' cdiayn uses it).

DMin (Sec. 4, IRL state-marginal matching): a Bernoulli D(s_I) = sigmoid(l(s_I)) is trained to tell
target samples (label 1) from the policy's states (label 0, balanced batches); rewards by name:
    gail  -log(1 - D) = softplus(l)          gail2  log D = -softplus(-l), clipped at -10
    airl  l            (reverse KL)          fairl  -exp(l) * l  (forward KL, f-MAX)
    mle   log p_target(s_I)  (oracle: the known Gaussian mixture)
The reward type is an integer inside the extra state, so one compilation serves all five.
"""
from __future__ import annotations

import jax
import jax.numpy as jnp
import optax

from workbench.sim.ppo import Extra

REWARD_TYPES = ("gail", "gail2", "airl", "fairl", "mle")
MI_ALGOS = ("fixed_gcrl", "gcrl", "cdiayn", "diayn", "diayn_full")


# ---- a small MLP (pure jax) -----------------------------------------------------------------------
def mlp_init(key, sizes) -> list:
    keys = jax.random.split(key, len(sizes) - 1)
    return [(jax.random.normal(k, (a, b)) * jnp.sqrt(1.0 / a), jnp.zeros(b)) for k, a, b in zip(keys, sizes[:-1], sizes[1:])]


def mlp_apply(params, x):
    for w, b in params[:-1]:
        x = jax.nn.relu(x @ w + b)
    w, b = params[-1]
    return x @ w + b


# ---- DMin rewards (pure; tested for signs and limits) ------------------------------------------------
def dmin_reward(logit, kind: int | jnp.ndarray, log_p_target=None):
    """Reward from the discriminator logit l = log D - log(1 - D); `kind` indexes REWARD_TYPES."""
    rewards = jnp.stack([jax.nn.softplus(logit),                               # gail:  -log(1 - D)
                         jnp.maximum(-jax.nn.softplus(-logit), -10.0),          # gail2: log D, clipped
                         logit,                                                 # airl:  log D - log(1 - D)
                         -jnp.exp(jnp.clip(logit, -20, 20)) * logit,            # fairl: -e^l * l
                         log_p_target if log_p_target is not None else jnp.zeros_like(logit)])
    return rewards[kind]


def mixture_log_prob(x, means, std):
    """log of an equal-weight isotropic Gaussian mixture at x [..., d]."""
    d = x.shape[-1]
    sq = ((x[..., None, :] - means) ** 2).sum(-1) / std ** 2
    log_comp = -0.5 * sq - d * jnp.log(std) - 0.5 * d * jnp.log(2 * jnp.pi)
    return jax.scipy.special.logsumexp(log_comp, -1) - jnp.log(means.shape[0])


def multimode_target(key, num_modes: int, scale: float, n: int):
    """Braxlines' get_multimode_dist in 2-D: modes on a circle of radius scale/2, std scale/10."""
    ang = 2 * jnp.pi * jnp.arange(num_modes) / num_modes
    means = scale / 2 * jnp.stack([jnp.cos(ang), jnp.sin(ang)], -1)
    k1, k2 = jax.random.split(key)
    idx = jax.random.randint(k1, (n,), 0, num_modes)
    return means[idx] + scale / 10 * jax.random.normal(k2, (n, 2)), means, scale / 10


def _next_features(data, idx):
    return data.extras["state_extras"]["last_obs"][..., jnp.asarray(idx)]


def _with_reward(data, r):
    return data._replace(reward=r)


class DMinExtra(Extra):
    def __init__(self, feature_idx=(0, 1), feature_scale: float = 4.0, hidden=(32, 32), lr: float = 1e-3,
                 disc_steps: int = 4, disc_batch: int = 256, reward_clip: float = 30.0):
        self.idx, self.fs, self.hidden, self.lr = tuple(feature_idx), feature_scale, tuple(hidden), lr
        self.disc_steps, self.disc_batch, self.clip = disc_steps, disc_batch, reward_clip
        self.opt = optax.adam(lr)
        self.key = f"dmin/{self.idx}/{feature_scale}/{self.hidden}/{lr}/{disc_steps}/{disc_batch}/{reward_clip}"

    def make_state(self, key, reward_type: str, target, means, std):
        params = mlp_init(key, (len(self.idx),) + self.hidden + (1,))
        return {"params": params, "opt": self.opt.init(params), "kind": jnp.asarray(REWARD_TYPES.index(reward_type)),
                "target": jnp.asarray(target, jnp.float32), "means": jnp.asarray(means, jnp.float32),
                "std": jnp.asarray(std, jnp.float32)}

    def logit(self, params, s):
        return mlp_apply(params, s / self.fs)[..., 0]

    def relabel(self, st, data):
        s = _next_features(data, self.idx)
        r = dmin_reward(self.logit(st["params"], s), st["kind"], mixture_log_prob(s, st["means"], st["std"]))
        return _with_reward(data, jnp.clip(r, -self.clip, self.clip))

    def update(self, st, data, rng):
        s = _next_features(data, self.idx).reshape(-1, len(self.idx))

        def loss_fn(params, xa, xt):
            la, lt = self.logit(params, xa), self.logit(params, xt)
            return jnp.mean(jax.nn.softplus(la)) + jnp.mean(jax.nn.softplus(-lt))  # BCE: agent 0, target 1

        def step(carry, k):
            params, opt = carry
            ka, kt = jax.random.split(k)
            xa = s[jax.random.randint(ka, (self.disc_batch,), 0, s.shape[0])]
            xt = st["target"][jax.random.randint(kt, (self.disc_batch,), 0, st["target"].shape[0])]
            loss, g = jax.value_and_grad(loss_fn)(params, xa, xt)
            upd, opt = self.opt.update(g, opt)
            return (optax.apply_updates(params, upd), opt), loss

        (params, opt), losses = jax.lax.scan(step, (st["params"], st["opt"]), jax.random.split(rng, self.disc_steps))
        return {**st, "params": params, "opt": opt}, {"disc_loss": losses.mean()}


class MIExtra(Extra):
    def __init__(self, algo: str, num_skills: int = 8, feature_idx=(0, 1), obs_size: int = 4,
                 scale: float = 8.0, sigma: float = 0.5, hidden=(32, 32), lr: float = 1e-3,
                 disc_steps: int = 4, disc_batch: int = 256, feature_scale: float = 4.0):
        if algo not in MI_ALGOS:
            raise ValueError(f"unknown MI-max algorithm {algo!r}; choose one of {MI_ALGOS}")
        self.algo, self.k, self.idx, self.obs_size = algo, num_skills, tuple(feature_idx), obs_size
        self.scale, self.sigma, self.hidden, self.fs = scale, sigma, tuple(hidden), feature_scale
        self.disc_steps, self.disc_batch = disc_steps, disc_batch
        self.discrete = algo.startswith("diayn")
        self.z_dim = num_skills if self.discrete else len(self.idx)
        self.in_idx = tuple(range(obs_size)) if algo == "diayn_full" else self.idx
        self.opt = optax.adam(lr)
        self.key = f"mi/{algo}/{num_skills}/{self.idx}/{obs_size}/{scale}/{sigma}/{self.hidden}/{lr}/{disc_steps}/{disc_batch}"

    # p(z)
    def sample_z(self, key, n):
        if self.discrete:
            return jax.nn.one_hot(jax.random.randint(key, (n,), 0, self.k), self.k)
        if self.algo == "fixed_gcrl":
            return jnp.full((n, self.z_dim), self.scale / 4)
        return jax.random.uniform(key, (n, self.z_dim), minval=-self.scale / 2, maxval=self.scale / 2)

    def log_p(self, z):
        if self.algo == "fixed_gcrl":
            return jnp.zeros(z.shape[:-1])
        return jnp.full(z.shape[:-1], -jnp.log(self.k) if self.discrete else -self.z_dim * jnp.log(self.scale))

    # q(z | s)
    def log_q(self, params, s_in, z):
        if self.algo in ("gcrl", "fixed_gcrl"):
            mean = s_in
        else:
            out = mlp_apply(params, s_in / self.fs)
            if self.discrete:
                return (jax.nn.log_softmax(out) * z).sum(-1)
            mean = out * self.scale / 2
        d = z.shape[-1]
        return (-0.5 * ((z - mean) / self.sigma) ** 2).sum(-1) - d * jnp.log(self.sigma) - 0.5 * d * jnp.log(2 * jnp.pi)

    def predict(self, params, s_in):
        """The discriminator's guess of z: skill probabilities (discrete) or the mean (continuous)."""
        if self.algo in ("gcrl", "fixed_gcrl"):
            return s_in
        out = mlp_apply(params, s_in / self.fs)
        return jax.nn.softmax(out) if self.discrete else out * self.scale / 2

    def init(self, key):
        out = self.k if self.discrete else self.z_dim
        params = mlp_init(key, (len(self.in_idx),) + self.hidden + (out,))
        return {"params": params, "opt": self.opt.init(params)}

    def _sz(self, data):
        return _next_features(data, self.in_idx), data.observation[..., self.obs_size:]

    def relabel(self, st, data):
        s, z = self._sz(data)
        r = self.log_q(st["params"], s, z) - self.log_p(z)
        return _with_reward(data, jnp.maximum(r, -50.0))

    def update(self, st, data, rng):
        if self.algo in ("gcrl", "fixed_gcrl"):
            return st, {"disc_loss": jnp.zeros(())}
        s, z = self._sz(data)
        s, z = s.reshape(-1, s.shape[-1]), z.reshape(-1, z.shape[-1])

        def step(carry, k):
            params, opt = carry
            i = jax.random.randint(k, (self.disc_batch,), 0, s.shape[0])
            loss, g = jax.value_and_grad(lambda p: -self.log_q(p, s[i], z[i]).mean())(params)
            upd, opt = self.opt.update(g, opt)
            return (optax.apply_updates(params, upd), opt), loss

        (params, opt), losses = jax.lax.scan(step, (st["params"], st["opt"]), jax.random.split(rng, self.disc_steps))
        return {"params": params, "opt": opt}, {"disc_loss": losses.mean()}
