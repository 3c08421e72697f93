"""Composer: an environment *description* (a JSON-able dict) -> MJCF -> brax System -> PipelineEnv.

A new implementation of the idea of Braxlines' Composer (arXiv 2110.04686, Sec. 2; the brax-v1 code
was deleted from brax). A description has three keys:

    {"components": {name: {"type": "ant", "params": {"num_legs": 6}, "pos": [0, 0, 0.75],
                           "reward_fns": {"velocity": {"direction": [1, 0], "scale": 1.0}},
                           "observers": ["qp"], "term": {"z_range": [0.2, 1.0]}}},
     "edges": {"agent__ball": {"collide": "full" | "none",
                               "observers": ["root_vec"], "reward_fns": {"root_dist": {"scale": 1.0}}}},
     "global_options": {"backend": "spring", "timestep": 0.01, "n_frames": 5, "episode_length": 1000}}

Edges are keyed by the two component names joined with `__` (either order). Reward = sum of every
reward function; done = any component's termination; observation = concatenation of the component
observers then the edge observers, in the description's order. `workbench.sim.env.build_env(desc)` returns a `ComposedEnv`;
`DESCRIPTIONS` holds named descriptions (`get("ant_run", num_legs=6)` style edits go through
`edit(desc, "components.agent.params.num_legs", 6)`).

Backend: one per study, `spring` by default (the stable and fastest brax backend on CPU; `positional`
goes NaN on a 6-leg ant, `generalized` is 3-5x slower). Departures from the original: targets are
static points (no body), `collide` offers full/none (no `root`), and the observers/rewards are the
small set below (`OBSERVERS`, `REWARDS`), chosen for Braxlines, GDT and MxT-Bench.
"""
from __future__ import annotations

import copy
import math
from typing import Any

import numpy as np

from workbench import WorkbenchError

# ---------------------------------------------------------------------------------------------------
# Components: each returns (worldbody xml, actuator xml, init qpos, jointed body names) for a name,
# params and pos. Joint-less bodies are fused into their parent by brax's loader, so only bodies
# with a joint are named for <exclude>.

_ANT_NUMERICS = {  # brax's ant.xml tuning for the maximal-coordinate backends
    "constraint_limit_stiffness": 1000, "constraint_stiffness": 4000, "constraint_ang_damping": 10,
    "constraint_vel_damping": 20, "joint_scale_pos": 0.5, "joint_scale_ang": 0.2, "ang_damping": 0.0,
    "spring_mass_scale": 1, "spring_inertia_scale": 1, "solver_maxls": 15,
}

def _f(xs) -> str:
    return " ".join(f"{float(x):.6g}" for x in xs)


def _leg_specs(family: str) -> list[tuple]:
    """One leg as (length factor of the stub direction, joint axis kind, range deg, initial angle rad).

    ant: brax's ant leg (hip about z, ankle bending down); claw: MxT's 3-segment claw leg (Sec. A,
    `claw.py`: 0.4 m segments); centipede legs are ant legs."""
    if family == "claw":
        return [(0.4, "z", (-30, 30), 0.0), (0.4, "perp", (20, 70), 0.6), (0.4, "perp", (-30, 60), 0.6)]
    return [(0.2 * math.sqrt(2), "z", (-30, 30), 0.0), (0.4 * math.sqrt(2), "perp", (30, 70), 1.0)]


