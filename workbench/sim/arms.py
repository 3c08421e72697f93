"""Fixed-base robot arms on MuJoCo: 3-7 revolute joints, a parallel gripper, a cube and a target site;
end-effector control by differential inverse kinematics; scripted experts for reach, push and pick-place.

    arm = ArmEnv("panda7", task="pick_place", seed=0)
    obs = arm.reset()
    expert = Expert(arm)
    while not arm.done:
        obs, reward, info = arm.step(expert(obs))        # the arm's native action convention
    arm.success

Why MuJoCo (not brax): one arm steps in ~10 us on CPU and `mj_jacSite` gives the Jacobian the
differential IK needs; the RT-X-mini data budget (thousands of short episodes) is host-side work.

Arms differ as robots in a multi-robot dataset do (RT-X, arXiv 2310.08864 Sec. III): DoF and link
lengths, base placement and yaw, control rate (`hz`), and action convention:
  * eef_delta:  [dx, dy, dz] in [-1, 1] x `max_step` m per control step, gripper in [-1, 1] (+1 closes)
  * eef_abs:    absolute end-effector target [x, y, z] in m (world frame), gripper as a bool (1 closes)
  * eef_velocity: [vx, vy, vz] in m/s (|v| <= max_step * hz), gripper in [-1, 1]
  * joint_delta: per-joint position deltas in [-1, 1] x `max_joint_step` rad, gripper in [-1, 1]
`to_native` turns a world-frame end-effector delta into each convention (the standardisation layer that
an RT-X notebook undoes). The gripper grasps by a weld that switches on when it closes with the cube
between its fingers ("weld-on-contact attach": friction grasps are slow to tune).
Joints are position-servoed with gravity compensation, so the arm holds its pose at zero action.

Arm geoms do not collide with each other (only with the table and the cube): self-contacts between
non-adjacent links used to jam ur6 and planar3 before they reached the cube. 6-7 DoF arms start with the
tool vertical. Expert success with noise 0.003 m, seeds 0-7: reach 8/8 panda7, widow5, scara4, kuka7,
planar3, 6/8 ur6; pick_place 8/8 panda7, widow5, scara4, kuka7, 6/8 ur6, planar3; push 8/8 panda7, 7/8
widow5, planar3, 6/8 scara4, kuka7, 1/8 ur6 (ur6's yawed base and x-roll wrist still defeat straight-line
pushing: its data are reach and pick_place).
"""
from __future__ import annotations

import dataclasses
import math

import mujoco
import numpy as np

from workbench import WorkbenchError


@dataclasses.dataclass(frozen=True)
class ArmSpec:
    name: str
    links: tuple            # link lengths (m), one per joint after the base yaw
    axes: str               # joint axes, one letter per joint: z (yaw), y (pitch), x (roll)
    base: tuple = (0.0, 0.0, 0.0)
    base_yaw: float = 0.0   # deg
    hz: float = 10.0        # control rate
    action: str = "eef_delta"
    max_step: float = 0.04  # m per control step (eef_delta)
    max_joint_step: float = 0.15  # rad per control step (joint_delta)
    workspace: tuple = (0.3, 0.6)  # radii (m) from the base where cubes and targets are placed

    @property
    def dof(self) -> int:
        return len(self.axes)


ARMS = {
    "panda7": ArmSpec("panda7", (0.33, 0.0, 0.32, 0.0, 0.30, 0.0), "zyxyxyx", hz=10.0, action="eef_delta"),
    "ur6": ArmSpec("ur6", (0.35, 0.0, 0.35, 0.0, 0.2), "zyyxyx", base=(0.0, 0.05, 0.0), base_yaw=90.0, hz=10.0,
                   action="eef_abs"),
    "widow5": ArmSpec("widow5", (0.25, 0.25, 0.0, 0.18), "zyyxy", hz=5.0, action="eef_delta", max_step=0.06,
                      workspace=(0.3, 0.5)),
    "scara4": ArmSpec("scara4", (0.3, 0.3, 0.2), "zyyy", base=(-0.05, 0.0, 0.0), hz=10.0, action="joint_delta"),
    "kuka7": ArmSpec("kuka7", (0.36, 0.0, 0.30, 0.0, 0.26, 0.0), "zyxyxyx", base=(0.05, -0.05, 0.0), base_yaw=-20.0,
                     hz=5.0, action="eef_velocity", max_step=0.06),
    "planar3": ArmSpec("planar3", (0.15, 0.45), "zyy", hz=5.0, action="eef_delta", max_step=0.06,
                       workspace=(0.42, 0.56)),
}
TASKS = ("reach", "push", "pick_place")
_DT = 0.002
_IK_EVERY = 10   # substeps between differential-IK updates (50 Hz Cartesian servo under any control rate)
_CUBE = 0.02   # cube half-size (m)


