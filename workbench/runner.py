"""Headless execution of a paper notebook with papermill: executed copy, report.html, results.json.

    DIR/<slug>/<slug>.ipynb    the executed notebook (kept when a cell fails, with the error in it)
    DIR/<slug>/report.html     offline report (workbench.report)
    DIR/<slug>/results.json    written by the notebook's `run.finish(...)` (workbench.notebook), with the
                               runtime from its `notebook.start(...)` to its finish

Parameters are validated against the paper's Config before the kernel starts (`validate`). The notebook
receives three papermill parameters: `scale`, `overrides` (a dict of typed values) and `results_dir`.

Every failure is one line naming the notebook (`WorkbenchError`): a failing cell (named as the user
sees it: the k-th code cell of notebooks/<slug>.ipynb, which papermill's own index misses by the
injected parameters cell), a kernel that died (an out-of-memory kill), an unwritable output or cache
folder. `stop_kernels()` ends the kernels this process started and everything they started
(Chromium, chromedriver), for the CLI's SIGTERM/Ctrl-C handler.
"""
from __future__ import annotations

import os
import signal
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import nbformat

from workbench import WorkbenchError, registry, scales
from workbench.paths import RUNS_DIR


@dataclass
class Outcome:
    slug: str
    out_dir: Path
    notebook: Path
    report: Path
    results: Path | None
    runtime_s: float      # wall time of the whole execution (kernel start to end), for the CLI's message


def validate(slug: str, scale: str, pairs: list[str]) -> dict[str, Any]:
    """Check slug, scale and `key=value` pairs; return the typed overrides. Raises WorkbenchError."""
    paper = registry.get(slug)
    module = paper.load_config()
    overrides = scales.parse_overrides(pairs, module.Config)
    scales.apply(module.Config, module.SCALES, scale, overrides)  # every value checked, no work done
    return overrides


def check_writable_dir(path: str | Path, what: str, create: bool = True) -> Path:
    """Make sure `path` is a folder we can write into, by creating (and removing) a file in it.

    Permission bits are not enough: root writes into a chmod 0500 folder, and a read-only mount or an
    immutable folder refuses everyone, so only an actual write answers the question."""
    path = Path(path)
    try:
        if create:
            path.mkdir(parents=True, exist_ok=True)
        elif not path.is_dir():
            raise WorkbenchError(f"{what} {path} is not a folder")
        fd, probe = tempfile.mkstemp(dir=path, prefix=".workbench-write-check-")
        os.close(fd)
        os.unlink(probe)
    except FileExistsError:
        raise WorkbenchError(f"{what} {path} is a file, not a folder") from None
    except OSError as e:
        raise WorkbenchError(f"{what} {path} is not writable: {e.strerror or e}") from None
    return path


def check_cache() -> Path:
    """An unwritable $WORKBENCH_CACHE is found before any training, not when the first result is stored."""
    from workbench.cache import cache_dir
    what = "$WORKBENCH_CACHE" if os.environ.get("WORKBENCH_CACHE") else "the cache folder"
    return check_writable_dir(cache_dir(), what)


def _papermill_value(v: Any) -> Any:
    """papermill writes parameters as Python literals; it knows lists, not tuples."""
    if isinstance(v, tuple):
        return [_papermill_value(x) for x in v]
    if isinstance(v, dict):
        return {k: _papermill_value(x) for k, x in v.items()}
    return v


def cell_as_seen(notebook: Path, executed: Path, source: str | None = None) -> str:
    """'code cell 5 (`runs = train(cfg, ...)`)': the position of the cell among the code cells of `notebook` as
    stored, i.e. its [5] when run top to bottom in Lab (papermill's index also counts the parameters cell it
    injects, and the cells it adds in front of an error). `source`: the failing cell's; None for a dead
    kernel, whose last started cell is read from the executed copy."""
    try:
        if source is None:
            started = [c for c in nbformat.read(str(executed), as_version=4).cells
                       if c.cell_type == "code" and c.metadata.get("papermill", {}).get("start_time")]
            source = started[-1].source if started else None
        code = [c.source for c in nbformat.read(str(notebook), as_version=4).cells if c.cell_type == "code"]
    except Exception:  # an unreadable notebook: say nothing rather than something wrong
        return "a cell"
    if source is None or source not in code:
        return "a cell"
    first = next((ln.strip() for ln in source.splitlines() if ln.strip()), "")
    first = first if len(first) <= 60 else first[:57] + "..."
    return f"code cell {code.index(source) + 1} (`{first}`)"


