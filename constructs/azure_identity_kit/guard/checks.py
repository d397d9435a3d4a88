"""The guard's rules, evaluated on one stack's synthesized Terraform JSON
(`TerraformStack.to_terraform()`): the same document `cdk.tf.json` holds, with
escape-hatch overrides applied and references written as `${type.name.attr}`.

Working on the JSON rather than on construct properties means every resource is
checked the same way, whether a kit construct, a raw provider class or an
override made it. This module imports no cdktf: it is plain data in, findings out.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from ..policy_catalog import POLICIES, AssignedGuardrails
from .policy_breaches import Breach, breaches
from .rules import format_finding, rule

# Built-in role definition GUIDs (the same in every tenant).
PRIVILEGED_ROLE_IDS = {
    "8e3af657-a8ff-443c-a75c-2fe8c4bcb635": "Owner",
    "b24988ac-6180-42a0-ab88-20f7382dd24c": "Contributor",
    "18d7d88d-d35e-4fb5-a5c3-7773c20a72d9": "User Access Administrator",
    "f58310d9-a9f6-439a-9e8d-f62e7b41a168": "Role Based Access Control Administrator",
}
_WELL_KNOWN_ROLE_IDS = {
    **PRIVILEGED_ROLE_IDS,
    "acdd72a7-3385-48ef-bd42-f606fba81ae7": "Reader",
    "7f951dda-4ed3-4680-a7ca-43fe172d538d": "AcrPull",
    "2a2b9908-6ea1-4ae2-8e65-a410df84e7d1": "Storage Blob Data Reader",
    "ba92f5b4-2d11-453d-a403-e96b0029c9fe": "Storage Blob Data Contributor",
    "4633458b-17de-408a-b874-0445c86b69e6": "Key Vault Secrets User",
}
_ROLE_ID_BY_NAME = {name.lower(): guid for guid, name in _WELL_KNOWN_ROLE_IDS.items()}

UAI = "azurerm_user_assigned_identity"
ROLE_ASSIGNMENT = "azurerm_role_assignment"

# Attribute references that carry a secret when passed on as configuration.
_SECRET_ATTRIBUTE = re.compile(
    r"(access_key|connection_string|password|shared_key|primary_key|secondary_key|^sas$|^sas_url$)"
)
_SECRET_VALUE_TYPES = {("azurerm_key_vault_secret", "value"), ("random_password", "result")}
_CREDENTIAL_TEXT = re.compile(
    r"(AccountKey=|SharedAccessKey=|SharedAccessSignature=|[?&]sig=|(^|;)\s*Password=|(^|;)\s*pwd=)",
    re.IGNORECASE,
)
_CREDENTIAL_NAME = re.compile(
    r"(^|_)(PASSWORD|PASSWD|PWD|SECRET|ACCOUNT_KEY|ACCESS_KEY|STORAGE_KEY|API_KEY|"
    r"CONNECTION_STRING|CONNSTR|SAS_TOKEN|SAS)$",
    re.IGNORECASE,
)
_REFERENCE = re.compile(
    r"(?<![\w.])(data\.)?([a-z][a-z0-9_]*)\.([A-Za-z_][A-Za-z0-9_-]*)\.([a-z_][a-z0-9_]*)"
)


@dataclass(frozen=True)
class Ref:
    """`${[data.]type.name.attribute...}` inside a synthesized string."""

    data: bool
    type: str
    name: str
    attribute: str

    @property
    def address(self) -> str:
        return f"{'data.' if self.data else ''}{self.type}.{self.name}"


@dataclass(frozen=True)
class Block:
    """One resource or data source of the stack."""

    data: bool
    type: str
    name: str
    config: dict[str, Any]

    @property
    def address(self) -> str:
        return f"{'data.' if self.data else ''}{self.type}.{self.name}"

    @property
    def path(self) -> str | None:
        meta = self.config.get("//")
        if isinstance(meta, dict) and isinstance(meta.get("metadata"), dict):
            path = meta["metadata"].get("path")
            return path if isinstance(path, str) else None
        return None


@dataclass(frozen=True)
class Finding:
    rule_id: str
    address: str
    path: str
    problem: str
    fix: str = ""

    @property
    def severity(self) -> str:
        return rule(self.rule_id).severity

    @property
    def message(self) -> str:
        return format_finding(
            self.path, self.rule_id, self.problem, self.fix or rule(self.rule_id).fix
        )


# --- reading the synthesized JSON -------------------------------------------------


def is_token(value: Any) -> bool:
    return isinstance(value, str) and "${" in value


def expressions(value: str) -> list[str]:
    """The bodies of the `${...}` expressions in a string (braces balanced)."""
    found, start = [], value.find("${")
    while start != -1:
        depth, index = 0, start + 1
        while index < len(value):
            if value[index] == "{":
                depth += 1
            elif value[index] == "}":
                depth -= 1
                if depth == 0:
                    break
            index += 1
        found.append(value[start + 2 : index])
        start = value.find("${", index)
    return found


def references(value: Any) -> list[Ref]:
    if not isinstance(value, str):
        return []
    refs = []
    for body in expressions(value):
        for match in _REFERENCE.finditer(body):
            if match.group(2) in ("var", "local", "module", "each", "count", "path", "self"):
                continue
            refs.append(Ref(bool(match.group(1)), match.group(2), match.group(3), match.group(4)))
    return refs


def blocks(value: Any) -> list[dict[str, Any]]:
    """A nested block as Terraform JSON writes it: one object or a list of them."""
    if isinstance(value, dict):
        return [value]
    if isinstance(value, list):
        return [item for item in value if isinstance(item, dict)]
    return []


def is_true(value: Any) -> bool:
    return value is True or (isinstance(value, str) and value.strip().lower() == "true")


def is_false(value: Any) -> bool:
    return value is False or (isinstance(value, str) and value.strip().lower() == "false")


def strings(value: Any, key: str = "") -> Iterator[tuple[str, str]]:
    """Every (key, string) pair below a value, skipping cdktf's "//" metadata."""
    if isinstance(value, dict):
        for child_key, child in value.items():
            if child_key != "//":
                yield from strings(child, child_key)
    elif isinstance(value, list):
        for item in value:
            yield from strings(item, key)
    elif isinstance(value, str):
        yield key, value