def arm_xml(spec: ArmSpec) -> str:
    """MJCF of one arm on a table (the floor plane) with a cube and a target site."""
    if not 3 <= spec.dof <= 7 or len(spec.links) != spec.dof - 1 or set(spec.axes) - set("xyz"):
        raise WorkbenchError(f"arm {spec.name}: needs 3-7 joints (axes in x/y/z) and dof - 1 link lengths")
    axis = {"x": "1 0 0", "y": "0 1 0", "z": "0 0 1"}
    inner = """
            <site name="ee" pos="0 0 -0.1" size="0.01"/>
            <body name="finger_l" pos="0 0.03 -0.08"><joint name="grip_l" type="slide" axis="0 -1 0" range="0 0.03"/>
              <geom type="box" size="0.005 0.005 0.03" rgba="0.3 0.3 0.3 1"/></body>
            <body name="finger_r" pos="0 -0.03 -0.08"><joint name="grip_r" type="slide" axis="0 1 0" range="0 0.03"/>
              <geom type="box" size="0.005 0.005 0.03" rgba="0.3 0.3 0.3 1"/></body>"""
    # the tool hangs below the last joint: a short wrist link pointing down (-z)
    body = f"""
          <body name="tool" pos="0 0 0">
            <geom type="capsule" fromto="0 0 0 0 0 -0.05" size="0.02"/>{inner}
          </body>"""
    for j in range(spec.dof - 1, -1, -1):
        length = spec.links[j - 1] if j > 0 else 0.0
        # joint 0 sits on a 0.3 m pedestal; joint j > 0 sits at the end of the previous link, which points along +x
        pos = "0 0 0.3" if j == 0 else f"{length:g} 0 0"
        geom = (f'<geom type="capsule" fromto="0 0 0 {spec.links[j]:g} 0 0" size="0.025"/>' if j < spec.dof - 1
                and spec.links[j] > 0 else "")
        body = f"""
        <body name="link{j}" pos="{pos}" gravcomp="1">
          <joint name="j{j}" axis="{axis[spec.axes[j]]}" range="-170 170" damping="12" armature="0.05"/>
          <geom type="sphere" size="0.035"/>{geom}{body}
        </body>"""
    acts = "\n    ".join(f'<position joint="j{j}" kp="300" ctrlrange="-3 3"/>' for j in range(spec.dof))
    return f"""<mujoco model="{spec.name}">
  <compiler angle="degree"/>
  <option timestep="{_DT}" integrator="implicitfast"/>
  <default><geom density="500" friction="1 0.01 0.001"/>
    <default class="arm"><geom contype="2" conaffinity="1"/></default></default>
  <worldbody>
    <light pos="0 0 2"/>
    <geom name="table" type="plane" size="2 2 0.1"/>
    <body name="base" pos="{spec.base[0]:g} {spec.base[1]:g} {spec.base[2]:g}" euler="0 0 {spec.base_yaw:g}" childclass="arm">
      <geom type="cylinder" fromto="0 0 0 0 0 0.3" size="0.05"/>{body}
    </body>
    <body name="cube" pos="0.4 0 {_CUBE}"><freejoint name="cube"/>
      <geom name="cube" type="box" size="{_CUBE} {_CUBE} {_CUBE}" density="300" rgba="0.8 0.2 0.2 1"/></body>
    <site name="target" pos="0.4 0.2 {_CUBE}" size="0.02" rgba="0.2 0.8 0.2 0.6"/>
  </worldbody>
  <equality><weld name="grasp" body1="tool" body2="cube" active="false"/></equality>
  <actuator>
    {acts}
    <position joint="grip_l" kp="100" ctrlrange="0 0.03"/>
    <position joint="grip_r" kp="100" ctrlrange="0 0.03"/>
  </actuator>
</mujoco>"""


