"""Verdicts under noise (workbench.results): constructed data whose answer is known."""
import json

import numpy as np
import pytest

from workbench import WorkbenchError
from workbench.results import Claim, Results, Samples, aggregate_seeds, bootstrap, judge_rule, seeds, summary


def _bernoulli(p, n, seed):
    return (np.random.default_rng(seed).random(n) < p).astype(float)


def test_clear_difference_holds():
    a, b = _bernoulli(0.8, 400, 1), _bernoulli(0.4, 400, 2)
    j = judge_rule("acc_a > acc_b", {"acc_a": bootstrap(a), "acc_b": bootstrap(b)})
    assert j["verdict"] == "holds" and j["support"] >= 0.99
    lo, hi = j["intervals"]["acc_a"]
    assert lo < j["measured"]["acc_a"] < hi and abs(j["measured"]["acc_a"] - a.mean()) < 1e-12


def test_clearly_reversed_difference_fails():
    a, b = _bernoulli(0.3, 400, 1), _bernoulli(0.7, 400, 2)
    j = judge_rule("acc_a > acc_b", {"acc_a": bootstrap(a), "acc_b": bootstrap(b)})
    assert j["verdict"] == "fails" and j["support"] <= 0.01


def test_no_difference_is_inconclusive():
    a, b = _bernoulli(0.5, 200, 1), _bernoulli(0.5, 200, 2)
    j = judge_rule("acc_a > acc_b", {"acc_a": bootstrap(a), "acc_b": bootstrap(b)})
    assert j["verdict"] == "inconclusive" and 0.05 < j["support"] < 0.95


def test_difference_inside_the_noise_is_inconclusive():
    # the case: 0.50 against 0.47 on a dozen questions "holds" when judged once
    a = np.array([1] * 6 + [0] * 6, dtype=float)                     # 0.50
    b = np.array([1] * 5 + [0] * 6 + [1], dtype=float) * 0.94        # ~0.47
    assert judge_rule("acc_a > acc_b", {"acc_a": a.mean(), "acc_b": b.mean()})["verdict"] == "holds"
    j = judge_rule("acc_a > acc_b", {"acc_a": bootstrap(a), "acc_b": bootstrap(b)})
    assert j["verdict"] == "inconclusive"
    assert j["intervals"]["acc_a"][0] < 0.47 < j["intervals"]["acc_a"][1]


def test_tie_at_chance_under_ge_does_not_hold():
    # readagent's "0.333 >= 0.333": every method scores the same -> equality is no evidence
    j = judge_rule("acc_llm >= acc_fixed", {"acc_llm": 1 / 3, "acc_fixed": 1 / 3})
    assert j["verdict"] == "inconclusive" and j["support"] == 0.5 and j["noise"]["acc_llm"] == "none"
    same = np.array([1, 0, 0] * 10, dtype=float)      # identical per-question outcomes: ties in every replicate
    j = judge_rule("acc_llm >= acc_fixed", {"acc_llm": bootstrap(same), "acc_fixed": bootstrap(same.copy())})
    assert j["verdict"] == "inconclusive" and j["support"] == 0.5 and "ties" in j["reason"]
    # == is exact on purpose, and a tie inside `or` with a true side still holds
    assert judge_rule("g == 0", {"g": 0.0})["verdict"] == "holds"
    assert judge_rule("a >= b or c > 1", {"a": 1, "b": 1, "c": 2})["verdict"] == "holds"
    assert judge_rule("a >= b and c > 1", {"a": 1, "b": 1, "c": 0})["verdict"] == "fails"


def test_pairing_over_the_same_units():
    # b = a with one extra success: a paired comparison sees b > a in (nearly) every replicate,
    # an unpaired one (different bootstrap seeds) does not
    a = _bernoulli(0.5, 200, 3)
    b = a.copy()
    b[np.flatnonzero(a == 0)[:6]] = 1
    paired = judge_rule("acc_b > acc_a", {"acc_a": bootstrap(a, seed=0), "acc_b": bootstrap(b, seed=0)})
    unpaired = judge_rule("acc_b > acc_a", {"acc_a": bootstrap(a, seed=1), "acc_b": bootstrap(b, seed=2)})
    assert paired["verdict"] == "holds" and unpaired["verdict"] == "inconclusive"


def test_bootstrap_with_a_statistic_over_rows():
    pairs = np.array([[1, 0], [1, 1], [0, 0], [1, 0]] * 20, dtype=float)
    s = bootstrap(pairs, lambda rows: float(np.mean(rows[:, 0] - rows[:, 1])), n=200)
    assert s.kind == "bootstrap" and len(s.values) == 200 and s.point == pytest.approx(0.5)
    with pytest.raises(WorkbenchError, match="zero evaluation units"):
        bootstrap([])


