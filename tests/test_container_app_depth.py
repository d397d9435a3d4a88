"""Container Apps depth: Key Vault references, identity lifecycle (azapi),
identity-authenticated queue scale rules, Dapr with identity, init containers."""

from __future__ import annotations

import pytest
from azure_identity_kit import (
    ContainerAppWithIdentity,
    ContainerSpec,
    DaprSpec,
    GrantTarget,
    IdentitySetting,
    KeyVaultSecretRef,
    KitValidationError,
    QueueScaleRule,
    UserAssignedIdentity,
    UserAssignedIdentityProps,
)
from azure_identity_kit.azapi import AZAPI_SOURCE, AZAPI_VERSION
from azure_identity_kit.azurerm import SCALE_RULE_IDENTITY_NATIVE
from support import by_name, new_stack, only, propagation_wait, ref, resources, synth
from test_container_app import CONTAINER_ID, _props, _registry

RA = "azurerm_role_assignment"
UAI = "azurerm_user_assigned_identity"
ACTION = "azapi_resource_action"
VAULT = GrantTarget(
    "vault", "/subscriptions/0/resourceGroups/rg/providers/Microsoft.KeyVault/vaults/kv"
)
QUEUE = GrantTarget(
    "jobs",
    "/subscriptions/0/resourceGroups/rg/providers/Microsoft.Storage/"
    "storageAccounts/stjobs/queueServices/default/queues/jobs",
)
SECRET = KeyVaultSecretRef(
    name="db-password",
    key_vault_secret_id="https://kv.vault.azure.net/secrets/db-password",
    vault=VAULT,
    secret_name="db-password",
)


def _runtime(stack):
    return UserAssignedIdentity(
        stack, "runtime", UserAssignedIdentityProps("id-app-dev", "rg", "westeurope")
    )


def _deep_app(stack, **overrides):
    values = dict(
        registry=_registry(stack).resource,
        runtime_identity=None if "runtime_identity" in overrides else _runtime(stack),
        key_vault_secrets=[SECRET],
        containers=[
            ContainerSpec(name="app", image="i", secret_env={"DB_PASSWORD": "db-password"})
        ],
        init_containers=[ContainerSpec(name="migrate", image="m")],
        queue_scale_rules=[QueueScaleRule("jobs", "stjobs", "jobs", QUEUE, queue_length=10)],
        dapr=DaprSpec(app_id="app", app_port=8080),
    )
    values.update(overrides)
    return ContainerAppWithIdentity(stack, "app", _props(**values))


def test_depth_snapshot(snapshot_json):
    stack = new_stack()
    app = _deep_app(stack)
    app.add_dapr_blob_state_store(
        "statestore",
        container_app_environment_id="/env",
        account_name="stapp",
        container_name="state",
        container=GrantTarget("state", CONTAINER_ID),
    )
    assert synth(stack) == snapshot_json


def test_key_vault_reference_by_pull_identity_granted_on_the_secret_before_the_app():
    stack = new_stack()
    _deep_app(stack)
    doc = synth(stack)
    app_key, app = only(doc, "azurerm_container_app")
    pull_key, _ = by_name(doc, UAI, "id-ca-app-dev-pull")
    assert app["secret"] == [
        {
            "name": "db-password",
            "key_vault_secret_id": SECRET.key_vault_secret_id,
            "identity": ref(UAI, pull_key, "id"),
        }
    ]
    kv = [
        (k, v)
        for k, v in resources(doc, RA).items()
        if v["role_definition_name"] == "Key Vault Secrets User"
    ]
    assert len(kv) == 1
    key, grant = kv[0]
    assert grant["scope"] == VAULT.resource_id + "/secrets/db-password", "narrowest: the one secret"
    assert grant["principal_id"] == ref(UAI, pull_key, "principal_id")
    _, wait = propagation_wait(doc, app)
    assert f"{RA}.{key}" in wait["depends_on"], "Container Apps reads the secret at create"
    env = {e["name"]: e for e in app["template"]["container"][0]["env"]}
    assert env["DB_PASSWORD"] == {"name": "DB_PASSWORD", "secret_name": "db-password"}


