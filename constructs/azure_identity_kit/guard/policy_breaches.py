"""Which guardrail policy (policy_catalog.POLICIES) a resource of a stack's Terraform
JSON breaches, read the way azurerm turns the configuration into ARM requests.

Each breach mirrors one definition's rule on the aliases it reads (tests/policy
compare the aliases with the definitions' fixtures): a setting left out is sent as
the provider's default, or not at all, and the rules treat a missing setting like
the insecure one where they say so (storage, Key Vault, SQL, Cosmos DB). A value
known only at apply (a `${...}` token) is not judged.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

SITE_TYPES = (
    "azurerm_linux_web_app",
    "azurerm_windows_web_app",
    "azurerm_linux_function_app",
    "azurerm_windows_function_app",
    "azurerm_function_app_flex_consumption",
)
SLOT_TYPES = (
    "azurerm_linux_web_app_slot",
    "azurerm_windows_web_app_slot",
    "azurerm_linux_function_app_slot",
    "azurerm_windows_function_app_slot",
)
# Cosmos DB APIs outside the built-in's rule (capabilities[*].name notIn these).
NON_NOSQL_CAPABILITIES = {"enablemongo", "enablecassandra", "enabletable", "enablegremlin"}


ALIASES: Mapping[str, tuple[str, ...]] = {
    "storage-shared-key": ("Microsoft.Storage/storageAccounts/allowSharedKeyAccess",),
    "acr-admin-user": ("Microsoft.ContainerRegistry/registries/adminUserEnabled",),
    "acr-anonymous-pull": ("Microsoft.ContainerRegistry/registries/anonymousPullEnabled",),
    "acr-repository-token": ("Microsoft.ContainerRegistry/registries/tokens/status",),
    "cosmos-local-auth": (
        "Microsoft.DocumentDB/databaseAccounts/disableLocalAuth",
        "Microsoft.DocumentDB/databaseAccounts/capabilities[*].name",
    ),
    "sql-entra-only-create": ("Microsoft.Sql/servers/administrators.azureADOnlyAuthentication",),
    "key-vault-rbac": ("Microsoft.KeyVault/vaults/enableRbacAuthorization",),
    "app-basic-auth-deny": (
        "Microsoft.Web/sites/basicPublishingCredentialsPolicies/allow",
        "Microsoft.Web/sites/slots/basicPublishingCredentialsPolicies/allow",
    ),
    "app-ftp-basic-auth-audit": ("Microsoft.Web/sites/basicPublishingCredentialsPolicies/allow",),
    "app-scm-basic-auth-audit": ("Microsoft.Web/sites/basicPublishingCredentialsPolicies/allow",),
    "slot-ftp-basic-auth-audit": (
        "Microsoft.Web/sites/slots/basicPublishingCredentialsPolicies/allow",
    ),
    "slot-scm-basic-auth-audit": (
        "Microsoft.Web/sites/slots/basicPublishingCredentialsPolicies/allow",
    ),
}
"""The aliases each breach below reads its configuration as (tests/policy check them
against the definitions). `sql-entra-only-update` has none: azurerm never sends its
request with false (it turns Entra-only off with a DELETE, which Deny does not see)."""


@dataclass(frozen=True)
class Breach:
    policy: str
    """The policy's key."""
    resource: str | None
    """`<Namespace>/<type>/<name>` below the group (for exemptions); None when the
    name is a token."""
    reason: str
    """What in the configuration breaches it."""


def _token(value: Any) -> bool:
    return isinstance(value, str) and "${" in value


def _true(value: Any) -> bool:
    return value is True or (isinstance(value, str) and value.strip().lower() == "true")


def _false(value: Any) -> bool:
    return value is False or (isinstance(value, str) and value.strip().lower() == "false")


def _blocks(value: Any) -> list[Mapping[str, Any]]:
    if isinstance(value, Mapping):
        return [value]
    return [item for item in value if isinstance(item, Mapping)] if isinstance(value, list) else []


def _arm(namespace_type: str, *names: Any) -> str | None:
    """`Microsoft.X/type/<name>[/child/<name>]` from literal names, else None."""
    if any(not isinstance(name, str) or not name or _token(name) for name in names):
        return None
    parts = namespace_type.split("/")
    path = [parts[0]]
    for kind, name in zip(parts[1:], names, strict=True):
        path += [kind, name]
    return "/".join(path)


