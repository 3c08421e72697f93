"""Robot episodes on disk: RLDS step semantics stored the way LeRobot's dataset v3 stores frames.

A dataset is a folder; one robot (or one source) per dataset, any number of episodes:

    <root>/meta/info.json       format version, robot, control rate (fps), action space, features
                                {name: {dtype, shape}}, totals, the data files and their episode ranges
    <root>/meta/episodes.json   per episode: index, length, file, first row, task index, metadata
    <root>/meta/tasks.json      language instructions <-> task_index (LeRobot's meta/tasks)
    <root>/meta/stats.json      per numeric feature: min, max, mean, std, p01, p99 over all frames
    <root>/data/file-000.parquet   frames of many episodes, one row per step (Parquet, zstd)

Step semantics follow RLDS (github.com/google-research/rlds): step t holds (o_t, a_t, r_t, d_t); every
step has `is_first`, `is_last`, `is_terminal`; the first step of an episode is `is_first`, the last
`is_last`; `is_terminal` may only be set on the last step (the episode ended in a terminal state; an
`is_last` step without it was truncated). On the `is_last` step the action, reward and discount are
not valid (RLDS) and are stored as zeros. Every frame row also carries `episode_index`, `frame_index`,
`timestamp` (s, frame_index / fps) and `task_index` (LeRobot v3 columns); nested RLDS keys are written
with dots (`observation.state`, `action.world_vector`), as LeRobot does.

    w = EpisodeWriter(root, features={"observation.state": ("float32", (7,)), "action": ("float32", (4,))},
                      robot="panda7", fps=10, action_space={"kind": "eef_delta", "size": 4})
    w.add_episode(steps, language_instruction="pick up the cube", metadata={"seed": 3})
    w.close()                                   # writes meta/ last: a crash leaves no valid dataset
    ds = EpisodeDataset(root); ep = ds[0]        # {"steps": {name: array [T, ...]}, "language_instruction", "metadata"}

`read_rlds_tfrecord` reads RLDS/TFDS episode files (one tf.train.Example per episode, features
flattened as `steps/...` and `episode_metadata/...`) without TensorFlow; `write_rlds_tfrecord` writes
that schema (what the tests read back, and a way to hand data to TFDS users). `FrameWindows` is a torch
dataset of frames with their history (LeRobot's `delta_timestamps` for the past), padded before the
episode start. Every malformed input raises a one-line WorkbenchError.
"""
from __future__ import annotations

import io
import json
import struct
from pathlib import Path
from typing import Any, Iterable, Iterator

import numpy as np

from workbench import WorkbenchError
from workbench.cache import atomic_write_bytes, atomic_write_text

FORMAT = "workbench-episodes"
VERSION = 1
DTYPES = ("float32", "float64", "int64", "int32", "bool")
RLDS_KEYS = {"is_first": ("bool", ()), "is_last": ("bool", ()), "is_terminal": ("bool", ()),
             "reward": ("float32", ()), "discount": ("float32", ())}
# columns every frame carries besides the features (LeRobot v3 names)
INDEX_KEYS = ("episode_index", "frame_index", "timestamp", "task_index")


def _feature(name: str, spec) -> dict:
    """Normalise a feature spec ((dtype, shape) or {"dtype", "shape"}) and check it."""
    dtype, shape = (spec["dtype"], spec["shape"]) if isinstance(spec, dict) else spec
    if dtype not in DTYPES:
        raise WorkbenchError(f"feature {name!r}: dtype {dtype!r} is not one of {', '.join(DTYPES)}")
    shape = tuple(int(s) for s in shape)
    if len(shape) > 1 or any(s <= 0 for s in shape):
        raise WorkbenchError(f"feature {name!r}: shape {shape} must be () or (n,) with n > 0")
    return {"dtype": dtype, "shape": list(shape)}


