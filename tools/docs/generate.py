"""Keep every generated block of the documentation current: the tables and
diagrams in docs/*.md come from the code, never from a hand.

    python tools/docs/generate.py [--check]

Blocks, each between its begin and end markers:
- `<!-- generated:props <module>.<Props class> -->`: the props table of a
  construct (dataclass fields: type, default, the field's docstring, and the
  constraint declared on it), on the construct's page;
- `<!-- generated:ordering <stack> -->`: the grant -> wait -> workload ordering
  of a synthesized stack (tools/docs/ordering.py), in docs/concepts.md;
- the access map of one stack (azure_identity_kit.access_map), in
  docs/access-map.md;
- the guard's rule table (docs/guard.md) and the constraint inventory
  (docs/constraints.md), each written by its own package module.

The stacks are synthesized once into a temporary folder (main.py). `--check`
writes nothing and exits 1 naming each stale file (tests/test_docs.py runs the
same check); without it, stale blocks are rewritten.
"""

from __future__ import annotations

import dataclasses
import functools
import importlib
import json
import os
import re
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent.parent
DOCS = ROOT / "docs"
PROPS = re.compile(r"(<!-- generated:props (?P<name>[\w.]+) -->\n).*?(<!-- /generated -->)", re.S)
ORDERING = re.compile(
    r"(<!-- generated:ordering (?P<name>[\w-]+) -->\n).*?(<!-- /generated -->)", re.S
)
ACCESS_MAP_PAGE = DOCS / "access-map.md"
GUARD_PAGE = DOCS / "guard.md"
CONSTRAINTS_PAGE = DOCS / "constraints.md"


def _cell(text: str) -> str:
    """One table cell: one line, pipes escaped (a type such as `X | None` is written
    outside a code span, where both GitHub and Python-Markdown honour the escape)."""
    return " ".join(text.split()).replace("|", "\\|")


@functools.cache
def _package() -> Any:
    """The package as griffe reads it from the source (once per run)."""
    import griffe

    return griffe.load("azure_identity_kit", search_paths=[str(ROOT / "constructs")])


def _attribute_docs(cls: type) -> dict[str, str]:
    """Each field's docstring (the string literal right after it), read with griffe
    from the source, as mkdocstrings reads it."""
    found = _package()[cls.__module__.removeprefix("azure_identity_kit.")][cls.__qualname__]
    return {
        name: attribute.docstring.value
        for name, attribute in found.attributes.items()
        if attribute.docstring is not None
    }


def props_table(dotted: str) -> str:
    """The props table of the dataclass `dotted` (module path + class name)."""
    module_name, _, class_name = dotted.rpartition(".")
    cls = getattr(importlib.import_module(module_name), class_name)
    from azure_identity_kit.constraints import constraints_of

    docs = _attribute_docs(cls)
    limits: dict[str, list[object]] = {}
    for name, constraint in constraints_of(cls):
        limits.setdefault(name, []).append(constraint)
    rows = [
        "| prop | type | default | what it is | limit (rule ID) |",
        "| --- | --- | --- | --- | --- |",
    ]
    for field in dataclasses.fields(cls):
        if field.default is not dataclasses.MISSING:
            default = f"`{field.default!r}`"
        elif field.default_factory is not dataclasses.MISSING:
            default = f"`{field.default_factory()!r}`"
        else:
            default = "required"
        limit = "; ".join(
            f"{c.describe()} (`{c.rule_id}`)"  # type: ignore[attr-defined]  # a Constraint
            for c in limits.get(field.name, ())
        )
        rows.append(
            f"| `{field.name}` | {_cell(str(field.type))} | {_cell(default)} "
            f"| {_cell(docs.get(field.name, ''))} | {_cell(limit)} |"
        )
    rules = [f"{c.describe()} (`{c.rule_id}`)" for c in limits.get("", ())]  # type: ignore[attr-defined]  # a CrossField
    if rules:
        rows += ["", "Rules across props: " + "; ".join(_cell(rule) for rule in rules) + "."]
    return "\n".join(rows) + "\n"


def _synthesize(outdir: Path) -> None:
    """Every stack of this repository, as `make synth` writes them."""
    env = {**os.environ, "CDKTF_OUTDIR": str(outdir)}
    subprocess.run([sys.executable, "main.py"], cwd=ROOT, env=env, check=True)


def _stack(outdir: Path, name: str) -> dict[str, object]:
    return json.loads((outdir / "stacks" / name / "cdk.tf.json").read_text(encoding="utf-8"))


def _replace(pattern: re.Pattern[str], text: str, body: Callable[[str], str]) -> str:
    return pattern.sub(lambda m: m.group(1) + body(m.group("name")) + m.group(3), text)


def rendered(path: Path, outdir: Path) -> str:
    """`path`'s text with each of its generated blocks as the code makes it now."""
    sys.path.insert(0, str(ROOT))
    from tools.docs.ordering import ordering_mermaid

    text = path.read_text(encoding="utf-8")
    text = _replace(PROPS, text, props_table)
    text = _replace(
        ORDERING, text, lambda name: f"```mermaid\n{ordering_mermaid(_stack(outdir, name))}```\n"
    )
    if path == ACCESS_MAP_PAGE:
        from azure_identity_kit.access_map.cli import load_maps, readme_block

        def access(match: re.Match[str]) -> str:
            (found,) = load_maps(outdir, [match.group(2)])
            return match.group(1) + readme_block(found) + match.group(3)

        text = re.sub(
            r"(<!-- access-map:([\w-]+) -->\n).*?(<!-- /access-map -->)", access, text, flags=re.S
        )
    for page, module in (
        (GUARD_PAGE, "azure_identity_kit.guard.rules"),
        (CONSTRAINTS_PAGE, "azure_identity_kit.constraints.inventory"),
    ):
        if path == page:
            table = importlib.import_module(module)
            head, rest = text.split(table.TABLE_BEGIN, 1)
            _, tail = rest.split(table.TABLE_END, 1)
            text = f"{head}{table.TABLE_BEGIN}\n{table.markdown_table()}{table.TABLE_END}{tail}"
    return text


def stale_pages(outdir: Path) -> dict[Path, str]:
    """Each docs page whose generated blocks differ from the code: its new text."""
    stale = {}
    for path in sorted(DOCS.rglob("*.md")):
        new = rendered(path, outdir)
        if new != path.read_text(encoding="utf-8"):
            stale[path] = new
    return stale


def main(argv: list[str]) -> int:
    check = argv == ["--check"]
    if argv and not check:
        print(__doc__, file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory(prefix="idkit-docs-") as folder:
        _synthesize(Path(folder))
        stale = stale_pages(Path(folder))
    for path, text in stale.items():
        where = path.relative_to(ROOT)
        if check:
            print(f"generate: {where} is stale: run python tools/docs/generate.py", file=sys.stderr)
        else:
            path.write_text(text, encoding="utf-8")
            print(f"generate: updated {where}")
    return 1 if check and stale else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
