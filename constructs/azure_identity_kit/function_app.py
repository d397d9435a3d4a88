"""A Linux function app whose host storage, Key Vault references and runtime
access go through managed identities: no storage key anywhere.

Two hosting models can be fully secret-free, and the construct picks the
resource by the plan's SKU:
- Dedicated (B*, S*, P*v2/v3, ...): `azurerm_linux_function_app` with
  `storage_uses_managed_identity = true`;
- Flex Consumption (FC1): `azurerm_function_app_flex_consumption` with
  `storage_authentication_type = "UserAssignedIdentity"`, plus the azapi
  work-around for azurerm 4.55 described at `FlexAppSettingsFix`.
Linux Consumption (Y1) and Elastic Premium (EP*) are refused: both need an
Azure Files content share, which only works with an account key.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from .app_service import (
    ELASTIC_PREMIUM_SKUS,
    FLEX_CONSUMPTION_SKUS,
    HEALTH_CHECK_PATH,
    LINUX_CONSUMPTION_SKUS,
    SITE_RULES,
    SITE_SUBNET_ID,
    WAIT,
    AppKeyVaultReference,
    IdentityChoice,
    LinuxServicePlan,
    LinuxSiteBase,
    ServicePlanRef,
    holds_key,
    plan_ref,
)
from .azapi import AzapiResourceAction
from .azurerm import function_app_flex_consumption, linux_function_app
from .constraints import CrossField, Format, OneOf, Range, azure, checked, cross_field, provider
from .errors import ChildPath, KitValidationError
from .identity import AnyUserAssignedIdentity, Grant, GrantTarget, SystemAssignedIdentity
from .storage import IdentityOnlyStorage
from .workload_identity import ensure_grant, is_system

HOST_STORAGE = "AzureWebJobsStorage"
CONTENT_SHARE_CONNECTION = "WEBSITE_CONTENTAZUREFILECONNECTIONSTRING"
# Microsoft Learn, "Azure Functions developer reference" > "Connecting to host
# storage with an identity": the host needs Storage Blob Data Owner; Storage
# Table Data Contributor for diagnostic events; and per trigger on the host
# connection: blob trigger -> Storage Queue Data Contributor (poison queue) and
# Storage Account Contributor (the blob trigger's internals, see
# includes/functions-blob-permissions.md); Durable Functions -> Queue and Table
# Data Contributor; queue trigger -> Storage Queue Data Contributor (the queue
# extension's "Identity-based connections" role table, functions-bindings-storage-
# queue: the trigger also creates `<queue>-poison` and writes failed messages to it,
# which Reader + Message Processor cannot).
STORAGE_BLOB_DATA_OWNER = "Storage Blob Data Owner"
STORAGE_TABLE_DATA_CONTRIBUTOR = "Storage Table Data Contributor"
STORAGE_QUEUE_DATA_CONTRIBUTOR = "Storage Queue Data Contributor"
STORAGE_ACCOUNT_CONTRIBUTOR = "Storage Account Contributor"
HOST_STORAGE_ROLES = (STORAGE_BLOB_DATA_OWNER, STORAGE_TABLE_DATA_CONTRIBUTOR)
# The storage services the host uses on a Dedicated or Flex plan without a content
# share: blobs (keys, leases, deployments), queues (triggers, poison queues) and
# tables (diagnostic events, Durable). With the account private, each needs its
# own private endpoint and DNS zone; `file` only for an Azure Files content share,
# which the kit refuses. Microsoft Learn, "How to use a secured storage account
# with Azure Functions" (azure-functions/configure-networking-how-to) and
# "Storage considerations for Azure Functions".
HOST_STORAGE_SUBRESOURCES = ("blob", "queue", "table")
# One API version for every azapi call on App Service: the oldest GA version in
# Azure/bicep-types-az with `keyVaultReferenceIdentity` on sites and the
# `appsettings` element of `Microsoft.Web/sites/config` (../shared/arm-types).
WEB_API_VERSION = "2025-03-01"
SITES_API = f"Microsoft.Web/sites@{WEB_API_VERSION}"
SITE_CONFIG_API = f"Microsoft.Web/sites/config@{WEB_API_VERSION}"


class FunctionTrigger(StrEnum):
    """Triggers the app uses on its host storage connection; each brings the roles
    Microsoft documents for it (TRIGGER_ROLES)."""

    HTTP = "http"
    TIMER = "timer"
    QUEUE = "queue"
    BLOB = "blob"
    DURABLE = "durable"


TRIGGER_ROLES: Mapping[FunctionTrigger, tuple[str, ...]] = {
    FunctionTrigger.HTTP: (),
    FunctionTrigger.TIMER: (),
    FunctionTrigger.QUEUE: (STORAGE_QUEUE_DATA_CONTRIBUTOR,),
    # Storage Account Contributor is a control-plane role; the blob trigger needs it
    # on the host account, and the grant is scoped to that one account.
    FunctionTrigger.BLOB: (STORAGE_QUEUE_DATA_CONTRIBUTOR, STORAGE_ACCOUNT_CONTRIBUTOR),
    FunctionTrigger.DURABLE: (STORAGE_QUEUE_DATA_CONTRIBUTOR, STORAGE_TABLE_DATA_CONTRIBUTOR),
}


@dataclass(frozen=True)
class HostStorage:
    """The function host's storage account (AzureWebJobsStorage)."""

    account_name: str
    """Name of the Storage account the Functions host uses (AzureWebJobsStorage)."""
    account: GrantTarget
    """The account as a grant target: the host roles are granted on it."""
    primary_blob_endpoint: str | None = None
    """`https://<account>.blob.core.windows.net/`: needed on Flex Consumption for the
    deployment container. Default: none."""

    @staticmethod
    def of(storage: IdentityOnlyStorage) -> HostStorage:
        return HostStorage(
            account_name=storage.resource.name,
            account=storage.target,
            primary_blob_endpoint=storage.resource.primary_blob_endpoint,
        )