class StackModel:
    """Index over one stack's Terraform JSON."""

    def __init__(self, config: dict[str, Any]) -> None:
        self.config = config
        self.blocks: list[Block] = []
        for kind, is_data in (("resource", False), ("data", True)):
            for rtype, by_name in (config.get(kind) or {}).items():
                if rtype == "//" or not isinstance(by_name, dict):
                    continue
                for name, body in by_name.items():
                    if name != "//" and isinstance(body, dict):
                        self.blocks.append(Block(is_data, rtype, name, body))
        self.by_address = {block.address: block for block in self.blocks}
        self.private_network = False
        """Declared private (guard.declare_private_network)."""
        self.guardrails: AssignedGuardrails | None = None
        """The Azure Policy guardrails assigned to its scope (guard.declare_guardrails)."""
        self.stack_name = (
            ((config.get("//") or {}).get("metadata") or {}).get("stackName")
            if isinstance(config.get("//"), dict)
            else None
        ) or ""

    def resources(self, *types: str) -> list[Block]:
        return [block for block in self.blocks if not block.data and block.type in types]

    def path_of(self, block: Block) -> str:
        if block.path:
            return block.path
        return f"{self.stack_name}/{block.address}" if self.stack_name else block.address

    def finding(self, rule_id: str, block: Block, problem: str, fix: str = "") -> Finding:
        return Finding(rule_id, block.address, self.path_of(block), problem, fix)


# --- the rules --------------------------------------------------------------------


def _role(config: dict[str, Any]) -> tuple[str, str] | None:
    """(label, comparable key) of a role assignment's role, or None if unknown."""
    name, role_id = config.get("role_definition_name"), config.get("role_definition_id")
    if isinstance(name, str) and name and not is_token(name):
        guid = _ROLE_ID_BY_NAME.get(name.strip().lower())
        return name, guid or f"name:{name.strip().lower()}"
    if isinstance(role_id, str) and role_id:
        guid = role_id.rstrip("/").rsplit("/", 1)[-1].lower()
        if guid in _WELL_KNOWN_ROLE_IDS:
            return _WELL_KNOWN_ROLE_IDS[guid], guid
        return role_id, f"id:{role_id.lower()}"
    return None


