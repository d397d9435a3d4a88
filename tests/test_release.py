"""Library-grade packaging (docs/releases.md): the version in one place, the
changelog, the wheel (with py.typed) that a clean venv installs and uses to
synthesize the README's reuse example, and a public API that imports and is
annotated."""

from __future__ import annotations

import ast
import inspect
import json
import shutil
import subprocess
import sys
import tomllib
import typing
import zipfile
from pathlib import Path

import azure_identity_kit
import pytest
from azure_identity_kit import _cdktf

from tools.release.check_version import problems, project_version
from tools.release.clean_install import clean_install

REPO = Path(__file__).resolve().parent.parent
PACKAGE = REPO / "constructs" / "azure_identity_kit"


@pytest.fixture(scope="module")
def dist(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """`python -m build` as `make dist` runs it (no isolation: the locked setuptools)."""
    out = tmp_path_factory.mktemp("dist")
    done = subprocess.run(
        [sys.executable, "-m", "build", "--no-isolation", "--outdir", str(out), str(REPO)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    shutil.rmtree(REPO / "build", ignore_errors=True)  # setuptools' scratch folder
    return out


def test_the_version_has_one_source():
    version = project_version()
    assert azure_identity_kit.__version__ == version, "installed metadata = pyproject.toml"
    sources = [
        p.relative_to(REPO)
        for p in [*PACKAGE.rglob("*.py"), REPO / "Makefile"]
        if f'"{version}"' in p.read_text()
    ]
    assert sources == [], f"the version is written again in {sources}"


def test_changelog_keeps_a_changelog_and_the_release_check_refuses_disagreement(tmp_path):
    text = (REPO / "CHANGELOG.md").read_text()
    assert text.startswith("# Changelog\n") and "keepachangelog.com" in text
    assert "\n## [Unreleased]\n" in text
    version = project_version()
    assert problems(f"v{version}") == [], "the current version has its dated section"
    assert any("is not v" in line for line in problems("v9.9.9"))
    (tmp_path / "pyproject.toml").write_text('[project]\nversion = "9.9.9"\n')
    (tmp_path / "CHANGELOG.md").write_text(text)
    assert any("no section" in line for line in problems("v9.9.9", tmp_path))


def test_the_wheel_ships_every_module_and_its_type_hints(dist: Path):
    (wheel,) = dist.glob("*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    assert "azure_identity_kit/py.typed" in names, "PEP 561 marker"
    modules = {f"azure_identity_kit/{p.relative_to(PACKAGE)}" for p in PACKAGE.rglob("*.py")}
    assert modules <= names, sorted(modules - names)
    assert not any(name.startswith(("tests/", "stacks/")) for name in names)
    metadata = next(n for n in names if n.endswith(".dist-info/METADATA"))
    text = zipfile.ZipFile(wheel).read(metadata).decode()
    assert f"Version: {project_version()}\n" in text
    pins = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["dependencies"]
    names = [pin.split("==")[0].split(">")[0] for pin in pins]
    assert all(f"Requires-Dist: {name}" in text for name in names), text
    (sdist,) = dist.glob("*.tar.gz")
    assert sdist.name == f"azure_identity_kit-{project_version()}.tar.gz"


@pytest.mark.skipif(
    _cdktf.TOOLCHAIN != "cdktf",
    reason="the wheel's own dependencies are the default toolchain's; the cdktn extra is "
    "checked against the locks in tests/test_toolchains.py",
)
def test_a_clean_venv_installs_the_wheel_and_synthesizes_the_readme_example(dist: Path):
    written = clean_install(dist, REPO / "README.md")
    doc = json.loads(written.read_text())
    assert "azurerm_container_app" in doc["resource"]
    assert "time_sleep" in doc["resource"], "the installed kit waits for the AcrPull grant"


def test_the_public_api_imports_and_is_annotated():
    """Every name in __all__ resolves, and every public callable in it (a class's methods
    and properties too) says the types of its parameters and what it returns; those
    annotations, and dataclass fields', resolve at run time (typing.get_type_hints), for
    tools that read them there. (mypy --strict checks them statically: tests/test_types.py.)"""
    missing = []
    unresolved = []
    for name in azure_identity_kit.__all__:
        value = getattr(azure_identity_kit, name)
        functions = (
            [value]
            if inspect.isfunction(value)
            else [
                member.fget if isinstance(member, property) else member
                for attr, member in vars(value).items()
                if (inspect.isfunction(member) or isinstance(member, property))
                and (not attr.startswith("_") or attr == "__init__")
            ]
            if inspect.isclass(value)
            else []
        )
        if inspect.isclass(value) and hasattr(value, "__dataclass_fields__"):
            functions = [f for f in functions if f.__name__ != "__init__"]  # from the fields
            try:
                typing.get_type_hints(value)
            except Exception as error:  # noqa: BLE001 - reported below
                unresolved.append(f"{name} fields: {error!r}")
        for function in functions:
            signature = inspect.signature(function)
            for parameter in signature.parameters.values():
                if parameter.name not in ("self", "cls") and (
                    parameter.annotation is inspect.Parameter.empty
                ):
                    missing.append(f"{name}.{function.__name__}({parameter.name})")
            if signature.return_annotation is inspect.Signature.empty:
                missing.append(f"{name}.{function.__name__} -> ?")
            try:
                typing.get_type_hints(function)
            except Exception as error:  # noqa: BLE001 - reported below
                unresolved.append(f"{name}.{function.__name__}: {error!r}")
    assert missing == [], "unannotated public API:\n" + "\n".join(missing)
    assert unresolved == [], "annotations that do not resolve:\n" + "\n".join(unresolved)


def test_type_checkers_see_each_export_where_it_is_defined():
    """__init__.py loads its exports lazily (a PEP 562 __getattr__, which type checkers
    can only read as Any); its `if TYPE_CHECKING:` block imports each one as `X as X` (an
    explicit re-export), so they see its own type. Both list the same names."""
    tree = ast.parse((PACKAGE / "__init__.py").read_text())
    (block,) = [
        node
        for node in tree.body
        if isinstance(node, ast.If) and getattr(node.test, "id", None) == "TYPE_CHECKING"
    ]
    imported = {
        alias.name: node.module
        for node in block.body
        if isinstance(node, ast.ImportFrom) and node.level == 1
        for alias in node.names
        if alias.asname == alias.name
    }
    assert len(imported) == len(block.body), "one `from .module import X as X` per line"
    assert imported == azure_identity_kit._EXPORTS
