"""Generalized Decision Transformer (Furuta, Matsuo, Gu, ICLR 2022; arXiv 2111.10364): DT, Categorical DT
and Bidirectional DT on offline data of the sim layer's planar runner, judged by state-marginal matching.

    data.py        shipped policies -> cached dataset (sim-layer .npz); split by return; CDT histograms
    model.py       one GPT over (phi, s, a) triplets; BDT's time-reversed encoder
    train.py       AdamW + warm-up on action MSE, cached weights
    evaluate.py    condition on each target, roll out in vmapped jitted runners, W1 (scipy)
    experiment.py  the whole study and the claims' measured names
    make_data.py   the PPO runs behind data/gdt (run once by hand; not part of the notebook's budget)

Regenerate the shipped policies: `python -m workbench.papers.gdt.make_data` (3M steps, 12 checkpoints and
two speed-targeted policies; on 2 shared cores the committed files come from an interrupted run written
with `--partial`: 8 checkpoints, 0.25M-1.97M steps, no speed policies; see data/gdt/manifest.json).
"""
