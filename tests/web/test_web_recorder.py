"""The recorder's files reload into the same observations and actions."""

import json

import numpy as np
import pytest
from support import needs_browser

from workbench import WorkbenchError
from workbench.web.recorder import load_dataset


@needs_browser
def test_recorded_episodes_reload(tmp_path):
    from workbench.web.agent import run_episode
    from workbench.web.env import WebEnv
    from workbench.web.oracles import oracle
    from workbench.web.recorder import Recorder

    class Spy:
        """Wraps the oracle and keeps what it saw, to compare with the reloaded files."""

        def __init__(self):
            self.inner, self.seen = oracle("login-user"), []

        def reset(self, obs):
            self.inner.reset(obs)

        def act(self, obs, history):
            a = self.inner.act(obs, history)
            self.seen.append((obs, a, self.inner.step_note()))
            return a

        def step_note(self):
            return self.inner.step_note()

    rec = Recorder(tmp_path / "demos")
    spy = Spy()
    with WebEnv("login-user", seed=5, screenshots=True) as env:
        eps = [run_episode(env, spy, max_steps=10, recorder=rec) for _ in range(2)]
    assert all(e.success for e in eps)

    ds = load_dataset(tmp_path / "demos")
    assert [e["episode"] for e in ds.episodes] == [0, 1]
    assert ds.episodes[0]["actions"] == eps[0].steps and ds.episodes[0]["success"] is True
    assert len(ds) == sum(e.n_steps for e in eps) == len(spy.seen) == 6
    for step, (obs, action, note) in zip(ds.steps, spy.seen):
        back = step.observation()
        assert step.action == action
        assert step.sub_instruction == note["sub_instruction"] and step.sub_instruction
        assert step.refs == note["refs"] and action.ref in step.refs
        assert step.sub_instruction.startswith("fill_login(")
        assert back.utterance == obs.utterance and back.html == obs.html
        assert back.dom == obs.dom  # colours included
        assert back.regions == obs.regions and back.regions["query"] == (0, 0, 160, 50)
        assert any(e.bg_color.startswith("rgb(") and e.bg_color != "rgba(0, 0, 0, 0)"
                   for e in back.dom) and all(e.fg_color for e in back.dom if e.tag != "t")
        assert back.screenshot.shape == (210, 160, 3)
        assert np.array_equal(back.screenshot, obs.screenshot)  # PNG is lossless
    assert [s.record["reward"] for s in ds.episode_steps(1)] == [0.0, 0.0, 1.0]
    assert [s.sub_instruction.split(": ")[1] for s in ds.episode_steps(1)] == [
        f'type "{ds.episodes[1]["utterance"].split(chr(34))[1]}" into input_text #username',
        f'type "{ds.episodes[1]["utterance"].split(chr(34))[3]}" into input_password #password',
        'click button "Login"']
    assert ds.episode_steps(1)[-1].record["terminated"] is True

    # appending continues the episode numbering; filters work
    Recorder(tmp_path / "demos").end_episode(eps[0])  # nothing started: writes nothing
    assert len(load_dataset(tmp_path / "demos").episodes) == 2
    assert load_dataset(tmp_path / "demos", tasks=["other"]).steps == []
    lines = (tmp_path / "demos" / "steps.jsonl").read_text().splitlines()
    assert set(json.loads(lines[0])) >= {"episode", "step", "task", "utterance", "fields", "html",
                                         "dom", "screenshot", "action", "reward"}


def test_loader_rejects_other_folders(tmp_path):
    with pytest.raises(WorkbenchError):
        load_dataset(tmp_path)
