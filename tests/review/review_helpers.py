"""Builders for hand-made plan JSON and synthesized outdirs, and a CLI runner."""

import contextlib
import io
import json
from dataclasses import dataclass
from pathlib import Path

from azure_identity_kit.review import diff_cli, plan_cli

SUB = "/subscriptions/00000000-0000-0000-0000-000000000001"
RG = f"{SUB}/resourceGroups/rg-app"
ACCOUNT = f"{RG}/providers/Microsoft.Storage/storageAccounts/stapp"
CONTAINER = f"{ACCOUNT}/blobServices/default/containers/uploads"
VAULT = f"{RG}/providers/Microsoft.KeyVault/vaults/kv-app"
REGISTRY = f"{RG}/providers/Microsoft.ContainerRegistry/registries/acrapp"
UAI_ID = f"{RG}/providers/Microsoft.ManagedIdentity/userAssignedIdentities/id-app"
OWNER_ID = "/providers/Microsoft.Authorization/roleDefinitions/8e3af657-a8ff-443c-a75c-2fe8c4bcb635"
CONTRIBUTOR_ID = (
    f"{SUB}/providers/Microsoft.Authorization/roleDefinitions/b24988ac-6180-42a0-ab88-20f7382dd24c"
)


def rc(
    address: str,
    actions: list[str],
    before: dict | None = None,
    after: dict | None = None,
    *,
    unknown: dict | None = None,
    before_sensitive=None,
    after_sensitive=None,
    replace_paths: list | None = None,
    reason: str | None = None,
    previous: str | None = None,
) -> dict:
    """One resource_changes[] entry shaped like `terraform show -json` output."""
    rtype, name = address.split(".")[-2:]
    change = {
        "actions": actions,
        "before": before,
        "after": after,
        "after_unknown": unknown or {},
        "before_sensitive": before_sensitive if before_sensitive is not None else {},
        "after_sensitive": after_sensitive if after_sensitive is not None else {},
    }
    if replace_paths:
        change["replace_paths"] = replace_paths
    entry = {
        "address": address,
        "mode": "managed",
        "type": rtype,
        "name": name,
        "provider_name": "hashicorp/azurerm",
        "change": change,
    }
    if reason:
        entry["action_reason"] = reason
    if previous:
        entry["previous_address"] = previous
    return entry


def plan(*changes: dict, config_refs: dict[str, dict[str, list[str]]] | None = None) -> dict:
    """A plan document; config_refs: address -> attribute -> references (configuration)."""
    resources = [
        {
            "address": address,
            "mode": "managed",
            "type": address.split(".")[0],
            "name": address.split(".")[1],
            "expressions": {attr: {"references": refs} for attr, refs in attrs.items()},
        }
        for address, attrs in (config_refs or {}).items()
    ]
    return {
        "format_version": "1.2",
        "terraform_version": "1.11.4",
        "planned_values": {"root_module": {}},
        "resource_changes": list(changes),
        "configuration": {"root_module": {"resources": resources}},
    }


def grant(role: str, scope: str, principal: str = "11111111-aaaa-bbbb-cccc-000000000001") -> dict:
    return {"role_definition_name": role, "scope": scope, "principal_id": principal}


@dataclass
class Result:
    code: int
    out: str
    err: str

    def json(self) -> dict:
        return json.loads(self.out)

    def rules(self, severity: str | None = None) -> set[tuple[str, str]]:
        """(rule, address) of the flags, optionally of one severity, from JSON output."""
        return {
            (f["rule"], f["address"])
            for f in self.json()["flags"]
            if severity is None or f["severity"] == severity
        }


def run_main(main, argv: list[str]) -> Result:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = main(argv)
        except SystemExit as exit_:  # argparse errors
            code = exit_.code
    return Result(code, out.getvalue(), err.getvalue())


def review(tmp_path: Path, doc, *args: str, name: str = "plan.json") -> Result:
    """Write doc (dict, or str written verbatim) and run azure-identity-kit-review on it."""
    path = tmp_path / name
    path.write_text(doc if isinstance(doc, str) else json.dumps(doc), encoding="utf-8")
    return run_main(plan_cli.main, [str(path), *args])


def stack(resources: dict[str, dict[str, dict]], data=None, moved=None, name="app") -> dict:
    """A cdk.tf.json document with cdktf's `//` metadata on every block, like real synth."""
    doc = {
        "//": {"metadata": {"backend": "local", "stackName": name, "version": "0.21.0"}},
        "provider": {"azurerm": [{"features": [{}]}]},
        "resource": {
            rtype: {
                rname: {"//": {"metadata": {"path": f"{name}/{rname}", "uniqueId": rname}}, **attrs}
                for rname, attrs in named.items()
            }
            for rtype, named in resources.items()
        },
    }
    if data:
        doc["data"] = data
    if moved:
        doc["moved"] = [{"from": f, "to": t} for f, t in moved.items()]
    return doc


def write_outdir(root: Path, stacks: dict[str, dict]) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    for name, doc in stacks.items():
        folder = root / "stacks" / name
        folder.mkdir(parents=True)
        (folder / "cdk.tf.json").write_text(json.dumps(doc, indent=2), encoding="utf-8")
    return root


def diff(tmp_path: Path, base: dict[str, dict], head: dict[str, dict], *args: str) -> Result:
    """Run azure-identity-kit-diff over two outdirs built from stack documents."""
    base_dir = write_outdir(tmp_path / "base", base)
    head_dir = write_outdir(tmp_path / "head", head)
    return run_main(
        diff_cli.main, ["--base-dir", str(base_dir), "--head-dir", str(head_dir), *args]
    )


PACKAGE_DIR = Path(__file__).resolve().parents[2] / "constructs" / "azure_identity_kit"
HEAVY = (
    "cdktf",
    "cdktn",
    "jsii",
    "constructs",
    "cdktf_cdktf_provider_azurerm",
    "cdktn_provider_azurerm",
    "cdktn_provider_azapi",
)
_BOOT = """
import sys, types
parent = types.ModuleType("azure_identity_kit")
parent.__path__ = [{package!r}]
sys.modules["azure_identity_kit"] = parent
from azure_identity_kit.review.{module} import main
code = main(sys.argv[1:])
heavy = [name for name in {heavy!r} if name in sys.modules]
if heavy:
    print("the review imported " + ", ".join(heavy), file=sys.stderr)
    code = 3
sys.exit(code)
"""


def run_process(module: str, *args: str, cwd: Path | None = None):
    """Run a review command in a fresh Python process, with only the review subpackage loaded
    (a bare parent package stands in for azure_identity_kit/__init__.py, which imports cdktf).
    Exit 3 if the review itself pulled in cdktf, jsii or the provider."""
    import subprocess
    import sys

    boot = _BOOT.format(package=str(PACKAGE_DIR), module=module, heavy=HEAVY)
    return subprocess.run(
        [sys.executable, "-c", boot, *args], cwd=cwd, capture_output=True, text=True
    )
