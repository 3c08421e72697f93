"""Data generation: counts, no train/test leakage, operation values on hand-picked pairs, clear errors."""
import numpy as np
import pytest

from workbench import WorkbenchError, scales
from workbench.papers.grokking.config import OP_NAMES
from workbench.papers.grokking.data import OPS, labels, make_dataset, pairs, tokens


def test_counts_and_no_leakage():
    d = make_dataset("add", 23, 0.4, seed=1)
    assert len(d.train_y) == int(0.4 * 23 * 23) == 211          # floor(0.4 * 529)
    assert len(d.train_y) + len(d.test_y) == 23 * 23
    train = {tuple(x) for x in d.train_ab}
    test = {tuple(x) for x in d.test_ab}
    assert not train & test
    assert len(train | test) == 23 * 23                           # every pair exactly once


def test_division_excludes_zero_and_mul_nz_excludes_both():
    assert len(pairs("div", 7)) == 7 * 6 and (pairs("div", 7)[:, 1] != 0).all()
    assert len(pairs("mul_nz", 7)) == 6 * 6


@pytest.mark.parametrize("op, a, b, want", [
    ("add", 5, 4, 2),          # 9 mod 7
    ("sub", 2, 5, 4),          # -3 mod 7
    ("mul", 3, 5, 1),          # 15 mod 7
    ("div", 1, 3, 5),          # 3 * 5 = 15 = 1 mod 7, so 1/3 = 5
    ("div", 6, 2, 3),          # 2 * 3 = 6
    ("x2y2", 3, 4, 4),         # 9 + 16 = 25 = 4 mod 7
    ("x2xyy2", 1, 2, 0),       # 1 + 2 + 4 = 7
    ("x3xy", 2, 3, 0),         # 8 + 6 = 14
    ("x3xy2y", 2, 1, 4),       # 8 + 2 + 1 = 11 = 4
    ("apb2", 3, 5, 1),         # 64 = 1 mod 7
    ("amb3", 1, 3, 6),         # (-2)^3 = -8 = 6 mod 7
])
def test_values_on_hand_picked_pairs(op, a, b, want):
    assert int(labels(op, np.array([a]), np.array([b]), 7)[0]) == want


def test_every_op_has_values_in_range():
    for op in OP_NAMES:
        ab = pairs(op, 11)
        y = labels(op, ab[:, 0], ab[:, 1], 11)
        assert y.min() >= 0 and y.max() < 11


def test_tokens_follow_the_papers_layout():
    ab = np.array([[3, 4]])
    assert tokens("add", ab, 7).tolist() == [[3, 7 + 1, 4]]       # [a, "+", b]
    assert tokens("sub", ab, 7).tolist() == [[3, 7 + 2, 4]]       # [a, "-", b]
    assert tokens("x2y2", ab, 7).tolist() == [[3, 7, 4]]          # polynomials: [a, "=", b]
    assert set(OPS) == set(OP_NAMES)


def test_errors_are_workbench_errors():
    with pytest.raises(WorkbenchError, match="unknown operation"):
        make_dataset("pow", 7, 0.5)
    with pytest.raises(WorkbenchError, match="prime"):
        make_dataset("div", 9, 0.5)
    with pytest.raises(WorkbenchError, match="odd"):
        make_dataset("add", 8, 0.5)
    with pytest.raises(WorkbenchError, match="unknown operation"):
        scales.resolve("grokking", "smoke", {"ops": ["add", "pow"]})
    with pytest.raises(WorkbenchError, match="prime"):
        scales.resolve("grokking", "smoke", {"ops": ["div"], "p": 21})
