"""The program sandbox: the language it accepts, and every hostile program refused with a one-line
reason before anything reaches the browser or the file system (real Chromium for the live part)."""
import pytest

from workbench.web.actions import Action
from workbench.web.program import Limits, ProgramAgent, ProgramError, compile_program, run_program

from support import needs_browser

HOSTILE = {
    "import": ("import os\nos.system('touch {marker}')", "imports"),
    "from-import": ("from os import system", "imports"),
    "class-walk": ("().__class__.__bases__[0].__subclasses__()", "attribute access"),
    "dunder-name": ("__import__('os')", "dunder"),
    "builtins": ("__builtins__", "dunder"),
    "open": ("open('{marker}', 'w')", "open() is not in the action API"),
    "eval": ("eval(\"open('{marker}', 'w')\")", "eval() is not in the action API"),
    "getattr": ("getattr(click, 'x')", "getattr() is not in the action API"),
    "while-true": ("while True:\n    click(1)", "while loops"),
    "huge-loop": ("for _ in range(10**9):\n    click(1)", "operators"),
    "big-loop": ("for _ in range(1000000):\n    click(1)", "loop bound"),
    "nested-loops": ("for _ in range(10):\n    for _ in range(10):\n        click(1)", "actions"),
    "huge-string-op": ("type(1, 'a' * 10**9)", "operators"),
    "long-literal": ("type(1, '" + "a" * 500 + "')", "characters"),
    "huge-source": ("click(1)\n" * 5000, "characters"),
    "lambda": ("(lambda: 1)()", "definitions"),
    "def": ("def f():\n    f()\nf()", "definitions"),
    "assign": ("x = 1", "assignments"),
    "variable-arg": ("click(x)", "literal"),
    "fstring": ("type(1, f'{{1}}')", "not allowed"),
    "comprehension": ("[click(1) for _ in range(3)]", "comprehensions"),
    "syntax": ("click(1", "syntax error"),
    "null-byte": ("click(1)\x00", "syntax"),
    "bool-ref": ("click(True)", "non-negative integer"),
    "negative-ref": ("click(-1)", "operators"),
    "extra-arg": ("click(1, 2)", "takes 1 argument"),
    "unknown-kw": ("click(ref=1, force=True)", "no (further) argument"),
    "nothing": ("'just a comment'", "no action"),
    "not-text": (b"click(1)", "not bytes"),
}


class CountingEnv:
    """A real WebEnv behind a counter of step() calls (or no env at all: `inner=None`)."""

    def __init__(self, inner=None):
        self.inner, self.steps = inner, 0

    def step(self, action):
        self.steps += 1
        return self.inner.step(action)


def test_accepts_the_language():
    src = '"""log in"""\ntype(7, "ann")\ntype(ref=10, text="pw")\nfor _ in range(2):\n    press_key("<Down>")\nclick(11)\nnone()\npass'
    assert compile_program(src) == [Action.type(7, "ann"), Action.type(10, "pw"), Action.press_key("<Down>"),
                                    Action.press_key("<Down>"), Action.click(11), Action.none()]


def test_action_limit_counts_loops_before_expanding():
    # 3 x 4 = 12 actions: at the limit; one more call is refused
    body = "for _ in range(3):\n    for _ in range(4):\n        click(1)\n"
    assert len(compile_program(body, Limits(max_actions=12))) == 12
    with pytest.raises(ProgramError, match="13 actions; the limit is 12"):
        compile_program(body + "click(2)", Limits(max_actions=12))


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_hostile_program_refused_with_one_line(name, tmp_path):
    src, why = HOSTILE[name]
    marker = tmp_path / "touched"
    if isinstance(src, str):
        src = src.replace("{marker}", str(marker))
    env = CountingEnv()
    with pytest.raises(ProgramError) as e:
        run_program(src, env)
    msg = str(e.value)
    assert "\n" not in msg and msg.startswith("program rejected"), msg
    assert why in msg, msg
    assert env.steps == 0 and not marker.exists()


def test_time_limit_stops_between_actions():
    ticks = iter([0.0, 0.0, 5.0, 50.0, 99.0])   # start, action 1 at 0 s, action 2 at 5 s, action 3 at 50 s

    class Done:
        terminated = truncated = False

    class Env:
        sent = []

        def step(self, a):
            self.sent.append(a)
            return Done()

    run = run_program("click(1)\nclick(2)\nclick(3)", Env(), Limits(time_s=10), clock=lambda: next(ticks))
    assert [a.ref for a in run.actions] == [1, 2] and "time limit of 10 s" in run.error


@needs_browser
def test_programs_in_chromium(tmp_path):
    from workbench.web.agent import run_episode
    from workbench.web.env import WebEnv
    from workbench.web.skills import find_button

    with WebEnv("click-button", screenshots=False) as env:
        obs = env.reset(seed=3)
        target = obs.utterance.split('"')[1]
        ref = find_button(obs, target).ref
        counted = CountingEnv(env)
        for src, _ in HOSTILE.values():   # refused on a live page: the page is not touched
            with pytest.raises(ProgramError):
                run_program(src if isinstance(src, bytes) else src.replace("{marker}", str(tmp_path / "m")), counted)
        assert counted.steps == 0
        run = run_program(f"click({ref})", counted)
        assert run.done and run.success and counted.steps == 1

        agent = ProgramAgent(lambda o, h: (f"click({find_button(o, o.utterance.split(chr(34))[1]).ref})",
                                           {"sub_instruction": "click the button", "refs": []}))
        ep = run_episode(env, agent, max_steps=3, seed=4)
        assert ep.success and agent.programs[0][1]["sub_instruction"] == "click the button"
        bad = ProgramAgent(lambda o, h: ("import os", {}))
        ep = run_episode(env, bad, max_steps=3, seed=5)
        assert not ep.success and ep.n_steps == 0 and "imports are not allowed" in ep.error
