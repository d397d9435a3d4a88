"""The identity and grant core, and AcrPullBinding."""

from __future__ import annotations

import pytest
from azure_identity_kit import (
    AcrPullBinding,
    GrantTarget,
    IdentityOnlyRegistry,
    IdentityOnlyRegistryProps,
    KitValidationError,
    ManagedIdentities,
    RegistryRef,
    UserAssignedIdentity,
    UserAssignedIdentityProps,
)
from azure_identity_kit.azurerm import container_app, resource_group
from support import new_stack, only, ref, resources, synth

RA = "azurerm_role_assignment"
UAI = "azurerm_user_assigned_identity"
VAULT_ID = "/subscriptions/0000/resourceGroups/rg/providers/Microsoft.KeyVault/vaults/kv-x"
QUEUE_ID = (
    "/subscriptions/0000/resourceGroups/rg/providers/Microsoft.Storage/storageAccounts/stjobs"
    "/queueServices/default/queues/jobs"
)


def _identity(stack, construct_id="app-identity", name="id-app-dev"):
    return UserAssignedIdentity(
        stack,
        construct_id,
        UserAssignedIdentityProps(name=name, resource_group_name="rg-app", location="westeurope"),
    )


def test_identity_minimal_snapshot(snapshot_json):
    stack = new_stack()
    _identity(stack)
    assert synth(stack) == snapshot_json


def test_identity_full_snapshot(snapshot_json):
    stack = new_stack()
    identity = UserAssignedIdentity(
        stack,
        "app-identity",
        UserAssignedIdentityProps(
            name="id-app-dev",
            resource_group_name="rg-app",
            location="westeurope",
            tags={"team": "a"},
        ),
    )
    identity.grant("Key Vault Secrets User", GrantTarget("shared-vault", VAULT_ID))
    identity.grant(
        "Storage Queue Data Reader", GrantTarget("jobs-queue", QUEUE_ID), description="reads jobs"
    )
    assert synth(stack) == snapshot_json


@pytest.mark.parametrize(
    ("system", "user_count", "expected"),
    [
        (False, 0, None),
        (True, 0, "SystemAssigned"),
        (False, 2, "UserAssigned"),
        (True, 1, "SystemAssigned, UserAssigned"),
    ],
)
def test_identity_type_string(system, user_count, expected):
    stack = new_stack()
    identities = tuple(_identity(stack, f"id{i}", f"id-app-{i}") for i in range(user_count))
    spec = ManagedIdentities(system_assigned=system, user_assigned=identities)
    assert spec.type == expected, f"system={system}, {user_count} user-assigned -> {expected}"
    block = spec.render(container_app.ContainerAppIdentity)
    if expected is None:
        assert block is None
    else:
        assert block.type == expected
        assert (block.identity_ids is not None) == (user_count > 0)


def test_grant_sets_principal_type_description_and_role_by_name_or_id():
    stack = new_stack()
    identity = _identity(stack)
    identity.grant("Key Vault Secrets User", GrantTarget("vault", VAULT_ID))
    role_id = (
        "/providers/Microsoft.Authorization/roleDefinitions/4633458b-17de-408a-b874-0445c86b69e6"
    )
    identity.grant(role_id, GrantTarget("other-vault", VAULT_ID + "2"))
    doc = synth(stack)
    by_role = {
        ra.get("role_definition_name") or ra.get("role_definition_id"): ra
        for ra in resources(doc, RA).values()
    }
    assert by_role["Key Vault Secrets User"]["principal_type"] == "ServicePrincipal"
    assert "role_definition_id" not in by_role["Key Vault Secrets User"]
    assert by_role[role_id]["role_definition_id"] == role_id, "a role ID goes to role_definition_id"
    assert "role_definition_name" not in by_role[role_id]
    uai_key, _ = only(doc, UAI)
    for ra in by_role.values():
        assert ra["principal_id"] == ref(UAI, uai_key, "principal_id")
        assert ra["description"].startswith(("Key Vault Secrets User", "4633458b")), ra


def test_adding_a_grant_never_renames_another():
    def logical_ids(extra: bool) -> set[str]:
        stack = new_stack()
        identity = _identity(stack)
        if extra:
            identity.grant("AcrPull", GrantTarget("a-registry", "/sub/a"))
        identity.grant("Key Vault Secrets User", GrantTarget("vault", VAULT_ID))
        if extra:
            identity.grant("Storage Blob Data Reader", GrantTarget("z-container", "/sub/z"))
        return set(resources(synth(stack), RA))

    before, after = logical_ids(False), logical_ids(True)
    assert before <= after, f"existing grant renamed: {before - after}"
    assert len(after) == 3


def test_duplicate_grant_is_refused_with_path_and_rule():
    stack = new_stack()
    identity = _identity(stack)
    identity.grant("AcrPull", GrantTarget("registry", "/sub/r"))
    with pytest.raises(KitValidationError) as error:
        identity.grant("AcrPull", GrantTarget("registry", "/sub/r"))
    assert error.value.rule_id == "duplicate-grant"
    assert "test/app-identity/grant-acrpull-on-registry" in str(error.value)