RUNTIMES = ("python", "node", "java", "powershell", "dotnet-isolated")
FLEX_INSTANCE_MEMORY_MB = (512, 2048, 4096)
_FUNCTION_SCHEMA = "internal/services/appservice/helpers/function_app_schema.go"
_FLEX = "internal/services/appservice/function_app_flex_consumption_resource.go"
DEDICATED_VERSIONS: Mapping[str, tuple[str, ...]] = {
    "python": ("3.7", "3.8", "3.9", "3.10", "3.11", "3.12", "3.13"),
    "node": ("12", "14", "16", "18", "20", "22"),
    "java": ("8", "11", "17", "21"),
    "powershell": ("7", "7.2", "7.4"),
    "dotnet-isolated": ("3.1", "6.0", "7.0", "8.0", "9.0", "10.0"),
}
"""Versions azurerm 4.55 takes in a Linux function app's application_stack (the
Dedicated plans), per runtime."""
FLEX_VERSIONS: Mapping[str, tuple[str, ...]] = {
    "python": ("3.10", "3.11", "3.12"),
    "node": ("20", "22"),
    "java": ("11", "17", "21"),
    "powershell": ("7.4",),
    "dotnet-isolated": ("8.0", "9.0"),
}
"""Versions Flex Consumption runs (azurerm does not check runtime_version)."""


def _version_problem(runtime: FunctionRuntime, table: Mapping[str, tuple[str, ...]]) -> str | None:
    allowed = table.get(runtime.name)
    if allowed is None or runtime.version in allowed:
        return None  # an unknown name is function-runtime's
    return (
        f"{runtime.name} {runtime.version!r} is not a version this plan runs "
        f"({', '.join(allowed)})."
    )


