"""RT-X claims, fixed before any run. Every quantity is a closed-loop success rate. The first four claims
bootstrap (training seed, robot-task cell, evaluation episode) units, two models over the same cells paired
unit by unit (same seeds, same start states); the `*_by_seed` quantities are one rate per training seed,
resampled as seeds (workbench.results.seeds). See train.measured_values."""
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
    # added after the first cpu runs, each written before the run that judges it
    Claim("mixture-helps-poor-by-seed",
          paper="RT-1-X trained on the robot mixture beats each small dataset's own model (Fig. 4: +50% mean "
                "success over the Original Method on the small-data domains)",
          rule="mix_poor_by_seed > own_poor_by_seed",
          note="mixture-helps-poor with training noise weighed as such: one success rate per training seed "
               "(poor_seeds seeds, each the mean over the poor robots' own cells and episodes), resampled as "
               "seeds, paired by seed"),
    Claim("small-underfits-rich-matched-epochs",
          paper="on the data-rich domains the 35M RT-1-X is worse than RT-1 trained on that domain alone "
                "(Table I: Bridge 27% vs 40%, Google robot 73% vs 92%): the small model underfits the mixture",
          rule="mix_epochs_rich_by_seed < own_rich_by_seed",
          note="small-underfits-rich at matched epochs per robot, not matched steps: the small mixture trains "
               "train_steps / (smallest rich-robot sampling weight) steps, so every data-rich robot gets at least "
               "as many epochs of its data as its own model's train_steps give it; what is left is capacity. One "
               "success rate per training seed (rich_seeds seeds) on the rich robots' own cells, resampled as seeds"),
    Claim("history-helps",
          paper="a short image history improves the policy: RT-2-X 5B with 2 frames of history 44.4% against "
                "14.5% without (emergent skills), 52% against 30% (RT-2 generalisation) (Table II rows 4-5)",
          rule="mix_history_long > mix_history_one",
          note="the small mixture with ablation_history steps of history (2, the paper's) against the same model "
               "with the current step only, same data, steps and seed; success on every robot's own cells (the "
               "emergent skill is ~0 for both at cpu scale, so the in-distribution cells stand in for the "
               "generalisation evaluation); bootstrap over (cell, episode), paired"),
    Claim("emergent-skill-matched-epochs",
          paper="skills demonstrated only on another robot's data appear on the test robot, and far less "
                "without that robot's data (Table II: 75.8% with Bridge, 42.8% without)",
          rule="skill_with_epochs > skill_without_epochs",
          note="judged only once the mixture does the skill where it is demonstrated: the epoch-matched small "
               "mixture (every rich robot, the source included, gets at least its own model's epochs) must place "
               "the cube on the source robot, at least as often as the source robot's own model; then its "
               "pick_place on the target against the mixture without the source robot trained as many steps. "
               "Otherwise left unmeasured (inconclusive), with the reason in the metric emergent_skill_gate"),
]
