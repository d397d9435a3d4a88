"""Shared by the access map tests: grant locations found by walking a stack's JSON (not by the
builder), and Mermaid's own parser run over diagrams (tools/mermaid, installed by make test)."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]
MERMAID_CHECK = REPO / "tools" / "mermaid" / "check.mjs"
STACKS = ["dev", "staging", "prod", "bootstrap"]
GRANT_RESOURCES = (
    "azurerm_role_assignment",
    "azurerm_cosmosdb_sql_role_assignment",
    "azurerm_key_vault_access_policy",
)


def _blocks(value: Any) -> list[dict]:
    if isinstance(value, dict):
        return [value]
    return [v for v in value if isinstance(v, dict)] if isinstance(value, list) else []


def grant_locations(doc: dict) -> list[str]:
    """Where the stack's JSON grants access, one entry per grant: a grant resource, a
    Key Vault access policy, a SQL Entra administrator, a `ALTER ROLE ... ADD MEMBER` in a
    T-SQL output, a Key Vault reference, or an image pull by identity."""
    found = []
    for rtype, named in (doc.get("resource") or {}).items():
        for name, attrs in named.items():
            address = f"{rtype}.{name}"
            if rtype in GRANT_RESOURCES:
                found.append(address)
                continue
            for key, what in (
                ("access_policy", lambda b: True),
                ("secret", lambda b: bool(b.get("key_vault_secret_id"))),
                ("registry", lambda b: bool(b.get("identity"))),
                ("image_registry_credential", lambda b: bool(b.get("user_assigned_identity_id"))),
            ):
                found += [
                    f"{address}.{key}[{i}]"
                    for i, b in enumerate(_blocks(attrs.get(key)))
                    if what(b)
                ]
            if _blocks(attrs.get("azuread_administrator")):
                found.append(f"{address}.azuread_administrator")
            for key, value in (attrs.get("app_settings") or {}).items():
                if str(value).startswith("@Microsoft.KeyVault("):
                    found.append(f"{address}.app_settings.{key}")
            if any(
                s.get("container_registry_use_managed_identity") is True
                for s in _blocks(attrs.get("site_config"))
            ):
                found.append(f"{address}.site_config")
    for name, output in (doc.get("output") or {}).items():
        value = output.get("value")
        if isinstance(value, str):
            found += [f"output.{name}[{i}]" for i in range(value.count(" ADD MEMBER "))]
    return found


def mermaid_check(texts: list[str]) -> list[dict]:
    """Mermaid's parser over each text: [{"ok": True, "type": ...} | {"ok": False, ...}]."""
    node = shutil.which("node")
    assert node, "Node.js is needed (jsii needs it too)"
    assert (MERMAID_CHECK.parent / "node_modules" / "mermaid").is_dir(), (
        "tools/mermaid is not installed: `make test` runs npm ci there"
    )
    done = subprocess.run(
        [node, str(MERMAID_CHECK)],
        input=json.dumps(texts),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)
