"""A sandbox for agent-written programs: a tiny action language checked on its syntax tree.

WebAgent (Gur et al., ICLR 2024) lets a language model write a short Python program per
sub-instruction and executes it. Executing model output as Python is unsafe, so here a program is
*never executed by Python*: it is parsed with `ast`, every node is checked against an allow-list,
and the allowed statements are expanded into a list of `Action`s, which are the only thing that
ever reaches the browser.

    from workbench.web.program import compile_program, run_program, ProgramAgent
    compile_program('type(7, "ann")\\nclick(11)')   # -> [Action.type(7, "ann"), Action.click(11)]
    run_program('click(11)', env)                   # -> ProgramRun(actions, rewards, done, ...)

The language (all of it):
- calls of the action API with literal arguments, positional or by name:
  `click(ref)`, `type(ref, text)`, `press_key(key)`, `none()` (wait a moment);
- `for _ in range(N): ...` with a literal N <= `Limits.max_loop` around such calls (the loop
  variable cannot be read: loops only repeat, e.g. "press ArrowDown three times");
- `pass`, and at most one string statement (a docstring; models like to write comments as strings).

Everything else is rejected before any action runs, with a one-line reason (`ProgramError`):
imports, attribute access (so no `().__class__.__bases__` walks), dunder names, names that are not
in the API (`open`, `eval`, `exec`, `print`, ...), assignments, `while` loops (no bound), function
or class definitions, comprehensions, operators (so no `"a" * 10**9`), non-literal arguments,
identifiers that are not ASCII (Python folds `ｃｌｉｃｋ` into `click` by NFKC normalisation),
strings longer than `Limits.max_text`, programs longer than `Limits.max_chars` (checked before
parsing), loops nested deeper than `Limits.max_depth`, programs whose loops would walk more than
`Limits.max_work` statement executions (counted on the loop bounds before expanding, so
`for _ in range(10):` around `pass`, nested, is refused unexpanded) or expanding to more than
`Limits.max_actions` actions. Every node is checked whether or not it would run (the body of a
`range(0)` loop too). `Limits.time_s` covers compiling (parsing, checking, expanding) and, in
`run_program` / `ProgramAgent`, sending the actions.
"""
from __future__ import annotations

import ast
import io
import time
import tokenize
from dataclasses import dataclass, field
from typing import Callable

from workbench import WorkbenchError
from workbench.web.actions import TYPE_MAX_LEN, Action

# name -> ((parameter, type), ...) in positional order
API: dict[str, tuple[tuple[str, type], ...]] = {
    "click": (("ref", int),),
    "type": (("ref", int), ("text", str)),
    "press_key": (("key", str),),
    "none": (),
}


class ProgramError(WorkbenchError):
    """A program the sandbox refuses (the message is one line: why)."""


@dataclass(frozen=True)
class Limits:
    max_chars: int = 2000        # source length, checked before parsing (a huge program is refused unread)
    max_text: int = TYPE_MAX_LEN  # longest string literal (MiniWoB types at most 64 characters)
    max_actions: int = 12        # actions after expanding loops; an oracle step is 1-4 actions
    max_loop: int = 10           # largest literal range() bound
    max_depth: int = 3           # deepest loop nesting
    max_work: int = 200          # statements a program may execute, loops unrolled (pass and docstrings count)
    time_s: float = 30.0         # wall time for compiling and running the actions (run_program / ProgramAgent)


def _name(node: ast.AST) -> str:
    return type(node).__name__


def _reject(node: ast.AST, why: str) -> ProgramError:
    line = getattr(node, "lineno", None)
    return ProgramError(f"program rejected{f' (line {line})' if line else ''}: {why}")


def _forbidden(node: ast.AST) -> str | None:
    """The reason a node kind is refused wherever it appears, else None."""
    if isinstance(node, (ast.Import, ast.ImportFrom)):
        return "imports are not allowed"
    if isinstance(node, ast.Attribute):
        return f"attribute access (.{node.attr}) is not allowed"
    if isinstance(node, ast.Name) and node.id.startswith("__"):
        return f"dunder names ({node.id}) are not allowed"
    if isinstance(node, ast.While):
        return "while loops are not allowed (no bound); use for _ in range(N)"
    if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)):
        return "definitions are not allowed"
    if isinstance(node, (ast.Assign, ast.AugAssign, ast.AnnAssign, ast.NamedExpr)):
        return "assignments are not allowed"
    if isinstance(node, (ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)):
        return "comprehensions are not allowed"
    if isinstance(node, (ast.BinOp, ast.UnaryOp, ast.BoolOp, ast.Compare)):
        return "operators are not allowed (arguments must be literals)"
    if isinstance(node, (ast.Subscript, ast.Starred)):
        return "subscripts and unpacking are not allowed"
    if isinstance(node, (ast.Global, ast.Nonlocal, ast.Delete, ast.With, ast.AsyncWith, ast.Try,
                         ast.Raise, ast.Assert, ast.Return, ast.Yield, ast.YieldFrom, ast.Await,
                         ast.If, ast.IfExp, ast.AsyncFor, ast.JoinedStr, ast.Break, ast.Continue)):
        return f"{_name(node)} is not allowed"
    return None


