"""The checkov gate of `make check`: scan the synthesized stacks, fail on any failed
check and on any file checkov could not parse.

    python -m azure_identity_kit.guard.checkov_gate [cdktf.out] [--config-file .checkov.yaml]

Why a wrapper: checkov exits 0 when it cannot parse a file (for example a
cdk.tf.json with a `moved` block or `terraform.required_version`), so a
plain `checkov ...` would pass exactly the stacks it never checked. Its JSON
report counts them in `summary.parsing_errors`; this gate fails on them.

Per-stack skips: a stack `<name>` with a `.checkov.<name>.yaml` next to the config
is scanned on its own, with that file's skips added to the config's (checkov's
terraform_json runner has no per-resource skips, and a skip in .checkov.yaml
applies to every stack). The project uses it for dev's public network posture,
so staging and prod are checked without those skips.

checkov runs offline: BC_SKIP_MAPPING=TRUE and --skip-download, no API key.
Which checkov: --checkov, else $CHECKOV, else tools/checkov/.venv/bin/checkov
(`make check` installs it there: it cannot share the project's virtualenv), else
`checkov` on PATH.

Exit codes: 0 all checks passed; 1 failed checks or unparsed files; 2 the gate
could not run (no checkov, nothing synthesized, unreadable report).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

DEFAULT_CHECKOV = Path("tools") / "checkov" / ".venv" / "bin" / "checkov"
DEFAULT_CONFIG = Path(".checkov.yaml")
# The source checkout this module runs from (editable install), if it is one.
_CHECKOUT = Path(__file__).resolve().parents[3]


def _project_file(relative: Path) -> Path | None:
    """`relative` in the current directory, else in the checkout; None if in neither."""
    for base in (Path.cwd(), _CHECKOUT):
        if (base / relative).exists() and (base / "pyproject.toml").exists():
            return base / relative
    return None


@dataclass
class GateReport:
    passed: int = 0
    failed: list[dict[str, Any]] = field(default_factory=list)
    skipped: int = 0
    parsing_errors: int = 0
    unparsed_files: list[str] = field(default_factory=list)
    version: str = "?"
    checkov_exit: int | None = None
    """checkov's own exit code (0 even when it parsed nothing)."""
    not_applicable: list[dict[str, Any]] = field(default_factory=list)
    """Failures of AZURERM4_ONLY_CHECKS on azurerm 5 stacks (listed, not counted)."""

    @property
    def ok(self) -> bool:
        return not self.failed and self.parsing_errors == 0


class GateError(Exception):
    """The gate could not run (exit code 2)."""


def find_checkov(explicit: str | None = None) -> str:
    for candidate in (explicit, os.environ.get("CHECKOV")):
        if candidate:  # a path is made absolute: checkov runs in the scanned directory
            return str(Path(candidate).resolve()) if os.sep in candidate else candidate
    bundled = _project_file(DEFAULT_CHECKOV)
    if bundled is not None:
        return str(bundled)
    on_path = shutil.which("checkov")
    if on_path:
        return on_path
    raise GateError(
        f"checkov not found (looked at --checkov, $CHECKOV, {DEFAULT_CHECKOV} and PATH). "
        "`make check` installs it into tools/checkov/.venv."
    )


def scan_dir(outdir: Path) -> Path:
    """cdktf.out/stacks when given cdktf.out; the directory itself otherwise."""
    stacks = outdir / "stacks"
    target = stacks if stacks.is_dir() else outdir
    if not target.is_dir() or not any(target.rglob("*.tf.json")):
        raise GateError(f"no *.tf.json under {target}: synthesize first (make synth).")
    return target


def skip_checks(config_file: Path) -> list[str]:
    """The check IDs listed under `skip-check:` in a checkov config file (the YAML
    subset the project's files use: one `- ID  # reason` per line)."""
    found: list[str] = []
    in_list = False
    for line in config_file.read_text().splitlines():
        content = line.split("#", 1)[0].rstrip()
        if not content.strip():
            continue
        if not content.startswith((" ", "-")):
            in_list = content.strip() == "skip-check:"
        elif in_list and content.strip().startswith("- "):
            found.append(content.strip()[2:].strip())
    return found


def stack_configs(config_file: Path | None, target: Path) -> dict[str, Path]:
    """Stacks with extra skips of their own: `.checkov.<stack>.yaml` next to the config."""
    if config_file is None:
        return {}
    return {
        stack.name: extra
        for stack in sorted(target.iterdir())
        if stack.is_dir()
        and (extra := config_file.parent / f".checkov.{stack.name}.yaml").is_file()
    }


