"""One subpackage per paper (`workbench/papers/<slug>/`): config.py, claims.py and its algorithms.

Papers may import the platform and the shared layers (llm, sim, web); nothing outside papers/ imports a paper.
"""
