"""The registry, vault and storage building blocks, and the naming rules."""

from __future__ import annotations

import pytest
from azure_identity_kit import (
    IdentityOnlyRegistry,
    IdentityOnlyRegistryProps,
    IdentityOnlyStorage,
    IdentityOnlyStorageProps,
    KitValidationError,
    RbacKeyVault,
    RbacKeyVaultProps,
    UserAssignedIdentity,
    UserAssignedIdentityProps,
)
from support import new_stack, only, synth


def _registry(stack, name="crappdev", **extra):
    props = IdentityOnlyRegistryProps(
        name=name, resource_group_name="rg", location="westeurope", **extra
    )
    return IdentityOnlyRegistry(stack, "registry", props)


def _vault(stack, name="kv-app-dev", **extra):
    props = RbacKeyVaultProps(
        name=name,
        resource_group_name="rg",
        location="westeurope",
        tenant_id="cccccccc-0000-4000-8000-000000000003",
        **extra,
    )
    return RbacKeyVault(stack, "vault", props)


def _storage(stack, name="stappdev", **extra):
    props = IdentityOnlyStorageProps(
        name=name, resource_group_name="rg", location="westeurope", **extra
    )
    return IdentityOnlyStorage(stack, "storage", props)


@pytest.mark.parametrize("variant", ["minimal", "full"])
def test_snapshots(variant, snapshot_json):
    stack = new_stack()
    if variant == "minimal":
        _registry(stack)
        _vault(stack)
        _storage(stack)
    else:
        _registry(stack, sku="Premium", tags={"t": "1"})
        _vault(stack, sku_name="premium", soft_delete_retention_days=7, tags={"t": "1"})
        storage = _storage(stack, replication_type="ZRS", tags={"t": "1"})
        storage.add_container("data")
        storage.add_container("results")
    assert synth(stack) == snapshot_json


def test_no_keys_or_admin_users_by_construction():
    stack = new_stack()
    _registry(stack)
    _vault(stack)
    _storage(stack).add_container("data")
    doc = synth(stack)
    registry = only(doc, "azurerm_container_registry")[1]
    assert registry["admin_enabled"] is False, "ACR admin user is a shared password"
    assert registry["anonymous_pull_enabled"] is False
    vault = only(doc, "azurerm_key_vault")[1]
    assert vault["rbac_authorization_enabled"] is True and "access_policy" not in vault
    account = only(doc, "azurerm_storage_account")[1]
    assert account["shared_access_key_enabled"] is False
    assert account["default_to_oauth_authentication"] is True
    container = only(doc, "azurerm_storage_container")[1]
    assert container["container_access_type"] == "private"


def test_container_target_is_the_container_not_the_account():
    stack = new_stack()
    storage = _storage(stack)
    target = storage.add_container("data")
    assert target.name == "storage-data"
    identity = UserAssignedIdentity(stack, "reader", UserAssignedIdentityProps("id-r", "rg", "x"))
    identity.grant("Storage Blob Data Reader", target)
    doc = synth(stack)
    container_key, _ = only(doc, "azurerm_storage_container")
    _, assignment = only(doc, "azurerm_role_assignment")
    assert assignment["scope"] == "${azurerm_storage_container." + container_key + ".id}"
    with pytest.raises(KitValidationError, match="storage-container-name"):
        storage.add_container("data")


@pytest.mark.parametrize(
    ("build", "name", "rule", "path"),
    [
        (_registry, "cr-app", "name-container-registry", "test/registry"),
        (_registry, "cr1", "name-container-registry", "test/registry"),
        (_registry, "c" * 51, "name-container-registry", "test/registry"),
        (_vault, "kv", "name-key-vault", "test/vault"),
        (_vault, "kv-" + "x" * 22, "name-key-vault", "test/vault"),
        (_vault, "1kv-app", "name-key-vault", "test/vault"),
        (_vault, "kv--app", "name-key-vault", "test/vault"),
        (_storage, "st-app", "name-storage-account", "test/storage"),
        (_storage, "StApp", "name-storage-account", "test/storage"),
        (_storage, "", "name-storage-account", "test/storage"),
    ],
)
def test_bad_names_are_refused(build, name, rule, path):
    stack = new_stack()
    with pytest.raises(KitValidationError) as error:
        build(stack, name)
    assert str(error.value).startswith(f"{path}: [{rule}]"), str(error.value)


@pytest.mark.parametrize("name", ["id", "x" * 129, "-id-app", "id app"])
def test_bad_identity_names_are_refused(name):
    stack = new_stack()
    with pytest.raises(KitValidationError) as error:
        UserAssignedIdentity(stack, "me", UserAssignedIdentityProps(name, "rg", "westeurope"))
    assert str(error.value).startswith("test/me: [name-user-assigned-identity]")


def test_boundary_names_are_accepted():
    stack = new_stack()
    UserAssignedIdentity(stack, "a", UserAssignedIdentityProps("id1", "rg", "westeurope"))
    UserAssignedIdentity(stack, "b", UserAssignedIdentityProps("i" * 128, "rg", "westeurope"))
    _registry(stack, "c" * 50)
    _vault(stack, "k" * 24)
    _storage(stack, "s" * 24)
