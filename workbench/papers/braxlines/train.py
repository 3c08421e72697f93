"""Braxlines experiments: MI-max variants and DMin rewards on a Composer env, with evaluations.

    out = train(cfg, progress=dash)   # dict: runs, evaluations, random baselines, timings, measured

Every run goes through `workbench.sim.harness.train` (parameters cached by description, PPO settings,
extra slot and seed). Evaluations roll out fresh episodes with the learned policy (stochastic, as
trained): MI-max -> binned I(z; s_I), H(s), H(s|z) and latent goal reaching (Sec. 5); DMin -> energy
distance to the target samples after each epoch (the curve over training) and at the end.
"""
from __future__ import annotations

import math
import time

import jax
import numpy as np

from workbench.papers.braxlines import discriminators as D
from workbench.papers.braxlines import metrics as M
from workbench.history import no_progress
from workbench.results import bootstrap
from workbench.sim import harness
from workbench.sim.env import build_env


def ppo_config(cfg, timesteps: int) -> harness.PPOConfig:
    return harness.PPOConfig(num_timesteps=timesteps, num_envs=cfg.num_envs, episode_length=cfg.episode_length,
                             unroll_length=cfg.unroll_length, batch_size=cfg.batch_size,
                             num_minibatches=cfg.num_minibatches, num_updates_per_batch=cfg.num_updates_per_batch,
                             learning_rate=cfg.learning_rate,
                             entropy_cost=cfg.entropy_cost, discounting=cfg.discounting, num_evals=cfg.num_evals)


def make_env(cfg):
    return build_env(cfg.env, global_options__episode_length=cfg.episode_length)


