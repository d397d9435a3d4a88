"""Every risk rule over hand-made `terraform show -json` plans, and the benign cases."""

import pytest
from review_helpers import (
    ACCOUNT,
    CONTAINER,
    CONTRIBUTOR_ID,
    OWNER_ID,
    RG,
    SUB,
    UAI_ID,
    VAULT,
    grant,
    plan,
    rc,
    review,
)

RA = "azurerm_role_assignment.app"


def flags(tmp_path, doc, *args):
    result = review(tmp_path, doc, "--format", "json", *args)
    assert result.code in (0, 1), f"expected a review, got exit {result.code}: {result.err}"
    return result


def assert_flag(result, severity, rule, address):
    assert (rule, address) in result.rules(severity), (
        f"expected a {severity} {rule} flag on {address}, got {sorted(result.rules())}"
    )


def assert_no_flag(result, rule, address=None):
    hits = [r for r in result.rules() if r[0] == rule and address in (None, r[1])]
    assert not hits, f"did not expect {rule} flags, got {hits}"


# --- role assignments ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "role",
    [
        "Owner",
        "Contributor",
        "user access administrator",
        "Role Based Access Control Administrator",
    ],
)
def test_privileged_role_by_name_is_high(tmp_path, role):
    doc = plan(rc(RA, ["create"], None, grant(role, f"{RG}/providers/X.Y/z/w")))
    result = flags(tmp_path, doc)
    assert_flag(result, "high", "privileged-role", RA)
    assert result.code == 1, "a high flag must fail the default --fail-on high"


def test_privileged_role_by_definition_id_is_high(tmp_path):
    after = {"role_definition_id": CONTRIBUTOR_ID, "scope": ACCOUNT, "principal_id": "p"}
    result = flags(tmp_path, plan(rc(RA, ["create"], None, after)))
    assert_flag(result, "high", "privileged-role", RA)
    assert "Contributor" in result.json()["flags"][0]["message"], "message should name the role"


def test_role_changed_to_owner_is_high(tmp_path):
    before = grant("Reader", ACCOUNT) | {"id": "ra-1"}
    after = grant("Owner", ACCOUNT)
    doc = plan(
        rc(
            RA,
            ["delete", "create"],
            before,
            after,
            unknown={"id": True},
            replace_paths=[["role_definition_name"]],
            reason="replace_because_cannot_update",
        )
    )
    assert_flag(flags(tmp_path, doc), "high", "privileged-role", RA)


def test_unchanged_privileged_assignment_is_not_flagged(tmp_path):
    same = grant("Owner", ACCOUNT) | {"id": "ra-1"}
    result = flags(tmp_path, plan(rc(RA, ["no-op"], same, same)))
    assert result.json()["flags"] == [], "a no-op must not be flagged"


def test_scope_widened_from_container_to_resource_group_is_high(tmp_path):
    before = grant("Storage Blob Data Reader", CONTAINER) | {"id": "ra-1"}
    after = grant("Storage Blob Data Reader", RG)
    doc = plan(rc(RA, ["delete", "create"], before, after, replace_paths=[["scope"]]))
    result = flags(tmp_path, doc)
    assert_flag(result, "high", "scope-broader", RA)
    message = next(f["message"] for f in result.json()["flags"] if f["rule"] == "scope-broader")
    assert "sub-resource" in message and "resource group" in message, message


def test_scope_widening_unknown_value_uses_configuration_references(tmp_path):
    before = grant("AcrPull", f"{RG}/providers/Microsoft.ContainerRegistry/registries/a")
    doc = plan(
        rc(RA, ["delete", "create"], before, grant("AcrPull", None), unknown={"scope": True}),
        config_refs={RA: {"scope": ["data.azurerm_subscription.current.id"]}},
    )
    assert_flag(flags(tmp_path, doc), "high", "scope-broader", RA)


def test_new_grant_at_subscription_scope_is_high(tmp_path):
    result = flags(tmp_path, plan(rc(RA, ["create"], None, grant("Reader", SUB))))
    assert_flag(result, "high", "scope-broader", RA)


