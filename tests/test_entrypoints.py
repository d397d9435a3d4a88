"""main.py as users run it, the package layout, and the environment selection."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from azure_identity_kit import KitValidationError

import constructs
from stacks import ENVIRONMENTS, build_app, get_environment

REPO = Path(__file__).resolve().parent.parent


def test_constructs_resolves_to_the_library_not_the_source_folder():
    location = Path(constructs.__file__).resolve()
    assert REPO / "constructs" not in location.parents, f"shadowed by {location}"
    assert "site-packages" in location.parts
    assert hasattr(constructs, "Construct")
    assert not (REPO / "constructs" / "__init__.py").exists(), "it would shadow the library"


def test_repository_installs_as_a_package(tmp_path):
    # Build from a copy: setuptools writes build/ and *.egg-info next to the sources.
    source = tmp_path / "src"
    skip = shutil.ignore_patterns("__pycache__", "*.egg-info", "build")
    for name in ("constructs", "stacks"):
        shutil.copytree(REPO / name, source / name, ignore=skip)
    for name in ("pyproject.toml", "README.md"):
        shutil.copy2(REPO / name, source / name)
    target = tmp_path / "site"
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--quiet",
            "--no-deps",
            "--no-build-isolation",
            "--target",
            str(target),
            str(source),
        ],
        capture_output=True,
        text=True,
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr
    installed = {p.name for p in (target / "azure_identity_kit").glob("*.py")}
    assert {"identity.py", "container_app.py", "acr_pull_binding.py", "azurerm.py"} <= installed
    assert not (target / "constructs").exists(), "the wheel must not ship a 'constructs' package"
    assert not (target / "stacks").exists(), "the stacks are this repo's, not the library's"


def test_unknown_environment_is_a_clear_error():
    with pytest.raises(KitValidationError) as error:
        get_environment("qa")
    assert error.value.rule_id == "unknown-environment"
    assert all(name in str(error.value) for name in ENVIRONMENTS)
    with pytest.raises(KitValidationError):
        build_app(["dev", "qa"])


def _run_main(args, outdir):
    env = {**os.environ, "CDKTF_OUTDIR": str(outdir)}
    return subprocess.run(
        [sys.executable, "main.py", *args], cwd=REPO, env=env, capture_output=True, text=True
    )


def test_main_refuses_unknown_environment_without_traceback_or_stale_output(tmp_path):
    outdir = tmp_path / "out"
    (outdir / "stacks" / "dev").mkdir(parents=True)
    (outdir / "stacks" / "dev" / "cdk.tf.json").write_text("{}")
    result = _run_main(["qa"], outdir)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr, result.stderr
    assert "[unknown-environment]" in result.stderr
    assert "Node 20 is end-of-life" not in result.stderr + result.stdout
    assert not outdir.exists(), "output of an earlier synth must not survive a failed one"
