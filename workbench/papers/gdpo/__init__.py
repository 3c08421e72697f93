"""GDPO (Furuta et al., NeurIPS 2024, arXiv 2409.06691): soft preference labels and geometric-averaged DPO.

losses    the DPO family (DPO, cDPO, IPO, cIPO, ROPO) and GDPO/GIPO/GROPO, with their gradient weights
surfaces  loss/weight landscapes over (h, p̂), Fig. 1-left, a Lab picker
bandit    Experiment 1: the 1-D bandit with a known reward, every loss, the β x T sweep
task      Experiment 2's include-the-word prompts and checker
judge     soft labels from an LLM judge (both orders), accuracy, ECE, position bias
lm        Experiment 2: SmolLM2 pairs, judge labels, DPO vs GDPO fine-tuning, held-out win rate
analysis  figures and the measured numbers the claims read
"""
