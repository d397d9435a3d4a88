"""The documentation site (docs/, mkdocs.yml; README "The manual"): it builds with
`--strict`, every generated block is what the code makes now, every construct in
the public API has its page with its props table, and the README stays a front
page."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import azure_identity_kit
import pytest

from tools.docs.generate import DOCS, PROPS, rendered

REPO = Path(__file__).resolve().parent.parent
QUIET = {"NO_MKDOCS_2_WARNING": "1", "DISABLE_MKDOCS_2_WARNING": "true"}


def test_every_generated_block_is_current(synth_outdir: Path):
    """Props tables, the ordering and access-map pictures, the rule and constraint
    tables: `python tools/docs/generate.py` would change nothing."""
    stale = [
        str(path.relative_to(REPO))
        for path in sorted(DOCS.rglob("*.md"))
        if rendered(path, synth_outdir) != path.read_text(encoding="utf-8")
    ]
    assert stale == [], f"stale generated blocks: run python tools/docs/generate.py ({stale})"


def test_every_construct_has_a_page_with_its_props_table():
    constructs = {
        name
        for name in azure_identity_kit.__all__
        if isinstance(getattr(azure_identity_kit, name), type)
        and f"{name}Props" in azure_identity_kit.__all__
    }
    documented = {
        match.group("name").rsplit(".", 1)[1].removesuffix("Props")
        for path in DOCS.rglob("*.md")
        for match in PROPS.finditer(path.read_text(encoding="utf-8"))
    }
    assert len(constructs) >= 14 and constructs <= documented, sorted(constructs - documented)


def test_the_readme_is_a_front_page_that_links_the_manual():
    text = (REPO / "README.md").read_text(encoding="utf-8")
    assert len(text.splitlines()) <= 250, "the README is the front page: 250 lines at most"
    assert "make synth" in text and "make test" in text, "the two commands"
    assert "## Using the constructs in your own stack" in text, "the one reuse example"
    links = re.findall(r"\]\((docs/[^)#]+)", text)
    assert links and all((REPO / link).is_file() for link in links), links
    pages = {str(p.relative_to(REPO)) for p in DOCS.rglob("*.md")}
    assert sorted(pages - set(links)) == [], "the README links every page of the manual"


def test_the_manual_shows_the_readme_example_as_it_is():
    """docs/using.md repeats the README's reuse example (the tested one), unchanged."""
    from tools.release.smoke import reuse_example

    readme = reuse_example((REPO / "README.md").read_text(encoding="utf-8"))
    page = (DOCS / "using.md").read_text(encoding="utf-8")
    assert f"```python\n{readme}```" in page


def test_the_site_builds_strict(tmp_path: Path):
    done = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(tmp_path)],
        cwd=REPO,
        env={**os.environ, **QUIET},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert (tmp_path / "reference" / "index.html").is_file(), "the API reference is generated"
    assert (tmp_path / "constructs" / "container-app" / "index.html").is_file()
    assert (tmp_path / "assets" / "javascripts" / "mermaid.min.js").stat().st_size > 100_000
    pages = [page.read_text(encoding="utf-8") for page in tmp_path.rglob("*.html")]
    script = re.compile(r'<script[^>]+src="(https?:[^"]+)"')
    remote = {src for page in pages for src in script.findall(page)}
    assert remote == set(), "the site loads no script from another host (Mermaid is local)"


@pytest.mark.parametrize("diagram", ["ordering dev", "access-map:staging"])
def test_the_diagrams_come_from_the_code(diagram: str):
    text = "".join(path.read_text(encoding="utf-8") for path in DOCS.rglob("*.md"))
    marker = f"<!-- generated:{diagram} -->" if " " in diagram else f"<!-- {diagram} -->"
    assert marker in text
    block = text.split(marker, 1)[1]
    assert block.lstrip().startswith("```mermaid"), "a Mermaid diagram, made by the tool"
