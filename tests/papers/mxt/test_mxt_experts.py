"""Expert files: train -> policy file + card -> load -> the same success on the same episodes; bad files fail clearly."""
import json

import numpy as np
import pytest

from workbench import WorkbenchError
from workbench.papers.mxt import experts as ex
from workbench.sim import harness, rollouts


def test_expert_file_round_trip(tmp_path, monkeypatch):
    monkeypatch.setenv("WORKBENCH_CACHE", str(tmp_path / "cache"))
    # the 2-D point mass is the cheap body: one PPO epoch, then the file and the card
    entry = ex.train_expert("point_mass", "touch", 10_240, seed=0, eval_episodes=16, data_dir=tmp_path, use_cache=False)
    path = ex.expert_path("point_mass", "touch", tmp_path)
    assert path.exists() and path.stat().st_size < 200_000
    card = json.loads((tmp_path / "experts.json").read_text())
    assert card["accept_success"] == ex.ACCEPT_SUCCESS
    saved = card["experts"]["point_mass:touch"]
    assert saved["success"] == entry["success"] and saved["accepted"] == (entry["success"] >= 0.6)
    assert saved["ppo"]["num_timesteps"] == 10_240 and saved["file"] == path.name
    pol = harness.load_policy(path)
    assert pol.meta["metrics"]["success"] == entry["success"] and pol.env.task["kind"] == "touch"
    # the loaded policy replays the card's evaluation exactly: same episodes (seed), deterministic actions
    ep = rollouts.collect(pol.env, rollouts.ppo_apply(pol.env, pol.cfg), 16, seed=123_457, params=pol.params)
    assert rollouts.summary(ep)["success"] == pytest.approx(entry["success"])
    assert np.isfinite(rollouts.summary(ep)["final_over_initial"])


def test_a_broken_expert_file_is_one_line(tmp_path):
    bad = tmp_path / "ant-4_reach.npz"
    bad.write_bytes(b"not a policy")
    with pytest.raises(WorkbenchError, match="not a workbench policy file"):
        harness.load_policy(bad)