def _legs(name: str, angles: list, family: str, params: dict, first: int = 0) -> tuple[list, list, list, dict]:
    """Leg bodies (xml), motors, init qpos and part metadata for legs at `angles` (radians).

    Variants (MxT `broken_*`, `size_rand_*`): `broken` leg indices are left out (their stub stays, as a
    stump), `short` leg indices have every segment scaled by `short_factor` (default 0.5)."""
    gear = float(params.get("gear", 200.0 if family == "claw" else 150.0))
    size = float(params.get("size_scale", 1.0))
    broken = {int(i) for i in params.get("broken", [])}
    short = {int(i) for i in params.get("short", [])}
    rad = 0.08 * size
    dens = f' density="{_density(params):g}"'
    xml, acts, qpos, parts = [], [], [], {"links": [], "types": {}, "feet": [], "gear": {}}
    for k, th in enumerate(angles):
        leg = first + k
        d = np.array([math.cos(th), math.sin(th), 0.0])
        perp = np.array([-math.sin(th), math.cos(th), 0.0])
        f = size * (float(params.get("short_factor", 0.5)) if leg in short else 1.0)
        stub = (0.2 * math.sqrt(2)) * d * f
        if leg in broken:
            xml.append(f'\n      <geom fromto="0 0 0 {_f(stub)}" size="{rad:g}" type="capsule"{dens}/>')
            continue
        specs = _leg_specs(family)
        inner = ""
        # build from the tip inwards: each segment is a body whose joint sits at its base
        for s in range(len(specs) - 1, -1, -1):
            length, axis_kind, (lo, hi), q0 = specs[s]
            seg = length * f * d
            axis = np.array([0, 0, 1.0]) if axis_kind == "z" else perp
            jname = ("hip", "knee", "ankle")[s] if family == "claw" else ("hip", "ankle")[s]
            lname = ("thigh", "shin", "foot")[s] if family == "claw" else ("thigh", "shin")[s]
            offset = stub if s == 0 else specs[s - 1][0] * f * d
            tip = (f'\n            <geom contype="1" pos="{_f(seg)}" size="{rad:g}" type="sphere" mass="0"/>'
                   if s == len(specs) - 1 else "")
            inner = f"""
        <body name="{name}/{lname}{leg}" pos="{_f(offset)}">
          <joint axis="{_f(axis)}" name="{name}/{jname}{leg}" pos="0 0 0" range="{lo} {hi}" type="hinge"/>
          <geom fromto="0 0 0 {_f(seg)}" size="{rad:g}" type="capsule"{dens}/>{tip}{inner}
        </body>"""
        names = [f"{name}/{(('thigh', 'shin', 'foot') if family == 'claw' else ('thigh', 'shin'))[s]}{leg}"
                 for s in range(len(specs))]
        parts["links"] += names
        for s, ln in enumerate(names):
            parts["types"][ln] = "hip" if s == 0 else "limb"
            parts["gear"][ln] = gear
        parts["feet"].append((names[-1], list(specs[-1][0] * f * d)))
        xml.append(f"""
      <body name="{name}/leg{leg}" pos="0 0 0">
        <geom fromto="0 0 0 {_f(stub)}" size="{rad:g}" type="capsule"{dens}/>{inner}
      </body>""")
        for s in range(len(specs)):
            jn = (("hip", "knee", "ankle") if family == "claw" else ("hip", "ankle"))[s]
            acts.append(f'<motor ctrllimited="true" ctrlrange="-1 1" joint="{name}/{jn}{leg}" gear="{gear:g}"/>')
            qpos.append(specs[s][3])
    return xml, acts, qpos, parts


def _density(params: dict) -> float:
    return 5.0 * float(params.get("mass_scale", 1.0))


def _ant(name: str, params: dict, pos: list, family: str = "ant") -> tuple:
    """An ant (or MxT claw) with `num_legs` legs spaced evenly (brax ant.xml geometry; 4 legs = brax's ant)."""
    n = int(params.get("num_legs", 4))
    if not 1 <= n <= 12:
        raise ValueError(f"num_legs must be in 1..12, got {n}")
    angles = [2 * math.pi * k / n + math.pi / 4 for k in range(n)]
    legs, acts, q_legs, parts = _legs(name, angles, family, params)
    size = float(params.get("size_scale", 1.0))
    qpos = list(pos[:3]) + [1, 0, 0, 0] + q_legs
    body = f"""
    <body name="{name}/torso" pos="{_f(pos)}">
      <geom size="{0.25 * size:g}" type="sphere" density="{_density(params):g}"/>
      <joint armature="0" damping="0" limited="false" margin="0.01" name="{name}/root" type="free"/>{''.join(legs)}
    </body>"""
    parts["links"].insert(0, f"{name}/torso")
    parts["types"][f"{name}/torso"] = "root"
    return body, "\n    ".join(acts), qpos, parts["links"], parts


def _claw(name: str, params: dict, pos: list) -> tuple:
    return _ant(name, params, pos, family="claw")


