"""Offline datasets: npz round trip of episodes, D4RL transitions by hand, Minari/D4RL HDF5 loaders."""
import numpy as np
import pytest

from workbench import WorkbenchError
from workbench.sim import datasets


def _rollout(T=5, n=3, d=4, a=2):
    """A collect()-shaped batch: episode 0 ends by termination at t=1, 1 by success at t=3, 2 times out."""
    rng = np.random.default_rng(0)
    done = np.zeros((T, n), bool)
    done[1, 0] = done[3, 1] = True
    valid = ~(np.cumsum(done, 0) - done > 0)
    trunc = np.zeros((T, n), bool)
    trunc[-1, 2] = True
    return {"observations": rng.normal(size=(T + 1, n, d)).astype(np.float32),
            "actions": rng.normal(size=(T, n, a)).astype(np.float32),
            "rewards": np.where(valid, 1.0, 0.0).astype(np.float32), "terminations": done & valid,
            "truncations": trunc, "valid": valid,
            "states": {"pos": rng.normal(size=(T + 1, n, 7, 3))},
            "infos": {"goal": rng.normal(size=(T + 1, n, 3)), "success": (done & valid).astype(np.float32)}}


def test_episodes_round_trip_and_d4rl_transitions(tmp_path):
    ep = _rollout()
    path = datasets.save(tmp_path / "d.npz", ep, meta={"env": {"kind": "test"}, "script": "tests"})
    ds = datasets.load(path)
    assert len(ds) == 3 and [len(e["actions"]) for e in ds.episodes()] == [2, 4, 5] and ds.num_steps == 11
    e1 = ds.episodes()[1]
    assert np.array_equal(e1["observations"], ep["observations"][:5, 1])          # T + 1 observations
    assert np.array_equal(e1["states"]["pos"], ep["states"]["pos"][:5, 1])
    assert np.array_equal(e1["infos"]["goal"], ep["infos"]["goal"][:5, 1])
    assert e1["terminations"].tolist() == [False, False, False, True] and not e1["truncations"].any()
    assert ds.episodes()[2]["truncations"].tolist() == [False] * 4 + [True]
    assert ds.meta["version"] == 1 and ds.meta["env"] == {"kind": "test"}
    tr = ds.transitions()
    assert tr["observations"].shape == (11, 4) and tr["terminals"].sum() == 2 and tr["timeouts"].sum() == 1
    # row 2 is episode 1's first step: s = obs[0, ep 1], s' = obs[1, ep 1]
    assert np.array_equal(tr["observations"][2], ep["observations"][0, 1])
    assert np.array_equal(tr["next_observations"][2], ep["observations"][1, 1])
    assert tr["infos/success"].sum() == 2


def test_foreign_files_are_clear_errors(tmp_path):
    bad = tmp_path / "x.npz"
    bad.write_bytes(b"junk")
    with pytest.raises(WorkbenchError, match="not a workbench dataset"):
        datasets.load(bad)
    with pytest.raises(WorkbenchError, match="no episodes"):
        datasets.save(tmp_path / "e.npz", [])


def test_minari_and_d4rl_hdf5_layouts(tmp_path):
    import h5py

    ep = _rollout()
    with h5py.File(tmp_path / "main_data.hdf5", "w") as f:                           # Minari: a group per episode
        for i, e in enumerate(datasets.episodes_from_rollout(ep)):
            g = f.create_group(f"episode_{i}")
            for k in ("observations", "actions", "rewards", "terminations", "truncations"):
                g[k] = e[k]
            g.create_group("infos")["success"] = e["infos"]["success"]
    ds = datasets.load_minari_hdf5(tmp_path / "main_data.hdf5")
    assert [len(e["actions"]) for e in ds.episodes()] == [2, 4, 5]
    tr = datasets.Dataset(datasets.episodes_from_rollout(ep), {}).transitions()
    with h5py.File(tmp_path / "d4rl.hdf5", "w") as f:                                # D4RL: flat arrays
        for k in ("observations", "actions", "rewards", "terminals", "timeouts", "next_observations"):
            f[k] = tr[k]
    d4 = datasets.load_d4rl_hdf5(tmp_path / "d4rl.hdf5")
    assert [len(e["actions"]) for e in d4.episodes()] == [2, 4, 5]
    assert np.allclose(d4.transitions()["next_observations"], tr["next_observations"])


@pytest.mark.parametrize("kind", ["missing", "folder", "text", "empty"])
def test_hdf5_loaders_name_a_bad_file_in_one_line(tmp_path, kind):
    path = tmp_path / "main_data.hdf5"
    if kind == "folder":
        path.mkdir()
    elif kind == "text":
        path.write_text("observations,actions\n1,2\n")
    elif kind == "empty":
        path.write_bytes(b"")
    for load in (datasets.load_minari_hdf5, datasets.load_d4rl_hdf5):
        with pytest.raises(WorkbenchError) as e:
            load(path)
        assert str(path) in str(e.value) and "\n" not in str(e.value)
