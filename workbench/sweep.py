"""`workbench sweep`: the grid (notebook x seed x parameter values) as Ray tasks, one kernel per task.

    workbench sweep grokking compwob --scale smoke --seeds 3 -p steps=500,1500 --out runs/sweep1
    workbench sweep grokking --seeds 3 --address ray://head:10001     # on a running Ray cluster

Layout: every grid point is a folder of its own that is exactly what `workbench run` writes, so
`workbench report DIR/<point>` works on it; the point's name is its seed and swept values:

    DIR/seed=0,steps=500/grokking/{grokking.ipynb, report.html, results.json, run.log}
    DIR/sweep.json         the grid and each point's status (done / failed / skipped / cancelled)
    DIR/index.html         the scorecard: verdicts over seeds with intervals, a plot per swept parameter

How a task runs: a Ray task (1 CPU) starts `python -m workbench.sweep _guard ...`, a small guard process
that runs `python -m workbench.cli run SLUG --scale S -p seed=N -p ... --out TMP` in a temporary folder on
the node, so every point has its own process and its own kernel. The task sends the point's files back
through Ray and the driver writes them into DIR (results.json last, atomically), so a cluster needs no
shared file system. A point whose results.json exists (at the same scale) is skipped: rerunning a sweep
finishes it. A failing point is reported (its executed notebook, report and log are kept) and the rest
go on.

Clean-up: every process a point starts carries WORKBENCH_SWEEP_TOKEN=<sweep>:<point> in its environment
(kernels start their own sessions and Chromium is a grandchild of the kernel, so process groups are not
enough). The guard kills every process with its token when the run ends, when it is sent SIGTERM, or when
its Ray worker dies (PR_SET_PDEATHSIG on Linux). On Ctrl-C or SIGTERM the driver cancels the running
tasks (each guard cleans up), disconnects (`ray.shutdown`) and finally ends every process on this
machine that carries the sweep's token: the local Ray's daemons (they inherit it from the driver) and
anything a run left.
"""
from __future__ import annotations

import itertools
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from workbench import WorkbenchError, registry
from workbench.cache import atomic_write_text
from workbench.paths import REPO_ROOT

TOKEN_VAR = "WORKBENCH_SWEEP_TOKEN"
_FILES = ("results.json", "report.html", "run.log")   # plus <slug>.ipynb


# ---------------------------------------------------------------------------------------------------
# the grid

def split_values(text: str) -> list[str]:
    """'1,2,3' -> ['1','2','3']; commas inside brackets or quotes do not split ('(a,b),(c,)' -> two)."""
    out, depth, quote, cur = [], 0, "", ""
    for ch in text:
        if quote:
            quote = "" if ch == quote else quote
        elif ch in "'\"":
            quote = ch
        elif ch in "([{":
            depth += 1
        elif ch in ")]}":
            depth -= 1
        elif ch == "," and depth == 0:
            out.append(cur.strip())
            cur = ""
            continue
        cur += ch
    out.append(cur.strip())
    if any(not v for v in out):
        raise WorkbenchError(f"empty value in {text!r}")
    return out


def parse_grid(specs: list[str]) -> list[tuple[str, list[str]]]:
    """['p=59,97', 'lr=1e-3'] -> [('p', ['59', '97']), ('lr', ['1e-3'])] (values checked later per slug)."""
    grid: list[tuple[str, list[str]]] = []
    for spec in specs:
        if "=" not in spec:
            raise WorkbenchError(f"bad parameter {spec!r}: expected key=v1,v2,...")
        key, text = (s.strip() for s in spec.split("=", 1))
        if key == "seed":
            raise WorkbenchError("set seeds with --seeds N (seeds 0..N-1), not -p seed=...")
        if key in (k for k, _ in grid):
            raise WorkbenchError(f"parameter '{key}' given twice; list its values once: {key}=v1,v2")
        grid.append((key, split_values(text)))
    return grid


def _folder_part(key: str, value: str) -> str:
    return f"{key}=" + re.sub(r"[^A-Za-z0-9._+-]+", "_", value).strip("_")


