"""GDT claims, fixed before any run. Measured names (see notebooks/gdt.ipynb and experiment.measure):

w1_<method>_heldout  mean W1 (m/s) between a held-out target's x-velocity histogram (top-5 and median-5
                     episodes by return) and one rollout's, bootstrapped over (seed, target, rollout) units,
                     paired across methods
w1_<method>_bimodal  the same over the spliced bimodal targets (a slow episode's first half, a fast one's second)
w1_<method>_mixture  the same over the mixture targets (a slow and a fast episode pooled, no order in time;
                     every method but BDT, which has no states to imitate there)
w1r_<method>_<group> the same on the reward's histogram (30 bins over the train split's rewards)
pw1_<method>_<group> W1 of the target against all its rollouts pooled into one histogram (the official
                     metric), bootstrapped over (seed, target) units; pw1r_ on the reward
bimodal_gap          mean |speed of the fast half - speed of the slow half| of the bimodal targets (m/s)
mixture_gap          the same for the mixture targets' two parts

Methods: dt (return-to-go), cdt (future x-velocity histogram), bdt (anti-causal encoder over the K next states),
fdt (the feature-sum DT: future x-velocity sum / 1000, the official code's DT baseline for CDT).
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
    Claim("cdt-beats-featuresum-dt-heldout",
          paper="CDT matches held-out feature distributions better than the DT that conditions on the same feature "
                "as a scaled future sum (the official CDT comparison)",
          rule="w1_cdt_heldout < w1_fdt_heldout",
          note="feature-sum DT: sum of the future x-velocity / 1000, fed open loop from the target like CDT's histogram"),
    Claim("cdt-matches-mixture",
          paper="CDT matches a synthesised bimodal distribution that no single demonstration shows, which DT "
                "variants cannot",
          rule="w1_cdt_mixture < w1_dt_mixture and w1_cdt_mixture < w1_fdt_mixture and w1_cdt_mixture < 0.25 * mixture_gap",
          note="target = a slow and a fast train episode's x-velocity pooled (no order); CDT's condition is the part of "
               "the target histogram the rollout has not yet matched; a unimodal policy scores ~ mixture_gap / 2"),
    Claim("cdt-beats-dt-reward-heldout",
          paper="CDT matches held-out reward distributions better than DT",
          rule="w1r_cdt_heldout < w1r_dt_heldout",
          note="reward W1 of the same rollouts (CDT conditioned on the x-velocity histogram, DT on return-to-go)"),
    Claim("bdt-beats-featuresum-dt-imitation",
          paper="BDT beats DT variants in offline one-shot imitation",
          rule="w1_bdt_heldout < w1_fdt_heldout",
          note="the feature-sum DT is fed the demonstration's future x-velocity sum"),
    Claim("cdt-beats-dt-heldout-pooled",
          paper="CDT matches held-out target feature distributions better than DT, on the official pooled metric",
          rule="pw1_cdt_heldout < pw1_dt_heldout",
          note="W1 of one histogram pooled over a target's rollouts; bootstrap over (seed, target)"),
    Claim("cdt-beats-featuresum-dt-heldout-pooled",
          paper="CDT beats the feature-sum DT on held-out targets, on the official pooled metric",
          rule="pw1_cdt_heldout < pw1_fdt_heldout",
          note="W1 of one histogram pooled over a target's rollouts; bootstrap over (seed, target)"),
    Claim("bdt-beats-dt-imitation-pooled",
          paper="BDT beats DT in offline one-shot imitation, on the official pooled metric",
          rule="pw1_bdt_heldout < pw1_dt_heldout",
          note="W1 of one histogram pooled over a target's rollouts; bootstrap over (seed, target)"),
]
