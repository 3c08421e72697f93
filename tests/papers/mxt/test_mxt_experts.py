"""Expert files: policy file + card -> load -> the same success on the same episodes; bad files fail clearly."""
import json

import jax
import pytest

from workbench import WorkbenchError
from workbench.papers.mxt import experts as ex
from workbench.sim import composer, harness, ppo
from workbench.sim.env import build_env


def test_expert_file_round_trip(tmp_path):
    # the 2-D point mass is the cheap body; untrained PPO parameters are enough to check the file's round trip
    env = build_env(composer.goal_task("touch", "point_mass"))
    cfg = ex.expert_ppo(10_240)
    ts = ppo.compile_ppo(env, cfg, ppo.Extra(), harness.env_key(env)).init(jax.random.PRNGKey(0), ())
    params = jax.device_get((ts.normalizer, ts.params.policy))
    metrics = ex._final_eval(env, cfg, params, 16)
    assert metrics["eval_episodes"] == 16 and 0 <= metrics["success"] <= 1
    entry = ex._write("point_mass", "touch", env, cfg, params, jax.device_get(ts.params.value), 0, 0, metrics,
                      tmp_path, "test")
    path = ex.expert_path("point_mass", "touch", tmp_path)
    assert path.exists() and path.stat().st_size < 200_000
    card = json.loads((tmp_path / "experts.json").read_text())
    assert card["accept_success"] == ex.ACCEPT_SUCCESS and "| point_mass:touch |" in (tmp_path / "README.md").read_text()
    saved = card["experts"]["point_mass:touch"]
    assert saved == json.loads(json.dumps(entry)) and saved["accepted"] == (metrics["success"] >= 0.6)
    assert saved["ppo"]["num_timesteps"] == 10_240 and saved["file"] == path.name
    pol = harness.load_policy(path)
    assert pol.meta["metrics"]["success"] == metrics["success"] and pol.env.task["kind"] == "touch"
    assert jax.tree.all(jax.tree.map(lambda a, b: (a == b).all(), tuple(pol.params[:2]), params))
    # the loaded policy replays the card's evaluation exactly: same episodes (seed), deterministic actions
    again = ex._final_eval(pol.env, pol.cfg, tuple(pol.params[:2]), 16)
    assert again["success"] == pytest.approx(metrics["success"])
    assert again["final_over_initial"] == pytest.approx(metrics["final_over_initial"], rel=1e-5)


def test_a_broken_expert_file_is_one_line(tmp_path):
    bad = tmp_path / "ant-4_reach.npz"
    bad.write_bytes(b"not a policy")
    with pytest.raises(WorkbenchError, match="not a workbench policy file"):
        harness.load_policy(bad)
    with pytest.raises(WorkbenchError, match="no interrupted run"):
        ex.export_checkpoint("ant-3", "reach", 12_345, data_dir=tmp_path)
