"""The per-environment stacks: whole-output snapshots, and the rules pinned one by one."""

from __future__ import annotations

import json
import os
import re

import pytest
from support import by_name, only, propagation_wait, ref, resources, strip_metadata, waits_for

from stacks import ENVIRONMENTS

ENVS = list(ENVIRONMENTS)
SECRET_KEY = re.compile(
    r"(password|secret|access_key|sas_token|connection_string|_key)$", re.IGNORECASE
)


def _all_keys(value):
    if isinstance(value, dict):
        for key, item in value.items():
            yield key
            yield from _all_keys(item)
    elif isinstance(value, list):
        for item in value:
            yield from _all_keys(item)


UAI = "azurerm_user_assigned_identity"
RA = "azurerm_role_assignment"


@pytest.mark.parametrize("env", ENVS)
def test_stack_snapshot(env, stack_json, snapshot_json):
    assert strip_metadata(stack_json(env)) == snapshot_json


def test_every_environment_has_a_stack(synth_outdir):
    written = sorted(p.name for p in (synth_outdir / "stacks").iterdir())
    expected = sorted([*ENVS, "bootstrap"])  # + the bootstrap stack (tests/test_bootstrap.py)
    assert written == expected, f"expected one stack per environment + bootstrap, got {written}"


@pytest.mark.parametrize("env", ENVS)
def test_api_pulls_through_its_pull_identity_after_the_acrpull_grant(env, stack_json):
    doc = stack_json(env)
    pull_id, _ = by_name(doc, UAI, f"id-idkit-api-pull-{env}")
    _, app = by_name(doc, "azurerm_container_app", f"ca-idkit-api-{env}")
    (registry_id, _) = only(doc, "azurerm_container_registry")

    assert app["registry"] == [
        {
            "identity": ref(UAI, pull_id, "id"),
            "server": ref("azurerm_container_registry", registry_id, "login_server"),
        }
    ], "the image pull must go through the pull-only user-assigned identity"
    acr_pull = [
        (key, ra)
        for key, ra in resources(doc, RA).items()
        if ra["role_definition_name"] == "AcrPull"
        and ra["principal_id"] == ref(UAI, pull_id, "principal_id")
    ]
    assert len(acr_pull) == 1, f"expected one AcrPull grant, got {acr_pull}"
    key, assignment = acr_pull[0]
    assert assignment["principal_id"] == ref(UAI, pull_id, "principal_id")
    assert assignment["scope"] == ref("azurerm_container_registry", registry_id, "id")
    _, wait = propagation_wait(doc, app)
    assert f"{RA}.{key}" in wait["depends_on"], (
        "the app must wait for the AcrPull role assignment so the first pull has permission"
    )


@pytest.mark.parametrize("env", ENVS)
def test_api_identity_type_is_user_assigned_with_both_identities(env, stack_json):
    doc = stack_json(env)
    _, app = by_name(doc, "azurerm_container_app", f"ca-idkit-api-{env}")
    pull_id, _ = by_name(doc, UAI, f"id-idkit-api-pull-{env}")
    runtime_id, _ = by_name(doc, UAI, f"id-idkit-api-{env}")
    assert app["identity"] == {
        "type": "UserAssigned",
        "identity_ids": [ref(UAI, pull_id, "id"), ref(UAI, runtime_id, "id")],
    }


@pytest.mark.parametrize("env", ENVS)
def test_api_code_gets_runtime_identity_client_id(env, stack_json):
    doc = stack_json(env)
    _, app = by_name(doc, "azurerm_container_app", f"ca-idkit-api-{env}")
    runtime_id, _ = by_name(doc, UAI, f"id-idkit-api-{env}")
    for container in app["template"]["container"]:
        env_vars = {e["name"]: e.get("value") for e in container.get("env", [])}
        assert env_vars.get("AZURE_CLIENT_ID") == ref(UAI, runtime_id, "client_id"), (
            f"container {container['name']} must get AZURE_CLIENT_ID = the runtime identity's "
            f"client ID, got {env_vars}"
        )


