"""Issue 16 in the synth diff (`make diff`): the same identity and credential rules over two
synthesized cdk.tf.json stacks, where an absent setting means the provider default and a
`${...}` token stands for a value known only at apply."""

import pytest
from review_helpers import diff, stack

UAI = {"name": "id-web", "location": "westeurope", "resource_group_name": "rg-app"}
UAI_REF = "${azurerm_user_assigned_identity.web.id}"
APP = {
    "name": "web",
    "identity": {"type": "UserAssigned", "identity_ids": [UAI_REF]},
    "template": {"container": [{"name": "web", "image": "acrapp.azurecr.io/web:1"}]},
}
STORAGE = {"name": "stapp", "shared_access_key_enabled": False}
FIC = {
    "name": "github-prod",
    "parent_id": UAI_REF,
    "issuer": "https://token.actions.githubusercontent.com",
    "subject": "repo:contoso/app:environment:prod",
    "audience": ["api://AzureADTokenExchange"],
    "resource_group_name": "rg-app",
}
SITE = {
    "name": "site",
    "ftp_publish_basic_authentication_enabled": False,
    "webdeploy_publish_basic_authentication_enabled": False,
    "app_settings": {"LOG_LEVEL": "info"},
}


def resources(**extra) -> dict:
    return {"azurerm_user_assigned_identity": {"web": UAI}, **extra}


def run(tmp_path, base: dict, head: dict, *args, data=None):
    result = diff(
        tmp_path,
        {"app": stack(base, data=data)},
        {"app": stack(head, data=data)},
        "--format",
        "json",
        *args,
    )
    assert result.code == 0, result.err
    return result


def severities(result) -> set[tuple[str, str, str]]:
    return {(f["severity"], f["rule"], f["address"]) for f in result.json()["flags"]}


def only_low(result):
    assert {s for s, _, _ in severities(result)} <= {"low"}, sorted(severities(result))


def test_storage_shared_keys_back_on_is_high(tmp_path):
    base = resources(azurerm_storage_account={"data": STORAGE})
    head = resources(
        azurerm_storage_account={"data": {**STORAGE, "shared_access_key_enabled": True}}
    )
    result = run(tmp_path, base, head)
    assert ("high", "storage-shared-key", "azurerm_storage_account.data") in severities(result)


def test_setting_from_a_variable_is_medium(tmp_path):
    base = resources(azurerm_storage_account={"data": STORAGE})
    opened = {**STORAGE, "shared_access_key_enabled": "${var.allow_keys}"}
    result = run(tmp_path, base, resources(azurerm_storage_account={"data": opened}))
    assert ("medium", "storage-shared-key", "azurerm_storage_account.data") in severities(result)


def test_removing_an_explicit_off_falls_back_to_the_default_and_is_high(tmp_path):
    """Web Deploy basic auth defaults to on: deleting `= false` from the construct turns it on."""
    head = {k: v for k, v in SITE.items() if k != "webdeploy_publish_basic_authentication_enabled"}
    result = run(
        tmp_path,
        resources(azurerm_linux_web_app={"site": SITE}),
        resources(azurerm_linux_web_app={"site": head}),
    )
    flag = ("high", "app-basic-publishing-auth", "azurerm_linux_web_app.site")
    assert flag in severities(result), severities(result)
    message = result.json()["flags"][0]["message"]
    assert "webdeploy_publish_basic_authentication_enabled unset" in message, message


def test_key_vault_leaving_rbac_with_azurerm5_name_is_high(tmp_path):
    vault = {"name": "kv-app", "rbac_authorization_enabled": True}
    result = run(
        tmp_path,
        resources(azurerm_key_vault={"main": vault}),
        resources(azurerm_key_vault={"main": {**vault, "rbac_authorization_enabled": False}}),
    )
    assert ("high", "key-vault-leaves-rbac", "azurerm_key_vault.main") in severities(result)


