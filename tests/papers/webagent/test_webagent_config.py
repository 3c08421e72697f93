"""Config: every scale resolves; values no run could use are refused with one line."""
import pytest

from workbench import WorkbenchError
from workbench.scales import resolve


@pytest.mark.parametrize("scale", ["smoke", "cpu", "paper"])
def test_scales_resolve(scale):
    assert resolve("webagent", scale).scale == scale


@pytest.mark.parametrize("bad, words", [
    ({"noise_density": 0.0}, "noise_density"), ({"d_model": 66}, "multiple of heads"),
    ({"tasks": ("no-such-task",)}, "tasks"), ({"compositions": ("x_y",)}, "compositions"),
    ({"short_spans": (0.0,)}, "short_spans"), ({"sentinels": 2}, "sentinels"), ({"pretrain_len": 16}, "pretrain_len"),
    ({"writer": "nonsense:spec"}, "writer"), ({"speed_lengths": ()}, "speed_lengths")])
def test_bad_values_refused(bad, words):
    with pytest.raises((WorkbenchError, ValueError)) as e:
        resolve("webagent", "cpu", bad)
    assert words in str(e.value) and "\n" not in str(e.value)