def check_privileged_role(model: StackModel) -> Iterator[Finding]:
    privileged = {name.lower() for name in PRIVILEGED_ROLE_IDS.values()}
    for ra in model.resources(ROLE_ASSIGNMENT):
        role = _role(ra.config)
        if role is None:
            continue
        label, key = role
        if key in PRIVILEGED_ROLE_IDS or label.lower() in privileged:
            yield model.finding(
                "rbac-privileged-role",
                ra,
                f"The role assignment grants '{PRIVILEGED_ROLE_IDS.get(key, label)}', a role that "
                "can change everything in its scope or give access to others.",
            )


_BROAD_TYPES = {
    "azurerm_subscription": "subscription",
    "azurerm_subscriptions": "subscription",
    "azurerm_management_group": "management group",
}
_RG_TYPES = {"azurerm_resource_group"}
_SCOPE_SHAPES = (
    (re.compile(r"^/$"), "tenant root"),
    (
        re.compile(r"^/providers/microsoft\.management/managementgroups/[^/]+/?$", re.I),
        "management group",
    ),
    (re.compile(r"^/subscriptions/[^/]+/?$", re.I), "subscription"),
    (re.compile(r"^/subscriptions/[^/]+/resourcegroups/([^/]+)/?$", re.I), "resource group"),
)


def classify_scope(scope: str) -> tuple[str, Ref | str | None]:
    """('tenant root' | 'management group' | 'subscription' | 'resource group' |
    'resource' | 'unknown', what names the group: a Ref, a literal name, or None)."""
    bodies = expressions(scope)
    if len(bodies) == 1 and scope == "${" + bodies[0] + "}":
        refs = references(scope)
        if len(refs) != 1:
            return "unknown", None
        ref = refs[0]
        if ref.type in _BROAD_TYPES:
            return _BROAD_TYPES[ref.type], ref
        if ref.type in _RG_TYPES and ref.attribute == "id":
            return "resource group", ref
        return "resource", ref
    literal = scope.strip()
    for index, body in enumerate(bodies):
        literal = literal.replace("${" + body + "}", f"TOKEN{index}", 1)
    for shape, kind in _SCOPE_SHAPES:
        match = shape.match(literal)
        if match is None:
            continue
        if kind != "resource group":
            return kind, None
        group = match.group(1)
        token = re.fullmatch(r"TOKEN(\d+)", group)
        if token is None:
            return kind, None if "TOKEN" in group else group
        refs = references("${" + bodies[int(token.group(1))] + "}")
        named = [ref for ref in refs if ref.type in _RG_TYPES and ref.attribute == "name"]
        return kind, named[0] if len(refs) == 1 and named else None
    if literal.startswith(("/subscriptions/", "/providers/")):
        return "resource", None
    return "unknown", None


def check_broad_scope(model: StackModel) -> Iterator[Finding]:
    for ra in model.resources(ROLE_ASSIGNMENT):
        scope = ra.config.get("scope")
        if not isinstance(scope, str):
            continue
        kind, _ = classify_scope(scope)
        if kind in ("tenant root", "management group", "subscription"):
            yield model.finding(
                "rbac-broad-scope",
                ra,
                f"The role assignment's scope is a {kind} ('{scope}'): the role applies to every "
                "resource below it.",
            )


def _in_group(model: StackModel, block: Block, group: Ref | str) -> bool:
    rg_name = block.config.get("resource_group_name")
    if not isinstance(rg_name, str):
        return False
    if isinstance(group, Ref):
        if any(ref.address == group.address for ref in references(rg_name)):
            return True
        target = model.by_address.get(group.address)
        literal = target.config.get("name") if target else None
        return isinstance(literal, str) and not is_token(literal) and rg_name == literal
    if not is_token(rg_name):
        return rg_name.lower() == group.lower()
    for ref in references(rg_name):
        target = model.by_address.get(ref.address)
        name = target.config.get("name") if target and ref.type in _RG_TYPES else None
        if isinstance(name, str) and name.lower() == group.lower():
            return True
    return False


