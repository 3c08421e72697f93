"""Furuta et al. 2024, "Interpreting Grokked Transformers in Complex Modular Arithmetic" (arXiv 2402.16726).

config (Config, SCALES, COST), claims (CLAIMS), data (operations, splits), model (the 1-layer Transformer
in JAX), train (full-batch AdamW with Fourier measures logged), fourier (FFS, FCR, Gini, cos share),
analysis (grok steps, attention, neurons, measured values), figures (plotly).
"""
