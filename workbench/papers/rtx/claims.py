"""RT-X claims, fixed before any run. Every quantity is a closed-loop success rate bootstrapped over
(training seed, robot-task cell, evaluation episode) units; two models over the same cells are paired
unit by unit (same seeds, same start states). See train.measured_values."""
from workbench.results import Claim

CLAIMS = [
    Claim("mixture-helps-poor",
          paper="RT-1-X trained on the robot mixture beats each small dataset's own model (Fig. 4: +50% mean "
                "success over the Original Method on the small-data domains)",
          rule="mix_poor > own_poor",
          note="data-poor robots (scara4, ur6, planar3 at cpu scale: 40 episodes each) on their own skills; "
               "own = the same RT-1-mini trained on that robot's data only; mix = one model on all six datasets, "
               "no robot identity. The +50% magnitude is reported beside the claim, not required by it"),
    Claim("small-underfits-rich",
          paper="on the data-rich domains the 35M RT-1-X is worse than RT-1 trained on that domain alone "
                "(Table I: Bridge 27% vs 40%, Google robot 73% vs 92%): the small model underfits the mixture",
          rule="mix_small_rich < own_rich",
          note="data-rich robots (panda7, widow5, kuka7: 240 episodes each at cpu scale); both models are "
               "d_small / layers_small"),
    Claim("larger-closes-rich-gap",
          paper="a larger model trained on the mixture (RT-2-X, 55B) closes the gap on the data-rich domains "
                "(Table I: Bridge 50%, Google robot 91%)",
          rule="mix_large_rich > mix_small_rich and mix_large_rich >= own_rich - 0.05",
          note="mix_large = d_large / layers_large on the same mixture; 'closes' = above the small mixture "
               "model and within 5 points of the per-robot models"),
    Claim("emergent-skill-needs-source-data",
          paper="skills demonstrated only on another robot's data appear on the test robot, and far less "
                "without that robot's data (Table II: 75.8% with Bridge, 42.8% without)",
          rule="skill_with > skill_without",
          note="pick_place is demonstrated on panda7 only; tested on scara4 (whose own data are reach and "
               "push); with = the mixture of all six robots, without = the mixture minus panda7"),
]