def check_resource_group_scope(model: StackModel) -> Iterator[Finding]:
    skip = {ROLE_ASSIGNMENT, UAI}
    for ra in model.resources(ROLE_ASSIGNMENT):
        scope = ra.config.get("scope")
        if not isinstance(scope, str):
            continue
        kind, group = classify_scope(scope)
        if kind != "resource group" or group is None:
            continue
        narrower = [
            model.path_of(block)
            for block in model.blocks
            if not block.data and block.type not in skip and _in_group(model, block, group)
        ]
        if narrower:
            shown = ", ".join(narrower[:3]) + (" ..." if len(narrower) > 3 else "")
            yield model.finding(
                "rbac-resource-group-scope",
                ra,
                f"The role assignment is scoped to a whole resource group, and this stack has "
                f"resources in that group it could be scoped to instead ({shown}).",
            )


def check_duplicate_grants(model: StackModel) -> Iterator[Finding]:
    first: dict[tuple[str, str, str], Block] = {}
    for ra in model.resources(ROLE_ASSIGNMENT):
        principal, scope, role = (
            ra.config.get("principal_id"),
            ra.config.get("scope"),
            _role(ra.config),
        )
        if not isinstance(principal, str) or not isinstance(scope, str) or role is None:
            continue
        key = (principal, role[1], scope.rstrip("/").lower() if not is_token(scope) else scope)
        if key in first:
            yield model.finding(
                "rbac-duplicate-grant",
                ra,
                f"It grants '{role[0]}' to the same principal on the same scope as "
                f"{model.path_of(first[key])}.",
            )
        else:
            first[key] = ra


def _uses_identity_key(key: str) -> bool:
    return key in ("principal_id", "object_id", "identity", "identity_id") or (
        key.endswith("_identity_id") and key != "identity_ids"
    )


def check_idle_identities(
    model: StackModel, product_paths: Iterable[str] | None
) -> Iterator[Finding]:
    identities = model.resources(UAI)
    if product_paths is not None:
        wanted = set(product_paths)
        identities = [block for block in identities if block.path in wanted]
    if not identities:
        return
    used: set[str] = set()
    for block in model.blocks:
        if block.type == UAI and not block.data:
            continue
        for key, value in strings(block.config):
            if _uses_identity_key(key):
                used.update(ref.address for ref in references(value) if ref.type == UAI)
    for identity in identities:
        if identity.address not in used:
            yield model.finding(
                "identity-idle",
                identity,
                "This user-assigned identity holds no role assignment and is used for no image "
                "pull or secret, so it can do nothing.",
            )


def check_registry(model: StackModel) -> Iterator[Finding]:
    for registry in model.resources("azurerm_container_registry"):
        if is_true(registry.config.get("admin_enabled")):
            yield model.finding("acr-admin-user", registry, "The registry's admin user is enabled.")
        if is_true(registry.config.get("anonymous_pull_enabled")):
            yield model.finding(
                "acr-anonymous-pull",
                registry,
                "The registry allows anonymous (unauthenticated) pulls.",
            )


def check_vm_password(model: StackModel) -> Iterator[Finding]:
    for vm in model.resources(
        "azurerm_linux_virtual_machine", "azurerm_linux_virtual_machine_scale_set"
    ):
        password = vm.config.get("admin_password")
        if is_false(vm.config.get("disable_password_authentication")) or password:
            yield model.finding(
                "vm-password-enabled",
                vm,
                "The Linux VM allows password sign-in"
                + (" and sets an admin_password." if password else "."),
            )
    for vm in model.resources("azurerm_virtual_machine"):
        for profile in blocks(vm.config.get("os_profile_linux_config")):
            if is_false(profile.get("disable_password_authentication")):
                yield model.finding(
                    "vm-password-enabled", vm, "The Linux VM profile allows password sign-in."
                )


