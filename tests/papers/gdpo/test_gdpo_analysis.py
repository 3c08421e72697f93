"""LLM claim quantities as bootstrap samples over their units, on a constructed result."""
from types import SimpleNamespace

import numpy as np
import pytest

from workbench.papers.gdpo import analysis as A
from workbench.results import Claim, Samples


def _result(n_prompts: int, gdpo_wins: int, dpo_wins: int):
    """Every reference reply misses its word; GDPO/DPO include it on their first k prompts."""
    words = [f"w{i}" for i in range(n_prompts)]
    ref = ["no" for _ in words]
    pol = {"gdpo": [w if i < gdpo_wins else "no" for i, w in enumerate(words)],
           "dpo": [w if i < dpo_wins else "no" for i, w in enumerate(words)]}
    pairs = [dict(r1=1.0, r2=0.0, p_judge=0.6), dict(r1=1.0, r2=0.0, p_judge=0.4),
             dict(r1=0.0, r2=0.0, p_judge=0.9), dict(r1=0.0, r2=1.0, p_judge=0.5)]
    return SimpleNamespace(reference=ref, eval_prompts=[{"word": w} for w in words], policies=pol, pairs=pairs,
                           metrics={"judge_ece": 0.1, "judge_position_bias": 0.0})


def test_outcomes_and_judge_units():
    res = _result(4, 3, 1)
    assert A.lm_outcomes(res, "gdpo").tolist() == [1, 1, 1, 0.5]
    assert A.lm_outcomes(res, "dpo").tolist() == [1, 0.5, 0.5, 0.5]
    # decidable pairs only (the tie r1 = r2 is dropped); p̂ = ½ counts ½
    assert A.judge_correct(res).tolist() == [1.0, 0.0, 0.5]


@pytest.mark.parametrize("n, g, d, verdict", [(200, 150, 20, "holds"), (200, 20, 150, "fails"),
                                              (8, 3, 2, "inconclusive")])
def test_llm_claim_verdicts_follow_the_noise(n, g, d, verdict):
    m = A.lm_measured(_result(n, g, d))
    assert isinstance(m["llm_win_gdpo"], Samples) and m["llm_win_gdpo"].kind == "bootstrap"
    assert m["llm_win_gdpo"].point == pytest.approx(np.mean(A.lm_outcomes(_result(n, g, d), "gdpo")))
    claim = Claim("x", paper="", rule="llm_win_gdpo > llm_win_dpo", note="")
    assert claim.judge(m)["verdict"] == verdict


def test_study_summary_counts_settings():
    import pandas as pd
    t = pd.DataFrame({"optimizer": ["adam", "adam", "sgd", "sgd"], "lr": [0.05, 0.5, 10.0, 10.0], "beta": [1.0, 1.0, 1.0, 0.1],
                      "gdpo_minus_dpo": [-0.1, 0.02, -0.01, 0.03]})
    first, second = A.study_summary(t).split("\n")
    assert first.startswith("β = 1, T = 1") and "positive in 1 of 3" in first
    assert "ADAM: -0.100 to +0.020" in first and "SGD: -0.010 to -0.010" in first
    assert second.startswith("β = 0.1") and "positive in 1 of 1" in second
