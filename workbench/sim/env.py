"""ComposedEnv: the brax PipelineEnv a Composer description builds into (see `workbench.sim.composer`).

Observation, reward and termination are assembled from the description's observers, reward functions
and termination ranges (Braxlines Sec. 2 "Composer"). Each reward term is also reported in
`state.metrics[<component or edge>/<reward>]`, so a harness can plot or relabel them separately.
"""
from __future__ import annotations

import contextlib
import io
import warnings

import jax
import jax.numpy as jnp
import numpy as np

with contextlib.redirect_stdout(io.StringIO()):  # mujoco.mjx prints "Failed to import warp" (GPU-only extra)
    from brax.envs.base import PipelineEnv, State
    from brax.io import mjcf

from workbench import WorkbenchError
from workbench.sim import composer

warnings.filterwarnings("ignore", message="Brax System, piplines")


def enable_compile_cache() -> None:
    """Persist XLA executables under the workbench cache: a second process skips most jit time."""
    from workbench.cache import cache_dir
    if not jax.config.jax_compilation_cache_dir:
        jax.config.update("jax_compilation_cache_dir", str(cache_dir() / "jax"))
        jax.config.update("jax_persistent_cache_min_compile_time_secs", 0.5)


enable_compile_cache()


def _xy(v):
    return v[..., :2]


