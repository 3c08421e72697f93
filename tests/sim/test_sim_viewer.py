"""Offline viewer: geometry by hand, animation frames, and no remote URL in the figure or its page."""
import re
import shutil

import numpy as np
import pytest

from workbench.sim import viewer
from workbench.sim.env import build_env

URL = re.compile(r"""(src|href)\s*=\s*["']?(https?:)?//|import\s[^;]*from\s*["']https?:|url\(\s*["']?https?:""", re.I)


def _still(env, T=4):
    n = len(env.sys.link_names)
    pos = np.zeros((T, 1, n, 3))
    pos[:, 0, 0] = [[0.1 * t, 0, 0.75] for t in range(T)]   # the torso slides along x
    rot = np.tile([1.0, 0, 0, 0], (T, 1, n, 1))
    return pos, rot


def test_ant_capsule_endpoints_by_hand():
    env = build_env("ant_run")
    pos, rot = _still(env)
    g = viewer.geom_frames(env.geometry(), pos[:, 0], rot[:, 0])
    ends = g["capsules"][0].reshape(-1, 3)
    # the first leg's upper capsule runs from the torso centre to 0.2*sqrt(2)*(cos 45, sin 45) = (0.2, 0.2)
    assert np.isclose(ends, [0.0, 0.0, 0.75], atol=1e-5).all(1).any()
    assert np.isclose(ends, [0.2, 0.2, 0.75], atol=1e-5).all(1).any()
    on_torso = env.geometry()["link"][env.geometry()["type"] == 3] == 0   # capsules fused into the torso
    assert on_torso.sum() == 4                                            # one upper-leg stub per leg
    assert np.allclose(g["capsules"][3][on_torso] - g["capsules"][0][on_torso], [0.3, 0, 0], atol=1e-5)


def test_figure_animates_and_has_no_remote_url():
    env = build_env("ant_push")
    pos, rot = _still(env, T=5)
    fig = viewer.rollout_figure(env, {"pos": pos, "rot": rot}, title="test")
    assert len(fig.frames) == 5 and len(fig.layout.sliders[0].steps) == 5
    assert fig.layout.updatemenus[0].buttons[0].label == "play"
    assert "http" not in fig.to_json()
    page = viewer.standalone_html(fig)
    outside_scripts = re.sub(r"<script[^>]*>.*?</script>", "<script></script>", page, flags=re.S)
    assert "Plotly.newPlot" in page and not URL.search(outside_scripts)   # nothing loaded from a URL
    assert page.count("<script") == outside_scripts.count("<script") and 'src="' not in outside_scripts
    assert URL.search('<script src="https://cdn.plot.ly/plotly.js"></script>')  # the check can fail


@pytest.mark.skipif(not shutil.which("chromedriver"), reason="chromium/chromedriver not installed")
def test_viewer_page_draws_in_offline_headless_chromium(tmp_path):
    from selenium import webdriver
    env = build_env("point_mass_goal")
    pos, rot = _still(env, T=3)
    page = tmp_path / "viewer.html"
    page.write_text(viewer.standalone_html(viewer.rollout_figure(env, {"pos": pos, "rot": rot})))
    opts = webdriver.ChromeOptions()
    for arg in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--host-resolver-rules=MAP * ~NOTFOUND",
                "--enable-unsafe-swiftshader", "--use-gl=angle", "--use-angle=swiftshader"):
        opts.add_argument(arg)
    opts.binary_location = shutil.which("chromium") or "/usr/bin/chromium"
    driver = webdriver.Chrome(service=webdriver.ChromeService(shutil.which("chromedriver")), options=opts)
    try:
        driver.get(page.as_uri())
        n_frames = driver.execute_script(
            "const d = document.querySelector('.js-plotly-plot'); return d && d._transitionData ? d._transitionData._frames.length : -1;")
        assert n_frames == 3
        assert driver.execute_script("return document.querySelectorAll('.js-plotly-plot .gl-container, .js-plotly-plot canvas').length") > 0
    finally:
        driver.quit()