@dataclass
class Point:
    slug: str
    seed: int
    values: tuple[tuple[str, str], ...]   # (key, value text) in command-line order

    @property
    def name(self) -> str:
        return ",".join([f"seed={self.seed}"] + [_folder_part(k, v) for k, v in self.values])

    @property
    def pairs(self) -> list[str]:
        return [f"seed={self.seed}"] + [f"{k}={v}" for k, v in self.values]

    def folder(self, out_dir: Path) -> Path:
        return out_dir / self.name / self.slug

    def label(self) -> str:
        return f"{self.slug} {self.name}"


@dataclass
class Plan:
    scale: str
    out_dir: Path
    grid: list[tuple[str, list[str]]]
    points: list[Point]
    todo: list[Point] = field(default_factory=list)
    skipped: list[Point] = field(default_factory=list)


def plan(slugs: list[str], scale: str, n_seeds: int, specs: list[str], out_dir: str | Path) -> Plan:
    """Every grid point, each validated against its paper's Config before any work starts."""
    from workbench import runner

    if n_seeds < 1:
        raise WorkbenchError(f"--seeds {n_seeds}: need at least one seed")
    grid = parse_grid(specs)
    slugs = [p.slug for p in registry.available()] if slugs == ["all"] else list(dict.fromkeys(slugs))
    points = []
    for slug in slugs:
        fields = registry.get(slug).load_config().Config.__dataclass_fields__
        if "seed" not in fields:
            raise WorkbenchError(f"{slug}'s Config has no 'seed' field; it cannot be swept over seeds")
        for combo in itertools.product(*[[(k, v) for v in vals] for k, vals in grid]):
            for seed in range(n_seeds):
                point = Point(slug, seed, tuple(combo))
                runner.validate(slug, scale, point.pairs)   # unknown key, bad value: one line, before any run
                points.append(point)
    names = [(p.slug, p.name) for p in points]
    if len(set(names)) < len(names):
        raise WorkbenchError("two grid points share a folder name (values differing only in punctuation)")
    out_dir = Path(out_dir)
    pl = Plan(scale, out_dir, grid, points)
    for p in points:
        (pl.skipped if _finished(p.folder(out_dir) / "results.json", scale) else pl.todo).append(p)
    return pl


def _finished(results: Path, scale: str) -> bool:
    try:
        return json.loads(results.read_text()).get("scale") == scale
    except (OSError, ValueError):
        return False


# ---------------------------------------------------------------------------------------------------
# processes: find and end everything a point started

def processes_with(token_prefix: str) -> list[int]:
    """Pids (not this one) whose environment has WORKBENCH_SWEEP_TOKEN starting with `token_prefix`."""
    needle = f"{TOKEN_VAR}={token_prefix}".encode()
    pids = []
    for entry in Path("/proc").iterdir() if Path("/proc").is_dir() else []:
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            env = (entry / "environ").read_bytes()
        except OSError:   # gone, or not ours
            continue
        if any(var.startswith(needle) for var in env.split(b"\0")):
            pids.append(int(entry.name))
    return pids


def kill_processes(token_prefix: str, grace_s: float = 3.0) -> int:
    """SIGTERM every process carrying the token, SIGKILL those still there after `grace_s`; returns how many."""
    pids = processes_with(token_prefix)
    for sig in (signal.SIGTERM, signal.SIGKILL):
        for pid in pids:
            try:
                os.kill(pid, sig)
            except (ProcessLookupError, PermissionError):
                pass
        deadline = time.time() + (grace_s if sig == signal.SIGTERM else 1.0)
        while time.time() < deadline:
            if not [p for p in pids if _alive(p)]:
                return len(pids)
            time.sleep(0.1)
    return len(pids)


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state != "Z"   # a zombie is dead; its parent reaps it


def _die_with_parent() -> None:
    """Linux: have the kernel send SIGTERM to this process when its parent (the Ray worker) exits."""
    try:
        import ctypes
        libc = ctypes.CDLL("libc.so.6", use_errno=True)
        libc.prctl(1, signal.SIGTERM)   # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


def guard(token: str, cmd: list[str]) -> int:
    """Run `cmd` with the token in its environment; on exit, SIGTERM or parent death, end all it started."""
    parent = os.getppid()
    _die_with_parent()

    def stop(signum, frame):
        raise SystemExit(128 + signum)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    if os.getppid() != parent:   # the parent died before prctl took effect
        return 1
    env = {**os.environ, TOKEN_VAR: token}
    try:
        proc = subprocess.Popen(cmd, env=env)
        return proc.wait()
    finally:
        kill_processes(token)