def validate_steps(steps: dict[str, Any], features: dict[str, dict], where: str = "episode") -> dict[str, np.ndarray]:
    """Check one episode's steps against the schema; return them as arrays of the schema's dtypes.

    Raises WorkbenchError naming the first problem: a missing or unexpected key, a wrong shape or
    length, flags that break RLDS step semantics, a non-finite number."""
    missing = [k for k in features if k not in steps]
    extra = [k for k in steps if k not in features]
    if missing or extra:
        raise WorkbenchError(f"{where}: steps do not match the schema (missing {missing}, unexpected {extra})")
    out, length = {}, None
    for name, f in features.items():
        a = np.asarray(steps[name])
        want = tuple(f["shape"])
        if a.ndim != 1 + len(want) or tuple(a.shape[1:]) != want:
            raise WorkbenchError(f"{where}: {name!r} has shape {a.shape}, schema says [T, {', '.join(map(str, want))}]"
                                 .replace(", ]", "]"))
        if length is None:
            length = len(a)
        elif len(a) != length:
            raise WorkbenchError(f"{where}: {name!r} has {len(a)} steps, others have {length}")
        if f["dtype"] != "bool" and a.dtype.kind not in "biuf":
            raise WorkbenchError(f"{where}: {name!r} is {a.dtype}, schema says {f['dtype']}")
        if a.dtype.kind == "f" and not np.isfinite(a).all():
            raise WorkbenchError(f"{where}: {name!r} has a non-finite value")
        out[name] = a.astype(f["dtype"])
    if not length:
        raise WorkbenchError(f"{where}: an episode needs at least one step")
    first, last, terminal = out["is_first"], out["is_last"], out["is_terminal"]
    if not first[0] or first[1:].any():
        raise WorkbenchError(f"{where}: is_first must be true on step 0 only")
    if not last[-1] or last[:-1].any():
        raise WorkbenchError(f"{where}: is_last must be true on the final step only")
    if terminal[:-1].any():
        raise WorkbenchError(f"{where}: is_terminal may only be true on the final (is_last) step")
    return out


