"""The top-level Pipfile (docs/dependencies.md) is for pipenv users; `make setup`
installs the hashed locks instead. These tests keep it equal to requirements/*.in,
host-free, and its Pipfile.lock out of git."""

from __future__ import annotations

import shutil
import subprocess
import tomllib

import pytest

from tools.lock import (
    PIPFILE,
    PIPFILE_PYTHON,
    PIPFILE_TOOLCHAIN,
    REQUIREMENTS,
    STACKS_IN,
    canonical,
    read_pins,
    render_pipfile,
)

REPO = PIPFILE.parent
FIX = (
    "fix: run `python3 tools/lock.py pipfile` (or `make lock`), which writes the Pipfile "
    "from requirements/*.in"
)


def _pipfile() -> dict:
    return tomllib.loads(PIPFILE.read_text())


def _drift(section: str, entries: dict, source: str) -> list[str]:
    """One line per package whose Pipfile entry is not `==<the .in version>`."""
    wanted = read_pins(REQUIREMENTS / source)
    have = {canonical(name): spec for name, spec in entries.items()}
    problems = [
        f"Pipfile [{section}] {name}: {have[name] if name in have else 'missing'}, "
        f"but requirements/{source} pins =={version}; {FIX}"
        for name, version in wanted.items()
        if have.get(name) != f"=={version}"
    ]
    problems += [
        f"Pipfile [{section}] {name}: not pinned in requirements/{source}; {FIX}"
        for name in sorted(set(have) - set(wanted))
    ]
    return problems


def test_packages_are_the_default_toolchains_pins_plus_the_kit():
    packages = dict(_pipfile()["packages"])
    assert packages.pop("azure-identity-kit", None) == {"path": ".", "editable": True}, (
        f"Pipfile [packages] installs the kit as azure-identity-kit = "
        f'{{path = ".", editable = true}}; {FIX}'
    )
    stacks = {name: packages.pop(name) for name in read_pins(REQUIREMENTS / STACKS_IN)}
    problems = _drift("packages", packages, f"{PIPFILE_TOOLCHAIN}.in")
    problems += _drift("packages", stacks, STACKS_IN)
    assert not problems, "\n".join(problems)


def test_dev_packages_are_the_dev_pins():
    dev = dict(_pipfile()["dev-packages"])
    tests = {
        name: dev.pop(name) for name in read_pins(REQUIREMENTS / f"{PIPFILE_TOOLCHAIN}-test.in")
    }
    problems = _drift("dev-packages", dev, "dev.in")
    problems += _drift("dev-packages", tests, f"{PIPFILE_TOOLCHAIN}-test.in")
    assert not problems, "\n".join(problems)


def test_requires_the_python_of_the_locks():
    assert _pipfile()["requires"] == {"python_version": PIPFILE_PYTHON}


def test_pipfile_is_what_make_lock_writes():
    """Comments and order too: nobody hand-edits a generated file."""
    assert PIPFILE.read_text() == render_pipfile(), (
        f"the Pipfile is not what `make lock` writes; {FIX}"
    )


def test_pipfile_names_no_registry():
    text = PIPFILE.read_text()
    assert "source" not in _pipfile(), "no [[source]]: pipenv uses its default index"
    for needle in ("://", "index-url", "pypi.org", "pythonhosted"):
        assert needle not in text, f"the Pipfile names a registry ({needle!r})"


def test_pipfile_lock_is_ignored_by_git():
    """A Pipfile.lock records the index URL, so it is never committed."""
    assert "Pipfile.lock" in (REPO / ".gitignore").read_text().splitlines()
    if not (REPO / ".git").exists() or not shutil.which("git"):
        pytest.skip("not a git checkout")

    def git(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run(["git", *args], cwd=REPO, capture_output=True, text=True)

    assert git("check-ignore", "--quiet", "--no-index", "Pipfile.lock").returncode == 0
    assert git("ls-files", "--", "Pipfile.lock", "tools/checkov/Pipfile.lock").stdout == ""
