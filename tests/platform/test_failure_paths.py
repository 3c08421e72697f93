"""What a new user hit when things went wrong: SIGTERM and Ctrl-C leave nothing running, a dead
kernel is one line and `run all` goes on, unwritable folders are found before any work.

The CLI runs on small notebooks written here: `registry.NOTEBOOK_DIR` points at tmp_path (in a subprocess
through RUN_CLI, so that the test can send it signals), with the real runner, papermill and kernels."""
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from support import make_notebook
from workbench import cli, registry

PARAMS = ("code", 'scale = "cpu"\noverrides = {}\nresults_dir = ""', ["parameters"])
RUN_CLI = ("import sys; from pathlib import Path; from workbench import registry, cli; "
           "registry.NOTEBOOK_DIR = Path(sys.argv[1]); sys.exit(cli.main(sys.argv[2:]))")
HAS_CHROMIUM = bool(shutil.which("chromium") and shutil.which("chromedriver"))


def _stat(pid):
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = text[text.rindex(")") + 2:].split()
    return int(fields[1]), fields[0]  # parent, state


def descendants(root):
    """Every process below `root` by parent links (an independent walk, not the runner's)."""
    parents = {int(p): st[0] for p in os.listdir("/proc") if p.isdigit() and (st := _stat(p))}
    found, frontier = set(), [root]
    while frontier:
        pid = frontier.pop()
        kids = {c for c, pp in parents.items() if pp == pid} - found
        found |= kids
        frontier.extend(kids)
    return found


def alive(pid):
    st = _stat(pid)
    return st is not None and st[1] != "Z"


def cmdline(pid):
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return ""


def cli_env(tmp_path):
    return dict(os.environ, WORKBENCH_CACHE=str(tmp_path / "cache"), WORKBENCH_HEADLESS="1")


def _wait_until_started(proc, marker, with_chromium):
    """Wait for the notebook to start its processes; return (every process under the CLI, the kernel's
    connection file)."""
    deadline = time.time() + 180
    while not marker.exists():
        assert proc.poll() is None, proc.stderr.read()
        assert time.time() < deadline, "the notebook never started its processes"
        time.sleep(0.2)
    started = json.loads(marker.read_text())
    argv = cmdline(started["kernel"]).split()
    connection = Path(argv[argv.index("-f") + 1])  # papermill's kernels: a tmpXXXX.json in $TMPDIR
    assert connection.exists()
    time.sleep(0.5)
    before = descendants(proc.pid) | {started["orphan"]}  # the orphan was re-parented away from the kernel
    assert started["kernel"] in before and all(alive(p) for p in (started["kernel"], started["orphan"]))
    if with_chromium:
        assert any("chrom" in cmdline(p) for p in before), "no Chromium was running under the kernel"
    return before, connection


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_a_signal_stops_the_kernel_and_everything_it_started(tmp_path, signum):
    with_chromium = signum == signal.SIGTERM and HAS_CHROMIUM  # compwob's case: a real browser under the kernel
    nbdir = tmp_path / "notebooks"
    nbdir.mkdir()
    make_notebook(nbdir / "grokking.ipynb", [PARAMS, ("code", f"""
import json, os, pathlib, subprocess, time
child = subprocess.Popen(["sleep", "300"])
orphan = subprocess.run(["bash", "-c", "sleep 301 >/dev/null 2>&1 & echo $!"], capture_output=True, text=True).stdout
if {with_chromium}:
    from workbench.web.env import WebEnv
    env = WebEnv("click-button")
    env.reset(seed=0)
pathlib.Path(results_dir, "started.json").write_text(json.dumps({{"kernel": os.getpid(), "orphan": int(orphan)}}))
time.sleep(300)
""")])
    out = tmp_path / "out"
    proc = subprocess.Popen([sys.executable, "-c", RUN_CLI, str(nbdir), "run", "grokking", "--scale", "smoke",
                             "--out", str(out)], stderr=subprocess.PIPE, text=True, env=cli_env(tmp_path))
    try:
        before, connection = _wait_until_started(proc, out / "grokking" / "started.json", with_chromium)
        os.kill(proc.pid, signum)
        _, err = proc.communicate(timeout=60)
    finally:  # a failure above must not leave the CLI and its kernel running
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()

    assert proc.returncode == (130 if signum == signal.SIGINT else 128 + signum), err
    assert "Traceback" not in err, err
    said = [line for line in err.splitlines() if "interrupted" in line]
    assert len(said) == 1 and ("Ctrl-C" if signum == signal.SIGINT else "SIGTERM") in said[0], err
    deadline = time.time() + 10
    while any(map(alive, before)) and time.time() < deadline:
        time.sleep(0.1)
    assert not [f"{p}: {cmdline(p)}" for p in before if alive(p)], "processes left behind"
    assert not connection.exists(), "the kernel's connection file was left behind"


