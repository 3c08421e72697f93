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


def _ant(name: str, params: dict, pos: list) -> tuple[str, str, list]:
    """An ant with `num_legs` legs spaced evenly (brax ant.xml geometry; 4 legs = brax's ant)."""
    n = int(params.get("num_legs", 4))
    if not 1 <= n <= 12:
        raise ValueError(f"num_legs must be in 1..12, got {n}")
    gear = float(params.get("gear", 150))
    legs, acts, qpos = [], [], list(pos[:3]) + [1, 0, 0, 0]
    for k in range(n):
        th = 2 * math.pi * k / n + math.pi / 4
        d = np.array([math.cos(th), math.sin(th), 0.0])
        a = (0.2 * math.sqrt(2)) * d
        axis = np.array([-math.sin(th), math.cos(th), 0.0])
        legs.append(f"""
      <body name="{name}/leg{k}" pos="0 0 0">
        <geom fromto="0 0 0 {_f(a)}" size="0.08" type="capsule"/>
        <body name="{name}/thigh{k}" pos="{_f(a)}">
          <joint axis="0 0 1" name="{name}/hip{k}" pos="0 0 0" range="-30 30" type="hinge"/>
          <geom fromto="0 0 0 {_f(a)}" size="0.08" type="capsule"/>
          <body name="{name}/shin{k}" pos="{_f(a)}">
            <joint axis="{_f(axis)}" name="{name}/ankle{k}" pos="0 0 0" range="30 70" type="hinge"/>
            <geom fromto="0 0 0 {_f(2 * a)}" size="0.08" type="capsule"/>
            <geom contype="1" pos="{_f(2 * a)}" size="0.08" type="sphere" mass="0"/>
          </body>
        </body>
      </body>""")
        for j in ("hip", "ankle"):
            acts.append(f'<motor ctrllimited="true" ctrlrange="-1 1" joint="{name}/{j}{k}" gear="{gear:g}"/>')
        qpos += [0.0, 1.0]  # hip 0, ankle 1 rad (inside the 30..70 degree range), as brax's ant
    body = f"""
    <body name="{name}/torso" pos="{_f(pos)}">
      <geom size="0.25" type="sphere" density="5"/>
      <joint armature="0" damping="0" limited="false" margin="0.01" name="{name}/root" type="free"/>{''.join(legs)}
    </body>"""
    names = [f"{name}/torso"] + [f"{name}/{p}{k}" for k in range(n) for p in ("thigh", "shin")]
    return body, "\n    ".join(acts), qpos, names


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
    return body, acts, [0.0, 0.0], [f"{name}/root"]


def _ball(name: str, params: dict, pos: list) -> tuple[str, str, list]:
    """A free ball that collides with the floor and with components joined to it by a `full` edge."""
    r, mass = float(params.get("radius", 0.5)), float(params.get("mass", 1.0))
    body = f"""
    <body name="{name}/root" pos="{_f(pos)}">
      <joint name="{name}/root" type="free" damping="0" armature="0" limited="false"/>
      <geom type="sphere" size="{r:g}" mass="{mass:g}" contype="1" conaffinity="1"/>
    </body>"""
    return body, "", list(pos[:3]) + [1, 0, 0, 0], [f"{name}/root"]


COMPONENTS = {"ant": _ant, "point_mass": _point_mass, "ball": _ball, "target": None}
ROOT_LINK = {"ant": "torso", "point_mass": "root", "ball": "root"}
OBSERVERS = {"component": ("qp", "root_pos", "root_vel"), "edge": ("root_vec", "root_dist")}
REWARDS = {"component": ("velocity", "root_goal", "ctrl_cost", "alive"), "edge": ("root_dist",)}


# ---------------------------------------------------------------------------------------------------
# Descriptions: validation, editing, registry.

def check(desc: dict) -> dict:
    """Raise WorkbenchError naming the first broken component/edge of a description."""
    if not isinstance(desc, dict) or not isinstance(desc.get("components"), dict) or not desc["components"]:
        raise WorkbenchError("environment description needs a non-empty 'components' dict")
    unknown = set(desc) - {"components", "edges", "global_options"}
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


def register(name: str, desc: dict) -> None:
    DESCRIPTIONS[name] = check(copy.deepcopy(desc))


def _ant_agent(num_legs: int = 4, **extra) -> dict:
    return {"type": "ant", "params": {"num_legs": num_legs}, "pos": [0, 0, 0.75], "observers": ["qp"],
            "term": {"z_range": [0.2, 1.0]}, **extra}


_LOCO = {"backend": "spring", "timestep": 0.005, "n_frames": 10, "episode_length": 1000}  # brax Ant on spring
_PLANE = {"backend": "spring", "timestep": 0.02, "n_frames": 5, "episode_length": 50}

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
# MJCF

def to_mjcf(desc: dict) -> str:
    """The MJCF string of a description (ground plane included when any component is not planar)."""
    check(desc)
    opts = desc.get("global_options", {})
    bodies, acts, qpos, links = [], [], [], {}
    for name, comp in desc["components"].items():
        builder = COMPONENTS[comp["type"]]
        if builder is None:
            continue
        try:
            b, a, q, links[name] = builder(name, comp.get("params", {}), list(comp.get("pos", [0, 0, 0])))
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
</mujoco>"""
