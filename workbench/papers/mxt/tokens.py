"""Morphology-task-graph tokens for the students: layout, action slots, feature sets, and a token-observation env.

The per-part token itself is `workbench.sim.env.ComposedEnv.tokens` (MxT's `mtg_v2_base_m` features,
trimmed: 17 kinematic/morphology numbers + a part-type one-hot, one goal token). This module adds what
distillation needs on top of it (new code, nothing in the shared sim layer changes):

* `action_slots(env)`: for each action index, the token whose link carries that actuator (its joint is at
  the link's base), so a per-token action head can write one action per token (MxT Sec. 4.3: "one action
  per node"), and `action_mask` for the padded layout.
* `FEATURE_SETS`: which token features a model sees. `mtg` = all; `no_morph` (the ablation) zeroes the
  morphology features (joint range, mass, actuator strength, body-part type), keeping kinematics and the
  goal flag (AMORPHEUS-style kinematics-only tokens, MxT's `amorpheus.py` baseline minus the limb id).
* `task_edges(env)`: the task in the graph, as MxT's `task_edge` (`one_hot_goal_edge` in `mtg_v2_base_m`):
  a flag on every node the task involves -- the goal and, for touch, the torso (MxT `ant_touch.py`: ball and
  torso), for reach, each leg's last link (MxT `ant_reach.py`: ball and every `$ Body 4_i`). The sim layer's
  token has no task identity, so without it touch and reach look the same to a student.
  `mtg_tokens` = the sim token + this column; every student reads it.
* `tokenize_states`: re-render stored per-part states (rollouts' `states` + goals) into tokens afterwards,
  as MxT's `generate_behavior_from_qp.py` does with saved brax QPs.
"""
from __future__ import annotations

import numpy as np

from workbench import WorkbenchError

SIM_FEATURES = ("pos_x", "pos_y", "pos_z", "vel_x", "vel_y", "vel_z", "ang_x", "ang_y", "ang_z", "rot_x", "rot_y",
                "rot_z", "joint_angle", "range_lo", "range_hi", "mass", "gear", "type_root", "type_segment",
                "type_hip", "type_limb", "type_object", "type_goal")   # workbench.sim.env.TOKEN_FEATURES
FEATURES = SIM_FEATURES + ("task_edge",)
NUM_FEATURES = len(FEATURES)
MORPHOLOGY_FEATURES = ("range_lo", "range_hi", "mass", "gear", "type_root", "type_segment", "type_hip", "type_limb")
TASK_FEATURES = ("task_edge",)
FEATURE_SETS = {"mtg": (), "no_morph": MORPHOLOGY_FEATURES, "no_task": TASK_FEATURES}


def feature_mask(feature_set: str) -> np.ndarray:
    """[F] float mask: 1 for features the model sees, 0 for those the feature set removes."""
    if feature_set not in FEATURE_SETS:
        raise WorkbenchError(f"unknown feature set {feature_set!r}; known: {', '.join(FEATURE_SETS)}")
    return np.array([0.0 if f in FEATURE_SETS[feature_set] else 1.0 for f in FEATURES], np.float32)


def check_layout(env) -> None:
    from workbench.sim.env import TOKEN_FEATURES
    if tuple(TOKEN_FEATURES) != SIM_FEATURES:
        raise WorkbenchError(f"the sim layer's token features changed ({len(TOKEN_FEATURES)}): update mxt.tokens.SIM_FEATURES")