def _centipede(name: str, params: dict, pos: list) -> tuple:
    """MxT centipede-n: a chain of n torsos 0.75 m apart, each with two ant legs at +-90 degrees, joined by
    yaw hinges (+-60 degrees, gear `body_gear`); 4n + (n - 1) actuated joints."""
    n = int(params.get("num_segments", 3))
    if not 2 <= n <= 8:
        raise ValueError(f"num_segments must be in 2..8, got {n}")
    size = float(params.get("size_scale", 1.0))
    body_gear = float(params.get("body_gear", 150.0))
    acts, qpos = [], list(pos[:3]) + [1, 0, 0, 0]
    parts = {"links": [], "types": {}, "feet": [], "gear": {}}
    inner = ""
    seg_data = []
    for k in range(n):
        legs, a, q, p = _legs(name, [math.pi / 2, -math.pi / 2], "ant", params, first=2 * k)
        seg_data.append((legs, a, q, p))
    for k in range(n - 1, -1, -1):
        legs = seg_data[k][0]
        if k == 0:
            continue
        inner = f"""
      <body name="{name}/torso{k}" pos="{_f([-0.75 * size, 0, 0])}">
        <joint axis="0 0 1" name="{name}/body{k}" pos="0 0 0" range="-60 60" type="hinge"/>
        <geom fromto="0 0 0 {_f([0.75 * size, 0, 0])}" size="{0.08 * size:g}" type="capsule" density="{_density(params):g}"/>
        <geom size="{0.25 * size:g}" type="sphere" density="{_density(params):g}"/>{''.join(legs)}{inner}
      </body>"""
    for k in range(n):
        legs, a, q, p = seg_data[k]
        tname = f"{name}/torso{k}"
        parts["links"] += [tname] + p["links"]
        parts["types"][tname] = "root" if k == 0 else "segment"
        parts["types"].update(p["types"])
        parts["gear"].update(p["gear"])
        parts["feet"] += p["feet"]
        if k > 0:
            parts["gear"][tname] = body_gear
            acts.append(f'<motor ctrllimited="true" ctrlrange="-1 1" joint="{name}/body{k}" gear="{body_gear:g}"/>')
            qpos.append(0.0)
        acts += a
        qpos += q
    body = f"""
    <body name="{name}/torso0" pos="{_f(pos)}">
      <geom size="{0.25 * size:g}" type="sphere" density="{_density(params):g}"/>
      <joint armature="0" damping="0" limited="false" margin="0.01" name="{name}/root" type="free"/>{''.join(seg_data[0][0])}{inner}
    </body>"""
    # MJCF joint order = depth-first body order, which is torso0's legs, then torso1 (its hinge, its legs), ...
    return body, "\n    ".join(acts), qpos, parts["links"], parts


def _worm(name: str, params: dict, pos: list) -> tuple:
    """MxT worm-n: n capsules (0.5 m) in a chain along -x joined by pitch hinges (+-60 degrees), n - 1
    actuated joints; every capsule touches the floor (an inchworm gait is possible with plain friction)."""
    n = int(params.get("num_segments", 4))
    if not 2 <= n <= 10:
        raise ValueError(f"num_segments must be in 2..10, got {n}")
    size = float(params.get("size_scale", 1.0))
    gear = float(params.get("gear", 60.0))
    length, rad = 0.5 * size, 0.1 * size
    parts = {"links": [], "types": {}, "feet": [], "gear": {}}
    inner = ""
    for k in range(n - 1, 0, -1):
        inner = f"""
      <body name="{name}/seg{k}" pos="{_f([-length, 0, 0])}">
        <joint axis="0 1 0" name="{name}/bend{k}" pos="0 0 0" range="-60 60" type="hinge"/>
        <geom contype="1" fromto="0 0 0 {_f([-length, 0, 0])}" size="{rad:g}" type="capsule" density="{_density(params):g}"/>{inner}
      </body>"""
    body = f"""
    <body name="{name}/seg0" pos="{_f(pos)}">
      <joint armature="0" damping="0" limited="false" margin="0.01" name="{name}/root" type="free"/>
      <geom contype="1" fromto="0 0 0 {_f([-length, 0, 0])}" size="{rad:g}" type="capsule" density="{_density(params):g}"/>{inner}
    </body>"""
    acts = [f'<motor ctrllimited="true" ctrlrange="-1 1" joint="{name}/bend{k}" gear="{gear:g}"/>' for k in range(1, n)]
    for k in range(n):
        ln = f"{name}/seg{k}"
        parts["links"].append(ln)
        parts["types"][ln] = "root" if k == 0 else "segment"
        if k:
            parts["gear"][ln] = gear
    parts["feet"] = [(f"{name}/seg0", [0.0, 0.0, 0.0]), (f"{name}/seg{n - 1}", [-length, 0.0, 0.0])]  # the two ends
    return body, "\n    ".join(acts), list(pos[:3]) + [1, 0, 0, 0] + [0.0] * (n - 1), parts["links"], parts


def _point_mass(name: str, params: dict, pos: list) -> tuple:
    """A ball that slides in x and y (no contacts): the 2-D agent of MI-max/DMin.

    The spring backend ignores joint damping, so a raw motor makes a frictionless double integrator
    (random actions random-walk its velocity). The env instead treats the action as a velocity command:
    force = clip(kp * (action * vmax - v), +-gear) (see ComposedEnv.step), so |v| <= vmax = 1.2 m/s by
    default and it answers within ~1/kp s. `radius` only sets the drawing size."""
    gear, damping = float(params.get("gear", 10.0)), float(params.get("damping", 0.0))
    r = float(params.get("radius", 0.25))
    body = f"""
    <body name="{name}/root" pos="{_f(pos)}">
      <joint name="{name}/x" type="slide" axis="1 0 0" limited="false" damping="{damping:g}" armature="1"/>
      <joint name="{name}/y" type="slide" axis="0 1 0" limited="false" damping="{damping:g}" armature="1"/>
      <geom type="sphere" size="{r:g}" mass="1" contype="0" conaffinity="0"/>
    </body>"""
    acts = "\n    ".join(f'<motor ctrllimited="true" ctrlrange="-1 1" joint="{name}/{a}" gear="{gear:g}"/>'
                       for a in "xy")
    links = [f"{name}/root"]
    return body, acts, [0.0, 0.0], links, {"links": links, "types": {links[0]: "root"}, "feet": [], "gear": {links[0]: gear}}


