"""Every page in real Chromium (one browser moved from page to page): the oracle solves it, doing the
sub-tasks in the wrong order fails it, and the naive in-order agent fails every reverse twin."""
import pytest

from workbench.web import env as env_mod

if env_mod.chromium_missing():
    pytest.skip(env_mod.chromium_missing(), allow_module_level=True)

from workbench.web.agent import run_episode  # noqa: E402
from workbench.web.compose import PAGES_DIR, all_tasks  # noqa: E402
from workbench.web.composed import naive, oracle, wrong_order  # noqa: E402
from workbench.papers.compwob.browser import goto  # noqa: E402
from workbench.papers.compwob.train import page_stats  # noqa: E402


@pytest.fixture(scope="module")
def outcomes():
    """task -> {agent: (success, reward, steps)} for one seeded episode per agent."""
    out, env = {}, None
    try:
        for task in all_tasks():
            env = goto(env, task.name, PAGES_DIR, screenshots=False, time_limit_s=30)
            assert env.task == task.name
            steps = 4 * task.n + 4
            res = {}
            for name, agent in (("oracle", oracle()), ("wrong", wrong_order()), ("naive", naive())):
                if task.n == 1 and name != "oracle":
                    continue
                ep = run_episode(env, agent, max_steps=steps, seed=7)
                res[name] = (ep.success, ep.reward, ep.n_steps, ep.utterance)
            out[task.name] = (task, res)
    finally:
        if env is not None:
            env.close()
    return out


def test_oracle_solves_every_page(outcomes):
    failed = [t for t, (_, r) in outcomes.items() if not r["oracle"][0]]
    assert not failed, f"oracle failed on {failed}"


def test_wrong_order_fails_every_composed_page(outcomes):
    passed = [t for t, (task, r) in outcomes.items() if task.n > 1 and r["wrong"][0]]
    assert not passed, f"wrong sub-task order still succeeded on {passed}"
    # without a transition the final sub-task's box is on the page, so doing it first ends with -1
    rewards = {r["wrong"][1] for t, (task, r) in outcomes.items() if task.n > 1 and not task.transition}
    assert rewards == {-1.0}


def test_naive_agent_solves_forward_and_fails_reverse(outcomes):
    for t, (task, r) in outcomes.items():
        if task.n > 1:
            assert r["naive"][0] == (task.direction == "forward"), t


def test_reverse_twin_shows_the_reverse_wording(outcomes):
    _, r = outcomes["click-button_click-link-reverse"]
    assert ", after clicking the " in r["oracle"][3]
    _, r = outcomes["click-button_click-link"]
    assert ", and then click the link " in r["oracle"][3]


def test_transition_page_shows_one_box_at_a_time():
    with env_mod.WebEnv("login-user_navigate-tree-transition", html_dir=PAGES_DIR, screenshots=False) as env:
        obs = env.reset(seed=3)
        boxes = [e.id for e in obs.dom if e.id.startswith("box-")]
        assert boxes == ["box-login-user"]
        agent = oracle()
        history = []
        from workbench.web.agent import Turn
        for _ in range(3):                      # username, password, Login
            a = agent.act(obs, history)
            history.append(Turn(obs, a))
            obs = env.step(a).obs
        assert [e.id for e in obs.dom if e.id.startswith("box-")] == ["box-navigate-tree"]
        stats = page_stats(obs)
        assert stats["n_elements"] == len(obs.dom) and stats["dom_depth"] >= 3


def test_a_wrong_earlier_subtask_fails_at_the_final_click():
    """Earlier sub-tasks only set state: a wrong button, then the right link, still ends with -1."""
    from workbench.web.actions import Action
    from workbench.web.composed import skill_for
    from workbench.web.instructions import parse
    with env_mod.WebEnv("click-button_click-link", html_dir=PAGES_DIR, screenshots=False) as env:
        obs = env.reset(seed=5)
        button, link = parse(obs.utterance)
        wrong = next(e for e in obs.dom if e.tag == "BUTTON" and e.text != button.args[0])
        r = env.step(Action.click(wrong.ref))
        assert not r.terminated                          # the episode goes on: only a flag was set
        r = env.step(skill_for(link).next_action(r.obs))
        assert r.terminated and r.reward == -1.0