class EpisodeWriter:
    """Buffers episodes and writes them as Parquet frame files plus JSON metadata (see the module doc).

    `features` are the step features besides the RLDS flags, reward and discount (added here);
    `episodes_per_file` episodes share one Parquet file (LeRobot v3 packs many episodes per file)."""

    def __init__(self, root: str | Path, features: dict[str, Any], robot: str, fps: float,
                 action_space: dict | None = None, episodes_per_file: int = 500, info: dict | None = None):
        self.root = Path(root)
        self.features = {**{k: _feature(k, v) for k, v in RLDS_KEYS.items()},
                         **{k: _feature(k, v) for k, v in features.items()}}
        if not robot or fps <= 0:
            raise WorkbenchError(f"EpisodeWriter: needs a robot name and fps > 0 (got {robot!r}, {fps})")
        self.robot, self.fps, self.action_space = robot, float(fps), dict(action_space or {})
        self.episodes_per_file, self.extra_info = max(1, int(episodes_per_file)), dict(info or {})
        self.tasks: dict[str, int] = {}
        self.episodes: list[dict] = []
        self.files: list[dict] = []
        self._buffer: list[dict[str, np.ndarray]] = []
        self._rows = 0          # rows in the current file
        self._stats = _RunningStats()
        self.closed = False

    def add_episode(self, steps: dict[str, Any], language_instruction: str = "", metadata: dict | None = None) -> int:
        """Validate and buffer one episode; returns its episode_index."""
        if self.closed:
            raise WorkbenchError("EpisodeWriter: add_episode after close")
        index = len(self.episodes)
        arrays = validate_steps(steps, self.features, f"episode {index}")
        T = len(arrays["is_first"])
        task = self.tasks.setdefault(str(language_instruction), len(self.tasks))
        arrays["episode_index"] = np.full(T, index, np.int64)
        arrays["frame_index"] = np.arange(T, dtype=np.int64)
        arrays["timestamp"] = (np.arange(T) / self.fps).astype(np.float32)
        arrays["task_index"] = np.full(T, task, np.int64)
        meta = {"robot": self.robot, "fps": self.fps, "action_space": self.action_space, **(metadata or {})}
        self.episodes.append({"episode_index": index, "length": T, "file": len(self.files), "row": self._rows,
                              "task_index": task, "metadata": _jsonable(meta)})
        self._buffer.append(arrays)
        self._rows += T
        self._stats.add({k: v for k, v in arrays.items() if k in self.features})
        if len(self._buffer) >= self.episodes_per_file:
            self._flush()
        return index

    def _flush(self) -> None:
        if not self._buffer:
            return
        import pyarrow as pa
        import pyarrow.parquet as pq

        cols = {}
        for name in [*INDEX_KEYS, *self.features]:
            a = np.concatenate([b[name] for b in self._buffer])
            cols[name] = pa.FixedSizeListArray.from_arrays(pa.array(a.reshape(-1)), a.shape[1]) if a.ndim == 2 \
                else pa.array(a)
        table = pa.table(cols)
        rel = f"data/file-{len(self.files):03d}.parquet"
        sink = io.BytesIO()
        pq.write_table(table, sink, compression="zstd")
        atomic_write_bytes(self.root / rel, sink.getvalue())
        first = self.episodes[-len(self._buffer)]["episode_index"]
        self.files.append({"path": rel, "episodes": [first, first + len(self._buffer)], "rows": table.num_rows})
        self._buffer, self._rows = [], 0

    def close(self) -> Path:
        """Write the last data file, then the metadata (info.json last: its presence marks a complete dataset)."""
        if self.closed:
            return self.root
        self._flush()
        meta = self.root / "meta"
        atomic_write_text(meta / "tasks.json", json.dumps(
            [{"task_index": i, "task": t} for t, i in self.tasks.items()], indent=1))
        atomic_write_text(meta / "episodes.json", json.dumps(self.episodes))
        atomic_write_text(meta / "stats.json", json.dumps(self._stats.result(), indent=1))
        info = {"format": FORMAT, "version": VERSION, "robot": self.robot, "fps": self.fps,
                "action_space": _jsonable(self.action_space), "features": self.features,
                "total_episodes": len(self.episodes), "total_frames": sum(e["length"] for e in self.episodes),
                "files": self.files, **_jsonable(self.extra_info)}
        atomic_write_text(meta / "info.json", json.dumps(info, indent=1))
        self.closed = True
        return self.root

    def __enter__(self):
        return self

    def __exit__(self, kind, *_):
        if kind is None:
            self.close()


class _RunningStats:
    """Per-feature min/max/mean/std/p01/p99 over every frame (frames are kept: datasets here are small)."""

    def __init__(self):
        self.parts: dict[str, list[np.ndarray]] = {}

    def add(self, arrays: dict[str, np.ndarray]) -> None:
        for k, v in arrays.items():
            self.parts.setdefault(k, []).append(v)

    def result(self) -> dict:
        out = {}
        for k, parts in self.parts.items():
            a = np.concatenate(parts).astype(np.float64)
            a = a.reshape(len(a), -1)
            out[k] = {"min": a.min(0).tolist(), "max": a.max(0).tolist(), "mean": a.mean(0).tolist(),
                      "std": a.std(0).tolist(), "p01": np.percentile(a, 1, 0).tolist(),
                      "p99": np.percentile(a, 99, 0).tolist(), "count": len(a)}
        return out


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    return value


def _read_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text())
    except FileNotFoundError:
        raise WorkbenchError(f"{path.parent.parent}: not an episode dataset (no {path.relative_to(path.parent.parent)})") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as e:
        raise WorkbenchError(f"{path}: malformed JSON ({e.msg if hasattr(e, 'msg') else e})") from None