def _ball(name: str, params: dict, pos: list) -> tuple[str, str, list]:
    """A free ball that collides with the floor and with components joined to it by a `full` edge."""
    r, mass = float(params.get("radius", 0.5)), float(params.get("mass", 1.0))
    body = f"""
    <body name="{name}/root" pos="{_f(pos)}">
      <joint name="{name}/root" type="free" damping="0" armature="0" limited="false"/>
      <geom type="sphere" size="{r:g}" mass="{mass:g}" contype="1" conaffinity="1"/>
    </body>"""
    links = [f"{name}/root"]
    return body, "", list(pos[:3]) + [1, 0, 0, 0], links, {"links": links, "types": {links[0]: "object"}, "feet": [],
                                                         "gear": {}}


def _runner(name: str, params: dict, pos: list) -> tuple:
    """A planar runner of the half-cheetah family: a horizontal torso capsule with a head and two legs of
    three segments (thigh, shin, foot), all hinged about y; the root slides in x and z and pitches about y.
    Segment vectors and ranges follow the proportions of MuJoCo's half_cheetah (about 1 m long, ~15 kg at
    `density` 700), re-derived here. It uses the ant's spring numerics: brax's half_cheetah numerics
    (stiffer limits, negative angular damping) made this body fly off under random actions; `leg_scale` scales every leg segment, `gear` sets the six motors
    (back thigh, shin, foot, then front). Joint order = (rootx, rootz, rooty, 6 legs): observation index 8
    of `qp` is the forward velocity, as in D4RL's halfcheetah (the env drops rootx from the observation)."""
    L = float(params.get("torso_length", 1.0))
    leg = float(params.get("leg_scale", 1.0))
    rad = float(params.get("radius", 0.046))
    dens = float(params.get("density", 700.0))
    gear = [float(g) for g in params.get("gear", [120, 90, 60, 120, 100, 100])]
    if len(gear) != 6:
        raise ValueError(f"gear needs 6 values (bthigh bshin bfoot fthigh fshin ffoot), got {len(gear)}")
    # (segment name, hip/knee/ankle vector in the parent's frame (x, z), range in degrees)
    back = [("bthigh", (0.16, -0.25), (-30, 60)), ("bshin", (-0.28, -0.14), (-45, 45)),
            ("bfoot", (0.06, -0.19), (-23, 45))]
    front = [("fthigh", (-0.14, -0.24), (-57, 40)), ("fshin", (0.13, -0.18), (-69, 50)),
             ("ffoot", (0.09, -0.14), (-29, 29))]

    def chain(segs: list, hip_x: float) -> str:
        inner = ""
        for k in range(len(segs) - 1, -1, -1):   # tip inwards: each body's joint sits at its base
            seg, (dx, dz), (lo, hi) = segs[k]
            vec = [leg * dx, 0.0, leg * dz]
            at = [hip_x, 0.0, 0.0] if k == 0 else [leg * segs[k - 1][1][0], 0.0, leg * segs[k - 1][1][1]]
            inner = f"""
        <body name="{name}/{seg}" pos="{_f(at)}">
          <joint axis="0 1 0" name="{name}/{seg}" pos="0 0 0" range="{lo} {hi}" type="hinge"/>
          <geom contype="1" fromto="0 0 0 {_f(vec)}" size="{rad:g}" type="capsule" density="{dens:g}"/>{inner}
        </body>"""
        return inner

    body = f"""
    <body name="{name}/torso" pos="{_f(pos)}">
      <joint armature="0" axis="1 0 0" damping="0" limited="false" name="{name}/rootx" pos="0 0 0" type="slide"/>
      <joint armature="0" axis="0 0 1" damping="0" limited="false" name="{name}/rootz" pos="0 0 0" type="slide"/>
      <joint armature="0" axis="0 1 0" damping="0" limited="false" name="{name}/rooty" pos="0 0 0" type="hinge"/>
      <geom contype="1" fromto="{_f([-L / 2, 0, 0])} {_f([L / 2, 0, 0])}" size="{rad:g}" type="capsule" density="{dens:g}"/>
      <geom contype="1" fromto="{_f([L / 2, 0, 0])} {_f([L / 2 + 0.2, 0, 0.15])}" size="{rad:g}" type="capsule" density="{dens:g}"/>{chain(back, -L / 2)}{chain(front, L / 2)}
    </body>"""
    segs = [s for s, _, _ in back + front]
    acts = [f'<motor ctrllimited="true" ctrlrange="-1 1" joint="{name}/{s}" gear="{g:g}"/>' for s, g in zip(segs, gear)]
    links = [f"{name}/torso"] + [f"{name}/{s}" for s in segs]
    parts = {"links": links, "types": {links[0]: "root", **{ln: ("hip" if ln.endswith("thigh") else "limb") for ln in links[1:]}},
             "feet": [(f"{name}/bfoot", [leg * 0.06, 0.0, leg * -0.19]), (f"{name}/ffoot", [leg * 0.09, 0.0, leg * -0.14])],
             "gear": {f"{name}/{s}": g for s, g in zip(segs, gear)}}
    qpos = [0.0, 0.0, 0.0] + [0.0] * 6   # slides are relative to the body's pos
    return body, "\n    ".join(acts), qpos, links, parts