def _second_half(obs, idx):
    """[T+1, n, d] -> xy of the second half of each episode, [T/2 * n, 2] and episode ids."""
    half = obs[obs.shape[0] // 2:, :, list(idx)]
    ids = np.broadcast_to(np.arange(obs.shape[1]), half.shape[:2])
    return half.reshape(-1, len(idx)), ids.reshape(-1)


def mi_extra(cfg, env, algo: str) -> D.MIExtra:
    return D.MIExtra(algo, cfg.num_skills, cfg.feature_idx, int(env.observation_size), scale=cfg.obs_scale,
                     sigma=cfg.gcrl_sigma, lr=cfg.disc_lr, disc_steps=cfg.disc_steps, feature_scale=cfg.obs_scale / 2)


def evaluate_mi(cfg, env, extra: D.MIExtra, run, seed: int = 1) -> dict:
    """Skills: I(z; s_I) on per-skill rollouts; goals: RMS distance of final s_I to latent goals."""
    out = {}
    n = cfg.eval_episodes
    if extra.discrete:
        labels = np.repeat(np.arange(cfg.num_skills), n)
        z = np.eye(cfg.num_skills, dtype=np.float32)[labels]
        traj = harness.rollout(env, run, cfg.episode_length, len(labels), seed=seed, latent=z)
        s, ep = _second_half(traj["obs"], cfg.feature_idx)
        out.update(M.binned_mi(s, labels[ep], cfg.mi_bins, cfg.mi_box))
        out["traj_xy"], out["traj_z"] = traj["obs"][:, :, list(cfg.feature_idx)], labels
        out["skill_episodes"], out["labels"] = episode_states(traj, cfg), labels
    else:
        goals = np.asarray(jax.random.uniform(jax.random.PRNGKey(seed), (n, 2), minval=-cfg.obs_scale / 2,
                                              maxval=cfg.obs_scale / 2))
        if extra.algo == "fixed_gcrl":
            goals = np.full((n, 2), cfg.obs_scale / 4, np.float32)
        z = goals if extra.algo != "cdiayn" else _infer_cdiayn(extra, run, goals)
        traj = harness.rollout(env, run, cfg.episode_length, n, seed=seed, latent=z)
        final = traj["obs"][-1][:, list(cfg.feature_idx)]
        out["goal_dist"] = M.goal_distance(final, goals)
        out["final"] = final
        out["traj_xy"], out["goals"] = traj["obs"][:, :, list(cfg.feature_idx)], goals
    out["traj"] = traj
    return out


def _infer_cdiayn(extra, run, goals):
    """cdiayn's latent for a goal: the discriminator's mean prediction of z at that state (LGR)."""
    return np.asarray(extra.predict(run.extra["params"], jax.numpy.asarray(goals, jax.numpy.float32)))


def random_rollout(cfg, env) -> dict:
    """Uniform-action episodes, in the one shape every random rollout here uses (one compilation)."""
    return harness.rollout(env, None, cfg.episode_length, cfg.num_skills * cfg.eval_episodes, seed=2)


def scene_rollout(cfg, env) -> tuple:
    """(scene, random-action rollout) for the viewer: the training env itself when `viewer_env` is it."""
    if cfg.viewer_env == cfg.env:
        return env, random_rollout(cfg, env)
    scene = build_env(cfg.viewer_env)
    return scene, harness.rollout(scene, None, cfg.viewer_steps, 1)


def random_baselines(cfg, env) -> dict:
    """Uniform-action rollouts scored with the same metrics (MI labels are arbitrary groups)."""
    labels = np.repeat(np.arange(cfg.num_skills), cfg.eval_episodes)
    traj = random_rollout(cfg, env)
    s, ep = _second_half(traj["obs"], cfg.feature_idx)
    mi = M.binned_mi(s, labels[ep], cfg.mi_bins, cfg.mi_box)
    n = cfg.eval_episodes
    goals = np.asarray(jax.random.uniform(jax.random.PRNGKey(1), (n, 2), minval=-cfg.obs_scale / 2, maxval=cfg.obs_scale / 2))
    final = traj["obs"][-1][:n, list(cfg.feature_idx)]
    episodes = episode_states(traj, cfg)
    return {"mi": mi["mi"], "h_s": mi["h_s"], "goal_dist": M.goal_distance(final, goals), "final": final, "goals": goals,
            "labels": labels, "skill_episodes": episodes, "episodes": episodes[:n], "states": episodes[:n].reshape(-1, 2)}


def dmin_target(cfg):
    return D.multimode_target(jax.random.PRNGKey(cfg.seed + 100), cfg.target_num_modes, cfg.obs_scale, cfg.target_samples)


def run_all(cfg, progress=no_progress) -> dict:
    """All MI-max and DMin runs of `cfg`, evaluated; `progress` gets cumulative env steps."""
    t_start = time.time()
    env = make_env(cfg)
    out = {"mi": {}, "dmin": {}, "env": env, "diag_reset_noise": cfg.diag_reset_noise}
    offset = 0

    def shifted(prefix):
        def report(step, metrics):
            progress(offset + step, {f"{prefix}/{k.split('/')[-1]}": v for k, v in metrics.items()
                                     if k in ("train/reward", "extra/disc_loss", "eval/energy")})
        return report

    for algo in cfg.mi_algos:
        extra = mi_extra(cfg, env, algo)
        pcfg = ppo_config(cfg, cfg.mi_timesteps)
        t0 = time.time()
        run = harness.train(env, pcfg, seed=cfg.seed, progress=shifted(algo), extra=extra,
                            outer=lambda e, x=extra: harness.LatentWrapper(e, x.sample_z, x.z_dim),
                            extra_desc=extra.key)
        wall = time.time() - t0
        out["mi"][algo] = {"run": run, "extra": extra, "wall_s": wall, **evaluate_mi(cfg, env, extra, run)}
        offset += pcfg.num_timesteps

    target, means, std = dmin_target(cfg)
    target = np.asarray(target)
    out["target"], out["target_means"], out["target_std"] = target, np.asarray(means), float(std)
    for reward in cfg.dmin_rewards:
        out["dmin"][reward] = run_dmin(cfg, env, reward, (target, means, std), shifted(f"dmin_{reward}"))
        offset += cfg.dmin_timesteps

    out["random"] = random_baselines(cfg, env)
    out["random"]["energy"] = pooled_energy(out["random"]["episodes"], target)
    out["diagnosis"] = {}
    if cfg.diag_rewards:
        denv = diagnosis_env(cfg)
        for reward in cfg.diag_rewards:
            out["diagnosis"][reward] = run_dmin(cfg, denv, reward, (target, means, std), shifted(f"diag_{reward}"))
            offset += cfg.dmin_timesteps
        out["diagnosis"]["random"] = random_dmin(cfg, denv, target)
    out["wall_s"] = time.time() - t_start
    return out


def run_dmin(cfg, env, reward: str, target_dist: tuple, progress=no_progress) -> dict:
    """One DMin run: PPO on `reward` against the target samples, evaluated on fresh episodes."""
    target, means, std = target_dist
    dextra = D.DMinExtra(cfg.feature_idx, cfg.obs_scale / 2, lr=cfg.disc_lr, disc_steps=cfg.disc_steps)

    class _Ex(D.DMinExtra):  # per-reward initial state; same `key`, so one compilation serves all rewards
        def init(self, key, _r=reward):
            return dextra.make_state(key, _r, target, means, std)
    ex = _Ex(cfg.feature_idx, cfg.obs_scale / 2, lr=cfg.disc_lr, disc_steps=cfg.disc_steps)

    def evaluate(step, run):
        traj = harness.rollout(env, run, cfg.episode_length, cfg.eval_episodes, seed=3)
        s, _ = _second_half(traj["obs"], cfg.feature_idx)
        return {"eval/energy": M.energy_distance(s[::2], target)}

    t0 = time.time()
    run = harness.train(env, ppo_config(cfg, cfg.dmin_timesteps), seed=cfg.seed, progress=progress, extra=ex,
                        extra_desc={"dmin": dextra.key, "reward": reward, "target": np.asarray(target).round(4).tolist()},
                        evaluate=evaluate)
    traj = harness.rollout(env, run, cfg.episode_length, cfg.eval_episodes, seed=4)
    s, _ = _second_half(traj["obs"], cfg.feature_idx)
    episodes = episode_states(traj, cfg)
    return {"run": run, "extra": ex, "wall_s": time.time() - t0, "states": s, "episodes": episodes,
            "energy": pooled_energy(episodes, target), "traj": traj}


def pooled_energy(episodes: np.ndarray, target) -> float:
    """Energy distance of all the episodes' second-half positions to the target samples."""
    return M.energy_by_episode(episodes, np.asarray(target))(np.arange(len(episodes)))


def episode_states(traj: dict, cfg) -> np.ndarray:
    """[episodes, T/2, 2]: each episode's feature positions over the second half (the bootstrap units)."""
    obs = traj["obs"][:, :, list(cfg.feature_idx)]
    return np.transpose(obs[obs.shape[0] // 2:], (1, 0, 2))


def diagnosis_env(cfg):
    """The DMin diagnosis: the training env with starts spread uniformly over +-diag_reset_noise m.

    Hypothesis: every episode starts at the origin and the dynamics are deterministic, so a policy
    that reads only the state sends every episode the same way and can cover one mode, not two. With
    spread starts a policy can send each episode towards the nearer mode; if the hypothesis is right,
    both modes fill and the energy distance falls below the random policy's from the same starts."""
    return build_env(cfg.env, global_options__episode_length=cfg.episode_length,
                     global_options__reset_noise=cfg.diag_reset_noise)


def random_dmin(cfg, env, target) -> dict:
    """Uniform-action episodes scored like a DMin run (episodes, pooled states, energy distance)."""
    traj = harness.rollout(env, None, cfg.episode_length, cfg.eval_episodes, seed=4)
    s, _ = _second_half(traj["obs"], cfg.feature_idx)
    episodes = episode_states(traj, cfg)
    return {"states": s, "episodes": episodes, "energy": pooled_energy(episodes, target)}


def total_steps(cfg) -> int:
    """Env steps over every run of `cfg` (the Dashboard's x axis is cumulative over runs)."""
    return len(cfg.mi_algos) * cfg.mi_timesteps + (len(cfg.dmin_rewards) + len(cfg.diag_rewards)) * cfg.dmin_timesteps


def dashboard_panels(cfg) -> dict:
    return {"MI-max reward (nats)": [f"{a}/reward" for a in cfg.mi_algos],
            "DMin energy distance": [f"dmin_{r}/energy" for r in cfg.dmin_rewards]
                                    + [f"diag_{r}/energy" for r in cfg.diag_rewards],
            "discriminator loss": [f"{a}/disc_loss" for a in cfg.mi_algos] + [f"dmin_{r}/disc_loss" for r in cfg.dmin_rewards]}


def measured(cfg, out) -> dict:
    """The names the claims read (missing runs simply leave names out)."""
    m = {"log_k": math.log(cfg.num_skills), "diayn_mi_random": out["random"]["mi"],
         "random_goal_dist": out["random"]["goal_dist"], "ed_random": out["random"]["energy"]}
    for algo, r in out["mi"].items():
        if "mi" in r:
            m[f"{algo}_mi"] = r["mi"]
            m[f"{algo}_h_s"], m[f"{algo}_h_s_given_z"] = r["h_s"], r["h_s_given_z"]
        if "goal_dist" in r:
            m[f"{algo}_goal_dist"] = r["goal_dist"]
        m[f"{algo}_minutes"] = (r["run"].timing["jit_s"] + r["run"].timing["train_s"]) / 60
        m[f"{algo}_jit_s"], m[f"{algo}_train_s"] = r["run"].timing["jit_s"], r["run"].timing["train_s"]
        m[f"{algo}_sps"] = r["run"].timing["sps"]
    for reward, r in out["dmin"].items():
        m[f"ed_{reward}"] = r["energy"]
        m[f"dmin_{reward}_jit_s"], m[f"dmin_{reward}_train_s"] = r["run"].timing["jit_s"], r["run"].timing["train_s"]
    m.update(diagnosis_metrics(out))
    return m


def mode_balance(states: np.ndarray) -> float:
    """Share of positions on the +x side: the two target modes sit at (+-4, 0); 0.5 = both covered equally."""
    return float((np.asarray(states)[..., 0] > 0).mean())


def one_mode_energy(target: np.ndarray) -> float:
    """Energy distance to the target of a perfect one-mode policy (the target's own +x samples): any policy
    that covers one mode exactly scores this; the rule `ed < ed_random` needs less."""
    return M.energy_distance(target[target[:, 0] > 0], target)


def diagnosis_metrics(out) -> dict:
    """Plain numbers for the diagnosis table: energy distance and mode balance per run, both starts."""
    m = {"ed_one_mode": one_mode_energy(out["target"])}
    for reward, r in out["dmin"].items():
        m[f"balance_{reward}"] = mode_balance(r["states"])
    for name, r in out["diagnosis"].items():
        m[f"diag_ed_{name}"], m[f"diag_balance_{name}"] = r["energy"], mode_balance(r["states"])
    return m


def claim_samples(cfg, out) -> dict:
    """`measured` with sampling noise: each quantity bootstrapped over its evaluation episodes (goals for
    goal reaching), paired where two quantities share episode indices; timings stay plain numbers."""
    target = out["target"]
    m = measured(cfg, out)

    def energy(eps):
        return bootstrap(np.arange(len(eps)), M.energy_by_episode(eps, target))

    def mi(r):
        return bootstrap(np.arange(len(r["labels"])), M.mi_by_episode(r["skill_episodes"], r["labels"], cfg.mi_bins, cfg.mi_box))

    def goal_dist(r, goals):
        sq = ((np.asarray(r["final"]) - np.asarray(goals)) ** 2).sum(-1)
        return bootstrap(sq, lambda a: float(np.sqrt(a.mean())))

    rnd = out["random"]
    m["ed_random"], m["diayn_mi_random"] = energy(rnd["episodes"]), mi(rnd)
    m["random_goal_dist"] = goal_dist(rnd, rnd["goals"])
    for algo, r in out["mi"].items():
        if "skill_episodes" in r:
            m[f"{algo}_mi"] = mi(r)
        if "final" in r:
            m[f"{algo}_goal_dist"] = goal_dist(r, r["goals"])
    for reward, r in out["dmin"].items():
        m[f"ed_{reward}"] = energy(r["episodes"])
    return m


def diagnosis_summary(m: dict) -> str:
    """The diagnosis in words, computed from the measured numbers (the notebook prints it)."""
    rewards = [k[len("diag_ed_"):] for k in m if k.startswith("diag_ed_") and k != "diag_ed_random"]
    if not rewards:
        return "No diagnosis runs at this scale (diag_rewards is empty)."
    lines = [f"A perfect one-mode policy scores {m['ed_one_mode']:.2f}; the random policy {m['ed_random']:.2f} "
             f"from the origin and {m['diag_ed_random']:.2f} from spread starts."]
    for r in rewards:
        before, after = m.get(f"ed_{r}"), m[f"diag_ed_{r}"]
        lines.append(f"{r}: energy {before if before is None else round(before, 2)} -> {after:.2f}, "
                     f"share of positions at +x {m.get(f'balance_{r}', float('nan')):.2f} -> "
                     f"{m[f'diag_balance_{r}']:.2f} (0.5 = both modes), "
                     + ("below" if after < m["diag_ed_random"] else "not below") + " random from the same starts.")
    return "\n".join(lines)