def task_edges(env) -> np.ndarray:
    """[num_tokens] float: 1 on the nodes the env's task involves (the goal token and, for touch, the agent's
    root link; for reach, every foot link), 0 elsewhere."""
    from workbench.sim import composer
    task = env.task or {}
    if task.get("kind") not in composer.TASKS:
        raise WorkbenchError("task_edges: the env has no touch/reach task")
    agent = task.get("agent", "agent")
    if task["kind"] == "touch":
        involved = [f"{agent}/{composer.ROOT_LINK[env.desc['components'][agent]['type']]}"]
    else:
        involved = [ln for ln, _ in env.parts[agent]["feet"]]
    tok_of = {env.sys.link_names[int(li)]: k for k, li in enumerate(env._tok_link)}
    flags = np.zeros(env.num_tokens, np.float32)
    for ln in involved:
        if ln not in tok_of:
            raise WorkbenchError(f"task_edges: link {ln!r} of the {task['kind']} task has no token")
        flags[tok_of[ln]] = 1.0
    flags[env.num_tokens - 1] = 1.0                       # the goal token (env.tokens puts it last)
    return flags


def mtg_tokens(env, ps, goal, pad_to: int, edges: np.ndarray | None = None):
    """The students' morphology-task-graph tokens: `env.tokens` (sim features) plus the task-edge column.
    (tokens [pad_to, NUM_FEATURES], mask [pad_to]); pure jnp, jit / vmap it. `edges`: task_edges(env), given
    to save recomputing it inside a traced function."""
    import jax.numpy as jnp
    tok, mask = env.tokens(ps, goal, pad_to)
    col = np.zeros(pad_to, np.float32)
    e = task_edges(env) if edges is None else edges
    col[: len(e)] = e
    return jnp.concatenate([tok, jnp.asarray(col)[:, None]], -1), mask


def action_slots(env) -> np.ndarray:
    """[A] int: the token index (position in env.tokens' layout) of each action's actuated link."""
    mj = env.sys.mj_model
    link_tok = {int(li): k for k, li in enumerate(env._tok_link)}
    slots = []
    for a in range(mj.nu):
        joint = int(mj.actuator_trnid[a, 0])
        body = int(mj.jnt_bodyid[joint])           # MuJoCo body b is brax link b - 1
        if body - 1 not in link_tok:
            raise WorkbenchError(f"actuator {a} drives a link without a token")
        slots.append(link_tok[body - 1])
    slots = np.array(slots, int)
    if len(set(slots.tolist())) != len(slots):
        raise WorkbenchError("two actuators on one link: a per-token head needs one action per token")
    return slots


def action_mask(env, pad_to: int) -> np.ndarray:
    """[pad_to] float: 1 on tokens that carry an action."""
    m = np.zeros(pad_to, np.float32)
    m[action_slots(env)] = 1.0
    return m


def tokenize_states(env, states: dict, goal: np.ndarray, pad_to: int) -> tuple[np.ndarray, np.ndarray]:
    """Stored per-part states (leading dims [...], as `rollouts.collect` records them) and goals [..., 3] ->
    (tokens [..., pad_to, F], mask [..., pad_to]); one jitted vmap over the flattened leading dims."""
    import jax
    import jax.numpy as jnp
    from brax.base import Motion, Transform
    edges = task_edges(env)
    lead = goal.shape[:-1]
    flat = {k: np.asarray(v).reshape((-1,) + np.asarray(v).shape[len(lead):]) for k, v in states.items()}
    g = np.asarray(goal, np.float32).reshape(-1, 3)

    class _PS:  # the fields env.tokens reads from a pipeline state
        def __init__(self, x, xd, q):
            self.x, self.xd, self.q = x, xd, q

    @jax.jit
    def one(pos, rot, vel, ang, q, goal):
        ps = _PS(Transform(pos=pos, rot=rot), Motion(vel=vel, ang=ang), q)
        return mtg_tokens(env, ps, goal, pad_to, edges)

    tok, mask = jax.jit(jax.vmap(one))(jnp.asarray(flat["pos"]), jnp.asarray(flat["rot"]), jnp.asarray(flat["vel"]),
                                       jnp.asarray(flat["ang"]), jnp.asarray(flat["q"]), jnp.asarray(g))
    return (np.asarray(tok).reshape(lead + (pad_to, NUM_FEATURES)), np.asarray(mask).reshape(lead + (pad_to,)))
