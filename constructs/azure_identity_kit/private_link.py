"""Private endpoints: a resource reached only from a virtual network, in one call.

A private endpoint alone is not enough: clients resolve the resource's public
name (`<name>.azurecr.io`, `<name>.vault.azure.net`, ...), which Azure CNAMEs to
`<name>.privatelink.<zone>`; a private DNS zone with that name, linked to the
VNet and filled by the endpoint's DNS zone group, makes it resolve to the
endpoint's private IP. Zone names:
https://learn.microsoft.com/azure/private-link/private-endpoint-dns
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace

from ._cdktf import Construct, TerraformResource, is_token
from .azurerm import (
    private_dns_zone,
    private_dns_zone_parent,
    private_dns_zone_virtual_network_link,
    private_endpoint,
)
from .constraints import constrained, enforce, provider
from .constraints.common import subnet_id
from .errors import KitValidationError, child_path
from .identity import NetworkPath, ResourceProps, network_path_of, slug

PRIVATE_DNS_ZONES: Mapping[str, str] = {
    "registry": "privatelink.azurecr.io",
    "vault": "privatelink.vaultcore.azure.net",
    "blob": "privatelink.blob.core.windows.net",
    "queue": "privatelink.queue.core.windows.net",
    "table": "privatelink.table.core.windows.net",
    "file": "privatelink.file.core.windows.net",
    "dfs": "privatelink.dfs.core.windows.net",
    "sites": "privatelink.azurewebsites.net",
    "Sql": "privatelink.documents.azure.com",
    "sqlServer": "privatelink.database.windows.net",
}
"""Private DNS zone per private-link subresource (group ID), Azure public cloud."""


@dataclass(frozen=True)
class PrivateLinkService:
    """One resource's side of a private endpoint."""

    name: str
    """The resource's Azure name; endpoint names derive from it (`pe-<name>-<subresource>`)."""
    resource_id: str
    """Resource ID of the resource the endpoint connects to."""
    subresource: str
    """Private-link group ID: registry, vault, blob, ... (a key of PRIVATE_DNS_ZONES, or any
    group ID the service documents, with dns_zone_name set)."""
    dns_zone_name: str | None = None
    """Default: PRIVATE_DNS_ZONES[subresource]."""
    network: NetworkPath = field(default_factory=NetworkPath, compare=False, repr=False)
    """What workloads reaching the resource wait for; the endpoint and its DNS link join it."""

    @staticmethod
    def of(
        resource: TerraformResource,
        subresource: str,
        *,
        name: str | None = None,
        dns_zone_name: str | None = None,
    ) -> PrivateLinkService:
        """Any resource of this stack; grants made with GrantTarget.of(resource) then
        wait for its endpoint too (they share the resource's NetworkPath)."""
        return PrivateLinkService(
            name=name or resource.get_string_attribute("name"),
            resource_id=resource.get_string_attribute("id"),
            subresource=subresource,
            dns_zone_name=dns_zone_name,
            network=network_path_of(resource),
        )

    @property
    def zone_name(self) -> str:
        return self.dns_zone_name or PRIVATE_DNS_ZONES.get(self.subresource, "")


@dataclass
class LinkedDnsZone:
    """A private DNS zone and its link to the VNet; workloads wait for both."""

    zone: private_dns_zone.PrivateDnsZone
    link: private_dns_zone_virtual_network_link.PrivateDnsZoneVirtualNetworkLink


class PrivateDnsZones(Construct):
    """The private DNS zones of one VNet: one zone per service, linked to the VNet,
    created on first use, so endpoints of the same service share it (a second
    zone with the same name would be a second, conflicting answer)."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        resource_group_name: str,
        virtual_network_id: str,
        tags: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(scope, construct_id)
        self.resource_group_name = resource_group_name
        self.virtual_network_id = virtual_network_id
        self.tags = dict(tags or {})
        self.zones: dict[str, LinkedDnsZone] = {}

    def zone(self, name: str) -> LinkedDnsZone:
        if not name or is_token(name):
            raise KitValidationError(
                child_path(self, "zone"),
                "private-dns-zone-name",
                f"'{name}' is not a literal private DNS zone name.",
                "Use the zone Microsoft documents for the service, e.g. privatelink.azurecr.io.",
            )
        if name not in self.zones:
            zone_id = slug(name)
            zone = private_dns_zone.PrivateDnsZone(
                self,
                zone_id,
                name=name,
                resource_group_name=self.resource_group_name,
                tags=self.tags or None,
            )
            link = private_dns_zone_virtual_network_link.PrivateDnsZoneVirtualNetworkLink(
                self,
                f"{zone_id}-link",
                name="vnet-link",
                **private_dns_zone_parent(
                    zone, self.resource_group_name, name_field="private_dns_zone_name"
                ),
                virtual_network_id=self.virtual_network_id,
                registration_enabled=False,
                tags=self.tags or None,
            )
            self.zones[name] = LinkedDnsZone(zone, link)
        return self.zones[name]


@dataclass(frozen=True)
class PrivateEndpointForProps:
    service: PrivateLinkService
    """The resource to reach; the kit's constructs give theirs as `.private_link`."""
    subnet_id: str = field(
        metadata=constrained(
            subnet_id(
                "private-endpoint-subnet-id",
                provider(
                    "internal/services/network/private_endpoint_resource.go",
                    "subnet_id commonids.ValidateSubnetID",
                ),
            )
        )
    )
    """A subnet for private endpoints (no delegation; its ID)."""
    dns_zones: PrivateDnsZones | LinkedDnsZone
    """Where the A record goes: the VNet's zones (the right one is picked or created) or one
    linked zone."""
    resource_group_name: str
    """Resource group of the endpoint (the DNS zones stay where `dns_zones` keeps them)."""
    location: str
    """Azure region of the endpoint: the subnet's VNet's region."""
    name: str | None = None
    """Azure name of the endpoint. Default: `pe-<resource name>-<subresource>`."""
    tags: Mapping[str, str] = field(default_factory=dict)
    """Tags on the endpoint. Default: none."""