class ArmEnv:
    """One arm, one task; host-side (numpy) like a real robot's control loop. Episodes end on success or
    after `max_steps` control steps (a truncation)."""

    def __init__(self, arm: str | ArmSpec, task: str = "reach", seed: int = 0, max_steps: int = 0):
        if isinstance(arm, str) and arm not in ARMS:
            raise WorkbenchError(f"unknown arm {arm!r}; known: {', '.join(ARMS)}")
        self.spec = ARMS[arm] if isinstance(arm, str) else arm
        if task not in TASKS:
            raise WorkbenchError(f"unknown arm task {task!r}; known: {', '.join(TASKS)}")
        self.task = task
        self.model = mujoco.MjModel.from_xml_string(arm_xml(self.spec))
        self.data = mujoco.MjData(self.model)
        self.substeps = max(1, int(round(1.0 / (self.spec.hz * _DT))))
        self.max_steps = max_steps or int(self.spec.hz * {"reach": 6, "push": 15, "pick_place": 15}[task])
        self.rng = np.random.default_rng(seed)
        self._ee = mujoco.mj_name2id(self.model, mujoco.mjtObj.mjOBJ_SITE, "ee")
        self._target = mujoco.mj_name2id(self.model, mujoco.mjtObj.mjOBJ_SITE, "target")
        self._cube = mujoco.mj_name2id(self.model, mujoco.mjtObj.mjOBJ_BODY, "cube")
        self._cube_q = self.model.jnt_qposadr[mujoco.mj_name2id(self.model, mujoco.mjtObj.mjOBJ_JOINT, "cube")]
        self.dof = self.spec.dof
        self._jac = np.zeros((3, self.model.nv))
        self.action_size = 4 if self.spec.action != "joint_delta" else self.dof + 1

    # ---- state ------------------------------------------------------------------------------------
    @property
    def max_speed(self) -> float:
        """eef_velocity's bound (m/s): max_step per control step."""
        return self.spec.max_step * self.spec.hz

    @property
    def ee(self) -> np.ndarray:
        return self.data.site_xpos[self._ee].copy()

    @property
    def cube(self) -> np.ndarray:
        return self.data.xpos[self._cube].copy()

    @property
    def target(self) -> np.ndarray:
        return self.model.site_pos[self._target].copy()

    @property
    def gripper_closed(self) -> bool:
        return bool(self.data.ctrl[self.dof] > 0.015)

    def obs(self) -> dict:
        """Native observation: joint state (padded by nothing: each arm its own size), eef, gripper, objects."""
        return {"q": self.data.qpos[: self.dof].copy(), "qd": self.data.qvel[: self.dof].copy(), "ee": self.ee,
                "gripper": float(self.gripper_closed), "cube": self.cube, "target": self.target}

    def reset(self) -> dict:
        mujoco.mj_resetData(self.model, self.data)
        # a bent home pose: shoulder up, elbow down, so the tool points at the table
        q0 = np.zeros(self.dof)
        pitches = [j for j in range(1, self.dof) if self.spec.axes[j] == "y"]
        if pitches:
            q0[pitches[0]] = -0.6
            if len(pitches) > 1:
                q0[pitches[1]] = 1.2
            if len(pitches) > 2 and self.dof >= 6:
                q0[pitches[2]] = -0.6    # pitches sum to 0: the tool starts vertical, its wrist clear of the table
        self.data.qpos[: self.dof] = q0
        self.data.ctrl[: self.dof] = q0
        self.data.eq_active[0] = 0
        base = np.asarray(self.spec.base[:2])
        lo, hi = self.spec.workspace
        yaw = math.radians(self.spec.base_yaw)

        def sample():   # in front of the arm (+-45 deg around where its base faces), inside its reach
            r, th = self.rng.uniform(lo, hi), yaw + self.rng.uniform(-0.8, 0.8)
            return base + r * np.array([math.cos(th), math.sin(th)])
        cube = sample()
        target = sample()
        while np.linalg.norm(target - cube) < 0.12:
            target = sample()
        self.data.qpos[self._cube_q: self._cube_q + 3] = [*cube, _CUBE]
        self.data.qpos[self._cube_q + 3: self._cube_q + 7] = [1, 0, 0, 0]
        z = 0.12 if self.task == "reach" else _CUBE
        self.model.site_pos[self._target] = [*target, z]
        mujoco.mj_forward(self.model, self.data)
        self.t, self.done, self.success = 0, False, False
        return self.obs()

    # ---- control ----------------------------------------------------------------------------------
    def ik(self, dx: np.ndarray, damping: float = 0.05) -> np.ndarray:
        """Joint deltas for a world-frame end-effector displacement: damped least squares on the position
        Jacobian from mj_jacSite, dq = J^T (J J^T + lambda^2 I)^-1 dx."""
        mujoco.mj_jacSite(self.model, self.data, self._jac, None, self._ee)
        J = self._jac[:, : self.dof]
        return J.T @ np.linalg.solve(J @ J.T + damping ** 2 * np.eye(3), dx)

    def to_native(self, dx: np.ndarray, grip: float) -> np.ndarray:
        """A world-frame eef displacement (m) and a gripper command (+1 close, -1 open) in this arm's convention."""
        a = self.spec.action
        if a == "eef_delta":
            return np.append(np.clip(dx / self.spec.max_step, -1, 1), grip).astype(np.float32)
        if a == "eef_abs":
            return np.append(self.ee + dx, float(grip > 0)).astype(np.float32)
        if a == "eef_velocity":
            v = np.clip(dx * self.spec.hz, -self.max_speed, self.max_speed)
            return np.append(v, grip).astype(np.float32)
        dq = self.ik(dx) / self.spec.max_joint_step
        return np.append(dq / max(1.0, np.abs(dq).max()), grip).astype(np.float32)   # keep the direction

    def step(self, action) -> tuple[dict, float, dict]:
        action = np.asarray(action, np.float64)
        if action.shape != (self.action_size,):
            raise WorkbenchError(f"{self.spec.name}: action must have shape ({self.action_size},), got {action.shape}")
        a = self.spec.action
        q = self.data.qpos[: self.dof].copy()
        goal = None
        if a == "joint_delta":
            self.data.ctrl[: self.dof] = q + np.clip(action[:-1], -1, 1) * self.spec.max_joint_step
            close = action[-1] > 0
        else:
            if a == "eef_delta":
                dx = np.clip(action[:3], -1, 1) * self.spec.max_step
            elif a == "eef_velocity":
                dx = np.clip(action[:3], -self.max_speed, self.max_speed) / self.spec.hz
            else:
                dx = np.clip(action[:3] - self.ee, -self.spec.max_step, self.spec.max_step)
            goal = self.ee + dx     # the arm's Cartesian controller servoes to it at 1 / (_IK_EVERY * dt) Hz
            close = action[-1] > (0 if a == "eef_delta" else 0.5)
        self.data.ctrl[self.dof:] = 0.02 if close else 0.0
        between = np.linalg.norm(self.cube - self.ee) < 0.035
        if close and between:
            if not self.data.eq_active[0]:
                self._attach()
        elif not close:
            self.data.eq_active[0] = 0
        for i in range(self.substeps):
            if goal is not None and i % _IK_EVERY == 0:
                dq = self.ik(goal - self.ee)
                n = np.linalg.norm(dq)
                self.data.ctrl[: self.dof] = self.data.qpos[: self.dof] + (dq * 0.1 / n if n > 0.1 else dq)
            mujoco.mj_step(self.model, self.data)
        self.t += 1
        dist = self._task_distance()
        self.success = dist < (0.03 if self.task == "reach" else 0.05) and (self.task != "pick_place" or not close)
        self.done = self.success or self.t >= self.max_steps
        return self.obs(), float(-dist + 10.0 * self.success), {"success": self.success, "distance": dist,
                                                                  "truncated": self.done and not self.success}

    def _attach(self) -> None:
        """Weld the cube to the tool at their current relative pose (relpose = cube in the tool's frame)."""
        tool = mujoco.mj_name2id(self.model, mujoco.mjtObj.mjOBJ_BODY, "tool")
        pt, qt = self.data.xpos[tool], self.data.xquat[tool]
        pc, qc = self.data.xpos[self._cube], self.data.xquat[self._cube]
        qinv = np.zeros(4)
        mujoco.mju_negQuat(qinv, qt)
        rel_p = np.zeros(3)
        mujoco.mju_rotVecQuat(rel_p, pc - pt, qinv)
        rel_q = np.zeros(4)
        mujoco.mju_mulQuat(rel_q, qinv, qc)
        self.model.eq_data[0, 3:6] = rel_p
        self.model.eq_data[0, 6:10] = rel_q
        self.model.eq_data[0, 10] = 1.0
        self.data.eq_active[0] = 1

    def _task_distance(self) -> float:
        if self.task == "reach":
            return float(np.linalg.norm(self.ee - self.target))
        if self.task == "push":
            return float(np.linalg.norm((self.cube - self.target)[:2]))
        return float(np.linalg.norm(self.cube - self.target))

    def bodies(self) -> dict[str, np.ndarray]:
        """World positions of the arm's joints, tool, cube and target (for drawing)."""
        ids = [mujoco.mj_name2id(self.model, mujoco.mjtObj.mjOBJ_BODY, f"link{j}") for j in range(self.dof)]
        return {"chain": np.vstack([self.data.xpos[ids], self.ee[None]]), "cube": self.cube, "target": self.target}


