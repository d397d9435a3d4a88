"""WebAppWithIdentity: snapshots of a minimal and a full app, and its rules."""

from __future__ import annotations

import pytest
from azure_identity_kit import (
    AppKeyVaultReference,
    GrantTarget,
    IdentityOnlyRegistry,
    IdentityOnlyRegistryProps,
    KitValidationError,
    LinuxServicePlan,
    LinuxServicePlanProps,
    RegistryRef,
    ServicePlanRef,
    UserAssignedIdentity,
    UserAssignedIdentityProps,
    WebAppWithIdentity,
    WebAppWithIdentityProps,
)
from support import by_name, new_stack, only, propagation_wait, ref, resources, synth

WEB = "azurerm_linux_web_app"
RA = "azurerm_role_assignment"
UAI = "azurerm_user_assigned_identity"
RG = "/subscriptions/0/resourceGroups/rg"
REGISTRY = RegistryRef.existing(
    "shared-acr", f"{RG}/providers/Microsoft.ContainerRegistry/registries/crshared",
    "crshared.azurecr.io",
)  # fmt: skip
VAULT = GrantTarget("vault", f"{RG}/providers/Microsoft.KeyVault/vaults/kv-app")
DATA = GrantTarget("data", f"{RG}/providers/Microsoft.Storage/storageAccounts/st/x/data")
PLAN = ServicePlanRef(f"{RG}/providers/Microsoft.Web/serverFarms/asp", "P0v3")
SECRET_URI = "https://kv-app.vault.azure.net/secrets/web-config"


def _identity(stack, construct_id="runtime", name="id-web"):
    return UserAssignedIdentity(
        stack, construct_id, UserAssignedIdentityProps(name, "rg-app", "westeurope")
    )


def _props(**overrides) -> WebAppWithIdentityProps:
    values = dict(
        name="app-web-dev", resource_group_name="rg-app", location="westeurope", service_plan=PLAN
    )
    values.update(overrides)
    return WebAppWithIdentityProps(**values)


def _full(stack):
    plan = LinuxServicePlan(
        stack, "plan", LinuxServicePlanProps("asp-web-dev", "rg-app", "westeurope")
    )
    runtime = _identity(stack)
    app = WebAppWithIdentity(
        stack,
        "web",
        _props(
            service_plan=plan,
            image="web:1.2.0",
            registry=REGISTRY,
            runtime_identity=runtime,
            system_assigned=True,
            app_settings={"BLOB_URL": "https://st.blob.core.windows.net/data"},
            key_vault_references=[
                AppKeyVaultReference("WEB_CONFIG", SECRET_URI, VAULT, secret_name="web-config")
            ],
            health_check_path="/healthz",
            tags={"env": "dev"},
        ),
    )
    app.grant("Storage Blob Data Reader", DATA)
    return app


def test_minimal_snapshot(snapshot_json):
    stack = new_stack()
    WebAppWithIdentity(stack, "web", _props())
    doc = synth(stack)
    assert doc == snapshot_json
    _, app = only(doc, WEB)
    assert "identity" not in app and "key_vault_reference_identity_id" not in app
    assert "depends_on" not in app


def test_full_snapshot(snapshot_json):
    stack = new_stack()
    _full(stack)
    assert synth(stack) == snapshot_json


def test_no_publishing_credentials_https_only_tls_12():
    stack = new_stack()
    WebAppWithIdentity(stack, "web", _props())
    _, app = only(synth(stack), WEB)
    assert app["ftp_publish_basic_authentication_enabled"] is False
    assert app["webdeploy_publish_basic_authentication_enabled"] is False
    assert app["https_only"] is True
    config = app["site_config"]
    assert config["ftps_state"] == "Disabled" and config["http2_enabled"] is True
    assert config["minimum_tls_version"] == "1.2" and config["scm_minimum_tls_version"] == "1.2"
    assert config["remote_debugging_enabled"] is False
    logs = app["logs"]
    assert logs["detailed_error_messages"] is True and logs["failed_request_tracing"] is True
    assert logs["http_logs"] == {"file_system": {"retention_in_days": 7, "retention_in_mb": 35}}


def test_image_pulled_by_pull_identity_client_id_after_acrpull():
    stack = new_stack()
    _full(stack)
    doc = synth(stack)
    _, app = only(doc, WEB)
    pull_id, _ = by_name(doc, UAI, "id-app-web-dev-pull")
    config = app["site_config"]
    assert config["container_registry_use_managed_identity"] is True
    assert config["container_registry_managed_identity_client_id"] == ref(
        UAI, pull_id, "client_id"
    ), "App Service takes the pull identity's client ID, not its resource ID"
    assert config["application_stack"] == {
        "docker_image_name": "web:1.2.0",
        "docker_registry_url": "https://crshared.azurecr.io",
    }
    acr = [k for k, ra in resources(doc, RA).items() if ra["role_definition_name"] == "AcrPull"]
    _, wait = propagation_wait(doc, app)
    assert len(acr) == 1 and f"{RA}.{acr[0]}" in wait["depends_on"], "waits for AcrPull"
    assert ref(UAI, pull_id, "id") in app["identity"]["identity_ids"]