@dataclass(frozen=True)
class FunctionRuntime:
    name: str = checked(
        OneOf("function-runtime", provider(_FLEX, "runtime_name StringInSlice"), values=RUNTIMES),
        default="python",
    )
    """python, node, java, powershell or dotnet-isolated. Default: python."""
    version: str = "3.11"
    """Language version the plan runs for that runtime (`function-runtime-version`), e.g.
    '3.11', '20', '17', '7.4', '8.0'. Default: 3.11."""


def _dedicated_version(props: FunctionAppWithIdentityProps) -> str | None:
    if plan_ref(props.service_plan).sku_name in FLEX_CONSUMPTION_SKUS:
        return None
    return _version_problem(props.runtime, DEDICATED_VERSIONS)


def _flex_version(props: FunctionAppWithIdentityProps) -> str | None:
    if plan_ref(props.service_plan).sku_name not in FLEX_CONSUMPTION_SKUS:
        return None
    return _version_problem(props.runtime, FLEX_VERSIONS)


@cross_field(
    CrossField(
        "function-runtime-version",
        provider(_FUNCTION_SCHEMA, "linuxFunctionAppStackSchema *_version StringInSlice"),
        fields=("runtime", "service_plan"),
        description="on a Dedicated plan, a version azurerm takes for the runtime: "
        + "; ".join(f"{name} {', '.join(v)}" for name, v in DEDICATED_VERSIONS.items()),
        test=_dedicated_version,
        how="Use a listed version of the runtime.",
    ),
    CrossField(
        "function-flex-runtime-version",
        azure(
            "https://learn.microsoft.com/azure/azure-functions/flex-consumption-plan"
            "#supported-language-stack-versions"
        ),
        fields=("runtime", "service_plan"),
        description="on Flex Consumption, a version it runs: "
        + "; ".join(f"{name} {', '.join(v)}" for name, v in FLEX_VERSIONS.items()),
        test=_flex_version,
        how="Use a listed version of the runtime.",
    ),
    *SITE_RULES,
)
@dataclass(frozen=True)
class FunctionAppWithIdentityProps:
    name: str
    """Azure name: 2-60 letters, digits and '-'. Convention: `func-<workload>-<purpose>-<env>`."""
    resource_group_name: str
    """Resource group of the app and of the identities the construct creates."""
    location: str
    """Location of the app and of identities the construct creates (the plan's region)."""
    service_plan: ServicePlanRef | LinuxServicePlan
    """A Dedicated Linux plan, or FC1 (Flex Consumption). Y1 and EP* are refused."""
    host_storage: IdentityOnlyStorage | HostStorage
    """The host's storage account, reached by identity (shared keys off)."""
    runtime: FunctionRuntime = field(default_factory=FunctionRuntime)
    """Language and version. Default: Python 3.11."""
    triggers: Sequence[FunctionTrigger] = ()
    """Triggers on the host storage connection; they add the roles Microsoft documents
    (blob, queue, durable). Default: none (HTTP and timer need no extra role)."""
    runtime_identity: AnyUserAssignedIdentity | None = None
    """Identity the code uses (AZURE_CLIENT_ID) and, by default, the host storage identity.
    Default: none."""
    host_storage_identity: IdentityChoice = None
    """Identity of the host storage connection. Default: the runtime identity, else the
    system-assigned identity (Dedicated only; its grants can only follow the app)."""
    system_assigned: bool = False
    """Also give the app a system-assigned identity. Default: off."""
    user_assigned: Sequence[AnyUserAssignedIdentity] = ()
    """Further user-assigned identities to attach. Default: none."""
    app_settings: Mapping[str, str] = field(default_factory=dict)
    """Plain settings: never AzureWebJobsStorage or a content share connection string
    (refused). Default: none."""
    key_vault_references: Sequence[AppKeyVaultReference] = ()
    """Settings read from Key Vault by identity. Default: none."""
    key_vault_reference_identity: IdentityChoice = None
    """The one identity resolving every Key Vault reference. Default: the runtime identity.
    System-assigned is refused."""
    storage_account_access_key: str | None = None
    """Refused: passing any value raises `function-storage-key`. Host storage uses identity."""
    deployment_container: str = checked(
        Format(
            "function-deployment-container",
            azure(
                "https://learn.microsoft.com/rest/api/storageservices/"
                "naming-and-referencing-containers--blobs--and-metadata#container-names"
            ),
            pattern=re.compile(r"^(?!.*--)[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$"),
            description="a blob container name: 3-63 lowercase letters, digits and '-', "
            "starting and ending alphanumeric, no '--'",
        ),
        default="deployments",
    )
    """Flex Consumption: blob container on the host account holding the app package (create
    it with IdentityOnlyStorage.add_container). Default: deployments."""
    maximum_instance_count: int = checked(
        Range(
            "function-flex-instance-count",
            provider(_FLEX, "maximum_instance_count IntBetween(40, 1000)"),
            low=40,
            high=1000,
        ),
        default=40,
    )
    """Flex Consumption: scale-out limit, 40-1000. Default: 40."""
    instance_memory_in_mb: int = checked(
        OneOf(
            "function-flex-instance-memory",
            azure(
                "https://learn.microsoft.com/azure/azure-functions/flex-consumption-plan"
                "#instance-memory"
            ),
            values=FLEX_INSTANCE_MEMORY_MB,
        ),
        default=2048,
    )
    """Flex Consumption: 512, 2048 or 4096. Default: 2048."""
    public_network_access_enabled: bool = True
    """Reachable from the internet; follow the environment's network design. Default: on."""
    virtual_network_subnet_id: str | None = checked(SITE_SUBNET_ID, default=None)
    """Regional VNet integration: the app's outbound traffic leaves through this subnet
    (delegated to Microsoft.Web/serverFarms, or Microsoft.App/environments on Flex
    Consumption; /28 or larger, used by this one plan), so the host reaches private
    endpoints, its host storage's too, through the VNet's private DNS zones. Default: none."""
    vnet_route_all_enabled: bool = True
    """With virtual_network_subnet_id: route *all* outbound traffic into the VNet, not only
    private (RFC 1918) addresses, so NSGs and the NAT gateway apply to all of it
    (`site_config.vnet_route_all_enabled`). Default: on."""
    always_on: bool = True
    """Dedicated plans: keep the host loaded so timers and queues fire. Default: on."""
    health_check_path: str | None = checked(HEALTH_CHECK_PATH, default=None)
    """Path the platform probes, starting with '/'. Default: none."""
    propagation_wait: str | None = checked(WAIT, default=None)
    """How long the app waits after the grants its host uses to start (host storage roles
    of a user-assigned identity, Key Vault references) are made, before it is created: a
    duration such as '90s', '0s' for no wait. Default: the
    `azure-identity-kit:propagation-wait` context value, else 120s (docs/concepts.md)."""
    tags: Mapping[str, str] = field(default_factory=dict)
    """Tags on the app and on the identities the construct creates. Default: none."""


