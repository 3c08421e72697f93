"""One compiled rollout per (body, task) that serves the expert's data collection, the expert's evaluation and
every student's evaluation.

On 2 CPU cores compiling a jitted 300-step brax rollout of an ant costs tens of seconds (minutes under
load), more than running it, so each environment is compiled once: the episodes are split into blocks of
`block` episodes, and a traced `mode` picks who acts (`lax.switch`, so only that branch runs):

    mode 0  the expert's stochastic policy in every block (behaviour data, MxT Sec. 4.1)
    mode 1  the expert's deterministic policy in every block (its success on these very episodes)
    mode 2  student b in block b (deterministic); every block starts from the same `block` initial states and
            goals, so students are paired episode by episode (modes 0 and 1 draw every episode afresh)

All parameters (expert, students, feature masks) are jit arguments, so new students reuse the compilation.
Each step records what re-tokenising needs (link poses and velocities, joint angles, the goal) plus the
flat observation (for the expert's labels), the action and the task's success and distance.
"""
from __future__ import annotations

import numpy as np

from workbench.papers.mxt import tokens as tk

DATA, EXPERT, STUDENTS = 0, 1, 2


class Arena:
    """Blocks of `block` episodes of (body, task); `kinds` = the student model kind playing each block."""

    def __init__(self, cfg, body: str, task: str, kinds: tuple[str, ...], block: int, expert=None):
        import jax
        from workbench.sim import composer
        from workbench.sim.env import build_env
        from workbench.papers.mxt.model import make_model
        self.body, self.task, self.kinds, self.block = body, task, tuple(kinds), block
        self.env = expert.env if expert is not None else build_env(composer.goal_task(task, body))
        self.expert, self.pad_to = expert, cfg.pad_to
        self.models = [make_model(k, cfg) for k in self.kinds]
        self.slots = tk.action_slots(self.env)
        self.edges = tk.task_edges(self.env)
        self.episodes = block * max(1, len(self.kinds))
        self._jit = jax.jit(self._play, static_argnums=(3,))

    # ---- the compiled rollout ----------------------------------------------------------------
    def _act(self, params, ps, goal, obs, key, mode):
        import jax
        import jax.numpy as jnp
        from workbench.sim import rollouts
        n, a = obs.shape[0], self.env.action_size

        def expert(deterministic):
            if self.expert is None:
                return lambda: jnp.zeros((n, a))
            fn = rollouts.ppo_apply(self.env, self.expert.cfg, deterministic)
            return lambda: fn(params["expert"], obs, key)

        def students():
            tok, mask = jax.vmap(lambda p, g: tk.mtg_tokens(self.env, p, g, self.pad_to, self.edges))(ps, goal)
            outs = []
            for b, model in enumerate(self.models):
                sl = slice(b * self.block, (b + 1) * self.block)
                net, feat = params["students"][b]
                outs.append(model.apply(net, tok[sl] * feat, mask[sl])[:, self.slots])
            return jnp.concatenate(outs, 0) if outs else jnp.zeros((n, a))

        return jax.lax.switch(mode, [expert(False), expert(True), students])

    def _play(self, params, mode, rng, steps: int):
        import jax
        import jax.numpy as jnp
        from brax.envs.wrappers import training as wrappers
        benv = wrappers.VmapWrapper(self.env)
        k_reset, k_act = jax.random.split(rng)
        fresh = jax.random.split(k_reset, self.episodes)
        paired = jnp.tile(fresh[: self.block], (self.episodes // self.block, 1))   # block b's episode i = block 0's
        s0 = benv.reset(jnp.where(mode == STUDENTS, paired, fresh))

        def record(s):
            ps = s.pipeline_state
            return {"pos": ps.x.pos, "rot": ps.x.rot, "vel": ps.xd.vel, "ang": ps.xd.ang, "q": ps.q,
                    "goal": s.info["task"]["goal"], "obs": s.obs}

        def f(s, k):
            act = self._act(params, s.pipeline_state, s.info["task"]["goal"], s.obs, k, mode)
            s2 = benv.step(s, act)
            return s2, ({**record(s), "action": act, "done": s2.done, "success": s2.info["success"],
                         "distance": s2.info["distance"], "initial_distance": s2.info["initial_distance"]},
                        {"pos": s2.pipeline_state.x.pos, "rot": s2.pipeline_state.x.rot})

        _, (per_step, after) = jax.lax.scan(f, s0, jax.random.split(k_act, steps))
        return per_step, after

    def play(self, mode: int, students: list | None = None, seed: int = 0, steps: int | None = None) -> dict:
        """Run the episodes; numpy arrays time first [T, episodes, ...] plus `valid` [T, episodes] (the step
        belongs to its episode: up to and including the first done) and per-episode `success`,
        `final_over_initial` [episodes]. `students`: [(flax params, feature mask)] per block (mode 2)."""
        import jax
        import jax.numpy as jnp
        steps = int(steps or self.env.episode_length)
        if students is None:
            students = [(self.init_params(b), tk.feature_mask("mtg")) for b in range(len(self.models))]
        params = {"expert": tuple(self.expert.params[:2]) if self.expert is not None else (),
                  "students": [(p, jnp.asarray(f)) for p, f in students]}
        per_step, after = jax.device_get(self._jit(params, jnp.int32(mode), jax.random.PRNGKey(seed), steps))
        done = np.asarray(per_step["done"]) > 0
        valid = ~((np.cumsum(done, 0) - done) > 0)
        last = valid.sum(0) - 1
        n = np.arange(done.shape[1])
        out = {k: np.asarray(v) for k, v in per_step.items()}
        out["valid"] = valid
        out["after"] = {k: np.asarray(v) for k, v in after.items()}
        out["episode_success"] = out["success"][last, n].astype(np.float32)
        out["episode_final_over_initial"] = (out["distance"][last, n] / np.maximum(out["initial_distance"][last, n], 1e-6)
                                             ).astype(np.float32)
        return out

    def init_params(self, b: int):
        import jax
        import jax.numpy as jnp
        n = self.pad_to
        return self.models[b].init(jax.random.PRNGKey(0), jnp.zeros((1, n, tk.NUM_FEATURES)), jnp.ones((1, n)))

    def block_metrics(self, out: dict, b: int) -> dict:
        sl = slice(b * self.block, (b + 1) * self.block)
        return {"success": out["episode_success"][sl], "final_over_initial": out["episode_final_over_initial"][sl]}

    def frames(self, out: dict, episode: int) -> dict:
        """pos / rot [T+1, 1, links, 3|4] of one episode, cut at its end (for `workbench.sim.viewer`)."""
        t_end = int(out["valid"][:, episode].sum())
        pos = np.concatenate([out["pos"][:1], out["after"]["pos"]], 0)[: t_end + 1, episode: episode + 1]
        rot = np.concatenate([out["rot"][:1], out["after"]["rot"]], 0)[: t_end + 1, episode: episode + 1]
        return {"pos": pos, "rot": rot, "goal": out["goal"][0, episode]}


def expert_labels(expert, obs: np.ndarray) -> np.ndarray:
    """The expert's deterministic (mean) action for flat observations [M, d] (data labels)."""
    import jax
    import jax.numpy as jnp
    from workbench.sim import rollouts
    fn = jax.jit(lambda o: rollouts.ppo_apply(expert.env, expert.cfg, True)(tuple(expert.params[:2]), o,
                                                                            jax.random.PRNGKey(0)))
    return np.asarray(fn(jnp.asarray(obs)), np.float32)


def transitions(arena: Arena, out: dict, label: str = "mean") -> dict:
    """Valid steps of a mode-0 (data) rollout as flat transitions: states, goal, action label, episode."""
    t_idx, e_idx = np.nonzero(out["valid"])
    states = {k: out[k][t_idx, e_idx] for k in ("pos", "rot", "vel", "ang", "q")}
    obs = out["obs"][t_idx, e_idx]
    action = expert_labels(arena.expert, obs) if label == "mean" else out["action"][t_idx, e_idx].astype(np.float32)
    return {"states": states, "goal": out["goal"][t_idx, e_idx], "action": action, "episode": e_idx,
            "success": out["episode_success"]}