_CONTAINER_APPS = ("azurerm_container_app", "azurerm_container_app_job")
_FUNCTION_APPS = (
    "azurerm_linux_function_app",
    "azurerm_windows_function_app",
    "azurerm_function_app_flex_consumption",
)
_SITES = ("azurerm_linux_web_app", "azurerm_windows_web_app", *_FUNCTION_APPS)
_CONNECTION_SETTINGS = ("AzureWebJobsStorage", "WEBSITE_CONTENTAZUREFILECONNECTIONSTRING")


def check_registry_passwords(model: StackModel) -> Iterator[Finding]:
    for app in model.resources(*_CONTAINER_APPS):
        for registry in blocks(app.config.get("registry")):
            if registry.get("password_secret_name") or registry.get("username"):
                yield model.finding(
                    "secret-registry-password",
                    app,
                    f"The registry '{registry.get('server', '?')}' is pulled from with a username "
                    "and password secret.",
                )
    for site in model.resources(*_SITES):
        for site_config in blocks(site.config.get("site_config")):
            for stack in blocks(site_config.get("application_stack")):
                dockers = [stack, *blocks(stack.get("docker"))]
                if any(
                    d.get(key)
                    for d in dockers
                    for key in (
                        "docker_registry_password",
                        "docker_registry_username",
                        "registry_password",
                        "registry_username",
                    )
                ):
                    yield model.finding(
                        "secret-registry-password",
                        site,
                        "The app pulls its image with a registry username and password.",
                    )
    for group in model.resources("azurerm_container_group"):
        for credential in blocks(group.config.get("image_registry_credential")):
            if credential.get("password") or credential.get("username"):
                yield model.finding(
                    "secret-registry-password",
                    group,
                    f"The registry '{credential.get('server', '?')}' is pulled from with a "
                    "username and password.",
                )


def check_app_secret_values(model: StackModel) -> Iterator[Finding]:
    for app in model.resources(*_CONTAINER_APPS):
        for secret in blocks(app.config.get("secret")):
            if secret.get("value") is not None:
                yield model.finding(
                    "secret-app-secret-value",
                    app,
                    f"The secret '{secret.get('name', '?')}' holds its value in the app "
                    "configuration.",
                )


def _env_pairs(block: Block) -> Iterator[tuple[str, Any]]:
    if block.type in _CONTAINER_APPS:
        for part in blocks(block.config.get("template")):  # apps and jobs alike
            for container in blocks(part.get("container")) + blocks(part.get("init_container")):
                for env in blocks(container.get("env")):
                    yield str(env.get("name", "")), env.get("value")
    elif block.type == "azurerm_container_group":
        for container in blocks(block.config.get("container")) + blocks(
            block.config.get("init_container")
        ):
            for key in ("environment_variables", "secure_environment_variables"):
                variables = container.get(key)
                if isinstance(variables, dict):
                    yield from variables.items()
    else:
        settings = block.config.get("app_settings")
        if isinstance(settings, dict):
            yield from settings.items()


def _credential_reason(name: str, value: Any) -> str | None:
    if not isinstance(value, str) or not value:
        return None
    if is_token(value):
        for ref in references(value):
            if (
                _SECRET_ATTRIBUTE.search(ref.attribute)
                or (ref.type, ref.attribute) in _SECRET_VALUE_TYPES
            ):
                return f"it is set from {ref.address}.{ref.attribute}"
        return None
    if _CREDENTIAL_TEXT.search(value):
        return "its literal value looks like a key, SAS token or connection string"
    if _CREDENTIAL_NAME.search(name):
        return "its name says it is a credential and it has a literal value"
    return None


def check_env_credentials(model: StackModel) -> Iterator[Finding]:
    types = (
        *_CONTAINER_APPS,
        "azurerm_container_group",
        "azurerm_linux_web_app",
        "azurerm_windows_web_app",
        "azurerm_linux_function_app",
        "azurerm_windows_function_app",
    )
    for block in model.resources(*types):
        for name, value in _env_pairs(block):
            reason = _credential_reason(name, value)
            if reason:
                yield model.finding(
                    "secret-env-credential",
                    block,
                    f"The environment variable / setting '{name}' holds a credential: {reason}.",
                )


