"""Every paper's Config checks every field before any kernel starts: each field is given a value
no run could use, and must be refused with one line naming it. Fields where no value is wrong are listed,
with the reason, in ANY_VALUE."""
import dataclasses
import math
import subprocess
import sys
import typing

import pytest

from workbench import WorkbenchError, registry, scales

SLUGS = [p.slug for p in registry.available()]
ANY_VALUE = {("compwob", "llm_record"): "any replay file to append to; '' records nothing"}
# fields whose empty value means "none" (so "" is fine) but a value naming nothing is not
BAD_VALUES = {("compwob", "pages"): ["/no/such/folder", "tests"],
              ("gdt", "dataset"): ["no/such/dataset.npz", "data/gdt"]}


def bad_values(tp):
    """Values of the right type that no run could use."""
    origin, args = typing.get_origin(tp), typing.get_args(tp)
    if tp is bool:
        return []
    if tp is int:
        return [-10**9]
    if tp is float:
        return [-1e9, math.nan, math.inf]
    if tp is str or origin is typing.Literal:
        return ["", "no-such-thing"] if tp is not str else [""]
    if origin is tuple:
        item = args[0]
        return [(-1,)] if item is int else [(-1.0,), (math.nan,)] if item is float else [("no-such-thing",)]
    raise AssertionError(f"no bad values for type {tp}")


def fields(slug):
    module = registry.PAPERS[slug].load_config()
    types = scales.field_types(module.Config)
    return [(slug, name, types[name]) for name in scales.parameter_names(module.Config)]


@pytest.mark.parametrize("slug, name, tp", [f for slug in SLUGS for f in fields(slug)],
                         ids=lambda v: v if isinstance(v, str) else "")
def test_every_field_refuses_a_value_no_run_could_use(slug, name, tp):
    if (slug, name) in ANY_VALUE or tp is bool:
        return
    for value in BAD_VALUES.get((slug, name)) or bad_values(tp):
        with pytest.raises(WorkbenchError) as e:
            scales.resolve(slug, "cpu", {name: value})
        assert name in str(e.value) and "\n" not in str(e.value), (value, str(e.value))


@pytest.mark.parametrize("slug", SLUGS)
@pytest.mark.parametrize("scale", ["smoke", "cpu", "paper"])
def test_every_scale_passes_its_own_checks(slug, scale):
    assert scales.resolve(slug, scale).scale == scale


@pytest.mark.parametrize("overrides, message", [
    ({"d_model": 0}, "d_model=0"),                       # ran to "success" with every measure 0
    ({"n_heads": 0}, "n_heads=0"),                       # a ZeroDivisionError traceback
    ({"n_heads": -4}, "n_heads=-4"),                     # failed inside the kernel
    ({"d_model": 100, "n_heads": 3}, "not divisible"),
    ({"train_frac": 0.001}, "empty train or test set"),  # at p=23 floor(0.001 * 529) = 0 training pairs
    ({"ops": ("add", "add")}, "appears twice"),
])
def test_grokking_cases_a_new_user_hit(overrides, message):
    with pytest.raises(WorkbenchError, match=message):
        scales.resolve("grokking", "smoke", overrides)


def test_the_cli_refuses_before_the_kernel_starts(tmp_path):
    for pair in ("d_model=0", "n_heads=0", "train_frac=0.001"):
        out = subprocess.run([sys.executable, "-m", "workbench.cli", "run", "grokking", "--scale", "smoke", "-p", pair,
                              "--out", str(tmp_path / "out")], capture_output=True, text=True, timeout=120)
        assert out.returncode == 2, out.stderr
        assert len(out.stderr.strip().splitlines()) == 1 and "Traceback" not in out.stderr, out.stderr
        assert pair.split("=")[0] in out.stderr
    assert not (tmp_path / "out").exists()


def test_every_field_has_a_reason():
    """`workbench params` shows each field's trailing comment; a field without one has nothing to show."""
    for slug in SLUGS:
        cls = registry.PAPERS[slug].load_config().Config
        reasons = scales.field_reasons(cls)
        missing = [f.name for f in dataclasses.fields(cls) if not reasons.get(f.name)]
        assert not missing, f"{slug}: no `# reason` comment on {missing}"