# ---------------------------------------------------------------------------------------------------
# one grid point (the body of a Ray task)

def run_point(slug: str, scale: str, pairs: list[str], token: str, repo_root: str) -> dict[str, Any]:
    """Run one point in a temporary folder on this node; return its files (bytes) and exit code."""
    tmp = Path(tempfile.mkdtemp(prefix=f"workbench-sweep-{token.split(':')[0]}-"))   # the driver finds strays by it
    log_path = tmp / "run.log"
    cmd = [sys.executable, "-m", "workbench.cli", "run", slug, "--scale", scale, "--out", str(tmp)]
    for pair in pairs:
        cmd += ["-p", pair]
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([repo_root] + [p for p in env.get("PYTHONPATH", "").split(os.pathsep) if p])
    t0 = time.time()
    try:
        with open(log_path, "wb") as log:
            guard_proc = subprocess.Popen([sys.executable, "-m", "workbench.sweep", "_guard", token, "--", *cmd],
                                          cwd=repo_root, env=env, stdout=log, stderr=subprocess.STDOUT,
                                          stdin=subprocess.DEVNULL)
            try:
                rc = guard_proc.wait()
            except BaseException:   # cancelled (KeyboardInterrupt from ray.cancel) or worker shutting down
                guard_proc.terminate()
                try:
                    guard_proc.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    guard_proc.kill()
                kill_processes(token, grace_s=1.0)
                raise
        files = {}
        slug_dir = tmp / slug
        for name in (*_FILES, f"{slug}.ipynb"):
            src = log_path if name == "run.log" else slug_dir / name
            if src.exists():
                files[name] = src.read_bytes()
        log_text = log_path.read_text(errors="replace")
        return {"rc": rc, "files": files, "error": _error_line(log_text) if rc else "", "tmp": str(slug_dir),
                "runtime_s": round(time.time() - t0, 1), "node": os.uname().nodename}
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _error_line(log: str) -> str:
    """The `workbench: error: ...` line of a failed run's log, else its last non-empty line."""
    lines = [ln.strip() for ln in log.splitlines() if ln.strip()]
    errors = [ln for ln in lines if ln.startswith("workbench: error:")]
    return (errors[0] if errors else lines[-1] if lines else "no output").removeprefix("workbench: error: ")


def _write_point(folder: Path, outcome: dict[str, Any]) -> None:
    """The point's files into its folder; results.json last, so a folder with one is a finished point."""
    folder.mkdir(parents=True, exist_ok=True)
    files = outcome["files"]
    for name, data in files.items():
        if name != "results.json":
            _atomic_write_bytes(folder / name, data)
    if outcome["rc"] == 0 and "results.json" in files:
        _atomic_write_bytes(folder / "results.json", files["results.json"])


def _atomic_write_bytes(path: Path, data: bytes) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


# ---------------------------------------------------------------------------------------------------
# the driver

def sweep(slugs: list[str], scale: str, n_seeds: int, specs: list[str], out_dir: str | Path,
          address: str | None = None, jobs: int | None = None) -> int:
    """Run the grid; returns 0 (all done), 1 (some point failed) or 130 (interrupted)."""
    pl = plan(slugs, scale, n_seeds, specs, out_dir)
    out = pl.out_dir
    out.mkdir(parents=True, exist_ok=True)
    status: dict[str, dict[str, Any]] = {f"{p.slug}/{p.name}": {"status": "skipped"} for p in pl.skipped}
    print(f"workbench: sweep of {len(pl.points)} run(s) at scale {scale} -> {out} "
          f"({len(pl.skipped)} already done, {len(pl.todo)} to run)", file=sys.stderr)
    rc = 0
    if pl.todo:
        rc = _run_on_ray(pl, status, address, jobs)
    _write_manifest(pl, status, n_seeds)
    from workbench import report
    if list(out.glob("*/*/results.json")):
        print(f"workbench: scorecard {report.write_scorecard(out)}", file=sys.stderr)
    failed = [k for k, v in status.items() if v["status"] == "failed"]
    if failed and rc == 0:
        print(f"workbench: error: {len(failed)} run(s) failed: {', '.join(failed)}", file=sys.stderr)
        rc = 1
    return rc