class ComposedEnv(PipelineEnv):
    """A brax PipelineEnv built from a Composer description (dict)."""

    def __init__(self, desc: dict):
        composer.check(desc)
        self.desc = desc
        opts = desc.get("global_options", {})
        xml, self.parts = composer.build_mjcf(desc)
        try:
            sys = mjcf.loads(xml)
        except Exception as e:  # name the component whose XML the loader rejected, when we can
            names = [n for n in desc["components"] if n in str(e)]
            where = f"component '{names[0]}'" if names else "description"
            raise WorkbenchError(f"{where} cannot be built into a brax System: {str(e).splitlines()[0]}") from None
        self.xml = xml
        super().__init__(sys, backend=opts.get("backend", "spring"), n_frames=int(opts.get("n_frames", 5)))
        self.episode_length = int(opts.get("episode_length", 1000))
        legged = {c["type"] for c in desc["components"].values()} & {"ant", "claw", "centipede", "worm", "runner"}
        self.reset_noise = float(opts.get("reset_noise", 0.1 if legged else 0.0))
        mj = sys.mj_model
        self._q, self._qd, self._link, self._act, self._fixed = {}, {}, {}, {}, {}
        joint_names = [mj.joint(j).name for j in range(mj.njnt)]
        act_joint = [joint_names[int(mj.actuator_trnid[a, 0])] for a in range(mj.nu)]
        for name, comp in desc["components"].items():
            if comp["type"] == "target":
                self._fixed[name] = np.asarray(comp.get("pos", [0, 0, 0]), np.float32)
                continue
            js = [j for j, jn in enumerate(joint_names) if jn.startswith(name + "/")]
            q, qd = [], []
            for j in js:
                nq, nv = {0: (7, 6), 1: (4, 3), 2: (1, 1), 3: (1, 1)}[int(mj.jnt_type[j])]
                q += range(mj.jnt_qposadr[j], mj.jnt_qposadr[j] + nq)
                qd += range(mj.jnt_dofadr[j], mj.jnt_dofadr[j] + nv)
            self._q[name], self._qd[name] = np.array(q, int), np.array(qd, int)
            self._link[name] = sys.link_names.index(f"{name}/{composer.ROOT_LINK[comp['type']]}")
            acts = [a for a, jn in enumerate(act_joint) if jn.startswith(name + "/")]
            self._act[name] = (acts[0], acts[-1] + 1) if acts else (0, 0)   # motors are written per component
        self._free = {n for n, c in desc["components"].items() if c["type"] in composer.FREE}
        self._planar = {n for n, c in desc["components"].items() if c["type"] in composer.PLANAR}
        self.task = desc.get("task")
        if self.task:
            agent = self.task.get("agent", "agent")
            feet = self.parts[agent]["feet"]
            self._foot_link = np.array([sys.link_names.index(ln) for ln, _ in feet], int)
            self._foot_off = np.array([off for _, off in feet], np.float32).reshape(-1, 3)
        self._token_setup()

    @property
    def observation_size(self) -> int:  # brax's default runs reset eagerly (seconds); eval_shape is free
        if not hasattr(self, "_obs_size"):
            self._obs_size = int(jax.eval_shape(self.reset, jax.random.PRNGKey(0)).obs.shape[-1])
        return self._obs_size

    # ---- pieces of state ---------------------------------------------------------------------
    def root_pos(self, ps, name: str) -> jnp.ndarray:
        if name in self._fixed:
            return jnp.asarray(self._fixed[name])
        return ps.x.pos[self._link[name]]

    def root_vel(self, ps, name: str) -> jnp.ndarray:
        if name in self._fixed:
            return jnp.zeros(3)
        return ps.xd.vel[self._link[name]]

    def _obs(self, ps, goal=None) -> jnp.ndarray:
        parts = []
        for name, comp in self.desc["components"].items():
            for obs in comp.get("observers", []):
                if obs == "qp":
                    q = ps.q[self._q[name]]
                    q = q[2:] if name in self._free else (q[1:] if name in self._planar else q)
                    parts += [q, ps.qd[self._qd[name]]]
                elif obs == "root_pos":
                    parts.append(self.root_pos(ps, name))
                elif obs == "root_vel":
                    parts.append(self.root_vel(ps, name))
        for key, edge in self.desc.get("edges", {}).items():
            a, b = key.split("__")
            vec = self.root_pos(ps, b) - self.root_pos(ps, a)
            for obs in edge.get("observers", []):
                parts.append(vec if obs == "root_vec" else jnp.linalg.norm(_xy(vec))[None])
        if self.task is not None:  # goal tokens' flat twin: goal - root (world axes) and the task distance
            parts += [goal - self.root_pos(ps, self.task.get("agent", "agent")), self.task_distance(ps, goal)[None]]
        return jnp.concatenate(parts) if parts else jnp.zeros(1)

    # ---- goal tasks --------------------------------------------------------------------------
    def feet(self, ps) -> jnp.ndarray:
        """World positions of the agent's foot tips [F, 3] (tip offsets rotated by their links)."""
        from brax import math as bmath
        rot = ps.x.rot[self._foot_link]
        return ps.x.pos[self._foot_link] + jax.vmap(bmath.rotate)(jnp.asarray(self._foot_off), rot)

    def task_distance(self, ps, goal) -> jnp.ndarray:
        """touch: root-goal xy distance; reach: nearest foot tip to goal, 3-D."""
        if self.task["kind"] == "touch":
            return jnp.linalg.norm(_xy(goal - self.root_pos(ps, self.task.get("agent", "agent"))))
        return jnp.min(jnp.linalg.norm(self.feet(ps) - goal, axis=-1))

    def sample_goal(self, ps, rng) -> jnp.ndarray:
        """A goal on the annulus goal_radius around the agent's current root xy, at height goal_z."""
        k1, k2 = jax.random.split(rng)
        lo, hi = self.task["goal_radius"]
        r = jax.random.uniform(k1, (), minval=lo, maxval=hi)
        th = jax.random.uniform(k2, (), minval=0.0, maxval=2 * jnp.pi)
        root = self.root_pos(ps, self.task.get("agent", "agent"))
        return jnp.array([root[0] + r * jnp.cos(th), root[1] + r * jnp.sin(th), self.task["goal_z"]])

    def reset_task(self, ps, info: dict, rng) -> tuple:
        """A fresh goal for pipeline state `ps`: (obs, info with task state replaced). Used by reset and by
        `workbench.sim.ppo.AutoReset` on every automatic reset (brax's replays the first goal)."""
        goal = self.sample_goal(ps, rng)
        d = self.task_distance(ps, goal)
        task = {"goal": goal, "prev": d, "init": d}
        return self._obs(ps, goal), {**info, "task": task, "success": jnp.zeros(()), "distance": d,
                                     "initial_distance": d}

    def _rewards(self, ps, action) -> dict[str, jnp.ndarray]:
        out = {}
        for name, comp in self.desc["components"].items():
            for rew, p in comp.get("reward_fns", {}).items():
                scale = float(p.get("scale", 1.0))
                if rew == "velocity":
                    r = scale * jnp.dot(_xy(self.root_vel(ps, name)), jnp.asarray(p.get("direction", [1, 0]), jnp.float32))
                elif rew == "target_speed":   # cheetah-vel: -|v - speed| along `direction`
                    v = jnp.dot(_xy(self.root_vel(ps, name)), jnp.asarray(p.get("direction", [1, 0]), jnp.float32))
                    r = -scale * jnp.abs(v - float(p.get("speed", 1.0)))
                elif rew == "root_goal":
                    d = jnp.asarray(p["target"][:2], jnp.float32) - _xy(self.root_pos(ps, name))
                    r = scale * jnp.dot(_xy(self.root_vel(ps, name)), d / (jnp.linalg.norm(d) + 1e-6))
                elif rew == "ctrl_cost":
                    lo, hi = self._act[name]
                    r = -scale * jnp.sum(jnp.square(action[lo:hi]))
                else:  # alive
                    r = jnp.asarray(float(p.get("value", 1.0)))
                out[f"{name}/{rew}"] = r
        for key, edge in self.desc.get("edges", {}).items():
            a, b = key.split("__")
            for rew, p in edge.get("reward_fns", {}).items():  # root_dist
                d = jnp.linalg.norm(_xy(self.root_pos(ps, b) - self.root_pos(ps, a)))
                out[f"{key}/{rew}"] = -float(p.get("scale", 1.0)) * d
        return out

    def _task_rewards(self, ps, action, task) -> tuple[dict, jnp.ndarray, jnp.ndarray]:
        t = self.task
        d = self.task_distance(ps, task["goal"])
        success = (d < t["success_dist"]).astype(jnp.float32)
        terms = {"task/progress": t["progress_scale"] * (task["prev"] - d) / self.dt,
                 "task/success_bonus": t["success_bonus"] * success,
                 "task/ctrl_cost": -t["ctrl_cost"] * jnp.sum(jnp.square(action))}
        return terms, d, success

    def _done(self, ps) -> jnp.ndarray:
        done = jnp.zeros(())
        for name, comp in self.desc["components"].items():
            lo_hi = comp.get("term", {}).get("z_range")
            if lo_hi:
                z = self.root_pos(ps, name)[2]
                done = jnp.maximum(done, jnp.where((z < lo_hi[0]) | (z > lo_hi[1]), 1.0, 0.0))
        return done

    # ---- brax Env API ------------------------------------------------------------------------
    def reset(self, rng: jax.Array) -> State:
        k1, k2 = jax.random.split(rng)
        noise = self.reset_noise
        q = self.sys.init_q + noise * jax.random.uniform(k1, (self.sys.q_size(),), minval=-1, maxval=1)
        qd = noise * jax.random.normal(k2, (self.sys.qd_size(),))
        for name in self._free:  # keep root quaternions normalised and bodies in place
            idx = self._q[name][:7]
            q = q.at[idx].set(self.sys.init_q[idx])
        ps = self.pipeline_init(q, qd)
        metrics = {k: jnp.zeros(()) for k in self._rewards(ps, jnp.zeros(self.action_size))}
        if self.task is None:
            return State(ps, self._obs(ps), jnp.zeros(()), self._done(ps), metrics)
        metrics.update({k: jnp.zeros(()) for k in ("task/progress", "task/success_bonus", "task/ctrl_cost")})
        obs, info = self.reset_task(ps, {}, jax.random.fold_in(rng, 1))
        return State(ps, obs, jnp.zeros(()), self._done(ps), metrics, info)

    def _controls(self, ps, action):
        """Velocity-commanded point masses: action in [-1, 1] -> motor signal tracking action * vmax."""
        for name, comp in self.desc["components"].items():
            if comp["type"] == "point_mass":
                p = comp.get("params", {})
                vmax, kp, gear = float(p.get("vmax", 1.2)), float(p.get("kp", 10.0)), float(p.get("gear", 10.0))
                lo, hi = self._act[name]
                cmd = jnp.clip(kp * (action[lo:hi] * vmax - ps.qd[self._qd[name]]) / gear, -1.0, 1.0)
                action = action.at[lo:hi].set(cmd)
        return action

    def step(self, state: State, action: jax.Array) -> State:
        ps = self.pipeline_step(state.pipeline_state, self._controls(state.pipeline_state, action))
        rewards = self._rewards(ps, action)
        done = self._done(ps)
        info = state.info
        goal = None
        if self.task is not None:
            task = state.info["task"]
            terms, d, success = self._task_rewards(ps, action, task)
            rewards.update(terms)
            done = jnp.maximum(done, success)
            goal = task["goal"]
            info = {**state.info, "task": {**task, "prev": d}, "success": success, "distance": d,
                    "initial_distance": task["init"]}
        reward = sum(rewards.values()) if rewards else jnp.zeros(())
        return state.replace(pipeline_state=ps, obs=self._obs(ps, goal), reward=reward, done=done,
                             metrics={**state.metrics, **rewards}, info=info)

    # ---- drawing -----------------------------------------------------------------------------
    def geometry(self) -> dict:
        """Static drawing data for the viewer: per geom its link index, type, size, local pos/quat."""
        s = self.sys
        return {"link": np.asarray(s.geom_bodyid) - 1, "type": np.asarray(s.geom_type),
                "size": np.asarray(s.geom_size), "pos": np.asarray(s.geom_pos), "quat": np.asarray(s.geom_quat),
                "targets": {n: p for n, p in self._fixed.items()}, "link_names": list(s.link_names)}


