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
    "dead-loop-body": ("for _ in range(0):\n    open('{marker}', 'w')\nclick(1)", "open() is not in the action API"),
    "two-strings": ("'a comment'\n'another'\nclick(1)", "only one string statement"),
    "string-in-loop": ("'doc'\nfor _ in range(2):\n    'again'\nclick(1)", "only one string statement"),
    "full-width-name": ("\uff43\uff4c\uff49\uff43\uff4b(1)", "not ASCII"),
    "nested-pass": ("".join("    " * i + "for _ in range(10):\n" for i in range(6)) + "    " * 6 + "pass\nclick(1)",
                    "nested deeper"),
    "deep-nesting": ("".join(" " * i + "for _ in range(10):\n" for i in range(40)) + " " * 40 + "pass",
                     "nested deeper"),
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
    now = [0.0]   # a clock that advances 6 s per action: actions at 0 s and 6 s, the third (12 s) is late

    class Done:
        terminated = truncated = False

    class Env:
        sent = []

        def step(self, a):
            self.sent.append(a)
            now[0] += 6.0
            return Done()

    run = run_program("click(1)\nclick(2)\nclick(3)", Env(), Limits(time_s=10), clock=lambda: now[0])
    assert [a.ref for a in run.actions] == [1, 2] and "time limit of 10 s" in run.error


def test_time_limit_covers_compiling():
    # a clock that jumps 20 s per reading: the limit is passed while compiling, before any action
    ticks = iter(range(0, 10_000, 20))
    env = CountingEnv()
    with pytest.raises(ProgramError, match="compiling took longer than 10 s"):
        run_program("click(1)\nclick(2)", env, Limits(time_s=10), clock=lambda: float(next(ticks)))
    assert env.steps == 0


def test_work_is_bounded_without_expanding():
    # loops around `pass` take no action, yet each iteration is work: refused from the loop bounds
    # alone, within milliseconds, however deep the nesting allowed
    import time
    src = "".join("    " * i + "for _ in range(10):\n" for i in range(9)) + "    " * 9 + "pass\nclick(1)"
    t0 = time.perf_counter()
    with pytest.raises(ProgramError, match="more than 200 statements"):
        compile_program(src, Limits(max_depth=20))
    assert time.perf_counter() - t0 < 1.0
    # within the bound: 1 + 3 * (1 + 3) = 13 statements, one action
    assert compile_program("for _ in range(3):\n    for _ in range(3):\n        pass\nclick(1)") == [Action.click(1)]


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
