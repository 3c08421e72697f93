"""Test tiers: markers applied by path or fixture, and a probe that keeps them honest.

    make test        everything (what CI runs; each notebook executed once at smoke scale)
    make test-fast   -m "not (notebook or browser or jax_compile or model or slow)": the edit-test loop

Markers (never written by hand in a test; `TIER_RULES` and `FIXTURE_MARKERS` below apply them):
    notebook      executes a notebook (a Jupyter kernel or `workbench run/sweep` in a subprocess)
    browser       starts Chromium (chromedriver)
    jax_compile   compiles Brax/JAX programs for seconds (a Brax env, a training step)
    model         loads a language or sentence-embedding model (SmolLM2, MiniLM)
    slow          takes more than ~20 s on 2 cores

A new test file inherits its folder's markers; a test that uses a fixture below inherits the fixture's.
The probe watches every test: one that starts a kernel, a browser or a model without carrying the
matching marker fails, saying which marker it needs (and, in the fast tier, so does one that spends
more than JAX_COMPILE_LIMIT_S compiling), so a marker cannot be forgotten.
`WORKBENCH_TEST_PROBE=FILE` appends one JSON line per test (duration and what it did) for tuning the rules.
"""
from __future__ import annotations

import json
import os
import subprocess
import time
from pathlib import Path

import pytest

TESTS = Path(__file__).parent
TIERS = ("notebook", "browser", "jax_compile", "model", "slow")
FAST_TIER = os.environ.get("WORKBENCH_TEST_TIER") == "fast"
JAX_COMPILE_LIMIT_S = 2.0

# Test id prefix (relative to tests/: a folder ending in "/", a file, or "file::test_name") -> markers of
# every test it covers. The longest matching prefix wins, so a file's entry overrides its folder's.
TIER_RULES: dict[str, tuple[str, ...]] = {
    "notebooks/": ("notebook", "slow"),
    **{f"notebooks/test_notebooks.py::{test}[{slug}]": ("notebook", "slow", "browser")
       for test in ("test_notebook_runs_at_smoke_scale", "test_every_cell_runs_without_error")
       for slug in ("compwob", "webagent", "webgum")},
    "platform/test_sweep.py": ("notebook", "slow"),
    "platform/test_lab.py::test_lab_runs_dashboard": ("notebook", "browser", "slow"),
    "platform/test_failure_paths.py": ("notebook",),
    "platform/test_runner_cli.py": ("notebook",),
    "platform/test_config_checks.py::test_the_cli_refuses_before_the_kernel_starts": ("notebook",),
    "platform/test_report.py": ("browser", "notebook"),
    "web/": ("browser",),
    "web/test_web_actions.py": (),
    "web/test_web_catalog.py": (),
    "web/test_web_skills.py": (),
    "papers/compwob/test_compwob_pages.py": ("browser",),
    "papers/compwob/test_compwob_overlap.py": ("browser",),
    "papers/webagent/test_webagent_labels.py": ("browser",),
    "papers/webgum/test_webgum_live.py": ("browser",),
    "sim/": ("jax_compile",),
    "sim/test_sim_arms.py": (),
    "sim/test_sim_composer.py": (),
    "sim/test_sim_datasets.py": (),
    "sim/test_sim_episodes.py": (),
    "sim/test_sim_viewer.py": ("browser", "jax_compile"),
    "sim/test_sim_rollouts.py": ("jax_compile", "slow"),
    "sim/test_sim_harness.py": ("jax_compile", "slow"),
    "papers/braxlines/test_braxlines_rewards.py": ("jax_compile",),
    "papers/grokking/test_grokking_model.py": ("jax_compile",),
    "papers/grokking/test_grokking_train.py": ("jax_compile",),
    "papers/mxt/": ("jax_compile",),
    "papers/mxt/test_mxt_students.py": ("jax_compile", "slow"),
    "papers/gdt/test_gdt.py::test_models_trained_in_two_worker_processes": ("slow",),
    "llm/": ("model",),
    "llm/test_llm_decide.py": (),
    "llm/test_llm_spec.py": (),
    "llm/test_llm_store.py": (),
    "papers/readagent/test_readagent_decisions.py": ("model", "slow"),
    "papers/readagent/test_readagent_evaluate.py": ("model",),
    "papers/rtx/test_rtx_train.py": ("model",),
}

# Fixture name -> markers of every test that uses it (directly or through another fixture).
FIXTURE_MARKERS: dict[str, tuple[str, ...]] = {
    "browser": ("browser",),      # a Selenium Chrome of the test's own (platform tests)
    "llm": ("model",), "local": ("model",), "both": ("model",),   # SmolLM2 loaded for the module
    "smoke_run": ("notebook", "slow"),
}