def test_key_vault_reference_without_secret_name_is_scoped_to_the_vault():
    stack = new_stack()
    ref_ = KeyVaultSecretRef("cfg", "https://kv.vault.azure.net/secrets/cfg", VAULT)
    _deep_app(stack, key_vault_secrets=[ref_], containers=[ContainerSpec(name="a", image="i")])
    _, grant = next(
        (k, v)
        for k, v in resources(synth(stack), RA).items()
        if v["role_definition_name"] == "Key Vault Secrets User"
    )
    assert grant["scope"] == VAULT.resource_id


def test_identity_settings_patch_defaults_pull_none_runtime_main():
    stack = new_stack()
    _deep_app(stack)
    doc = synth(stack)
    app_key, _ = only(doc, "azurerm_container_app")
    pull_key, _ = by_name(doc, UAI, "id-ca-app-dev-pull")
    runtime_key, _ = by_name(doc, UAI, "id-app-dev")
    actions = resources(doc, ACTION)
    settings = next(v for k, v in actions.items() if "identity-settings" in k)
    assert settings["type"] == "Microsoft.App/containerApps@2025-01-01"
    assert settings["method"] == "PATCH", "a PUT would resend the app without its secrets"
    assert settings["resource_id"] == ref("azurerm_container_app", app_key, "id")
    assert settings["body"] == {
        "properties": {
            "configuration": {
                "identitySettings": [
                    {"identity": ref(UAI, pull_key, "id"), "lifecycle": "None"},
                    {"identity": ref(UAI, runtime_key, "id"), "lifecycle": "Main"},
                ]
            }
        }
    }
    assert f"azurerm_container_app.{app_key}" in settings["depends_on"][0]
    assert doc["terraform"]["required_providers"]["azapi"] == {
        "source": AZAPI_SOURCE,
        "version": AZAPI_VERSION,
    }


def test_azure_client_id_follows_the_runtime_lifecycle():
    def env_names(lifecycle):
        stack = new_stack()
        runtime = _runtime(stack)
        _deep_app(
            stack, runtime_identity=runtime, identity_settings=[IdentitySetting(runtime, lifecycle)]
        )
        _, app = only(synth(stack), "azurerm_container_app")
        main = {e["name"] for e in app["template"]["container"][0].get("env", [])}
        init = {e["name"] for e in app["template"]["init_container"][0].get("env", [])}
        return "AZURE_CLIENT_ID" in main, "AZURE_CLIENT_ID" in init

    assert env_names("Main") == (True, False)
    assert env_names("Init") == (False, True), "with Init, only init containers can use it"
    assert env_names("All") == (True, True)
    assert env_names("None") == (False, False)


def test_init_lifecycle_warns_about_workload_profiles():
    stack = new_stack()
    runtime = _runtime(stack)
    app = _deep_app(
        stack, runtime_identity=runtime, identity_settings=[IdentitySetting(runtime, "Init")]
    )
    messages = [entry.data for entry in app.node.metadata if entry.type == "@cdktf/warn"]
    assert any("identity-lifecycle-init" in str(m) for m in messages), messages


def test_queue_scale_rule_uses_identity_and_narrow_grant():
    stack = new_stack()
    _deep_app(stack)
    doc = synth(stack)
    app_key, app = only(doc, "azurerm_container_app")
    runtime_key, _ = by_name(doc, UAI, "id-app-dev")
    rule_actions = [v for k, v in resources(doc, ACTION).items() if "queue-scale-rules" in k]
    if SCALE_RULE_IDENTITY_NATIVE:
        # azurerm 5: the app's own custom_scale_rule names the identity; no PATCH.
        assert rule_actions == [] and "lifecycle" not in app
        assert app["template"]["custom_scale_rule"] == [
            {
                "name": "jobs",
                "custom_rule_type": "azure-queue",
                "metadata": {"accountName": "stjobs", "queueName": "jobs", "queueLength": "10"},
                "identity_id": ref(UAI, runtime_key, "id"),
            }
        ]
        scale = app["template"]["custom_scale_rule"]
    else:
        (rule_action,) = rule_actions
        scale = rule_action["body"]["properties"]["template"]["scale"]
        assert scale["rules"] == [
            {
                "name": "jobs",
                "azureQueue": {
                    "accountName": "stjobs",
                    "queueName": "jobs",
                    "queueLength": 10,
                    "identity": ref(UAI, runtime_key, "id"),
                },
            }
        ]
        assert rule_action["lifecycle"]["replace_triggered_by"] == [
            "${" + f"azurerm_container_app.{app_key}" + "}"
        ], "every azurerm update of the app rewrites the template, so the PATCH must re-run"
        assert app["lifecycle"]["ignore_changes"] == ["template[0].azure_queue_scale_rule"]
    assert "secret" not in str(scale).lower() and "connection" not in str(scale).lower()
    queue_grant = next(
        v
        for v in resources(doc, RA).values()
        if v["role_definition_name"] == "Storage Queue Data Reader"
    )
    assert queue_grant["scope"] == QUEUE.resource_id
    assert queue_grant["principal_id"] == ref(UAI, runtime_key, "principal_id")
    grant_key = next(k for k, v in resources(doc, RA).items() if v is queue_grant)
    assert f"{RA}.{grant_key}" in app["depends_on"], "the rule's identity is granted first"