def _run_on_ray(pl: Plan, status: dict, address: str | None, jobs: int | None) -> int:
    import ray
    from tqdm import tqdm

    sweep_token = uuid.uuid4().hex[:12]
    previous = {s: signal.getsignal(s) for s in (signal.SIGINT, signal.SIGTERM)}

    received: list[str] = []

    def interrupt(signum, frame):
        # KeyboardInterrupt, not an exception of our own: Ray's blocking calls (ray.wait) check signals
        # from C++ and turn KeyboardInterrupt into a clean return; any other exception aborts the process
        received.append(signal.Signals(signum).name)
        raise KeyboardInterrupt

    def catch_signals():
        signal.signal(signal.SIGINT, interrupt)
        signal.signal(signal.SIGTERM, interrupt)

    catch_signals()
    local = address is None
    pending: dict[Any, Point] = {}
    bar = None
    # Ray's local daemons (gcs_server, raylet, agents, workers) inherit the driver's environment: with the
    # token in it they are found and ended at the end, even when ray.init or ray.shutdown fails half-way
    os.environ[TOKEN_VAR] = f"{sweep_token}:driver"
    try:
        if local:
            _start_local_ray(ray, jobs or os.cpu_count() or 1, sweep_token)
        else:
            ray.init(address=address, log_to_driver=False, logging_level="ERROR")
        catch_signals()   # ray.init replaces the SIGTERM handler with one that exits (aborting inside ray.wait)
        slots = max(1, int(ray.cluster_resources().get("CPU", 1)))
        task = ray.remote(num_cpus=1, max_retries=0)(run_point)
        for p in pl.todo:
            ref = task.remote(p.slug, pl.scale, p.pairs, f"{sweep_token}:{p.slug}/{p.name}", str(REPO_ROOT))
            pending[ref] = p
        bar = tqdm(total=len(pl.points), initial=len(pl.skipped), unit="run", desc="sweep", file=sys.stderr,
                   dynamic_ncols=True, mininterval=1.0 if sys.stderr.isatty() else 30.0)
        done = failed = 0
        while pending:
            bar.set_postfix_str(f"done {done + len(pl.skipped)}, running {min(len(pending), slots)}, "
                                f"queued {max(0, len(pending) - slots)}, failed {failed}", refresh=False)
            ready, _ = ray.wait(list(pending), num_returns=1, timeout=5.0)
            for ref in ready:
                p = pending.pop(ref)
                key = f"{p.slug}/{p.name}"
                try:
                    outcome = ray.get(ref)
                except ray.exceptions.RayError as e:   # the task itself died (node lost, worker killed)
                    outcome = {"rc": -1, "files": {}, "error": f"Ray task failed: {str(e).splitlines()[0]}",
                               "runtime_s": None}
                if outcome.get("tmp"):   # messages name the point's folder, not the node's temporary one
                    outcome["error"] = outcome["error"].replace(outcome["tmp"], str(p.folder(pl.out_dir)))
                _write_point(p.folder(pl.out_dir), outcome)
                if outcome["rc"] == 0 and "results.json" in outcome["files"]:
                    done += 1
                    status[key] = {"status": "done", "runtime_s": outcome["runtime_s"]}
                    bar.write(f"workbench: {p.label()} done in {outcome['runtime_s']:.0f} s", file=sys.stderr)
                else:
                    failed += 1
                    status[key] = {"status": "failed", "error": outcome["error"], "runtime_s": outcome["runtime_s"]}
                    bar.write(f"workbench: {p.label()} FAILED: {outcome['error']} "
                              f"(log: {p.folder(pl.out_dir) / 'run.log'})", file=sys.stderr)
                bar.update(1)
        bar.set_postfix_str(f"done {done + len(pl.skipped)}, failed {failed}")
        return 0
    except KeyboardInterrupt:
        signal.signal(signal.SIGINT, signal.SIG_IGN)   # a second Ctrl-C must not cut the clean-up short
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        name = received[0] if received else "SIGINT"
        print(f"\nworkbench: {name}: cancelling {len(pending)} run(s) and stopping Ray", file=sys.stderr)
        for p in pl.todo:   # every point that did not finish, started or not
            status.setdefault(f"{p.slug}/{p.name}", {"status": "cancelled"})
        for ref in pending:
            try:
                ray.cancel(ref)   # KeyboardInterrupt in the task: its guard ends the run's processes
            except Exception:
                pass
        if pending:
            ray.wait(list(pending), num_returns=len(pending), timeout=15)
        return 143 if name == "SIGTERM" else 130
    finally:
        if bar is not None:
            bar.close()
        if ray.is_initialized():
            ray.shutdown()   # disconnect; a cluster keeps running
        kill_processes(sweep_token)   # the local Ray's daemons and anything else carrying this sweep's token
        for stray in Path(tempfile.gettempdir()).glob(f"workbench-sweep-{sweep_token}-*"):   # runs cut short
            shutil.rmtree(stray, ignore_errors=True)
        os.environ.pop(TOKEN_VAR, None)
        for s, h in previous.items():
            signal.signal(s, h)