def test_key_vault_reference_resolved_by_runtime_identity_granted_first():
    stack = new_stack()
    _full(stack)
    doc = synth(stack)
    _, app = only(doc, WEB)
    runtime_id, _ = by_name(doc, UAI, "id-web")
    assert app["key_vault_reference_identity_id"] == ref(UAI, runtime_id, "id")
    assert ref(UAI, runtime_id, "id") in app["identity"]["identity_ids"]
    assert app["app_settings"]["WEB_CONFIG"] == f"@Microsoft.KeyVault(SecretUri={SECRET_URI})"
    assert app["app_settings"]["AZURE_CLIENT_ID"] == ref(UAI, runtime_id, "client_id")
    (key, grant) = next(
        (k, ra)
        for k, ra in resources(doc, RA).items()
        if ra["role_definition_name"] == "Key Vault Secrets User"
    )
    assert grant["scope"] == f"{VAULT.resource_id}/secrets/web-config", "narrowest: one secret"
    assert grant["principal_id"] == ref(UAI, runtime_id, "principal_id")
    _, wait = propagation_wait(doc, app)
    assert f"{RA}.{key}" in wait["depends_on"], "App Service resolves it when the app starts"
    reader = next(k for k, ra in resources(doc, RA).items() if ra["scope"] == DATA.resource_id)
    assert f"{RA}.{reader}" in app["depends_on"], "grant() is ordered before the app"
    assert f"{RA}.{reader}" not in wait["depends_on"], "a runtime grant adds no wait"


def test_explicit_reference_identity_is_attached():
    stack = new_stack()
    reader = _identity(stack, "kv-reader", "id-kv-reader")
    WebAppWithIdentity(
        stack,
        "web",
        _props(
            key_vault_reference_identity=reader,
            key_vault_references=[AppKeyVaultReference("WEB_CONFIG", SECRET_URI, VAULT)],
        ),
    )
    doc = synth(stack)
    _, app = only(doc, WEB)
    reader_id, _ = by_name(doc, UAI, "id-kv-reader")
    assert app["identity"] == {"type": "UserAssigned", "identity_ids": [ref(UAI, reader_id, "id")]}
    (grant,) = resources(doc, RA).values()
    assert grant["scope"] == VAULT.resource_id, "no secret name: vault scope"


def test_system_assigned_grant_follows_the_app():
    stack = new_stack()
    app = WebAppWithIdentity(stack, "web", _props(system_assigned=True))
    app.grant("Storage Blob Data Reader", DATA)
    doc = synth(stack)
    key, site = only(doc, WEB)
    (grant,) = resources(doc, RA).values()
    assert grant["principal_id"] == ref(WEB, key, "identity[0].principal_id")
    assert "depends_on" not in site
    assert app.system_principal_id is not None


@pytest.mark.parametrize(
    ("overrides", "rule_id"),
    [
        ({"registry": REGISTRY, "image": "web:1", "pull_identity": "SystemAssigned"},
         "pull-system-assigned"),
        ({"pull_identity": "placeholder"}, "pull-system-assigned"),
        ({"image": "web:1"}, "app-image-registry"),
        ({"registry": REGISTRY}, "app-image-registry"),
        ({"registry": REGISTRY, "image": "crshared.azurecr.io/web:1"}, "app-image-host"),
        ({"key_vault_references": [AppKeyVaultReference("X", SECRET_URI, VAULT)]},
         "keyvault-ref-no-identity"),
        ({"key_vault_reference_identity": "SystemAssigned", "system_assigned": True},
         "keyvault-ref-system-assigned"),
        ({"service_plan": ServicePlanRef(PLAN.resource_id, "F1")}, "app-always-on-sku"),
        ({"app_settings": {"bad name": "x"}}, "app-setting-name"),
        ({"name": "-web"}, "name-app-service"),
        ({"service_plan": ServicePlanRef(PLAN.resource_id, "FC1")}, "app-plan-functions-only"),
        ({"service_plan": ServicePlanRef(PLAN.resource_id, "Y1")}, "app-plan-functions-only"),
    ],
)  # fmt: skip
def test_refusals(overrides, rule_id):
    stack = new_stack()
    with pytest.raises(KitValidationError) as error:
        WebAppWithIdentity(stack, "web", _props(**overrides))
    assert error.value.rule_id == rule_id
    assert "test/web" in str(error.value)