class EpisodeDataset:
    """Reads a dataset written by EpisodeWriter; checks the metadata and each data file against the schema.

    `ds[i]` is episode i: {"steps": {feature: array [T, ...]}, "language_instruction": str, "metadata": dict};
    `ds.frames()` is every frame as one dict of arrays (index columns included), for training."""

    def __init__(self, root: str | Path):
        self.root = Path(root)
        if not self.root.is_dir():
            raise WorkbenchError(f"{self.root}: no such episode dataset folder")
        self.info = _read_json(self.root / "meta" / "info.json")
        if not isinstance(self.info, dict) or self.info.get("format") != FORMAT:
            raise WorkbenchError(f"{self.root}: meta/info.json is not a {FORMAT} file")
        if self.info.get("version") != VERSION:
            raise WorkbenchError(f"{self.root}: format version {self.info.get('version')} (this reader reads {VERSION})")
        try:
            self.features = {k: _feature(k, v) for k, v in self.info["features"].items()}
            self.files = list(self.info["files"])
        except (KeyError, TypeError, AttributeError) as e:
            raise WorkbenchError(f"{self.root}: meta/info.json lacks a valid {e}") from None
        for k in RLDS_KEYS:
            if k not in self.features:
                raise WorkbenchError(f"{self.root}: schema lacks the RLDS key {k!r}")
        self.episodes = _read_json(self.root / "meta" / "episodes.json")
        self.tasks = {t["task_index"]: t["task"] for t in _read_json(self.root / "meta" / "tasks.json")}
        self.stats = _read_json(self.root / "meta" / "stats.json")
        self.robot, self.fps = self.info["robot"], self.info["fps"]
        self.action_space = self.info.get("action_space", {})
        self._tables: dict[int, dict[str, np.ndarray]] = {}

    def __len__(self) -> int:
        return len(self.episodes)

    @property
    def num_frames(self) -> int:
        return int(self.info["total_frames"])

    def _table(self, i: int) -> dict[str, np.ndarray]:
        if i not in self._tables:
            import pyarrow as pa
            import pyarrow.parquet as pq

            path = self.root / self.files[i]["path"]
            try:
                table = pq.read_table(path)
            except FileNotFoundError:
                raise WorkbenchError(f"{path}: data file missing") from None
            except (pa.ArrowInvalid, OSError) as e:
                raise WorkbenchError(f"{path}: not a readable Parquet file ({str(e).splitlines()[0][:100]})") from None
            cols = {}
            for name in [*INDEX_KEYS, *self.features]:
                if name not in table.column_names:
                    raise WorkbenchError(f"{path}: column {name!r} missing (schema mismatch with meta/info.json)")
                col = table.column(name).combine_chunks()
                shape = self.features[name]["shape"] if name in self.features else []
                if shape:
                    if not pa.types.is_fixed_size_list(col.type) or col.type.list_size != shape[0]:
                        raise WorkbenchError(f"{path}: column {name!r} is {col.type}, schema says {shape[0]} values per step")
                    a = col.flatten().to_numpy(zero_copy_only=False).reshape(-1, shape[0])
                else:
                    if pa.types.is_list(col.type) or pa.types.is_fixed_size_list(col.type):
                        raise WorkbenchError(f"{path}: column {name!r} is {col.type}, schema says one value per step")
                    a = col.to_numpy(zero_copy_only=False)
                dtype = self.features[name]["dtype"] if name in self.features else a.dtype
                cols[name] = a.astype(dtype, copy=False)
            if table.num_rows != self.files[i]["rows"]:
                raise WorkbenchError(f"{path}: {table.num_rows} rows, meta/info.json says {self.files[i]['rows']}")
            self._tables[i] = cols
        return self._tables[i]

    def __getitem__(self, index: int) -> dict:
        if not -len(self) <= index < len(self):
            raise WorkbenchError(f"{self.root}: episode {index} out of range (0..{len(self) - 1})")
        e = self.episodes[index]
        cols = self._table(e["file"])
        sl = slice(e["row"], e["row"] + e["length"])
        steps = {k: cols[k][sl] for k in self.features}
        return {"steps": steps, "language_instruction": self.tasks.get(e["task_index"], ""),
                "metadata": e["metadata"], "episode_index": e["episode_index"]}

    def __iter__(self) -> Iterator[dict]:
        return (self[i] for i in range(len(self)))

    def frames(self) -> dict[str, np.ndarray]:
        """All frames of all files, concatenated in episode order: {column: array [N, ...]}."""
        tables = [self._table(i) for i in range(len(self.files))]
        return {k: np.concatenate([t[k] for t in tables]) for k in tables[0]} if tables else {}