class Expert:
    """Scripted waypoint expert for the env's task; returns actions in the arm's native convention.

    reach: straight to the target. push: to a point behind the cube (seen from the target), down to
    cube height, then through the cube towards the target. pick_place: above the cube, down, close,
    lift, above the target, down, open. `noise` adds Gaussian noise (m) to each displacement."""

    def __init__(self, env: ArmEnv, noise: float = 0.0, seed: int = 0):
        self.env, self.noise, self.rng = env, noise, np.random.default_rng(seed)
        self.phase = 0

    def reset(self) -> None:
        self.phase = 0

    def _toward(self, goal, grip: float) -> np.ndarray:
        step = self.env.spec.max_step
        dx = np.asarray(goal) - self.env.ee
        n = np.linalg.norm(dx)
        if n > step:
            dx = dx * step / n
        if self.noise:
            dx = dx + self.rng.normal(0, self.noise, 3)
        return self.env.to_native(dx, grip)

    def __call__(self, obs: dict) -> np.ndarray:
        e, ee, cube, target = self.env, obs["ee"], obs["cube"], obs["target"]
        if e.task == "reach":
            return self._toward(target, -1.0)
        if e.task == "push":
            d = (target - cube)[:2]
            d = d / (np.linalg.norm(d) + 1e-9)
            behind = np.array([*(cube[:2] - 0.06 * d), 0.03])
            rel = (ee - cube)[:2]
            along = rel @ d
            lateral = np.linalg.norm(rel - along * d)
            if self.phase == 2 and (lateral > 0.02 or along > -0.02):   # off the push line: go round again
                self.phase = 0
            if self.phase == 0:   # above the point behind the cube, then down
                goal = behind + [0, 0, 0.08]
                if np.linalg.norm(ee - goal) < 0.015:
                    self.phase = 1
                return self._toward(goal, -1.0)
            if self.phase == 1:
                if np.linalg.norm(ee - behind) < 0.01:
                    self.phase = 2
                return self._toward(behind, -1.0)
            # push along the line through the cube, steering the contact point back onto it, at half speed
            goal = np.array([*(cube[:2] + 0.04 * d - 0.5 * (rel - along * d)), 0.03])
            return self._toward(ee + 0.5 * (goal - ee), -1.0)
        # pick and place
        above_cube, at_cube = cube + [0, 0, 0.1], cube + [0, 0, 0.0]
        above_target, at_target = target + [0, 0, 0.12], target + [0, 0, 0.005]
        plan = [(above_cube, -1.0), (at_cube, -1.0), (at_cube, 1.0), (above_target, 1.0), (at_target, 1.0),
                (at_target, -1.0)]
        goal, grip = plan[min(self.phase, len(plan) - 1)]
        close_enough = np.linalg.norm(ee - goal) < 0.015
        if self.phase == 2:
            close_enough = e.data.eq_active[0] == 1
        if self.phase in (3,) and e.data.eq_active[0] == 0:
            self.phase = 0                              # dropped it: start over
        if close_enough and self.phase < len(plan) - 1:
            self.phase += 1
        return self._toward(goal, grip)


def run_episode(env: ArmEnv, policy, seed: int | None = None) -> dict:
    """One episode on the host: observations (dicts), actions, rewards, terminations, truncations, success."""
    if seed is not None:
        env.rng = np.random.default_rng(seed)
    obs = env.reset()
    if hasattr(policy, "reset"):
        policy.reset()
    out = {"observations": [obs], "actions": [], "rewards": [], "terminations": [], "truncations": []}
    while not env.done:
        a = policy(obs)
        obs, r, info = env.step(a)
        out["observations"].append(obs)
        out["actions"].append(a)
        out["rewards"].append(r)
        out["terminations"].append(info["success"])
        out["truncations"].append(info["truncated"])
    out["success"] = env.success
    return out
