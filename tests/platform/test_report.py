"""Reports and the scorecard open from file:// in headless Chromium with networking off and draw plots."""
import json
import os
import re
import shutil
import stat

import pytest

from workbench import report, runner
from workbench.results import Claim, Results

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMEDRIVER = shutil.which("chromedriver")
needs_chromium = pytest.mark.skipif(not (CHROMIUM and CHROMEDRIVER), reason="Debian chromium + chromium-driver not installed")

# a tag that would load something from the network (plotly.js itself mentions links in strings: fine)
REMOTE = re.compile(r"""<(script|link|img|iframe|source)\b[^>]*\b(src|href)\s*=\s*["']?(https?:)?//""", re.I)


@pytest.fixture(scope="module")
def browser():
    import os
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    os.environ["SE_OFFLINE"] = "true"
    opts = webdriver.ChromeOptions()
    opts.binary_location = CHROMIUM
    for arg in ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--disable-background-networking", "--disable-component-update", "--no-first-run",
                # networking off: every host resolves to nothing and every request goes to a dead proxy
                "--host-resolver-rules=MAP * ~NOTFOUND", "--proxy-server=http://127.0.0.1:9",
                "--allow-file-access-from-files"]:
        opts.add_argument(arg)
    driver = webdriver.Chrome(options=opts, service=Service(CHROMEDRIVER))
    try:
        yield driver
    finally:
        driver.quit()


@pytest.fixture(scope="module")
def executed_report(tmp_path_factory):
    """A real notebook run headless: a plotly figure, a live Dashboard (static at close), a stream."""
    from support import make_notebook

    tmp = tmp_path_factory.mktemp("report")
    nb = make_notebook(tmp / "demo.ipynb", [
        ("md", "# Demo\nA figure and a training curve."),
        ("code", 'scale = "cpu"\noverrides = {}\nresults_dir = ""', ["parameters"]),
        ("code", "import plotly.graph_objects as go\nfrom workbench import plots\n"
                 "fig = plots.style(go.Figure(go.Scatter(x=[0, 1, 2], y=[1, 3, 2])), 'A line', 'x (units)', 'y (units)')\nfig.show()"),
        ("code", "from workbench.progress import Dashboard\n"
                 "dash = Dashboard('training', total=3, panels={'loss': ['train/loss']})\n"
                 "for s in range(4):\n    dash(s, {'train/loss': 1.0 / (s + 1)})\n_ = dash.close()"),
        # the live dashboard (as in Lab): close() swaps its widget views for the final line and the static figure
        ("code", "live = Dashboard('live', total=3, panels={'loss': ['train/loss']}, live=True, min_interval_s=0)\n"
                 "for s in range(3):\n    live(s, {'train/loss': 1.0 / (s + 1)})"),
        ("code", "_ = live.close()"),
    ])
    out = tmp / "out"
    executed, _ = runner.execute(nb, out, {"scale": "smoke", "overrides": {}, "results_dir": str(out)}, "demo")
    return report.write_report(executed, out / "report.html", title="Demo report")


def test_report_is_self_contained(executed_report):
    html = executed_report.read_text()
    assert not REMOTE.findall(html), REMOTE.findall(html)[:3]
    assert html.count("Plotly.newPlot") == 3  # the figure and each dashboard's static curve
    assert len(re.findall(r"<script type=\"text/javascript\">", html)) == 1  # plotly.js embedded once


def test_dashboards_leave_one_line_and_the_static_figure(executed_report):
    nb = json.loads((executed_report.parent / "demo.ipynb").read_text())
    headless, live = nb["cells"][4]["outputs"], nb["cells"][5]["outputs"]
    assert [o["output_type"] for o in headless] == ["stream", "display_data"]
    assert headless[0]["name"] == "stderr" and "".join(headless[0]["text"]).count("\n") == 1
    assert "3/3" in "".join(headless[0]["text"]) and "application/vnd.plotly.v1+json" in headless[1]["data"]
    # no widget view survives (it would read "model not found" once the notebook is reopened)
    kinds = [sorted(o["data"]) for o in live]
    assert kinds == [["text/plain"], ["application/vnd.plotly.v1+json", "text/plain"]], kinds
    assert "100%" in "".join(live[0]["data"]["text/plain"])