def test_new_reader_at_resource_group_is_medium(tmp_path):
    result = flags(tmp_path, plan(rc(RA, ["create"], None, grant("Reader", RG))))
    assert_flag(result, "medium", "resource-group-grant", RA)
    assert result.json()["worst"] == "medium", "nothing here is high"
    assert result.code == 0, "a medium flag must not fail the default --fail-on high"


def test_removed_role_assignment_is_medium(tmp_path):
    before = grant("Key Vault Secrets User", VAULT) | {"id": "ra-1"}
    assert_flag(
        flags(tmp_path, plan(rc(RA, ["delete"], before, None))), "medium", "role-removed", RA
    )


# --- identities ------------------------------------------------------------------------------

APP = "azurerm_container_app.web"


@pytest.mark.parametrize(
    "after_identity",
    [[{"type": "UserAssigned", "identity_ids": [UAI_ID]}], []],
    ids=["to-user-assigned", "removed"],
)
def test_system_identity_going_away_is_high(tmp_path, after_identity):
    before = {"name": "web", "identity": [{"type": "SystemAssigned, UserAssigned"}]}
    after = {"name": "web", "identity": after_identity}
    result = flags(tmp_path, plan(rc(APP, ["update"], before, after)))
    assert_flag(result, "high", "system-identity-removed", APP)


def test_system_identity_kept_is_not_flagged(tmp_path):
    before = {"name": "web", "identity": [{"type": "SystemAssigned"}], "tags": {}}
    after = {"name": "web", "identity": [{"type": "SystemAssigned"}], "tags": {"a": "b"}}
    result = flags(tmp_path, plan(rc(APP, ["update"], before, after)))
    assert_no_flag(result, "system-identity-removed")
    assert result.json()["worst"] == "low", "a tag change on an identity-bearing app is low"


def test_replacing_resource_with_system_identity_is_high(tmp_path):
    acr = "azurerm_container_registry.acr"
    before = {"name": "acrold", "identity": [{"type": "SystemAssigned"}], "id": "x"}
    after = {"name": "acrnew", "identity": [{"type": "SystemAssigned"}]}
    doc = plan(rc(acr, ["delete", "create"], before, after, replace_paths=[["name"]]))
    result = flags(tmp_path, doc)
    assert_flag(result, "high", "system-identity-replaced", acr)
    assert_flag(result, "medium", "stateful-replaced", acr)


UAI = "azurerm_user_assigned_identity.app"


def test_user_identity_deleted_while_referenced_by_value_is_high(tmp_path):
    uai = {"id": UAI_ID, "name": "id-app", "principal_id": "p1", "client_id": "c1"}
    app = {"name": "web", "identity": [{"type": "UserAssigned", "identity_ids": [UAI_ID.upper()]}]}
    doc = plan(rc(UAI, ["delete"], uai, None), rc(APP, ["no-op"], app, app))
    result = flags(tmp_path, doc)
    assert_flag(result, "high", "user-identity-in-use", UAI)
    assert APP in next(f["message"] for f in result.json()["flags"] if f["address"] == UAI)


def test_user_identity_replaced_while_referenced_in_configuration_is_high(tmp_path):
    uai = {"id": UAI_ID, "name": "id-app", "location": "westeurope"}
    app = {"name": "web", "registry": [{"server": "acr.azurecr.io", "identity": UAI_ID}]}
    doc = plan(
        rc(
            UAI,
            ["delete", "create"],
            uai,
            {"name": "id-app", "location": "northeurope"},
            unknown={"id": True},
            replace_paths=[["location"]],
        ),
        rc(
            APP,
            ["update"],
            app,
            {"name": "web", "registry": [{"server": "acr.azurecr.io"}]},
            unknown={"registry": [{"identity": True}]},
        ),
        config_refs={APP: {"registry": [f"{UAI}.id", UAI]}},
    )
    result = flags(tmp_path, doc)
    assert_flag(result, "high", "user-identity-in-use", UAI)
    assert_flag(result, "medium", "stateful-replaced", UAI)


def test_user_identity_deleted_with_nothing_referencing_it_is_not_high(tmp_path):
    uai = {"id": UAI_ID, "name": "id-app"}
    result = flags(tmp_path, plan(rc(UAI, ["delete"], uai, None)))
    assert_no_flag(result, "user-identity-in-use")
    assert result.json()["worst"] == "medium", "deleting an unused identity is only medium"


