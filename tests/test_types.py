"""The kit's type hints are checked, and a program that uses it sees them (issue 24).

mypy --strict runs on the package as `make lint` runs it (pyproject.toml [tool.mypy]),
against this suite's toolchain: cdktn's bindings under `make test CDK=cdktn`. So
`make test` guards the types as well as `make lint`, on every toolchain and Node CI runs.
The cache is `make lint`'s, so after it this costs about a second.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import azure_identity_kit
from azure_identity_kit._cdktf import CDKTN, TOOLCHAIN

REPO = Path(__file__).resolve().parent.parent


def mypy(*arguments: str) -> subprocess.CompletedProcess[str]:
    toolchain = ["--always-true", "CDKTN"] if CDKTN else []
    command = [sys.executable, "-m", "mypy", "--cache-dir", f".mypy_cache/{TOOLCHAIN}"]
    return subprocess.run(
        [*command, *toolchain, *arguments], cwd=REPO, capture_output=True, text=True, timeout=600
    )


def test_mypy_strict_finds_nothing_in_the_package():
    done = mypy()
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Success: no issues found" in done.stdout


def test_a_program_using_the_public_api_sees_each_type(tmp_path: Path):
    """Not the Any of the package's lazy imports: each export's own type, re-exported
    explicitly (so --strict's no_implicit_reexport accepts `from azure_identity_kit import`)."""
    names = azure_identity_kit.__all__
    program = tmp_path / "user.py"
    program.write_text(
        "".join(f"from azure_identity_kit import {name}\n" for name in names)
        + "".join(f"reveal_type({name})\n" for name in names)
    )
    done = mypy("--strict", str(program))
    assert done.returncode == 0, done.stdout + done.stderr
    revealed = re.findall(r'Revealed type is "(.*)"', done.stdout)
    assert len(revealed) == len(names), done.stdout
    untyped = [name for name, found in zip(names, revealed, strict=True) if found == "Any"]
    assert untyped == [], f"type checkers see these exports as Any: {untyped}"
