"""`workbench sweep`: the grid, its checks before any work, the guard that ends a run's processes, and
real sweeps on a local Ray at smoke scale (2 notebooks x 2 seeds, a parameter list with a point that
fails in its kernel, a rerun that skips, an interrupted sweep that leaves no process behind)."""
import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import pytest

from workbench import WorkbenchError, sweep
from workbench.paths import REPO_ROOT


def _cli(*args, env=None, timeout=600):
    t0 = time.time()
    out = subprocess.run([sys.executable, "-m", "workbench.cli", *args], capture_output=True, text=True,
                         timeout=timeout, env=env, cwd=REPO_ROOT)
    return out, time.time() - t0


def _marked(var: str, value: str) -> list[int]:
    """Pids whose environment has var=value."""
    needle = f"{var}={value}".encode()
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if needle in (entry / "environ").read_bytes().split(b"\0"):
                    found.append(int(entry.name))
            except OSError:
                pass
    return found


def test_values_split_on_top_level_commas():
    assert sweep.split_values("59, 97") == ["59", "97"]
    assert sweep.split_values("('add','sub'),('mul',)") == ["('add','sub')", "('mul',)"]
    assert sweep.split_values("'a,b',c") == ["'a,b'", "c"]
    with pytest.raises(WorkbenchError, match="empty value"):
        sweep.split_values("1,,2")


def test_grid_is_checked_before_any_work(tmp_path):
    with pytest.raises(WorkbenchError, match="--seeds"):
        sweep.parse_grid(["seed=1,2"])
    with pytest.raises(WorkbenchError, match="given twice"):
        sweep.parse_grid(["p=59", "p=97"])
    for args, message in [(["-p", "nope=1,2"], "unknown parameter 'nope'"),
                          (["-p", "p=59,abc"], "bad value for 'p'"),
                          (["-p", "p=58"], "odd number"),
                          (["--seeds", "0"], "at least one seed")]:
        seeds = [] if "--seeds" in args else ["--seeds", "2"]
        out, _ = _cli("sweep", "grokking", "--scale", "smoke", *seeds, *args, "--out", str(tmp_path / "s"))
        assert out.returncode == 2 and message in out.stderr, out.stderr
        assert not (tmp_path / "s").exists()   # nothing started, nothing written


def test_plan_names_points_and_skips_finished_ones(tmp_path):
    pl = sweep.plan(["grokking"], "smoke", 2, ["p=23,29", "ops=('add',),('add','mul')"], tmp_path)
    names = [p.name for p in pl.points]
    assert len(names) == 8 and names[0] == "seed=0,p=23,ops=add" and "seed=1,p=29,ops=add_mul" in names
    assert pl.points[0].pairs == ["seed=0", "p=23", "ops=('add',)"]
    done = pl.points[3].folder(tmp_path) / "results.json"
    done.parent.mkdir(parents=True)
    done.write_text(json.dumps({"scale": "smoke"}))
    assert [p.name for p in sweep.plan(["grokking"], "smoke", 2, ["p=23,29", "ops=('add',),('add','mul')"], tmp_path).skipped] == [pl.points[3].name]
    assert not sweep.plan(["grokking"], "cpu", 2, ["p=23,29", "ops=('add',),('add','mul')"], tmp_path).skipped  # other scale


def test_guard_ends_what_its_run_started_even_in_new_sessions():
    # the run starts a child in a session of its own (as Jupyter starts kernels), then hangs
    token = f"test-{uuid.uuid4().hex[:8]}"
    child = ("import subprocess, sys, time; subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(300)'], "
             "start_new_session=True); time.sleep(300)")
    guard = subprocess.Popen([sys.executable, "-m", "workbench.sweep", "_guard", token, "--", sys.executable, "-c", child],
                             env={**os.environ, "PYTHONPATH": str(REPO_ROOT)})
    deadline = time.time() + 30
    while len(sweep.processes_with(token)) < 2 and time.time() < deadline:
        time.sleep(0.2)
    assert len(sweep.processes_with(token)) == 2
    guard.send_signal(signal.SIGTERM)
    assert guard.wait(timeout=20) != 0
    assert sweep.processes_with(token) == []


