"""An Azure Container Registry that only identities can pull from."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property

from ._cdktf import Construct
from .acr_pull_binding import ACR_PULL, RegistryRef
from .azurerm import container_registry
from .constraints import OneOf, Range, checked, enforce, provider
from .errors import KitValidationError, child_path
from .identity import Grant, Grantable, GrantTarget, grant_to, network_path_of
from .naming import CONTAINER_REGISTRY, check_name
from .private_link import PrivateEndpointMixin, PrivateLinkService

_REGISTRY = "internal/services/containers/container_registry_resource.go"
REGISTRY_SKUS = ("Basic", "Standard", "Premium")


@dataclass(frozen=True)
class IdentityOnlyRegistryProps:
    name: str
    """Azure name: 5-50 letters and digits. Convention: `cr<workload><env>`."""
    resource_group_name: str
    """Resource group of the registry."""
    location: str
    """Azure region of the registry."""
    sku: str = checked(
        OneOf("acr-sku", provider(_REGISTRY, "sku StringInSlice"), values=REGISTRY_SKUS),
        default="Standard",
    )
    """Basic, Standard or Premium. Default: Standard. Premium adds private endpoints."""
    untagged_retention_days: int = checked(
        Range(
            "acr-retention-days",
            provider(_REGISTRY, "retention_policy_in_days IntBetween(0, 365)"),
            low=0,
            high=365,
        ),
        default=7,
    )
    """Days an untagged manifest is kept before ACR deletes it, 0-365 (Premium only; other
    SKUs have no retention policy). Default: 7."""
    trusted_services_bypass: bool = False
    """With public access off (add_private_endpoint), let trusted Azure services through
    (`network_rule_bypass_option = "AzureServices"`). Needed when Azure Container Instances
    pull from the registry: ACI pulls through the platform, not from the group's subnet.
    Default: False ("None")."""
    tags: Mapping[str, str] = field(default_factory=dict)
    """Tags on the registry. Default: none."""


class IdentityOnlyRegistry(PrivateEndpointMixin, Construct):
    """`azurerm_container_registry` with the admin user and anonymous pull off:
    the only way in is a role assignment such as AcrPull. `add_private_endpoint()`
    makes it private (Premium only)."""

    props: IdentityOnlyRegistryProps

    def __init__(
        self, scope: Construct, construct_id: str, props: IdentityOnlyRegistryProps
    ) -> None:
        path = child_path(scope, construct_id)
        check_name(CONTAINER_REGISTRY, props.name, path)
        enforce(path, props)
        super().__init__(scope, construct_id)
        self.props = props
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
        self.private_link = PrivateLinkService(
            name=props.name,
            resource_id=self.resource.id,
            subresource="registry",
            network=network_path_of(self.resource),
        )
        self._private = False

    @cached_property
    def _names(self) -> tuple[str, str, str]:
        """Construct ID, resource ID and login server: read once (three jsii round
        trips), while `ref` follows add_private_endpoint()."""
        return self.node.id, self.resource.id, self.resource.login_server

    @property
    def ref(self) -> RegistryRef:
        """The registry as workloads see it: its network restriction and the
        private endpoint a pull must wait for."""
        name, resource_id, login_server = self._names
        return RegistryRef(
            name=name,
            resource_id=resource_id,
            login_server=login_server,
            network_restricted=self._private,
            trusted_services_bypass=self.props.trusted_services_bypass if self._private else None,
            network=self.private_link.network,
        )

    def _restrict_public_access(self) -> None:
        if self.props.sku.lower() != "premium":
            raise KitValidationError(
                self.node.path,
                "acr-private-endpoint-sku",
                f"A private endpoint needs a Premium registry; this one is {self.props.sku}.",
                "Set sku='Premium' (changing the SKU keeps the registry and its images).",
            )
        self._private = True
        self.resource.public_network_access_enabled = False
        # Dedicated data endpoints (<name>.<region>.data.azurecr.io) get their own
        # private IP and DNS record through the same endpoint.
        self.resource.data_endpoint_enabled = True
        self.resource.network_rule_bypass_option = (
            "AzureServices" if self.props.trusted_services_bypass else "None"
        )

    def grant_pull(self, grantee: Grantable, *, description: str | None = None) -> Grant:
        """Pull images (AcrPull on this registry). A workload that pulls at start
        should pull through a user-assigned identity (the kit's workloads take a
        `registry` and do this themselves, ordered before the first pull)."""
        target = GrantTarget(
            name=self.node.id, resource_id=self.resource.id, network=self.private_link.network
        )
        return grant_to(self, grantee, ACR_PULL, target, description=description)
