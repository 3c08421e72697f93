"""Braxlines claims, fixed before any run (see config.py for how each measured name is computed).

Noise: every distance and MI is bootstrapped over its evaluation episodes (`train.claim_samples`); one
training seed per run (a second seed would double a 6-minute notebook), so seed noise is not in the intervals."""
from workbench.results import Claim

CLAIMS = [
    Claim("diayn-distinguishable",
          paper="MI-max (DIAYN, K discrete skills) learns distinguishable skills on a 2-D point mass",
          rule="diayn_mi >= 0.7 * log_k and diayn_mi >= diayn_mi_random + 0.5 * log_k",
          note="binned I(z; xy) over the last half of 32 episodes per skill (20x20 bins over +-6); "
               "random = uniform actions, same episodes and bins; log_k = log 8"),
    Claim("gcrl-reaches-goals",
          paper="goal-conditioned MI-max (gcrl) reaches latent goals",
          rule="gcrl_goal_dist <= 0.5 * random_goal_dist",
          note="RMS distance between final xy and 32 goals uniform in +-obs_scale/2; random = uniform actions"),
    Claim("dmin-beats-random",
          paper="DMin (GAIL, GAIL2, AIRL, FAIRL, oracle MLE rewards) matches a multimodal target marginal",
          rule="max(ed_gail, ed_gail2, ed_airl, ed_fairl, ed_mle) < ed_random",
          note="energy distance between 2nd-half xy states of 32 episodes and 250 target samples "
               "(2 modes at (+-4, 0), std 0.8); random = uniform actions"),
    Claim("dmin-oracle-near-best",
          paper="the oracle MLE reward is the best or near-best DMin reward",
          rule="ed_mle <= min(ed_gail, ed_gail2, ed_airl, ed_fairl) + 0.1 * ed_random",
          note="near = within 10% of the random policy's energy distance"),
    Claim("behaviours-in-minutes",
          paper="behaviours are synthesised within minutes of training",
          rule="diayn_minutes <= 5",
          note="wall-clock minutes (jit + training) of the DIAYN run on this shared 2-core CPU"),
]