def check_key_vault(model: StackModel) -> Iterator[Finding]:
    for vault in model.resources("azurerm_key_vault"):
        flags = [
            vault.config.get(k) for k in ("rbac_authorization_enabled", "enable_rbac_authorization")
        ]
        if any(is_token(flag) for flag in flags):
            continue
        policies = blocks(vault.config.get("access_policy"))
        if not any(is_true(flag) for flag in flags):
            yield model.finding(
                "keyvault-access-policy",
                vault,
                "The vault uses access policies: rbac_authorization_enabled is not true.",
            )
        elif policies:
            yield model.finding(
                "keyvault-access-policy",
                vault,
                f"The vault has {len(policies)} access_policy block(s) next to RBAC.",
            )
    for policy in model.resources("azurerm_key_vault_access_policy"):
        yield model.finding(
            "keyvault-access-policy",
            policy,
            "A Key Vault access policy grants access outside RBAC.",
        )


def _is_data_role(config: dict[str, Any]) -> bool:
    role = _role(config)
    return role is not None and " data " in f" {role[0].lower()} "


def check_storage_shared_key(model: StackModel) -> Iterator[Finding]:
    assignments = [ra for ra in model.resources(ROLE_ASSIGNMENT) if _is_data_role(ra.config)]
    if not assignments:
        return
    for account in model.resources("azurerm_storage_account"):
        if is_false(account.config.get("shared_access_key_enabled")):
            continue
        name = account.config.get("name")
        granted = [ra for ra in assignments if _scope_is_in_account(model, ra, account, name)]
        if granted:
            yield model.finding(
                "storage-shared-key-with-rbac",
                account,
                "Shared key access is not disabled, while data roles are granted on the account "
                f"({', '.join(model.path_of(ra) for ra in granted[:3])}).",
            )


def _scope_is_in_account(model: StackModel, ra: Block, account: Block, name: Any) -> bool:
    scope = ra.config.get("scope")
    if not isinstance(scope, str):
        return False
    for ref in references(scope):
        if ref.address == account.address:
            return True
        child = model.by_address.get(ref.address)
        if child is not None and any(
            inner.address == account.address
            for _, value in strings(child.config)
            for inner in references(value)
        ):
            return True
    if isinstance(name, str) and not is_token(name):
        return (
            re.search(rf"/storageaccounts/{re.escape(name.lower())}(/|$)", scope.lower())
            is not None
        )
    return False


_COSMOS_DATA_ROLES = {
    "cosmos db built-in data reader": "00000000-0000-0000-0000-000000000001",
    "cosmos db built-in data contributor": "00000000-0000-0000-0000-000000000002",
}
# Built-in Azure roles that manage SQL through ARM but give no data access ("Lets you
# manage SQL servers and databases, but not access to them"):
# https://learn.microsoft.com/azure/role-based-access-control/built-in-roles/databases
_SQL_MANAGEMENT_ROLES = {
    "9b7fa17d-e63e-47b0-bb0a-15c516ac86ec": "SQL DB Contributor",
    "6d8ee4ec-f05a-4a1d-8b00-a9b17e38b437": "SQL Server Contributor",
}


def check_cosmos_data_role_arm(model: StackModel) -> Iterator[Finding]:
    for ra in model.resources(ROLE_ASSIGNMENT):
        name, role_id = ra.config.get("role_definition_name"), ra.config.get("role_definition_id")
        named = isinstance(name, str) and name.strip().lower() in _COSMOS_DATA_ROLES
        by_id = isinstance(role_id, str) and (
            "/sqlroledefinitions/" in role_id.lower()
            or role_id.rstrip("/").rsplit("/", 1)[-1] in _COSMOS_DATA_ROLES.values()
        )
        if named or by_id:
            yield model.finding(
                "cosmos-data-role-arm",
                ra,
                f"The Azure role assignment names the Cosmos DB data role "
                f"'{name if named else role_id}', which Azure RBAC does not know.",
            )


