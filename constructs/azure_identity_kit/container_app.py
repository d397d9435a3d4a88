"""A Container App whose image pulls and runtime access go through managed
identities, in the order Azure needs them."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal

from ._cdktf import Construct
from .acr_pull_binding import AcrPullBinding, RegistryRef
from .azurerm import container_app, container_registry
from .errors import KitValidationError, child_path
from .identity import (
    AnyUserAssignedIdentity,
    Grant,
    GrantTarget,
    ManagedIdentities,
    SystemAssignedIdentity,
    UserAssignedIdentity,
    UserAssignedIdentityProps,
    add_depends_on,
)
from .naming import CONTAINER_APP, check_name

SYSTEM_ASSIGNED = "SystemAssigned"
AZURE_CLIENT_ID = "AZURE_CLIENT_ID"


@dataclass(frozen=True)
class ContainerSpec:
    name: str
    image: str
    """Full image reference, e.g. f"{registry.login_server}/api:1.4.2". Must not be empty."""
    cpu: float = 0.25
    """vCPU. Default: 0.25 (pairs with 0.5Gi on the consumption plan)."""
    memory: str = "0.5Gi"
    """Memory. Default: 0.5Gi."""
    env: Mapping[str, str] = field(default_factory=dict)
    """Plain environment variables; AZURE_CLIENT_ID is set by the construct. Default: none."""
    args: Sequence[str] = ()
    command: Sequence[str] = ()


@dataclass(frozen=True)
class IngressSpec:
    target_port: int
    external: bool = True
    """Reachable from outside the environment. Default: True."""


@dataclass(frozen=True)
class ContainerAppWithIdentityProps:
    name: str
    """Azure name: 2-32 lowercase letters, digits and '-'. Convention: `ca-<workload>-<env>`."""
    resource_group_name: str
    location: str
    """Location for identities the construct creates (the app follows its environment)."""
    container_app_environment_id: str
    containers: Sequence[ContainerSpec]
    registry: RegistryRef | container_registry.ContainerRegistry | None = None
    """ACR to pull images from. Default: none (public images, no pull identity)."""
    pull_identity: AnyUserAssignedIdentity | Literal["SystemAssigned"] | None = None
    """Identity for image pulls. Default: a new identity `id-<name>-pull` used for nothing else.
    A system-assigned identity is refused: it cannot be granted AcrPull before the app exists."""
    pull_identity_name: str | None = None
    """Azure name of the pull identity when the construct creates it. Default: `id-<name>-pull`."""
    runtime_identity: AnyUserAssignedIdentity | None = None
    """Identity the app's code uses; its client ID becomes AZURE_CLIENT_ID. Default: none."""
    system_assigned: bool = False
    """Also give the app a system-assigned identity. Default: off."""
    user_assigned: Sequence[AnyUserAssignedIdentity] = ()
    """Further user-assigned identities to attach. Default: none."""
    ingress: IngressSpec | None = None
    """HTTP ingress. Default: none (no FQDN)."""
    min_replicas: int = 0
    max_replicas: int = 1
    revision_mode: str = "Single"
    workload_profile_name: str | None = None
    tags: Mapping[str, str] = field(default_factory=dict)


