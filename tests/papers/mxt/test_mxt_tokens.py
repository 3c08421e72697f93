"""Token layout, action slots and masks on hand-checked bodies; re-tokenised stored states equal live tokens."""
import jax
import numpy as np
import pytest

from workbench import WorkbenchError
from workbench.papers.mxt import tokens as tk
from workbench.sim import composer
from workbench.sim.env import build_env


@pytest.fixture(scope="module")
def ant3():
    return build_env(composer.goal_task("reach", "ant-3"))


@pytest.fixture(scope="module")
def reset3(ant3):   # one compiled reset (brax's eager one is slower than compiling) for the tests below
    return jax.jit(jax.vmap(ant3.reset))(jax.random.split(jax.random.PRNGKey(1), 3))


def test_ant3_layout_slots_and_masks(ant3, reset3):
    tk.check_layout(ant3)
    # ant-3: torso, (thigh_k, shin_k) for k = 0..2, then the goal: 8 tokens; motors hip0, ankle0, hip1, ...
    assert ant3.num_tokens == 8 and ant3.action_size == 6
    assert tk.action_slots(ant3).tolist() == [1, 2, 3, 4, 5, 6]
    assert tk.action_mask(ant3, 10).tolist() == [0, 1, 1, 1, 1, 1, 1, 0, 0, 0]   # no action on torso, goal, padding
    s = jax.tree.map(lambda x: x[0], reset3)
    _, mask = ant3.tokens(s.pipeline_state, s.info["task"]["goal"], 10)
    assert np.asarray(mask).tolist() == [1] * 8 + [0] * 2


def test_slots_follow_joint_names_on_a_centipede():
    # centipede-2: torso0, thigh0, shin0, thigh1, shin1, torso1, thigh2, shin2, thigh3, shin3, goal; the motors are
    # written leg-first per segment, with torso1's body hinge between: each motor must land on its own link
    env = build_env(composer.goal_task("touch", "centipede-2"))
    mj = env.sys.mj_model
    links = env.parts["agent"]["links"]
    owner = {"hip": "thigh", "ankle": "shin", "body": "torso"}
    for a, slot in enumerate(tk.action_slots(env)):
        joint = mj.joint(int(mj.actuator_trnid[a, 0])).name.split("/")[1]        # e.g. hip2, body1
        kind, idx = joint.rstrip("0123456789"), joint[len(joint.rstrip("0123456789")):]
        assert links[slot] == f"agent/{owner[kind]}{idx}"
    assert sorted(tk.action_slots(env).tolist()) == list(range(1, 10))


def test_feature_sets():
    full, ablated = tk.feature_mask("mtg"), tk.feature_mask("no_morph")
    assert full.sum() == tk.NUM_FEATURES
    gone = [tk.FEATURES[i] for i in np.nonzero(ablated == 0)[0]]
    assert gone == list(tk.MORPHOLOGY_FEATURES)                                # range, mass, gear, body-part types
    assert ablated[tk.FEATURES.index("type_goal")] == 1 and ablated[:13].all()  # kinematics and the goal flag stay
    assert ablated[tk.FEATURES.index("task_edge")] == 1                          # and so does the task
    no_task = tk.feature_mask("no_task")
    assert [tk.FEATURES[i] for i in np.nonzero(no_task == 0)[0]] == ["task_edge"]
    with pytest.raises(WorkbenchError, match="unknown feature set"):
        tk.feature_mask("nope")


def test_stored_states_tokenise_like_live_ones(ant3, reset3):
    # three reset states stored as arrays (as the arena records them) re-render into the live tokens
    s = reset3
    ps, goal = s.pipeline_state, np.asarray(s.info["task"]["goal"])
    states = {"pos": ps.x.pos, "rot": ps.x.rot, "vel": ps.xd.vel, "ang": ps.xd.ang, "q": ps.q}
    tok, mask = tk.tokenize_states(ant3, {k: np.asarray(v)[None] for k, v in states.items()}, goal[None], 9)
    assert tok.shape == (1, 3, 9, tk.NUM_FEATURES) and mask.shape == (1, 3, 9)
    for i in range(3):
        live_tok, live_mask = tk.mtg_tokens(ant3, jax.tree.map(lambda x: x[i], ps), goal[i], 9)
        np.testing.assert_allclose(tok[0, i], np.asarray(live_tok), atol=1e-5)
        np.testing.assert_array_equal(mask[0, i], np.asarray(live_mask))
    with pytest.raises(WorkbenchError, match="pad_to=4"):
        ant3.tokens(jax.tree.map(lambda x: x[0], ps), goal[0], 4)


def test_task_edges_tell_touch_from_reach(ant3, reset3):
    # the same state as touch and as reach: the sim features are equal, only the task-edge column differs;
    # touch flags the torso and the goal (MxT ant_touch: torso + ball), reach the feet and the goal (MxT
    # ant_reach: every leg's last link + ball)
    touch = build_env(composer.goal_task("touch", "ant-3"))
    assert tk.task_edges(touch).tolist() == [1, 0, 0, 0, 0, 0, 0, 1]            # torso, (thigh, shin) x 3, goal
    assert tk.task_edges(ant3).tolist() == [0, 0, 1, 0, 1, 0, 1, 1]             # the three shins and the goal
    s = jax.tree.map(lambda x: x[0], reset3)
    goal = s.info["task"]["goal"]
    t_reach, m_reach = tk.mtg_tokens(ant3, s.pipeline_state, goal, 10)
    t_touch, m_touch = tk.mtg_tokens(touch, s.pipeline_state, goal, 10)
    t_reach, t_touch = np.asarray(t_reach), np.asarray(t_touch)
    assert t_reach.shape == (10, tk.NUM_FEATURES) and tk.FEATURES[-1] == "task_edge"
    np.testing.assert_allclose(t_reach[:, :-1], t_touch[:, :-1])
    assert (t_reach[:, -1] != t_touch[:, -1]).sum() == 4 and not t_reach[8:, -1].any()   # padding stays 0
    np.testing.assert_array_equal(np.asarray(m_reach), np.asarray(m_touch))


def test_task_edges_on_a_claw():
    # claw-3: torso, (thigh, shin, foot) x 3, goal; reach flags the three feet
    reach = build_env(composer.goal_task("reach", "claw-3"))
    flags = tk.task_edges(reach)
    links = reach.parts["agent"]["links"]
    assert [links[k] for k in np.nonzero(flags[:-1])[0]] == ["agent/foot0", "agent/foot1", "agent/foot2"]
    assert flags[-1] == 1 and len(flags) == reach.num_tokens == 11
    touch = build_env(composer.goal_task("touch", "claw-3"))
    assert np.nonzero(tk.task_edges(touch))[0].tolist() == [0, 10]
