"""The pictures: the SVG is valid XML with a shape or a box for every node of the model, the
Mermaid text passes Mermaid's own parser, large stacks are grouped and repeated edges
collapsed, the command writes all three files, and docs/access-map.md shows the generated
picture."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET

import pytest
from access_helpers import REPO, STACKS, mermaid_check
from azure_identity_kit.access_map import cli
from azure_identity_kit.access_map.build import build
from azure_identity_kit.access_map.dot import to_dot
from azure_identity_kit.access_map.graph import CARRIES
from azure_identity_kit.access_map.layout import layout
from azure_identity_kit.access_map.mermaid import to_mermaid
from azure_identity_kit.access_map.svg import render_svgs

SVG = "{http://www.w3.org/2000/svg}"
README_STACK = "staging"


@pytest.fixture(scope="module")
def maps(stack_json):
    return {stack: build(stack, stack_json(stack)) for stack in STACKS}


def test_svg_is_valid_xml_and_draws_every_node(maps):
    svgs = render_svgs([to_dot(maps[s]) for s in STACKS])
    for stack, svg in zip(STACKS, svgs, strict=True):
        root = ET.fromstring(svg)  # raises on anything that is not well-formed XML
        assert root.tag == f"{SVG}svg"
        shapes = {
            g.findtext(f"{SVG}title") for g in root.iter(f"{SVG}g") if g.get("class") == "node"
        }
        boxes = {
            g.findtext(f"{SVG}title").removeprefix("cluster_")
            for g in root.iter(f"{SVG}g")
            if g.get("class") == "cluster"
        }
        access = maps[stack]
        assert set(access.nodes) <= shapes | boxes, f"{stack}: nodes missing from the SVG"
        texts = " ".join(t.text or "" for t in root.iter(f"{SVG}text"))
        for node in access.nodes.values():
            assert node.label.removesuffix(" (system-assigned)") in texts, node


def test_mermaid_passes_mermaids_own_parser(maps):
    broken = "flowchart LR\n  n1 -->|unclosed n2[[\n"
    results = mermaid_check([to_mermaid(maps[s]) for s in STACKS] + [broken])
    assert results[:-1] == [{"ok": True, "type": "flowchart-v2"}] * len(STACKS)
    assert results[-1]["ok"] is False, "the check must catch a broken diagram"


def test_mermaid_groups_by_workload_and_collapses_repeated_edges(maps):
    access = maps["dev"]
    drawn = layout(access)
    assert len(drawn.edges) < len(access.edges), "several grants per pair, one arrow each"
    func = next(e for e in drawn.edges if len(e.labels) == 3)
    assert func.labels == [
        "Storage Blob Data Owner",
        "Storage Queue Data Contributor",
        "Storage Table Data Contributor",
    ]
    text = to_mermaid(access)
    api = re.search(r'subgraph (s\d+)\["ca-idkit-api-dev"\]\n(.*?)\n  end', text, re.S)
    assert (
        api and "id-idkit-api-dev<br/>" in api.group(2) and "id-idkit-api-pull-dev" in api.group(2)
    )
    carried = [e for e in access.edges if e.kind == CARRIES]
    assert len(text.splitlines()) < 2 * len(access.edges) + 3 * len(carried) + 40


def test_private_scopes_are_marked_in_both_pictures(maps):
    text = to_mermaid(maps["staging"])
    assert "kv-idkit-staging · key vault · private" in text
    assert "classDef private" in text and "class " in text
    assert "· private" not in to_mermaid(maps["dev"])
    assert "penwidth=2" in to_dot(maps["staging"]) and "penwidth" not in to_dot(maps["dev"])


def test_the_command_writes_json_markdown_and_svg(synth_outdir, tmp_path, capsys, maps):
    dest = tmp_path / "access-map"
    assert cli.main(["--outdir", str(synth_outdir), "--dest", str(dest)]) == 0
    for stack in STACKS:
        model = json.loads((dest / f"{stack}.json").read_text())
        assert model == maps[stack].to_json()
        markdown = (dest / f"{stack}.md").read_text()
        assert f"```mermaid\n{to_mermaid(maps[stack])}```" in markdown
        ET.fromstring((dest / f"{stack}.svg").read_text())
    assert "dev: 9 identities" in capsys.readouterr().out


def test_the_command_explains_bad_input(tmp_path, capsys):
    assert cli.main(["--outdir", str(tmp_path / "missing")]) == 2
    assert "not a directory" in capsys.readouterr().err


def test_readme_shows_the_generated_picture(maps):
    """docs/access-map.md's diagram is the tool's output for the stack it names, byte for
    byte."""
    readme = (REPO / "docs" / "access-map.md").read_text()
    match = re.search(
        rf"<!-- access-map:{README_STACK} -->\n(.*?)<!-- /access-map -->", readme, re.S
    )
    assert match, f"docs/access-map.md has no generated `<!-- access-map:{README_STACK} -->` block"
    assert match.group(1) == cli.readme_block(maps[README_STACK]), (
        "docs/access-map.md's picture is stale: run `python tools/docs/generate.py` (or "
        f"`python -m azure_identity_kit.access_map --stack {README_STACK} --no-svg --readme "
        "docs/access-map.md` after `make synth`)"
    )


@pytest.mark.parametrize("folder", ["viz", "mermaid"])
def test_npm_packages_are_pinned_with_hashes_and_no_registry_address(folder):
    """tools/viz and tools/mermaid install exactly their lock (npm ci): exact versions,
    an integrity hash per package, and no download address in any committed file."""
    base = REPO / "tools" / folder
    wanted = json.loads((base / "package.json").read_text())["dependencies"]
    assert all(re.fullmatch(r"\d+\.\d+\.\d+", v) for v in wanted.values()), wanted
    lock = json.loads((base / "package-lock.json").read_text())
    packages = {k: v for k, v in lock["packages"].items() if k}
    for name, version in wanted.items():
        assert packages[f"node_modules/{name}"]["version"] == version
    for name, entry in packages.items():
        assert entry.get("integrity", "").startswith("sha512-"), name
        assert "resolved" not in entry, name
    assert "omit-lockfile-registry-resolved=true" in (base / ".npmrc").read_text()