def run_checkov(
    checkov: str,
    target: Path,
    config_file: Path | None,
    skip_stacks: Sequence[str] = (),
    skips: Sequence[str] = (),
) -> tuple[Any, int]:
    """checkov's JSON report and its own exit code for target, without the stack
    directories in `skip_stacks`; `skips` replace the config's skip-check list."""
    # Run inside the scanned directory with absolute paths: checkov also reads a
    # .checkov.yaml from its working directory, and only --config-file should count.
    target = target.resolve()
    command = [
        checkov,
        "--directory",
        str(target),
        "--framework",
        "terraform_json",
        "--output",
        "json",
        "--compact",
        "--skip-download",
    ]
    if config_file is not None:
        command += ["--config-file", str(Path(config_file).resolve())]
    for stack in skip_stacks:
        command += ["--skip-path", f"(^|/){re.escape(stack)}/"]
    if skips:  # on the command line, it replaces the config file's list
        command += ["--skip-check", ",".join(skips)]
    env = {**os.environ, "BC_SKIP_MAPPING": "TRUE"}
    env.pop("BC_API_KEY", None)
    try:
        result = subprocess.run(
            command, capture_output=True, text=True, env=env, check=False, cwd=target
        )
    except OSError as error:
        raise GateError(f"could not run {checkov}: {error}") from error
    if result.returncode not in (0, 1):
        raise GateError(f"checkov exited {result.returncode}:\n{result.stderr.strip()[-2000:]}")
    try:
        return json.loads(result.stdout), result.returncode
    except json.JSONDecodeError as error:
        raise GateError(
            f"checkov printed no JSON report ({error}):\n{result.stdout[:500]}\n"
            f"{result.stderr.strip()[-2000:]}"
        ) from error


def _prefix_paths(report: Any, prefix: str) -> None:
    results = report.get("results") if isinstance(report, dict) else None
    for check in (results or {}).get("failed_checks") or []:
        if isinstance(check, dict) and isinstance(check.get("file_path"), str):
            check["file_path"] = prefix + check["file_path"]


def summarize(raw: Any) -> GateReport:
    """One report from checkov's JSON (an object per framework, or a list of them)."""
    reports = raw if isinstance(raw, list) else [raw]
    gate = GateReport()
    for report in reports:
        if not isinstance(report, dict) or not isinstance(report.get("summary"), dict):
            raise GateError(f"unexpected checkov report: {str(report)[:300]}")
        summary, results = report["summary"], report.get("results") or {}
        gate.passed += int(summary.get("passed", 0))
        gate.skipped += int(summary.get("skipped", 0))
        gate.parsing_errors += int(summary.get("parsing_errors", 0))
        gate.version = str(summary.get("checkov_version", gate.version))
        gate.failed.extend(results.get("failed_checks") or [])
        gate.unparsed_files.extend(results.get("parsing_errors") or [])
        if int(summary.get("failed", 0)) and not results.get("failed_checks"):
            raise GateError("checkov counted failed checks but listed none")
    return gate


# checkov 3.3.30 checks that read an azurerm 4 attribute name only (CKV_AZURE_140:
# checkov/terraform/checks/resource/azure/CosmosDBLocalAuthDisabled.py inspects
# local_authentication_disabled and nothing else): on a stack that
# requires azurerm 5 (the cdktn toolchain, docs/toolchains.md) they fail
# whatever the value. Each names the kit check that covers the azurerm 5 name.
AZURERM4_ONLY_CHECKS = {
    "CKV_AZURE_140": "reads only azurerm 4's local_authentication_disabled; azurerm 5 names it "
    "local_authentication_enabled, which the guard rule cosmos-local-auth checks",
}


def _azurerm_major(path: str) -> int | None:
    try:
        doc = json.loads(Path(path).read_text())
        version = doc["terraform"]["required_providers"]["azurerm"]["version"]
        return int(str(version).lstrip("~>=< ").split(".")[0])
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None


def set_aside_azurerm4_only(gate: GateReport) -> None:
    """Move AZURERM4_ONLY_CHECKS failures on azurerm 5 stacks to gate.not_applicable."""
    kept = []
    for check in gate.failed:
        path = check.get("file_abs_path") or ""
        if check.get("check_id") in AZURERM4_ONLY_CHECKS and (_azurerm_major(path) or 0) >= 5:
            gate.not_applicable.append(check)
        else:
            kept.append(check)
    gate.failed = kept