COMPONENTS = {"ant": _ant, "claw": _claw, "centipede": _centipede, "worm": _worm, "runner": _runner,
              "point_mass": _point_mass, "ball": _ball, "target": None}
ROOT_LINK = {"ant": "torso", "claw": "torso", "centipede": "torso0", "worm": "seg0", "runner": "torso",
             "point_mass": "root", "ball": "root"}
PLANAR = ("runner",)   # root = (x slide, z slide, y hinge): the `qp` observer leaves out x, as D4RL does
FREE = ("ant", "claw", "centipede", "worm", "ball")   # components with a free root joint
PART_TYPES = ("root", "segment", "hip", "limb", "object", "goal")   # token one-hot order (see env.tokens)
TASKS = ("touch", "reach")
OBSERVERS = {"component": ("qp", "root_pos", "root_vel"), "edge": ("root_vec", "root_dist")}
REWARDS = {"component": ("velocity", "target_speed", "root_goal", "ctrl_cost", "alive"), "edge": ("root_dist",)}


# ---------------------------------------------------------------------------------------------------
# Descriptions: validation, editing, registry.

def check(desc: dict) -> dict:
    """Raise WorkbenchError naming the first broken component/edge of a description."""
    if not isinstance(desc, dict) or not isinstance(desc.get("components"), dict) or not desc["components"]:
        raise WorkbenchError("environment description needs a non-empty 'components' dict")
    unknown = set(desc) - {"components", "edges", "global_options", "task"}
    if unknown:
        raise WorkbenchError(f"environment description has unknown key(s) {sorted(unknown)}")
    for name, comp in desc["components"].items():
        if "/" in name or "__" in name:
            raise WorkbenchError(f"component '{name}': names may not contain '/' or '__'")
        ctype = comp.get("type")
        if ctype not in COMPONENTS:
            raise WorkbenchError(f"component '{name}': unknown type {ctype!r}; known: {', '.join(COMPONENTS)}")
        pos = comp.get("pos", [0, 0, 0])
        if len(pos) != 3 or not all(isinstance(p, (int, float)) and math.isfinite(p) for p in pos):
            raise WorkbenchError(f"component '{name}': pos must be three finite numbers, got {pos!r}")
        for obs in comp.get("observers", []):
            if obs not in OBSERVERS["component"]:
                raise WorkbenchError(f"component '{name}': unknown observer {obs!r}")
        for rew in comp.get("reward_fns", {}):
            if rew not in REWARDS["component"]:
                raise WorkbenchError(f"component '{name}': unknown reward {rew!r}")
    for key, edge in desc.get("edges", {}).items():
        parts = key.split("__")
        if len(parts) != 2 or any(p not in desc["components"] for p in parts):
            raise WorkbenchError(f"edge '{key}': must join two known components as 'a__b'")
        if edge.get("collide", "full") not in ("full", "none"):
            raise WorkbenchError(f"edge '{key}': collide must be 'full' or 'none'")
        for obs in edge.get("observers", []):
            if obs not in OBSERVERS["edge"]:
                raise WorkbenchError(f"edge '{key}': unknown observer {obs!r}")
        for rew in edge.get("reward_fns", {}):
            if rew not in REWARDS["edge"]:
                raise WorkbenchError(f"edge '{key}': unknown reward {rew!r}")
    if "task" in desc:
        task = desc["task"]
        if task.get("kind") not in TASKS:
            raise WorkbenchError(f"task: unknown kind {task.get('kind')!r}; known: {', '.join(TASKS)}")
        agent = desc["components"].get(task.get("agent", "agent"))
        if agent is None or agent["type"] not in FREE + ("point_mass",) or agent["type"] == "ball":
            raise WorkbenchError(f"task: agent {task.get('agent', 'agent')!r} must name a body or point_mass component")
        if task["kind"] == "reach" and agent["type"] == "point_mass":
            raise WorkbenchError(f"task: reach needs a body with feet, not {agent['type']}")
        lo, hi = task.get("goal_radius", [1.5, 3.0])
        if not 0 <= lo <= hi:
            raise WorkbenchError(f"task: goal_radius must be [lo, hi] with 0 <= lo <= hi, got {[lo, hi]}")
        unknown = set(task) - set(TASK_DEFAULTS["touch"]) - {"kind", "agent"}
        if unknown:
            raise WorkbenchError(f"task: unknown key(s) {sorted(unknown)}")
    backend = desc.get("global_options", {}).get("backend", "spring")
    if backend not in ("spring", "positional", "generalized"):
        raise WorkbenchError(f"global_options: unknown backend {backend!r}")
    return desc


