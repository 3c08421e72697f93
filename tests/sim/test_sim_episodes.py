"""Episode format: round trip, RLDS step semantics, schema errors, RLDS tfrecords, history windows."""
import json

import numpy as np
import pytest

from workbench import WorkbenchError
from workbench.sim import episodes as E

FEATURES = {"observation.state": ("float32", (3,)), "action": ("float32", (2,))}


def make_steps(T, seed=0, terminal=True):
    rng = np.random.default_rng(seed)
    return {"observation.state": rng.normal(size=(T, 3)).astype(np.float32),
            "action": rng.normal(size=(T, 2)).astype(np.float32),
            "reward": np.arange(T, dtype=np.float32), "discount": np.ones(T, np.float32),
            "is_first": np.arange(T) == 0, "is_last": np.arange(T) == T - 1,
            "is_terminal": (np.arange(T) == T - 1) & terminal}


def write(root, lengths=(4, 6, 3), per_file=2):
    with E.EpisodeWriter(root, FEATURES, robot="panda7", fps=10, action_space={"kind": "eef_delta"},
                         episodes_per_file=per_file) as w:
        for i, T in enumerate(lengths):
            w.add_episode(make_steps(T, i, terminal=i != 1), f"task {i % 2}", {"seed": i})
    return root


def test_round_trip_keeps_every_step_and_the_metadata(tmp_path):
    ds = E.EpisodeDataset(write(tmp_path / "d"))
    assert len(ds) == 3 and ds.num_frames == 13 and len(ds.files) == 2      # 2 episodes per file -> 2 files
    for i, T in enumerate((4, 6, 3)):
        ep, want = ds[i], make_steps(T, i, terminal=i != 1)
        for k, v in want.items():
            np.testing.assert_array_equal(ep["steps"][k], v)
        assert ep["language_instruction"] == f"task {i % 2}"
        assert ep["metadata"] == {"robot": "panda7", "fps": 10.0, "action_space": {"kind": "eef_delta"}, "seed": i}
    assert ds.tasks == {0: "task 0", 1: "task 1"}
    frames = ds.frames()
    np.testing.assert_array_equal(frames["frame_index"][:5], [0, 1, 2, 3, 0])
    assert frames["timestamp"][3] == pytest.approx(0.3)                   # frame_index / fps
    # stats over all 13 frames: reward is 0..3, 0..5, 0..2 -> max 5, mean (6 + 15 + 3) / 13
    assert ds.stats["reward"]["max"] == [5.0] and ds.stats["reward"]["mean"] == [pytest.approx(24 / 13)]
    assert ds[1]["steps"]["is_terminal"].sum() == 0                       # truncated: is_last only


@pytest.mark.parametrize("change,message", [
    (lambda s: s.pop("action"), "missing \\['action'\\]"),
    (lambda s: s.update(extra=np.zeros(4)), "unexpected \\['extra'\\]"),
    (lambda s: s.update(action=np.zeros((4, 3))), "'action' has shape \\(4, 3\\)"),
    (lambda s: s.update(action=np.zeros((5, 2))), "has 5 steps"),
    (lambda s: s.update(is_first=np.ones(4, bool)), "is_first must be true on step 0 only"),
    (lambda s: s.update(is_last=np.zeros(4, bool)), "is_last must be true on the final step"),
    (lambda s: s.update(is_terminal=np.arange(4) == 1), "is_terminal may only"),
    (lambda s: s["reward"].__setitem__(2, np.nan), "non-finite"),
])
def test_schema_errors_are_one_line(tmp_path, change, message):
    steps = make_steps(4)
    change(steps)
    w = E.EpisodeWriter(tmp_path, FEATURES, robot="r", fps=5)
    with pytest.raises(WorkbenchError, match=message) as e:
        w.add_episode(steps)
    assert "\n" not in str(e.value)