@pytest.mark.slow
def test_sweep_two_notebooks_two_seeds_then_rerun_skips(tmp_path):
    out_dir = tmp_path / "sweep"
    args = ("sweep", "grokking", "compwob", "--scale", "smoke", "--seeds", "2", "--out", str(out_dir), "--jobs", "2")
    out, _ = _cli(*args)
    assert out.returncode == 0, out.stderr[-3000:]
    for slug in ("grokking", "compwob"):
        for seed in (0, 1):
            folder = out_dir / f"seed={seed}" / slug
            data = json.loads((folder / "results.json").read_text())
            assert data["params"]["seed"] == seed and data["scale"] == "smoke" and data["metrics"]
            assert (folder / "report.html").exists() and (folder / f"{slug}.ipynb").exists()
    manifest = json.loads((out_dir / "sweep.json").read_text())
    assert sorted(p["status"] for p in manifest["points"]) == ["done"] * 4
    page = (out_dir / "index.html").read_text()
    assert page.count("<td>smoke</td><td>2</td>") == 2   # one setting per notebook, judged over 2 seeds
    assert re.search(r"\d+ hold, \d+ fail, \d+ inconclusive", page) and "resamples" in page
    assert page.count("seed 1</a>") == 2   # one setting per notebook, each over seeds 0 and 1
    # a rerun finds every point finished: nothing runs, no Ray starts
    again, seconds = _cli(*args)
    assert again.returncode == 0 and "4 already done, 0 to run" in again.stderr, again.stderr[-2000:]
    assert seconds < 60


@pytest.mark.slow
def test_sweep_parameter_list_with_a_point_that_fails(tmp_path):
    out_dir = tmp_path / "sweep"
    # a dataset file that does not exist passes Config validation (the Config checks the spec's form, the
    # loader the file), so this point fails inside its kernel while the other runs
    out, _ = _cli("sweep", "readagent", "--scale", "smoke", "--seeds", "1", "-p", "dataset=generated,quality:no-such-file.jsonl",
                  "--out", str(out_dir), "--jobs", "2")
    assert out.returncode == 1, out.stderr[-3000:]
    good_point, bad_point = "seed=0,dataset=generated", "seed=0,dataset=quality_no-such-file.jsonl"
    good, bad = out_dir / good_point / "readagent", out_dir / bad_point / "readagent"
    assert json.loads((good / "results.json").read_text())["params"]["dataset"] == "generated"
    assert not (bad / "results.json").exists()
    assert {"run.log", "report.html", "readagent.ipynb"} <= {p.name for p in bad.iterdir()}
    assert "no-such-file.jsonl: no such file" in out.stderr and "1 run(s) failed" in out.stderr
    status = {p["point"]: p for p in json.loads((out_dir / "sweep.json").read_text())["points"]}
    assert status[good_point]["status"] == "done"
    assert status[bad_point]["status"] == "failed"
    assert str(bad) in status[bad_point]["error"]   # the kept copy is named where it is
    assert "no such file" in (out_dir / "index.html").read_text()


@pytest.mark.slow
def test_interrupted_sweep_leaves_no_process_behind(tmp_path):
    mark = uuid.uuid4().hex
    env = {**os.environ, "WORKBENCH_TEST_MARK": mark}
    started = time.time()
    # long runs (no early stop), so they are still running when the sweep is interrupted
    proc = subprocess.Popen([sys.executable, "-m", "workbench.cli", "sweep", "grokking", "--scale", "smoke",
                             "--seeds", "2", "-p", "steps=200000", "-p", "stop_after_grok=-1",
                             "--out", str(tmp_path / "sweep"), "--jobs", "2"],
                            env=env, cwd=REPO_ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.time() + 240
        kernels = []
        while time.time() < deadline and not kernels:
            time.sleep(1)
            kernels = [p for p in _marked("WORKBENCH_TEST_MARK", mark)
                       if b"ipykernel" in Path(f"/proc/{p}/cmdline").read_bytes()] if proc.poll() is None else []
            assert proc.poll() is None, proc.stderr.read()[-2000:]
        assert kernels, "no kernel started within 240 s"
        ray_daemons = [p for p in _marked("WORKBENCH_TEST_MARK", mark)
                       if any(n in Path(f"/proc/{p}/cmdline").read_bytes() for n in (b"raylet", b"gcs_server"))]
        assert ray_daemons   # the check below can see Ray's daemons
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=90) == 143
        assert "cancelling" in proc.stderr.read()
        deadline = time.time() + 20
        while _marked("WORKBENCH_TEST_MARK", mark) and time.time() < deadline:
            time.sleep(0.5)
        left = _marked("WORKBENCH_TEST_MARK", mark)
        assert not left, [Path(f"/proc/{p}/cmdline").read_bytes()[:80] for p in left]
        manifest = json.loads((tmp_path / "sweep" / "sweep.json").read_text())
        assert {p["status"] for p in manifest["points"]} == {"cancelled"}
        assert not [p for p in Path(tempfile.gettempdir()).glob("workbench-sweep-*") if p.stat().st_mtime > started]
    finally:
        if proc.poll() is None:
            proc.kill()
        for pid in _marked("WORKBENCH_TEST_MARK", mark):
            os.kill(pid, signal.SIGKILL)