# ---- RLDS / TFDS tfrecord files (no TensorFlow) ------------------------------------------------------
# A TFRecord is a sequence of records: uint64 length, uint32 masked crc32c(length), data, uint32 masked
# crc32c(data). TFDS writes one tf.train.Example per episode: a map from feature name to a bytes, float
# or int64 list; RLDS datasets flatten steps as "steps/<key>" (all steps concatenated) and episode
# metadata as "episode_metadata/<key>".

def _crc32c_table() -> list[int]:
    table = []
    for n in range(256):
        c = n
        for _ in range(8):
            c = (c >> 1) ^ 0x82F63B78 if c & 1 else c >> 1
        table.append(c)
    return table


_CRC_TABLE = _crc32c_table()


def _masked_crc(data: bytes) -> int:
    crc = 0xFFFFFFFF
    for b in data:
        crc = _CRC_TABLE[(crc ^ b) & 0xFF] ^ (crc >> 8)
    crc ^= 0xFFFFFFFF
    return (((crc >> 15) | (crc << 17)) + 0xA282EAD8) & 0xFFFFFFFF


def _varint(value: int) -> bytes:
    value &= (1 << 64) - 1          # negative int64 -> two's complement, as protobuf does
    out = bytearray()
    while True:
        b = value & 0x7F
        value >>= 7
        out.append(b | (0x80 if value else 0))
        if not value:
            return bytes(out)


def _field(number: int, payload: bytes) -> bytes:      # a length-delimited protobuf field
    return _varint(number << 3 | 2) + _varint(len(payload)) + payload


def _encode_example(features: dict[str, Any]) -> bytes:
    """tf.train.Example{features: Features{feature: map<string, Feature>}}; Feature = one of
    bytes_list (1), float_list (2, packed float32) or int64_list (3, packed varints)."""
    entries = b""
    for key, value in features.items():
        if isinstance(value, (bytes, str)) or (isinstance(value, list) and value and isinstance(value[0], (bytes, str))):
            items = value if isinstance(value, list) else [value]
            body = _field(1, b"".join(_field(1, v.encode() if isinstance(v, str) else v) for v in items))
        else:
            a = np.asarray(value).reshape(-1)
            if a.dtype.kind == "f":
                body = _field(2, _field(1, a.astype("<f4").tobytes()))
            else:
                body = _field(3, _field(1, b"".join(_varint(int(v)) for v in a)))
        entries += _field(1, _field(1, key.encode()) + _field(2, body))
    return _field(1, entries)


def _read_varint(buf: bytes, i: int) -> tuple[int, int]:
    shift = value = 0
    while True:
        if i >= len(buf):
            raise ValueError("truncated varint")
        b = buf[i]
        i += 1
        value |= (b & 0x7F) << shift
        if not b & 0x80:
            return value, i
        shift += 7


def _fields(buf: bytes) -> Iterator[tuple[int, int, Any]]:
    """(field number, wire type, value) of one protobuf message; length-delimited values as bytes."""
    i = 0
    while i < len(buf):
        tag, i = _read_varint(buf, i)
        number, wire = tag >> 3, tag & 7
        if wire == 0:
            value, i = _read_varint(buf, i)
        elif wire == 2:
            n, i = _read_varint(buf, i)
            if i + n > len(buf):
                raise ValueError("truncated field")
            value, i = buf[i:i + n], i + n
        elif wire == 5:
            value, i = buf[i:i + 4], i + 4
        elif wire == 1:
            value, i = buf[i:i + 8], i + 8
        else:
            raise ValueError(f"unsupported wire type {wire}")
        yield number, wire, value