def test_grant_target_label_must_be_literal():
    stack = new_stack()
    identity = _identity(stack)
    rg = resource_group.ResourceGroup(stack, "rg", name="rg-x", location="westeurope")
    with pytest.raises(KitValidationError, match="grant-target-label"):
        identity.grant("Reader", GrantTarget(rg.name, rg.id))


def test_grant_handle_orders_a_consumer_after_the_role_assignment():
    stack = new_stack()
    identity = _identity(stack)
    handle = identity.grant("AcrPull", GrantTarget("registry", "/sub/r"))
    consumer = resource_group.ResourceGroup(stack, "consumer", name="rg-y", location="westeurope")
    handle.apply_before(consumer)
    handle.apply_before(consumer)  # idempotent
    doc = synth(stack)
    ra_key, _ = only(doc, RA)
    assert resources(doc, "azurerm_resource_group")["consumer"]["depends_on"] == [
        f"{RA}.{ra_key}"
    ], "the consumer must depend on the role assignment exactly once"


def test_existing_identity_by_literal_id_is_looked_up():
    stack = new_stack()
    existing = UserAssignedIdentity.from_existing(
        stack,
        "shared",
        "/subscriptions/0000/resourceGroups/rg-shared/providers/Microsoft.ManagedIdentity/"
        "userAssignedIdentities/id-shared",
    )
    existing.grant("AcrPull", GrantTarget("registry", "/sub/r"))
    doc = synth(stack)
    lookup_key, lookup = only({"resource": doc["data"]}, "azurerm_user_assigned_identity")
    assert lookup == {"name": "id-shared", "resource_group_name": "rg-shared"}
    _, assignment = only(doc, RA)
    assert assignment["principal_id"] == (
        "${data.azurerm_user_assigned_identity." + lookup_key + ".principal_id}"
    )


def test_existing_identity_with_ids_needs_no_lookup_and_token_id_needs_ids():
    stack = new_stack()
    rg = resource_group.ResourceGroup(stack, "rg", name="rg-x", location="westeurope")
    given = UserAssignedIdentity.from_existing(
        stack,
        "given",
        rg.id,
        principal_id="11111111-0000-0000-0000-000000000000",
        client_id="bbbbbbbb-0000-4000-8000-000000000002",
    )
    assert given.principal_id == "11111111-0000-0000-0000-000000000000"
    assert "data" not in synth(stack)
    with pytest.raises(KitValidationError, match="existing-identity-id"):
        UserAssignedIdentity.from_existing(stack, "unknown", rg.id)


def _registry(stack):
    return IdentityOnlyRegistry(
        stack,
        "registry",
        IdentityOnlyRegistryProps(name="crappdev", resource_group_name="rg", location="westeurope"),
    )


def test_acr_pull_binding_minimal_snapshot(snapshot_json):
    stack = new_stack()
    binding = AcrPullBinding(
        stack, "pull", identity=_identity(stack), registry=_registry(stack).resource
    )
    assert binding.login_server.startswith("${")
    assert synth(stack) == snapshot_json


def test_acr_pull_binding_full_snapshot(snapshot_json):
    """Existing registry by ID and login server, existing identity with known IDs."""
    stack = new_stack()
    identity = UserAssignedIdentity.from_existing(
        stack,
        "shared",
        "/subscriptions/0/resourceGroups/rg/providers/Microsoft.ManagedIdentity/"
        "userAssignedIdentities/id-shared",
        principal_id="aaaaaaaa-0000-4000-8000-000000000011",
        client_id="bbbbbbbb-0000-4000-8000-000000000012",
    )
    registry = RegistryRef.existing(
        "shared-registry",
        "/subscriptions/0/resourceGroups/rg/providers/Microsoft.ContainerRegistry/registries/crshared",
        "crshared.azurecr.io",
    )
    binding = AcrPullBinding(stack, "pull", identity=identity, registry=registry)
    assert binding.login_server == "crshared.azurecr.io"
    doc = synth(stack)
    _, assignment = only(doc, RA)
    assert assignment["role_definition_name"] == "AcrPull"
    assert assignment["scope"] == registry.resource_id, "AcrPull is scoped to the one registry"
    assert assignment["principal_id"] == "aaaaaaaa-0000-4000-8000-000000000011"
    assert doc == snapshot_json


def test_is_token_agrees_with_cdktf_without_a_round_trip_for_literals():
    from azure_identity_kit._cdktf import Token, is_token

    stack = new_stack()
    rg = resource_group.ResourceGroup(stack, "rg", name="rg-x", location="westeurope")
    values = ["plain", "", "with ${literal} braces", rg.name, f"prefix-{rg.id}"]
    for value in values * 2:  # the second answer for a string is remembered
        assert is_token(value) == Token.is_unresolved(value), value
    assert is_token(rg.name) and not is_token("rg-x")


