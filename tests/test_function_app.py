"""FunctionAppWithIdentity: Dedicated and Flex Consumption snapshots, host storage
roles per trigger, the Flex work-around, and every refusal."""

from __future__ import annotations

import pytest
from azure_identity_kit import (
    TRIGGER_ROLES,
    AppKeyVaultReference,
    FunctionAppWithIdentity,
    FunctionAppWithIdentityProps,
    FunctionRuntime,
    FunctionTrigger,
    GrantTarget,
    HostStorage,
    IdentityOnlyStorage,
    IdentityOnlyStorageProps,
    KitValidationError,
    ServicePlanRef,
    UserAssignedIdentity,
    UserAssignedIdentityProps,
)
from azure_identity_kit.function_app import SITE_CONFIG_API, SITES_API
from support import by_name, new_stack, only, propagation_wait, ref, resources, synth

FUNC = "azurerm_linux_function_app"
FLEX = "azurerm_function_app_flex_consumption"
ACTION = "azapi_resource_action"
RA = "azurerm_role_assignment"
UAI = "azurerm_user_assigned_identity"
ST = "azurerm_storage_account"
RG = "/subscriptions/0/resourceGroups/rg"
DEDICATED = ServicePlanRef(f"{RG}/providers/Microsoft.Web/serverFarms/asp", "P0v3")
FLEX_PLAN = ServicePlanRef(f"{RG}/providers/Microsoft.Web/serverFarms/asp-flex", "FC1")
VAULT = GrantTarget("vault", f"{RG}/providers/Microsoft.KeyVault/vaults/kv-app")
SECRET_URI = "https://kv-app.vault.azure.net/secrets/jobs-config"
HOST = HostStorage(
    account_name="stjobs",
    account=GrantTarget("host", f"{RG}/providers/Microsoft.Storage/storageAccounts/stjobs"),
    primary_blob_endpoint="https://stjobs.blob.core.windows.net/",
)


def _identity(stack, construct_id="runtime", name="id-jobs"):
    return UserAssignedIdentity(
        stack, construct_id, UserAssignedIdentityProps(name, "rg-app", "westeurope")
    )


def _props(**overrides) -> FunctionAppWithIdentityProps:
    values = dict(
        name="func-jobs-dev",
        resource_group_name="rg-app",
        location="westeurope",
        service_plan=DEDICATED,
        host_storage=HOST,
    )
    values.update(overrides)
    return FunctionAppWithIdentityProps(**values)


def _app(stack, **overrides) -> FunctionAppWithIdentity:
    overrides.setdefault("runtime_identity", _identity(stack))
    return FunctionAppWithIdentity(stack, "func", _props(**overrides))


def _host_roles(doc) -> dict[str, dict]:
    return {
        ra["role_definition_name"]: ra
        for ra in resources(doc, RA).values()
        if ra["scope"] == HOST.account.resource_id
    }


def test_dedicated_minimal_snapshot(snapshot_json):
    stack = new_stack()
    _app(stack)
    assert synth(stack) == snapshot_json


def test_dedicated_full_snapshot(snapshot_json):
    stack = new_stack()
    storage = IdentityOnlyStorage(stack, "host", IdentityOnlyStorageProps("stjobs", "rg", "weu"))
    app = _app(
        stack,
        host_storage=storage,
        runtime=FunctionRuntime("dotnet-isolated", "8.0"),
        triggers=[FunctionTrigger.BLOB, FunctionTrigger.DURABLE, FunctionTrigger.QUEUE],
        system_assigned=True,
        app_settings={"JOBS_QUEUE": "jobs"},
        key_vault_references=[
            AppKeyVaultReference("JOBS_CONFIG", SECRET_URI, VAULT, "jobs-config")
        ],
        tags={"env": "dev"},
    )
    app.grant("Storage Blob Data Reader", GrantTarget("data", "/data"))
    assert synth(stack) == snapshot_json


def test_flex_snapshot(snapshot_json):
    stack = new_stack()
    _app(
        stack,
        service_plan=FLEX_PLAN,
        triggers=[FunctionTrigger.QUEUE],
        key_vault_references=[
            AppKeyVaultReference("JOBS_CONFIG", SECRET_URI, VAULT, "jobs-config")
        ],
    )
    assert synth(stack) == snapshot_json


