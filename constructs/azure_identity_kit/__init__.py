"""cdktf constructs for Azure workloads that use managed identities, not secrets."""

from .acr_pull_binding import ACR_PULL, AcrPullBinding, RegistryRef
from .container_app import (
    SYSTEM_ASSIGNED,
    ContainerAppWithIdentity,
    ContainerAppWithIdentityProps,
    ContainerSpec,
    IngressSpec,
)
from .errors import KitValidationError
from .identity import (
    PRINCIPAL_TYPE,
    ExistingUserAssignedIdentity,
    Grant,
    GrantTarget,
    ManagedIdentities,
    SystemAssignedIdentity,
    UserAssignedIdentity,
    UserAssignedIdentityProps,
    grant,
)
from .key_vault import RbacKeyVault, RbacKeyVaultProps
from .registry import IdentityOnlyRegistry, IdentityOnlyRegistryProps
from .storage import IdentityOnlyStorage, IdentityOnlyStorageProps

__all__ = [
    "ACR_PULL",
    "PRINCIPAL_TYPE",
    "RegistryRef",
    "SYSTEM_ASSIGNED",
    "AcrPullBinding",
    "ContainerAppWithIdentity",
    "ContainerAppWithIdentityProps",
    "ContainerSpec",
    "ExistingUserAssignedIdentity",
    "Grant",
    "GrantTarget",
    "IdentityOnlyRegistry",
    "IdentityOnlyRegistryProps",
    "IdentityOnlyStorage",
    "IdentityOnlyStorageProps",
    "IngressSpec",
    "KitValidationError",
    "ManagedIdentities",
    "RbacKeyVault",
    "RbacKeyVaultProps",
    "SystemAssignedIdentity",
    "UserAssignedIdentity",
    "UserAssignedIdentityProps",
    "grant",
]