def pytest_configure(config):
    for name in TIERS:
        config.addinivalue_line("markers", f"{name}: a test tier (applied by tests/conftest.py)")
    # One XLA compilation cache for the whole run: a function compiled by one test (or one notebook's
    # kernel, which inherits the environment) is loaded from disk by the next.
    cache = os.environ.setdefault("JAX_COMPILATION_CACHE_DIR", str(_jax_cache_dir()))
    os.environ.setdefault("JAX_PERSISTENT_CACHE_MIN_COMPILE_TIME_SECS", "0.5")
    Path(cache).mkdir(parents=True, exist_ok=True)
    _install_probe()


def _jax_cache_dir() -> Path:
    from workbench.cache import cache_dir
    return cache_dir() / "jax"


def _rule_markers(test_id: str) -> tuple[str, ...]:
    """Markers of the longest TIER_RULES prefix that covers `test_id` (relative to tests/)."""
    best = None
    for prefix in TIER_RULES:
        covers = test_id.startswith(prefix) if prefix.endswith("/") else (
            test_id == prefix or test_id.startswith(prefix + "::") or test_id.startswith(prefix + "[")
            or ("::" in prefix and test_id.startswith(prefix)))
        if covers and (best is None or len(prefix) > len(best)):
            best = prefix
    return TIER_RULES[best] if best is not None else ()


def pytest_collection_modifyitems(config, items):
    for item in items:
        path = Path(str(item.fspath)).resolve()
        if not path.is_relative_to(TESTS.resolve()):
            continue
        test_id = path.relative_to(TESTS.resolve()).as_posix() + "::" + item.nodeid.split("::", 1)[1] \
            if "::" in item.nodeid else path.relative_to(TESTS.resolve()).as_posix()
        names = set(_rule_markers(test_id))
        for fixture in getattr(item, "fixturenames", ()):
            names.update(FIXTURE_MARKERS.get(fixture, ()))
        for name in sorted(names):
            item.add_marker(name)


# ---------------------------------------------------------------------------------------------------
# The probe: what each test actually did.

_did: set[str] = set()
_compile_s = [0.0]


def _note_popen(args) -> None:
    argv = " ".join(map(str, args)) if isinstance(args, (list, tuple)) else str(args)
    if "chromedriver" in argv or "chromium" in argv:
        _did.add("browser")
    if "ipykernel" in argv or "papermill" in argv or ("workbench" in argv and any(
            f" {cmd}" in argv for cmd in ("run", "sweep", "lab"))):
        _did.add("notebook")


def _install_probe() -> None:
    original_init = subprocess.Popen.__init__

    def popen_init(self, args, *a, **kw):
        _note_popen(args)
        return original_init(self, args, *a, **kw)

    subprocess.Popen.__init__ = popen_init

    try:
        import jax.monitoring

        def on_duration(event: str, duration: float, **kw) -> None:
            if event == "/jax/core/compile/backend_compile_duration":
                _compile_s[0] += duration

        jax.monitoring.register_event_duration_secs_listener(on_duration)
    except ImportError:
        pass


def pytest_collection_finish(session):
    """Note a model load wherever the package loads one. Loaders are reached through their modules,
    which the test modules have imported by now; the patch only counts, it changes nothing."""
    import sys

    targets = [("workbench.llm.hf", "_from_pretrained"),
               ("workbench.papers.readagent.baselines", "sentence_encoder"),
               ("workbench.papers.rtx.data", "sentence_encoder")]
    for module_name, attr in targets:
        module = sys.modules.get(module_name)
        if module is None or not hasattr(module, attr):
            continue
        original = getattr(module, attr)

        def noted(*a, __original=original, **kw):
            _did.add("model")
            return __original(*a, **kw)

        setattr(module, attr, noted)


_started = [0.0]


def pytest_runtest_setup(item):
    _did.clear()
    _compile_s[0] = 0.0
    _started[0] = time.perf_counter()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if call.when != "teardown":
        return
    did = set(_did)
    if _compile_s[0] >= JAX_COMPILE_LIMIT_S:
        did.add("jax_compile")
    marks = {m.name for m in item.iter_markers()} & set(TIERS)
    record = os.environ.get("WORKBENCH_TEST_PROBE")
    if record:
        with open(record, "a") as f:
            f.write(json.dumps({"id": item.nodeid, "s": round(time.perf_counter() - _started[0], 2),
                                "did": sorted(did), "compile_s": round(_compile_s[0], 2),
                                "marks": sorted(marks)}) + "\n")
        return
    enforced = {"notebook", "browser", "model"} | ({"jax_compile"} if FAST_TIER else set())
    missing = (did & enforced) - marks
    if missing and report.passed:
        report.outcome = "failed"
        report.longrepr = (f"{item.nodeid} did {', '.join(sorted(missing))} work without the marker: add its "
                           f"file or fixture to TIER_RULES / FIXTURE_MARKERS in tests/conftest.py")


@pytest.fixture
def notebook_factory(tmp_path):
    """name, cells -> a notebook file in tmp_path (see support.make_notebook)."""
    from support import make_notebook
    return lambda name, cells: make_notebook(tmp_path / f"{name}.ipynb", cells)