@pytest.mark.parametrize("env", ENVS)
def test_every_grant_has_the_narrowest_role_and_scope(env, stack_json):
    doc = stack_json(env)
    pull_id, _ = by_name(doc, UAI, f"id-idkit-api-pull-{env}")
    runtime_id, _ = by_name(doc, UAI, f"id-idkit-api-{env}")
    registry_id, _ = only(doc, "azurerm_container_registry")
    vault_id, _ = only(doc, "azurerm_key_vault")
    data_container_id, _ = by_name(doc, "azurerm_storage_container", "data")

    grants = {
        (ra["principal_id"], ra["role_definition_name"], ra["scope"])
        for ra in resources(doc, RA).values()
    }
    expected = {
        (
            ref(UAI, pull_id, "principal_id"),
            "AcrPull",
            ref("azurerm_container_registry", registry_id, "id"),
        ),
        (
            ref(UAI, runtime_id, "principal_id"),
            "Storage Blob Data Reader",
            ref("azurerm_storage_container", data_container_id, "id"),
        ),
        (
            ref(UAI, runtime_id, "principal_id"),
            "Key Vault Secrets User",
            ref("azurerm_key_vault", vault_id, "id"),
        ),
    }
    assert expected <= grants, f"missing grants: {expected - grants}"
    for ra in resources(doc, RA).values():
        assert ra["principal_type"] == "ServicePrincipal", ra
        assert ra["description"], f"every role assignment says why it exists: {ra}"
        assert ra["role_definition_name"] not in {"Owner", "Contributor"}, ra
        assert not ra["scope"].startswith("/subscriptions/"), f"no literal broad scope: {ra}"


@pytest.mark.parametrize("env", ENVS)
def test_prevent_destroy_only_in_prod(env, stack_json):
    doc = stack_json(env)
    stateful = {
        UAI: 2,
        "azurerm_container_registry": 1,
        "azurerm_key_vault": 1,
        "azurerm_storage_account": 1,
    }
    for resource_type, minimum in stateful.items():
        found = resources(doc, resource_type)
        assert len(found) >= minimum, f"{resource_type}: expected at least {minimum}"
        for key, resource in found.items():
            protected = resource.get("lifecycle", {}).get("prevent_destroy", False)
            assert protected is (env == "prod"), (
                f"{resource_type}.{key} in {env}: prevent_destroy should be {env == 'prod'}"
            )


@pytest.mark.parametrize("env", ENVS)
def test_outputs_audit_every_identity_and_the_fqdn(env, stack_json):
    doc = stack_json(env)
    outputs = doc["output"]
    for name in ("api_pull_identity", "api_identity"):
        for attribute in ("resource_id", "principal_id", "client_id"):
            assert f"{name}_{attribute}" in outputs, f"missing output {name}_{attribute}"
    identity_outputs = {k for k in outputs if k.endswith("_principal_id")}
    assert len(identity_outputs) >= len(resources(doc, UAI)), (
        "every user-assigned identity in the stack needs a principal_id output"
    )
    assert outputs["api_fqdn"]["value"].endswith(".ingress[0].fqdn}")


@pytest.mark.parametrize("env", ENVS)
def test_resource_names_follow_azure_abbreviations(env, stack_json):
    doc = stack_json(env)
    expected = {
        "azurerm_resource_group": f"rg-idkit-{env}",
        "azurerm_container_app_environment": f"cae-idkit-{env}",
        "azurerm_container_registry": f"cridkit{env}",
        "azurerm_key_vault": f"kv-idkit-{env}",
        "azurerm_storage_account": f"stidkit{env}",
        "azurerm_log_analytics_workspace": f"log-idkit-{env}",
    }
    for resource_type, name in expected.items():
        by_name(doc, resource_type, name)
    by_name(doc, "azurerm_container_app", f"ca-idkit-api-{env}")


