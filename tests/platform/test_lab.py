"""`workbench lab` in headless Chromium: a notebook runs with the live dashboard, saves thin, reopens with its figure.

The test serves a temporary root holding notebooks/labcheck.ipynb (smoke parameters, a Dashboard with
two runs in two panels) through the real `workbench lab` command, runs it from Lab's Run menu, sees the
FigureWidget and the bar render, lets the loop finish (it stops early on purpose), saves with Ctrl-S,
then checks: the tracked-style file is byte-for-byte the thin original, the outputs went to
runs/lab/labcheck/labcheck.ipynb with the static figure in place of the widgets, and that copy reopens
in Lab with the figure drawn. A gist-style table reads from the left. Lab and every kernel it started are gone
at the end.
"""
import json
import logging
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from types import SimpleNamespace

import nbformat
import pytest

from workbench import cli, lab as wlab
from workbench.paths import NOTEBOOK_DIR, REPO_ROOT

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMEDRIVER = shutil.which("chromedriver")
needs_chromium = pytest.mark.skipif(not (CHROMIUM and CHROMEDRIVER), reason="Debian chromium + chromium-driver not installed")

DEADLINE_S = 60  # per wait; a loaded 2-core machine needs ~30 s to load Lab and start a kernel

CELLS = [
    ("markdown", "# Lab check\nA Dashboard in a real browser.", None),
    ("code", 'scale = "smoke"\noverrides = {}\nresults_dir = ""', ["parameters"]),
    ("code", "import time\nfrom pathlib import Path\nfrom workbench.progress import Dashboard\n"
             "dash = Dashboard('lab check', total=40, panels={'loss': ['a/train/loss', 'b/train/loss'],\n"
             "                                                'acc': ['a/eval/acc', 'b/eval/acc']}, min_interval_s=0)\n"
             "for step in range(0, 31, 10):  # stops at 30 of 40, on purpose\n"
             "    dash(step, {'a/train/loss': 1 / (step + 1), 'b/train/loss': 2 / (step + 1),\n"
             "                'a/eval/acc': step / 40, 'b/eval/acc': step / 80, 'a/attn/x': 0.5})", None),
    ("code", "# the test creates this file once it has seen the live widgets\n"
             "deadline = time.time() + 300\n"
             "while not Path('../release').exists() and time.time() < deadline:\n"
             "    time.sleep(0.1)\n"
             "_ = dash.close()", None),
    ("code", 'print(f"finished at scale={scale}")', None),
    ("code", "from IPython.display import HTML\nfrom workbench.papers.readagent.viz import TABLE_CSS\n"
             "HTML(TABLE_CSS + \"<table class='wb-text'><tr><th>page</th><td>a long gist, read from the left</td></tr></table>\")",
     None),
]


# --- the command line and the save hook, without a browser ---------------------------------------------------

def _lab_argv(monkeypatch, argv: list[str], uid: int) -> list[str]:
    """The command `workbench lab ARGV` would exec (exec itself swapped for a recorder)."""
    seen = []
    monkeypatch.setattr(cli.os, "execvp", lambda exe, args: seen.append(args))
    monkeypatch.setattr(cli.os, "getuid", lambda: uid)
    cli.main(["lab", *argv])
    return seen[0]


def test_lab_passes_jupyter_options_through(monkeypatch):
    for argv in (["--port", "8899", "--no-browser"], ["--", "--port", "8899", "--no-browser"]):
        cmd = _lab_argv(monkeypatch, argv, uid=1000)
        assert cmd[1:3] == ["-m", "jupyterlab"] and cmd[-3:] == ["--port", "8899", "--no-browser"], cmd
        assert "--ContentsManager.pre_save_hook=workbench.lab.pre_save" in cmd and "--allow-root" not in cmd
        assert f"--ServerApp.root_dir={REPO_ROOT}" in cmd and "--LabApp.default_url=/lab/tree/notebooks" in cmd
    as_root = _lab_argv(monkeypatch, ["--ip=0.0.0.0"], uid=0)
    assert as_root.count("--allow-root") == 1 and as_root[-1] == "--ip=0.0.0.0"
    assert _lab_argv(monkeypatch, ["--allow-root"], uid=0).count("--allow-root") == 1
    elsewhere = _lab_argv(monkeypatch, ["--notebook-dir=/srv/nb"], uid=1000)  # the user's root, not ours
    assert not any(a.startswith(("--ServerApp.root_dir", "--LabApp.default_url")) for a in elsewhere)


def test_tracked_notebooks_are_what_the_save_hook_writes():
    for path in sorted(NOTEBOOK_DIR.glob("*.ipynb")):
        nb = json.loads(path.read_text())
        assert wlab.thin(nb, nb["metadata"]) == nb, f"{path.name} would change on its first save from Lab"