def test_cosmos_local_auth_with_azurerm5_name_is_high(tmp_path):
    account = {"name": "cosmos-app", "local_authentication_enabled": False}
    result = run(
        tmp_path,
        resources(azurerm_cosmosdb_account={"db": account}),
        resources(
            azurerm_cosmosdb_account={"db": {**account, "local_authentication_enabled": True}}
        ),
    )
    assert ("high", "cosmos-local-auth", "azurerm_cosmosdb_account.db") in severities(result)


def test_public_network_access_back_to_default_is_medium(tmp_path):
    acr = {"name": "acrapp", "public_network_access_enabled": False}
    result = run(
        tmp_path,
        resources(azurerm_container_registry={"acr": acr}),
        resources(azurerm_container_registry={"acr": {"name": "acrapp"}}),
    )
    flag = ("medium", "public-network-access", "azurerm_container_registry.acr")
    assert flag in severities(result), severities(result)


def test_public_network_access_reopened_next_to_a_private_endpoint_is_high(tmp_path):
    """The synth diff sees the private posture the same way: the stack keeps an endpoint."""
    acr = {"name": "acrapp", "public_network_access_enabled": False}
    endpoint = {"pe": {"name": "pe-acr", "subnet_id": "${azurerm_subnet.endpoints.id}"}}
    result = run(
        tmp_path,
        resources(azurerm_container_registry={"acr": acr}, azurerm_private_endpoint=endpoint),
        resources(
            azurerm_container_registry={"acr": {**acr, "public_network_access_enabled": True}},
            azurerm_private_endpoint=endpoint,
        ),
    )
    flag = ("high", "public-network-access", "azurerm_container_registry.acr")
    assert flag in severities(result), severities(result)


# --- who can sign in as the identity ---------------------------------------------------------


def test_federated_subject_to_pull_requests_is_high(tmp_path):
    head = {**FIC, "subject": "repo:contoso/app:pull_request"}
    result = run(
        tmp_path,
        resources(azurerm_federated_identity_credential={"gh": FIC}),
        resources(azurerm_federated_identity_credential={"gh": head}),
    )
    flag = ("high", "federated-credential-broader", "azurerm_federated_identity_credential.gh")
    assert flag in severities(result), severities(result)


def test_federated_credential_on_the_azurerm5_attribute_name_is_not_a_change(tmp_path):
    renamed = {k: v for k, v in FIC.items() if k != "parent_id"}
    renamed["user_assigned_identity_id"] = UAI_REF
    result = run(
        tmp_path,
        resources(azurerm_federated_identity_credential={"gh": FIC}),
        resources(azurerm_federated_identity_credential={"gh": renamed}),
    )
    only_low(result)


def test_existing_identity_from_a_data_source_attached_is_medium(tmp_path):
    data = {"azurerm_user_assigned_identity": {"admin": {"name": "id-admin"}}}
    app = {**APP, "identity": {**APP["identity"]}}
    app["identity"]["identity_ids"] = [UAI_REF, "${data.azurerm_user_assigned_identity.admin.id}"]
    result = run(
        tmp_path,
        resources(azurerm_container_app={"web": APP}),
        resources(azurerm_container_app={"web": app}),
        data=data,
    )
    assert ("medium", "identity-attached", "azurerm_container_app.web") in severities(result)
    message = result.json()["flags"][0]["message"]
    assert "data.azurerm_user_assigned_identity.admin" in message, message


def test_identity_created_in_the_same_change_is_not_an_attachment(tmp_path):
    app = {**APP, "identity": {**APP["identity"]}}
    app["identity"]["identity_ids"] = [UAI_REF, "${azurerm_user_assigned_identity.jobs.id}"]
    head = resources(azurerm_container_app={"web": app})
    head["azurerm_user_assigned_identity"] = {"web": UAI, "jobs": {**UAI, "name": "id-jobs"}}
    result = run(tmp_path, resources(azurerm_container_app={"web": APP}), head)
    assert not [f for f in severities(result) if f[1] == "identity-attached"], severities(result)


