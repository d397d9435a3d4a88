"""The rules' edges, on hand-written Terraform JSON (no synth): every variant the
rule table promises, and the look-alikes that must stay quiet."""

from __future__ import annotations

from typing import Any

import pytest
from azure_identity_kit.guard import evaluate
from azure_identity_kit.guard.checks import PRIVILEGED_ROLE_IDS, classify_scope, references

SUB = "/subscriptions/00000000-0000-0000-0000-000000000000"
RG = f"{SUB}/resourceGroups/rg-x"


def doc(resources: dict[str, dict[str, Any]], data: dict | None = None) -> dict[str, Any]:
    """A stack document: {"type.name": config} per resource."""
    out: dict[str, Any] = {"resource": {}, "data": {}}
    for kind, items in (("resource", resources), ("data", data or {})):
        for address, config in items.items():
            rtype, name = address.split(".")
            out[kind].setdefault(rtype, {})[name] = {
                "//": {"metadata": {"path": f"s/{name}", "uniqueId": name}},
                **config,
            }
    return out


def rules(document: dict[str, Any], identities=None) -> list[str]:
    return sorted(f.rule_id for f in evaluate(document, identities))


def grant(role: str | None = None, scope: str = f"{RG}/providers/X/y/z", **extra) -> dict:
    body = {"principal_id": "p", "scope": scope, **extra}
    if role is not None:
        body["role_definition_name"] = role
    return body


@pytest.mark.parametrize("name", sorted(PRIVILEGED_ROLE_IDS.values()))
def test_privileged_role_by_name_any_case(name):
    found = rules(doc({"azurerm_role_assignment.ra": grant(name.upper())}))
    assert found == ["rbac-privileged-role"], f"{name} (upper-cased) must be privileged: {found}"


@pytest.mark.parametrize("guid", sorted(PRIVILEGED_ROLE_IDS))
def test_privileged_role_by_definition_id(guid):
    role_id = f"{SUB}/providers/Microsoft.Authorization/roleDefinitions/{guid.upper()}"
    found = rules(doc({"azurerm_role_assignment.ra": grant(role_definition_id=role_id)}))
    assert found == ["rbac-privileged-role"], f"role ID ending in {guid} must be privileged"


@pytest.mark.parametrize("role", ["Reader", "AcrPull", "Storage Blob Data Owner", "Owners"])
def test_non_privileged_roles_pass(role):
    assert rules(doc({"azurerm_role_assignment.ra": grant(role)})) == [], role


@pytest.mark.parametrize(
    ("scope", "kind"),
    [
        ("/", "tenant root"),
        ("/providers/Microsoft.Management/managementGroups/platform", "management group"),
        (SUB, "subscription"),
        (SUB + "/", "subscription"),
        ("/subscriptions/${data.azurerm_client_config.current.subscription_id}", "subscription"),
        ("${data.azurerm_subscription.current.id}", "subscription"),
        ("${azurerm_management_group.platform.id}", "management group"),
        ("${data.azurerm_management_group.root.id}", "management group"),
    ],
)
def test_broad_scopes(scope, kind):
    assert classify_scope(scope)[0] == kind, f"{scope} should be a {kind}"
    found = rules(doc({"azurerm_role_assignment.ra": grant("Reader", scope=scope)}))
    assert found == ["rbac-broad-scope"], f"a grant on {scope} must be refused: {found}"


@pytest.mark.parametrize(
    "scope",
    [
        RG,
        f"{RG}/providers/Microsoft.Storage/storageAccounts/st",
        "${azurerm_storage_container.data.id}",
        "${azurerm_resource_group.rg.id}",
        "${var.scope}",
    ],
)
def test_narrower_or_unknown_scopes_are_not_broad(scope):
    found = rules(doc({"azurerm_role_assignment.ra": grant("Reader", scope=scope)}))
    assert "rbac-broad-scope" not in found, f"{scope} is not tenant/MG/subscription: {found}"


