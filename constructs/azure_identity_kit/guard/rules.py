"""The one rule table: every rule ID the kit reports, at synth (the guard) or
while the construct tree is built (KitValidationError).

Guard rules are findings on a synthesized stack: an error fails `app.synth()`,
a warning is printed. Both can be suppressed with a reason (`guard.suppress`).
Validation rules are input errors: they are raised as KitValidationError before
anything is synthesized and are not suppressible (fix the input instead).

`python -m azure_identity_kit.guard` prints the table as Markdown for docs/guard.md
(`--update docs/guard.md` rewrites it between the markers); tests/guard checks that
it lists every rule ID the package raises.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from .. import naming
from ..doc_table import cell, replace_between
from ..naming import NameRule

Severity = Literal["error", "warning", "input"]

SUPPRESS_API = "azure_identity_kit.guard.suppress"


@dataclass(frozen=True)
class Rule:
    rule_id: str
    severity: Severity
    catches: str
    why: str
    fix: str

    @property
    def suppressible(self) -> bool:
        return self.severity != "input"


def format_finding(path: str, rule_id: str, problem: str, fix: str) -> str:
    """The message shape KitValidationError uses, plus how to suppress."""
    return (
        f"{path}: [{rule_id}] {problem} Fix: {fix} If it is intended: "
        f'{SUPPRESS_API}(<{path}>, "{rule_id}", "<reason>").'
    )


_NARROW = "Grant the narrowest role on the narrowest scope: GrantTarget.of(resource)."

GUARD_RULES: tuple[Rule, ...] = (
    Rule(
        "rbac-privileged-role",
        "error",
        "A role assignment of Owner, Contributor, User Access Administrator or Role Based Access "
        "Control Administrator (by name, or by role_definition_id ending in their GUIDs).",
        "These roles can change or delete everything in scope, or hand out access to anyone; a "
        "workload identity never needs them.",
        "Grant the data-plane or service role the workload uses (e.g. 'Storage Blob Data "
        "Reader', 'AcrPull', 'Key Vault Secrets User').",
    ),
    Rule(
        "rbac-broad-scope",
        "error",
        "A role assignment at tenant root ('/'), a management group or a subscription: a literal "
        "ARM ID, or a reference to azurerm_subscription / azurerm_management_group (resource or "
        "data source).",
        "The role then covers every resource group and resource under that scope, including "
        "ones created later.",
        _NARROW,
    ),
    Rule(
        "rbac-resource-group-scope",
        "warning",
        "A role assignment on a resource group while the same stack has a resource in that "
        "group (other than identities and role assignments) the role could be scoped to. "
        "Heuristic: resource_group_name references or names the same group.",
        "A group-wide grant also covers every other resource in the group, now and later.",
        _NARROW,
    ),
    Rule(
        "rbac-duplicate-grant",
        "error",
        "Two role assignments with the same principal, role and scope (compared as synthesized "
        "strings; a role name and its well-known GUID count as the same).",
        "Azure refuses the second one (RoleAssignmentExists), and removing one of them later "
        "silently removes the permission the other was meant to keep.",
        "Keep one role assignment per principal, role and scope; depend on it where needed.",
    ),
    Rule(
        "identity-idle",
        "warning",
        "A user-assigned identity created by the kit (UserAssignedIdentity) that holds no role "
        "assignment (no principal_id references it) and is used for no image pull or secret "
        "(no identity / *_identity_id field references it).",
        "It cannot do anything until something grants it a role; usually a grant was forgotten.",
        "Grant it the role it needs (identity.grant(...)), use it for a pull or secret, or "
        "remove it.",
    ),
    Rule(
        "acr-admin-user",
        "error",
        "An azurerm_container_registry with admin_enabled = true.",
        "The admin user is one shared username and password with push and pull rights on the "
        "whole registry.",
        "Set admin_enabled = false (IdentityOnlyRegistry does) and pull with AcrPull.",
    ),
    Rule(
        "acr-anonymous-pull",
        "error",
        "An azurerm_container_registry with anonymous_pull_enabled = true.",
        "Anyone on the internet can pull every image, without signing in.",
        "Set anonymous_pull_enabled = false and grant AcrPull to the identities that pull.",
    ),
    Rule(
        "vm-password-enabled",
        "error",
        "An azurerm_linux_virtual_machine (or scale set, or azurerm_virtual_machine Linux "
        "profile) with disable_password_authentication = false or an admin_password.",
        "A password can be guessed or leaked and lives in the Terraform state.",
        "Use SSH public keys or Entra ID sign-in (the kit's VmWithIdentity does).",
    ),
    Rule(
        "secret-registry-password",
        "error",
        "A registry credential with a password: a container app registry block with "
        "password_secret_name / username, or a container group image_registry_credential with "
        "a password / username.",
        "The password sits in the app configuration and the state, and does not rotate; both "
        "services pull with a managed identity instead.",
        "Pull with a user-assigned identity that holds AcrPull (registry identity / "
        "user_assigned_identity_id); the kit's constructs do.",
    ),
    Rule(
        "secret-app-secret-value",
        "error",
        "A container app secret block with a value (literal or expression).",
        "The secret value is stored in the app configuration and the Terraform state; a Key "
        "Vault reference read by a managed identity is not.",
        "Use key_vault_secret_id with identity (the app's user-assigned identity holding "
        "'Key Vault Secrets User'), or have the code read Key Vault itself.",
    ),
    Rule(
        "secret-env-credential",
        "error",
        "An environment variable or app setting holding a credential: a literal value that "
        "looks like a storage key, SAS token or connection string (AccountKey=, "
        "SharedAccessSignature=, sig=, Password=), a literal value under a name like *_PASSWORD, "
        "*_SECRET, *_ACCOUNT_KEY, *_CONNECTION_STRING or *_SAS_TOKEN, or a reference to a key, "
        "connection string, password or secret attribute of another resource.",
        "Anyone who can read the app's configuration or the state holds the credential.",
        "Give the code a managed identity and a role on the resource (set AZURE_CLIENT_ID, use "
        "DefaultAzureCredential); pass only endpoints and names.",
    ),
    Rule(
        "keyvault-access-policy",
        "error",
        "An azurerm_key_vault without rbac_authorization_enabled (or enable_rbac_authorization) "
        "= true, or with access_policy blocks; or an azurerm_key_vault_access_policy.",
        "Access policies are a second permission system next to Azure RBAC: vault-wide, not "
        "auditable with role assignments, and grantable by any vault Contributor.",
        "Set rbac_authorization_enabled = true (RbacKeyVault does) and grant 'Key Vault "
        "Secrets User' or a similar data role.",
    ),
    Rule(
        "function-host-storage-key",
        "error",
        "A function app (Linux, Windows or Flex Consumption) with a storage account key: "
        "storage_account_access_key / storage_access_key, Flex storage_authentication_type "
        "'StorageAccountConnectionString', or an AzureWebJobsStorage / "
        "WEBSITE_CONTENTAZUREFILECONNECTIONSTRING app setting (a connection string).",
        "The key gives full access to the host account, sits in app settings and the state, "
        "and does not rotate by itself.",
        "Connect host storage by identity: storage_uses_managed_identity = true (Flex: "
        "storage_authentication_type = 'UserAssignedIdentity'); FunctionAppWithIdentity does.",
    ),
    Rule(
        "plan-linux-consumption",
        "error",
        "An azurerm_service_plan with os_type Linux and sku_name Y1 (Linux Consumption).",
        "Linux Consumption keeps app content on an Azure Files share reached only with a "
        "key-bearing connection string; no identity can replace it.",
        "Use Flex Consumption (FC1) or a Dedicated plan (B1, S1, P0v3, ...).",
    ),
    Rule(
        "app-basic-auth-publishing",
        "error",
        "A web or function app whose FTP or Web Deploy basic authentication "
        "(ftp_publish_basic_authentication_enabled, webdeploy_publish_basic_authentication_"
        "enabled) is not false: the provider's default is true.",
        "Publishing credentials are a username and password that deploy code to the app.",
        "Set both to false and deploy with Entra ID (az webapp deploy, OIDC); the kit's app "
        "constructs do.",
    ),
    Rule(
        "app-pull-system-identity",
        "error",
        "A web or function app with container_registry_use_managed_identity = true and no "
        "container_registry_managed_identity_client_id: the pull goes through the system-"
        "assigned identity.",
        "That identity exists only once the app exists, so AcrPull cannot be granted before "
        "the first pull, which fails.",
        "Pull with a user-assigned identity holding AcrPull (its client ID); "
        "WebAppWithIdentity does.",
    ),
    Rule(
        "storage-shared-key-with-rbac",
        "warning",
        "An azurerm_storage_account whose shared_access_key_enabled is not false while "
        "identities are granted data roles (role names with 'Data') on it or its containers.",
        "Role assignments are moot while the account keys and SAS tokens signed with them still "
        "give full access.",
        "Set shared_access_key_enabled = false (IdentityOnlyStorage does) and the provider's "
        "storage_use_azuread = true.",
    ),
    Rule(
        "private-data-service-public",
        "warning",
        "In a stack declared private (guard.declare_private_network, as the private "
        "environments do) or with private endpoints, a registry, key vault, storage account, "
        "Cosmos DB account or SQL server whose public_network_access_enabled is not false.",
        "The data is meant to be reachable only from the VNet; a service left public is "
        "reachable from the internet by anyone holding a token.",
        "Call add_private_endpoint() on the kit's construct (it turns public access off), or "
        "PrivateEndpointFor plus public_network_access_enabled = false.",
    ),
    Rule(
        "cosmos-data-role-arm",
        "error",
        "An azurerm_role_assignment naming a Cosmos DB data role ('Cosmos DB Built-in Data "
        "Reader' / 'Contributor', by name or by a sqlRoleDefinitions/ ID).",
        "These are Cosmos DB SQL role definitions, not Azure RBAC roles: the assignment fails "
        "with 'could not find role', and the workload gets no data access.",
        "Use IdentityOnlyCosmosAccount.grant_data_read / grant_data_write (they write "
        "azurerm_cosmosdb_sql_role_assignment).",
    ),
    Rule(
        "sql-contributor-no-data-access",
        "warning",
        "'SQL DB Contributor' or 'SQL Server Contributor' assigned to a service principal "
        "(a workload identity).",
        "They manage databases and servers through ARM but grant no access to the data; a "
        "workload that needs to read or write rows needs a contained database user instead.",
        "Use EntraOnlySqlServer.grant_database_role(identity, database, roles=[...]) (database "
        "roles through T-SQL), and drop the ARM role unless the workload manages the server.",
    ),
    Rule(
        "cosmos-local-auth",
        "error",
        "An azurerm_cosmosdb_account without local_authentication_disabled = true "
        "(azurerm 5: local_authentication_enabled = false).",
        "The account keys then give full read and write access to all data, next to (and "
        "around) every Entra ID grant.",
        "Set local_authentication_disabled = true, on azurerm 5 local_authentication_enabled = "
        "false (IdentityOnlyCosmosAccount does either) and grant "
        "data roles with grant_data_read / grant_data_write.",
    ),
    Rule(
        "sql-password-admin",
        "error",
        "An azurerm_mssql_server with administrator_login / administrator_login_password(_wo), "
        "or without azuread_administrator.azuread_authentication_only = true.",
        "A SQL login with a password is a shared credential that lives in the state and "
        "bypasses Entra ID (MFA, conditional access, audit).",
        "Use EntraOnlySqlServer: an Entra group as azuread_administrator with "
        "azuread_authentication_only = true, and no administrator login.",
    ),
    # Issue 23: the Azure Policy guardrails assigned to the stack's scope.
    Rule(
        "policy-deny",
        "error",
        "In a stack whose scope has the secret-free Azure Policy guardrails assigned and "
        "enforced (guard.declare_guardrails; the environment stacks declare them from "
        "EnvironmentConfig.guardrails), a resource an assigned Deny policy would refuse: "
        "shared keys on, an ACR admin user, anonymous pull or an enabled token, Cosmos DB "
        "(NoSQL) local auth, a SQL server without Entra-only auth, a Key Vault on access "
        "policies, App Service FTP or SCM basic auth on. Your own resources too; the message "
        "names the policy.",
        "Azure Resource Manager refuses the request (RequestDisallowedByPolicy) at deploy, "
        "whoever sends it; the apply fails halfway.",
        "Write the secure setting (the kit's constructs do), or exempt this one resource with "
        "a reason and an expiry (PolicyExemption; environments.toml policy_exemptions), which "
        "the guard honours.",
    ),
    Rule(
        "policy-audit",
        "warning",
        "The same resource where the guardrails are assigned but not enforced "
        "(guardrails_enforce = false: DoNotEnforce), or only audited (AuditIfNotExists).",
        "Azure deploys it and reports it non-compliant; it will be refused once enforcement is on.",
        "Write the secure setting before switching enforcement on, or exempt the resource "
        "with a reason and an expiry.",
    ),
)

_INPUT_WHY = "Input error: Azure would reject it, or it would fail at deploy time."

# Rule ID -> (what is refused, how to fix). Name rules come from naming.py below.
_VALIDATION: dict[str, tuple[str, str]] = {
    "image-empty": ("A container spec with an empty image.", "Set a full image reference."),
    "image-registry-mismatch": (
        "A container app or group image on another Azure Container Registry than its registry "
        "(both literals): the pull has no credentials.",
        "Use an image from the registry, import it there, or change registry.",
    ),
    "containers-missing": ("A container app without containers.", "Add a ContainerSpec."),
    "registry-type": (
        "A workload's registry that is neither a RegistryRef nor a ContainerRegistry (for "
        "example the kit's IdentityOnlyRegistry itself).",
        "Pass the IdentityOnlyRegistry's .ref, a ContainerRegistry, or RegistryRef.existing(...).",
    ),
    "pull-system-assigned": (
        "Image pulls through a system-assigned identity (it exists too late for AcrPull).",
        "Leave pull_identity unset or pass a UserAssignedIdentity.",
    ),
    "pull-without-registry": ("A pull identity but no registry.", "Set registry or drop it."),
    "azure-client-id-conflict": (
        "A container or app setting sets AZURE_CLIENT_ID although the construct sets it.",
        "Remove AZURE_CLIENT_ID from env.",
    ),
    "grant-no-identity": (
        "grant() on a workload that has no identity to grant to.",
        "Set runtime_identity or system_assigned=True.",
    ),
    "grant-role-missing": ("A grant without a role.", "Name the narrowest built-in role."),
    "grant-target-label": (
        "A grant target whose label is empty or a token (it is part of construct IDs).",
        "Use GrantTarget.of(resource) or a literal name.",
    ),
    "duplicate-grant": (
        "The same role granted twice on one target by the same construct.",
        "Remove the second grant.",
    ),
    "existing-identity-id": (
        "An existing identity whose principal/client IDs cannot be looked up.",
        "Pass principal_id and client_id, or a literal identity resource ID.",
    ),
    "storage-container-name": (
        "A blob container name that is empty or used twice.",
        "Give each container a unique name.",
    ),
    "unknown-environment": ("An environment name not in environments.toml.", "Use a listed one."),
    "aci-pull-system-assigned": (
        "Container group image pulls through a system-assigned identity.",
        "Use a user-assigned pull identity.",
    ),
    "aci-registry-missing": ("A container group without a registry.", "Set registry."),
    "aci-containers-missing": ("A container group without containers.", "Add a container."),
    "aci-windows-single-container": (
        "A Windows container group with more than one container.",
        "One container per Windows group.",
    ),
    "aci-container-name-duplicate": ("Two containers with one name.", "Rename one."),
    "aci-image-empty": ("A container with an empty image.", "Set a full image reference."),
    "aci-azure-client-id-conflict": (
        "A container sets AZURE_CLIENT_ID although the construct sets it.",
        "Remove AZURE_CLIENT_ID from env.",
    ),
    "aci-private-subnet-missing": ("A private container group without a subnet.", "Pass one."),
    "aci-windows-vnet": (
        "A Windows container group in a virtual network.",
        "Use Linux, or a public network.",
    ),
    "acr-trusted-services-bypass": (
        "A network-restricted registry without the trusted-services bypass, for ACI pulls.",
        "Set network_rule_bypass_option = 'AzureServices'.",
    ),
    "acr-private-endpoint-sku": (
        "A private endpoint on a registry that is not Premium.",
        "Set sku='Premium'.",
    ),
    "private-endpoint-dns-zone": (
        "A private endpoint for a subresource with no known private DNS zone.",
        "Set dns_zone_name on the PrivateLinkService.",
    ),
    "private-endpoint-subnet": ("A private endpoint without a subnet.", "Pass subnet_id."),
    "private-endpoint-twice": (
        "A second add_private_endpoint() for the same subresource of a resource.",
        "Call it once per subresource; use PrivateEndpointFor for another VNet.",
    ),
    "private-endpoint-subresource": (
        "add_private_endpoint(s)() with a subresource the resource does not have, or none.",
        "Use one the construct lists (storage: blob, queue, table, file, dfs).",
    ),
    "private-dns-zone-name": (
        "A private DNS zone name that is empty or a token.",
        "Use the literal zone Microsoft documents, e.g. privatelink.azurecr.io.",
    ),
    "network-posture": (
        "An EnvironmentConfig network_posture other than 'public' or 'private'.",
        "Use 'public' or 'private'.",
    ),
    "private-registry-sku": (
        "A private environment whose registry is not Premium.",
        "Set registry_sku='Premium'.",
    ),
    "private-worker-public": (
        "A private environment whose worker container group is not in the VNet.",
        "Set worker_private=True.",
    ),
    "aci-restricted-registry-public": (
        "A network-restricted registry pulled by a container group outside a virtual network.",
        "Deploy the group into a subnet that reaches the registry's private endpoint.",
    ),
    "vm-password-auth": (
        "A password given to a kit Linux VM (password sign-in is disabled).",
        "Pass ssh_public_keys or use entra_login.",
    ),
    "vm-ssh-key-missing": ("A Linux VM without an SSH public key.", "Pass ssh_public_keys."),
    "vm-no-identity": ("A VM without a managed identity.", "Keep system_assigned=True."),
    "vm-image": ("An incomplete VM image reference.", "Pass a complete VmImage."),
    "vm-entra-login-system-identity": (
        "Entra ID sign-in without the system-assigned identity it needs.",
        "Set system_assigned=True.",
    ),
    "vm-extensions-disabled": (
        "Entra ID sign-in with extension operations turned off.",
        "Set allow_extension_operations=True.",
    ),
    "vm-entra-group": (
        "An Entra group with an empty or non-literal label (part of construct IDs).",
        "Give each EntraGroup a literal, stable label.",
    ),
    "grant-condition-version": (
        "A grant with condition_version but no ABAC condition.",
        "Pass the condition too, or drop condition_version.",
    ),
    "unknown-secret-ref": (
        "A container env var mapped to a secret the app does not define.",
        "Add a KeyVaultSecretRef with that name.",
    ),
    "secret-name": ("A Key Vault reference name that is invalid or used twice.", "Rename it."),
    "keyvault-ref-system-assigned": (
        "A Key Vault reference read by the system-assigned identity (it exists too late).",
        "Leave identity unset (the pull identity reads it) or pass a user-assigned one.",
    ),
    "keyvault-ref-no-identity": (
        "A Key Vault reference with no user-assigned identity to read it.",
        "Set registry, runtime_identity, or the reference's identity.",
    ),
    "identity-lifecycle-system": (
        "A lifecycle for a system-assigned identity the app does not have.",
        "Set system_assigned=True or drop the setting.",
    ),
    "scale-rule-system-identity": (
        "A scale rule using a system-assigned identity the app does not have.",
        "Set system_assigned=True or use a user-assigned identity.",
    ),
    "scale-rule-no-identity": (
        "A queue scale rule without an identity.",
        "Set runtime_identity or the rule's identity.",
    ),
    "dapr-not-enabled": ("A Dapr component on an app without Dapr.", "Set dapr=DaprSpec(...)."),
    "dapr-identity": (
        "A Dapr component without a user-assigned identity on the app.",
        "Set runtime_identity or pass one of the app's identities.",
    ),
    "app-setting-name": (
        "An app setting name that is invalid or set twice.",
        "Use letters, digits, '_', '.', ':', '-'; one value per name.",
    ),
    "app-setting-reserved": (
        "An app setting the construct writes itself (host storage identity, worker runtime).",
        "Remove it from app_settings.",
    ),
    "app-image-registry": (
        "A web app image without its registry, or a registry without an image.",
        "Set image and registry together.",
    ),
    "app-image-host": (
        "A web app image that is empty or names a registry host.",
        "Pass '<repository>:<tag>'; the host comes from the registry.",
    ),
    "app-private-registry-pull": (
        "A web app pulling from a registry with public access off, without VNet integration "
        "and image pull over the VNet.",
        "Set virtual_network_subnet_id; keep vnet_image_pull_enabled on.",
    ),
    "function-storage-key": (
        "A storage account access key for a function app's host storage.",
        "Remove it: host storage is connected by managed identity.",
    ),
    "function-storage-connection-string": (
        "An AzureWebJobsStorage or WEBSITE_CONTENTAZUREFILECONNECTIONSTRING app setting "
        "(a connection string carrying a key or SAS).",
        "Remove it: the construct writes the identity-based host connection.",
    ),
    "function-linux-consumption-plan": (
        "A function app on Y1 (Linux Consumption): its Azure Files content share needs a key.",
        "Use Flex Consumption (FC1) or a Dedicated plan (B1, S1, P0v3, ...).",
    ),
    "function-elastic-premium-plan": (
        "A function app on EP1-EP3 (Elastic Premium): its content share needs a key.",
        "Use Flex Consumption (FC1) or a Dedicated plan.",
    ),
    "function-trigger": ("A trigger that is not a FunctionTrigger.", "Use FunctionTrigger."),
    "function-host-identity": (
        "A function app with no identity for its host storage.",
        "Set runtime_identity, host_storage_identity or system_assigned=True.",
    ),
    "function-flex-host-identity": (
        "Flex Consumption host storage through a system-assigned identity, or none.",
        "Use a user-assigned runtime_identity or host_storage_identity.",
    ),
    "function-flex-deployment-storage": (
        "Flex Consumption host storage without a blob endpoint for the deployment container.",
        "Pass HostStorage.of(storage) or set primary_blob_endpoint.",
    ),
    "auth-mode": ("An unknown provider authentication mode.", "Use one of the listed modes."),
    "auth-msi-client-id": ("A managed identity client ID that is not a GUID.", "Fix or unset it."),
    "backend-incomplete": ("A half-configured remote state backend.", "Set the missing values."),
    "backend-invalid": ("An invalid remote state setting.", "Use a valid value."),
    "backend-key-reused": (
        "Two environments sharing one state key.",
        "Give each environment its own key.",
    ),
    "bootstrap-github-repository": ("A malformed GitHub repository name.", "Use owner/repo."),
    "bootstrap-environments": ("A bootstrap with no environments.", "Pass the environments."),
    "bootstrap-plan-environment": (
        "A pull-request plan environment that does not exist.",
        "Use one of the environments, or None.",
    ),
    "bootstrap-delegation": (
        "A role delegation without roles or with unsupported principal types.",
        "Keep roles non-empty; ServicePrincipal, Group or User only.",
    ),
    "grant-cosmos-data-role": (
        "grant() with a Cosmos DB data role (not an Azure RBAC role).",
        "Use IdentityOnlyCosmosAccount.grant_data_read / grant_data_write.",
    ),
    "cosmos-data-role-unknown": (
        "cosmos_data_grant() with a role that is not a Cosmos DB built-in data role.",
        "Use 'Cosmos DB Built-in Data Reader' or '... Contributor'.",
    ),
    "grant-grantee": (
        "A grant verb given something that is no identity, group or workload.",
        "Pass a user- or system-assigned identity, an EntraGroup or a kit workload.",
    ),
    "storage-container-unknown": (
        "A blob grant on a container the account does not have.",
        "add_container(name) first, or pass container=None.",
    ),
    "cosmos-duplicate": ("A Cosmos DB database or container added twice.", "Add it once."),
    "cosmos-foreign-database": (
        "A Cosmos DB container or grant scope from another account.",
        "Use the handles this account returned.",
    ),
    "sql-admin-group": (
        "An EntraOnlySqlServer whose administrator is not an EntraGroup.",
        "Pass administrators=EntraGroup(label=<display name>, object_id=...).",
    ),
    "sql-duplicate-database": ("An Azure SQL database added twice.", "Add it once."),
    "sql-foreign-database": (
        "grant_database_role() with a database of another server.",
        "Use the handle this server's add_database() returned.",
    ),
    "sql-user-name": (
        "A database grant whose Entra ID user name is not known at synth (e.g. a "
        "system-assigned identity).",
        "Pass user_name='<the identity's display name>'.",
    ),
    "sql-database-role": (
        "Database roles that are empty, not plain role names, or db_owner.",
        "Name the narrowest roles, e.g. ['db_datareader'].",
    ),
    "sql-duplicate-grant": (
        "Two grant_database_role() calls for one user and database.",
        "Grant all its roles in one call.",
    ),
    "config-missing-file": (
        "IDKIT_CONFIG names a settings file that does not exist.",
        "Create it or unset IDKIT_CONFIG.",
    ),
    "config-syntax": ("environments.toml is not valid TOML.", "Fix the syntax."),
    "config-unknown-key": (
        "A table or key environments.toml does not define (a typo).",
        "Use a field of EnvironmentConfig or BootstrapConfig.",
    ),
    "config-type": (
        "A setting of the wrong type or format (a number in quotes, an object ID that is not "
        "a GUID, ...).",
        "Use the documented type.",
    ),
    "config-missing": (
        "A setting only your organisation knows is not set (it has no default).",
        "Set it in [defaults], the environment's table or [bootstrap].",
    ),
    "config-no-environment": (
        "environments.toml defines no environment.",
        "Add [environments.<name>].",
    ),
    "suppression-reason": (
        "guard.suppress() with a reason shorter than 10 characters.",
        "Say why the finding is acceptable here.",
    ),
    "suppression-unknown-rule": (
        "guard.suppress() for a rule ID that is not a guard rule (unknown, or an input error).",
        "Use a guard rule ID from this table; input errors are fixed, not suppressed.",
    ),
    "suppression-target": (
        "guard.suppress() on a construct that is not a Terraform resource, without "
        "apply_to_children (it would cover nothing: findings are reported on resources).",
        "Pass the resource (e.g. identity.resource) or apply_to_children=True.",
    ),
    # Issue 23: Azure Policy guardrails and exemptions.
    "guardrails-unknown-policy": (
        "SecretFreeGuardrails excluding, or setting the effect of, a policy key it does not know.",
        "Use keys of policy_catalog.POLICIES (docs/policy.md).",
    ),
    "guardrails-effect": (
        "A guardrail effect the policy definition does not allow (its allowedValues).",
        "Use one of the definition's allowed effects, e.g. Deny or Audit.",
    ),
    "guardrails-scope": (
        "A guardrails scope that is not a resource group or subscription ID.",
        "Pass PolicyScope.resource_group(<id>) or PolicyScope.subscription(<id>).",
    ),
    "guardrails-name": (
        "Assignment names '<name_prefix>-<policy key>' that are invalid or longer than 64 "
        "characters, or no policy left to assign.",
        "Use a shorter name_prefix of letters, digits, '-' and '_'; exclude fewer policies.",
    ),
    "exemption-policy": (
        "A policy exemption for a policy that is not a guardrail (or not assigned there).",
        "Use a key of policy_catalog.POLICIES that the guardrails assign.",
    ),
    "exemption-resource": (
        "A policy exemption that does not name one resource.",
        "Name it as '<Namespace>/<type>/<name>' (environments.toml) or by its ARM ID.",
    ),
    "exemption-reason": (
        "A policy exemption without a reason of 20-512 characters.",
        "Say why the exception is acceptable and what replaces the control.",
    ),
    "exemption-expiry": (
        "A policy exemption that does not end, has ended, or ends more than a year ahead.",
        "Set expires_on within the next 365 days; renew it deliberately or remove it.",
    ),
    "exemption-category": (
        "A policy exemption category other than Waiver or Mitigated.",
        "Use 'Waiver' or 'Mitigated'.",
    ),
}


_PROVIDER_WHY = (
    "Terraform refuses it at validate (the provider's own check, cited in "
    "docs/constraints.md); the kit says so at synth, with the construct path."
)
_AZURE_WHY = (
    "Terraform accepts it; only Azure refuses it, minutes into an apply, or the workload "
    "misbehaves (source cited in docs/constraints.md)."
)


def _constraint_rules(known: set[str]) -> list[Rule]:
    """One row per rule ID of the constraint inventory (constraints/inventory.py)
    that the table does not list already."""
    from ..constraints.inventory import Entry, inventory

    grouped: dict[str, list[Entry]] = {}
    for entry in inventory():
        if entry.constraint.rule_id not in known:
            grouped.setdefault(entry.constraint.rule_id, []).append(entry)
    rules = []
    for rule_id, entries in grouped.items():
        first = entries[0].constraint
        described: dict[str, list[str]] = {}
        for entry in entries:
            described.setdefault(entry.constraint.describe(), []).append(entry.where)
        catches = " ".join(
            f"{', '.join(where)} that is not {text}." for text, where in described.items()
        )
        provider = all(e.constraint.source.kind == "provider" for e in entries)
        rules.append(
            Rule(rule_id, "input", catches, _PROVIDER_WHY if provider else _AZURE_WHY, first.fix())
        )
    return rules


def _name_rules() -> list[Rule]:
    found = [value for value in vars(naming).values() if isinstance(value, NameRule)]
    return [
        Rule(
            rule.rule_id,
            "input",
            f"A {rule.kind} name that is empty or not {rule.description}.",
            _INPUT_WHY,
            f"Use {rule.description}.",
        )
        for rule in sorted(found, key=lambda r: r.rule_id)
    ]


GUARD_RULE_IDS = frozenset(rule.rule_id for rule in GUARD_RULES)
_GUARD_BY_ID = {rule.rule_id: rule for rule in GUARD_RULES}


@functools.cache
def validation_rules() -> tuple[Rule, ...]:
    """The input-validation rules. Built on first use, not on import: the constraint
    rows read the whole inventory (~90 ms), which a synth that raises nothing never needs."""
    listed = tuple(_name_rules()) + tuple(
        Rule(rule_id, "input", catches, _INPUT_WHY, fix)
        for rule_id, (catches, fix) in _VALIDATION.items()
    )
    return listed + tuple(_constraint_rules({rule.rule_id for rule in listed}))


@functools.cache
def all_rules() -> dict[str, Rule]:
    """Every rule by ID: the guard's, then the input-validation rules."""
    return {rule.rule_id: rule for rule in (*GUARD_RULES, *validation_rules())}


