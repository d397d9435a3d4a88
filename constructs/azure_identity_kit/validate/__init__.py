"""`make validate`: does Terraform accept what the kit synthesized?

    python -m azure_identity_kit.validate [cdktf.out | stack folder | cdk.tf.json ...]
        [--terraform tools/terraform/bin/terraform] [--no-plugins]

For every stack:
1. the newer-than-1.0 features the kit emits (`import` blocks,
   `lifecycle.replace_triggered_by`) are checked against Terraform's
   documented rules and then removed, and only they (newer.py);
2. Terraform 1.0.3 takes the rest (engine.py):
   - with provider plugins (plugins.py: TF_PLUGIN_DIR or ../shared/terraform-plugins)
     that hold every provider version the stack requires: `terraform init
     -backend=false -plugin-dir=...` and `terraform validate`, i.e. the real
     providers' schemas and value validators; every error is a problem;
   - otherwise (a user's clone, or a stack pinning other versions, as the cdktn
     toolchain does): the loader, which decodes the whole configuration and
     stops at its expected "Could not load plugin"; every error before it is
     a problem;
3. every `${...}` reference and every `depends_on` names something the stack
   declares, and the dependency graph has no cycle (references.py).
With IDKIT_VALIDATE_FULL=1 and a Terraform >= 1.6 on PATH, step 2 is instead
`terraform init -backend=false` + `terraform validate` with providers from the
registry.

Never checked here: Azure's own rules at deploy time.

Prints one line per problem, `<stack>: <file>:<line>: [<check>] <message>`, and on
stderr which mode ran. Exit codes: 0 every stack passed; 1 a problem; 2 the gate
could not run.
"""

from __future__ import annotations

import json
import tempfile
from collections.abc import Iterable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path as FilePath
from typing import Any

from .engine import (
    PINNED_VERSION,
    Diagnostic,
    EngineError,
    ProviderWorkspaces,
    full_terraform,
    pinned_binary,
    validate_full,
    validate_offline,
    validate_with_plugins,
)
from .newer import Removed, check_newer, strip_newer
from .plugins import PluginDir, find_plugins, init_config, requirements
from .references import JsonPath, Problem, check_graph

PROVIDERS, LOADER, FULL = "providers", "loader", "full"


@dataclass
class StackReport:
    name: str
    file: FilePath
    lines: list[str] = field(default_factory=list)
    removed: list[Removed] = field(default_factory=list)
    mode: str = LOADER
    """PROVIDERS (init + validate with the plugins), LOADER or FULL."""
    note: str | None = None
    """Why a run with plugins gave this stack the loader mode."""

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


@dataclass(frozen=True)
class Plugins:
    """A run's provider plugins and the `terraform init` folders made from them."""

    directory: PluginDir
    workspaces: ProviderWorkspaces


def _message(diagnostic: Diagnostic) -> str:
    if not diagnostic.detail:  # provider validators put the whole message in the summary
        return f"[terraform] {diagnostic.summary}"
    return f"[terraform {diagnostic.summary}] {diagnostic.detail}"


def validate_stack(
    name: str,
    file: FilePath,
    doc: dict[str, Any],
    *,
    terraform: FilePath | None,
    full: str | None = None,
    text: str | None = None,
    plugins: Plugins | None = None,
) -> StackReport:
    """Every problem of one stack document (see the module docstring)."""
    report = StackReport(name, file)
    lines = _Lines(doc, text if text is not None else json.dumps(doc, indent=2))
    problems: list[Problem] = check_newer(doc) + check_graph(doc)
    if full is not None:
        report.mode = FULL
        for diagnostic in validate_full(file, full):
            report.lines.append(
                f"{name}: {_location(file, diagnostic.line, ())}: [terraform] "
                f"{diagnostic.summary}: {diagnostic.detail}".rstrip(": ")
            )
    elif terraform is not None:
        stripped, report.removed = strip_newer(doc)
        stripped_paths = line_paths(stripped)
        needed = requirements(stripped)
        missing = plugins.directory.missing(needed) if plugins else []
        if plugins is not None and not missing:
            report.mode = PROVIDERS
            workspace = plugins.workspaces.initialized(init_config(needed))
            diagnostics = validate_with_plugins(stripped, terraform, workspace)
        else:
            if plugins is not None:
                report.note = (
                    f"needs {', '.join(str(r) for r in missing)}, not in "
                    f"{plugins.directory.origin} ({plugins.directory.describe()})"
                )
            diagnostics = validate_offline(stripped, terraform)
        for diagnostic in diagnostics:
            line = diagnostic.line
            path: JsonPath = ()
            if line and 0 < line <= len(stripped_paths):
                path = stripped_paths[line - 1]
                line = lines.of(path)
            report.lines.append(f"{name}: {_location(file, line, path)}: {_message(diagnostic)}")
    for problem in problems:
        report.lines.append(
            f"{name}: {_location(file, lines.of(problem.path), problem.path)}: "
            f"[{problem.check}] {problem.message}"
        )
    report.lines = list(dict.fromkeys(report.lines))  # Terraform repeats some diagnostics
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


