"""MxT-Bench (Furuta et al., ICLR 2023, arXiv 2211.14296) at CPU scale: procedural ants x goal tasks, one PPO
expert per (morphology, task), behaviour distilled into one Transformer over morphology-task-graph tokens
and compared with an MLP over the padded flat tokens, an ablation without morphology features, and
zero-shot transfer to a held-out body.

    experts.py   PPO experts -> data/mxt/*.npz + experts.json (run once: `python -m workbench.papers.mxt.experts`)
    tokens.py    token layout on top of workbench.sim's per-part tokens: action slots, feature sets, re-tokenising
    arena.py     one compiled rollout per (body, task) for data collection, expert and student evaluation
    data.py      transitions as per-part states -> padded tokens, per-env caps, index pools
    model.py     TokenTransformer and FlatMLP (flax), masked MSE
    train.py     distillation (jitted, scanned chunks, progress callback)
    pipeline.py  the notebook's steps; measured quantities for claims.py
    plots.py     bars, zero-shot table, viewer rollouts, the token graph
"""
