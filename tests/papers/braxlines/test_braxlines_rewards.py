"""Discriminator rewards: signs, limits and the intrinsic MI-max reward, worked out by hand."""
import math

import jax.numpy as jnp
import numpy as np
import pytest
from scipy import stats

from workbench.papers.braxlines import discriminators as D

KIND = {name: i for i, name in enumerate(D.REWARD_TYPES)}


def r(name, logit):
    return float(D.dmin_reward(jnp.asarray(logit, jnp.float32), KIND[name]))


def test_gail_is_minus_log_one_minus_d():
    assert r("gail", 0.0) == pytest.approx(math.log(2))           # D = 1/2
    assert r("gail", -30.0) == pytest.approx(0.0, abs=1e-6)       # D -> 0: no reward
    assert r("gail", 20.0) == pytest.approx(20.0, rel=1e-4)       # D -> 1: -log(1 - D) ~ logit
    assert all(r("gail", l) >= 0 for l in (-5, 0, 5))


def test_gail2_is_log_d_clipped():
    assert r("gail2", 0.0) == pytest.approx(-math.log(2))
    assert r("gail2", 30.0) == pytest.approx(0.0, abs=1e-6)
    assert r("gail2", -100.0) == pytest.approx(-10.0)             # clipped
    assert all(r("gail2", l) <= 0 for l in (-5, 0, 5))


def test_airl_and_fairl():
    assert r("airl", 1.7) == pytest.approx(1.7)                   # log D - log(1 - D) = logit
    assert r("fairl", 0.0) == pytest.approx(0.0)
    assert r("fairl", 1.0) == pytest.approx(-math.e)              # -e^l * l
    assert r("fairl", -1.0) == pytest.approx(math.exp(-1))        # its maximum
    assert r("fairl", -1.0) > r("fairl", -0.5) and r("fairl", -1.0) > r("fairl", -2.0)


def test_mle_reward_is_the_target_log_density():
    means, std = jnp.asarray([[4.0, 0.0], [-4.0, 0.0]]), 0.8
    x = np.array([[3.5, 0.3], [0.0, 0.0], [-4.0, -1.0]], np.float32)
    ref = np.log(0.5 * stats.multivariate_normal([4, 0], std ** 2).pdf(x)
                 + 0.5 * stats.multivariate_normal([-4, 0], std ** 2).pdf(x))
    got = D.mixture_log_prob(jnp.asarray(x), means, std)
    assert np.allclose(np.asarray(got), ref, atol=1e-4)
    assert float(D.dmin_reward(jnp.zeros(3), KIND["mle"], got)[0]) == pytest.approx(ref[0], abs=1e-4)


def test_multimode_target_modes_on_circle():
    import jax
    samples, means, std = D.multimode_target(jax.random.PRNGKey(0), 2, 8.0, 2000)
    assert np.allclose(np.asarray(means), [[4, 0], [-4, 0]], atol=1e-5) and std == pytest.approx(0.8)
    assert abs(float(jnp.abs(samples[:, 0]).mean()) - 4.0) < 0.1


def test_diayn_reward_zero_for_uninformed_discriminator_and_max_log_k():
    ex = D.MIExtra("diayn", num_skills=8)
    z = jnp.eye(8)[jnp.arange(8)]
    zero_params = [(w * 0, b * 0) for w, b in ex.init(jnp.zeros(2, jnp.uint32))["params"]]
    rew = ex.log_q(zero_params, jnp.ones((8, 2)), z) - ex.log_p(z)
    assert np.allclose(np.asarray(rew), 0.0, atol=1e-6)           # log(1/K) - log(1/K)
    assert float(ex.log_q(zero_params, jnp.ones((1, 2)), z[:1])[0]) <= 0.0   # so reward <= log K


def test_gcrl_reward_peaks_at_the_goal():
    ex = D.MIExtra("gcrl", sigma=0.5, scale=8.0)
    z = jnp.asarray([[1.0, -2.0]])
    at_goal = float(ex.log_q(None, z, z)[0] - ex.log_p(z)[0])
    off_goal = float(ex.log_q(None, z + 1.0, z)[0] - ex.log_p(z)[0])
    assert at_goal == pytest.approx(-2 * math.log(0.5) - math.log(2 * math.pi) + 2 * math.log(8.0), abs=1e-4)
    assert off_goal == pytest.approx(at_goal - 0.5 * 2 * (1 / 0.5) ** 2, abs=1e-4)