def edit(desc: dict, key_path: str, value: Any) -> dict:
    """A copy of `desc` with the dotted `key_path` set to `value` (missing dicts are created).

        edit(DESCRIPTIONS["ant_run"], "components.agent.params.num_legs", 6)
    """
    out = copy.deepcopy(desc)
    node = out
    parts = key_path.split(".")
    for p in parts[:-1]:
        if not isinstance(node, dict):
            raise WorkbenchError(f"cannot edit '{key_path}': '{p}' is not inside a dict")
        node = node.setdefault(p, {})
    node[parts[-1]] = value
    return out


def get(name: str, **edits: Any) -> dict:
    """A copy of the registered description `name`, with `key.path=value` edits (dots as '__')."""
    if name not in DESCRIPTIONS:
        raise WorkbenchError(f"unknown environment description '{name}'; known: {', '.join(DESCRIPTIONS)}")
    desc = copy.deepcopy(DESCRIPTIONS[name])
    for key, value in edits.items():
        desc = edit(desc, key.replace("__", "."), value)
    return desc


def _ant_agent(num_legs: int = 4, **extra) -> dict:
    return {"type": "ant", "params": {"num_legs": num_legs}, "pos": [0, 0, 0.75], "observers": ["qp"],
            "term": {"z_range": [0.2, 1.0]}, **extra}


_LOCO = {"backend": "spring", "timestep": 0.005, "n_frames": 10, "episode_length": 1000}  # brax Ant on spring
_PLANE = {"backend": "spring", "timestep": 0.02, "n_frames": 5, "episode_length": 50}
_RUN = {"backend": "spring", "timestep": 0.005, "n_frames": 10, "episode_length": 1000}  # dt 0.05 s as half_cheetah


def _runner_agent(**rewards) -> dict:
    return {"type": "runner", "pos": [0, 0, 0.7], "observers": ["qp"], "reward_fns": rewards}

DESCRIPTIONS: dict[str, dict] = {
    # Braxlines' 2-D agent for MI-max and DMin: observation = (x, y, vx, vy); reward added by the algorithm.
    "point_mass": {"components": {"agent": {"type": "point_mass", "observers": ["qp"]}},
                   "global_options": dict(_PLANE)},
    # reach a fixed target: the goal-reaching sanity task for the harness
    "point_mass_goal": {"components": {"agent": {"type": "point_mass", "observers": ["qp"]},
                                       "goal": {"type": "target", "pos": [2.0, 1.0, 0.0]}},
                        "edges": {"agent__goal": {"observers": ["root_vec"],
                                                  "reward_fns": {"root_dist": {"scale": 1.0}}}},
                        "global_options": dict(_PLANE)},
    # run along +x (Braxlines ant_run)
    "ant_run": {"components": {"agent": _ant_agent(reward_fns={"velocity": {"direction": [1, 0], "scale": 1.0},
                                                               "ctrl_cost": {"scale": 0.5},
                                                               "alive": {"value": 1.0}})},
                "global_options": dict(_LOCO)},
    # one ant with a leg count of choice running to a goal point (Braxlines uni_ant: root_goal reward)
    "uni_ant": {"components": {"agent": _ant_agent(6, reward_fns={"root_goal": {"target": [4, 0], "scale": 1.0},
                                                                  "ctrl_cost": {"scale": 0.5},
                                                                  "alive": {"value": 1.0}})},
                "global_options": dict(_LOCO)},
    # the half-cheetah family (GDT): run along +x; reward = forward velocity - 0.1 |a|^2, no termination
    "runner_run": {"components": {"agent": _runner_agent(velocity={"direction": [1, 0], "scale": 1.0},
                                                         ctrl_cost={"scale": 0.1})},
                   "global_options": dict(_RUN)},
    # cheetah-vel style: hold a target forward speed (m/s); reward = -|v_x - speed| - 0.1 |a|^2
    "runner_speed": {"components": {"agent": _runner_agent(target_speed={"speed": 1.5, "scale": 1.0},
                                                           ctrl_cost={"scale": 0.1})},
                     "global_options": dict(_RUN)},
    # push a ball to a target (Braxlines ant_push): the ball collides with the ant and the floor
    "ant_push": {"components": {"agent": _ant_agent(),
                                "ball": {"type": "ball", "params": {"radius": 0.5, "mass": 1.0},
                                         "pos": [2.0, 0, 0.5], "observers": ["root_pos", "root_vel"]},
                                "target": {"type": "target", "pos": [5.0, 0, 0]}},
                 "edges": {"agent__ball": {"collide": "full", "observers": ["root_vec"],
                                           "reward_fns": {"root_dist": {"scale": 0.1}}},
                           "ball__target": {"observers": ["root_vec"], "reward_fns": {"root_dist": {"scale": 1.0}}}},
                 "global_options": dict(_LOCO)},
}