# --- prevent_destroy -------------------------------------------------------------------------


def test_prevent_destroy_from_config_on_delete_is_high(tmp_path):
    kv = "azurerm_key_vault.main"
    (tmp_path / "base.tf.json").write_text(
        '{"resource": {"azurerm_key_vault": {"main": {"name": "kv", '
        '"lifecycle": {"prevent_destroy": true}}}}}'
    )
    doc = plan(
        rc(
            kv,
            ["delete"],
            {"id": VAULT, "name": "kv"},
            None,
            reason="delete_because_no_resource_config",
        )
    )
    with_config = flags(tmp_path, doc, "--config", str(tmp_path / "base.tf.json"))
    assert_flag(with_config, "high", "prevent-destroy", kv)
    without = flags(tmp_path, doc)
    assert_no_flag(without, "prevent-destroy")


# --- registry and credentials ----------------------------------------------------------------

ACR = "azurerm_container_registry.acr"


@pytest.mark.parametrize(
    ("attr", "rule"),
    [("admin_enabled", "acr-admin-user"), ("anonymous_pull_enabled", "acr-anonymous-pull")],
)
def test_registry_admin_or_anonymous_pull_turned_on_is_high(tmp_path, attr, rule):
    before = {"name": "acr", "admin_enabled": False, "anonymous_pull_enabled": False}
    result = flags(tmp_path, plan(rc(ACR, ["update"], before, before | {attr: True})))
    assert_flag(result, "high", rule, ACR)


def test_registry_admin_already_on_is_not_flagged_again(tmp_path):
    before = {"name": "acr", "admin_enabled": True, "tags": {}}
    result = flags(tmp_path, plan(rc(ACR, ["update"], before, before | {"tags": {"a": "b"}})))
    assert_no_flag(result, "acr-admin-user")


def test_container_app_registry_identity_to_password_is_high(tmp_path):
    before = {"registry": [{"server": "acr.azurecr.io", "identity": UAI_ID}]}
    after = {
        "registry": [
            {"server": "acr.azurecr.io", "username": "acr", "password_secret_name": "acr-pw"}
        ]
    }
    assert_flag(
        flags(tmp_path, plan(rc(APP, ["update"], before, after))), "high", "pull-password", APP
    )


def test_container_group_credential_identity_to_password_is_high(tmp_path):
    group = "azurerm_container_group.job"
    cred = {"server": "acr.azurecr.io", "user_assigned_identity_id": UAI_ID}
    before = {"image_registry_credential": [cred]}
    after = {
        "image_registry_credential": [
            {"server": "acr.azurecr.io", "username": "acr", "password": "pw-LEAK-1"}
        ]
    }
    doc = plan(
        rc(
            group,
            ["delete", "create"],
            before,
            after,
            after_sensitive={"image_registry_credential": [{"password": True}]},
        )
    )
    result = flags(tmp_path, doc)
    assert_flag(result, "high", "pull-password", group)
    assert "pw-LEAK-1" not in result.out, "the registry password must never be printed"


def test_container_app_secret_from_key_vault_to_value_is_high(tmp_path):
    kv_ref = "https://kv-app.vault.azure.net/secrets/db"
    before = {"secret": [{"name": "db", "key_vault_secret_id": kv_ref, "identity": UAI_ID}]}
    after = {"secret": [{"name": "db", "value": "s3cr3t-LEAK-2"}]}
    doc = plan(
        rc(
            APP,
            ["update"],
            before,
            after,
            before_sensitive={"secret": True},
            after_sensitive={"secret": True},
        )
    )
    result = flags(tmp_path, doc)
    assert_flag(result, "high", "secret-literal", APP)
    assert "s3cr3t-LEAK-2" not in result.out, "the secret value must never be printed"


# --- stateful replacement and renames --------------------------------------------------------


