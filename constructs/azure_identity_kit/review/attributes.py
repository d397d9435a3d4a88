"""What azurerm attributes mean for who can sign in and which credentials work.

The rules in `rules.py` ask these questions of a before or after attribute dict. Names are
azurerm 4.55's and, where the 5.0 upgrade guide renamed them, azurerm 5's too:
`azurerm_cosmosdb_account.local_authentication_disabled` -> `local_authentication_enabled`,
`azurerm_key_vault.enable_rbac_authorization` -> `rbac_authorization_enabled` (4.x has both),
`azurerm_federated_identity_credential.parent_id` -> `user_assigned_identity_id`.
An absent or null setting means the provider default, which for every credential path below
is "on". Nothing here returns or formats a value, so no secret can leak from it.
"""

import re
from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

from .cdktf_json import refs_in
from .values import Path, mask_at, name_is_secret, value_is_secret

UNKNOWN = "unknown"

APP_SERVICE = frozenset(
    f"azurerm_{os}_{kind}{slot}"
    for os in ("linux", "windows")
    for kind in ("web_app", "function_app")
    for slot in ("", "_slot")
)
LOGIC_APP = "azurerm_logic_app_standard"
FLEX_FUNCTION = "azurerm_function_app_flex_consumption"


@dataclass(frozen=True)
class Switch:
    """A boolean setting that opens a credential path or an exposure.

    `names` are the attribute paths that carry it (one per provider generation) with the value
    that means "open"; `block` is a nested block the paths live in, if any."""

    rule: str
    types: frozenset[str]
    names: tuple[tuple[str, bool], ...]
    setting: str
    what: str  # what opens, in words
    why: str
    block: str = ""


CREDENTIAL_SWITCHES = (
    Switch(
        "storage-shared-key",
        frozenset({"azurerm_storage_account"}),
        (("shared_access_key_enabled", True),),
        "shared_access_key_enabled",
        "shared key access",
        "so both account keys, and every SAS signed with one, work again without Entra ID "
        "or any role assignment",
    ),
    Switch(
        "cosmos-local-auth",
        frozenset({"azurerm_cosmosdb_account"}),
        (("local_authentication_disabled", False), ("local_authentication_enabled", True)),
        "local_authentication_disabled",
        "local (key) authentication",
        "so the account's primary and secondary keys read and write data without Entra ID "
        "or any role assignment",
    ),
    Switch(
        "sql-password-auth",
        frozenset({"azurerm_mssql_server"}),
        (("azuread_authentication_only", False),),
        "azuread_administrator.azuread_authentication_only",
        "password authentication",
        "so SQL logins with passwords work again beside Entra ID",
        block="azuread_administrator",
    ),
    Switch(
        "sql-password-auth",
        frozenset({"azurerm_mssql_managed_instance"}),
        (("azuread_authentication_only_enabled", False),),
        "azure_active_directory_administrator.azuread_authentication_only_enabled",
        "password authentication",
        "so SQL logins with passwords work again beside Entra ID",
        block="azure_active_directory_administrator",
    ),
    Switch(
        "sql-password-auth",
        frozenset({"azurerm_postgresql_flexible_server"}),
        (("password_auth_enabled", True),),
        "authentication.password_auth_enabled",
        "password authentication",
        "so PostgreSQL logins with passwords work beside Entra ID",
        block="authentication",
    ),
    Switch(
        "app-basic-publishing-auth",
        APP_SERVICE | {LOGIC_APP},
        (("ftp_publish_basic_authentication_enabled", True),),
        "ftp_publish_basic_authentication_enabled",
        "FTP basic publishing credentials",
        "so the app's publishing username and password can upload code over FTP, bypassing "
        "Entra ID",
    ),
    Switch(
        "app-basic-publishing-auth",
        APP_SERVICE | {FLEX_FUNCTION},
        (("webdeploy_publish_basic_authentication_enabled", True),),
        "webdeploy_publish_basic_authentication_enabled",
        "Web Deploy basic publishing credentials",
        "so the app's publishing username and password can deploy code through Web Deploy "
        "and the SCM site, bypassing Entra ID",
    ),
    Switch(
        "app-basic-publishing-auth",
        frozenset({LOGIC_APP}),
        (("scm_publish_basic_authentication_enabled", True),),
        "scm_publish_basic_authentication_enabled",
        "SCM basic publishing credentials",
        "so the app's publishing username and password can deploy code through the SCM site, "
        "bypassing Entra ID",
    ),
    Switch(
        "key-vault-leaves-rbac",
        frozenset({"azurerm_key_vault"}),
        (("enable_rbac_authorization", False), ("rbac_authorization_enabled", False)),
        "rbac_authorization_enabled",
        "access-policy authorization",
        "so role assignments on it stop applying and its access policies decide who reads "
        "secrets, keys and certificates, where no role-assignment review sees them",
    ),
)

