"""One environment's network (issue 14): the VNet, its subnets, an NSG on every
subnet and, with the `private` posture, the Container Apps and private-endpoint
subnets, the private DNS zones and explicit egress through a NAT gateway.

Resources are created in the stack's own scope with the construct IDs the VNet
and subnets always had, so adding this module renamed nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from azure_identity_kit import ACI_SUBNET_DELEGATION, PrivateDnsZones
from azure_identity_kit._cdktf import TerraformStack
from azure_identity_kit.azurerm import (
    container_app_environment,
    nat_gateway,
    nat_gateway_public_ip_association,
    network_security_group,
    private_dns_a_record,
    private_dns_zone,
    private_dns_zone_parent,
    private_dns_zone_virtual_network_link,
    public_ip,
    subnet,
    subnet_nat_gateway_association,
    subnet_network_security_group_association,
    virtual_network,
)
from azure_identity_kit.constraints.common import check_subnet
from azure_identity_kit.errors import child_path

from .config import EnvironmentConfig

CONTAINER_APPS_SUBNET_DELEGATION = "Microsoft.App/environments"
APP_SERVICE_SUBNET_DELEGATION = "Microsoft.Web/serverFarms"
NSG_RULE = network_security_group.NetworkSecurityGroupSecurityRule
HTTPS = "443"
WORKER_PORT = 8080
SSH = "22"


@dataclass
class Network:
    vnet: virtual_network.VirtualNetwork
    worker_subnet: subnet.Subnet
    ops_subnet: subnet.Subnet
    apps_subnet: subnet.Subnet | None = None
    """Container Apps environment subnet (`private` only)."""
    endpoints_subnet: subnet.Subnet | None = None
    """Private endpoints subnet (`private` only)."""
    app_service_subnet: subnet.Subnet | None = None
    """VNet integration subnet of the App Service plan (`web`, `func`; `private` only)."""
    dns_zones: PrivateDnsZones | None = None
    """The VNet's private DNS zones (`private` only)."""
    nat: nat_gateway.NatGateway | None = None
    egress_ip: public_ip.PublicIp | None = None
    """The NAT gateway's static IP: what partners allow-list (`private` only)."""


def _inbound(name: str, priority: int, access: str, source: str, port: str = "*") -> NSG_RULE:
    """One inbound rule to any address in the subnet (TCP for a port, any protocol for '*')."""
    return NSG_RULE(
        name=name,
        priority=priority,
        direction="Inbound",
        access=access,
        protocol="*" if port == "*" else "Tcp",
        source_address_prefix=source,
        source_port_range="*",
        destination_address_prefix="*",
        destination_port_range=port,
    )


# Azure's default rules allow inbound from the whole VNet and the load balancer;
# this one closes inbound to what the subnet's workload declares above it.
DENY_ALL_INBOUND = _inbound("deny-all-inbound", 4096, "Deny", "*")


def _only_from_vnet(name: str, port: str) -> list[NSG_RULE]:
    return [_inbound(name, 100, "Allow", "VirtualNetwork", port), DENY_ALL_INBOUND]


def _delegation(name: str, service: str, action: str) -> list[subnet.SubnetDelegation]:
    return [
        subnet.SubnetDelegation(
            name=name,
            service_delegation=subnet.SubnetDelegationServiceDelegation(
                name=service, actions=[action]
            ),
        )
    ]


