"""results.json: claim rules evaluated from measured numbers, atomic round trip, schema check."""
import json
from dataclasses import dataclass

import numpy as np
import pytest

from workbench import WorkbenchError
from workbench.results import Claim, Results, evaluate_rule, load, rule_names

RULE = "test_acc >= 0.95 and steps_to_test95 >= 2 * steps_to_train99"


def test_rule_evaluation_from_measured_values():
    assert evaluate_rule(RULE, {"test_acc": 0.998, "steps_to_test95": 4200, "steps_to_train99": 900})
    assert not evaluate_rule(RULE, {"test_acc": 0.998, "steps_to_test95": 1500, "steps_to_train99": 900})
    assert not evaluate_rule(RULE, {"test_acc": 0.90, "steps_to_test95": 4200, "steps_to_train99": 900})
    # a threshold never crossed is None: the claim does not hold, and it is not an error
    assert not evaluate_rule(RULE, {"test_acc": 0.998, "steps_to_test95": None, "steps_to_train99": 900})
    assert not evaluate_rule("x > 0", {"x": float("nan")})
    assert evaluate_rule("abs(a - b) < 0.1 and max(a, b) <= 1", {"a": 0.5, "b": 0.55})
    assert rule_names(RULE) == ["test_acc", "steps_to_test95", "steps_to_train99"]


@pytest.mark.parametrize("rule", ["__import__('os').system('true')", "x.__class__", "open('f')", "x >"])
def test_rules_cannot_run_code(rule):
    with pytest.raises(WorkbenchError):
        Claim("c", paper="p", rule=rule)


@dataclass(frozen=True)
class Cfg:
    p: int = 59
    seed: int = 3


def test_results_round_trip(tmp_path):
    res = Results("grokking", Cfg(), "cpu")
    res.log(**{"add/steps_to_generalize": np.int64(4200), "add/test_acc": np.float32(0.5)})
    judged = res.judge([Claim("add-groks", paper="a+b groks", rule=RULE)],
                       {"test_acc": np.float64(0.998), "steps_to_test95": 4200, "steps_to_train99": 900, "other": 1})
    assert judged[0]["holds"] is True
    path = res.write(tmp_path)
    data = load(path)
    assert data["slug"] == "grokking" and data["seed"] == 3 and data["params"] == {"p": 59, "seed": 3}
    assert data["metrics"] == {"add/steps_to_generalize": 4200, "add/test_acc": 0.5}
    assert data["claims"][0]["measured"] == {"test_acc": 0.998, "steps_to_test95": 4200, "steps_to_train99": 900}
    assert {"workbench", "python"} <= set(data["versions"])
    assert not [p for p in tmp_path.iterdir() if p.name != "results.json"]  # no temp files left behind


def test_load_rejects_malformed_files(tmp_path):
    bad = tmp_path / "results.json"
    bad.write_text("{not json")
    with pytest.raises(WorkbenchError, match="not valid JSON"):
        load(bad)
    bad.write_text(json.dumps({"slug": "x"}))
    with pytest.raises(WorkbenchError, match="missing field"):
        load(bad)