@pytest.mark.parametrize("env", ENVS)
def test_no_credentials_and_no_machine_paths(env, synth_outdir, stack_json):
    text = (synth_outdir / "stacks" / env / "cdk.tf.json").read_text()
    doc = stack_json(env)
    backend = doc["terraform"]["backend"]
    assert list(backend) == ["local"], f"default backend is local, got {backend}"
    assert not os.path.isabs(backend["local"]["path"]), "state path must be relative"
    for forbidden in (os.getcwd(), str(synth_outdir), os.path.expanduser("~") + "/"):
        assert forbidden not in text, f"synthesized JSON contains a machine path: {forbidden}"
    # SSH *public* keys are not credentials; app `secret` blocks must be Key Vault references.
    public = {"admin_ssh_key", "public_key", "secret"}
    secret_keys = sorted({k for k in _all_keys(doc) if SECRET_KEY.search(k)} - public)
    assert secret_keys == [], f"synthesized JSON has credential-like fields: {secret_keys}"
    for key, app in resources(doc, "azurerm_container_app").items():
        for secret in app.get("secret", []):
            assert "value" not in secret and secret["key_vault_secret_id"], (
                f"container app {key}: secret {secret['name']} must be a Key Vault reference"
            )
    assert "password" not in text.lower().replace('"disable_password_authentication": true', "")
    registry = only(doc, "azurerm_container_registry")[1]
    assert registry["admin_enabled"] is False and registry["anonymous_pull_enabled"] is False
    vault = only(doc, "azurerm_key_vault")[1]
    assert vault["rbac_authorization_enabled"] is True
    for key, account in resources(doc, "azurerm_storage_account").items():
        assert account["shared_access_key_enabled"] is False, f"{key}: shared keys must be off"
    assert doc["provider"]["azurerm"][0].get("storage_use_azuread") is True
    assert json.dumps(doc["provider"]).count("secret") == 0


@pytest.mark.parametrize("env", ENVS)
def test_web_and_func_run_on_one_plan_by_identity(env, stack_json):
    doc = stack_json(env)
    plan_key, plan = by_name(doc, "azurerm_service_plan", f"asp-idkit-{env}")
    assert plan["os_type"] == "Linux" and plan["sku_name"] in ("P0v3", "P1v3")
    _, web = by_name(doc, "azurerm_linux_web_app", f"app-idkit-web-{env}")
    _, func = by_name(doc, "azurerm_linux_function_app", f"func-idkit-jobs-{env}")
    for app in (web, func):
        assert app["service_plan_id"] == ref("azurerm_service_plan", plan_key, "id")
    pull_id, _ = by_name(doc, UAI, f"id-idkit-web-pull-{env}")
    web_id, _ = by_name(doc, UAI, f"id-idkit-web-{env}")
    func_id, _ = by_name(doc, UAI, f"id-idkit-func-{env}")
    assert web["site_config"]["container_registry_managed_identity_client_id"] == ref(
        UAI, pull_id, "client_id"
    )
    assert web["key_vault_reference_identity_id"] == ref(UAI, web_id, "id")
    assert web["app_settings"]["WEB_CONFIG"].startswith("@Microsoft.KeyVault(SecretUri=")

    def roles_of(identity_key):
        principal = ref(UAI, identity_key, "principal_id")
        return {
            (ra["role_definition_name"], key)
            for key, ra in resources(doc, RA).items()
            if ra["principal_id"] == principal
        }

    web_roles = {role for role, _ in roles_of(web_id)}
    assert web_roles == {"Storage Blob Data Reader", "Key Vault Secrets User"}
    assert {role for role, _ in roles_of(pull_id)} == {"AcrPull"}
    func_roles = roles_of(func_id)
    assert {role for role, _ in func_roles} == {
        "Storage Blob Data Owner",
        "Storage Table Data Contributor",
        "Storage Queue Data Contributor",
    }
    for identity_key, app in ((web_id, web), (pull_id, web), (func_id, func)):
        for _, key in roles_of(identity_key):
            assert f"{RA}.{key}" in waits_for(doc, app), "every grant exists before the app"
    host_key, host = by_name(doc, "azurerm_storage_account", f"stfnidkit{env}")
    assert host["shared_access_key_enabled"] is False
    assert func["storage_account_name"] == ref("azurerm_storage_account", host_key, "name")
    outputs = doc["output"]
    for name in ("web_pull_identity", "web_identity", "func_identity"):
        for attribute in ("resource_id", "principal_id", "client_id"):
            assert f"{name}_{attribute}" in outputs