def execute(notebook: Path, out_dir: Path, parameters: dict[str, Any], name: str) -> tuple[Path, float]:
    """Run `notebook` with papermill into out_dir/<name>.ipynb. On a failing cell or a dead kernel raises
    WorkbenchError, one line naming the notebook and the cell; the executed copy (with the error) is kept."""
    import logging

    import papermill as pm
    from nbclient.exceptions import CellTimeoutError, DeadKernelError

    out_dir.mkdir(parents=True, exist_ok=True)
    executed = out_dir / f"{name}.ipynb"
    os.environ["WORKBENCH_HEADLESS"] = "1"  # inherited by the kernel: tqdm instead of live widgets
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")  # XLA prints two lines per cached program otherwise
    t0 = time.time()
    kept = f"executed copy kept at {executed}"
    log = logging.getLogger("papermill")  # it logs each failure on several lines; ours below is one
    level = log.level
    log.setLevel(logging.CRITICAL)
    try:
        pm.execute_notebook(str(notebook), str(executed), parameters=_papermill_value(parameters),
                            cwd=str(notebook.parent), progress_bar=False, kernel_name="python3", language="python")
    except pm.PapermillExecutionError as e:
        evalue = str(e.evalue).strip().splitlines()[0] if e.evalue and str(e.evalue).strip() else ""
        raise WorkbenchError(f"{name}: {cell_as_seen(notebook, executed, e.source)} failed: {e.ename}: {evalue} "
                             f"-- {kept}") from None
    except DeadKernelError:
        raise WorkbenchError(f"{name}: the kernel died during {cell_as_seen(notebook, executed)} (killed from outside, "
                             f"e.g. out of memory) -- {kept}") from None
    except CellTimeoutError:
        raise WorkbenchError(f"{name}: {cell_as_seen(notebook, executed)} timed out -- {kept}") from None
    except RuntimeError as e:  # the kernel did not start or stopped answering
        raise WorkbenchError(f"{name}: the kernel failed: {str(e).strip().splitlines()[0] if str(e).strip() else e!r}"
                             ) from None
    finally:
        log.setLevel(level)
    return executed, time.time() - t0


def run(slug: str, scale: str = "cpu", pairs: list[str] | None = None, out_dir: str | Path | None = None,
        overrides: dict[str, Any] | None = None) -> Outcome:
    """Execute and render one notebook. `overrides` (typed, e.g. from `validate`) or `pairs` ('key=value'
    strings, validated here) set parameters. Raises WorkbenchError with one clear line."""
    from workbench import report

    if overrides is None:
        overrides = validate(slug, scale, pairs or [])
    paper = registry.get(slug)
    root = Path(out_dir) if out_dir else default_out_dir()
    slug_dir = root / slug
    params = {"scale": scale, "overrides": overrides, "results_dir": str(slug_dir.resolve())}
    results_path = slug_dir / "results.json"
    results_path.unlink(missing_ok=True)  # a stale file from an earlier run must not pass as this one's
    executed = slug_dir / f"{slug}.ipynb"
    try:
        _, runtime_s = execute(paper.notebook, slug_dir, params, slug)
    finally:  # on a failing cell too: the report shows the error where it happened
        if executed.exists():
            report.write_report(executed, slug_dir / "report.html", title=paper.title)
    if not results_path.exists():
        raise WorkbenchError(f"{slug}: the notebook finished but wrote no results.json in {slug_dir} "
                             "(its last cell calls run.finish)")
    return Outcome(slug, slug_dir, executed, slug_dir / "report.html", results_path, runtime_s)


def default_out_dir() -> Path:
    return RUNS_DIR / time.strftime("%Y%m%d-%H%M%S")


# --- stopping kernels and what they started (Linux /proc) ---

def _stat(pid: int) -> tuple[int, int, str] | None:
    """(parent pid, session id, state) of a process, None when it is gone."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = text[text.rindex(")") + 2:].split()  # the command name may hold spaces and parentheses
    return int(fields[1]), int(fields[3]), fields[0]


def _alive(pid: int) -> bool:
    st = _stat(pid)
    return st is not None and st[2] != "Z"  # a zombie has exited; init reaps it once we are gone


def started_processes(parent: int | None = None) -> list[int]:
    """Every process `parent` (default: this one) started, directly or not, plus every member of a new session
    one of them opened. Kernels run in their own session (jupyter_client), so a Chromium re-parented to init
    when its chromedriver died is still found through the kernel's session."""
    parent = parent or os.getpid()
    stats = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit() and (st := _stat(int(entry))) is not None:
            stats[int(entry)] = st
    own_session = stats.get(parent, (0, -1, ""))[1]
    found, frontier = set(), [parent]
    while frontier:
        pid = frontier.pop()
        for child, (ppid, _, _) in stats.items():
            if ppid == pid and child not in found:
                found.add(child)
                frontier.append(child)
    sessions = {stats[p][1] for p in found} - {own_session}
    found |= {p for p, (_, sid, _) in stats.items() if sid in sessions}
    found.discard(parent)
    return sorted(found)


def _connection_file(pid: int) -> Path | None:
    """The connection file a kernel was started with (`-f FILE.json`): kernel-<id>.json in Jupyter's runtime
    folder from Lab, a tmpXXXX.json in $TMPDIR from papermill."""
    try:
        argv = Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace").split("\0")
    except OSError:
        return None
    if not any("ipykernel" in a for a in argv):
        return None
    for flag, value in zip(argv, argv[1:]):
        if flag == "-f" and value.endswith(".json"):
            return Path(value)
    return None


def stop_kernels(grace_s: float = 3.0) -> int:
    """End every process this one started (kernels, and their Chromium, chromedriver, workers): SIGTERM, then
    SIGKILL after `grace_s`; remove the kernels' connection files. Returns how many processes there were."""
    pids = started_processes()
    count = len(pids)
    files = [f for f in map(_connection_file, pids) if f is not None]
    for sig in (signal.SIGTERM, signal.SIGKILL):
        for pid in pids:
            try:
                os.kill(pid, sig)
            except ProcessLookupError:
                pass
        deadline = time.time() + grace_s
        while any(map(_alive, pids)) and time.time() < deadline:
            time.sleep(0.05)
        pids = [p for p in pids if _alive(p)]
        if not pids:
            break
    for f in files:
        f.unlink(missing_ok=True)
    return count