class PrivateEndpointFor(Construct):
    """`azurerm_private_endpoint` to one resource, with its DNS zone group, in one call.

    Workloads that reach the resource through a grant wait for the endpoint (whose
    DNS zone group is part of it) and for the zone's VNet link: the endpoint joins
    the resource's NetworkPath, which every grant on the resource carries.
    """

    def __init__(self, scope: Construct, construct_id: str, props: PrivateEndpointForProps) -> None:
        path = child_path(scope, construct_id)
        service = props.service
        zone_name = service.zone_name
        if not zone_name:
            raise KitValidationError(
                path,
                "private-endpoint-dns-zone",
                f"No private DNS zone is known for subresource '{service.subresource}'.",
                "Set dns_zone_name on the PrivateLinkService (see "
                "learn.microsoft.com/azure/private-link/private-endpoint-dns).",
            )
        if not props.subnet_id:
            raise KitValidationError(
                path,
                "private-endpoint-subnet",
                "A private endpoint needs a subnet, and none was given.",
                "Pass the ID of a subnet for private endpoints.",
            )
        enforce(path, props)
        super().__init__(scope, construct_id)
        dns = props.dns_zones
        self.dns_zone = dns.zone(zone_name) if isinstance(dns, PrivateDnsZones) else dns
        name = props.name or f"pe-{service.name}-{service.subresource.lower()}"
        self.resource = private_endpoint.PrivateEndpoint(
            self,
            "endpoint",
            name=name,
            resource_group_name=props.resource_group_name,
            location=props.location,
            subnet_id=props.subnet_id,
            private_service_connection=private_endpoint.PrivateEndpointPrivateServiceConnection(
                name=f"{name}-connection",
                private_connection_resource_id=service.resource_id,
                subresource_names=[service.subresource],
                is_manual_connection=False,
            ),
            private_dns_zone_group=private_endpoint.PrivateEndpointPrivateDnsZoneGroup(
                name="default", private_dns_zone_ids=[self.dns_zone.zone.id]
            ),
            tags=dict(props.tags) or None,
        )
        service.network.add(self.resource, self.dns_zone.link)


class PrivateEndpointMixin(Construct):
    """`add_private_endpoint()` for the kit's data-service constructs (registry,
    vault, storage): each names its `private_link` (its main subresource), any
    further subresources it has, and how its public access is turned off."""

    props: ResourceProps
    """Where the endpoint goes, its tags: the resource's own."""
    private_link: PrivateLinkService
    other_subresources: tuple[str, ...] = ()
    """Private-link group IDs besides `private_link.subresource` (a storage account's
    queue, table, ...); each takes its own endpoint and DNS zone."""

    def _restrict_public_access(self) -> None:
        raise NotImplementedError

    def add_private_endpoint(
        self,
        subnet_id: str,
        dns_zones: PrivateDnsZones | LinkedDnsZone,
        *,
        name: str | None = None,
        subresource: str | None = None,
    ) -> PrivateEndpointFor:
        """Turn public network access off and add a private endpoint with its DNS
        record: the resource is then reachable only from the VNet (and networks
        routed to it). Workloads granted access to it wait for the endpoint.

        One endpoint serves one subresource: `subresource` defaults to the main one
        (registry, vault, blob); pass another (e.g. 'queue') for a second endpoint,
        or use add_private_endpoints()."""
        main = self.private_link.subresource
        chosen = subresource or main
        # The main subresource keeps the construct ID it always had.
        construct_id = "private-endpoint" if chosen == main else f"private-endpoint-{slug(chosen)}"
        path = child_path(self, construct_id)
        if chosen not in (main, *self.other_subresources):
            raise KitValidationError(
                path,
                "private-endpoint-subresource",
                f"'{chosen}' is not a private-link subresource of this resource.",
                f"Use one of {', '.join((main, *self.other_subresources))}.",
            )
        if self.node.try_find_child(construct_id) is not None:
            raise KitValidationError(
                path,
                "private-endpoint-twice",
                f"This resource already has a private endpoint for '{chosen}' from "
                "add_private_endpoint().",
                "Call it once per subresource; for an endpoint in another VNet, use "
                "PrivateEndpointFor.",
            )
        self._restrict_public_access()
        service = self.private_link
        if chosen != main:  # same resource and NetworkPath, another group ID and zone
            service = replace(service, subresource=chosen)
        return PrivateEndpointFor(
            self,
            construct_id,
            PrivateEndpointForProps(
                service=service,
                subnet_id=subnet_id,
                dns_zones=dns_zones,
                resource_group_name=self.props.resource_group_name,
                location=self.props.location,
                name=name,
                tags=self.props.tags,
            ),
        )

    def add_private_endpoints(
        self,
        subnet_id: str,
        dns_zones: PrivateDnsZones | LinkedDnsZone,
        subresources: Sequence[str],
    ) -> list[PrivateEndpointFor]:
        """add_private_endpoint() for each subresource: one endpoint and DNS zone
        each (e.g. a function host's storage: blob, queue and table)."""
        if not subresources:
            raise KitValidationError(
                child_path(self, "private-endpoint"),
                "private-endpoint-subresource",
                "add_private_endpoints() was given no subresource.",
                f"Name at least one, e.g. '{self.private_link.subresource}'.",
            )
        return [
            self.add_private_endpoint(subnet_id, dns_zones, subresource=subresource)
            for subresource in subresources
        ]
