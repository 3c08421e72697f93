"""Modular arithmetic data: a ⊙ b mod p over all pairs, split once into train and test.

Token layout (official code, `dataset.get_special_tokens`): 0..p-1 are the numbers, then
"=" (p), "+" (p+1), "-" (p+2), "*" (p+3), "/" (p+4); d_vocab = p + 5.
Inputs (from the official configs): elementary operations are fed as [a, op, b] (the "=" is
dropped); polynomials use the "short" form [a, =, b]. The label is the number token (a ⊙ b) mod p.

Operands: the official generator enumerates them over range(p + 5) (the vocabulary size), so special
tokens also appear as operands (their value taken mod p); `operand_range="vocab"` does the same (the
`paper` scale), `"p"` keeps operands to the numbers (the `cpu` scale: every pair is a real equation).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np

from workbench import WorkbenchError
from workbench.papers.grokking.config import ELEMENTARY_OPS, OP_NAMES, POLYNOMIAL_OPS, is_prime

EQ, PLUS, MINUS, TIMES, DIVIDE = range(5)  # offsets of the special tokens after the p numbers
N_SPECIAL = 5


def _inverse(b: np.ndarray, p: int) -> np.ndarray:
    """Multiplicative inverse mod prime p (Fermat: b^(p-2)); b must be non-zero."""
    return np.array([pow(int(x), p - 2, p) for x in np.ravel(b)], dtype=np.int64).reshape(np.shape(b))


# name -> (label function of int64 arrays a, b and p, operator token offset or None for [a, =, b],
#          human-readable formula). Every value is reduced mod p by `labels`.
OPS: dict[str, tuple[Callable, int | None, str]] = {
    "add": (lambda a, b, p: a + b, PLUS, "a+b"),
    "sub": (lambda a, b, p: a - b, MINUS, "a−b"),
    "mul": (lambda a, b, p: a * b, TIMES, "a·b"),
    "mul_nz": (lambda a, b, p: a * b, TIMES, "a·b (a, b ≠ 0)"),
    "div": (lambda a, b, p: a * _inverse(b, p), DIVIDE, "a÷b (b ≠ 0)"),
    "x2y2": (lambda a, b, p: a**2 + b**2, None, "a²+b²"),
    "x2xyy2": (lambda a, b, p: a**2 + a * b + b**2, None, "a²+ab+b²"),
    "x2xyy2x": (lambda a, b, p: a**2 + a * b + b**2 + a, None, "a²+ab+b²+a"),
    "x3xy": (lambda a, b, p: a**3 + a * b, None, "a³+ab"),
    "x3xy2y": (lambda a, b, p: a**3 + a * b**2 + b, None, "a³+ab²+b"),
    "2x3y": (lambda a, b, p: 2 * a + 3 * b, None, "2a+3b"),
    "xyy": (lambda a, b, p: a * b + b, None, "ab+b"),
    "x2y": (lambda a, b, p: a**2 + b, None, "a²+b"),
    "x3_2y": (lambda a, b, p: a**3 + 2 * b, None, "a³+2b"),
    "apb2": (lambda a, b, p: (a + b) ** 2, None, "(a+b)²"),
    "apb2ab": (lambda a, b, p: (a + b) ** 2 + a + b, None, "(a+b)²+a+b"),
    "amb2": (lambda a, b, p: (a - b) ** 2, None, "(a−b)²"),
    "apb3": (lambda a, b, p: (a + b) ** 3, None, "(a+b)³"),
    "amb3": (lambda a, b, p: (a - b) ** 3, None, "(a−b)³"),
    "apb4": (lambda a, b, p: (a + b) ** 4, None, "(a+b)⁴"),
    "amb4": (lambda a, b, p: (a - b) ** 4, None, "(a−b)⁴"),
    "xyxy": (lambda a, b, p: a * b + a + b, None, "ab+a+b"),
}
assert set(OPS) == set(OP_NAMES) and all((OPS[o][1] is not None) == (o in ELEMENTARY_OPS) for o in OP_NAMES)
assert set(POLYNOMIAL_OPS) | set(ELEMENTARY_OPS) == set(OPS)


def formula(op: str) -> str:
    return OPS[op][2] if op in OPS else op


def check_op(op: str, p: int) -> None:
    """Raise WorkbenchError for an unknown operation or a modulus the operation cannot use."""
    if op not in OPS:
        raise WorkbenchError(f"unknown operation '{op}'; choose from {', '.join(OPS)}")
    if p < 3 or p % 2 == 0:
        raise WorkbenchError(f"bad modulus p={p}: use an odd number >= 3")
    if op in ("div", "mul_nz") and not is_prime(p):
        raise WorkbenchError(f"bad modulus p={p} for '{op}': division needs a field, so p must be prime")


def labels(op: str, a: np.ndarray, b: np.ndarray, p: int) -> np.ndarray:
    """(a ⊙ b) mod p for int arrays a, b (values in [0, p + 5)). Python ints avoid overflow for p <= ~10^4."""
    check_op(op, p)
    a, b = np.asarray(a, dtype=np.int64), np.asarray(b, dtype=np.int64)
    return np.mod(OPS[op][0](a, b, p), p).astype(np.int64)


def operand_count(p: int, operand_range: str = "p") -> int:
    """How many operand values there are: p (the numbers) or p + 5 ("vocab": every token, as the official
    data generator enumerates them; the special tokens then act as operands with their value mod p)."""
    if operand_range not in ("p", "vocab"):
        raise WorkbenchError(f"operand_range={operand_range!r}: choose 'p' or 'vocab'")
    return p if operand_range == "p" else p + N_SPECIAL


def pairs(op: str, p: int, operand_range: str = "p") -> np.ndarray:
    """All operand pairs (a, b) the operation is defined on, as an (n, 2) int array, row-major in (a, b)."""
    check_op(op, p)
    n = operand_count(p, operand_range)
    a, b = np.meshgrid(np.arange(n), np.arange(n), indexing="ij")
    keep = np.ones_like(a, dtype=bool)
    if op == "div":
        keep &= b % p != 0
    if op == "mul_nz":
        keep &= (a != 0) & (b != 0)
    return np.stack([a[keep], b[keep]], axis=1)


def tokens(op: str, ab: np.ndarray, p: int) -> np.ndarray:
    """(n, 3) input tokens: [a, op, b] for elementary operations, [a, =, b] for polynomials."""
    middle = p + (OPS[op][1] if OPS[op][1] is not None else EQ)
    return np.stack([ab[:, 0], np.full(len(ab), middle), ab[:, 1]], axis=1).astype(np.int32)


@dataclass(frozen=True)
class Dataset:
    op: str
    p: int
    train_x: np.ndarray   # (n_train, 3) int32 tokens
    train_y: np.ndarray   # (n_train,) int32 labels in [0, p)
    test_x: np.ndarray
    test_y: np.ndarray
    train_ab: np.ndarray  # (n_train, 2) operands, for analyses
    test_ab: np.ndarray

    @property
    def d_vocab(self) -> int:
        return self.p + N_SPECIAL


def make_dataset(op: str, p: int, train_frac: float, seed: int = 0, operand_range: str = "p") -> Dataset:
    """All pairs of `op`, shuffled with `seed`; the first floor(train_frac * n) are the training set.
    Operations over the same pairs (add, sub, mul, polynomials) get the same split for the same seed."""
    ab = pairs(op, p, operand_range)
    if not 0.0 < train_frac < 1.0:
        raise WorkbenchError(f"train_frac={train_frac} must lie strictly between 0 and 1")
    order = np.random.default_rng(seed).permutation(len(ab))
    n_train = int(train_frac * len(ab))
    if n_train == 0 or n_train == len(ab):
        raise WorkbenchError(f"train_frac={train_frac} leaves an empty train or test set for p={p}")
    tr, te = ab[order[:n_train]], ab[order[n_train:]]
    y = lambda s: labels(op, s[:, 0], s[:, 1], p).astype(np.int32)
    return Dataset(op, p, tokens(op, tr, p), y(tr), tokens(op, te, p), y(te), tr, te)