def test_image_tag_bump_is_low(tmp_path):
    app = {**APP, "template": {"container": [{"name": "web", "image": "acrapp.azurecr.io/web:2"}]}}
    result = run(
        tmp_path,
        resources(azurerm_container_app={"web": APP}),
        resources(azurerm_container_app={"web": app}),
    )
    assert severities(result) == {("low", "other", "azurerm_container_app.web")}


# --- credentials in app settings -------------------------------------------------------------


@pytest.mark.parametrize(
    "value",
    [
        "${azurerm_storage_account.data.primary_connection_string}",
        "DefaultEndpointsProtocol=https;AccountName=stapp;AccountKey=SYNTH-LEAK;EndpointSuffix=x",
    ],
    ids=["reference", "literal"],
)
def test_key_bearing_app_setting_is_high(tmp_path, value):
    site = {**SITE, "app_settings": {**SITE["app_settings"], "AzureWebJobsStorage": value}}
    base = resources(azurerm_linux_function_app={"fn": SITE})
    head = resources(azurerm_linux_function_app={"fn": site})
    result = run(tmp_path, base, head)
    flag = ("high", "app-setting-credential", "azurerm_linux_function_app.fn")
    assert flag in severities(result), severities(result)
    for fmt in ("text", "markdown", "json"):
        out = diff(tmp_path / fmt, {"app": stack(base)}, {"app": stack(head)}, "--format", fmt).out
        assert "SYNTH-LEAK" not in out, f"the account key leaked into {fmt}"


@pytest.mark.parametrize(
    "value",
    [
        "@Microsoft.KeyVault(SecretUri=${azurerm_key_vault_secret.db.versionless_id})",
        "${azurerm_storage_account.data.primary_blob_endpoint}",
    ],
    ids=["key-vault-reference", "endpoint"],
)
def test_identity_based_app_setting_is_low(tmp_path, value):
    site = {**SITE, "app_settings": {**SITE["app_settings"], "DB": value}}
    result = run(
        tmp_path,
        resources(azurerm_linux_web_app={"site": SITE}),
        resources(azurerm_linux_web_app={"site": site}),
    )
    only_low(result)


# --- grants ----------------------------------------------------------------------------------


def grant(role: str, **extra) -> dict:
    return {
        "principal_id": "${azurerm_user_assigned_identity.web.principal_id}",
        "principal_type": "ServicePrincipal",
        "role_definition_name": role,
        "scope": "${azurerm_storage_container.uploads.id}",
        **extra,
    }


def test_role_escalated_for_same_principal_and_scope_is_medium_not_a_removal(tmp_path):
    result = run(
        tmp_path,
        resources(azurerm_role_assignment={"r": grant("Storage Blob Data Reader")}),
        resources(azurerm_role_assignment={"r": grant("Storage Blob Data Owner")}),
    )
    assert severities(result) == {("medium", "role-escalated", "azurerm_role_assignment.r")}


def test_escalation_through_a_second_construct_is_medium(tmp_path):
    """The construct that granted Reader is replaced by one that grants Contributor."""
    result = run(
        tmp_path,
        resources(azurerm_role_assignment={"reader": grant("Storage Blob Data Reader")}),
        resources(azurerm_role_assignment={"writer": grant("Storage Blob Data Contributor")}),
    )
    assert severities(result) == {
        ("medium", "role-escalated", "azurerm_role_assignment.writer"),
        ("low", "role-moved", "azurerm_role_assignment.reader"),
    }, severities(result)


def test_condition_removed_from_grant_is_high(tmp_path):
    condition = "(@Resource[Microsoft.Storage/storageAccounts/blobServices/containers:name] ...)"
    result = run(
        tmp_path,
        resources(
            azurerm_role_assignment={"r": grant("Storage Blob Data Reader", condition=condition)}
        ),
        resources(azurerm_role_assignment={"r": grant("Storage Blob Data Reader")}),
    )
    assert ("high", "condition-removed", "azurerm_role_assignment.r") in severities(result)