class FunctionAppWithIdentity(LinuxSiteBase[FunctionAppWithIdentityProps]):
    """A Linux function app on a Dedicated plan (`azurerm_linux_function_app`) or
    on Flex Consumption (`azurerm_function_app_flex_consumption`), chosen by the
    plan's SKU. Host storage is reached by a managed identity that holds the
    roles Microsoft documents for the declared triggers, granted before the app
    starts (for a user-assigned identity)."""

    site_kind = "function app"
    no_identity_problem = "The function app has no runtime identity to grant a role to."
    reserved_settings = (
        f"{HOST_STORAGE}__accountName",
        f"{HOST_STORAGE}__blobServiceUri",
        f"{HOST_STORAGE}__queueServiceUri",
        f"{HOST_STORAGE}__tableServiceUri",
        f"{HOST_STORAGE}__credential",
        f"{HOST_STORAGE}__clientId",
        "FUNCTIONS_WORKER_RUNTIME",
        "FUNCTIONS_EXTENSION_VERSION",
    )

    host_storage_grants: list[Grant]
    settings_fix: AzapiResourceAction | None = None
    reference_identity_fix: AzapiResourceAction | None = None

    @property
    def flex(self) -> bool:
        return self.plan.sku_name in FLEX_CONSUMPTION_SKUS

    def _prepare(self, props: FunctionAppWithIdentityProps) -> None:
        self.host_storage = (
            HostStorage.of(props.host_storage)
            if isinstance(props.host_storage, IdentityOnlyStorage)
            else props.host_storage
        )
        chosen = props.host_storage_identity  # "SystemAssigned": the app's own, granted later
        self.host_storage_identity: AnyUserAssignedIdentity | None = (
            None if isinstance(chosen, str) else chosen or self.runtime_identity
        )
        self.host_storage_grants = []
        if self.host_storage_identity is not None:
            self._grant_host_roles(self.host_storage_identity, props)
            # The host reads its storage when it starts (Flex Consumption: its
            # deployment package, at creation).
            self._needs_at_create(*self.host_storage_grants)

    def _grant_host_roles(
        self,
        identity: AnyUserAssignedIdentity | SystemAssignedIdentity,
        props: FunctionAppWithIdentityProps,
    ) -> None:
        roles = list(HOST_STORAGE_ROLES)
        for trigger in props.triggers:
            roles += [role for role in TRIGGER_ROLES[FunctionTrigger(trigger)] if role not in roles]
        for role in roles:
            grant = ensure_grant(
                identity,
                role,
                self.host_storage.account,
                f"Function app '{props.name}' host storage ({role})",
            )
            if grant is not None:  # None: granted outside this stack
                self.host_storage_grants.append(grant)

    def _platform_identities(self) -> list[AnyUserAssignedIdentity]:
        return [self.host_storage_identity] if self.host_storage_identity else []

    def _settings(self, props: FunctionAppWithIdentityProps) -> dict[str, str]:
        """The host connection by identity. azurerm 4.55 writes only
        `AzureWebJobsStorage__accountName` (provider issue 24730); a user-assigned
        identity also needs `__credential` and `__clientId`. `__credential` alone
        keeps the system-assigned identity even when AZURE_CLIENT_ID is set.
        (`__managedIdentityResourceId` is reported broken for host storage.)"""
        settings: dict[str, str] = {}
        identity = self.host_storage_identity
        if identity is not None or self.runtime_identity is not None:
            settings[f"{HOST_STORAGE}__credential"] = "managedidentity"
        if identity is not None:
            settings[f"{HOST_STORAGE}__clientId"] = identity.client_id
        if self.flex:
            settings[f"{HOST_STORAGE}__accountName"] = self.host_storage.account_name
        return settings

    def _create_site(
        self, props: FunctionAppWithIdentityProps, app_settings: dict[str, str]
    ) -> (
        linux_function_app.LinuxFunctionApp
        | function_app_flex_consumption.FunctionAppFlexConsumption
    ):
        if self.flex:
            return self._flex_site(props, app_settings)
        runtime = props.runtime
        stacks: dict[str, dict[str, Any]] = {
            "python": {"python_version": runtime.version},
            "node": {"node_version": runtime.version},
            "java": {"java_version": runtime.version},
            "powershell": {"powershell_core_version": runtime.version},
            "dotnet-isolated": {
                "dotnet_version": runtime.version,
                "use_dotnet_isolated_runtime": True,
            },
        }
        stack = stacks[runtime.name]
        return linux_function_app.LinuxFunctionApp(
            self,
            "app",
            **self.site_arguments(props, app_settings),
            identity=self.identities.render(linux_function_app.LinuxFunctionAppIdentity),
            functions_extension_version="~4",
            storage_account_name=self.host_storage.account_name,
            storage_uses_managed_identity=True,
            site_config=linux_function_app.LinuxFunctionAppSiteConfig(
                **self.site_config_arguments(props),
                application_stack=linux_function_app.LinuxFunctionAppSiteConfigApplicationStack(
                    **stack
                ),
            ),
        )

    def _flex_site(
        self, props: FunctionAppWithIdentityProps, app_settings: dict[str, str]
    ) -> function_app_flex_consumption.FunctionAppFlexConsumption:
        arguments = self.site_arguments(props, app_settings)
        # Not in azurerm 4.55's flex resource: FTP (Flex has none) and the Key Vault
        # reference identity (set by the azapi PATCH below).
        arguments.pop("ftp_publish_basic_authentication_enabled")
        arguments.pop("key_vault_reference_identity_id")
        site_config = self.site_config_arguments(props)
        for unsupported in ("always_on", "ftps_state"):
            site_config.pop(unsupported)
        identity = self.host_storage_identity
        assert identity is not None  # Flex Consumption needs a user-assigned one (_validate)
        return function_app_flex_consumption.FunctionAppFlexConsumption(
            self,
            "app",
            **arguments,
            identity=self.identities.render(
                function_app_flex_consumption.FunctionAppFlexConsumptionIdentity
            ),
            runtime_name=props.runtime.name,
            runtime_version=props.runtime.version,
            storage_container_type="blobContainer",
            storage_container_endpoint=(
                f"{self.host_storage.primary_blob_endpoint}{props.deployment_container}"
            ),
            storage_authentication_type="UserAssignedIdentity",
            storage_user_assigned_identity_id=identity.resource_id,
            maximum_instance_count=props.maximum_instance_count,
            instance_memory_in_mb=props.instance_memory_in_mb,
            site_config=function_app_flex_consumption.FunctionAppFlexConsumptionSiteConfig(
                **site_config
            ),
        )

    def _finish(self, props: FunctionAppWithIdentityProps) -> None:
        system = self.system_assigned_identity
        if self.host_storage_identity is None and system is not None:
            # System-assigned host identity: it exists only now, so its grants
            # follow the app (the host retries until they are in place).
            self._grant_host_roles(system, props)
        if self.flex:
            self._flex_fixes(props)

    def _flex_fixes(self, props: FunctionAppWithIdentityProps) -> None:
        """azurerm 4.55's flex resource writes `AzureWebJobsStorage` as a connection
        string with an empty key (provider issue 29693, fix unmerged) and the host
        does not start; it has no Key Vault reference identity either. A PUT of the
        app settings (the only write Microsoft.Web/sites/config/appsettings has; it
        replaces the whole set) writes the construct's settings without it, and a
        PATCH of the site sets keyVaultReferenceIdentity. Both run again whenever
        azurerm changes the app, because every azurerm update re-injects the empty
        key. Remove both once azurerm writes identity-based host storage itself."""
        settings = self._app_settings(props)
        self.settings_fix = AzapiResourceAction(
            self,
            "app-settings-fix",
            resource_type=SITE_CONFIG_API,
            resource_id=f"{self.resource.id}/config/appsettings",
            method="PUT",
            # `name` is the definition's discriminator (required in a full body).
            body={"name": "appsettings", "properties": settings},
            depends_on=[self.resource],
            replace_triggered_by=[self.resource],
        )
        if self.key_vault_reference_identity is not None:
            self.reference_identity_fix = AzapiResourceAction(
                self,
                "key-vault-reference-identity",
                resource_type=SITES_API,
                resource_id=self.resource.id,
                body={
                    "properties": {
                        "keyVaultReferenceIdentity": self.key_vault_reference_identity.resource_id
                    }
                },
                depends_on=[self.resource, self.settings_fix]
                + [g.role_assignment for g in self.key_vault_grants],
                replace_triggered_by=[self.resource],
            )

    def _validate(self, path: str | ChildPath, props: FunctionAppWithIdentityProps) -> None:
        sku = plan_ref(props.service_plan).sku_name
        if props.storage_account_access_key is not None:
            raise KitValidationError(
                path,
                "function-storage-key",
                "A storage account access key was given for the function host. A key grants "
                "full access to the account, sits in app settings and the state, and does not "
                "rotate by itself.",
                "Remove storage_account_access_key: the construct connects host storage by "
                "managed identity (storage_uses_managed_identity) with the documented roles.",
            )
        for name in (HOST_STORAGE, CONTENT_SHARE_CONNECTION):
            if name in props.app_settings:
                raise KitValidationError(
                    path,
                    "function-storage-connection-string",
                    f"app_settings sets '{name}': a storage connection string, which carries an "
                    "account key or SAS"
                    + (" (the one found here does)" if holds_key(props.app_settings[name]) else "")
                    + ".",
                    f"Remove '{name}': host storage is connected by identity "
                    f"({HOST_STORAGE}__accountName/__credential/__clientId, written by the "
                    "construct); Dedicated and Flex Consumption plans need no content share.",
                )
        if sku in LINUX_CONSUMPTION_SKUS:
            raise KitValidationError(
                path,
                "function-linux-consumption-plan",
                f"The {sku} (Linux Consumption) plan keeps the app's content on an Azure Files "
                "share, reached only with a connection string holding the account key "
                f"({CONTENT_SHARE_CONNECTION}); identity cannot replace it.",
                "Use Flex Consumption (sku_name 'FC1') or a Dedicated plan (B1, S1, P0v3, "
                "P1v3, ...).",
            )
        if sku in ELASTIC_PREMIUM_SKUS:
            raise KitValidationError(
                path,
                "function-elastic-premium-plan",
                f"The {sku} (Elastic Premium) plan needs an Azure Files content share with a "
                "key-bearing connection string, unless the app runs from a package URL without "
                "a share; the kit does not build that variant.",
                "Use Flex Consumption (sku_name 'FC1') or a Dedicated plan (B1, S1, P0v3, ...).",
            )
        for trigger in props.triggers:
            if trigger not in list(FunctionTrigger):
                raise KitValidationError(
                    path,
                    "function-trigger",
                    f"Trigger {trigger!r} is not a FunctionTrigger.",
                    "Use FunctionTrigger.HTTP, TIMER, QUEUE, BLOB or DURABLE.",
                )
        host_system = is_system(props.host_storage_identity)
        no_host_identity = props.host_storage_identity is None and props.runtime_identity is None
        if sku in FLEX_CONSUMPTION_SKUS:
            if host_system or no_host_identity:
                raise KitValidationError(
                    path,
                    "function-flex-host-identity",
                    "Flex Consumption reads its deployment package at creation, before a "
                    "system-assigned identity could be granted Storage Blob Data Owner.",
                    "Set runtime_identity or host_storage_identity to a user-assigned identity.",
                )
            storage = props.host_storage
            if isinstance(storage, HostStorage) and not storage.primary_blob_endpoint:
                raise KitValidationError(
                    path,
                    "function-flex-deployment-storage",
                    "Flex Consumption deploys from a blob container, and host_storage has no "
                    "primary_blob_endpoint to locate it.",
                    "Pass HostStorage.of(storage) or set primary_blob_endpoint.",
                )
        elif no_host_identity and not props.system_assigned:
            raise KitValidationError(
                path,
                "function-host-identity",
                "The function host has no identity to reach its storage with.",
                "Set runtime_identity (preferred), host_storage_identity, or system_assigned=True.",
            )
        elif host_system and not props.system_assigned:
            raise KitValidationError(
                path,
                "function-host-identity",
                "host_storage_identity is the system-assigned identity, but the app has none.",
                "Set system_assigned=True, or pass a user-assigned identity.",
            )
        super()._validate(path, props)