class ContainerAppWithIdentity(Construct):
    """`azurerm_container_app` with identity-based pulls and grants.

    The pull always goes through a user-assigned identity with an AcrPull
    binding, and the app `depends_on` that role assignment, so the first
    revision never pulls before the permission exists. (A system-assigned
    identity can only be granted after the app exists; the first pull then
    hangs for 10-15 minutes and ends in "Operation expired".)
    """

    def __init__(self, scope: Construct, construct_id: str, props: ContainerAppWithIdentityProps):
        path = child_path(scope, construct_id)
        _validate(path, props)
        super().__init__(scope, construct_id)
        self.props = props

        self.pull_identity: AnyUserAssignedIdentity | None = None
        self.acr_pull: AcrPullBinding | None = None
        if props.registry is not None:
            self.pull_identity = props.pull_identity or UserAssignedIdentity(  # type: ignore[assignment]
                self,
                "pull-identity",
                UserAssignedIdentityProps(
                    name=props.pull_identity_name or f"id-{props.name}-pull",
                    resource_group_name=props.resource_group_name,
                    location=props.location,
                    tags=props.tags,
                ),
            )
            self.acr_pull = AcrPullBinding(
                self, "acr-pull", identity=self.pull_identity, registry=props.registry
            )
        self.runtime_identity = props.runtime_identity

        attached: list[AnyUserAssignedIdentity] = []
        for identity in (self.pull_identity, self.runtime_identity, *props.user_assigned):
            if identity is not None and all(identity is not seen for seen in attached):
                attached.append(identity)
        self.identities = ManagedIdentities(props.system_assigned, tuple(attached))

        self.resource = container_app.ContainerApp(
            self,
            "app",
            name=props.name,
            resource_group_name=props.resource_group_name,
            container_app_environment_id=props.container_app_environment_id,
            revision_mode=props.revision_mode,
            workload_profile_name=props.workload_profile_name,
            identity=self.identities.render(container_app.ContainerAppIdentity),
            registry=self._registry_blocks(),
            ingress=self._ingress_block(),
            template=container_app.ContainerAppTemplate(
                min_replicas=props.min_replicas,
                max_replicas=props.max_replicas,
                container=[self._container_block(spec) for spec in props.containers],
            ),
            tags=dict(props.tags) or None,
        )
        if self.acr_pull is not None:
            self.acr_pull.apply_before(self.resource)
        if self.runtime_identity is not None and self.runtime_identity.grants:
            add_depends_on(self.resource, [g.role_assignment for g in self.runtime_identity.grants])

        self.system_assigned_identity = (
            SystemAssignedIdentity(self, self.resource.identity.principal_id)
            if props.system_assigned
            else None
        )

    # What consumers and outputs need.
    @property
    def system_principal_id(self) -> str | None:
        return self.system_assigned_identity.principal_id if self.system_assigned_identity else None

    @property
    def fqdn(self) -> str | None:
        return self.resource.ingress.fqdn if self.props.ingress else None

    def grant(
        self,
        role_definition_id_or_name: str,
        target: GrantTarget,
        *,
        description: str | None = None,
    ) -> Grant:
        """Grant the identity the app's code uses: the runtime identity, else the
        system-assigned one. A user-assigned grant is ordered before the app."""
        if self.runtime_identity is not None:
            result = self.runtime_identity.grant(
                role_definition_id_or_name, target, description=description
            )
            result.apply_before(self.resource)
            return result
        if self.system_assigned_identity is not None:
            return self.system_assigned_identity.grant(
                role_definition_id_or_name, target, description=description
            )
        raise KitValidationError(
            self.node.path,
            "grant-no-identity",
            "The app has no runtime identity to grant a role to.",
            "Set runtime_identity (preferred) or system_assigned=True in its props.",
        )

    def _registry_blocks(self) -> list[container_app.ContainerAppRegistry] | None:
        if self.acr_pull is None:
            return None
        return [
            container_app.ContainerAppRegistry(
                server=self.acr_pull.login_server, identity=self.pull_identity.resource_id
            )
        ]

    def _ingress_block(self) -> container_app.ContainerAppIngress | None:
        ingress = self.props.ingress
        if ingress is None:
            return None
        return container_app.ContainerAppIngress(
            target_port=ingress.target_port,
            external_enabled=ingress.external,
            traffic_weight=[
                container_app.ContainerAppIngressTrafficWeight(percentage=100, latest_revision=True)
            ],
        )

    def _container_block(self, spec: ContainerSpec) -> container_app.ContainerAppTemplateContainer:
        env = [
            container_app.ContainerAppTemplateContainerEnv(name=key, value=value)
            for key, value in spec.env.items()
        ]
        if self.runtime_identity is not None:
            env.append(
                container_app.ContainerAppTemplateContainerEnv(
                    name=AZURE_CLIENT_ID, value=self.runtime_identity.client_id
                )
            )
        return container_app.ContainerAppTemplateContainer(
            name=spec.name,
            image=spec.image,
            cpu=spec.cpu,
            memory=spec.memory,
            env=env or None,
            args=list(spec.args) or None,
            command=list(spec.command) or None,
        )


def _validate(path: str, props: ContainerAppWithIdentityProps) -> None:
    check_name(CONTAINER_APP, props.name, path)
    if props.pull_identity == SYSTEM_ASSIGNED or (
        isinstance(props.pull_identity, str) and props.pull_identity.lower().startswith("system")
    ):
        raise KitValidationError(
            path,
            "pull-system-assigned",
            "Image pulls through the system-assigned identity cannot work on first deploy: that "
            "identity only exists once the app exists, so AcrPull cannot be granted before the "
            "first revision pulls (it hangs 10-15 minutes, then fails with 'Operation expired').",
            "Leave pull_identity unset (a pull-only user-assigned identity is created) or pass a "
            "UserAssignedIdentity.",
        )
    if props.pull_identity is not None and props.registry is None:
        raise KitValidationError(
            path,
            "pull-without-registry",
            "A pull identity was given but no registry to pull from.",
            "Set registry (a ContainerRegistry or RegistryRef.existing(...)), or drop pull_identity.",
        )
    if not props.containers:
        raise KitValidationError(
            path,
            "containers-missing",
            "The app has no containers.",
            "Add at least one ContainerSpec.",
        )
    for spec in props.containers:
        if not isinstance(spec.image, str) or not spec.image.strip():
            raise KitValidationError(
                path,
                "image-empty",
                f"Container '{spec.name}' has an empty image.",
                "Set image to a full reference such as '<registry>.azurecr.io/api:1.0.0'.",
            )
        if props.runtime_identity is not None and AZURE_CLIENT_ID in spec.env:
            raise KitValidationError(
                path,
                "azure-client-id-conflict",
                f"Container '{spec.name}' sets {AZURE_CLIENT_ID} itself, but the construct sets it "
                "to the runtime identity's client ID.",
                f"Remove {AZURE_CLIENT_ID} from env.",
            )
