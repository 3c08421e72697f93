"""GDT claims, fixed before any run. Measured names (see notebooks/gdt.ipynb and evaluate.units):

w1_<method>_heldout  mean W1 (m/s) between a held-out target's x-velocity histogram (top-5 and median-5
                     episodes by return) and one rollout's, bootstrapped over (seed, target, rollout) units,
                     paired across methods
w1_<method>_bimodal  the same over the synthetic bimodal targets
bimodal_gap          mean |speed of the fast half - speed of the slow half| of the bimodal targets (m/s)
"""
from workbench.results import Claim

CLAIMS = [
    Claim("cdt-beats-dt-heldout",
          paper="CDT matches held-out target feature distributions better than DT (offline multi-task SMM)",
          rule="w1_cdt_heldout < w1_dt_heldout",
          note="x-velocity W1 on 30 train-split bins; 5 best + 5 median held-out targets"),
    Claim("cdt-matches-bimodal",
          paper="CDT generalises to synthesised bimodal feature distributions that DT cannot match",
          rule="w1_cdt_bimodal < w1_dt_bimodal and w1_cdt_bimodal < 0.25 * bimodal_gap",
          note="a unimodal policy at the mean speed scores W1 ~ bimodal_gap / 2; matching = a quarter of the gap"),
    Claim("bdt-beats-dt-imitation",
          paper="BDT beats DT in offline one-shot imitation (W1 of the state feature)",
          rule="w1_bdt_heldout < w1_dt_heldout",
          note="BDT conditioned on the demonstration's future states, DT on its return"),
]
