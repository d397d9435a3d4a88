"""Typed per-environment configuration. Adding an environment means adding one
entry to ENVIRONMENTS."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal, get_args

from azure_identity_kit.errors import KitValidationError

from .backend import RemoteState

# PLACEHOLDER, replace before deploying: the public half of a throwaway key whose
# private half was discarded, so nobody can sign in with it. A public key is not
# a secret; put your team's real one (or several) in `ops_ssh_public_keys`.
PLACEHOLDER_SSH_PUBLIC_KEY = (
    "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIMHZtuQiQa9Oc8Wa7gxtyVvRfLoefHQFS7MOW1OBv3eQ "
    "placeholder-replace-me"
)


NetworkPosture = Literal["public", "private"]
"""How an environment's data services are reached (README, "Network posture"):
- public: on their public endpoints, by Entra ID and role assignments only; the
  Container Apps environment is not in the VNet;
- private: only through private endpoints in the VNet (public access off); the
  Container Apps environment, the worker and the VM are in the VNet, and egress
  from the worker and VM subnets is a NAT gateway with a static IP."""


@dataclass(frozen=True)
class EnvironmentConfig:
    name: str
    """Short environment name; part of every resource name and the stack name."""
    location: str = "westeurope"
    workload: str = "idkit"
    """Workload short name used in resource names (`rg-<workload>-<env>`, ...)."""
    api_image: str = "api:1.0.0"
    """Repository and tag of the `api` image in the stack's registry."""
    api_min_replicas: int = 0
    api_max_replicas: int = 2
    registry_sku: str = "Standard"
    storage_replication: str = "LRS"
    prevent_destroy: bool = False
    dapr_state_store: bool = False
    """Give `api` a Dapr blob state store authenticated by its runtime identity."""
    """Protect stateful resources (identities, registry, vault, storage) from `destroy`."""
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
    ops_ssh_public_keys: tuple[str, ...] = (PLACEHOLDER_SSH_PUBLIC_KEY,)
    """OpenSSH public keys for the `ops` VM admin. Default: a placeholder (see above)."""

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
    sql_admin_group_name: str = "sg-idkit-sql-admins"
    """Display name of the Entra group that administers the SQL server. PLACEHOLDER."""
    sql_admin_group_object_id: str = "00000000-0000-0000-0000-000000000000"
    """Its object ID. PLACEHOLDER, replace before deploying; the deploy identity must be
    a member to run the generated database grants (README, Azure SQL)."""
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
                "Set registry_sku='Premium' in stacks/config.py.",
            )
        if self.private and not self.worker_private:
            raise KitValidationError(
                where,
                "private-worker-public",
                "A private environment's worker must be in the VNet to pull from the private "
                "registry.",
                "Set worker_private=True in stacks/config.py.",
            )

    @property
    def private(self) -> bool:
        return self.network_posture == "private"

    def resource_name(self, abbreviation: str, *parts: str) -> str:
        """Azure CAF style: `<abbr>-<workload>[-<part>...]-<env>`."""
        return "-".join((abbreviation, self.workload, *parts, self.name))

    def compact_name(self, abbreviation: str) -> str:
        """For resources that allow no hyphens (registry, storage): `<abbr><workload><env>`."""
        return f"{abbreviation}{self.workload}{self.name}"


ENVIRONMENTS: dict[str, EnvironmentConfig] = {
    "dev": EnvironmentConfig(name="dev", dapr_state_store=True, tags={"environment": "dev"}),
    "staging": EnvironmentConfig(
        name="staging",
        api_min_replicas=1,
        registry_sku="Premium",  # ACR private endpoints are Premium only
        worker_private=True,
        network_posture="private",
        api_public_ingress=False,  # staging's API is reachable from the VNet only
        cosmos_public_network_access=False,
        sql_public_network_access=False,
        tags={"environment": "staging"},
    ),
    "prod": EnvironmentConfig(
        name="prod",
        api_min_replicas=2,
        api_max_replicas=10,
        registry_sku="Premium",
        storage_replication="ZRS",
        app_plan_sku="P1v3",
        app_plan_workers=2,
        app_plan_zone_balancing=True,
        prevent_destroy=True,
        worker_private=True,
        network_posture="private",
        cosmos_public_network_access=False,
        sql_public_network_access=False,
        tags={"environment": "prod"},
    ),
}


def get_environment(name: str) -> EnvironmentConfig:
    try:
        return ENVIRONMENTS[name]
    except KeyError:
        raise KitValidationError(
            "app",
            "unknown-environment",
            f"There is no environment '{name}'.",
            f"Use one of {', '.join(ENVIRONMENTS)}, or add an entry to stacks/config.py.",
        ) from None
