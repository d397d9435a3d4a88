"""`python -m azure_identity_kit.constraints`: print the inventory of constrained
props as Markdown; `--update docs/constraints.md` rewrites the table between its markers."""

import sys

from ..doc_table import main
from .inventory import TABLE_BEGIN, TABLE_END, markdown_table

main(sys.argv[1:], "azure_identity_kit.constraints", markdown_table, TABLE_BEGIN, TABLE_END)
