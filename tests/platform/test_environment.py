"""environment.yml describes the same environment as pyproject.toml; the lock pins every direct dependency."""
import re
import tomllib

from workbench.paths import REPO_ROOT


def _pyproject_deps():
    return tomllib.loads((REPO_ROOT / "pyproject.toml").read_text())["project"]["dependencies"]


def test_environment_yml_matches_pyproject():
    text = (REPO_ROOT / "environment.yml").read_text()
    assert re.search(r"^\s*-\s*python=3\.11\s*$", text, re.M)
    pip_deps = re.findall(r"^\s{6}-\s+(\S+)\s*$", text, re.M)
    assert sorted(d for d in pip_deps if d != "-e") == sorted(_pyproject_deps())


def test_lock_pins_each_direct_dependency_to_the_same_version():
    lock = {}
    for line in (REPO_ROOT / "requirements.lock").read_text().splitlines():
        if "==" in line:
            name, version = line.split("==")
            lock[re.sub(r"[-_.]+", "-", name.lower())] = version.strip()
    for dep in _pyproject_deps():
        name, version = dep.split("==")
        key = re.sub(r"[-_.]+", "-", name.lower())
        assert lock.get(key) == version, f"{name}: pyproject {version}, lock {lock.get(key)}"