def test_resource_group_scope_warns_only_with_a_narrower_resource_in_that_group():
    lone = doc(
        {
            "azurerm_resource_group.rg": {"name": "rg-x", "location": "w"},
            "azurerm_user_assigned_identity.id": {
                "name": "id",
                "resource_group_name": "${azurerm_resource_group.rg.name}",
            },
            "azurerm_role_assignment.ra": grant("Reader", scope="${azurerm_resource_group.rg.id}"),
        }
    )
    assert rules(lone, identities=[]) == [], "identities are not something a role is scoped to"

    for group_ref in ("${azurerm_resource_group.rg.name}", "rg-x"):
        crowded = doc(
            {
                "azurerm_resource_group.rg": {"name": "rg-x", "location": "w"},
                "azurerm_container_registry.cr": {"name": "cr", "resource_group_name": group_ref},
                "azurerm_role_assignment.ra": grant(
                    "AcrPull", scope="${azurerm_resource_group.rg.id}"
                ),
            }
        )
        assert rules(crowded) == ["rbac-resource-group-scope"], group_ref
    literal = doc(
        {
            "azurerm_container_registry.cr": {"name": "cr", "resource_group_name": "RG-X"},
            "azurerm_role_assignment.ra": grant("AcrPull", scope=RG),
        }
    )
    assert rules(literal) == ["rbac-resource-group-scope"], "literal group IDs match by name"
    other = doc(
        {
            "azurerm_container_registry.cr": {"name": "cr", "resource_group_name": "rg-other"},
            "azurerm_role_assignment.ra": grant("AcrPull", scope=RG),
        }
    )
    assert rules(other) == [], "a resource in another group is no narrower scope"


def test_duplicate_grant_matches_role_name_and_its_guid():
    acr_pull = "7f951dda-4ed3-4680-a7ca-43fe172d538d"
    acr_pull_id = f"{SUB}/providers/Microsoft.Authorization/roleDefinitions/{acr_pull}"
    found = rules(
        doc(
            {
                "azurerm_role_assignment.a": grant("AcrPull"),
                "azurerm_role_assignment.b": grant(role_definition_id=acr_pull_id),
                "azurerm_role_assignment.c": grant("AcrPull", principal_id="other"),
            }
        )
    )
    assert found == ["rbac-duplicate-grant"], f"a and b are one grant twice; c is not: {found}"


def test_identity_uses_that_count_and_attachment_that_does_not():
    uai = {"name": "id", "resource_group_name": "rg"}
    ref = "${azurerm_user_assigned_identity.id.id}"
    attached_only = doc(
        {
            "azurerm_user_assigned_identity.id": uai,
            "azurerm_container_app.app": {
                "identity": {"type": "UserAssigned", "identity_ids": [ref]}
            },
        }
    )
    assert rules(attached_only) == ["identity-idle"], "attaching an identity is not using it"
    for use in (
        {"registry": [{"server": "cr", "identity": ref}]},
        {"secret": [{"name": "s", "key_vault_secret_id": "https://kv/x", "identity": ref}]},
        {"image_registry_credential": [{"server": "cr", "user_assigned_identity_id": ref}]},
    ):
        used = doc({"azurerm_user_assigned_identity.id": uai, "azurerm_container_app.app": use})
        assert rules(used) == [], f"{use} uses the identity"
    granted = doc(
        {
            "azurerm_user_assigned_identity.id": uai,
            "azurerm_role_assignment.ra": grant(
                "Reader", principal_id="${azurerm_user_assigned_identity.id.principal_id}"
            ),
        }
    )
    assert rules(granted) == [], "a role assignment to the identity is a use"
    assert rules(doc({"azurerm_user_assigned_identity.id": uai}), identities=[]) == [], (
        "only identities the kit created are checked"
    )