def test_outputs_are_readable_by_others(executed_report, tmp_path):
    """report.html, results.json, index.html follow the umask like the executed notebook (mkstemp made them 0600)."""
    old = os.umask(0o022)
    try:
        res = Results("grokking", {"p": 59}, "cpu")
        res.write(tmp_path / "grokking")
        report.write_report(executed_report.parent / "demo.ipynb", tmp_path / "grokking" / "report.html")
        report.write_scorecard(tmp_path)
        for name in ("grokking/results.json", "grokking/report.html", "index.html"):
            assert stat.S_IMODE((tmp_path / name).stat().st_mode) == 0o644, name
        os.umask(0o077)  # a private umask is respected too
        report.write_scorecard(tmp_path)
        assert stat.S_IMODE((tmp_path / "index.html").stat().st_mode) == 0o600
    finally:
        os.umask(old)
    assert not list(tmp_path.rglob(".*.tmp"))  # no temporary file left behind


@needs_chromium
def test_legend_clears_titles_in_multi_panel_figures(browser, tmp_path):
    """The dashboard's legend overlaps neither the subplot titles nor the axis titles, with 2 or 10 runs."""
    from workbench.progress import Dashboard

    body, r = "", report._Renderer()
    for n in (2, 10):
        runs = [f"run_{i}_with_a_long_name" for i in range(n)]
        dash = Dashboard("legend check", total=2, live=False, panels={
            p: [f"{run}/{p}" for run in runs] for p in ("test accuracy", "train accuracy", "loss")})
        for step in range(3):
            dash(step, {f"{run}/{p}": step * (i + 1) for i, run in enumerate(runs)
                        for p in ("test accuracy", "train accuracy", "loss")})
        body += r.plotly(json.loads(dash.close(show=False).to_json()))
    page = tmp_path / "legend.html"
    page.write_text(report.page("legend", body, with_plotly=True))
    browser.set_window_size(1200, 900)
    browser.get(page.as_uri())
    boxes = browser.execute_script("""
        const box = e => { const b = e.getBoundingClientRect(); return [b.left, b.top, b.right, b.bottom]; };
        return Array.from(document.querySelectorAll('.wb-plot')).map(p => ({
          legend: box(p.querySelector('.legend .bg')),
          titles: Array.from(p.querySelectorAll('.annotation, .g-gtitle, [class^="g-x"][class$="title"]')).map(box)}));""")
    overlap = lambda a, b: a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]
    for plot in boxes:
        assert len(plot["titles"]) == 3 + 1 + 3  # subplot titles, the title, x-axis titles
        assert not [t for t in plot["titles"] if overlap(plot["legend"], t)], plot


@needs_chromium
def test_report_draws_plots_offline(browser, executed_report):
    browser.get(executed_report.as_uri())
    drawn = browser.execute_script(
        "return Array.from(document.querySelectorAll('.wb-plot')).map("
        "d => d.querySelectorAll('.main-svg .scatterlayer .trace').length)")
    assert drawn == [1, 1, 1]
    title = browser.execute_script("return document.querySelector('.wb-plot .gtitle').textContent")
    assert title == "A line"


@needs_chromium
def test_scorecard_lists_every_claim(browser, tmp_path):
    for slug, acc in [("grokking", 0.99), ("gdpo", 0.4)]:
        res = Results(slug, {"p": 59}, "cpu")
        res.judge([Claim(f"{slug}-c1", paper="acc high", rule="acc > 0.9")], {"acc": acc})
        res.write(tmp_path / slug)
    index = report.write_scorecard(tmp_path)
    browser.get(index.as_uri())
    rows = browser.execute_script(
        "return Array.from(document.querySelectorAll('tr.holds, tr.fails')).map(r => [r.className, r.cells[1].textContent])")
    assert sorted(rows) == [["fails", "gdpo-c1"], ["holds", "grokking-c1"]]
    assert "1 hold, 1 fail, 0 inconclusive" in browser.page_source
    assert not REMOTE.findall(index.read_text())