def test_depends_on_added_later_equals_cdktfs_own_dependable():
    """add_depends_on writes exactly what cdktf's dependable() token resolves to for
    depends_on=[...] given at construction: for a resource, a nested one and a
    data source (issue 11: bare addresses, the same mechanism's result)."""
    from azure_identity_kit._cdktf import Construct
    from azure_identity_kit.azurerm import data_azurerm_client_config
    from azure_identity_kit.identity import add_depends_on

    stack = new_stack()
    nested = Construct(stack, "team")
    targets = [
        resource_group.ResourceGroup(stack, "a", name="rg-a", location="westeurope"),
        resource_group.ResourceGroup(nested, "b", name="rg-b", location="westeurope"),
        data_azurerm_client_config.DataAzurermClientConfig(stack, "current"),
    ]
    at_construction = resource_group.ResourceGroup(
        stack, "first", name="rg-1", location="westeurope", depends_on=targets
    )
    added_later = resource_group.ResourceGroup(stack, "later", name="rg-2", location="westeurope")
    add_depends_on(added_later, targets)
    assert at_construction is not None
    groups = resources(synth(stack), "azurerm_resource_group")
    assert groups["later"]["depends_on"] == groups["first"]["depends_on"]
    assert len(groups["later"]["depends_on"]) == 3
    assert groups["later"]["depends_on"][2] == "data.azurerm_client_config.current"


def test_depends_on_address_type_is_per_class_only_for_generated_classes():
    """The resource type is read once per generated class (its TF_RESOURCE_TYPE);
    cdktf's generic TerraformResource has a type per instance (azapi.py on the
    cdktf toolchain), so two generic resources keep their own types."""
    from azure_identity_kit._cdktf import TerraformResource, depends_on_address, resource_type
    from azure_identity_kit.azapi import AzapiResourceAction
    from azure_identity_kit.azurerm import data_azurerm_client_config
    from azure_identity_kit.identity import add_depends_on

    stack = new_stack()
    generic = [
        TerraformResource(stack, f"generic-{kind}", terraform_resource_type=kind)
        for kind in ("null_resource", "terraform_data")
    ]
    action = AzapiResourceAction(
        stack,
        "action",
        resource_type="Microsoft.App/containerApps@2025-01-01",
        resource_id="/subscriptions/0/x",
        body={"properties": {}},
    )
    typed = [
        resource_group.ResourceGroup(stack, "rg", name="rg-x", location="westeurope"),
        data_azurerm_client_config.DataAzurermClientConfig(stack, "current"),
    ]
    for element in (*generic, action, *typed):
        assert resource_type(element) == element.terraform_resource_type
    assert [depends_on_address(g).split(".")[0] for g in generic] == [
        "null_resource",
        "terraform_data",
    ]
    assert depends_on_address(action).startswith("azapi_resource_action.")
    at_construction = resource_group.ResourceGroup(
        stack, "first", name="rg-1", location="westeurope", depends_on=[*generic, action, *typed]
    )
    later = resource_group.ResourceGroup(stack, "later", name="rg-2", location="westeurope")
    add_depends_on(later, [*generic, action, *typed])
    assert at_construction is not None
    groups = resources(synth(stack), "azurerm_resource_group")
    assert groups["later"]["depends_on"] == groups["first"]["depends_on"]


def test_paths_recorded_at_construction_equal_node_paths():
    """The guard reads kit identities' paths from Python (errors.construct_path):
    each equals the construct's node.path, under a stack, a nested scope, a kit
    workload (its pull identity) and with an ID the constructs library escapes."""
    from azure_identity_kit import ContainerAppWithIdentity, ContainerAppWithIdentityProps
    from azure_identity_kit._cdktf import Construct
    from azure_identity_kit.container_app import ContainerSpec
    from azure_identity_kit.errors import construct_path

    stack = new_stack()
    team = Construct(Construct(stack, "team"), "api")
    identities = [
        _identity(stack, "plain", "id-a"),
        _identity(team, "nested", "id-b"),
        _identity(team, "with/slash", "id-c"),
    ]
    app = ContainerAppWithIdentity(
        team,
        "app",
        ContainerAppWithIdentityProps(
            name="ca-app-dev",
            resource_group_name="rg",
            location="westeurope",
            container_app_environment_id="/subscriptions/0/resourceGroups/rg/providers/Microsoft.App/managedEnvironments/env",
            registry=_registry(stack).ref,
            containers=[ContainerSpec(name="app", image="crappdev.azurecr.io/app:1")],
        ),
    )
    for identity in (*identities, app.pull_identity):
        for construct in (identity, identity.resource):
            assert construct_path(construct) == construct.node.path
    assert construct_path(app.pull_identity.resource) == "test/team/api/app/pull-identity/identity"
    assert construct_path(identities[2]) == "test/team/api/with--slash"