def test_dapr_state_store_authenticates_with_the_runtime_identity():
    stack = new_stack()
    app = _deep_app(stack)
    app.add_dapr_blob_state_store(
        "statestore",
        container_app_environment_id="/env",
        account_name="stapp",
        container_name="state",
        container=GrantTarget("state", CONTAINER_ID),
    )
    doc = synth(stack)
    runtime_key, _ = by_name(doc, UAI, "id-app-dev")
    _, component = only(doc, "azurerm_container_app_environment_dapr_component")
    metadata = {m["name"]: m["value"] for m in component["metadata"]}
    assert metadata == {
        "accountName": "stapp",
        "containerName": "state",
        "azureClientId": ref(UAI, runtime_key, "client_id"),
    }
    assert component["scopes"] == ["app"] and "secret" not in component
    grant = next(
        v
        for v in resources(doc, RA).values()
        if v["role_definition_name"] == "Storage Blob Data Contributor"
    )
    assert grant["scope"] == CONTAINER_ID


@pytest.mark.parametrize(
    ("overrides", "rule"),
    [
        (
            {
                "key_vault_secrets": [
                    KeyVaultSecretRef(
                        "s",
                        "https://kv.vault.azure.net/secrets/s",
                        VAULT,
                        identity="SystemAssigned",
                    )
                ]
            },
            "keyvault-ref-system-assigned",
        ),
        (
            {
                "key_vault_secrets": [
                    KeyVaultSecretRef("Bad_Name", "https://kv.vault.azure.net/secrets/s", VAULT)
                ]
            },
            "secret-name",
        ),
        (
            {"containers": [ContainerSpec(name="a", image="i", secret_env={"X": "nope"})]},
            "unknown-secret-ref",
        ),
        ({"identity_settings": [IdentitySetting("system", "Sometimes")]}, "identity-lifecycle"),
        ({"identity_settings": [IdentitySetting("system", "Main")]}, "identity-lifecycle-system"),
        (
            {"queue_scale_rules": [QueueScaleRule("q", "st", "q", QUEUE, identity="system")]},
            "scale-rule-system-identity",
        ),
        (
            {
                "runtime_identity": None,
                "containers": [ContainerSpec(name="a", image="i")],
                "key_vault_secrets": [],
            },
            "scale-rule-no-identity",
        ),
        ({"init_containers": [ContainerSpec(name="init", image="")]}, "image-empty"),
    ],
)
def test_bad_depth_input_is_refused(overrides, rule):
    stack = new_stack()
    with pytest.raises(KitValidationError) as error:
        _deep_app(stack, **overrides)
    assert str(error.value).startswith(f"test/app: [{rule}]"), str(error.value)


def test_dapr_component_needs_dapr_and_a_user_assigned_identity():
    stack = new_stack()
    app = _deep_app(stack, dapr=None)
    with pytest.raises(KitValidationError, match="dapr-not-enabled"):
        app.add_dapr_blob_state_store(
            "s",
            container_app_environment_id="/e",
            account_name="a",
            container_name="c",
            container=GrantTarget("c", "/c"),
        )
