"""`make validate`: does Terraform accept what the kit synthesized?

    python -m azure_identity_kit.validate [cdktf.out | stack folder | cdk.tf.json ...]
        [--terraform tools/terraform/bin/terraform]

For every stack, offline:
1. the newer-than-1.0 features the kit emits (`import` blocks,
   `lifecycle.replace_triggered_by`) are checked against Terraform's
   documented rules and then removed, and only they (newer.py);
2. Terraform 1.0.3 loads and decodes the whole configuration (engine.py):
   every error before its expected "Could not load plugin" is a problem;
3. what Terraform would check next with providers loaded: every `${...}`
   reference and every `depends_on` names something the stack declares, and
   the dependency graph has no cycle (references.py).
With IDKIT_VALIDATE_FULL=1 and a Terraform >= 1.6 on PATH, step 2 is instead
`terraform init -backend=false` + `terraform validate` with the real providers.

Not checked offline: provider schemas (argument names, types, required
arguments) and Azure's own rules at deploy time.

Prints one line per problem, `<stack>: <file>:<line>: [<check>] <message>`.
Exit codes: 0 every stack passed; 1 a problem; 2 the gate could not run.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path as FilePath
from typing import Any

from .engine import EngineError, full_terraform, pinned_binary, validate_full, validate_offline
from .newer import Removed, check_newer, strip_newer
from .references import JsonPath, Problem, check_graph


@dataclass
class StackReport:
    name: str
    file: FilePath
    lines: list[str] = field(default_factory=list)
    removed: list[Removed] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.lines


def line_paths(doc: Any) -> list[JsonPath]:
    """The JSON path each line of `json.dumps(doc, indent=2)` starts, by line
    (index 0 = line 1). cdktf writes JSON.stringify(..., 2): the same lines."""
    lines: list[JsonPath] = [()]

    def visit(value: Any, path: JsonPath) -> None:
        items = value.items() if isinstance(value, dict) else enumerate(value)
        for key, child in items:
            lines.append((*path, key))
            if isinstance(child, (dict, list)) and child:
                visit(child, (*path, key))
        lines.append(path)

    if isinstance(doc, (dict, list)) and doc:
        visit(doc, ())
    return lines


class _Lines:
    """Line numbers of JSON paths in one file as it is on disk."""

    def __init__(self, doc: Any, text: str) -> None:
        paths = line_paths(doc)
        self.exact = len(paths) == len(text.rstrip("\n").splitlines())
        self.by_path: dict[JsonPath, int] = {}
        for number, path in enumerate(paths, start=1):
            self.by_path.setdefault(path, number)

    def of(self, path: JsonPath) -> int | None:
        """The line of `path`, else of its nearest parent; None if the file is
        not pretty-printed the way cdktf writes it."""
        if not self.exact:
            return None
        while path not in self.by_path and path:
            path = path[:-1]
        return self.by_path.get(path)


def _location(file: FilePath, line: int | None, path: JsonPath) -> str:
    where = f"{file}:{line}" if line else str(file)
    return where if line or not path else f"{where} ({'.'.join(str(p) for p in path)})"


def is_stack(doc: Any) -> bool:
    """A whole Terraform JSON configuration (what a stack synthesizes to)."""
    return (
        isinstance(doc, dict)
        and "terraform" in doc
        and any(key in doc for key in ("resource", "data", "output", "module"))
    )


def validate_stack(
    name: str,
    file: FilePath,
    doc: dict[str, Any],
    *,
    terraform: FilePath | None,
    full: str | None = None,
    text: str | None = None,
) -> StackReport:
    """Every problem of one stack document (see the module docstring)."""
    report = StackReport(name, file)
    lines = _Lines(doc, text if text is not None else json.dumps(doc, indent=2))
    problems: list[Problem] = check_newer(doc) + check_graph(doc)
    if full is not None:
        for diagnostic in validate_full(file, full):
            report.lines.append(
                f"{name}: {_location(file, diagnostic.line, ())}: [terraform] "
                f"{diagnostic.summary}: {diagnostic.detail}".rstrip(": ")
            )
    elif terraform is not None:
        stripped, report.removed = strip_newer(doc)
        stripped_paths = line_paths(stripped)
        for diagnostic in validate_offline(stripped, terraform):
            line = diagnostic.line
            path: JsonPath = ()
            if line and 0 < line <= len(stripped_paths):
                path = stripped_paths[line - 1]
                line = lines.of(path)
            report.lines.append(
                f"{name}: {_location(file, line, path)}: [terraform {diagnostic.summary}] "
                f"{diagnostic.detail}".rstrip()
            )
    for problem in problems:
        report.lines.append(
            f"{name}: {_location(file, lines.of(problem.path), problem.path)}: "
            f"[{problem.check}] {problem.message}"
        )
    return report


def find_stacks(targets: Iterable[str]) -> list[tuple[str, FilePath]]:
    """(name, file) for each stack: a cdktf.out folder gives stacks/<name>/cdk.tf.json;
    a stack folder its cdk.tf.json; a JSON file itself."""
    found: list[tuple[str, FilePath]] = []
    for target in targets:
        path = FilePath(target)
        if path.is_file():
            found.append((path.stem if path.name != "cdk.tf.json" else path.parent.name, path))
        elif (path / "cdk.tf.json").is_file():
            found.append((path.name, path / "cdk.tf.json"))
        elif (path / "stacks").is_dir():
            for stack_file in sorted((path / "stacks").glob("*/cdk.tf.json")):
                found.append((stack_file.parent.name, stack_file))
        else:
            raise EngineError(f"{target}: no synthesized stack there (run `make synth` first)")
    if not found:
        raise EngineError("no synthesized stack found (run `make synth` first)")
    return found


def validate_files(
    stacks: Sequence[tuple[str, FilePath]], terraform: FilePath | None, full: str | None = None
) -> list[StackReport]:
    """validate_stack for each (name, file), two Terraform processes at a time."""

    def one(item: tuple[str, FilePath]) -> StackReport:
        name, file = item
        text = file.read_text(encoding="utf-8")
        try:
            doc = json.loads(text)
        except json.JSONDecodeError as failure:
            raise EngineError(f"{file}: not JSON ({failure})") from failure
        if not is_stack(doc):
            raise EngineError(f"{file}: not a Terraform JSON configuration")
        return validate_stack(name, file, doc, terraform=terraform, full=full, text=text)

    with ThreadPoolExecutor(max_workers=2) as pool:
        return list(pool.map(one, stacks))


def main(argv: Sequence[str] | None = None) -> int:
    import argparse
    import sys

    parser = argparse.ArgumentParser(
        prog="python -m azure_identity_kit.validate",
        description="Load every synthesized stack in a real Terraform engine.",
    )
    parser.add_argument("targets", nargs="*", default=["cdktf.out"])
    parser.add_argument("--terraform", help="the pinned Terraform 1.0.3 binary")
    args = parser.parse_args(argv)
    try:
        full = full_terraform()
        terraform = None if full else pinned_binary(args.terraform)
        reports = validate_files(find_stacks(args.targets), terraform, full)
    except EngineError as failure:
        print(f"validate: {failure}", file=sys.stderr)
        return 2
    for report in reports:
        for line in report.lines:
            print(line)
    failed = [r.name for r in reports if not r.ok]
    mode = "terraform init + validate" if full else "Terraform 1.0.3 load + reference checks"
    summary = f"validate ({mode}): {len(reports) - len(failed)} of {len(reports)} stacks passed"
    print(summary + (f"; failed: {', '.join(failed)}" if failed else ""), file=sys.stderr)
    return 1 if failed else 0
