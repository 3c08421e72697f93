"""Screenshots cover the whole task area (base tasks 160 x 210, composed pages 320 px wide and
taller), the score panel stays out of it, and `crop` cuts the instruction bar and the task area."""
import numpy as np
import pytest
from support import needs_browser

from workbench.web.observation import Observation, crop


def test_crop_without_regions_assumes_miniwob_layout():
    img = np.zeros((210, 160, 3), np.uint8)
    img[:50] = 255
    assert crop(img, "query").shape == (50, 160, 3) and crop(img, "query").min() == 255
    assert crop(img, "area").shape == (160, 160, 3) and crop(img, "area").max() == 0
    obs = Observation("u", [], [], "", img, {"wrap": (0, 0, 160, 210), "query": (0, 0, 160, 30)})
    assert crop(obs, "area").shape == (180, 160, 3) and obs.screenshot_size == (160, 210)
    with pytest.raises(ValueError):
        crop(img, "sky")
    with pytest.raises(ValueError):
        crop(Observation("u", [], [], ""), "area")


@needs_browser
def test_base_and_composed_screenshots_cover_the_task_area():
    from workbench.web.compose import PAGES_DIR
    from workbench.web.env import WebEnv

    with WebEnv("click-button", screenshots=True) as env:
        obs = env.reset(seed=1)
        assert obs.screenshot.shape == (210, 160, 3) and obs.screenshot_size == (160, 210)
        assert crop(obs, "area").shape == (160, 160, 3)
        assert obs.regions["query"][3] == 50
        name = "click-button_click-link_click-checkboxes_click-option_click-dialog"
        env.switch_task(name, html_dir=PAGES_DIR)
        obs = env.reset(seed=1)
        wrap = obs.regions["wrap"]
        assert wrap[2] == 320 and wrap[3] > 210
        assert obs.screenshot.shape == (wrap[3], 320, 3)
        q = crop(obs, "query")
        assert q.shape[1] == 320 and crop(obs, "area").shape[0] == wrap[3] - obs.regions["query"][3]
        # the lowest element of the page is inside the picture, and the score panel is not
        bottom = max(e.top + e.height for e in obs.dom if e.tag not in ("BODY",))
        assert bottom <= obs.screenshot.shape[0]
        left = env.gym_env.instance.driver.execute_script(
            "return document.getElementById('reward-display').getBoundingClientRect().left;")
        assert left >= 320