def test_pages_from_another_folder_are_scored(tmp_path):
    """`-p pages=DIR`: composed pages written elsewhere (the web tests' second style) are scored,
    with sub-task counts and directions read from each episode's instruction."""
    from pathlib import Path

    from workbench import WorkbenchError, scales
    from workbench.papers.compwob.train import train

    others = Path(__file__).resolve().parents[2] / "web" / "pages" / "others"
    assert scales.resolve("compwob", "smoke", {"pages": str(others)}).pages == str(others)
    # repo-relative, as a user types it at the repo root (the notebook's kernel runs elsewhere)
    cfg = scales.resolve("compwob", "smoke", {"pages": "tests/web/pages/others", "agents": ("oracle", "naive"),
                                              "episodes": 2, "bases": ("click-button",)})
    rows = [r for r in train(cfg).rows if r["task"].startswith("s2-")]
    assert len({r["task"] for r in rows}) == 5 and len(rows) == 5 * 2 * 2
    assert {r["source"] for r in rows} == {"pages"}
    assert all(r["success"] for r in rows if r["agent"] == "oracle")
    assert {r["n"] for r in rows} == {2, 3}
    for r in rows:
        if r["agent"] == "naive":
            assert r["success"] == (r["direction"] == "forward"), r
    with pytest.raises(WorkbenchError, match="pages"):
        scales.resolve("compwob", "smoke", {"pages": str(tmp_path)})


BROKEN_PAGE = """<!DOCTYPE html>
<html><head><title>s2-button_broken</title>
<link rel="stylesheet" type="text/css" href="../core/core.css">
<script src="../core/core.js"></script>
<script>
core.EPISODE_MAX_TIME = 2000000;
var genProblem = function() { undefinedHelper(); };   // its own script throws at reset
window.onload = function() { core.startEpisode(); };
</script></head>
<body><div id="wrap"><div id="query"></div><div id="area"></div></div></body></html>
"""


def test_broken_page_is_reported_and_the_run_goes_on(tmp_path, capsys):
    """A page whose script throws at reset is reported (one line, and in `Run.broken`); the pages
    after it are still played, and pages are labelled from their file names."""
    import shutil
    from pathlib import Path

    from workbench import scales
    from workbench.papers.compwob.train import page_labels, train

    others = Path(__file__).resolve().parents[2] / "web" / "pages" / "others"
    for f in ("style2.js", "s2-button_link.html"):
        shutil.copy(others / f, tmp_path / f)
    (tmp_path / "a-broken_page.html").write_text(BROKEN_PAGE)
    cfg = scales.resolve("compwob", "smoke", {"pages": str(tmp_path), "agents": ("oracle",), "episodes": 2,
                                              "bases": ("click-button",)})
    run = train(cfg)
    assert list(run.broken) == ["a-broken_page"] and "\n" not in run.broken["a-broken_page"]
    assert "broken page a-broken_page:" in capsys.readouterr().err
    rows = [r for r in run.rows if r["task"] == "s2-button_link"]
    assert len(rows) == 2 and all(r["success"] and r["n"] == 2 for r in rows)
    assert not [r for r in run.rows if r["task"] == "a-broken_page"]
    assert page_labels("click-option_login-user-transition-reverse") == {
        "composition": "click-option_login-user-transition", "bases": ("click-option", "login-user"), "n": 2,
        "transition": True, "direction": "reverse"}
    assert page_labels("click-button_click-link", 'Click "after" and then the link "x"')["direction"] == "forward"


def test_paper_task_set_reads_its_pages_and_labels_them_by_name(tmp_path):
    """task_set=paper: composed pages from `paper_dir` (here the tests' third-style page under a
    CompWoB name), base pages from the miniwob package; rows labelled by page name."""
    import shutil
    from pathlib import Path

    from workbench import WorkbenchError, scales
    from workbench.papers.compwob import paper_set
    from workbench.papers.compwob.train import train

    third = Path(__file__).resolve().parents[2] / "web" / "pages" / "third"
    shutil.copy(third / "style3.js", tmp_path / "style3.js")
    for name in paper_set.page_names(["click-option_login-user"]):
        shutil.copy(third / "s3-option_login.html", tmp_path / f"{name}.html")
    over = {"task_set": "paper", "paper_dir": str(tmp_path), "paper_compositions": ("click-option_login-user",),
            "agents": ("oracle",), "episodes": 2}
    run = train(scales.resolve("compwob", "smoke", over))
    got = {(r["task"], r["direction"], r["n"], r["source"]) for r in run.rows}
    assert got == {("click-option", "base", 1, "paper"), ("login-user", "base", 1, "paper"),
                   ("click-option_login-user", "forward", 2, "paper"),
                   ("click-option_login-user-reverse", "reverse", 2, "paper")}
    assert all(r["success"] for r in run.rows) and not run.broken
    with pytest.raises(WorkbenchError, match="lacks 2 page"):
        scales.resolve("compwob", "smoke", {**over, "paper_compositions": ("click-link_click-button",)})
    with pytest.raises(WorkbenchError, match="paper_compositions"):
        scales.resolve("compwob", "smoke", {**over, "paper_compositions": ("no-such_page",)})
    assert len(paper_set.COMPOSITIONS) == 51 and set(paper_set.CPU_SUBSET) <= set(paper_set.COMPOSITIONS)
    assert paper_set.labels("login-user-popup_email-inbox-forward-nl-turk-transition-reverse")["bases"] == (
        "login-user-popup", "email-inbox-forward-nl-turk")
