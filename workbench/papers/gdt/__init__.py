"""Generalized Decision Transformer (Furuta, Matsuo, Gu, ICLR 2022; arXiv 2111.10364): DT, the feature-sum DT,
Categorical DT and Bidirectional DT on offline data of the sim layer's planar runner, judged by state-marginal
matching.

    data.py        shipped policies -> cached dataset (sim-layer .npz); split by return; targets; conditions
    model.py       one GPT over (phi, s, a) triplets; BDT's time-reversed encoder over the K next states
    train.py       AdamW + warm-up on action MSE, cached weights
    evaluate.py    condition on each target, roll out in vmapped jitted runners, W1 per rollout and pooled (scipy)
    experiment.py  the whole study and the claims' measured names
    diagnose.py    whose future BDT's condition carries: its action error with its own vs another episode's future
    make_data.py   the PPO runs behind data/gdt (run once by hand; not part of the notebook's budget)

Regenerate the shipped policies: `python -m workbench.papers.gdt.make_data` (3M steps -> 12 checkpoints,
then two speed-targeted policies). The committed files: the 12 checkpoints of that run (about 58 min on 2
shared cores at load ~13; 1.7-3.5 m/s), and `runner_speed_1.npz` / `runner_speed_3.npz` added later with
`--speeds-only` (1.5M and 600k steps, one core each; 0.97 and 2.90 m/s), see data/gdt/manifest.json.
"""
