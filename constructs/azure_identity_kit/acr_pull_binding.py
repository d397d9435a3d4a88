"""AcrPull on one registry for one identity: the permission an image pull by
managed identity needs, and the handle a workload must depend on."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from ._cdktf import Construct, TerraformResource, is_token
from .azurerm import container_registry
from .errors import ChildPath, KitValidationError
from .identity import (
    AnyUserAssignedIdentity,
    Grant,
    GrantTarget,
    NetworkPath,
    grant,
    network_path_of,
)

ACR_PULL = "AcrPull"
# Login servers of Azure Container Registry in every cloud (public, China, US Gov).
_ACR_HOST = re.compile(r"\.azurecr\.(io|cn|us)$")


@dataclass(frozen=True)
class RegistryRef:
    """A registry to pull from: one in this stack, or an existing one."""

    name: str
    """Stable label for construct IDs (not necessarily the Azure name)."""
    resource_id: str
    """The registry's resource ID: the AcrPull scope."""
    login_server: str
    """The registry's login server, e.g. `crshared.azurecr.io`: images must start with it."""
    network_restricted: bool = False
    """Registry reachable only through private endpoints. Default: False."""
    trusted_services_bypass: bool | None = None
    """Whether `network_rule_bypass_option = "AzureServices"` is set; None when unknown."""
    network: NetworkPath | None = field(default=None, compare=False, repr=False)
    """The registry's private endpoint and DNS, which a pull must wait for as well as for
    AcrPull (IdentityOnlyRegistry sets it). Default: None."""

    @staticmethod
    def of(registry: container_registry.ContainerRegistry) -> RegistryRef:
        return RegistryRef(
            name=registry.node.id,
            resource_id=registry.id,
            login_server=registry.login_server,
            network=network_path_of(registry),
        )

    @staticmethod
    def existing(name: str, resource_id: str, login_server: str) -> RegistryRef:
        return RegistryRef(name=name, resource_id=resource_id, login_server=login_server)

    @property
    def target(self) -> GrantTarget:
        """The registry as the scope of AcrPull."""
        return GrantTarget(name=self.name, resource_id=self.resource_id, network=self.network)


def check_registry(path: str | ChildPath, registry: object) -> None:
    """A workload's `registry` is a RegistryRef or an azurerm ContainerRegistry (or None);
    anything else, such as the kit's IdentityOnlyRegistry itself, is refused by name
    instead of failing later on a missing attribute."""
    if registry is None or isinstance(registry, RegistryRef | container_registry.ContainerRegistry):
        return
    has_ref = isinstance(getattr(registry, "ref", None), RegistryRef)
    what = "its .ref" if has_ref else "RegistryRef.existing(name, resource_id, login_server)"
    raise KitValidationError(
        path,
        "registry-type",
        f"registry is a {type(registry).__name__}, not a RegistryRef or a ContainerRegistry.",
        f"Pass {what} as registry.",
    )


def check_image_registry(
    path: str | ChildPath, login_server: str, images: Mapping[str, str]
) -> None:
    """Refuse an image (container name -> image) from another Azure Container
    Registry: the workload's registry credential, its pull identity, is for
    `login_server` only, so that pull has no credentials and the revision or
    group fails to start. Only when both are literals (a token may resolve to
    anything), and only for ACR hosts: other registries may serve public images
    anonymously."""
    if is_token(login_server):
        return
    for container, image in images.items():
        host = image.split("/", 1)[0].lower() if "/" in image else ""
        if _ACR_HOST.search(host) and host != login_server.lower() and not is_token(image):
            raise KitValidationError(
                path,
                "image-registry-mismatch",
                f"Container '{container}' pulls '{image}' from {host}, but its pull identity is "
                f"bound to '{login_server}' only: that pull has no credentials.",
                f"Use an image from {login_server}, import the image into it (az acr import), "
                "or set registry to the image's registry.",
            )


class AcrPullBinding(Construct):
    """Grants AcrPull, scoped to one registry, to one user-assigned identity.

    Only user-assigned identities are accepted on purpose: they exist before the
    workload, so the grant can exist before the workload's first pull.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        identity: AnyUserAssignedIdentity,
        registry: RegistryRef | container_registry.ContainerRegistry,
    ) -> None:
        super().__init__(scope, construct_id)
        self.registry = registry if isinstance(registry, RegistryRef) else RegistryRef.of(registry)
        self.identity = identity
        self.grant: Grant = grant(
            self,
            identity,
            ACR_PULL,
            self.registry.target,
            description=f"Image pulls from registry '{self.registry.name}' by {identity.label}",
        )
        identity.grants.append(self.grant)

    @property
    def role_assignment(self) -> TerraformResource:
        return self.grant.role_assignment

    @property
    def login_server(self) -> str:
        return self.registry.login_server

    def apply_before(self, *resources: TerraformResource) -> None:
        """Make each resource wait until the pull permission exists."""
        self.grant.apply_before(*resources)
