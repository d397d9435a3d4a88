"""Typed per-environment configuration. The values come from environments.toml
(stacks/settings.py checks the file against these fields); adding an
environment means adding an [environments.<name>] table there."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Annotated, Literal, get_args

from azure_identity_kit.errors import KitValidationError
from azure_identity_kit.policy_catalog import POLICIES, AssignedGuardrails, ExemptedResource
from pydantic import ConfigDict, StringConstraints

from .backend import RemoteState

Guid = Annotated[
    str, StringConstraints(pattern=r"^[0-9a-fA-F]{8}-([0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}$")
]
"""An Entra object ID: a GUID (checked when environments.toml is read)."""


NetworkPosture = Literal["public", "private"]
"""How an environment's data services are reached (docs/networking.md):
- public: on their public endpoints, by Entra ID and role assignments only; the
  Container Apps environment is not in the VNet;
- private: only through private endpoints in the VNet (public access off); the
  Container Apps environment, the worker and the VM are in the VNet, and egress
  from the worker and VM subnets is a NAT gateway with a static IP."""


_EXEMPT_RESOURCE = re.compile(r"^[A-Za-z0-9.]+/[A-Za-z0-9]+/[^/]+(/[A-Za-z0-9]+/[^/]+)*$")


@dataclass(frozen=True, kw_only=True)
class PolicyExemptionSetting:
    """One resource of the environment exempt from one guardrail policy
    (docs/policy.md): `[[environments.<name>.policy_exemptions]]`. The bootstrap
    writes it as a PolicyExemption; the environment's guard honours it."""

    __pydantic_config__ = ConfigDict(extra="forbid")

    policy: str
    """Key of the policy, e.g. 'storage-shared-key' (policy_catalog.POLICIES)."""
    resource: str
    """`<Namespace>/<type>/<name>` in the environment's resource group, e.g.
    'Microsoft.Storage/storageAccounts/stlegacy'."""
    reason: str
    """Why the exception is acceptable (20-512 characters)."""
    expires_on: date
    """The exemption ends at 00:00 UTC that day: within the next 365 days."""
    category: Literal["Waiver", "Mitigated"] = "Waiver"
    """Waiver or Mitigated. Default: Waiver."""

    def __post_init__(self) -> None:
        where = f"policy_exemptions[{self.policy}]"
        if self.policy not in POLICIES:
            raise KitValidationError(
                where,
                "exemption-policy",
                f"'{self.policy}' is not a guardrail policy.",
                f"Use one of {', '.join(POLICIES)}.",
            )
        if not _EXEMPT_RESOURCE.match(self.resource):
            raise KitValidationError(
                where,
                "exemption-resource",
                f"{self.resource!r} does not name one resource of the group.",
                "Write '<Namespace>/<type>/<name>', e.g. "
                "'Microsoft.Storage/storageAccounts/stlegacy'.",
            )


