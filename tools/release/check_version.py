"""Before a release: the tag, pyproject.toml's version (its one source) and
CHANGELOG.md agree. The release workflow runs it first.

    python tools/release/check_version.py <tag, e.g. v0.2.0>

Exit code 0 when the tag is `v<version>` and CHANGELOG.md has a dated section
`## [<version>] - YYYY-MM-DD` (Keep a Changelog); 1 otherwise, saying which.
"""

from __future__ import annotations

import re
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent


def project_version(root: Path = ROOT) -> str:
    return str(tomllib.loads((root / "pyproject.toml").read_text())["project"]["version"])


def problems(tag: str, root: Path = ROOT) -> list[str]:
    version = project_version(root)
    found = []
    if tag != f"v{version}":
        found.append(f"tag {tag!r} is not v{version}, the version in pyproject.toml")
    changelog = (root / "CHANGELOG.md").read_text(encoding="utf-8")
    section = re.compile(rf"^## \[{re.escape(version)}\] - \d{{4}}-\d{{2}}-\d{{2}}$", re.M)
    if not section.search(changelog):
        found.append(
            f"CHANGELOG.md has no section '## [{version}] - YYYY-MM-DD': move the "
            "[Unreleased] entries there before tagging"
        )
    return found


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print(__doc__, file=sys.stderr)
        return 2
    found = problems(argv[0])
    for line in found:
        print(f"check_version: {line}", file=sys.stderr)
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