# ---------------------------------------------------------------------------------------------------
# Morphologies and goal tasks (MxT-Bench families, arXiv 2211.14296 Sec. 4.1; smaller MxT-lite settings for CPU)

FAMILIES = {"ant": "num_legs", "claw": "num_legs", "centipede": "num_segments", "worm": "num_segments"}
# Variants as spec suffixes: -broken<i> (leg i missing), -short<i> (leg i at half length), -mass<x> (density
# times x), -size<x> (every length and radius times x). MxT's mass_rand / size_rand use x in [0.5, 3] / [0.9, 1.1].
_VARIANT = {"broken": ("broken", int, True), "short": ("short", int, True), "mass": ("mass_scale", float, False),
            "size": ("size_scale", float, False)}


def morphology(spec: str) -> dict:
    """A body component from a spec string: 'ant-4', 'claw-3', 'centipede-3', 'worm-5', plus variants
    'ant-4-broken1', 'ant-5-short0-short2', 'claw-4-mass2', 'worm-4-size0.9'."""
    import re
    parts = spec.split("-")
    family = parts[0]
    if family not in FAMILIES or len(parts) < 2 or not parts[1].isdigit():
        raise WorkbenchError(f"morphology {spec!r}: expected <family>-<n>[-variant...] with family in "
                             f"{', '.join(FAMILIES)}, e.g. 'ant-4' or 'ant-4-broken1'")
    params: dict = {FAMILIES[family]: int(parts[1])}
    for v in parts[2:]:
        m = re.fullmatch(r"([a-z]+)([0-9.]+)", v)
        if not m or m.group(1) not in _VARIANT:
            raise WorkbenchError(f"morphology {spec!r}: unknown variant {v!r}; known: "
                                 + ", ".join(k + "<x>" for k in _VARIANT))
        key, typ, many = _VARIANT[m.group(1)]
        try:
            val = typ(m.group(2))
        except ValueError:
            raise WorkbenchError(f"morphology {spec!r}: bad number in {v!r}") from None
        if many:
            params.setdefault(key, []).append(val)
        else:
            params[key] = val
    size = float(params.get("size_scale", 1.0))
    z = {"ant": 0.75, "claw": 0.95, "centipede": 0.75, "worm": 0.15}[family] * size
    term = {"worm": {}, "claw": {"z_range": [0.15 * size, 2.0 * size]}}.get(family, {"z_range": [0.2 * size, 1.0 * size]})
    return {"type": family, "params": params, "pos": [0, 0, z], "observers": ["qp"], "term": term}


MORPHOLOGIES = ["ant-3", "ant-4", "ant-5", "ant-6", "claw-3", "claw-4", "claw-5", "centipede-2", "centipede-3",
                "centipede-4", "worm-3", "worm-4", "worm-5", "ant-4-broken1", "ant-4-short0", "ant-4-mass3",
                "ant-4-size0.9", "claw-4-broken0"]

