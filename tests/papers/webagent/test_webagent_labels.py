"""Fine-tuning labels from a real recording (oracle episodes in Chromium through the recorder)."""
import pytest

from workbench.web import env as env_mod

if env_mod.chromium_missing():
    pytest.skip(env_mod.chromium_missing(), allow_module_level=True)

from workbench.papers.webagent.data import canonical, examples_from_steps, parse_refs, prompts  # noqa: E402
from workbench.web.demos import record_demos  # noqa: E402
from workbench.web.recorder import load_dataset  # noqa: E402


def test_labels_from_a_login_recording(tmp_path):
    record_demos(tmp_path, ["login-user"], episodes=1, seed=3, screenshots=False)
    ds = load_dataset(tmp_path / "tasks" / "login-user")
    assert ds.episodes[0]["success"]
    steps = [s.record for s in ds.steps]
    exs = examples_from_steps(steps)
    user, pw = exs[0].instruction.split('"')[1], exs[0].instruction.split('"')[3]
    assert [e.program for e in exs] == [f'type({steps[0]["refs"][0]}, "{user}")',
                                        f'type({steps[1]["refs"][0]}, "{pw}")', f'click({steps[2]["refs"][0]})']
    # canonical sub-instructions: the step part of '<skill>: <step>'
    assert exs[0].sub_instruction == canonical(steps[0]["sub_instruction"]) and exs[0].sub_instruction.startswith("type")
    assert [e.history for e in exs] == [(), (exs[0].sub_instruction,), (exs[0].sub_instruction, exs[1].sub_instruction)]
    assert exs[2].past_programs == (exs[0].program, exs[1].program)
    for e, s in zip(exs, steps):
        assert e.refs == tuple(s["refs"]) and f"ref={e.refs[0]}" in e.html and f"ref={e.refs[0]}" in e.snippets
        assert "data-wob" not in e.html
        src, tgt = prompts("snippet", e)
        assert parse_refs(tgt) == e.refs and src.startswith("snippet: " + e.sub_instruction)


def test_canonical_and_parse_refs():
    assert canonical('fill_login(\'a\', \'b\'): type "a" into input_text #username') == 'type "a" into input_text #username'
    assert canonical('Log in as "x: y" with password "z": click login') == "click login"
    assert canonical("wait") == "wait"
    assert parse_refs("7 10 7 junk 3") == (3, 7, 10) and parse_refs("") == ()
