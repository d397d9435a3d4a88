"""One synthesized stack as the access map reads it: blocks by address, construct paths,
names, references, which resource contains which, and which ones are private."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, TypeGuard

from ..review.cdktf_json import blocks as read_blocks
from ..review.cdktf_json import ref_address

_TOKEN = re.compile(r"\$\{(.*?)\}")

# Child resource type -> the attributes that name the resource containing it.
CHILD_OF: dict[str, tuple[str, ...]] = {
    "azurerm_storage_container": ("storage_account_id", "storage_account_name"),
    "azurerm_storage_queue": ("storage_account_id", "storage_account_name"),
    "azurerm_storage_table": ("storage_account_id", "storage_account_name"),
    "azurerm_storage_share": ("storage_account_id", "storage_account_name"),
    "azurerm_key_vault_secret": ("key_vault_id",),
    "azurerm_key_vault_key": ("key_vault_id",),
    "azurerm_key_vault_certificate": ("key_vault_id",),
    "azurerm_cosmosdb_sql_database": ("account_name",),
    "azurerm_cosmosdb_sql_container": ("database_name", "account_name"),
    "azurerm_mssql_database": ("server_id",),
    "azurerm_servicebus_queue": ("namespace_id",),
    "azurerm_servicebus_topic": ("namespace_id",),
    "azurerm_eventhub": ("namespace_id", "namespace_name"),
}

# A literal path below a resource ID (or a Key Vault URI) -> the child type it names.
_CHILD_PATHS: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"^/?secrets/([^/]+)", re.I), "azurerm_key_vault_secret"),
    (re.compile(r"^/?keys/([^/]+)", re.I), "azurerm_key_vault_key"),
    (re.compile(r"^/?certificates/([^/]+)", re.I), "azurerm_key_vault_certificate"),
    (re.compile(r"^/?blobServices/default/containers/([^/]+)$", re.I), "azurerm_storage_container"),
    (re.compile(r"^/?queueServices/default/queues/([^/]+)$", re.I), "azurerm_storage_queue"),
    (re.compile(r"^/?tableServices/default/tables/([^/]+)$", re.I), "azurerm_storage_table"),
    (re.compile(r"^/?dbs/([^/]+)/colls/([^/]+)$", re.I), "azurerm_cosmosdb_sql_container"),
    (re.compile(r"^/?dbs/([^/]+)$", re.I), "azurerm_cosmosdb_sql_database"),
    (re.compile(r"^/?databases/([^/]+)$", re.I), "azurerm_mssql_database"),
]


@dataclass(frozen=True)
class Ref:
    """A reference inside a value: `${address.attribute}` and the literal text after it."""

    address: str
    attribute: str
    suffix: str


def is_literal(value: object) -> TypeGuard[str]:
    return isinstance(value, str) and bool(value) and "${" not in value


def last_ref(value: object) -> Ref | None:
    """The last plain resource reference in a string (its deepest part, as in
    `${account.id}/dbs/${db.name}/colls/${container.name}`), or None."""
    if not isinstance(value, str):
        return None
    found = None
    for match in _TOKEN.finditer(value):
        inner = match.group(1).strip()
        address = ref_address(inner)
        if address and inner.startswith(address):  # not inside a function call
            found = Ref(address, inner[len(address) :].lstrip("."), value[match.end() :])
    return found


def as_blocks(value: object) -> list[dict[str, Any]]:
    """A nested block as a list: cdktf writes a max-1 block as an object."""
    if isinstance(value, dict):
        return [value]
    return [v for v in value if isinstance(v, dict)] if isinstance(value, list) else []


class Stack:
    def __init__(self, name: str, doc: dict[str, Any]) -> None:
        self.stack_name = name
        self.blocks = dict(sorted(read_blocks(doc).items()))
        outputs = doc.get("output")
        self.outputs: dict[str, dict[str, Any]] = outputs if isinstance(outputs, dict) else {}
        self._private = self._private_reasons()

    def __contains__(self, address: str) -> bool:
        return address in self.blocks

    def type(self, address: str) -> str:
        return self.blocks[address][1]

    def attrs(self, address: str) -> dict[str, Any]:
        return self.blocks[address][2]

    def of_type(self, *types: str) -> Iterator[tuple[str, dict[str, Any]]]:
        for address, (mode, rtype, attrs) in self.blocks.items():
            if mode == "managed" and rtype in types:
                yield address, attrs

    def path(self, address: str) -> str:
        meta = (self.attrs(address).get("//") or {}).get("metadata") or {}
        return str(meta.get("path") or "") if isinstance(meta, dict) else ""

    def name(self, address: str) -> str:
        """The Azure name when it is literal, else the Terraform name."""
        name = self.attrs(address).get("name") if address in self else None
        return name if is_literal(name) else address.rsplit(".", 1)[-1]

    def parent(self, address: str) -> str:
        """The resource that contains a child resource (a container's storage account)."""
        if address not in self:
            return ""
        for key in CHILD_OF.get(self.type(address).removeprefix("data."), ()):
            ref = last_ref(self.attrs(address).get(key))
            if ref and ref.address in self:
                return ref.address
        return ""

    def child(self, parent: str, suffix: str) -> tuple[str, str, str]:
        """(child address, normalized path, child type) for a literal path below `parent`,
        e.g. `/secrets/api-config` below a vault: the address is the azurerm_key_vault_secret
        of that name when the stack has it, else ""."""
        text = suffix.strip().strip("/")
        for pattern, child_type in _CHILD_PATHS:
            match = pattern.match(text)
            if not match:
                continue
            normalized = match.group(0).strip("/")
            names = list(match.groups())
            for address, _attrs in self.of_type(child_type):
                if self._names_chain(address, names) == parent:
                    return address, normalized, child_type
            return "", normalized, child_type
        return "", text, ""

    def _names_chain(self, address: str, names: list[str]) -> str:
        """Walk up from `address` while its names match `names` (innermost last); return
        the resource above the matched ones, or "" when a name differs."""
        for name in reversed(names):
            if address not in self or self.name(address) != name:
                return ""
            address = self.parent(address)
        return address

    def private_because(self, address: str) -> list[str]:
        return self._private.get(address, [])

    def _private_reasons(self) -> dict[str, list[str]]:
        reasons: dict[str, list[str]] = {}
        for address, (mode, _type, attrs) in self.blocks.items():
            if mode == "managed" and attrs.get("public_network_access_enabled") is False:
                reasons.setdefault(address, []).append("public network access off")
        for address, attrs in self.of_type("azurerm_private_endpoint"):
            for conn in as_blocks(attrs.get("private_service_connection")):
                ref = last_ref(conn.get("private_connection_resource_id"))
                if ref and ref.address in self:
                    subresources = conn.get("subresource_names") or []
                    what = f" ({', '.join(map(str, subresources))})" if subresources else ""
                    reasons.setdefault(ref.address, []).append(
                        f"private endpoint {self.name(address)}{what}"
                    )
        return reasons