def zoo(specs: list[str] | None = None, spacing: float = 6.0, per_row: int = 5) -> dict:
    """One scene holding many bodies on a grid (no termination): steps and draws every morphology with a
    single compilation (the bodies touch only the floor)."""
    comps = {}
    for i, spec in enumerate(specs or MORPHOLOGIES):
        c = morphology(spec)
        c["pos"] = [spacing * (i % per_row), spacing * (i // per_row), c["pos"][2]]
        c.pop("term")
        comps[f"b{i}"] = c
    return check({"components": comps, "global_options": dict(_GOAL_OPTS)})


# Goal tasks. Distances in m; the goal is drawn uniformly on an annulus around the agent's start at every
# reset (also the automatic ones inside PPO training: see ppo.AutoReset). reward = progress_scale * (d_{t-1}
# - d_t) / dt + success_bonus on the step that reaches success_dist (which ends the episode) - ctrl_cost *
# sum(a^2). touch: the root's xy distance (MxT touch: torso to ball); reach: the nearest foot's 3-D distance
# to a goal at height goal_z (MxT reach: nearest foot within 0.1 of a ball; MxT-lite: 0.3 at 0.8-1.5 m).
TASK_DEFAULTS = {
    "touch": {"goal_radius": [1.5, 3.0], "success_dist": 0.5, "success_bonus": 5.0, "progress_scale": 1.0,
              "ctrl_cost": 0.02, "goal_z": 0.0},
    "reach": {"goal_radius": [0.8, 1.5], "success_dist": 0.3, "success_bonus": 5.0, "progress_scale": 1.0,
              "ctrl_cost": 0.02, "goal_z": 0.08},
}
_GOAL_OPTS = {"backend": "spring", "timestep": 0.005, "n_frames": 10, "episode_length": 300}


def goal_task(kind: str, body: str = "ant-4", **task) -> dict:
    """A goal-task description: one body (a `morphology` spec) and a touch/reach task with fresh goals.

        desc = goal_task("touch", "ant-4", success_dist=0.4)
        env = build_env(desc)           # obs = [qp, goal - root (3), distance (1)]
    """
    if kind not in TASK_DEFAULTS:
        raise WorkbenchError(f"unknown task kind {kind!r}; known: {', '.join(TASK_DEFAULTS)}")
    unknown = set(task) - set(TASK_DEFAULTS[kind])
    if unknown:
        raise WorkbenchError(f"goal_task: unknown task setting(s) {sorted(unknown)}; known: {', '.join(TASK_DEFAULTS[kind])}")
    if body == "point_mass":   # the 2-D test bed: fast to compile and to learn
        return check({"components": {"agent": {"type": "point_mass", "observers": ["qp"]}},
                      "task": {"kind": kind, "agent": "agent", **TASK_DEFAULTS[kind], "goal_radius": [0.5, 1.5],
                               "success_dist": 0.2, **task},
                      "global_options": {**_PLANE, "episode_length": 60}})
    return check({"components": {"agent": morphology(body)},
                  "task": {"kind": kind, "agent": "agent", **TASK_DEFAULTS[kind], **task},
                  "global_options": dict(_GOAL_OPTS)})


# ---------------------------------------------------------------------------------------------------
# MJCF

def to_mjcf(desc: dict) -> str:
    """The MJCF string of a description (ground plane included when any component is not planar)."""
    return build_mjcf(desc)[0]


def build_mjcf(desc: dict) -> tuple[str, dict]:
    """(MJCF string, {component: parts}) where parts = {"links": [...], "types": {link: part type},
    "feet": [(link, local tip offset)], "gear": {link: motor gear}} (for goal tasks and tokens)."""
    check(desc)
    opts = desc.get("global_options", {})
    bodies, acts, qpos, links, meta = [], [], [], {}, {}
    for name, comp in desc["components"].items():
        builder = COMPONENTS[comp["type"]]
        if builder is None:
            continue
        try:
            b, a, q, links[name], meta[name] = builder(name, comp.get("params", {}), list(comp.get("pos", [0, 0, 0])))
        except (ValueError, TypeError, KeyError) as e:
            raise WorkbenchError(f"component '{name}' ({comp['type']}): {e}") from None
        bodies.append(b)
        acts.append(a)
        qpos += q
    excludes = []
    for key, edge in desc.get("edges", {}).items():
        if edge.get("collide", "full") == "none":
            a, b = key.split("__")
            excludes += [f'<exclude body1="{x}" body2="{y}"/>' for x in links.get(a, []) for y in links.get(b, [])]
    floor = "" if all(c["type"] in ("point_mass", "target") for c in desc["components"].values()) else (
        '<geom name="floor" conaffinity="1" condim="3" pos="0 0 0" size="40 40 40" type="plane"/>')
    numerics = "\n    ".join(f'<numeric data="{v}" name="{k}"/>' for k, v in _ANT_NUMERICS.items())
    return f"""<mujoco model="composed">
  <compiler angle="degree" coordinate="local" inertiafromgeom="true"/>
  <option timestep="{float(opts.get('timestep', 0.01)):g}" iterations="4"/>
  <custom>
    <numeric data="{_f(qpos) if qpos else '0'}" name="init_qpos"/>
    {numerics}
  </custom>
  <default>
    <joint armature="1" damping="1" limited="true"/>
    <geom contype="0" conaffinity="0" condim="3" density="5.0" friction="1 0.5 0.5"/>
  </default>
  <worldbody>
    {floor}{''.join(bodies)}
  </worldbody>
  <contact>{''.join(excludes)}</contact>
  <actuator>
    {chr(10).join(x for x in acts if x)}
  </actuator>
</mujoco>""", meta
