"""workbench.parallel: every item once, with its index, in worker processes or in this one."""
import pytest

from workbench.parallel import map_in_processes


@pytest.mark.parametrize("workers", [1, 2])
def test_every_item_comes_back_with_its_index(workers):
    # pow is a builtin: picklable by reference, so spawned workers can run it
    out = dict(map_in_processes(pow, [2, 3, 4], workers, 3))
    assert out == {0: 8, 1: 27, 2: 64}


def test_a_worker_error_is_raised_here():
    with pytest.raises(TypeError):
        list(map_in_processes(pow, [2, "x"], 2, 3))