def build_env(desc: dict | str, **edits) -> ComposedEnv:
    """A ComposedEnv from a description (or a registered name plus `key__path=value` edits)."""
    if isinstance(desc, str):
        desc = composer.get(desc, **edits)
    elif edits:
        for key, value in edits.items():
            desc = composer.edit(desc, key.replace("__", "."), value)
    return ComposedEnv(desc)


# ---- morphology-task tokens (MxT's `mtg_v2_base_m` features, arXiv 2211.14296 Sec. 4.3, trimmed) -------------
TOKEN_FEATURES = (["pos_x", "pos_y", "pos_z", "vel_x", "vel_y", "vel_z", "ang_x", "ang_y", "ang_z",
                   "rot_x", "rot_y", "rot_z", "joint_angle", "range_lo", "range_hi", "mass", "gear"]
                  + [f"type_{t}" for t in composer.PART_TYPES])


def _token_setup(self) -> None:
    """Static per-link token features: links of every body component in description order, then goals."""
    mj, links, types, gears = self.sys.mj_model, [], [], []
    for name, part in self.parts.items():
        for ln in part["links"]:
            links.append(self.sys.link_names.index(ln))
            types.append(composer.PART_TYPES.index(part["types"][ln]))
            gears.append(part["gear"].get(ln, 0.0))
    qidx, rng_lo, rng_hi, mass = [], [], [], []
    for li in links:
        b = li + 1                                       # brax link i is MuJoCo body i + 1 (world is 0)
        j = int(mj.body_jntadr[b])
        hinge = j >= 0 and int(mj.jnt_type[j]) == 3
        qidx.append(int(mj.jnt_qposadr[j]) if hinge else -1)
        lo, hi = (mj.jnt_range[j] if hinge and mj.jnt_limited[j] else (0.0, 0.0))
        rng_lo.append(lo)
        rng_hi.append(hi)
        mass.append(float(mj.body_mass[b]))
    self._tok_link = np.array(links, int)
    self._tok_q = np.array(qidx, int)
    lo, hi = np.array(rng_lo, np.float32), np.array(rng_hi, np.float32)
    self._tok_range = (lo, hi)
    static = np.zeros((len(links), len(TOKEN_FEATURES)), np.float32)
    static[:, 13] = (np.pi + lo) / (2 * np.pi)           # MxT: (180 + limit) / 360
    static[:, 14] = (np.pi + hi) / (2 * np.pi)
    static[:, 15] = mass
    static[:, 16] = 0.01 * np.array(gears, np.float32)   # MxT: actuator strength x 0.01
    static[np.arange(len(links)), 17 + np.array(types, int)] = 1.0
    self._tok_static = static
    self.num_goal_tokens = 1 if self.task else 0
    self.num_tokens = len(links) + self.num_goal_tokens


