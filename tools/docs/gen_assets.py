"""mkdocs-gen-files script (mkdocs.yml): Mermaid from the project's own pinned npm
package (tools/mermaid, installed by `npm ci` with its integrity hash) into the
site as assets/javascripts/mermaid.min.js. Material for MkDocs then finds
`mermaid` defined and loads nothing from a CDN: the site, built or viewed,
fetches nothing from any host."""

from __future__ import annotations

from pathlib import Path

import mkdocs_gen_files

SOURCE = Path("tools") / "mermaid" / "node_modules" / "mermaid" / "dist" / "mermaid.min.js"
if not SOURCE.is_file():
    raise SystemExit(f"{SOURCE} is missing: `make docs` installs it (npm ci in tools/mermaid)")
with mkdocs_gen_files.open("assets/javascripts/mermaid.min.js", "wb") as handle:
    handle.write(SOURCE.read_bytes())