def test_save_hook_stores_thin_and_keeps_outputs(tmp_path):
    (tmp_path / "notebooks").mkdir()
    original = _notebook()
    (tmp_path / "notebooks" / "demo.ipynb").write_text(original)
    ran = json.loads(original)  # what Lab sends after a run: outputs, counts, a kernel's metadata
    ran["metadata"]["kernelspec"]["display_name"] = "Python 3 (ipykernel)"
    ran["metadata"]["language_info"].update(version="3.11.7", mimetype="text/x-python")
    ran["metadata"]["widgets"] = {"application/vnd.jupyter.widget-state+json": {"state": {}}}
    for i, cell in enumerate(c for c in ran["cells"] if c["cell_type"] == "code"):
        cell.update(execution_count=i + 1, outputs=[{"output_type": "stream", "name": "stdout", "text": "hi\n"}])
        cell["metadata"].update(execution={"iopub.status.idle": "2026-12-01T10:00:00Z"}, scrolled=True)
    manager = SimpleNamespace(root_dir=str(tmp_path), log=logging.getLogger("test_lab"))

    model = {"type": "notebook", "content": json.loads(json.dumps(ran))}
    wlab.pre_save(model=model, path="notebooks/demo.ipynb", contents_manager=manager)
    assert nbformat.writes(nbformat.from_dict(model["content"])) + "\n" == original  # byte for byte
    kept = nbformat.read(str(tmp_path / "runs" / "lab" / "demo" / "demo.ipynb"), as_version=4)
    assert [c.get("execution_count") for c in kept.cells if c.cell_type == "code"] == [1, 2, 3, 4, 5]
    assert kept.cells[2].outputs[0]["text"] == "hi\n"

    model = {"type": "notebook", "content": json.loads(json.dumps(ran))}  # elsewhere: saved as it is
    wlab.pre_save(model=model, path="runs/lab/demo/demo.ipynb", contents_manager=manager)
    assert model["content"] == ran


# --- JupyterLab in headless Chromium -----------------------------------------------------------------------

def _notebook() -> str:
    nb = nbformat.v4.new_notebook()
    nb.metadata = {"kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
                   "language_info": {"name": "python"}}
    for kind, source, tags in CELLS:
        cell = nbformat.v4.new_markdown_cell(source) if kind == "markdown" else nbformat.v4.new_code_cell(source)
        if tags:
            cell.metadata["tags"] = tags
        nb.cells.append(cell)
    return nbformat.writes(nb) + "\n"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _cells(driver, n: int = len(CELLS)):
    """The notebook's cells as OUTPUTS_JS sees them, or None while Lab has not drawn all of them."""
    cells = driver.execute_script(OUTPUTS_JS)
    return cells if len(cells) == n else None


def _wait_cells(driver, what: str, cond, server):
    """Poll the notebook's cells until `cond(cells)`; on timeout the failure shows the last cells seen."""
    last = []

    def check():
        last[:] = [_cells(driver) or []]
        return last[0] if last[0] and cond(last[0]) else None

    try:
        return _poll(what, check, server=server)
    except pytest.fail.Exception:
        pytest.fail(f"timed out waiting for {what}; cells: {last[0] if last else None}")


def _poll(what: str, check, deadline_s: float = DEADLINE_S, every_s: float = 0.25, server=None):
    """Call `check()` until it returns something truthy; fail after the deadline, or at once if Lab died."""
    end = time.time() + deadline_s
    while time.time() < end:
        if server is not None and server.poll() is not None:
            pytest.fail(f"Lab exited ({server.returncode}) while waiting for {what}")
        value = check()
        if value:
            return value
        time.sleep(every_s)
    pytest.fail(f"timed out after {deadline_s:.0f} s waiting for {what}; last seen: {str(value)[:2000]}")


def _api(port: int, token: str, path: str, method: str = "GET"):
    req = urllib.request.Request(f"http://127.0.0.1:{port}{path}", method=method,
                                 headers={"Authorization": f"token {token}"})
    with urllib.request.urlopen(req, timeout=10) as r:
        body = r.read()
    return json.loads(body) if body else None


def _git_status_notebooks() -> str:
    return subprocess.run(["git", "status", "--porcelain", "--", "notebooks"], cwd=REPO_ROOT,
                          capture_output=True, text=True).stdout


