"""azure-identity-kit-access-map: write each synthesized stack's access map as
<dest>/<stack>.json (the model), .md (a Mermaid diagram) and .svg (Graphviz).

    python -m azure_identity_kit.access_map [--outdir cdktf.out] [--stack dev ...] [--no-svg]

Reads <outdir>/stacks/<stack>/cdk.tf.json only: no cdktf, no Terraform, no Azure.
"""

from __future__ import annotations

import argparse
import json
import re
from pathlib import Path

from ..review._cli import guarded
from ..review.model import InputError, load_json
from .build import build
from .dot import to_dot
from .graph import AccessMap
from .mermaid import to_markdown, to_mermaid
from .svg import render_svgs

PROG = "azure-identity-kit-access-map"


def load_maps(outdir: Path, stacks: list[str]) -> list[AccessMap]:
    """The access map of each named stack of an outdir (default: every stack in it)."""
    if not outdir.is_dir():
        raise InputError(f"{outdir}: not a directory (expected a synthesized cdktf outdir)")
    found = {p.parent.name: p for p in sorted(outdir.glob("stacks/*/cdk.tf.json"))}
    missing = [s for s in stacks if s not in found]
    if missing:
        raise InputError(
            f"{outdir}: no synthesized stack {', '.join(missing)} (has: {', '.join(found)})"
        )
    maps = []
    for name in stacks or list(found):
        doc = load_json(found[name], "a synthesized cdk.tf.json")
        if not isinstance(doc, dict):
            raise InputError(f"{found[name]}: not a JSON object")
        maps.append(build(name, doc))
    return maps


def readme_block(access: AccessMap) -> str:
    """What docs/access-map.md shows between `<!-- access-map:<stack> -->` and
    `<!-- /access-map -->`."""
    return f"```mermaid\n{to_mermaid(access)}```\n"


def update_readme(path: Path, access: AccessMap) -> bool:
    """Replace the stack's generated block in a Markdown file; True when it changed."""
    text = path.read_text(encoding="utf-8")
    pattern = re.compile(
        rf"(<!-- access-map:{re.escape(access.stack)} -->\n).*?(<!-- /access-map -->)", re.S
    )
    if not pattern.search(text):
        raise InputError(f"{path}: no `<!-- access-map:{access.stack} -->` block to update")
    new = pattern.sub(lambda m: m.group(1) + readme_block(access) + m.group(2), text)
    if new != text:
        path.write_text(new, encoding="utf-8")
    return new != text


def write(maps: list[AccessMap], dest: Path, svg: bool) -> list[Path]:
    dest.mkdir(parents=True, exist_ok=True)
    written = []
    for access in maps:
        model = json.dumps(access.to_json(), indent=2, ensure_ascii=False) + "\n"
        (dest / f"{access.stack}.json").write_text(model, encoding="utf-8")
        (dest / f"{access.stack}.md").write_text(to_markdown(access), encoding="utf-8")
        written += [dest / f"{access.stack}.json", dest / f"{access.stack}.md"]
    if svg:
        for access, image in zip(maps, render_svgs([to_dot(m) for m in maps]), strict=True):
            (dest / f"{access.stack}.svg").write_text(image, encoding="utf-8")
            written.append(dest / f"{access.stack}.svg")
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog=PROG,
        description="Draw who can reach what in each synthesized stack: identities, the "
        "workloads that carry them, and the roles they hold on which (private) scopes.",
    )
    parser.add_argument("--outdir", default="cdktf.out", help="synthesized cdktf outdir")
    parser.add_argument("--stack", action="append", default=[], help="only this stack (repeatable)")
    parser.add_argument("--dest", help="where to write (default: <outdir>/access-map)")
    parser.add_argument("--no-svg", action="store_true", help="write JSON and Markdown only")
    parser.add_argument(
        "--readme",
        metavar="MARKDOWN",
        help="also rewrite each stack's `<!-- access-map:<stack> -->` block in this file",
    )
    args = parser.parse_args(argv)

    def run() -> int:
        outdir = Path(args.outdir)
        maps = load_maps(outdir, args.stack)
        dest = Path(args.dest) if args.dest else outdir / "access-map"
        write(maps, dest, svg=not args.no_svg)
        for access in maps:
            files = "{json,md}" if args.no_svg else "{json,md,svg}"
            print(f"{access.stack}: {access.summary_text()} -> {dest / access.stack}.{files}")
            if args.readme and update_readme(Path(args.readme), access):
                print(f"{args.readme}: updated the {access.stack} diagram")
        return 0

    return guarded(PROG, run)


if __name__ == "__main__":
    raise SystemExit(main())
