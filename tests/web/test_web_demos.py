"""Demonstration sets: recorded over several tasks in two browsers, resumed, summarised in a card,
and read back step by step for torch."""
import json

import pytest
from support import needs_browser

from workbench import WorkbenchError


@needs_browser
def test_record_resume_card_and_loader(tmp_path):
    from workbench.web.demos import DemoSteps, load_card, record_demos

    tasks = ["click-button", "login-user"]
    seen = []
    card = record_demos(tmp_path / "d", tasks, episodes=2, workers=2, progress=seen.append)
    assert sorted(seen) == tasks
    assert card["totals"]["episodes"] == 4 and card["totals"]["successes"] == 4
    assert card["tasks"]["login-user"]["steps"] == 6 and card["settings"]["screenshots"] is True
    first = (tmp_path / "d" / "tasks" / "login-user" / "episodes.jsonl").read_text()

    # resuming records only the missing episodes, the first ones stay as they were
    card = record_demos(tmp_path / "d", tasks, episodes=3)
    assert {t: r["episodes"] for t, r in card["tasks"].items()} == {"click-button": 3, "login-user": 3}
    again = (tmp_path / "d" / "tasks" / "login-user" / "episodes.jsonl").read_text()
    assert again.startswith(first) and len(again.splitlines()) == 3
    assert load_card(tmp_path / "d")["totals"]["steps"] == 3 * 1 + 3 * 3
    assert "| login-user |  | 3 | 9 | 1.00 |" in (tmp_path / "d" / "card.md").read_text()
    with pytest.raises(WorkbenchError, match="other settings"):
        record_demos(tmp_path / "d", tasks, episodes=3, screenshots=False)

    steps = DemoSteps(tmp_path / "d")
    assert len(steps) == 12
    item = steps[3]
    assert item["task"] == "login-user" and item["screenshot"].shape == (210, 160, 3)
    assert item["sub_instruction"].startswith("fill_login(") and item["action_ref"] in item["refs"]
    assert item["action_kind"] in ("click", "type") and item["html"].startswith("<div id=\"wrap\"")
    import torch
    from torch.utils.data import DataLoader

    batch = next(iter(DataLoader(steps, batch_size=4, collate_fn=DemoSteps.collate)))
    assert batch["screenshot"].shape == (4, 210, 160, 3) and batch["action_ref"].dtype == torch.int64
    assert len(DemoSteps(tmp_path / "d", tasks=["click-button"], screenshots=False)) == 3


def test_bad_requests_fail_before_any_browser(tmp_path):
    from workbench.web.demos import load_card, record_demos

    with pytest.raises(WorkbenchError, match="no oracle"):
        record_demos(tmp_path, ["fly-to-moon"], episodes=1)
    with pytest.raises(WorkbenchError):
        record_demos(tmp_path, ["click-button"], episodes=0)
    with pytest.raises(WorkbenchError, match="card"):
        load_card(tmp_path)
    json.dumps({})
