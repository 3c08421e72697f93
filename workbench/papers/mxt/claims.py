"""MxT-Bench claims, fixed before any run (the paper gives the direction only: see docs/papers/mxt.md).

Measured names (all bootstrap over evaluation episodes, 1000 replicates, seed 0; the same episode seeds for
every student, so students are paired episode by episode):
  success_tf, success_mlp, success_tf_nomorph   success rate over every (env, episode) of the multi-task set
                                                (accepted experts' envs, 64 episodes each): the average over envs
  zs_success_tf, zs_success_mlp                 success on the held-out body (every task), students trained
                                                without it
One training seed per student at cpu scale: the intervals are over episodes, not over training seeds.
"""
from workbench.results import Claim

CLAIMS = [
    Claim("tf-beats-mlp",
          paper="one Transformer over morphology-task-graph tokens beats an MLP over the padded flat observation "
                "on the multi-task average",
          rule="success_tf > success_mlp",
          note="success rate averaged over every accepted (morphology, task), 64 paired episodes each"),
    Claim("zero-shot-transfer",
          paper="the MTG Transformer gives a better prior for zero-shot transfer to an unseen morphology",
          rule="zs_success_tf > 0 and zs_success_tf >= zs_success_mlp",
          note="students trained on the zero-shot training bodies only, evaluated on the held-out body, every task"),
    Claim("morphology-features-help",
          paper="removing the morphology features from the tokens hurts the Transformer",
          rule="success_tf > success_tf_nomorph",
          note="ablation: joint range, mass, actuator strength and part type zeroed (kinematics and goal kept)"),
]