def test_host_storage_by_user_assigned_identity_without_a_key():
    stack = new_stack()
    _app(stack)
    doc = synth(stack)
    _, app = only(doc, FUNC)
    runtime_id, _ = by_name(doc, UAI, "id-jobs")
    assert app["storage_account_name"] == "stjobs"
    assert app["storage_uses_managed_identity"] is True
    assert "storage_account_access_key" not in app
    settings = app["app_settings"]
    # azurerm 4.55 writes only __accountName (provider issue 24730).
    assert settings["AzureWebJobsStorage__credential"] == "managedidentity"
    assert settings["AzureWebJobsStorage__clientId"] == ref(UAI, runtime_id, "client_id")
    assert "AzureWebJobsStorage" not in settings
    assert not any("managedIdentityResourceId" in key for key in settings)
    assert settings["AZURE_CLIENT_ID"] == ref(UAI, runtime_id, "client_id")
    assert app["ftp_publish_basic_authentication_enabled"] is False
    assert app["webdeploy_publish_basic_authentication_enabled"] is False
    assert app["https_only"] is True and app["site_config"]["ftps_state"] == "Disabled"


@pytest.mark.parametrize(
    ("triggers", "expected"),
    [
        ((), {"Storage Blob Data Owner", "Storage Table Data Contributor"}),
        ((FunctionTrigger.HTTP, FunctionTrigger.TIMER),
         {"Storage Blob Data Owner", "Storage Table Data Contributor"}),
        ((FunctionTrigger.QUEUE,),
         {"Storage Blob Data Owner", "Storage Table Data Contributor",
          "Storage Queue Data Contributor"}),
        ((FunctionTrigger.BLOB,),
         {"Storage Blob Data Owner", "Storage Table Data Contributor",
          "Storage Queue Data Contributor", "Storage Account Contributor"}),
        ((FunctionTrigger.DURABLE, FunctionTrigger.QUEUE),
         {"Storage Blob Data Owner", "Storage Table Data Contributor",
          "Storage Queue Data Contributor"}),
    ],
)  # fmt: skip
def test_host_roles_follow_the_triggers_and_are_ordered_before_the_app(triggers, expected):
    stack = new_stack()
    _app(stack, triggers=list(triggers))
    doc = synth(stack)
    _, app = only(doc, FUNC)
    roles = _host_roles(doc)
    assert set(roles) == expected, "one role assignment per role, on the host account only"
    assert len(resources(doc, RA)) == len(expected)
    keys = {ra["role_definition_name"]: k for k, ra in resources(doc, RA).items()}
    _, wait = propagation_wait(doc, app)
    for role in expected:
        assert f"{RA}.{keys[role]}" in wait["depends_on"], f"{role} takes effect before the app"
        assert roles[role]["principal_type"] == "ServicePrincipal"


def test_storage_account_contributor_only_for_the_blob_trigger():
    with_role = [t for t, roles in TRIGGER_ROLES.items() if "Storage Account Contributor" in roles]
    assert with_role == [FunctionTrigger.BLOB]


def test_system_assigned_host_identity_grants_follow_the_app():
    stack = new_stack()
    FunctionAppWithIdentity(stack, "func", _props(system_assigned=True))
    doc = synth(stack)
    key, app = only(doc, FUNC)
    assert app["identity"] == {"type": "SystemAssigned"}
    assert "depends_on" not in app
    assert "AzureWebJobsStorage__clientId" not in app.get("app_settings", {})
    for ra in _host_roles(doc).values():
        assert ra["principal_id"] == ref(FUNC, key, "identity[0].principal_id")


def test_system_host_identity_with_runtime_identity_pins_the_credential():
    """AZURE_CLIENT_ID would otherwise switch the host connection to the runtime identity."""
    stack = new_stack()
    _app(stack, host_storage_identity="SystemAssigned", system_assigned=True)
    doc = synth(stack)
    _, app = only(doc, FUNC)
    settings = app["app_settings"]
    assert settings["AzureWebJobsStorage__credential"] == "managedidentity"
    assert "AzureWebJobsStorage__clientId" not in settings and "AZURE_CLIENT_ID" in settings


def test_flex_uses_the_identity_and_patches_out_the_empty_key():
    stack = new_stack()
    _app(
        stack,
        service_plan=FLEX_PLAN,
        key_vault_references=[
            AppKeyVaultReference("JOBS_CONFIG", SECRET_URI, VAULT, "jobs-config")
        ],
    )
    doc = synth(stack)
    key, app = only(doc, FLEX)
    runtime_id, _ = by_name(doc, UAI, "id-jobs")
    assert app["storage_authentication_type"] == "UserAssignedIdentity"
    assert app["storage_user_assigned_identity_id"] == ref(UAI, runtime_id, "id")
    assert app["storage_container_endpoint"] == "https://stjobs.blob.core.windows.net/deployments"
    assert "storage_access_key" not in app and "key_vault_reference_identity_id" not in app
    assert "Storage Blob Data Owner" in _host_roles(doc)

    actions = resources(doc, ACTION)
    settings_fix = next(a for a in actions.values() if a["type"] == SITE_CONFIG_API)
    assert settings_fix["method"] == "PUT"
    assert settings_fix["resource_id"] == ref(FLEX, key, "id") + "/config/appsettings"
    body = settings_fix["body"]["properties"]
    assert "AzureWebJobsStorage" not in body, "the empty-key connection string is removed"
    assert body == app["app_settings"], "the PUT writes exactly the construct's settings"
    assert settings_fix["lifecycle"]["replace_triggered_by"] == ["${" + f"{FLEX}.{key}" + "}"]

    identity_fix = next(a for a in actions.values() if a["type"] == SITES_API)
    assert identity_fix["method"] == "PATCH"
    assert identity_fix["body"] == {
        "properties": {"keyVaultReferenceIdentity": ref(UAI, runtime_id, "id")}
    }
    kv = next(
        k for k, ra in resources(doc, RA).items() if "Key Vault" in ra["role_definition_name"]
    )
    assert f"{RA}.{kv}" in identity_fix["depends_on"]