def render(gate: GateReport, target: Path, seconds: float) -> str:
    lines = [
        f"checkov {gate.version} on {target} ({seconds:.1f} s): passed {gate.passed}, "
        f"failed {len(gate.failed)}, skipped {gate.skipped}, parsing errors {gate.parsing_errors}"
    ]
    documents: dict[str, Any] = {}
    for check in sorted(gate.failed, key=lambda c: (c.get("check_id", ""), c.get("file_path", ""))):
        lines.append(
            f"  FAILED {check.get('check_id')} {check.get('check_name')}: "
            f"{check.get('file_path')} {_resource(check, documents)}"
            + (f" ({check['guideline']})" if check.get("guideline") else "")
        )
    for check in gate.not_applicable:
        lines.append(
            f"  NOT APPLICABLE (azurerm 5) {check.get('check_id')}: {check.get('file_path')} "
            f"{_resource(check, documents)}: {AZURERM4_ONLY_CHECKS[check['check_id']]}"
        )
    for path in gate.unparsed_files:
        lines.append(f"  NOT PARSED {path}: checkov checked nothing in it{_culprits(path)}")
    if gate.parsing_errors and not gate.unparsed_files:
        lines.append(
            f"  NOT PARSED: {gate.parsing_errors} file(s); checkov checked nothing in them"
        )
    if gate.ok:
        lines.append("checkov gate: OK")
    else:
        lines.append(
            "checkov gate: FAILED. Fix the resources (or, if a check does not apply, skip it in "
            ".checkov.yaml with the reason as a comment); a file checkov cannot parse is a "
            "failure too."
        )
    return "\n".join(lines)


def _resource(check: dict[str, Any], documents: dict[str, Any]) -> str:
    """`type.name (construct path)` of a failed check's resource. checkov's terraform_json
    runner names some resources `resource.<name>` only; the file says which."""
    resource = str(check.get("resource", "?"))
    file = check.get("file_abs_path")
    if not file:
        return resource
    if file not in documents:
        try:
            documents[file] = json.loads(Path(file).read_text())
        except (OSError, ValueError):
            documents[file] = {}
    by_type = documents[file].get("resource") if isinstance(documents[file], dict) else None
    kind, _, name = resource.rpartition(".")
    for rtype, by_name in (by_type or {}).items():
        if isinstance(by_name, dict) and name in by_name and kind in ("resource", rtype):
            meta = (by_name[name].get("//") or {}).get("metadata") or {}
            return f"{rtype}.{name}" + (f" ({meta['path']})" if meta.get("path") else "")
    return resource


# Blocks checkov 3.3.30's terraform_json parser fails on (the whole file is skipped).
_UNPARSEABLE = ("import", "moved", "removed")


def _culprits(path: str) -> str:
    """Name what in the file checkov is known to choke on, if anything."""
    try:
        doc = json.loads(Path(path).read_text())
    except (OSError, ValueError) as error:
        return f" (not valid JSON: {error})"
    if not isinstance(doc, dict):
        return ""
    found = [f"`{key}` block" for key in _UNPARSEABLE if key in doc]
    terraform = doc.get("terraform")
    if isinstance(terraform, dict) and "required_version" in terraform:
        found.append("terraform.required_version")
    return f" (it has {', '.join(found)}, which checkov cannot parse)" if found else ""


def check(
    outdir: str | Path, config_file: str | Path | None = None, checkov: str | None = None
) -> tuple[int, GateReport | None, str]:
    """Run the gate: (exit code, report or None if it could not run, text to print)."""
    config = Path(config_file) if config_file else _project_file(DEFAULT_CONFIG)
    try:
        if config is not None and not config.is_file():
            raise GateError(f"config file {config} does not exist")
        target = scan_dir(Path(outdir))
        started = time.monotonic()
        executable = find_checkov(checkov)
        own = stack_configs(config, target)
        # One run for the stacks without skips of their own, one per stack with them.
        runs: list[tuple[Path, list[str], list[str]]] = [(target, list(own), [])]
        base = skip_checks(config) if config is not None else []
        for stack, extra in own.items():
            runs.append((target / stack, [], [*base, *skip_checks(extra)]))
        # The runs are independent checkov processes: run them side by side.
        with ThreadPoolExecutor(max_workers=len(runs)) as pool:
            results = list(
                pool.map(lambda run: run_checkov(executable, run[0], config, run[1], run[2]), runs)
            )
        reports, exits = [], []
        for (directory, _, _), (raw, checkov_exit) in zip(runs, results, strict=True):
            for report in raw if isinstance(raw, list) else [raw]:
                if directory != target:  # paths relative to the scan dir, like the main run's
                    _prefix_paths(report, f"/{directory.name}")
                reports.append(report)
            exits.append(checkov_exit)
        gate = summarize(reports)
        set_aside_azurerm4_only(gate)
        gate.checkov_exit = max(exits)
    except GateError as error:
        return 2, None, f"checkov gate: cannot run: {error}"
    return (0 if gate.ok else 1), gate, render(gate, target, time.monotonic() - started)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m azure_identity_kit.guard.checkov_gate")
    parser.add_argument("outdir", nargs="?", default="cdktf.out", help="cdktf output directory")
    parser.add_argument("--config-file", default=None, help="default: the project's .checkov.yaml")
    parser.add_argument("--checkov", default=None, help="checkov executable")
    args = parser.parse_args(argv)
    code, _, text = check(args.outdir, args.config_file, args.checkov)
    print(text, file=sys.stderr if code == 2 else sys.stdout)
    return code


if __name__ == "__main__":
    sys.exit(main())