def _decode_feature(buf: bytes) -> Any:
    for kind, _, body in _fields(buf):
        values = [v for n, w, v in _fields(body) if n == 1]
        if kind == 1:
            return list(values)
        if kind == 2:    # packed (one bytes run) or unpacked (fixed32 each)
            return np.frombuffer(b"".join(values), "<f4").copy()
        if kind == 3:
            out = []
            for v in values:
                if isinstance(v, bytes):     # packed
                    j = 0
                    while j < len(v):
                        x, j = _read_varint(v, j)
                        out.append(x)
                else:
                    out.append(v)
            return np.array([x - (1 << 64) if x >= 1 << 63 else x for x in out], np.int64)
    return []


def _decode_example(buf: bytes) -> dict[str, Any]:
    out = {}
    for n, _, features in _fields(buf):
        if n != 1:
            continue
        for m, _, entry in _fields(features):
            if m != 1:
                continue
            key, value = "", b""
            for k, _, v in _fields(entry):
                if k == 1:
                    key = v.decode()
                elif k == 2:
                    value = v
            out[key] = _decode_feature(value)
    return out


def tfrecord_records(path: str | Path, check_crc: bool = True) -> Iterator[bytes]:
    """The raw records of a TFRecord file; a truncated file or a bad checksum is a WorkbenchError."""
    data = Path(path).read_bytes()
    i = 0
    while i < len(data):
        if i + 12 > len(data):
            raise WorkbenchError(f"{path}: truncated TFRecord header at byte {i}")
        n, = struct.unpack("<Q", data[i:i + 8])
        if check_crc and struct.unpack("<I", data[i + 8:i + 12])[0] != _masked_crc(data[i:i + 8]):
            raise WorkbenchError(f"{path}: not a TFRecord file (bad length checksum at byte {i})")
        body = data[i + 12:i + 12 + n]
        if len(body) != n or i + 16 + n > len(data):
            raise WorkbenchError(f"{path}: truncated TFRecord at byte {i}")
        if check_crc and struct.unpack("<I", data[i + 12 + n:i + 16 + n])[0] != _masked_crc(body):
            raise WorkbenchError(f"{path}: TFRecord data checksum mismatch at byte {i}")
        yield body
        i += 16 + n


def write_rlds_tfrecord(path: str | Path, episodes: Iterable[dict]) -> Path:
    """Write episodes ({"steps": {name: [T, ...]}, "language_instruction", "metadata"}) as an RLDS/TFDS
    TFRecord: one tf.train.Example per episode, dots in names written as TFDS's slashes."""
    out = bytearray()
    for ep in episodes:
        feats: dict[str, Any] = {}
        for name, a in ep["steps"].items():
            a = np.asarray(a)
            feats["steps/" + name.replace(".", "/")] = a.astype(np.int64) if a.dtype == bool else a
        T = len(np.asarray(ep["steps"]["is_first"]))
        if ep.get("language_instruction"):
            feats["steps/language_instruction"] = [ep["language_instruction"]] * T
        for k, v in (ep.get("metadata") or {}).items():
            feats["episode_metadata/" + k] = v if isinstance(v, (str, bytes)) else np.atleast_1d(v)
        rec = _encode_example(feats)
        header = struct.pack("<Q", len(rec))
        out += header + struct.pack("<I", _masked_crc(header)) + rec + struct.pack("<I", _masked_crc(rec))
    atomic_write_bytes(path, bytes(out))
    return Path(path)