def check_sql_contributor_to_workload(model: StackModel) -> Iterator[Finding]:
    by_name = {label.lower(): label for label in _SQL_MANAGEMENT_ROLES.values()}
    for ra in model.resources(ROLE_ASSIGNMENT):
        name, role_id = ra.config.get("role_definition_name"), ra.config.get("role_definition_id")
        label = None
        if isinstance(name, str):
            label = by_name.get(name.strip().lower())
        elif isinstance(role_id, str):
            label = _SQL_MANAGEMENT_ROLES.get(role_id.rstrip("/").rsplit("/", 1)[-1].lower())
        principal_type = ra.config.get("principal_type")
        workload = principal_type in (None, "ServicePrincipal") or is_token(principal_type)
        if label and workload:
            yield model.finding(
                "sql-contributor-no-data-access",
                ra,
                f"'{label}' is granted to a service principal: it manages SQL resources but "
                "reads or writes no data.",
            )


def check_cosmos_local_auth(model: StackModel) -> Iterator[Finding]:
    for account in model.resources("azurerm_cosmosdb_account"):
        disabled = account.config.get("local_authentication_disabled")  # azurerm 4
        enabled = account.config.get("local_authentication_enabled")  # azurerm 5
        closed = is_true(disabled) or is_false(enabled)
        if not closed and not is_token(disabled) and not is_token(enabled):
            yield model.finding(
                "cosmos-local-auth",
                account,
                "The Cosmos DB account allows key-based (local) authentication.",
            )


def check_sql_password_admin(model: StackModel) -> Iterator[Finding]:
    for server in model.resources("azurerm_mssql_server", "azurerm_sql_server"):
        config = server.config
        passwords = [
            key
            for key in (
                "administrator_login",
                "administrator_login_password",
                "administrator_login_password_wo",
            )
            if config.get(key)
        ]
        admins = blocks(config.get("azuread_administrator"))
        entra_only = any(
            is_true(admin.get("azuread_authentication_only"))
            or is_token(admin.get("azuread_authentication_only"))
            for admin in admins
        )
        if passwords or not entra_only:
            reason = (
                f"it sets {', '.join(passwords)}"
                if passwords
                else "azuread_authentication_only is not true, so SQL logins with passwords work"
            )
            yield model.finding(
                "sql-password-admin", server, f"The SQL server allows a password admin: {reason}."
            )


def check_function_storage_keys(model: StackModel) -> Iterator[Finding]:
    for app in model.resources(*_FUNCTION_APPS):
        config = app.config
        reasons = [
            f"{key} is set"
            for key in ("storage_account_access_key", "storage_access_key")
            if config.get(key)
        ]
        if config.get("storage_authentication_type") == "StorageAccountConnectionString":
            reasons.append("storage_authentication_type is 'StorageAccountConnectionString'")
        settings = config.get("app_settings")
        if isinstance(settings, dict):
            reasons += [
                f"app setting {name} holds a connection string"
                for name in _CONNECTION_SETTINGS
                if settings.get(name)
            ]
        if reasons:
            yield model.finding(
                "function-host-storage-key",
                app,
                f"The function app reaches its host storage with an account key: "
                f"{'; '.join(reasons)}.",
            )


def check_linux_consumption_plans(model: StackModel) -> Iterator[Finding]:
    for plan in model.resources("azurerm_service_plan"):
        if plan.config.get("os_type") == "Linux" and plan.config.get("sku_name") == "Y1":
            yield model.finding(
                "plan-linux-consumption",
                plan,
                "The plan is Linux Consumption (Y1), whose function apps need a key-bearing "
                "Azure Files connection string.",
            )


def check_site_publishing(model: StackModel) -> Iterator[Finding]:
    for site in model.resources(*_SITES):
        keys = ["webdeploy_publish_basic_authentication_enabled"]
        if site.type != "azurerm_function_app_flex_consumption":  # Flex has no FTP
            keys.insert(0, "ftp_publish_basic_authentication_enabled")
        enabled = [key for key in keys if not is_false(site.config.get(key))]
        if enabled and not any(is_token(site.config.get(key)) for key in enabled):
            yield model.finding(
                "app-basic-auth-publishing",
                site,
                f"Publishing with basic authentication is on ({', '.join(enabled)} is not "
                "false; the provider's default is true).",
            )
        for site_config in blocks(site.config.get("site_config")):
            if is_true(site_config.get("container_registry_use_managed_identity")) and not (
                site_config.get("container_registry_managed_identity_client_id")
            ):
                yield model.finding(
                    "app-pull-system-identity",
                    site,
                    "Images are pulled with the system-assigned identity (no "
                    "container_registry_managed_identity_client_id).",
                )