def rule(rule_id: str) -> Rule:
    """The rule with this ID (KeyError if there is none); a guard rule without
    building the validation rules."""
    return _GUARD_BY_ID.get(rule_id) or all_rules()[rule_id]


if TYPE_CHECKING:
    VALIDATION_RULES: tuple[Rule, ...]
    RULES: dict[str, Rule]


def __getattr__(name: str) -> object:
    """`VALIDATION_RULES` and `RULES`, the public names of validation_rules() and
    all_rules(), computed on first access (PEP 562)."""
    if name == "VALIDATION_RULES":
        return validation_rules()
    if name == "RULES":
        return all_rules()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def markdown_table() -> str:
    """The docs/guard.md table: guard rules first, then input errors."""
    lines = [
        "| Rule ID | Severity | What it catches | Why it matters | Fix / suppress |",
        "| --- | --- | --- | --- | --- |",
    ]
    for rule in all_rules().values():
        severity = rule.severity if rule.suppressible else "input error"
        suppress = (
            f'Fix: {rule.fix} Or `suppress(construct, "{rule.rule_id}", reason)`.'
            if rule.suppressible
            else f"Fix: {rule.fix} Not suppressible: input error."
        )
        lines.append(
            f"| `{rule.rule_id}` | {severity} | {cell(rule.catches)} | {cell(rule.why)} "
            f"| {cell(suppress)} |"
        )
    return "\n".join(lines) + "\n"


TABLE_BEGIN = (
    "<!-- guard-rules:begin (python -m azure_identity_kit.guard --update docs/guard.md) -->"
)
TABLE_END = "<!-- guard-rules:end -->"


def update_readme(path: str) -> bool:
    """Replace the table between the markers in `path`; False if it has no markers."""
    return replace_between(path, TABLE_BEGIN, TABLE_END, markdown_table())