@contextmanager
def plugin_run(plugins: PluginDir, terraform: FilePath) -> Iterator[Plugins]:
    """The plugins for one or more validate_files calls that share their
    `terraform init` folders (removed on exit)."""
    with tempfile.TemporaryDirectory(prefix="idkit-validate-run-") as root:
        yield Plugins(plugins, ProviderWorkspaces(terraform, plugins.path, FilePath(root)))


def validate_files(
    stacks: Sequence[tuple[str, FilePath]],
    terraform: FilePath | None,
    full: str | None = None,
    plugins: PluginDir | Plugins | None = None,
) -> list[StackReport]:
    """validate_stack for each (name, file), two stacks at a time; with `plugins`,
    one `terraform init` per distinct set of provider requirements (per run, or
    per plugin_run() when given one)."""

    def one(item: tuple[str, FilePath]) -> StackReport:
        name, file = item
        text = file.read_text(encoding="utf-8")
        try:
            doc = json.loads(text)
        except json.JSONDecodeError as failure:
            raise EngineError(f"{file}: not JSON ({failure})") from failure
        if not is_stack(doc):
            raise EngineError(f"{file}: not a Terraform JSON configuration")
        return validate_stack(
            name, file, doc, terraform=terraform, full=full, text=text, plugins=run_plugins
        )

    with ExitStack() as cleanup:
        run_plugins = plugins if isinstance(plugins, Plugins) else None
        if isinstance(plugins, PluginDir) and terraform is not None and full is None:
            run_plugins = cleanup.enter_context(plugin_run(plugins, terraform))
        with ThreadPoolExecutor(max_workers=2) as pool:
            return list(pool.map(one, stacks))


def describe_mode(reports: Sequence[StackReport], plugins: PluginDir | None, why: str) -> str:
    """Which checks ran, for the summary line."""
    loader = f"Terraform {PINNED_VERSION} load + reference checks"
    with_providers = [r for r in reports if r.mode == PROVIDERS]
    if any(r.mode == FULL for r in reports):
        return "terraform init + validate, Terraform and providers from PATH and the registry"
    if plugins is None:
        return f"{loader}; {why}"
    real = f"Terraform {PINNED_VERSION} + real providers {plugins.describe()}: init + validate"
    if len(with_providers) == len(reports):
        return real
    if not with_providers:
        return (
            f"{loader}; the real providers in {plugins.origin} ({plugins.describe()}) "
            "are not the versions the stacks require"
        )
    return (
        f"{real} on {len(with_providers)} stacks, load + reference checks on "
        f"{len(reports) - len(with_providers)} (their providers are not in {plugins.origin})"
    )


def main(argv: Sequence[str] | None = None) -> int:
    import argparse
    import sys

    parser = argparse.ArgumentParser(
        prog="python -m azure_identity_kit.validate",
        description="Load every synthesized stack in a real Terraform engine.",
    )
    parser.add_argument("targets", nargs="*", default=["cdktf.out"])
    parser.add_argument("--terraform", help="the pinned Terraform 1.0.3 binary")
    parser.add_argument(
        "--no-plugins",
        action="store_true",
        help="the loader mode even where provider plugins are found",
    )
    args = parser.parse_args(argv)

    def log(message: str) -> None:
        print(f"validate: {message}", file=sys.stderr, flush=True)

    try:
        full = full_terraform()
        terraform = None if full else pinned_binary(args.terraform)
        stacks = find_stacks(args.targets)
        plugins, why = None, "provider plugins not used (--no-plugins)"
        if full is None and not args.no_plugins:
            plugins, why = find_plugins(FilePath("."), log)
        reports = validate_files(stacks, terraform, full, plugins)
    except EngineError as failure:
        print(f"validate: {failure}", file=sys.stderr)
        return 2
    for report in reports:
        for line in report.lines:
            print(line)
    for report in reports:
        if report.note:
            log(f"{report.name}: loader mode only: {report.note}")
    failed = [r.name for r in reports if not r.ok]
    mode = describe_mode(reports, plugins, why)
    summary = f"validate ({mode}): {len(reports) - len(failed)} of {len(reports)} stacks passed"
    print(summary + (f"; failed: {', '.join(failed)}" if failed else ""), file=sys.stderr)
    return 1 if failed else 0
