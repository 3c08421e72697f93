"""The CLI and the headless runner: listing, validation errors before work, a failing cell."""
import json
import subprocess
import sys

import pytest

from workbench import WorkbenchError, registry, runner

CLI = [sys.executable, "-m", "workbench.cli"]


def cli(*args):
    return subprocess.run([*CLI, *args], capture_output=True, text=True, timeout=120)


def test_list_names_every_paper():
    out = cli("list")
    assert out.returncode == 0
    for slug in registry.PAPERS:
        assert slug in out.stdout


def test_params_lists_every_parameter_at_every_scale_with_its_reason():
    from workbench import scales
    out = cli("params", "grokking")
    assert out.returncode == 0, out.stderr
    cls = registry.PAPERS["grokking"].load_config().Config
    names = [line.split(" (")[0] for line in out.stdout.splitlines() if line and not line.startswith((" ", "grokking"))]
    assert names[1:] == scales.parameter_names(cls)  # the first line is the count and how to set one
    p_at = {scale: scales.resolve("grokking", scale).p for scale in ("smoke", "cpu", "paper")}
    assert f"p (int)\n    smoke: {p_at['smoke']}  |  cpu: {p_at['cpu']}  |  paper: {p_at['paper']}\n    modulus;" in out.stdout
    assert "every scale: 4" in out.stdout and "scale (" not in out.stdout
    assert "workbench params SLUG" in cli("run", "grokking", "--help").stdout


@pytest.mark.parametrize("args, message", [
    (["run", "nosuch"], "unknown notebook 'nosuch'"),
    (["params", "nosuch"], "unknown notebook 'nosuch'"),
    (["report", "/nonexistent/run"], "no such run folder"),
])
def test_errors_are_one_line_without_traceback(args, message):
    out = cli(*args)
    assert out.returncode == 2
    assert message in out.stderr
    assert "Traceback" not in out.stderr and len(out.stderr.strip().splitlines()) == 1


def test_bad_parameters_fail_before_any_work(tmp_path):
    paper = next(iter(registry.available()), None)
    if paper is None:
        pytest.skip("no notebook written yet")
    for bad, message in [("nosuchkey=1", "unknown parameter 'nosuchkey'"), ("seed=notanint", "bad value for 'seed'")]:
        out = cli("run", paper.slug, "-p", bad, "--out", str(tmp_path))
        assert out.returncode == 2, out.stderr
        assert message in out.stderr and "Traceback" not in out.stderr
    out = cli("run", paper.slug, "--scale", "huge", "--out", str(tmp_path))
    assert out.returncode == 2 and "invalid choice: 'huge'" in out.stderr
    assert not any(tmp_path.iterdir())  # nothing was executed or written


def test_failing_cell_is_named_and_executed_copy_kept(notebook_factory, tmp_path):
    nb = notebook_factory("broken", [
        ("md", "# A notebook that fails in its third cell"),
        ("code", 'scale = "cpu"\noverrides = {}\nresults_dir = ""', ["parameters"]),
        ("code", "x = 1\nprint('before the failure', x)"),
        ("code", "raise ValueError('the data file is malformed')"),
        ("code", "print('never reached')"),
    ])
    out = tmp_path / "out"
    with pytest.raises(WorkbenchError) as e:
        runner.execute(nb, out, {"scale": "smoke", "overrides": {}, "results_dir": str(out)}, "broken")
    message = str(e.value)
    assert "ValueError: the data file is malformed" in message and "\n" not in message
    # the third code cell as stored (papermill's index also counts the parameters cell it injects)
    assert "code cell 3 (`raise ValueError('the data file is malformed')`)" in message
    executed = json.loads((out / "broken.ipynb").read_text())
    outputs = [o for c in executed["cells"] if c["cell_type"] == "code" for o in c.get("outputs", [])]
    assert any(o.get("ename") == "ValueError" for o in outputs)
    assert any("before the failure 1" in "".join(o.get("text", "")) for o in outputs)


def test_execute_injects_parameters(notebook_factory, tmp_path):
    nb = notebook_factory("params", [
        ("code", 'scale = "cpu"\noverrides = {}\nresults_dir = ""', ["parameters"]),
        ("code", "import json, pathlib\n"
                 "pathlib.Path(results_dir, 'seen.json').write_text(json.dumps({'scale': scale, 'overrides': overrides}))"),
    ])
    out = tmp_path / "out"
    runner.execute(nb, out, {"scale": "smoke", "overrides": {"ops": ("add", "sub"), "p": 23},
                             "results_dir": str(out)}, "params")
    assert json.loads((out / "seen.json").read_text()) == {"scale": "smoke", "overrides": {"ops": ["add", "sub"], "p": 23}}
