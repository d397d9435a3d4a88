"""A storage account whose data is reached by Entra ID identities, not keys."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from ._cdktf import Construct
from .azurerm import storage_account, storage_container
from .constraints import OneOf, Range, checked, enforce, provider
from .errors import KitValidationError, child_path
from .identity import Grant, Grantable, GrantTarget, grant_to, network_path_of
from .naming import STORAGE_ACCOUNT, check_name
from .private_link import PrivateEndpointMixin, PrivateLinkService

BLOB_READER = "Storage Blob Data Reader"
BLOB_CONTRIBUTOR = "Storage Blob Data Contributor"
_ACCOUNT = "internal/services/storage/storage_account_resource.go"
REPLICATION_TYPES = ("LRS", "ZRS", "GRS", "RAGRS", "GZRS", "RAGZRS")


@dataclass(frozen=True)
class IdentityOnlyStorageProps:
    name: str
    """Azure name: 3-24 lowercase letters and digits. Convention: `st<workload><env>`."""
    resource_group_name: str
    """Resource group of the account."""
    location: str
    """Azure region of the account."""
    replication_type: str = checked(
        OneOf(
            "storage-replication",
            provider(_ACCOUNT, "account_replication_type StringInSlice"),
            values=REPLICATION_TYPES,
        ),
        default="LRS",
    )
    """LRS, ZRS, GRS, RAGRS, GZRS or RAGZRS. Default: LRS."""
    blob_versioning: bool = False
    """Keep every earlier version of each blob (e.g. for Terraform state). Default: off."""
    soft_delete_days: int = checked(
        Range(
            "storage-retention-days",
            provider(_ACCOUNT, "blob_properties delete_retention_policy days IntBetween(1, 365)"),
            low=1,
            high=365,
        ),
        default=7,
    )
    """Days a deleted blob or container stays recoverable (soft delete), 1-365. Default: 7."""
    tags: Mapping[str, str] = field(default_factory=dict)
    """Tags on the account. Default: none."""


class IdentityOnlyStorage(PrivateEndpointMixin, Construct):
    """`azurerm_storage_account` with shared-key access off and OAuth by default.

    Terraform then manages blob containers through Entra ID too, which is why
    the stacks' provider sets `storage_use_azuread = true`.
    """

    # Besides blob: one endpoint and DNS zone per storage service
    # (https://learn.microsoft.com/azure/storage/common/storage-private-endpoints).
    other_subresources = ("queue", "table", "file", "dfs")
    props: IdentityOnlyStorageProps

    def __init__(
        self, scope: Construct, construct_id: str, props: IdentityOnlyStorageProps
    ) -> None:
        path = child_path(scope, construct_id)
        check_name(STORAGE_ACCOUNT, props.name, path)
        enforce(path, props)
        super().__init__(scope, construct_id)
        self.props = props
        self.resource = storage_account.StorageAccount(
            self,
            "account",
            name=props.name,
            resource_group_name=props.resource_group_name,
            location=props.location,
            account_tier="Standard",
            account_replication_type=props.replication_type,
            shared_access_key_enabled=False,
            default_to_oauth_authentication=True,
            allow_nested_items_to_be_public=False,
            min_tls_version="TLS1_2",
            blob_properties=storage_account.StorageAccountBlobProperties(
                versioning_enabled=True if props.blob_versioning else None,
                delete_retention_policy=storage_account.StorageAccountBlobPropertiesDeleteRetentionPolicy(
                    days=props.soft_delete_days
                ),
                container_delete_retention_policy=(
                    storage_account.StorageAccountBlobPropertiesContainerDeleteRetentionPolicy(
                        days=props.soft_delete_days
                    )
                ),
            ),
            tags=dict(props.tags) or None,
        )
        self.network = network_path_of(self.resource)
        self.target = GrantTarget(
            name=construct_id, resource_id=self.resource.id, network=self.network
        )
        self.containers: dict[str, storage_container.StorageContainer] = {}
        self._container_targets: dict[str, GrantTarget] = {}
        self.private_link = PrivateLinkService(
            name=props.name, resource_id=self.resource.id, subresource="blob", network=self.network
        )

    def _restrict_public_access(self) -> None:
        # Blob containers stay manageable by Terraform: with storage_account_id
        # they are created through Azure Resource Manager, not the data plane.
        self.resource.public_network_access_enabled = False
        self.resource.put_network_rules(default_action="Deny", bypass=["None"])

    def add_container(self, name: str) -> GrantTarget:
        """A private blob container; returns it as a grant target (the narrowest
        scope for blob data roles)."""
        if not name or name in self.containers:
            raise KitValidationError(
                child_path(self, f"container-{name}"),
                "storage-container-name",
                f"Blob container name '{name}' is empty or used twice.",
                "Give each container a unique, non-empty name.",
            )
        container = storage_container.StorageContainer(
            self,
            f"container-{name}",
            name=name,
            storage_account_id=self.resource.id,
            container_access_type="private",
        )
        self.containers[name] = container
        return self._container_target(name)

    def grant_blob_read(
        self,
        grantee: Grantable,
        *,
        container: str | None = None,
        description: str | None = None,
    ) -> Grant:
        """Read blobs ('Storage Blob Data Reader') in one container added with
        add_container (the narrowest scope), or the whole account if None."""
        target = self._blob_scope(container)
        return grant_to(self, grantee, BLOB_READER, target, description=description)

    def grant_blob_write(
        self,
        grantee: Grantable,
        *,
        container: str | None = None,
        description: str | None = None,
    ) -> Grant:
        """Read, write and delete blobs ('Storage Blob Data Contributor') in one
        container added with add_container, or the whole account if None."""
        target = self._blob_scope(container)
        return grant_to(self, grantee, BLOB_CONTRIBUTOR, target, description=description)

    def _container_target(self, name: str) -> GrantTarget:
        """One target per container, made once: reading the construct ID and the
        container's ID are jsii round trips, and every grant on it needs them."""
        target = self._container_targets.get(name)
        if target is None:
            target = self._container_targets[name] = GrantTarget(
                name=f"{self.node.id}-{name}",
                resource_id=self.containers[name].id,
                network=self.network,
            )
        return target

    def _blob_scope(self, container: str | None) -> GrantTarget:
        if container is None:
            return self.target
        if container not in self.containers:
            raise KitValidationError(
                self.node.path,
                "storage-container-unknown",
                f"There is no blob container '{container}' in this account "
                f"(known: {', '.join(sorted(self.containers)) or 'none'}).",
                "Add it first with add_container(name), or pass container=None for the account.",
            )
        return self._container_target(container)