def test_reader_rejects_malformed_and_mismatched_files(tmp_path):
    with pytest.raises(WorkbenchError, match="not an episode dataset"):
        E.EpisodeDataset(tmp_path)
    root = write(tmp_path / "d")
    (root / "data" / "file-001.parquet").write_bytes(b"not parquet")
    ds = E.EpisodeDataset(root)
    ds[0]                                                                  # file 0 is fine
    with pytest.raises(WorkbenchError, match="not a readable Parquet file"):
        ds[2]
    info = json.loads((root / "meta" / "info.json").read_text())
    info["features"]["action"]["shape"] = [3]                              # schema says 3, file holds 2
    (root / "meta" / "info.json").write_text(json.dumps(info))
    with pytest.raises(WorkbenchError, match="column 'action' is fixed_size_list.*schema says 3"):
        E.EpisodeDataset(root)[0]
    (root / "meta" / "info.json").write_text("{not json")
    with pytest.raises(WorkbenchError, match="malformed JSON"):
        E.EpisodeDataset(root)
    with pytest.raises(WorkbenchError, match="dtype 'float16'"):
        E.EpisodeWriter(tmp_path / "x", {"a": ("float16", (2,))}, robot="r", fps=1)


def test_rlds_tfrecord_round_trip_and_bridge_like_schema(tmp_path):
    eps = [{"steps": make_steps(T, i), "language_instruction": f"put the cube {i}",
            "metadata": {"file_path": f"/data/ep{i}.npz", "episode_id": i}} for i, T in enumerate((5, 1, 3))]
    eps[0]["steps"]["action.world_vector"] = np.full((5, 3), -2.5, np.float32)   # a nested RLDS key
    eps[0]["steps"]["observation.counter"] = np.arange(5) - 2                      # negative int64s survive
    path = E.write_rlds_tfrecord(tmp_path / "bridge-train.tfrecord-00000-of-00001", eps)
    back = E.read_rlds_tfrecord(path)
    assert len(back) == 3 and back[2]["language_instruction"] == "put the cube 2"
    assert back[0]["metadata"] == {"file_path": "/data/ep0.npz", "episode_id": [0]}
    for k, v in eps[0]["steps"].items():
        np.testing.assert_array_equal(back[0]["steps"][k], v)
    assert back[0]["steps"]["is_first"].dtype == bool and back[1]["steps"]["observation.state"].shape == (1, 3)
    # Bridge has no discount: the reader fills ones, and the episode then goes straight into the writer
    steps = {k: v for k, v in eps[2]["steps"].items() if k != "discount"}
    bridge = E.read_rlds_tfrecord(E.write_rlds_tfrecord(tmp_path / "b.tfrecord", [{"steps": steps}]))[0]
    np.testing.assert_array_equal(bridge["steps"]["discount"], np.ones(3))
    w = E.EpisodeWriter(tmp_path / "conv", FEATURES, robot="widowx", fps=5)
    w.add_episode(bridge["steps"], bridge["language_instruction"])
    assert len(E.EpisodeDataset(w.close())) == 1
    data = bytearray(path.read_bytes())
    data[20] ^= 0xFF                                                        # corrupt one byte of record 0
    (tmp_path / "bad.tfrecord").write_bytes(bytes(data))
    with pytest.raises(WorkbenchError, match="checksum"):
        E.read_rlds_tfrecord(tmp_path / "bad.tfrecord")
    (tmp_path / "short.tfrecord").write_bytes(path.read_bytes()[:30])
    with pytest.raises(WorkbenchError, match="truncated"):
        E.read_rlds_tfrecord(tmp_path / "short.tfrecord")


def test_masked_crc32c_matches_known_values():
    # crc32c("123456789") = 0xE3069283 (the CRC-32C check value); masked = ((c >> 15 | c << 17) + 0xa282ead8) mod 2^32
    c = 0xE3069283
    assert E._masked_crc(b"123456789") == (((c >> 15) | (c << 17)) + 0xA282EAD8) & 0xFFFFFFFF


def test_history_windows_pad_before_the_episode_start(tmp_path):
    frames = E.EpisodeDataset(write(tmp_path / "d", lengths=(2, 3))).frames()
    rows, valid = E.history_index(E.episode_starts(frames["episode_index"]), 3)
    # frames: episode 0 = rows 0, 1; episode 1 = rows 2, 3, 4
    np.testing.assert_array_equal(rows, [[0, 0, 0], [0, 0, 1], [2, 2, 2], [2, 2, 3], [2, 3, 4]])
    np.testing.assert_array_equal(valid, [[0, 0, 1], [0, 1, 1], [0, 0, 1], [0, 1, 1], [1, 1, 1]])
    ds = E.frame_windows(frames, ["observation.state"], history=3)
    item = ds[4]
    assert len(ds) == 5 and tuple(item["observation.state"].shape) == (3, 3) and item["pad_mask"].all()
    np.testing.assert_allclose(item["observation.state"][0].numpy(), frames["observation.state"][2])