def test_a_dead_kernel_is_one_line_and_run_all_goes_on(tmp_path, monkeypatch, capsys):
    """An out-of-memory kill, simulated by SIGKILL from inside a cell: one line naming the notebook and the cell;
    the next notebook still runs and the scorecard is still written."""
    nbdir = tmp_path / "notebooks"
    nbdir.mkdir()
    make_notebook(nbdir / "grokking.ipynb", [PARAMS, ("code", "x = 1"),
                                             ("code", "import os, signal\nos.kill(os.getpid(), signal.SIGKILL)")])
    make_notebook(nbdir / "gdpo.ipynb", [PARAMS, ("code", "from workbench import notebook\n"
                                                          "run = notebook.start('gdpo', scale, overrides, results_dir)"),
                                         ("code", "run.finish([], {}, answer=42)")])
    monkeypatch.setattr(registry, "NOTEBOOK_DIR", nbdir)
    monkeypatch.setenv("WORKBENCH_CACHE", str(tmp_path / "cache"))
    out = tmp_path / "out"

    rc = cli.main(["run", "all", "--scale", "smoke", "--out", str(out)])

    err = capsys.readouterr().err
    assert rc == 1, err
    errors = [line for line in err.splitlines() if line.startswith("workbench: error: grokking")]
    assert len(errors) == 1 and "kernel died" in errors[0] and "code cell 3" in errors[0], err
    assert "Traceback" not in err
    assert (out / "grokking" / "grokking.ipynb").exists()            # the executed copy is kept
    assert json.loads((out / "gdpo" / "results.json").read_text())["metrics"] == {"answer": 42}
    assert (out / "index.html").exists()                             # the scorecard


def make_read_only(path: Path, request) -> None:
    """A folder nobody may write into. Root ignores permission bits (chmod 0500 stays writable for it), so as root
    the folder is made immutable (chattr +i) instead; skip where neither works."""
    if os.geteuid() == 0:
        if subprocess.run(["chattr", "+i", str(path)], capture_output=True).returncode != 0:
            pytest.skip("running as root without chattr +i: cannot make a read-only folder")
        request.addfinalizer(lambda: subprocess.run(["chattr", "-i", str(path)]))
    else:
        path.chmod(0o500)
        request.addfinalizer(lambda: path.chmod(0o700))
    try:
        (path / ".probe").touch()
    except OSError:
        return
    (path / ".probe").unlink()
    pytest.skip("could not make a read-only folder here")


def cli_run(tmp_path, *args, env=None):
    return subprocess.run([sys.executable, "-m", "workbench.cli", *args], capture_output=True, text=True,
                          timeout=120, env=env or cli_env(tmp_path))


def one_line_error(out, code=2):
    assert out.returncode == code, out.stderr
    assert "Traceback" not in out.stderr and len(out.stderr.strip().splitlines()) == 1, out.stderr
    return out.stderr


def test_out_naming_a_file_is_one_line_and_touches_nothing(tmp_path):
    target = tmp_path / "a-file"
    target.write_text("keep me")
    for out in (target, target / "sub"):
        err = one_line_error(cli_run(tmp_path, "run", "grokking", "--scale", "smoke", "--out", str(out)))
        assert str(target) in err
    assert target.read_text() == "keep me"
    assert {p.name for p in tmp_path.iterdir()} <= {"a-file", "cache"}  # the cache folder is checked first


def test_out_in_a_read_only_folder_is_one_line(tmp_path, request):
    ro = tmp_path / "ro"
    ro.mkdir()
    make_read_only(ro, request)
    err = one_line_error(cli_run(tmp_path, "run", "grokking", "--scale", "smoke", "--out", str(ro)))
    assert "not writable" in err and str(ro) in err
    assert not list(ro.iterdir())


def test_report_into_a_read_only_run_folder_is_one_line(tmp_path, request):
    run_dir = tmp_path / "run"
    (run_dir / "grokking").mkdir(parents=True)
    (run_dir / "grokking" / "results.json").write_text(json.dumps(
        {"slug": "grokking", "scale": "smoke", "seed": 0, "params": {}, "runtime_s": 1.0, "versions": {},
         "metrics": {}, "claims": []}))
    make_read_only(run_dir, request)
    err = one_line_error(cli_run(tmp_path, "report", str(run_dir)))
    assert "not writable" in err
    assert sorted(p.name for p in run_dir.iterdir()) == ["grokking"]


def test_an_unwritable_cache_is_found_before_any_work(tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    env = dict(cli_env(tmp_path), WORKBENCH_CACHE=str(blocker / "cache"))  # a folder under a file: works as root too
    out = tmp_path / "out"
    err = one_line_error(cli_run(tmp_path, "run", "grokking", "--scale", "smoke", "--out", str(out), env=env))
    assert "$WORKBENCH_CACHE" in err
    assert not out.exists()  # no kernel started, nothing written