def _check_tree(tree: ast.Module) -> None:
    for node in ast.walk(tree):
        why = _forbidden(node)
        if why:
            raise _reject(node, why)


def _literal(node: ast.AST, want: type, what: str, limits: Limits):
    if not isinstance(node, ast.Constant):
        raise _reject(node, f"{what} must be a literal, not {_name(node)}")
    v = node.value
    if want is int and (type(v) is not int or v < 0):
        raise _reject(node, f"{what} must be a non-negative integer, got {v!r:.40}")
    if want is str:
        if not isinstance(v, str):
            raise _reject(node, f"{what} must be a string, got {v!r:.40}")
        if len(v) > limits.max_text:
            raise _reject(node, f"{what} is {len(v)} characters; the limit is {limits.max_text}")
    return v


def _action(call: ast.AST, limits: Limits) -> Action:
    if not isinstance(call, ast.Call):
        raise _reject(call, f"a statement must be an action call, not {_name(call)}")
    if not isinstance(call.func, ast.Name):
        raise _reject(call, "only the action API can be called")
    name = call.func.id
    if name not in API:
        raise _reject(call, f"{name}() is not in the action API ({', '.join(API)})")
    params = API[name]
    if len(call.args) > len(params):
        raise _reject(call, f"{name}() takes {len(params)} argument(s), got {len(call.args)}")
    values = {}
    for (pname, ptype), arg in zip(params, call.args):
        values[pname] = _literal(arg, ptype, f"{name}() argument {pname}", limits)
    for kw in call.keywords:
        known = dict(params)
        if kw.arg is None or kw.arg not in known or kw.arg in values:
            raise _reject(call, f"{name}() has no (further) argument {kw.arg or '**'}")
        values[kw.arg] = _literal(kw.value, known[kw.arg], f"{name}() argument {kw.arg}", limits)
    missing = [p for p, _ in params if p not in values]
    if missing:
        raise _reject(call, f"{name}() is missing {', '.join(missing)}")
    return getattr(Action, name)(**values)


def _loop_bound(node: ast.For, limits: Limits) -> int:
    it = node.iter
    if not (isinstance(node.target, ast.Name) and isinstance(it, ast.Call) and isinstance(it.func, ast.Name)
            and it.func.id == "range" and len(it.args) == 1 and not it.keywords):
        raise _reject(node, "the only loop is `for _ in range(N)` with a literal N")
    if node.orelse:
        raise _reject(node, "for ... else is not allowed")
    n = _literal(it.args[0], int, "range() bound", limits)
    if n > limits.max_loop:
        raise _reject(node, f"loop bound {n} exceeds {limits.max_loop}")
    return n


def _check_body(body: list[ast.stmt], limits: Limits, depth: int = 0) -> tuple[int, int]:
    """(actions, work) of the statements, every one checked, whether or not it would run (a
    `range(0)` body too): actions they would produce and statement executions with loops unrolled.
    Nothing is expanded here, so the cost is the size of the tree."""
    actions = work = 0
    for st in body:
        if isinstance(st, ast.For):
            if depth + 1 > limits.max_depth:
                raise _reject(st, f"loops nested deeper than {limits.max_depth}")
            n = _loop_bound(st, limits)
            a, w = _check_body(st.body, limits, depth + 1)
            actions, work = actions + n * a, work + 1 + n * w
        elif _is_string(st):
            work += 1
        elif isinstance(st, ast.Expr):
            _action(st.value, limits)
            actions, work = actions + 1, work + 1
        elif isinstance(st, ast.Pass):
            work += 1
        else:
            raise _reject(st, f"{_name(st)} is not allowed")
        if work > limits.max_work:
            raise _reject(st, f"it would execute more than {limits.max_work} statements")
    return actions, work


def _is_string(st: ast.stmt) -> bool:
    return isinstance(st, ast.Expr) and isinstance(st.value, ast.Constant) and isinstance(st.value.value, str)


def _check_names(source: str) -> None:
    """Refuse identifiers that are not ASCII: Python NFKC-normalises them (`ｃｌｉｃｋ` is `click`)."""
    try:
        for tok in tokenize.generate_tokens(io.StringIO(source).readline):
            if tok.type == tokenize.NAME and not tok.string.isascii():
                raise ProgramError(f"program rejected (line {tok.start[0]}): identifier {tok.string!r} "
                                   "is not ASCII")
    except (tokenize.TokenError, SyntaxError) as e:   # ast.parse accepted it; tokenize is stricter
        raise ProgramError(f"program rejected: cannot tokenize: {e}") from None


