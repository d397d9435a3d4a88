"""A container group (Azure Container Instances) that pulls its images from ACR
by a user-assigned identity and runs with managed identities, never credentials."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal

from ._cdktf import Construct, is_token
from .acr_pull_binding import RegistryRef, check_image_registry, check_registry
from .azurerm import container_group, container_registry
from .constraints import (
    CrossField,
    Items,
    OneOf,
    Range,
    azure,
    checked,
    constrained,
    cross_field,
    enforce,
    is_unknown,
    provider,
)
from .constraints.common import duration, port, subnet_id
from .errors import ChildPath, KitValidationError, child_path, remember_path
from .identity import AnyUserAssignedIdentity, ManagedIdentities
from .naming import ACI_DNS_LABEL, CONTAINER_GROUP, CONTAINER_GROUP_CONTAINER, check_name
from .workload_identity import WorkloadIdentityMixin, refuse_client_id_override, refuse_system_pull

OS_TYPES = ("Linux", "Windows")
RESTART_POLICIES = ("Always", "OnFailure", "Never")
PROTOCOLS = ("TCP", "UDP")
DNS_NAME_LABEL_REUSE_POLICIES = (
    "Noreuse",
    "ResourceGroupReuse",
    "SubscriptionReuse",
    "TenantReuse",
    "Unsecure",
)
ACI_SUBNET_DELEGATION = "Microsoft.ContainerInstance/containerGroups"
"""The service a subnet must be delegated to before a container group can use it."""
_GROUP = "internal/services/containers/container_group_resource.go"
_LIMITS = azure(
    "https://learn.microsoft.com/azure/container-instances/container-instances-resource-and-"
    "quota-limits"
)
GROUP_MAX_CPU = 4.0
GROUP_MAX_MEMORY_GB = 16.0
"""A Linux container group's standard limits (all its containers together): 4 vCPU and
16 GB; some regions allow less (the region availability page)."""
_PORT = port("aci-port", provider(_GROUP, "container ports validate.PortNumber"))


@dataclass(frozen=True)
class AciPort:
    port: int = field(metadata=constrained(_PORT))
    """1-65535."""
    protocol: str = checked(
        OneOf("aci-port", provider(_GROUP, "ports protocol StringInSlice"), values=PROTOCOLS),
        default="TCP",
    )
    """TCP or UDP. Default: TCP."""


@dataclass(frozen=True)
class AciContainerSpec:
    name: str
    """1-63 lowercase letters, digits and '-', unique in the group."""
    image: str
    """Full image reference, e.g. f"{registry.login_server}/worker:1.0.0". Must not be empty."""
    cpu: float = checked(
        Range(
            "aci-cpu",
            _LIMITS,
            low=0,
            exclusive_low=True,
            high=GROUP_MAX_CPU,
            integer=False,
            unit=" vCPU",
        ),
        default=0.5,
    )
    """vCPU requested: above 0, at most 4 (with the group's other containers). Default: 0.5."""
    memory_gb: float = checked(
        Range(
            "aci-memory",
            _LIMITS,
            low=0,
            exclusive_low=True,
            high=GROUP_MAX_MEMORY_GB,
            integer=False,
            unit=" GB",
        ),
        default=1.0,
    )
    """Memory requested, in GB: above 0, at most 16 (with the group's other containers).
    Default: 1.0."""
    ports: Sequence[int | AciPort] = checked(
        Items("aci-port", _PORT.source, inner=_PORT), default=()
    )
    """Ports the container listens on (an int means TCP). With a public or private IP the
    group exposes all of them. Default: none."""
    env: Mapping[str, str] = field(default_factory=dict)
    """Plain environment variables; AZURE_CLIENT_ID is set by the construct. Default: none."""
    commands: Sequence[str] = ()
    """Overrides the image's entrypoint. Default: the image's own."""


@dataclass(frozen=True)
class AciPublicNetwork:
    """A public IP address, optionally with a DNS name
    (`<label>[.<hash>].<region>.azurecontainer.io`)."""

    dns_name_label: str | None = None
    """3-63 lowercase letters, digits and '-', starting with a letter. Default: none (IP only)."""
    dns_name_label_reuse_policy: str = checked(
        OneOf(
            "aci-dns-reuse-policy",
            provider(_GROUP, "dns_name_label_reuse_policy StringInSlice"),
            values=DNS_NAME_LABEL_REUSE_POLICIES,
        ),
        default="TenantReuse",
    )
    """Who may reuse the label after the group is deleted; anything but `Unsecure` adds a
    hash to the FQDN and prevents subdomain takeover. Default: TenantReuse."""


@dataclass(frozen=True)
class AciPrivateNetwork:
    """A private IP address in a VNet subnet: the documented way to reach a
    registry that is only reachable through a private endpoint."""

    subnet_id: str = field(
        metadata=constrained(
            subnet_id("aci-subnet-id", provider(_GROUP, "subnet_ids commonids.ValidateSubnetID"))
        )
    )
    """A subnet delegated to Microsoft.ContainerInstance/containerGroups (its ID)."""


def _group_resources(props: ContainerInstanceFromAcrProps) -> str | None:
    cpus = [spec.cpu for spec in props.containers]
    memories = [spec.memory_gb for spec in props.containers]
    values = (*cpus, *memories)
    if any(is_unknown(v) or not isinstance(v, (int, float)) for v in values):
        return None
    cpu, memory = round(sum(cpus), 4), round(sum(memories), 4)
    if cpu <= GROUP_MAX_CPU and memory <= GROUP_MAX_MEMORY_GB:
        return None
    return (
        f"the containers request {cpu:g} vCPU and {memory:g} GB together; a container group "
        f"gets at most {GROUP_MAX_CPU:g} vCPU and {GROUP_MAX_MEMORY_GB:g} GB."
    )


@cross_field(
    CrossField(
        "aci-group-resources",
        _LIMITS,
        fields=("containers",),
        description="the containers' vCPU and memory together at most 4 vCPU and 16 GB",
        test=_group_resources,
        how="Request less, or split the containers over two groups.",
    )
)
@dataclass(frozen=True)
class ContainerInstanceFromAcrProps:
    name: str
    """Azure name: 1-63 lowercase letters, digits and '-'. Convention: `ci-<workload>-<env>`."""
    resource_group_name: str
    """Resource group of the container group and of the identities the construct creates."""
    location: str
    """Azure region of the container group and of the identities the construct creates."""
    registry: RegistryRef | container_registry.ContainerRegistry
    """ACR to pull the images from. Given a ContainerRegistry resource, the construct reads its
    network settings; a RegistryRef says them in `network_restricted` and
    `trusted_services_bypass`."""
    containers: Sequence[AciContainerSpec]
    """One or more containers (exactly one on Windows)."""
    pull_identity: AnyUserAssignedIdentity | Literal["SystemAssigned"] | None = None
    """Identity for image pulls. Default: a new identity `id-<name>-pull` used for nothing
    else. A system-assigned identity is refused: Azure rejects it for ACI image pulls."""
    pull_identity_name: str | None = None
    """Azure name of the pull identity when the construct creates it. Default: `id-<name>-pull`."""
    runtime_identity: AnyUserAssignedIdentity | None = None
    """Identity the code uses; its client ID becomes AZURE_CLIENT_ID. Default: none."""
    system_assigned: bool = False
    """Also give the group a system-assigned identity, for the code's own use. Default: off."""
    user_assigned: Sequence[AnyUserAssignedIdentity] = ()
    """Further user-assigned identities to attach. Default: none."""
    os_type: str = checked(
        OneOf("aci-os-type", provider(_GROUP, "os_type StringInSlice"), values=OS_TYPES),
        default="Linux",
    )
    """Linux or Windows. Default: Linux."""
    restart_policy: str = checked(
        OneOf(
            "aci-restart-policy",
            provider(_GROUP, "restart_policy StringInSlice"),
            values=RESTART_POLICIES,
        ),
        default="Always",
    )
    """Always, OnFailure or Never. Default: Always."""
    network: AciPublicNetwork | AciPrivateNetwork | None = None
    """Public IP (optionally with a DNS label), private IP in a subnet, or None: no IP
    address at all (outbound only). Default: None."""
    propagation_wait: str | None = checked(duration("wait-duration"), default=None)
    """How long the group waits after its AcrPull grant is made, before it is created (Azure
    refuses a group whose image it cannot pull yet): a duration such as '90s' or '2m', '0s'
    for no wait. Default: the `azure-identity-kit:propagation-wait` context value, else 120s
    (docs/concepts.md)."""
    tags: Mapping[str, str] = field(default_factory=dict)
    """Tags on the group and on the pull identity it creates. Default: none."""


class ContainerInstanceFromAcr(WorkloadIdentityMixin, Construct):
    """`azurerm_container_group` whose images are pulled by a user-assigned identity.

    The identity gets AcrPull on the registry (an AcrPullBinding under this
    construct) and the group `depends_on` that role assignment, so the first
    pull never happens before the permission exists. Azure does not accept a
    system-assigned identity for ACI image pulls (`InvalidImageRegistryIdentity`),
    and no username or password is ever written.
    """

    no_identity_problem = (
        "The container group has no runtime identity to grant a role to "
        "(the pull identity is for image pulls only)."
    )
    props: ContainerInstanceFromAcrProps
    resource: container_group.ContainerGroup

    def __init__(
        self, scope: Construct, construct_id: str, props: ContainerInstanceFromAcrProps
    ) -> None:
        path = child_path(scope, construct_id)
        _validate(path, props)
        super().__init__(scope, construct_id)
        remember_path(self, path)  # its pull identity's path, for the guard
        self.props = props

        self._bind_pull(props)
        registry, puller = self.pull_registry, self.pull_identity
        assert registry is not None and puller is not None  # _bind_pull sets both
        self.runtime_identity = props.runtime_identity

        self.identities = ManagedIdentities.of(
            props.system_assigned, self.pull_identity, self.runtime_identity, *props.user_assigned
        )

        network = props.network
        self.resource = container_group.ContainerGroup(
            self,
            "group",
            name=props.name,
            resource_group_name=props.resource_group_name,
            location=props.location,
            os_type=props.os_type,
            restart_policy=props.restart_policy,
            identity=self.identities.render(container_group.ContainerGroupIdentity),
            image_registry_credential=[
                container_group.ContainerGroupImageRegistryCredential(
                    server=registry.login_server,
                    user_assigned_identity_id=puller.resource_id,
                )
            ],
            container=[self._container_block(spec) for spec in props.containers],
            ip_address_type=(
                "Public"
                if isinstance(network, AciPublicNetwork)
                else "Private"
                if isinstance(network, AciPrivateNetwork)
                else "None"
            ),
            dns_name_label=(
                network.dns_name_label if isinstance(network, AciPublicNetwork) else None
            ),
            dns_name_label_reuse_policy=(
                network.dns_name_label_reuse_policy
                if isinstance(network, AciPublicNetwork) and network.dns_name_label
                else None
            ),
            subnet_ids=[network.subnet_id] if isinstance(network, AciPrivateNetwork) else None,
            tags=dict(props.tags) or None,
            depends_on=self._startup_depends_on([self.runtime_identity]),
        )
        self._order_grants_before()
        self._attach_system_assigned(props.system_assigned)

    # What consumers and outputs need.
    @property
    def fqdn(self) -> str | None:
        network = self.props.network
        if isinstance(network, AciPublicNetwork) and network.dns_name_label:
            return self.resource.fqdn
        return None

    @property
    def ip_address(self) -> str | None:
        return self.resource.ip_address if self.props.network is not None else None

    def _container_block(self, spec: AciContainerSpec) -> container_group.ContainerGroupContainer:
        env = {**spec.env, **self.runtime_env()}
        ports = [_port(p) for p in spec.ports]
        return container_group.ContainerGroupContainer(
            name=spec.name,
            image=spec.image,
            cpu=spec.cpu,
            memory=spec.memory_gb,
            ports=[
                container_group.ContainerGroupContainerPorts(port=p.port, protocol=p.protocol)
                for p in ports
            ]
            or None,
            environment_variables=env or None,
            commands=list(spec.commands) or None,
        )


def _port(port: int | AciPort) -> AciPort:
    return port if isinstance(port, AciPort) else AciPort(port=port)


def registry_network(
    registry: RegistryRef | container_registry.ContainerRegistry,
) -> tuple[bool, bool | None]:
    """(network_restricted, trusted_services_bypass) of a registry; the bypass is
    None when it cannot be known at synth time."""
    if isinstance(registry, RegistryRef):
        return registry.network_restricted, registry.trusted_services_bypass
    restricted = registry.public_network_access_enabled_input is False
    rules = registry.network_rule_set_input
    if isinstance(rules, list):
        for rule in rules:
            action = rule.get("default_action") if isinstance(rule, dict) else None
            action = action or getattr(rule, "default_action", None)
            if action == "Deny":
                restricted = True
    option = registry.network_rule_bypass_option_input
    if option is None:
        bypass: bool | None = True  # the provider's default is AzureServices
    elif isinstance(option, str) and not is_token(option):
        bypass = option == "AzureServices"
    else:
        bypass = None
    return restricted, bypass


def _validate(path: str | ChildPath, props: ContainerInstanceFromAcrProps) -> None:
    check_name(CONTAINER_GROUP, props.name, path)
    enforce(path, props)
    windows = props.os_type == "Windows"
    refuse_system_pull(
        path,
        "aci-pull-system-assigned",
        props.pull_identity,
        problem="Azure Container Instances does not pull images with a system-assigned identity "
        + ("on Windows " if windows else "")
        + "(the deployment fails with InvalidImageRegistryIdentity; the identity would "
        "also only exist once the group exists, too late to be granted AcrPull).",
        fix="Leave pull_identity unset (a pull-only user-assigned identity is created) or pass a "
        "UserAssignedIdentity. For the code's own use, set system_assigned=True instead.",
    )
    if props.registry is None:
        raise KitValidationError(
            path,
            "aci-registry-missing",
            "No registry to pull from.",
            "Set registry to a ContainerRegistry or RegistryRef.existing(...).",
        )
    check_registry(path, props.registry)
    _validate_containers(path, props)
    images = {spec.name: spec.image for spec in props.containers}
    check_image_registry(path, props.registry.login_server, images)
    _validate_network(path, props, windows)


def _validate_containers(path: str | ChildPath, props: ContainerInstanceFromAcrProps) -> None:
    if not props.containers:
        raise KitValidationError(
            path,
            "aci-containers-missing",
            "The container group has no containers.",
            "Add at least one AciContainerSpec.",
        )
    if props.os_type == "Windows" and len(props.containers) > 1:
        raise KitValidationError(
            path,
            "aci-windows-single-container",
            f"A Windows container group holds exactly one container; {len(props.containers)} "
            "were given.",
            "Deploy one container per Windows group, or use Linux for a multi-container group.",
        )
    seen: set[str] = set()
    for spec in props.containers:
        check_name(CONTAINER_GROUP_CONTAINER, spec.name, path)
        if spec.name in seen:
            raise KitValidationError(
                path,
                "aci-container-name-duplicate",
                f"Two containers are named '{spec.name}'.",
                "Give each container in the group its own name.",
            )
        seen.add(spec.name)
        if not isinstance(spec.image, str) or not spec.image.strip():
            raise KitValidationError(
                path,
                "aci-image-empty",
                f"Container '{spec.name}' has an empty image.",
                "Set image to a full reference such as '<registry>.azurecr.io/worker:1.0.0'.",
            )
        refuse_client_id_override(
            path,
            "aci-azure-client-id-conflict",
            f"Container '{spec.name}'",
            spec.env,
            props.runtime_identity,
        )


def _validate_network(
    path: str | ChildPath, props: ContainerInstanceFromAcrProps, windows: bool
) -> None:
    network = props.network
    if isinstance(network, AciPublicNetwork) and network.dns_name_label is not None:
        check_name(ACI_DNS_LABEL, network.dns_name_label, path)
    if isinstance(network, AciPrivateNetwork):
        if not network.subnet_id:
            raise KitValidationError(
                path,
                "aci-private-subnet-missing",
                "A private container group needs a subnet, and none was given.",
                f"Pass the ID of a subnet delegated to {ACI_SUBNET_DELEGATION}.",
            )
        if windows:
            raise KitValidationError(
                path,
                "aci-windows-vnet",
                "A Windows container group cannot be deployed into a virtual network.",
                "Use os_type='Linux' for a private group, or a public network for Windows.",
            )

    restricted, bypass = registry_network(props.registry)
    if restricted and bypass is not True:
        state = "turned off" if bypass is False else "not known to be on"
        raise KitValidationError(
            path,
            "acr-trusted-services-bypass",
            "The registry is network-restricted and its trusted-services bypass is "
            f"{state}, so Azure Container Instances cannot pull from it with a managed identity.",
            "Set network_rule_bypass_option = 'AzureServices' on the registry (for a RegistryRef, "
            "and then say trusted_services_bypass=True).",
        )
    if restricted and not isinstance(network, AciPrivateNetwork):
        raise KitValidationError(
            path,
            "aci-restricted-registry-public",
            "The registry is network-restricted (reachable through a private endpoint), but the "
            "container group is not in a virtual network; its image pull would not reach it.",
            "Set network=AciPrivateNetwork(subnet_id=...) with a subnet that can reach the "
            "registry's private endpoint.",
        )