def _quat_to_rotvec(q):
    """Unit quaternions [..., 4] (w, x, y, z) -> axis * angle [..., 3] (exp-map rotation)."""
    q = q * jnp.where(q[..., :1] < 0, -1.0, 1.0)
    v = q[..., 1:]
    s = jnp.linalg.norm(v, axis=-1, keepdims=True)
    angle = 2 * jnp.arctan2(s, q[..., :1])
    return jnp.where(s > 1e-8, v / jnp.maximum(s, 1e-8) * angle, 2 * v)


def tokens(self, ps, goal=None, pad_to: int | None = None) -> tuple[jnp.ndarray, jnp.ndarray]:
    """One token per body part plus goal tokens: (tokens [N, F], mask [N]) with F = len(TOKEN_FEATURES),
    N = pad_to or num_tokens; padded rows are zero with mask 0. Positions are relative to the agent's
    root (world axes; z absolute), velocities clipped to +-10 as in MxT; the joint angle is normalised to
    [0, 1] within its range (0 for the root). Pure jnp: jit / vmap it over a rollout's states."""
    root_name = (self.task or {}).get("agent") or next(iter(self._link))
    root = self.root_pos(ps, root_name)
    li = self._tok_link
    pos = ps.x.pos[li] - root.at[2].set(0.0)
    vel = jnp.clip(ps.xd.vel[li], -10, 10)
    ang = jnp.clip(ps.xd.ang[li], -10, 10)
    rot = _quat_to_rotvec(ps.x.rot[li])
    lo, hi = self._tok_range
    q = jnp.where(self._tok_q >= 0, ps.q[np.maximum(self._tok_q, 0)], 0.0)
    angle = jnp.where(self._tok_q >= 0, (q - lo) / np.maximum(hi - lo, 1e-6), 0.0)[:, None]
    dyn = jnp.concatenate([pos, vel, ang, rot, angle], -1)
    toks = jnp.asarray(self._tok_static).at[:, :13].set(dyn)
    if self.task is not None:
        g = jnp.zeros((1, len(TOKEN_FEATURES))).at[0, :3].set(goal - root.at[2].set(0.0))
        toks = jnp.concatenate([toks, g.at[0, 17 + composer.PART_TYPES.index("goal")].set(1.0)], 0)
    n = pad_to or self.num_tokens
    if n < toks.shape[0]:
        raise WorkbenchError(f"tokens: pad_to={n} is less than this body's {toks.shape[0]} tokens")
    mask = jnp.arange(n) < toks.shape[0]
    return jnp.zeros((n, toks.shape[1])).at[: toks.shape[0]].set(toks), mask.astype(jnp.float32)


ComposedEnv._token_setup = _token_setup
ComposedEnv.tokens = tokens
