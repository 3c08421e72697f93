"""Reports and the scorecard open from file:// in headless Chromium with networking off and draw plots."""
import json
import re
import shutil

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
    from tests.platform.conftest import make_notebook

    tmp = tmp_path_factory.mktemp("report")
    nb = make_notebook(tmp / "demo.ipynb", [
        ("md", "# Demo\nA figure and a training curve."),
        ("code", 'scale = "cpu"\noverrides = {}\nresults_dir = ""', ["parameters"]),
        ("code", "import plotly.graph_objects as go\nfrom workbench import plots\n"
                 "fig = plots.style(go.Figure(go.Scatter(x=[0, 1, 2], y=[1, 3, 2])), 'A line', 'x (units)', 'y (units)')\nfig.show()"),
        ("code", "from workbench.progress import Dashboard\n"
                 "dash = Dashboard('training', total=3, panels={'loss': ['train/loss']})\n"
                 "for s in range(4):\n    dash(s, {'train/loss': 1.0 / (s + 1)})\n_ = dash.close()"),
    ])
    out = tmp / "out"
    executed, _ = runner.execute(nb, out, {"scale": "smoke", "overrides": {}, "results_dir": str(out)}, "demo")
    return report.write_report(executed, out / "report.html", title="Demo report")


def test_report_is_self_contained(executed_report):
    html = executed_report.read_text()
    assert not REMOTE.findall(html), REMOTE.findall(html)[:3]
    assert html.count("Plotly.newPlot") == 2  # the figure and the dashboard's static curve
    assert len(re.findall(r"<script type=\"text/javascript\">", html)) == 1  # plotly.js embedded once


@needs_chromium
def test_report_draws_plots_offline(browser, executed_report):
    browser.get(executed_report.as_uri())
    drawn = browser.execute_script(
        "return Array.from(document.querySelectorAll('.wb-plot')).map("
        "d => d.querySelectorAll('.main-svg .scatterlayer .trace').length)")
    assert drawn == [1, 1]
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