def test_seeds_are_resampled_and_paired():
    clear = judge_rule("grok_a < grok_b", {"grok_a": seeds([900, 1100, 1000]), "grok_b": seeds([3000, 4100, 2600])})
    assert clear["verdict"] == "holds" and clear["noise"]["grok_a"] == "3 seeds"
    assert clear["measured"]["grok_a"] == 1000 and 900 <= clear["intervals"]["grok_a"][0] <= clear["intervals"]["grok_a"][1] <= 1100
    mixed = judge_rule("x > 0", {"x": seeds([1.0, -1.0, 0.5])})
    assert mixed["verdict"] == "inconclusive"
    with pytest.raises(WorkbenchError, match="same draws"):
        judge_rule("a > b", {"a": seeds([1, 2]), "b": seeds([1, 2, 3])})


def test_missing_values():
    rule = "test_acc >= 0.95 and steps_to_test95 >= 2 * steps_to_train99"
    # a threshold never reached (None) does not hold: the rule is false, the claim fails
    j = judge_rule(rule, {"test_acc": 0.99, "steps_to_test95": None, "steps_to_train99": 900})
    assert j["verdict"] == "fails" and "missing" in j["reason"]
    assert judge_rule("x > 0", {"x": float("nan")})["verdict"] == "fails"
    # reached in 2 seeds of 3: never holds, and no interval is claimed for it
    j = judge_rule("steps > 100", {"steps": seeds([4200, None, 3900])})
    assert j["verdict"] == "inconclusive" and "steps" not in j["intervals"] and j["measured"]["steps"] is None
    # never reached in any seed: fails
    assert judge_rule("steps > 100", {"steps": seeds([None, None, None])})["verdict"] == "fails"
    # a name not measured at all: nothing can be said
    j = judge_rule("a > b", {"a": 1.0})
    assert j["verdict"] == "inconclusive" and j["support"] is None and j["reason"] == "not measured: b"
    assert judge_rule("a / b > 1", {"a": 1.0, "b": 0.0})["verdict"] == "fails"  # undefined -> false


def test_claim_dict_and_results_json(tmp_path):
    res = Results("toy", {"seed": 0}, "cpu")
    a, b = _bernoulli(0.8, 300, 1), _bernoulli(0.4, 300, 2)
    judged = res.judge([Claim("a-beats-b", paper="A beats B", rule="acc_a > acc_b"),
                        Claim("a-high", paper="A is near perfect", rule="acc_a >= 0.99"),
                        Claim("tie", paper="A matches C", rule="acc_c >= acc_d")],
                       {"acc_a": bootstrap(a), "acc_b": bootstrap(b), "acc_c": 0.5, "acc_d": 0.5})
    assert [c["verdict"] for c in judged] == ["holds", "fails", "inconclusive"]
    assert [c["holds"] for c in judged] == [True, False, False]
    data = json.loads(res.write(tmp_path).read_text())
    c = data["claims"][0]
    assert set(c) >= {"id", "paper", "rule", "note", "measured", "holds", "verdict", "support", "intervals", "noise", "reason"}
    assert c["measured"]["acc_a"] == pytest.approx(a.mean()) and len(c["intervals"]["acc_a"]) == 2
    assert data["claims"][2]["noise"] == {"acc_c": "none", "acc_d": "none"}
    assert summary(data["claims"]) == res.summary() == "1 hold, 1 fail, 1 inconclusive"
    table = res.table()
    assert list(table["verdict"]) == ["holds", "fails", "inconclusive"]
    assert "1 hold, 1 fail, 1 inconclusive" in table._repr_html_()


def test_aggregate_over_seeds():
    runs = [Claim("c", paper="p", rule="a > b").judge({"a": a, "b": b}) for a, b in [(0.9, 0.5), (0.8, 0.6), (0.85, 0.55)]]
    agg = aggregate_seeds(runs)
    assert agg["verdict"] == "holds" and agg["n_seeds"] == 3 and agg["noise"]["a"] == "3 seeds"
    assert agg["measured"]["a"] == pytest.approx(0.85)
    flip = [Claim("c", paper="p", rule="a > b").judge({"a": a, "b": b}) for a, b in [(0.9, 0.5), (0.4, 0.6)]]
    assert aggregate_seeds(flip)["verdict"] == "inconclusive"


def test_samples_validation():
    with pytest.raises(WorkbenchError, match="kind"):
        Samples((1.0,), kind="folds")
    assert Samples((1.0, float("nan"))).values == (1.0, None)


def test_aggregate_over_seeds_of_a_list_valued_quantity():
    runs = [Claim("c", paper="p", rule="len(ops) >= 2").judge({"ops": ops}) for ops in (["a", "b", "c"], ["a", "b", "c"], ["a"])]
    agg = aggregate_seeds(runs)
    assert agg["verdict"] == "inconclusive" and agg["support"] == pytest.approx(2 / 3, abs=1e-3) and "not a number" in agg["reason"]