RAY_START_TRIES = 3
RAY_START_NICE = -10


def _session_nice(nice: int | None = None) -> int | None:
    """This session's scheduling weight (Linux autogroup nice); set it if `nice` is given. Returns the
    previous value, or None where autogroups or the permission to raise the weight (root) are missing."""
    path = Path("/proc/self/autogroup")
    try:
        previous = int(path.read_text().split("nice")[1])
        if nice is not None:
            path.write_text(str(nice))
        return previous
    except (OSError, ValueError, IndexError):
        return None


def _start_local_ray(ray, num_cpus: int, sweep_token: str) -> None:
    """ray.init for a local Ray, with its daemons carrying the sweep's token (set in os.environ first).

    On a loaded machine Ray's raylet gives up waiting for its agent after a fixed 15 s
    (ray-project/ray#65983): under Linux's per-session CPU fairness (autogroups) the half-dozen Python
    daemons Ray starts share one session's slice, and the agent's imports alone take ~20 s at load 15 on
    2 cores (3 s with the boost). So for the start only, this session's weight is raised (where permitted),
    then put back before any run starts; each failed try's processes are ended before the next."""
    for attempt in range(1, RAY_START_TRIES + 1):
        previous = _session_nice(RAY_START_NICE)
        try:
            ray.init(address="local", num_cpus=num_cpus, include_dashboard=False, log_to_driver=False,
                     object_store_memory=300 * 2 ** 20, logging_level="ERROR")
            return
        except Exception as e:   # Ray raises a bare Exception on a startup timeout
            if ray.is_initialized():
                ray.shutdown()
            kill_processes(sweep_token)
            if attempt == RAY_START_TRIES:
                raise WorkbenchError(f"a local Ray did not start after {attempt} tries "
                                     f"({str(e).splitlines()[0]}); is the machine overloaded? "
                                     "See /tmp/ray/session_latest/logs/raylet.out") from None
            print(f"workbench: Ray did not start ({str(e).splitlines()[0][:80]}); trying again", file=sys.stderr)
        finally:
            if previous is not None:
                _session_nice(previous)


def _write_manifest(pl: Plan, status: dict, n_seeds: int) -> None:
    points = [{"slug": p.slug, "point": p.name, "seed": p.seed, "params": dict(p.values),
               "dir": str(p.folder(pl.out_dir).relative_to(pl.out_dir)), **status.get(f"{p.slug}/{p.name}", {})}
              for p in pl.points]
    data = {"slugs": sorted({p.slug for p in pl.points}), "scale": pl.scale, "seeds": n_seeds,
            "grid": {k: v for k, v in pl.grid}, "points": points}
    atomic_write_text(pl.out_dir / "sweep.json", json.dumps(data, indent=2))


def _main(argv: list[str]) -> int:
    # python -m workbench.sweep _guard TOKEN -- CMD...   (started by run_point on a Ray node)
    if len(argv) >= 3 and argv[0] == "_guard" and argv[2] == "--":
        return guard(argv[1], argv[3:])
    print("usage: workbench sweep ... (this module's own entry point is internal)", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(_main(sys.argv[1:]))
