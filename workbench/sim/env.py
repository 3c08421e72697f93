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
        xml = composer.to_mjcf(desc)
        try:
            sys = mjcf.loads(xml)
        except Exception as e:  # name the component whose XML the loader rejected, when we can
            names = [n for n in desc["components"] if n in str(e)]
            where = f"component '{names[0]}'" if names else "description"
            raise WorkbenchError(f"{where} cannot be built into a brax System: {str(e).splitlines()[0]}") from None
        self.xml = xml
        super().__init__(sys, backend=opts.get("backend", "spring"), n_frames=int(opts.get("n_frames", 5)))
        self.episode_length = int(opts.get("episode_length", 1000))
        self.reset_noise = float(opts.get("reset_noise", 0.1 if "ant" in {c["type"] for c in desc["components"].values()} else 0.0))
        mj = sys.mj_model
        self._q, self._qd, self._link, self._act, self._fixed = {}, {}, {}, {}, {}
        act_start = 0
        joint_names = [mj.joint(j).name for j in range(mj.njnt)]
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
            n_act = {"ant": 2 * int(comp.get("params", {}).get("num_legs", 4)), "point_mass": 2, "ball": 0}[comp["type"]]
            self._act[name] = (act_start, act_start + n_act)
            act_start += n_act
        self._free = {n for n, c in desc["components"].items() if c["type"] in ("ant", "ball")}

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

    def _obs(self, ps) -> jnp.ndarray:
        parts = []
        for name, comp in self.desc["components"].items():
            for obs in comp.get("observers", []):
                if obs == "qp":
                    q = ps.q[self._q[name]]
                    parts += [q[2:] if name in self._free else q, ps.qd[self._qd[name]]]
                elif obs == "root_pos":
                    parts.append(self.root_pos(ps, name))
                elif obs == "root_vel":
                    parts.append(self.root_vel(ps, name))
        for key, edge in self.desc.get("edges", {}).items():
            a, b = key.split("__")
            vec = self.root_pos(ps, b) - self.root_pos(ps, a)
            for obs in edge.get("observers", []):
                parts.append(vec if obs == "root_vec" else jnp.linalg.norm(_xy(vec))[None])
        return jnp.concatenate(parts) if parts else jnp.zeros(1)

    def _rewards(self, ps, action) -> dict[str, jnp.ndarray]:
        out = {}
        for name, comp in self.desc["components"].items():
            for rew, p in comp.get("reward_fns", {}).items():
                scale = float(p.get("scale", 1.0))
                if rew == "velocity":
                    r = scale * jnp.dot(_xy(self.root_vel(ps, name)), jnp.asarray(p.get("direction", [1, 0]), jnp.float32))
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
        zeros = {k: jnp.zeros(()) for k in self._rewards(ps, jnp.zeros(self.action_size))}
        return State(ps, self._obs(ps), jnp.zeros(()), self._done(ps), zeros)

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
        reward = sum(rewards.values()) if rewards else jnp.zeros(())
        return state.replace(pipeline_state=ps, obs=self._obs(ps), reward=reward, done=self._done(ps),
                             metrics={**state.metrics, **rewards})

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