def _expand(body: list[ast.stmt], limits: Limits, out: list[Action], deadline: float, clock) -> None:
    for st in body:
        if clock() > deadline:
            raise ProgramError(f"program rejected: compiling took longer than {limits.time_s:g} s")
        if isinstance(st, ast.For):
            for _ in range(_loop_bound(st, limits)):
                _expand(st.body, limits, out, deadline, clock)
        elif isinstance(st, ast.Expr) and not _is_string(st):
            out.append(_action(st.value, limits))


def compile_program(source: str, limits: Limits = Limits(),
                    clock: Callable[[], float] = time.perf_counter) -> list[Action]:
    """The actions `source` stands for, or ProgramError with a one-line reason (nothing runs).
    The work is bounded by the limits (source length, nesting, unrolled statements, actions) and
    the whole of it, parsing included, by `limits.time_s`."""
    t0 = clock()
    if not isinstance(source, str):
        raise ProgramError(f"program rejected: a program is text, not {type(source).__name__}")
    if len(source) > limits.max_chars:
        raise ProgramError(f"program rejected: {len(source)} characters; the limit is {limits.max_chars}")
    try:
        tree = ast.parse(source, mode="exec")
    except (SyntaxError, ValueError, RecursionError, MemoryError) as e:   # ValueError: null bytes
        where = f" (line {e.lineno})" if getattr(e, "lineno", None) else ""
        raise ProgramError(f"program rejected{where}: syntax error: {getattr(e, 'msg', e)}") from None
    _check_names(source)
    _check_tree(tree)
    strings = [st for st in ast.walk(tree) if isinstance(st, ast.stmt) and _is_string(st)]
    if len(strings) > 1:
        raise _reject(strings[1], "only one string statement (a docstring) is allowed")
    n, _work = _check_body(tree.body, limits)
    if n > limits.max_actions:
        raise ProgramError(f"program rejected: it would take {n} actions; the limit is {limits.max_actions}")
    if clock() - t0 > limits.time_s:
        raise ProgramError(f"program rejected: compiling took longer than {limits.time_s:g} s")
    out: list[Action] = []
    _expand(tree.body, limits, out, t0 + limits.time_s, clock)
    if not out:
        raise ProgramError("program rejected: it takes no action")
    return out


@dataclass
class ProgramRun:
    """What running one program did: the actions sent, the last step's result, why it stopped."""
    actions: list[Action] = field(default_factory=list)
    reward: float = 0.0
    done: bool = False       # the episode ended during the program
    success: bool = False
    error: str | None = None
    last: object = None      # the last StepResult


def run_program(source: str, env, limits: Limits = Limits(),
                clock: Callable[[], float] = time.perf_counter) -> ProgramRun:
    """Compile `source` (refused programs raise ProgramError before the env is touched), then send
    its actions to `env` (a `WebEnv` in an episode) until one ends the episode, an action fails, or
    `limits.time_s` has passed (then `error` says so and the remaining actions are not sent)."""
    t0 = clock()
    actions = compile_program(source, limits, clock)
    run = ProgramRun()
    for a in actions:
        if clock() - t0 > limits.time_s:
            run.error = f"time limit of {limits.time_s:g} s reached after {len(run.actions)} action(s)"
            break
        try:
            res = env.step(a)
        except WorkbenchError as e:   # e.g. a key miniwob does not know
            run.error = f"{type(e).__name__}: {e}"
            break
        run.actions.append(a)
        run.last = res
        if res.terminated or res.truncated:
            run.done, run.reward, run.success = True, res.reward, res.success
            break
    return run


class ProgramAgent:
    """An `Agent` that acts by programs: `write(observation, history) -> (source, note)` gives the
    next program and a note ({"sub_instruction", "refs"}) for the recorder; its actions are played
    one per `act` until none are left, then a new program is written from the page as it is then.
    A refused program raises ProgramError, which `run_episode` turns into a failed episode whose
    `error` is the one-line reason: nothing of it reaches the browser. `programs` keeps
    (source, note) of this episode's programs, in order (self-experience data)."""

    def __init__(self, write, limits: Limits = Limits(), clock: Callable[[], float] = time.perf_counter):
        self.write, self.limits, self.clock = write, limits, clock
        self.queue: list[Action] = []
        self.programs: list[tuple[str, dict]] = []
        self.note: dict = {"sub_instruction": "", "refs": []}
        self._t0 = 0.0

    def reset(self, observation) -> None:
        self.queue, self.programs = [], []

    def act(self, observation, history) -> Action:
        if not self.queue:
            source, self.note = self.write(observation, history)
            self._t0 = self.clock()
            self.queue = compile_program(source, self.limits, self.clock)
            self.programs.append((source, dict(self.note)))
        elif self.clock() - self._t0 > self.limits.time_s:
            raise ProgramError(f"program stopped: time limit of {self.limits.time_s:g} s reached")
        return self.queue.pop(0)

    def step_note(self) -> dict:
        return dict(self.note)