def test_registry_password_in_container_group():
    group = {"image_registry_credential": [{"server": "cr", "username": "u", "password": "p"}]}
    found = rules(doc({"azurerm_container_group.ci": group}))
    assert found == ["secret-registry-password"], found


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("STORAGE", "DefaultEndpointsProtocol=https;AccountName=a;AccountKey=abc==;"),
        ("BUS", "Endpoint=sb://x/;SharedAccessKeyName=k;SharedAccessKey=abc="),
        ("BLOB_URL", "https://st.blob.core.windows.net/c?sv=2022-11-02&sig=abc%3D"),
        ("DB", "Server=tcp:x;Database=d;User ID=u;Password=hunter2;"),
        ("DB_PASSWORD", "hunter2"),
        ("OPENAI_API_KEY", "sk-abc"),
        ("SAS_TOKEN", "sv=2022&ss=b"),
        ("STORAGE_KEY", "${azurerm_storage_account.st.primary_access_key}"),
        ("CONN", "${azurerm_storage_account.st.primary_connection_string}"),
        ("ANYTHING", "${azurerm_key_vault_secret.s.value}"),
        ("PW", "${random_password.p.result}"),
    ],
)
def test_env_credentials_are_refused(name, value):
    app = {"template": {"container": [{"name": "c", "env": [{"name": name, "value": value}]}]}}
    group = {"container": [{"name": "c", "secure_environment_variables": {name: value}}]}
    for address, body in (
        ("azurerm_container_app.app", app),
        ("azurerm_container_group.ci", group),
    ):
        found = rules(doc({address: body}))
        assert found == ["secret-env-credential"], f"{address} {name}={value}: {found}"


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("KEY_VAULT_URL", "${azurerm_key_vault.kv.vault_uri}"),
        ("AZURE_CLIENT_ID", "${azurerm_user_assigned_identity.id.client_id}"),
        ("BLOB_CONTAINER_URL", "${azurerm_storage_account.st.primary_blob_endpoint}data"),
        ("PASSWORD_MIN_LENGTH", "12"),
        ("DB_PASSWORD", "${var.db_password_ref}"),
        ("MONKEY", "banana"),
    ],
)
def test_env_look_alikes_pass(name, value):
    app = {"template": {"container": [{"name": "c", "env": [{"name": name, "value": value}]}]}}
    assert rules(doc({"azurerm_container_app.app": app})) == [], f"{name}={value}"


def test_env_from_a_secret_reference_passes():
    app = {
        "secret": [{"name": "db", "key_vault_secret_id": "https://kv/s", "identity": "id"}],
        "template": {
            "container": [{"name": "c", "env": [{"name": "DB_PASSWORD", "secret_name": "db"}]}]
        },
    }
    assert rules(doc({"azurerm_container_app.app": app})) == []


@pytest.mark.parametrize(
    ("config", "expected"),
    [
        ({"rbac_authorization_enabled": True}, []),
        ({"enable_rbac_authorization": True}, []),
        ({}, ["keyvault-access-policy"]),
        ({"rbac_authorization_enabled": False}, ["keyvault-access-policy"]),
        (
            {"rbac_authorization_enabled": True, "access_policy": [{"object_id": "o"}]},
            ["keyvault-access-policy"],
        ),
        ({"rbac_authorization_enabled": "${var.rbac}"}, []),
    ],
)
def test_key_vault_authorization(config, expected):
    assert rules(doc({"azurerm_key_vault.kv": {"name": "kv", **config}})) == expected, config


def test_key_vault_access_policy_resource_is_refused():
    found = rules(doc({"azurerm_key_vault_access_policy.p": {"key_vault_id": "x"}}))
    assert found == ["keyvault-access-policy"], found


@pytest.mark.parametrize(
    ("config", "expected"),
    [
        ({"disable_password_authentication": False}, ["vm-password-enabled"]),
        ({"admin_password": "x"}, ["vm-password-enabled"]),
        ({"disable_password_authentication": True}, []),
        ({}, []),
    ],
)
def test_linux_vm_password(config, expected):
    assert rules(doc({"azurerm_linux_virtual_machine.vm": {"name": "vm", **config}})) == expected


def test_storage_shared_key_by_literal_scope_and_only_for_data_roles():
    account = {"name": "stx", "resource_group_name": "rg-x"}
    scope = f"{RG}/providers/Microsoft.Storage/storageAccounts/stx/blobServices/default"
    data_role = doc(
        {
            "azurerm_storage_account.st": account,
            "azurerm_role_assignment.ra": grant("Storage Queue Data Reader", scope=scope),
        }
    )
    assert rules(data_role) == ["storage-shared-key-with-rbac"]
    keys_off = doc(
        {
            "azurerm_storage_account.st": {**account, "shared_access_key_enabled": False},
            "azurerm_role_assignment.ra": grant("Storage Queue Data Reader", scope=scope),
        }
    )
    assert rules(keys_off) == [], "with shared keys off the grants mean what they say"
    reader = doc(
        {
            "azurerm_storage_account.st": account,
            "azurerm_role_assignment.ra": grant("Reader", scope=scope),
        }
    )
    assert rules(reader) == [], "not a data role"