@pytest.fixture
def lab(tmp_path):
    """`workbench lab` on tmp_path (a root with notebooks/labcheck.ipynb); stops Lab and its kernels after."""
    (tmp_path / "notebooks").mkdir()
    thin = _notebook()
    (tmp_path / "notebooks" / "labcheck.ipynb").write_text(thin)
    port, token = _free_port(), secrets.token_hex(16)
    env = {k: v for k, v in os.environ.items() if k != "WORKBENCH_HEADLESS"}  # the kernel must draw live widgets
    env.update(PYTHONPATH=os.pathsep.join([str(REPO_ROOT), env.get("PYTHONPATH", "")]),
               JUPYTER_CONFIG_DIR=str(tmp_path / "jupyter-config"), JUPYTER_RUNTIME_DIR=str(tmp_path / "runtime"),
               JUPYTERLAB_SETTINGS_DIR=str(tmp_path / "lab-settings"),
               JUPYTERLAB_WORKSPACES_DIR=str(tmp_path / "lab-workspaces"), IPYTHONDIR=str(tmp_path / "ipython"))
    # every cell in the DOM (Lab 4 otherwise leaves cells outside the viewport undrawn)
    tracker = tmp_path / "lab-settings" / "@jupyterlab" / "notebook-extension" / "tracker.jupyterlab-settings"
    tracker.parent.mkdir(parents=True)
    tracker.write_text(json.dumps({"windowingMode": "none"}))
    log = open(tmp_path / "lab.log", "w")
    server = subprocess.Popen(
        [sys.executable, "-m", "workbench.cli", "lab", "--no-browser", "--ip=127.0.0.1", f"--port={port}",
         f"--IdentityProvider.token={token}", f"--notebook-dir={tmp_path}",
         "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate", "--LabApp.expose_app_in_browser=True"],
        env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        _poll("Lab to answer", lambda: _ok(lambda: _api(port, token, "/api/status")), server=server)
        yield dict(root=tmp_path, port=port, token=token, thin=thin, server=server)
    finally:
        spawned = _descendants(server.pid)  # the kernels, before Jupyter stops them
        try:
            for k in _api(port, token, "/api/kernels"):
                _api(port, token, f"/api/kernels/{k['id']}", method="DELETE")
        except OSError:
            pass
        if server.poll() is None:
            server.send_signal(signal.SIGTERM)  # Jupyter stops cleanly, kernels included
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait(timeout=10)
        log.close()
        leftovers = [pid for pid in spawned if _alive(pid)]
        for pid in leftovers:
            os.kill(pid, signal.SIGKILL)
        assert not leftovers, f"Lab left processes behind: {leftovers}"


def _descendants(pid: int) -> list[int]:
    """Every process below `pid` (kernels run in their own session, but are still Jupyter's children)."""
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            ppid = int(stat.read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
        children.setdefault(ppid, []).append(int(stat.parent.name))
    found, todo = [], [pid]
    while todo:
        kids = children.get(todo.pop(), [])
        found += kids
        todo += kids
    return found


def _alive(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except (OSError, IndexError):
        return False


def _ok(fn):
    try:
        return fn() or True
    except OSError:
        return False


@pytest.fixture
def browser():
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    os.environ["SE_OFFLINE"] = "true"
    opts = webdriver.ChromeOptions()
    opts.binary_location = CHROMIUM
    for arg in ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--window-size=1400,1000",
                "--disable-background-networking", "--disable-component-update", "--no-first-run",
                # nothing but this machine: remote hosts resolve to nothing (Lab itself is on 127.0.0.1)
                "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1"]:
        opts.add_argument(arg)
    driver = webdriver.Chrome(options=opts, service=Service(CHROMEDRIVER))
    try:
        yield driver
    finally:
        driver.quit()


# each cell as Lab has it: its outputs' kinds from the notebook model (what a save writes) and, from the DOM,
# the plotly figures and progress bars actually drawn
WIDGET, PLOTLY = "application/vnd.jupyter.widget-view+json", "application/vnd.plotly.v1+json"
OUTPUTS_JS = """
const panel = window.jupyterapp && window.jupyterapp.shell.currentWidget;
if (!panel || !panel.content || !panel.content.model) return [];
const kind = o => !o.data ? o.output_type : ['%s', '%s', 'text/plain'].find(k => k in o.data) || Object.keys(o.data)[0];
return panel.content.widgets.map(cell => ({
  kinds: cell.model.outputs ? cell.model.outputs.toJSON().map(kind) : [],
  svgs: cell.node.querySelectorAll('.jp-OutputArea .js-plotly-plot svg.main-svg').length,
  traces: cell.node.querySelectorAll('.jp-OutputArea .js-plotly-plot .scatterlayer .trace').length,
  // a reopened notebook is not trusted, so plotly's Lab extension shows the figure as the image it saved
  figures: cell.node.querySelectorAll('.jp-OutputArea .jp-RenderedPlotly :is(svg.main-svg, img.plot-img)').length,
  bars: cell.node.querySelectorAll('.jp-OutputArea .widget-hprogress').length,
  text: (cell.node.querySelector('.jp-OutputArea') || {innerText: ''}).innerText,
  align: Array.from(cell.node.querySelectorAll('.jp-OutputArea td, .jp-OutputArea th')).map(e => getComputedStyle(e).textAlign),
  prompt: (cell.node.querySelector('.jp-InputPrompt') || {innerText: ''}).innerText}));
""" % (WIDGET, PLOTLY)


def _command(driver, command: str) -> bool:
    """Run a Lab command (what a menu entry or shortcut runs); needs --LabApp.expose_app_in_browser."""
    return driver.execute_script("""
        const app = window.jupyterapp;
        if (!app || !app.commands.isEnabled(arguments[0])) return false;
        app.commands.execute(arguments[0]);
        return true;""", command)


def _kernel_ready(driver, port: int, token: str) -> bool:
    """The open notebook's kernel is idle and is the only one the server runs (Lab may replace its first one)."""
    mine = driver.execute_script(
        "const w = window.jupyterapp && window.jupyterapp.shell.currentWidget;"
        "const k = w && w.sessionContext && w.sessionContext.session && w.sessionContext.session.kernel;"
        "return k ? [k.id, k.status] : null;")
    return bool(mine and mine[1] == "idle" and [k["id"] for k in _api(port, token, "/api/kernels")] == [mine[0]])


@pytest.mark.slow
@needs_chromium
def test_lab_runs_dashboard_saves_thin_and_reopens_with_figure(lab, browser):
    root, port, token, server = lab["root"], lab["port"], lab["token"], lab["server"]
    repo_before = _git_status_notebooks()
    tracked = root / "notebooks" / "labcheck.ipynb"
    kept = root / "runs" / "lab" / "labcheck" / "labcheck.ipynb"
    DASH, PRINT, TABLE = 2, 4, 5  # cells: narrative, parameters, the loop (its outputs), close, print, a gist table

    browser.get(f"http://127.0.0.1:{port}/lab/tree/notebooks/labcheck.ipynb?token={token}")
    _poll("the notebook and its kernel", lambda: _kernel_ready(browser, port, token), server=server)
    assert _command(browser, "notebook:run-all-cells")  # Run > Run All Cells

    # live: the bar and the FigureWidget render while the close cell waits for us
    live = _wait_cells(browser, "the live FigureWidget and bar",
                       lambda o: o[DASH]["kinds"].count(WIDGET) == 2 and o[DASH]["svgs"] and o[DASH]["bars"], server)
    assert PLOTLY not in live[DASH]["kinds"] and "attn" not in live[DASH]["text"], live[DASH]
    (root / "release").touch()

    out = _wait_cells(browser, "the run to finish", lambda o: o[TABLE]["align"], server)
    assert "finished at scale=smoke" in out[PRINT]["text"]
    assert out[TABLE]["align"] == ["left", "left"]  # Lab right-aligns table cells unless told
    dash = out[DASH]
    # closed: the widget views were replaced in place by one complete line and the static figure
    assert dash["kinds"] == ["text/plain", PLOTLY] and dash["bars"] == 0, dash
    assert dash["traces"] == 4, dash
    assert "100%" in dash["text"] and "30/30" in dash["text"], dash["text"]
    assert "a/train/loss=" in dash["text"] and "attn" not in dash["text"]  # the panels' keys, not dict order

    before = kept.stat().st_mtime if kept.exists() else None
    assert _command(browser, "docmanager:save")  # File > Save Notebook (Ctrl-S)
    _poll("the save (outputs kept under runs/lab/)",
          lambda: kept.exists() and kept.stat().st_mtime != before, server=server)

    # the tracked-style notebook is exactly the thin original; the outputs live in the copy
    assert tracked.read_text() == lab["thin"]
    full = nbformat.read(str(kept), as_version=4)
    kinds = [k for o in full.cells[DASH].outputs for k in o.get("data", {})]
    assert PLOTLY in kinds and WIDGET not in kinds, kinds
    assert "finished at scale=smoke" in "".join(o.get("text", "") for o in full.cells[PRINT].outputs)
    assert _git_status_notebooks() == repo_before  # nothing in the real checkout moved

    # reopen the saved copy: the figure is drawn, no "model not found"
    browser.get(f"http://127.0.0.1:{port}/lab/tree/runs/lab/labcheck/labcheck.ipynb?token={token}")
    again = _wait_cells(browser, "the reopened figure", lambda o: o[DASH]["figures"], server)
    assert again[DASH]["kinds"] == ["text/plain", PLOTLY] and "100%" in again[DASH]["text"]
    assert "Error displaying widget" not in browser.page_source