def build_network(stack: TerraformStack, config: EnvironmentConfig, rg_name: str) -> Network:
    tags = dict(config.tags)
    location = config.location
    private = config.private
    vnet = virtual_network.VirtualNetwork(
        stack,
        "network",
        name=config.resource_name("vnet"),
        resource_group_name=rg_name,
        location=location,
        address_space=[config.vnet_address_space],
        tags=tags,
    )

    def new_subnet(
        construct_id: str, name: str, prefix: str, service: str, **kwargs: object
    ) -> subnet.Subnet:
        """A subnet whose prefix is checked first: large enough for `service` (a key of
        SUBNET_MINIMUM) and inside the VNet."""
        check_subnet(child_path(stack, construct_id), prefix, service, config.vnet_address_space)
        return subnet.Subnet(
            stack,
            construct_id,
            name=name,
            resource_group_name=rg_name,
            virtual_network_name=vnet.name,
            address_prefixes=[prefix],
            **kwargs,
        )

    def protect(target: subnet.Subnet, purpose: str, rules: Sequence[NSG_RULE]) -> None:
        nsg = network_security_group.NetworkSecurityGroup(
            stack,
            f"{purpose}-nsg",
            name=config.resource_name("nsg", purpose),
            resource_group_name=rg_name,
            location=location,
            security_rule=list(rules) or None,
            tags=tags,
        )
        subnet_network_security_group_association.SubnetNetworkSecurityGroupAssociation(
            stack, f"{purpose}-subnet-nsg", subnet_id=target.id, network_security_group_id=nsg.id
        )

    # Explicit egress (private): the worker, VM and App Service subnets leave through a NAT
    # gateway with a static IP and have no default outbound access, so egress
    # does not depend on when the VNet was created (private subnets by default
    # since 2026-03-31, and default outbound retiring for VMs).
    no_default_outbound = {"default_outbound_access_enabled": False} if private else {}
    worker_subnet = new_subnet(
        "worker-subnet",
        "snet-worker",
        config.worker_subnet_prefix,
        ACI_SUBNET_DELEGATION,
        delegation=_delegation(
            "container-instances",
            ACI_SUBNET_DELEGATION,
            "Microsoft.Network/virtualNetworks/subnets/action",
        ),
        **no_default_outbound,
    )
    ops_subnet = new_subnet(
        "ops-subnet",
        "snet-ops",
        config.ops_subnet_prefix,
        "virtual machines",
        **no_default_outbound,
    )
    # Inbound: the worker's port and SSH to the VM (Entra ID sign-in), from the VNet only.
    protect(worker_subnet, "worker", _only_from_vnet("worker-from-vnet", str(WORKER_PORT)))
    protect(ops_subnet, "ops", _only_from_vnet("ssh-from-vnet", SSH))
    network = Network(vnet=vnet, worker_subnet=worker_subnet, ops_subnet=ops_subnet)
    if not private:
        return network

    network.apps_subnet = new_subnet(
        "apps-subnet",
        "snet-apps",
        config.apps_subnet_prefix,
        CONTAINER_APPS_SUBNET_DELEGATION,  # a workload profiles environment: /27
        delegation=_delegation(
            "container-apps",
            CONTAINER_APPS_SUBNET_DELEGATION,
            "Microsoft.Network/virtualNetworks/subnets/join/action",
        ),
    )
    # Container Apps needs Azure's default rules (VNet and load balancer inbound);
    # a public environment also takes HTTPS from the internet.
    public_https = _inbound("https-from-internet", 100, "Allow", "Internet", HTTPS)
    protect(network.apps_subnet, "apps", [public_https] if config.api_public_ingress else [])
    # NSG rules apply to private endpoints only with network policies enabled.
    network.endpoints_subnet = new_subnet(
        "endpoints-subnet",
        "snet-endpoints",
        config.endpoints_subnet_prefix,
        "private endpoints",
        private_endpoint_network_policies="Enabled",
    )
    protect(network.endpoints_subnet, "endpoints", _only_from_vnet("https-from-vnet", HTTPS))
    # Regional VNet integration of the App Service plan: outbound only (nothing
    # arrives through this subnet, so inbound is closed), leaving through the NAT
    # gateway like the worker and VM subnets.
    network.app_service_subnet = new_subnet(
        "appservice-subnet",
        "snet-appservice",
        config.app_service_subnet_prefix,
        APP_SERVICE_SUBNET_DELEGATION,
        delegation=_delegation(
            "app-service",
            APP_SERVICE_SUBNET_DELEGATION,
            "Microsoft.Network/virtualNetworks/subnets/action",
        ),
        **no_default_outbound,
    )
    protect(network.app_service_subnet, "appservice", [DENY_ALL_INBOUND])
    network.dns_zones = PrivateDnsZones(
        stack, "private-dns", resource_group_name=rg_name, virtual_network_id=vnet.id, tags=tags
    )

    network.egress_ip = egress_ip = public_ip.PublicIp(
        stack,
        "nat-ip",
        name=config.resource_name("pip", "nat"),
        resource_group_name=rg_name,
        location=location,
        sku="Standard",
        allocation_method="Static",
        tags=tags,
    )
    network.nat = nat_gateway.NatGateway(
        stack,
        "nat",
        name=config.resource_name("ng"),
        resource_group_name=rg_name,
        location=location,
        sku_name="Standard",
        tags=tags,
    )
    nat_gateway_public_ip_association.NatGatewayPublicIpAssociation(
        stack,
        "nat-ip-association",
        nat_gateway_id=network.nat.id,
        public_ip_address_id=egress_ip.id,
    )
    for purpose, target in (
        ("worker", worker_subnet),
        ("ops", ops_subnet),
        ("appservice", network.app_service_subnet),
    ):
        subnet_nat_gateway_association.SubnetNatGatewayAssociation(
            stack, f"{purpose}-subnet-nat", subnet_id=target.id, nat_gateway_id=network.nat.id
        )
    return network


def add_internal_apps_dns(
    stack: TerraformStack,
    config: EnvironmentConfig,
    network: Network,
    environment: container_app_environment.ContainerAppEnvironment,
    rg_name: str,
) -> None:
    """An internal Container Apps environment has no public DNS: its apps' names
    (`<app>.<default domain>`) resolve in the VNet through a private zone named
    after the default domain, with a wildcard record to the environment's
    internal load balancer IP, linked to the VNet."""
    tags = dict(config.tags)
    zone = private_dns_zone.PrivateDnsZone(
        stack, "apps-dns", name=environment.default_domain, resource_group_name=rg_name, tags=tags
    )
    private_dns_a_record.PrivateDnsARecord(
        stack,
        "apps-dns-wildcard",
        name="*",
        **private_dns_zone_parent(zone, rg_name, name_field="zone_name"),
        ttl=300,
        records=[environment.static_ip_address],
        tags=tags,
    )
    private_dns_zone_virtual_network_link.PrivateDnsZoneVirtualNetworkLink(
        stack,
        "apps-dns-link",
        name="vnet-link",
        **private_dns_zone_parent(zone, rg_name, name_field="private_dns_zone_name"),
        virtual_network_id=network.vnet.id,
        registration_enabled=False,
        tags=tags,
    )