@pytest.mark.parametrize(
    "address",
    [
        "azurerm_key_vault.main",
        "azurerm_storage_account.data",
        "azurerm_linux_virtual_machine.vm",
        "azurerm_cosmosdb_account.cosmos",
        "azurerm_mssql_server.sql",
        "azurerm_mssql_database.app",
    ],
)
def test_stateful_replacement_is_medium(tmp_path, address):
    doc = plan(
        rc(
            address,
            ["create", "delete"],
            {"name": "a", "id": "x"},
            {"name": "b"},
            replace_paths=[["name"]],
            reason="replace_because_cannot_update",
        )
    )
    result = flags(tmp_path, doc)
    assert_flag(result, "medium", "stateful-replaced", address)
    change = result.json()["changes"][0]
    assert change["action"] == "replace" and change["replace_paths"] == ["name"], change
    assert change["reason"] == "replace_because_cannot_update", change


def test_rename_without_moved_block_in_plan_is_medium(tmp_path):
    old, new = "azurerm_storage_account.old", "azurerm_storage_account.new"
    attrs = {"name": "stapp", "location": "westeurope", "account_tier": "Standard"}
    doc = plan(
        rc(old, ["delete"], attrs | {"id": ACCOUNT}, None),
        rc(new, ["create"], None, attrs, unknown={"id": True}),
    )
    result = flags(tmp_path, doc)
    assert_flag(result, "medium", "moved-without-block", new)
    assert_flag(result, "medium", "stateful-replaced", new)
    text = review(tmp_path, doc).out
    assert "no `moved` block → destroy and create" in text, text


def test_move_with_moved_block_is_low(tmp_path):
    new = "azurerm_storage_account.new"
    attrs = {"name": "stapp", "id": ACCOUNT}
    result = flags(
        tmp_path, plan(rc(new, ["no-op"], attrs, attrs, previous="azurerm_storage_account.old"))
    )
    assert result.rules() == {("moved", new)}, (
        f"a moved block is a low 'moved' only: {result.rules()}"
    )


# --- benign changes --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("before", "after"),
    [
        ({"name": "stapp", "tags": {"env": "dev"}}, {"name": "stapp", "tags": {"env": "prod"}}),
        ({"name": "vm", "size": "Standard_B2s"}, {"name": "vm", "size": "Standard_B4ms"}),
    ],
    ids=["tags", "size"],
)
def test_benign_update_is_low_and_passes(tmp_path, before, after):
    result = flags(tmp_path, plan(rc("azurerm_storage_account.data", ["update"], before, after)))
    assert {f["severity"] for f in result.json()["flags"]} == {"low"}, result.out
    assert result.code == 0, "low flags must not fail the default --fail-on high"


def test_narrow_blob_reader_grant_on_container_is_low(tmp_path):
    doc = plan(rc(RA, ["create"], None, grant("Storage Blob Data Reader", CONTAINER)))
    result = flags(tmp_path, doc)
    assert result.rules() == {("narrow-grant", RA)}, f"expected only a low flag: {result.rules()}"
    assert result.code == 0


def test_owner_by_guid_on_single_resource_still_high(tmp_path):
    after = {"role_definition_id": OWNER_ID, "scope": CONTAINER, "principal_id": "p"}
    assert_flag(
        flags(tmp_path, plan(rc(RA, ["create"], None, after))), "high", "privileged-role", RA
    )


def test_loosened_condition_on_rbac_administrator_is_high(tmp_path):
    role = "Role Based Access Control Administrator"
    before = grant(role, RG) | {"condition": "((!(ActionMatches{'x'})) OR (@Request[y] ...))"}
    after = grant(role, RG)
    result = flags(tmp_path, plan(rc(RA, ["delete", "create"], before, after)))
    assert_flag(result, "high", "privileged-role", RA)
    message = next(f["message"] for f in result.json()["flags"] if f["rule"] == "privileged-role")
    assert "to anyone" in message, f"without a condition the role is unlimited: {message}"


def test_conditioned_rbac_administrator_message_mentions_condition(tmp_path):
    after = grant("Role Based Access Control Administrator", RG) | {"condition": "(...)"}
    result = flags(tmp_path, plan(rc(RA, ["create"], None, after)))
    message = next(f["message"] for f in result.json()["flags"] if f["rule"] == "privileged-role")
    assert "ABAC condition" in message, message
