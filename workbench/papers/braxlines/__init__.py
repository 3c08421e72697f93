"""Braxlines-lite (arXiv 2110.04686): MI-max and DMin on a Composer point mass, with the paper's metrics."""

import workbench.sim  # noqa: E402,F401  (sets XLA logging before jax is imported)