KEY_VAULT_RBAC = next(s for s in CREDENTIAL_SWITCHES if s.rule == "key-vault-leaves-rbac")

EXPOSURE_TYPES = frozenset(
    {
        "azurerm_container_registry",
        "azurerm_key_vault",
        "azurerm_storage_account",
        "azurerm_cosmosdb_account",
        "azurerm_mssql_server",
    }
)
PUBLIC_ACCESS = Switch(
    "public-network-access",
    EXPOSURE_TYPES,
    (("public_network_access_enabled", True),),
    "public_network_access_enabled",
    "public network access",
    "so it accepts connections from any network again and only authentication stands "
    "between the internet and its data",
)


def _first_block(value: object) -> dict[str, Any] | None:
    if isinstance(value, dict):
        return value
    if isinstance(value, list) and value and isinstance(value[0], dict):
        return value[0]
    return None


def switch_state(
    switch: Switch, attrs: dict[str, Any] | None, unknown: Any = None
) -> bool | str | None:
    """True (open), False (closed), UNKNOWN, or None when attrs is None.

    A known "open" under any generation's name wins, so a stale value under the other name
    cannot hide an opening; a known "closed" wins over an unknown companion, which is what
    azurerm 4.x plans show for the computed twin of the name a configuration sets."""
    if attrs is None:
        return None
    root = attrs
    prefix: Path = ()
    if switch.block:
        if mask_at(unknown, (switch.block,)):
            return UNKNOWN
        block = _first_block(attrs.get(switch.block))
        if block is None:  # no block: the provider's default, which is open
            return True
        root, prefix = block, (switch.block, 0)
    seen: list[bool] = []
    unsure = False
    for name, open_value in switch.names:
        value = root.get(name)
        if mask_at(unknown, (*prefix, name)) or isinstance(value, str):  # `${var.x}` too
            unsure = True
        elif isinstance(value, bool):
            seen.append(value == open_value)
    if any(seen):
        return True
    if seen:
        return False
    return UNKNOWN if unsure else True


def opened_by(switch: Switch, attrs: dict[str, Any]) -> str:
    """Which setting opens the path, as `name = value`, or that the provider default does."""
    root = _first_block(attrs.get(switch.block)) if switch.block else attrs
    if root is None:
        return f"no {switch.block} block (the provider default allows it)"
    for name, open_value in switch.names:
        if root.get(name) is open_value:
            return f"{switch.block + '.' if switch.block else ''}{name} = {str(open_value).lower()}"
    return f"{switch.setting} unset (the provider default allows it)"


# --- secrets carried as configuration --------------------------------------------------------

# Attributes of other resources whose value is a secret, beyond names that look like one.
_SECRET_OUTPUTS = {("azurerm_key_vault_secret", "value"), ("random_password", "result")}
_TOKEN_ATTR = re.compile(r"(?<![\w.])(?:data\.)?([a-z][a-z0-9_]*)\.[A-Za-z_][\w-]*\.([a-z_]\w*)")


def references_secret(value: object) -> bool:
    """A `${...}` token that passes on another resource's key, password or connection string."""
    if not isinstance(value, str) or "${" not in value or not refs_in(value):
        return False
    return any(
        name_is_secret(attr) or (rtype, attr) in _SECRET_OUTPUTS
        for rtype, attr in _TOKEN_ATTR.findall(value)
    )


def reference_is_secret(reference: str) -> bool:
    """A plan configuration reference such as `azurerm_storage_account.x.primary_access_key`."""
    match = _TOKEN_ATTR.match(reference.strip())
    return match is not None and (
        name_is_secret(match.group(2)) or (match.group(1), match.group(2)) in _SECRET_OUTPUTS
    )


def _key_bearing(name: object, value: object) -> bool:
    if not isinstance(value, str) or not value.strip():
        return False
    if value.strip().startswith("@Microsoft.KeyVault("):  # resolved through the app's identity
        return False
    return value_is_secret(value) or references_secret(value) or name_is_secret(name)