def test_pull_identity_without_registry_and_client_id_override_are_refused():
    stack = new_stack()
    runtime = _identity(stack)
    with pytest.raises(KitValidationError) as error:
        WebAppWithIdentity(stack, "a", _props(pull_identity=runtime))
    assert error.value.rule_id == "pull-without-registry"
    with pytest.raises(KitValidationError) as error:
        WebAppWithIdentity(
            stack, "b", _props(runtime_identity=runtime, app_settings={"AZURE_CLIENT_ID": "x"})
        )
    assert error.value.rule_id == "azure-client-id-conflict"
    with pytest.raises(KitValidationError) as error:
        WebAppWithIdentity(
            stack,
            "c",
            _props(
                runtime_identity=runtime,
                app_settings={"X": "1"},
                key_vault_references=[AppKeyVaultReference("X", SECRET_URI, VAULT)],
            ),
        )
    assert error.value.rule_id == "app-setting-name"


def test_plan_is_linux():
    stack = new_stack()
    LinuxServicePlan(stack, "plan", LinuxServicePlanProps("asp-x", "rg", "westeurope", "B1"))
    _, plan = only(synth(stack), "azurerm_service_plan")
    assert plan["os_type"] == "Linux" and plan["sku_name"] == "B1"
    with pytest.raises(KitValidationError) as error:
        LinuxServicePlan(stack, "bad", LinuxServicePlanProps("asp x", "rg", "westeurope"))
    assert error.value.rule_id == "name-service-plan"


INTEGRATION_SUBNET = f"{RG}/providers/Microsoft.Network/virtualNetworks/v/subnets/snet-appservice"


def test_vnet_integration_routes_everything_and_pulls_through_the_vnet():
    stack = new_stack()
    WebAppWithIdentity(
        stack,
        "web",
        _props(image="web:1", registry=REGISTRY, virtual_network_subnet_id=INTEGRATION_SUBNET),
    )
    _, app = only(synth(stack), WEB)
    assert app["virtual_network_subnet_id"] == INTEGRATION_SUBNET
    assert app["site_config"]["vnet_route_all_enabled"] is True
    assert app["vnet_image_pull_enabled"] is True


@pytest.mark.parametrize(
    ("overrides", "absent"),
    [
        ({}, {"virtual_network_subnet_id", "vnet_image_pull_enabled", "vnet_route_all_enabled"}),
        (  # a code app has no image to pull
            {"virtual_network_subnet_id": INTEGRATION_SUBNET},
            {"vnet_image_pull_enabled"},
        ),
        (
            {
                "virtual_network_subnet_id": INTEGRATION_SUBNET,
                "vnet_route_all_enabled": False,
                "vnet_image_pull_enabled": False,
                "image": "web:1",
                "registry": REGISTRY,
            },
            {"vnet_image_pull_enabled", "vnet_route_all_enabled"},
        ),
    ],
)
def test_vnet_settings_only_where_they_apply(overrides, absent):
    stack = new_stack()
    WebAppWithIdentity(stack, "web", _props(**overrides))
    _, app = only(synth(stack), WEB)
    present = {key for key in app if key.startswith(("virtual_network", "vnet"))}
    present |= {key for key in app["site_config"] if key.startswith("vnet")}
    assert not present & absent, present


@pytest.mark.parametrize(
    "overrides",
    [{}, {"virtual_network_subnet_id": INTEGRATION_SUBNET, "vnet_image_pull_enabled": False}],
)
def test_pull_from_a_private_registry_needs_the_vnet(overrides):
    private = RegistryRef(
        REGISTRY.name, REGISTRY.resource_id, REGISTRY.login_server, network_restricted=True
    )
    with pytest.raises(KitValidationError) as raised:
        WebAppWithIdentity(new_stack(), "web", _props(image="web:1", registry=private, **overrides))
    assert raised.value.rule_id == "app-private-registry-pull"
    assert raised.value.path.endswith("/web")


def test_an_identity_only_registry_must_be_passed_as_its_ref():
    stack = new_stack()
    registry = IdentityOnlyRegistry(
        stack,
        "registry",
        IdentityOnlyRegistryProps(name="crwebdev", resource_group_name="rg", location="westeurope"),
    )
    with pytest.raises(KitValidationError) as error:
        WebAppWithIdentity(stack, "web", _props(registry=registry, image="web:1"))
    assert error.value.rule_id == "registry-type"
    assert "Pass its .ref as registry." in str(error.value)
    WebAppWithIdentity(stack, "web-ok", _props(registry=registry.ref, image="web:1"))
