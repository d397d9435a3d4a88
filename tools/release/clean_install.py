"""Install a built wheel into a new, empty virtualenv and synthesize the README's
reuse example with it (tools/release/smoke.py), outside the source tree, so
only the installed package can be imported. `make dist` and the release
workflow run it; tests/test_release.py too.

    python tools/release/clean_install.py <dist folder> [README.md]

The wheel's dependencies come from the package index pip is configured with.
Exit code 0: the wheel installs and synthesizes; anything else is a failure.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
import venv
from pathlib import Path

HERE = Path(__file__).resolve().parent


def the_wheel(dist: Path) -> Path:
    wheels = sorted(dist.glob("azure_identity_kit-*-py3-none-any.whl"))
    if len(wheels) != 1:
        raise SystemExit(f"clean_install: expected one wheel in {dist}, found {wheels}")
    return wheels[0]


def clean_install(dist: Path, readme: Path) -> Path:
    """The synthesized stack's file, written by the wheel in a new venv."""
    wheel = the_wheel(dist)
    work = Path(tempfile.mkdtemp(prefix="idkit-clean-install-"))
    venv.EnvBuilder(with_pip=True, clear=True).create(work / "venv")
    python = work / "venv" / "bin" / "python"
    subprocess.run(
        [str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check", str(wheel)],
        check=True,
    )
    # From a folder of its own: the source tree is not on sys.path.
    subprocess.run(
        [str(python), str(HERE / "smoke.py"), str(readme.resolve()), str(work / "out")],
        cwd=work,
        check=True,
    )
    return work / "out" / "stacks" / "readme" / "cdk.tf.json"


def main(argv: list[str]) -> int:
    if not 1 <= len(argv) <= 2:
        print(__doc__, file=sys.stderr)
        return 2
    readme = Path(argv[1]) if len(argv) == 2 else HERE.parent.parent / "README.md"
    written = clean_install(Path(argv[0]), readme)
    print(f"clean_install: {the_wheel(Path(argv[0])).name} synthesized {written}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