def breaches(rtype: str, config: Mapping[str, Any]) -> Iterator[Breach]:
    """Every guardrail policy one resource breaches."""
    name = config.get("name")
    if rtype == "azurerm_storage_account":
        value = config.get("shared_access_key_enabled")
        if not _false(value) and not _token(value):
            yield Breach(
                "storage-shared-key",
                _arm("Microsoft.Storage/storageAccounts", name),
                "shared_access_key_enabled is not false (azurerm sends allowSharedKeyAccess "
                "true by default)",
            )
    elif rtype == "azurerm_container_registry":
        where = _arm("Microsoft.ContainerRegistry/registries", name)
        if _true(config.get("admin_enabled")):
            yield Breach("acr-admin-user", where, "admin_enabled = true")
        if _true(config.get("anonymous_pull_enabled")):
            yield Breach("acr-anonymous-pull", where, "anonymous_pull_enabled = true")
    elif rtype == "azurerm_container_registry_token":
        value = config.get("enabled")
        if not _false(value) and not _token(value):
            yield Breach(
                "acr-repository-token",
                _arm(
                    "Microsoft.ContainerRegistry/registries/tokens",
                    config.get("container_registry_name"),
                    name,
                ),
                "the token is enabled (azurerm's default)",
            )
    elif rtype == "azurerm_cosmosdb_account":
        yield from _cosmos(config, name)
    elif rtype == "azurerm_mssql_server":
        admins = _blocks(config.get("azuread_administrator"))
        only = [admin.get("azuread_authentication_only") for admin in admins]
        if not any(_true(value) or _token(value) for value in only):
            yield Breach(
                "sql-entra-only-create",
                _arm("Microsoft.Sql/servers", name),
                "azuread_administrator.azuread_authentication_only is not true"
                if admins
                else "it has no azuread_administrator, so no Entra-only authentication",
            )
    elif rtype == "azurerm_key_vault":
        flags = [config.get(k) for k in ("rbac_authorization_enabled", "enable_rbac_authorization")]
        if not any(_true(flag) or _token(flag) for flag in flags):
            yield Breach(
                "key-vault-rbac",
                _arm("Microsoft.KeyVault/vaults", name),
                "rbac_authorization_enabled is not true (access policies)",
            )
    elif rtype in SITE_TYPES or rtype in SLOT_TYPES:
        yield from _publishing(rtype, config, name)


def _cosmos(config: Mapping[str, Any], name: Any) -> Iterator[Breach]:
    disabled = config.get("local_authentication_disabled")  # azurerm 4
    enabled = config.get("local_authentication_enabled")  # azurerm 5
    if _true(disabled) or _false(enabled) or _token(disabled) or _token(enabled):
        return
    capabilities = {
        str(block.get("name", "")).lower() for block in _blocks(config.get("capabilities"))
    }
    if capabilities & NON_NOSQL_CAPABILITIES or str(config.get("kind", "")).lower() == "mongodb":
        return  # the built-in covers NoSQL accounts only
    yield Breach(
        "cosmos-local-auth",
        _arm("Microsoft.DocumentDB/databaseAccounts", name),
        "local authentication is not disabled (azurerm sends disableLocalAuth false by default)",
    )


def _publishing(rtype: str, config: Mapping[str, Any], name: Any) -> Iterator[Breach]:
    slot = rtype in SLOT_TYPES
    switches = {"scm": "webdeploy_publish_basic_authentication_enabled"}
    if rtype != "azurerm_function_app_flex_consumption":  # Flex has no FTP setting
        switches = {"ftp": "ftp_publish_basic_authentication_enabled", **switches}
    on = [
        (kind, key)
        for kind, key in switches.items()
        if not _false(config.get(key)) and not _token(config.get(key))
    ]
    if not on:
        return
    if slot:  # a slot's ID needs its app's name, which azurerm takes as an ID
        app = str(config.get("app_service_id", "")).rstrip("/").rsplit("/", 1)[-1]
        where = _arm("Microsoft.Web/sites/slots", app, name)
    else:
        where = _arm("Microsoft.Web/sites", name)
    keys = ", ".join(key for _, key in on)
    yield Breach(
        "app-basic-auth-deny",
        where,
        f"{keys} not false (the provider's default is true): a request that turns it on is "
        "refused, and a site created with it on is reported",
    )
    prefix = "slot" if slot else "app"
    for kind, key in on:
        yield Breach(f"{prefix}-{kind}-basic-auth-audit", where, f"{key} is not false")
