"""MuJoCo arms: every arm builds; IK moves the end effector as asked; scripted experts succeed; conventions differ."""
import numpy as np
import pytest

from workbench import WorkbenchError
from workbench.sim import arms, viewer

# (arm, task, seeds, min successes), no expert noise (MuJoCo is deterministic). Since arm links stopped
# colliding with each other ur6 and planar3 pick and place too (they used to jam: 0/5).
CASES = [("panda7", "reach", 3, 3), ("panda7", "pick_place", 3, 2), ("panda7", "push", 5, 2),
         ("widow5", "reach", 3, 3), ("widow5", "pick_place", 3, 2), ("scara4", "reach", 3, 2),
         ("scara4", "pick_place", 3, 2), ("ur6", "reach", 3, 2),
         ("ur6", "pick_place", 3, 2), ("planar3", "pick_place", 3, 2), ("planar3", "push", 3, 2),
         ("kuka7", "reach", 3, 3), ("kuka7", "pick_place", 3, 2)]


@pytest.mark.parametrize("arm,task,seeds,need", CASES)
def test_scripted_expert_succeeds(arm, task, seeds, need):
    env = arms.ArmEnv(arm, task)
    results = [arms.run_episode(env, arms.Expert(env), seed=s) for s in range(seeds)]
    assert sum(r["success"] for r in results) >= need
    for r in results:   # episode bookkeeping: one end, by success or by the step limit
        assert r["terminations"][-1] == r["success"] and r["truncations"][-1] == (not r["success"])
        assert len(r["observations"]) == len(r["actions"]) + 1


def test_arms_differ_in_dof_rate_and_action_convention():
    envs = {name: arms.ArmEnv(name) for name in arms.ARMS}
    assert sorted(e.dof for e in envs.values()) == [3, 4, 5, 6, 7, 7]
    assert {e.spec.action for e in envs.values()} == {"eef_delta", "eef_abs", "eef_velocity", "joint_delta"}
    assert {e.spec.hz for e in envs.values()} == {5.0, 10.0}
    assert envs["scara4"].action_size == 5 and envs["panda7"].action_size == 4
    assert envs["widow5"].substeps == 100 and envs["panda7"].substeps == 50   # 5 Hz and 10 Hz over a 2 ms step


def test_differential_ik_moves_the_end_effector_as_asked():
    env = arms.ArmEnv("panda7", "reach")
    env.reset()
    start = env.ee
    for _ in range(3):
        env.step(np.array([0.0, 0.0, 1.0, -1.0]))           # eef_delta: straight up at max_step per step
    moved = env.ee - start
    assert moved[2] == pytest.approx(3 * env.spec.max_step, abs=0.01) and np.abs(moved[:2]).max() < 0.01
    env = arms.ArmEnv("kuka7", "reach")         # eef_velocity: m/s over one 5 Hz control step
    env.reset()
    start = env.ee
    env.step(env.to_native(np.array([0.0, 0.0, 0.05]), -1.0))
    assert env.ee[2] - start[2] == pytest.approx(0.05, abs=0.01)


def test_bad_input_and_offline_drawing():
    with pytest.raises(WorkbenchError, match="unknown arm"):
        arms.ArmEnv("kuka9")
    env = arms.ArmEnv("widow5", "pick_place")
    with pytest.raises(WorkbenchError, match="action must have shape"):
        env.reset()
        env.step(np.zeros(7))
    env.reset()
    frames = [env.bodies()]
    for _ in range(3):
        env.step(np.zeros(4))
        frames.append(env.bodies())
    fig = viewer.arm_figure(frames, title="widow5")
    assert len(fig.frames) == 4 and len(fig.frames[0].data[0].x) == env.dof + 1 and "http" not in fig.to_json()
