"""MxT-Bench claims, fixed before any run (the paper gives the direction only: see docs/papers/mxt.md).

Measured names: success rates as bootstrap Samples resampled as training seeds, then evaluation episodes
within each drawn seed (`pipeline.seed_episode_bootstrap`, 1000 replicates, seed 0). Every student of one
quantity group is drawn with the same seeds and episodes (students play the same initial states and goals),
so the students in a rule are paired.
  success_tf, success_mlp, success_tf_nomorph   success over every (env, episode) of the multi-task set (the
                                                distilled experts' envs): the average over envs
  zs_success_tf, zs_success_mlp                 success on the held-out bodies (every task of the zero-shot
                                                training set), students trained without them
  zs_success_tf_<family>, zs_success_mlp_<family>   the same on one family's held-out body (cpu: ant-4, an
                                                unseen ant; claw-4, of a family no student trained on)
"""
from workbench.results import Claim

CLAIMS = [
    Claim("tf-beats-mlp",
          paper="one Transformer over morphology-task-graph tokens beats an MLP over the padded flat observation "
                "on the multi-task average",
          rule="success_tf > success_mlp",
          note="success rate averaged over every distilled (morphology, task), 2 seeds x 32 paired episodes each; "
               "the two students have matched parameter counts and both stop early on held-out loss"),
    Claim("zero-shot-transfer",
          paper="the MTG Transformer gives a better prior for zero-shot transfer to an unseen morphology",
          rule="zs_success_tf > 0 and zs_success_tf >= zs_success_mlp",
          note="students trained on the zero-shot training bodies only, evaluated on the held-out bodies (one per "
               "family: ant-4 and claw-4 at cpu), every task of the training set"),
    Claim("morphology-features-help",
          paper="removing the morphology features from the tokens hurts the Transformer",
          rule="success_tf > success_tf_nomorph",
          note="ablation: joint range, mass, actuator strength and part type zeroed (kinematics, goal and task "
               "edges kept)"),
    Claim("zero-shot-transfer-ant",
          paper="the MTG Transformer gives a better prior for zero-shot transfer to an unseen morphology (within "
                "the ant family)",
          rule="zs_success_tf_ant > 0 and zs_success_tf_ant >= zs_success_mlp_ant",
          note="held-out ant body only (ant-4 at cpu); the zero-shot students saw ant-3 and ant-6"),
    Claim("zero-shot-transfer-claw",
          paper="the MTG Transformer gives a better prior for zero-shot transfer to an unseen morphology (across "
                "families: a claw, after training on ants only)",
          rule="zs_success_tf_claw > 0 and zs_success_tf_claw >= zs_success_mlp_claw",
          note="held-out claw body only (claw-4 at cpu; 3-segment legs, its feet flagged on reach); the zero-shot "
               "students saw ant-3 and ant-6 only: no claw expert was trained within the CPU budget"),
]
