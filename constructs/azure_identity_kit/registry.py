"""An Azure Container Registry that only identities can pull from."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from ._cdktf import Construct
from .acr_pull_binding import ACR_PULL, RegistryRef
from .azurerm import container_registry
from .errors import child_path
from .identity import Grant, Grantable, GrantTarget, grant_to
from .naming import CONTAINER_REGISTRY, check_name


@dataclass(frozen=True)
class IdentityOnlyRegistryProps:
    name: str
    """Azure name: 5-50 letters and digits. Convention: `cr<workload><env>`."""
    resource_group_name: str
    location: str
    sku: str = "Standard"
    """Basic, Standard or Premium. Default: Standard. Premium adds private endpoints."""
    untagged_retention_days: int = 7
    """Days an untagged manifest is kept before ACR deletes it (Premium only; other SKUs
    have no retention policy). Default: 7."""
    tags: Mapping[str, str] = field(default_factory=dict)


class IdentityOnlyRegistry(Construct):
    """`azurerm_container_registry` with the admin user and anonymous pull off:
    the only way in is a role assignment such as AcrPull."""

    def __init__(self, scope: Construct, construct_id: str, props: IdentityOnlyRegistryProps):
        check_name(CONTAINER_REGISTRY, props.name, child_path(scope, construct_id))
        super().__init__(scope, construct_id)
        self.resource = container_registry.ContainerRegistry(
            self,
            "registry",
            name=props.name,
            resource_group_name=props.resource_group_name,
            location=props.location,
            sku=props.sku,
            admin_enabled=False,
            anonymous_pull_enabled=False,
            retention_policy_in_days=(
                props.untagged_retention_days if props.sku.lower() == "premium" else None
            ),
            tags=dict(props.tags) or None,
        )
        self.ref = RegistryRef(
            name=construct_id, resource_id=self.resource.id, login_server=self.resource.login_server
        )

    def grant_pull(self, grantee: Grantable, *, description: str | None = None) -> Grant:
        """Pull images (AcrPull on this registry). A workload that pulls at start
        should pull through a user-assigned identity (the kit's workloads take a
        `registry` and do this themselves, ordered before the first pull)."""
        target = GrantTarget(name=self.node.id, resource_id=self.resource.id)
        return grant_to(self, grantee, ACR_PULL, target, description=description)
