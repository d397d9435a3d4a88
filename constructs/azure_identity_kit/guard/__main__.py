"""`python -m azure_identity_kit.guard`: print the rule table as Markdown;
`--update docs/guard.md` rewrites the table between its markers in that file."""

import sys

from ..doc_table import main
from .rules import TABLE_BEGIN, TABLE_END, markdown_table

main(sys.argv[1:], "azure_identity_kit.guard", markdown_table, TABLE_BEGIN, TABLE_END)
