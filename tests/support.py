"""Helpers shared by the tests: build small stacks, synthesize, look things up."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from azure_identity_kit._cdktf import TerraformStack, Testing
from azure_identity_kit.azurerm import provider

# One snapshot set per toolchain (conftest.py picks the loaded one): cdktn's output
# differs (azurerm 5, typed azapi); tests/test_toolchains.py lists every difference.
SNAPSHOT_DIRS = {"cdktf": "__snapshots__", "cdktn": "__snapshots_cdktn__"}


def new_stack(name: str = "test") -> TerraformStack:
    """A stack in a fresh test app. (Testing.synth_scope is broken in Python.)"""
    stack = TerraformStack(Testing.app(), name)
    provider.AzurermProvider(stack, "azurerm", features=[provider.AzurermProviderFeatures()])
    return stack


def synth(stack: TerraformStack) -> dict[str, Any]:
    """Sorted, metadata-free JSON of one stack, as snapshots store it."""
    return json.loads(Testing.synth(stack))


def strip_metadata(value: Any) -> Any:
    """Drop cdktf's "//" metadata (it carries versions and paths) and sort keys."""
    if isinstance(value, dict):
        return {key: strip_metadata(value[key]) for key in sorted(value) if key != "//"}
    if isinstance(value, list):
        return [strip_metadata(item) for item in value]
    return value


def resources(doc: dict[str, Any], resource_type: str) -> dict[str, dict[str, Any]]:
    return doc.get("resource", {}).get(resource_type, {})


def only(doc: dict[str, Any], resource_type: str) -> tuple[str, dict[str, Any]]:
    found = resources(doc, resource_type)
    assert len(found) == 1, f"expected exactly one {resource_type}, found {sorted(found)}"
    return next(iter(found.items()))


def ref(resource_type: str, logical_id: str, attribute: str) -> str:
    return "${" + f"{resource_type}.{logical_id}.{attribute}" + "}"


def by_name(doc: dict[str, Any], resource_type: str, name: str) -> tuple[str, dict[str, Any]]:
    matches = [(k, v) for k, v in resources(doc, resource_type).items() if v.get("name") == name]
    assert len(matches) == 1, f"expected one {resource_type} named {name!r}, found {matches}"
    return matches[0]


def waits_for(doc: dict[str, Any], resource: dict[str, Any]) -> set[str]:
    """The addresses `resource` is created after: its depends_on entries and,
    through each `time_sleep` among them (a propagation wait), what the wait
    depends on. For tests of *order*; tests of the wait itself look at it."""
    found: set[str] = set()
    for entry in resource.get("depends_on", []):
        found.add(entry)
        kind, _, name = entry.partition(".")
        if kind == "time_sleep":
            found.update(resources(doc, "time_sleep")[name].get("depends_on", []))
    return found


def propagation_wait(doc: dict[str, Any], resource: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """The one `time_sleep` in `resource`'s depends_on: (its name, its body)."""
    sleeps = [
        e.partition(".")[2] for e in resource.get("depends_on", []) if e.startswith("time_sleep.")
    ]
    assert len(sleeps) == 1, f"expected one propagation wait, found {sleeps}"
    return sleeps[0], resources(doc, "time_sleep")[sleeps[0]]


REPO_SETTINGS = Path(__file__).resolve().parent.parent / "environments.toml"
# Non-demo values for every DEMO line of environments.toml (stacks/settings.py DEMO_VALUES).
REAL_VALUES = {
    'workload = "idkit"': 'workload = "shop"',
    '"sg-idkit-sql-admins"': '"sg-shop-sql-admins"',
    '"00000000-0000-0000-0000-000000000000"': '"6f1c2d3e-4a5b-4c6d-8e7f-8091a2b3c4d5"',
    "placeholder-replace-me": "ops@contoso",
    "AAAAC3NzaC1lZDI1NTE5AAAAIMHZtuQiQa9Oc8Wa7gxtyVvRfLoefHQFS7MOW1OBv3eQ": (
        "AAAAC3NzaC1lZDI1NTE5AAAAIDxT0ynq5fTq1VNb5hXH8xk8Q4t1bR8pOa3m9n2s7Wc1"
    ),
    '"your-org/azure-identity-kit"': '"contoso/shop-infra"',
    '"stidkittfstate"': '"stshoptfstate01"',
}


def settings_file(folder: Path, replacements: dict[str, str] | None = None) -> Path:
    """A copy of the repository's environments.toml in `folder`, with each key of
    `replacements` (default: REAL_VALUES, no demo value left) replaced."""
    text = REPO_SETTINGS.read_text()
    for old, new in (REAL_VALUES if replacements is None else replacements).items():
        assert old in text, f"environments.toml no longer has {old!r}"
        text = text.replace(old, new)
    path = folder / "environments.toml"
    path.write_text(text)
    return path


def guardrails_settings_file(folder: Path, expires_on: str, category: str = "Waiver") -> Path:
    """settings_file() where dev's guardrails are audit-only, staging has none, and prod
    exempts the storage account `stlegacyprod` from `storage-shared-key` (issue 23)."""
    path = settings_file(folder)
    text = path.read_text()
    text = text.replace(
        "[environments.dev]\n", "[environments.dev]\nguardrails_enforce = false\n"
    ).replace("[environments.staging]\n", "[environments.staging]\nguardrails = false\n")
    text += (
        "\n[[environments.prod.policy_exemptions]]\n"
        'policy = "storage-shared-key"\n'
        'resource = "Microsoft.Storage/storageAccounts/stlegacyprod"\n'
        'reason = "The legacy SFTP ingest signs with the account key until its migration."\n'
        f"expires_on = {expires_on}\n"
        f'category = "{category}"\n'
    )
    path.write_text(text)
    return path
