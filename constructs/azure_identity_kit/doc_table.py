"""Generated tables in the documentation (docs/guard.md, docs/constraints.md):
one writer and one command line for each table the package generates (the rule
table, the constraint inventory), so a table is rewritten between its markers
the same way everywhere."""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence


def cell(text: str) -> str:
    """Text for a Markdown table cell: its pipes escaped."""
    return text.replace("|", "\\|")


def replace_between(path: str, begin: str, end: str, body: str) -> bool:
    """Put `body` between the `begin` and `end` marker lines of the file at `path`;
    False (and nothing written) if the file lacks either marker."""
    with open(path, encoding="utf-8") as handle:
        text = handle.read()
    if begin not in text or end not in text:
        return False
    head, rest = text.split(begin, 1)
    _, tail = rest.split(end, 1)
    with open(path, "w", encoding="utf-8") as handle:
        handle.write(f"{head}{begin}\n{body}{end}{tail}")
    return True


def main(argv: Sequence[str], prog: str, table: Callable[[], str], begin: str, end: str) -> None:
    """`python -m <prog>` prints the table; `--update <docs page>` rewrites it there."""
    if len(argv) == 2 and argv[0] == "--update":
        if not replace_between(argv[1], begin, end, table()):
            sys.exit(f"{argv[1]} has no {begin} ... {end} markers")
    elif not argv:
        sys.stdout.write(table())
    else:
        sys.exit(f"usage: python -m {prog} [--update docs/<page>.md]")
