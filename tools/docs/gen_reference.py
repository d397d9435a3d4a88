"""mkdocs-gen-files script (mkdocs.yml): one API reference page per public module
of the package, rendered by mkdocstrings from the docstrings (griffe reads the
source statically: nothing is imported, no jsii starts)."""

from __future__ import annotations

from pathlib import Path

import mkdocs_gen_files

PACKAGE = Path("constructs") / "azure_identity_kit"
nav_lines = []
for path in sorted(PACKAGE.rglob("*.py")):
    module = path.relative_to("constructs").with_suffix("")
    parts = list(module.parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    if parts[-1] == "__main__" or any(part.startswith("_") for part in parts[1:]):
        continue
    name = ".".join(parts)
    page = Path("reference", *parts[1:] or ["index"]).with_suffix(".md")
    if parts[1:] and (PACKAGE / Path(*parts[1:]) / "__init__.py").exists():
        page = Path("reference", *parts[1:], "index.md")
    if page == Path("reference", "index.md"):
        continue  # the index, written below with the list of modules
    with mkdocs_gen_files.open(page, "w") as handle:
        handle.write(f"# `{name}`\n\n::: {name}\n")
    indent = "    " * (len(parts) - 2)
    nav_lines.append(f"{indent}- [`{name}`]({page.relative_to('reference').as_posix()})\n")
with mkdocs_gen_files.open("reference/index.md", "w") as handle:
    handle.write("# API reference\n\nGenerated from the docstrings, one page per module.\n\n")
    handle.write("::: azure_identity_kit\n    options:\n      show_root_heading: false\n\n")
    handle.write("## Modules\n\n")
    handle.writelines(nav_lines)
