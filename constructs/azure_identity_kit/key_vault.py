"""A Key Vault that grants access by Azure RBAC only."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from ._cdktf import Construct
from .azurerm import key_vault
from .constraints import OneOf, Range, checked, constrained, enforce, provider
from .constraints.common import guid
from .errors import child_path
from .identity import Grant, Grantable, GrantTarget, grant_to, network_path_of
from .naming import KEY_VAULT, check_name
from .private_link import PrivateEndpointMixin, PrivateLinkService

SECRETS_USER = "Key Vault Secrets User"
_VAULT = "internal/services/keyvault/key_vault_resource.go"


@dataclass(frozen=True)
class RbacKeyVaultProps:
    name: str
    """Azure name: 3-24 characters. Convention: `kv-<workload>-<env>`."""
    resource_group_name: str
    """Resource group of the vault."""
    location: str
    """Azure region of the vault."""
    tenant_id: str = field(
        metadata=constrained(guid("keyvault-tenant-id", provider(_VAULT, "tenant_id IsUUID")))
    )
    """The Entra tenant ID (a GUID; usually `client_config.tenant_id`)."""
    sku_name: str = checked(
        OneOf(
            "keyvault-sku",
            provider(_VAULT, "sku_name StringInSlice"),
            values=("standard", "premium"),
        ),
        default="standard",
    )
    """standard or premium (lowercase). Default: standard."""
    soft_delete_retention_days: int = checked(
        Range(
            "keyvault-retention-days",
            provider(_VAULT, "soft_delete_retention_days IntBetween(7, 90)"),
            low=7,
            high=90,
        ),
        default=90,
    )
    """Days a deleted vault or secret stays recoverable, 7-90. Default: 90 (the maximum)."""
    purge_protection_enabled: bool = True
    """Forbid purging before retention ends. Default: on."""
    tags: Mapping[str, str] = field(default_factory=dict)
    """Tags on the vault. Default: none."""


class RbacKeyVault(PrivateEndpointMixin, Construct):
    """`azurerm_key_vault` with RBAC authorization instead of access policies, so
    access is a role assignment like every other grant in the kit.
    `add_private_endpoint()` makes it private."""

    props: RbacKeyVaultProps

    def __init__(self, scope: Construct, construct_id: str, props: RbacKeyVaultProps) -> None:
        path = child_path(scope, construct_id)
        check_name(KEY_VAULT, props.name, path)
        enforce(path, props)
        super().__init__(scope, construct_id)
        self.props = props
        self.resource = key_vault.KeyVault(
            self,
            "vault",
            name=props.name,
            resource_group_name=props.resource_group_name,
            location=props.location,
            tenant_id=props.tenant_id,
            sku_name=props.sku_name,
            rbac_authorization_enabled=True,
            purge_protection_enabled=props.purge_protection_enabled,
            soft_delete_retention_days=props.soft_delete_retention_days,
            tags=dict(props.tags) or None,
        )
        network = network_path_of(self.resource)
        self.target = GrantTarget(name=construct_id, resource_id=self.resource.id, network=network)
        self.private_link = PrivateLinkService(
            name=props.name, resource_id=self.resource.id, subresource="vault", network=network
        )

    def grant_secrets_read(self, grantee: Grantable, *, description: str | None = None) -> Grant:
        """Read secret values ('Key Vault Secrets User' on this vault): what a Key
        Vault reference or a SecretClient needs, and nothing that lists or writes."""
        return grant_to(self, grantee, SECRETS_USER, self.target, description=description)

    def _restrict_public_access(self) -> None:
        # No trusted-services bypass: Container Apps reads Key Vault references
        # through the private endpoint of its VNet, and is no trusted service.
        self.resource.public_network_access_enabled = False
        self.resource.put_network_acls(default_action="Deny", bypass="None")
