"""`python -m azure_identity_kit.constraints`: print the inventory of constrained
props as Markdown; `--update README.md` rewrites the table between its markers."""

import sys

from .inventory import TABLE_BEGIN, TABLE_END, markdown_table, update_readme

if sys.argv[1:2] == ["--update"] and len(sys.argv) == 3:
    if not update_readme(sys.argv[2]):
        sys.exit(f"{sys.argv[2]} has no {TABLE_BEGIN} ... {TABLE_END} markers")
elif len(sys.argv) == 1:
    sys.stdout.write(markdown_table())
else:
    sys.exit("usage: python -m azure_identity_kit.constraints [--update README.md]")