# Data services that can be reached through a private endpoint instead of the internet.
DATA_SERVICES = (
    "azurerm_container_registry",
    "azurerm_key_vault",
    "azurerm_storage_account",
    "azurerm_cosmosdb_account",
    "azurerm_mssql_server",
)


def check_private_posture(model: StackModel) -> Iterator[Finding]:
    """A stack declared private (guard.declare_private_network) or with private
    endpoints: warn on data services left public."""
    if not (model.private_network or model.resources("azurerm_private_endpoint")):
        return
    for service in model.resources(*DATA_SERVICES):
        flag = service.config.get("public_network_access_enabled")
        if is_false(flag) or is_token(flag):
            continue
        yield model.finding(
            "private-data-service-public",
            service,
            "The stack's data services are meant to be reached through private endpoints, "
            "but this one still has public network access on.",
        )


def check_assigned_policies(model: StackModel) -> Iterator[Finding]:
    """What the guardrails assigned to the stack's scope would refuse (`policy-deny`) or
    only report (`policy-audit`): one finding per resource and rule, naming each policy."""
    guardrails = model.guardrails
    if guardrails is None:
        return
    for block in model.blocks:
        if block.data:
            continue
        found = [
            breach
            for breach in breaches(block.type, block.config)
            if breach.policy in guardrails.policies
            and not guardrails.exempts(breach.policy, breach.resource)
        ]
        refused = [b for b in found if guardrails.refuses(b.policy)]
        reported = [b for b in found if not guardrails.refuses(b.policy)]
        if refused:
            also = f" It is also reported by {_policies(reported)}." if reported else ""
            yield model.finding(
                "policy-deny",
                block,
                f"The Azure Policy guardrails assigned to this stack's scope refuse it: "
                f"{_policies(refused)}.{also}",
            )
        elif reported:
            why = (
                "assigned with DoNotEnforce (audit-only), they report it and will refuse it once "
                "enforced"
                if not guardrails.enforce
                else "they report it"
            )
            yield model.finding(
                "policy-audit",
                block,
                f"The Azure Policy guardrails assigned to this stack's scope find it "
                f"non-compliant ({why}): {_policies(reported)}.",
            )


def _policies(found: list[Breach]) -> str:
    """`'<display name>' (<GUID>): <reason>` per breach, joined."""
    return "; ".join(
        f"'{POLICIES[b.policy].display_name}' ({POLICIES[b.policy].reference}): {b.reason}"
        for b in found
    )


CHECKS: tuple[Callable[[StackModel], Iterable[Finding]], ...] = (
    check_privileged_role,
    check_broad_scope,
    check_resource_group_scope,
    check_duplicate_grants,
    check_registry,
    check_vm_password,
    check_registry_passwords,
    check_app_secret_values,
    check_env_credentials,
    check_key_vault,
    check_storage_shared_key,
    check_cosmos_data_role_arm,
    check_sql_contributor_to_workload,
    check_cosmos_local_auth,
    check_sql_password_admin,
    check_function_storage_keys,
    check_linux_consumption_plans,
    check_site_publishing,
    check_private_posture,
    check_assigned_policies,
)


def evaluate(
    config: dict[str, Any],
    product_identity_paths: Iterable[str] | None = None,
    *,
    private_network: bool = False,
    guardrails: AssignedGuardrails | None = None,
) -> list[Finding]:
    """All findings for one stack's Terraform JSON.

    `product_identity_paths`: construct paths of the identities the kit created
    (only those are checked for `identity-idle`); None checks every identity.
    """
    model = StackModel(config)
    model.private_network = private_network
    model.guardrails = guardrails
    findings: list[Finding] = []
    for check in CHECKS:
        findings.extend(check(model))
    findings.extend(check_idle_identities(model, product_identity_paths))
    return findings