def test_flex_without_key_vault_references_sends_no_identity_patch():
    stack = new_stack()
    _app(stack, service_plan=FLEX_PLAN)
    types = [a["type"] for a in resources(synth(stack), ACTION).values()]
    assert types == [SITE_CONFIG_API]


@pytest.mark.parametrize(
    ("overrides", "rule_id"),
    [
        ({"storage_account_access_key": "${var.key}"}, "function-storage-key"),
        ({"app_settings": {"AzureWebJobsStorage": "DefaultEndpointsProtocol=https;"
          "AccountName=st;AccountKey=abc=="}}, "function-storage-connection-string"),
        ({"app_settings": {"WEBSITE_CONTENTAZUREFILECONNECTIONSTRING": "${var.conn}"}},
         "function-storage-connection-string"),
        ({"app_settings": {"AzureWebJobsStorage__clientId": "x"}}, "app-setting-reserved"),
        ({"service_plan": ServicePlanRef("/p", "Y1")}, "function-linux-consumption-plan"),
        ({"service_plan": ServicePlanRef("/p", "EP1")}, "function-elastic-premium-plan"),
        ({"runtime": FunctionRuntime("cobol", "1")}, "function-runtime"),
        ({"triggers": ["webhook"]}, "function-trigger"),
        ({"runtime_identity": None}, "function-host-identity"),
        ({"runtime_identity": None, "host_storage_identity": "SystemAssigned"},
         "function-host-identity"),
        ({"service_plan": FLEX_PLAN, "host_storage_identity": "SystemAssigned",
          "system_assigned": True}, "function-flex-host-identity"),
        ({"service_plan": FLEX_PLAN, "host_storage": HostStorage("st", HOST.account)},
         "function-flex-deployment-storage"),
        ({"service_plan": FLEX_PLAN, "instance_memory_in_mb": 1024},
         "function-flex-instance-memory"),
        ({"key_vault_reference_identity": "SystemAssigned"}, "keyvault-ref-system-assigned"),
        ({"app_settings": {"AZURE_CLIENT_ID": "x"}}, "azure-client-id-conflict"),
        ({"name": "func_jobs"}, "name-app-service"),
    ],
)  # fmt: skip
def test_refusals(overrides, rule_id):
    stack = new_stack()
    if overrides.get("runtime_identity", "unset") is None:
        overrides.pop("runtime_identity")
        props = _props(**overrides)
    else:
        props = _props(runtime_identity=_identity(stack), **overrides)
    with pytest.raises(KitValidationError) as error:
        FunctionAppWithIdentity(stack, "func", props)
    assert error.value.rule_id == rule_id
    assert "test/func" in str(error.value)


def test_y1_refusal_names_the_plans_that_work():
    stack = new_stack()
    with pytest.raises(KitValidationError) as error:
        _app(stack, service_plan=ServicePlanRef("/p", "Y1"))
    message = str(error.value)
    assert "Azure Files" in message and "key" in message
    assert "FC1" in message and "P0v3" in message


INTEGRATION_SUBNET = f"{RG}/providers/Microsoft.Network/virtualNetworks/v/subnets/snet-appservice"


@pytest.mark.parametrize(("plan", "rtype"), [(DEDICATED, FUNC), (FLEX_PLAN, FLEX)])
def test_vnet_integration_routes_all_host_traffic_through_the_vnet(plan, rtype):
    stack = new_stack()
    _app(stack, service_plan=plan, virtual_network_subnet_id=INTEGRATION_SUBNET)
    _, app = only(synth(stack), rtype)
    assert app["virtual_network_subnet_id"] == INTEGRATION_SUBNET
    assert app["site_config"]["vnet_route_all_enabled"] is True


def test_no_vnet_settings_without_a_subnet():
    stack = new_stack()
    _app(stack)
    _, app = only(synth(stack), FUNC)
    assert "virtual_network_subnet_id" not in app
    assert "vnet_route_all_enabled" not in app["site_config"]