@dataclass(frozen=True, kw_only=True)
class EnvironmentConfig:
    """One environment. Fields without a default are your organisation's: set
    them in environments.toml ([defaults] or the environment's own table)."""

    __pydantic_config__ = ConfigDict(extra="forbid")

    name: str
    """Short environment name; part of every resource name and the stack name."""
    workload: str
    """Workload short name used in resource names (`rg-<workload>-<env>`, `cr<workload><env>`,
    ...). Registry, storage, Key Vault, Cosmos DB, SQL and app names are globally unique."""
    sql_admin_group_name: str
    """Display name of the Entra group that administers the SQL server."""
    sql_admin_group_object_id: Guid
    """Its object ID; the deploy identity must be a member to run the generated database
    grants (docs/constructs/sql.md)."""
    ops_ssh_public_keys: tuple[str, ...]
    """OpenSSH public keys for the `ops` VM admin."""
    location: str = "westeurope"
    api_image: str = "api:1.0.0"
    """Repository and tag of the `api` image in the stack's registry."""
    api_min_replicas: int = 0
    api_max_replicas: int = 2
    registry_sku: str = "Standard"
    storage_replication: str = "LRS"
    prevent_destroy: bool = False
    """Protect stateful resources (identities, registry, vault, storage) from `destroy`."""
    dapr_state_store: bool = False
    """Give `api` a Dapr blob state store authenticated by its runtime identity."""
    tags: Mapping[str, str] = field(default_factory=dict)

    # Network, the `worker` container group and the `ops` VM.
    vnet_address_space: str = "10.40.0.0/16"
    worker_subnet_prefix: str = "10.40.1.0/24"
    """Subnet delegated to Microsoft.ContainerInstance/containerGroups."""
    ops_subnet_prefix: str = "10.40.2.0/24"
    worker_image: str = "worker:1.0.0"
    """Repository and tag of the `worker` image in the stack's registry."""
    worker_private: bool = False
    """Run `worker` with a private IP in the VNet (True) or a public IP and DNS label."""
    ops_vm_size: str = "Standard_B2s"

    # Network posture (issue 14). Subnets below are created only with `private`.
    network_posture: NetworkPosture = "public"
    """'public' or 'private' (see NetworkPosture). `private` needs registry_sku Premium
    (ACR private endpoints) and worker_private. Default: public."""
    api_public_ingress: bool = True
    """With `private`: the Container Apps environment gets a public load balancer (True),
    or an internal one reachable only from the VNet (False). Default: True."""
    apps_subnet_prefix: str = "10.40.4.0/24"
    """Subnet delegated to Microsoft.App/environments (workload profiles: /27 at least;
    a /24 leaves room for ~1,200 Consumption replicas). Fixed once the environment exists."""
    endpoints_subnet_prefix: str = "10.40.3.0/24"
    """Subnet for the private endpoints of the registry, vault, storage, Cosmos DB and SQL."""
    app_service_subnet_prefix: str = "10.40.5.0/26"
    """Subnet delegated to Microsoft.Web/serverFarms for the VNet integration of `web` and
    `func` (one plan; /26 leaves room for the plan to scale out, /28 is the minimum)."""

    # Data stores (issue 13): Cosmos DB (NoSQL) and Azure SQL, Entra ID only.
    cosmos_public_network_access: bool = True
    """Cosmos DB account reachable from public networks (data still needs an Entra ID
    token and a data role). Off needs a private endpoint for the apps (the `private`
    posture adds one; the guard warns on a private environment with this on)."""
    sql_public_network_access: bool = True
    """Azure SQL server reachable from public networks (Entra ID sign-in only); the
    `api` (Container Apps without VNet) connects through 'Allow Azure services'."""
    # App Service (issue 12): one Linux plan for the `web` and `func` apps.
    app_plan_sku: str = "P0v3"
    """Dedicated Linux plan SKU shared by `web` and `func` (FC1/Y1 host one function app
    only, and Y1 is refused). Default: P0v3."""
    app_plan_workers: int | None = None
    """Plan instances. Default: Azure's (1)."""
    app_plan_zone_balancing: bool = False
    """Spread plan instances over zones (Premium v3, 2+ workers)."""
    web_image: str = "web:1.0.0"
    """Repository and tag of the `web` image in the stack's registry (no host)."""
    apps_public: bool = True
    """`web` and `func` accept public traffic (no private endpoints in these stacks)."""

    # Deploying for real (issue 7): see stacks/backend.py and stacks/auth.py.
    remote_state: RemoteState | None = None
    """State in an Azure storage account (Entra ID auth). Default: a local file, unless
    the IDKIT_STATE_* variables name one."""
    auth: str | None = None
    """Provider authentication: 'cli', 'oidc' or 'msi'. IDKIT_AUTH wins. Default: 'cli'."""
    msi_client_id: str | None = None
    """In 'msi' mode, the user-assigned identity's client ID. IDKIT_MSI_CLIENT_ID wins."""
    github_environment: str | None = None
    """The GitHub environment whose deploy job may sign in as the deploy identity (the
    federated credential's subject `repo:<owner>/<repo>:environment:<this>`). Default: the
    environment's name."""
    propagation_wait: str | None = None
    """How long workloads wait for the grants Azure uses to create them (cdktf context
    `azure-identity-kit:propagation-wait` for this stack; a duration such as '90s', '0s' for none).
    Default: the kit's, 120s (docs/concepts.md)."""

    # Azure Policy guardrails (issue 23), assigned by the bootstrap on the resource group.
    guardrails: bool = True
    """Assign the secret-free Azure Policy guardrails (SecretFreeGuardrails) on this
    environment's resource group, from the bootstrap; the stack's guard then refuses
    what they would deny. Default: True."""
    guardrails_enforce: bool = True
    """True: Deny refuses non-compliant requests. False: DoNotEnforce, Azure only
    reports them (audit-only, for a period while an existing environment is brought
    into line); the guard then warns instead of refusing. Default: True."""
    policy_exemptions: tuple[PolicyExemptionSetting, ...] = ()
    """Resources of this environment exempt from one guardrail each, with a reason and
    an expiry. Default: none."""

    def __post_init__(self) -> None:
        where = f"app/{self.name}"
        if self.network_posture not in get_args(NetworkPosture):
            raise KitValidationError(
                where,
                "network-posture",
                f"network_posture '{self.network_posture}' is not a network posture.",
                "Use 'public' or 'private'.",
            )
        if self.private and self.registry_sku.lower() != "premium":
            raise KitValidationError(
                where,
                "private-registry-sku",
                f"A private environment needs a Premium registry (ACR private endpoints are "
                f"Premium only); '{self.name}' has {self.registry_sku}.",
                'Set registry_sku = "Premium" for this environment in environments.toml.',
            )
        if self.private and not self.worker_private:
            raise KitValidationError(
                where,
                "private-worker-public",
                "A private environment's worker must be in the VNet to pull from the private "
                "registry.",
                "Set worker_private = true for this environment in environments.toml.",
            )

    @property
    def private(self) -> bool:
        return self.network_posture == "private"

    @property
    def assigned_guardrails(self) -> AssignedGuardrails | None:
        """What the bootstrap assigns on this environment's group (None: nothing), as the
        guard of its stack needs to know it."""
        if not self.guardrails:
            return None
        return AssignedGuardrails(
            enforce=self.guardrails_enforce,
            exemptions=tuple(
                ExemptedResource(setting.policy, setting.resource)
                for setting in self.policy_exemptions
            ),
        )

    def resource_name(self, abbreviation: str, *parts: str) -> str:
        """Azure CAF style: `<abbr>-<workload>[-<part>...]-<env>`."""
        return "-".join((abbreviation, self.workload, *parts, self.name))

    def compact_name(self, abbreviation: str) -> str:
        """For resources that allow no hyphens (registry, storage): `<abbr><workload><env>`."""
        return f"{abbreviation}{self.workload}{self.name}"