def test_references_parse_dashes_and_data_sources():
    refs = references("x${azurerm_user_assigned_identity.api-identity_7DF6D1C3.id}/y")
    assert [(r.address, r.attribute) for r in refs] == [
        ("azurerm_user_assigned_identity.api-identity_7DF6D1C3", "id")
    ]
    (ref,) = references("${data.azurerm_subscription.current.id}")
    assert ref.address == "data.azurerm_subscription.current"


# --- Cosmos DB and Azure SQL (issue 13) ----------------------------------------------

COSMOS = f"{RG}/providers/Microsoft.DocumentDB/databaseAccounts/cosmos-x"


@pytest.mark.parametrize(
    "role",
    [
        {"role_definition_name": "Cosmos DB Built-in Data Reader"},
        {"role_definition_name": "cosmos db built-in data contributor"},
        {"role_definition_id": f"{COSMOS}/sqlRoleDefinitions/00000000-0000-0000-0000-000000000002"},
        {"role_definition_id": "00000000-0000-0000-0000-000000000001"},
    ],
)
def test_cosmos_data_role_as_azure_role_assignment_is_refused(role):
    found = rules(doc({"azurerm_role_assignment.ra": grant(scope=COSMOS, **role)}))
    assert found == ["cosmos-data-role-arm"], role


def test_cosmos_sql_role_assignment_and_cosmos_control_roles_pass():
    quiet = doc(
        {
            "azurerm_role_assignment.operator": grant("Cosmos DB Operator", scope=COSMOS),
            "azurerm_cosmosdb_sql_role_assignment.reader": {
                "principal_id": "p",
                "scope": COSMOS,
                "role_definition_id": f"{COSMOS}/sqlRoleDefinitions/"
                "00000000-0000-0000-0000-000000000001",
            },
        }
    )
    assert rules(quiet) == []


@pytest.mark.parametrize(
    "role",
    [
        {"role_definition_name": "SQL DB Contributor"},
        {"role_definition_name": "sql server contributor"},
        {
            "role_definition_id": f"{SUB}/providers/Microsoft.Authorization/roleDefinitions/"
            "9b7fa17d-e63e-47b0-bb0a-15c516ac86ec"
        },
    ],
)
@pytest.mark.parametrize("principal_type", [None, "ServicePrincipal"])
def test_sql_contributor_to_a_workload_warns(role, principal_type):
    extra = {"principal_type": principal_type} if principal_type else {}
    found = rules(doc({"azurerm_role_assignment.ra": grant(**role, **extra)}))
    assert found == ["sql-contributor-no-data-access"], (role, principal_type)


def test_sql_contributor_to_a_group_of_people_is_quiet():
    group = grant("SQL DB Contributor", principal_type="Group")
    assert rules(doc({"azurerm_role_assignment.ra": group})) == []


def _cosmos_account(**extra) -> dict:
    return {"name": "cosmos-x", "resource_group_name": "rg-x", **extra}


def test_cosmos_local_auth_must_be_disabled_explicitly():
    assert rules(doc({"azurerm_cosmosdb_account.a": _cosmos_account()})) == ["cosmos-local-auth"]
    off = _cosmos_account(local_authentication_disabled=False)
    assert rules(doc({"azurerm_cosmosdb_account.a": off})) == ["cosmos-local-auth"]
    on = _cosmos_account(local_authentication_disabled=True)
    assert rules(doc({"azurerm_cosmosdb_account.a": on})) == []


ENTRA_ONLY = {"login_username": "g", "object_id": "o", "azuread_authentication_only": True}


@pytest.mark.parametrize(
    "server",
    [
        {"administrator_login": "sqladmin", "administrator_login_password": "${var.pw}"},
        {"administrator_login_password_wo": "${var.pw}", "azuread_administrator": ENTRA_ONLY},
        {"azuread_administrator": {**ENTRA_ONLY, "azuread_authentication_only": False}},
        {"azuread_administrator": [{"login_username": "g", "object_id": "o"}]},
        {},
    ],
)
def test_sql_server_with_a_password_admin_is_refused(server):
    found = rules(doc({"azurerm_mssql_server.s": {"name": "sql-x", **server}}))
    assert found == ["sql-password-admin"], server


def test_entra_only_sql_server_passes():
    server = {"name": "sql-x", "azuread_administrator": ENTRA_ONLY}
    assert rules(doc({"azurerm_mssql_server.s": server})) == []