def credential_settings(
    attrs: dict[str, Any] | None, unknown: Any = None, secret_refs: Collection[str] = ()
) -> set[str]:
    """Names of app settings, connection strings and key attributes that carry a credential.

    `secret_refs` are top-level attributes a plan's configuration fills from another
    resource's secret; an unknown value under one of them counts as a credential."""
    found: set[str] = set()
    if not attrs:
        return found
    settings = attrs.get("app_settings")
    if isinstance(settings, dict):
        for name, value in settings.items():
            if _key_bearing(name, value) or (
                mask_at(unknown, ("app_settings", name)) and "app_settings" in secret_refs
            ):
                found.add(f"app_settings.{name}")
    elif mask_at(unknown, ("app_settings",)) and "app_settings" in secret_refs:
        found.add("app_settings")
    strings = attrs.get("connection_string")
    for i, block in enumerate(strings if isinstance(strings, list) else [strings]):
        if isinstance(block, dict) and (
            _key_bearing(None, block.get("value"))
            or (mask_at(unknown, ("connection_string", i)) and "connection_string" in secret_refs)
        ):
            found.add(f"connection_string.{block.get('name') or i}")
    for key in ("storage_account_access_key", "storage_access_key"):
        value = attrs.get(key)
        if (isinstance(value, str) and value) or (mask_at(unknown, (key,)) and key in secret_refs):
            found.add(key)
    return found


ADMIN_PASSWORDS = (
    "administrator_login_password",
    "administrator_password",
    "administrator_login_password_wo_version",
    "administrator_password_wo_version",
)


def admin_password(attrs: dict[str, Any] | None, unknown: Any = None) -> bool:
    """A database administrator password is set (known, unknown until apply, or write-only)."""
    return any(
        (attrs or {}).get(key) not in (None, "") or mask_at(unknown, (key,))
        for key in ADMIN_PASSWORDS
    )


# --- federated identity credentials ----------------------------------------------------------

_GITHUB = re.compile(r"^repo:(?P<repo>[^:]+/[^:]+):(?P<rest>.+)$")
# Subject kinds by breadth: who can make the issuer mint a token with that subject.
SUBJECT_KINDS = {
    "environment": (1, "workflows that run in one GitHub environment"),
    "tag": (2, "any workflow run for one tag"),
    "branch": (2, "any workflow run on one branch"),
    "pull_request": (3, "anyone who can open a pull request in the repository"),
    "pattern": (4, "every subject its pattern matches"),
}


@dataclass(frozen=True)
class Subject:
    kind: str | None  # a SUBJECT_KINDS key, or None when the review cannot rank it
    repo: str | None = None

    @property
    def rank(self) -> int | None:
        return SUBJECT_KINDS[self.kind][0] if self.kind else None

    @property
    def who(self) -> str:
        if self.kind:
            return SUBJECT_KINDS[self.kind][1]
        return "the workload its subject names"


def subject(value: object) -> Subject | None:
    if not isinstance(value, str) or "${" in value:
        return None
    if any(c in value for c in "*?"):
        match = _GITHUB.match(value)
        return Subject("pattern", match.group("repo").lower() if match else None)
    match = _GITHUB.match(value)
    if not match:
        return Subject(None)
    rest = match.group("rest")
    kind = None
    if rest.startswith("environment:"):
        kind = "environment"
    elif rest.startswith("ref:refs/heads/"):
        kind = "branch"
    elif rest.startswith("ref:refs/tags/"):
        kind = "tag"
    elif rest == "pull_request":
        kind = "pull_request"
    return Subject(kind, match.group("repo").lower())


def credential_identity(attrs: dict[str, Any]) -> str | None:
    """The identity a federated credential signs in as (4.x `parent_id`, 5.x name)."""
    value = attrs.get("user_assigned_identity_id") or attrs.get("parent_id")
    return value.strip().lower() if isinstance(value, str) else None


def issuer(attrs: dict[str, Any]) -> str | None:
    value = attrs.get("issuer")
    return value.strip().rstrip("/").lower() if isinstance(value, str) else None


def audiences(attrs: dict[str, Any]) -> set[str]:
    value = attrs.get("audience")
    values = value if isinstance(value, list) else [value]
    return {v.strip().lower() for v in values if isinstance(v, str)}


# --- ABAC conditions -------------------------------------------------------------------------


def condition_limits(condition: object) -> str:
    """What an ABAC condition limited, in words, from the attributes it tests."""
    text = condition if isinstance(condition, str) else ""
    if "Microsoft.Authorization/roleAssignments" in text:
        parts = []
        if "RoleDefinitionId" in text:
            parts.append("the roles")
        if "PrincipalType" in text:
            parts.append("the principal types")
        if "PrincipalId" in text:
            parts.append("the principals")
        limited = " and ".join(parts) or "the role assignments"
        return f"{limited} its holder may assign and remove"
    if "containers:name" in text:
        return "the blob containers the role reaches"
    if "tags" in text:
        return "the blobs the role reaches by their index tags"
    if "blobs:path" in text:
        return "the blob paths the role reaches"
    return "the actions and resources the role applies to"