def read_rlds_tfrecord(path: str | Path, shapes: dict[str, tuple] | None = None) -> list[dict]:
    """Episodes from an RLDS/TFDS TFRecord file, in the form EpisodeWriter.add_episode takes.

    Step features become arrays [T] or [T, n] (n = values / T, or `shapes[name]` when given, e.g. from
    the dataset's features.json); the RLDS flags become bools; a missing `discount` (Bridge has none)
    is filled with ones; `language_instruction` is taken from the first step. Encoded images (bytes
    per step) are kept as lists of bytes under their name."""
    episodes = []
    for k, rec in enumerate(tfrecord_records(path)):
        try:
            ex = _decode_example(rec)
        except (ValueError, UnicodeDecodeError) as e:
            raise WorkbenchError(f"{path}: record {k} is not a tf.train.Example ({e})") from None
        if "steps/is_first" not in ex:
            raise WorkbenchError(f"{path}: record {k} has no steps/is_first (not an RLDS episode)")
        T = len(ex["steps/is_first"])
        steps, meta, instruction = {}, {}, ""
        for key, value in ex.items():
            if key.startswith("episode_metadata/"):
                name = key.split("/", 1)[1]
                meta[name] = value[0].decode(errors="replace") if isinstance(value, list) and len(value) == 1 \
                    else (value.tolist() if isinstance(value, np.ndarray) else value)
                continue
            if not key.startswith("steps/"):
                continue
            name = key[len("steps/"):].replace("/", ".")
            if name in ("language_instruction", "observation.natural_language_instruction"):
                instruction = value[0].decode(errors="replace") if value else ""
                continue
            if isinstance(value, list):
                steps[name] = value
                continue
            shape = tuple((shapes or {}).get(name, ()))
            if len(value) % max(T, 1):
                raise WorkbenchError(f"{path}: record {k}: {key} has {len(value)} values for {T} steps")
            per = len(value) // T if T else 0
            a = value.reshape(T, *(shape or ((per,) if per != 1 else ())))
            steps[name] = a.astype(bool) if name in ("is_first", "is_last", "is_terminal") else a
        steps.setdefault("discount", np.ones(T, np.float32))
        steps.setdefault("is_terminal", np.zeros(T, bool))
        steps.setdefault("reward", np.zeros(T, np.float32))
        episodes.append({"steps": steps, "language_instruction": instruction, "metadata": meta})
    return episodes


# ---- torch -----------------------------------------------------------------------------------------------

def history_index(episode_start: np.ndarray, history: int) -> tuple[np.ndarray, np.ndarray]:
    """For frames 0..N-1 with `episode_start[i]` = row of frame i's first step: row indices [N, history] of
    each frame's last `history` steps (oldest first) and a mask [N, history] that is False where a step
    would fall before the episode start (those rows repeat the first step; the mask says to ignore them)."""
    n = len(episode_start)
    offsets = np.arange(history - 1, -1, -1)
    rows = np.arange(n)[:, None] - offsets[None]
    valid = rows >= episode_start[:, None]
    return np.where(valid, rows, episode_start[:, None]), valid


def episode_starts(episode_index: np.ndarray) -> np.ndarray:
    """Row of each frame's episode start, for frames stored contiguously per episode."""
    change = np.r_[True, episode_index[1:] != episode_index[:-1]]
    return np.maximum.accumulate(np.where(change, np.arange(len(episode_index)), 0))


def frame_windows(frames: dict[str, np.ndarray], keys: Iterable[str], history: int = 1):
    """A torch Dataset over `frames` (EpisodeDataset.frames()): item i is {key: tensor [history, ...],
    "pad_mask": bool [history]} for frame i and the steps before it, padded before the episode start."""
    import torch

    keys = list(keys)
    rows, valid = history_index(episode_starts(frames["episode_index"]), history)
    data = {k: torch.as_tensor(np.asarray(frames[k])) for k in keys}

    class FrameWindows(torch.utils.data.Dataset):
        def __len__(self):
            return len(rows)

        def __getitem__(self, i):
            r = torch.as_tensor(rows[i])
            return {**{k: v[r] for k, v in data.items()}, "pad_mask": torch.as_tensor(valid[i])}

    return FrameWindows()
