"""Deploying for real (issue 7): remote state per environment, provider
authentication without secrets, and the errors for a bad deployment setting.

Every synth here is a full `app.synth()` into a temporary outdir (it fails on the
guard's error annotations); the IDKIT_* / ARM_* variables are set with monkeypatch.
"""

from __future__ import annotations

import dataclasses
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from azure_identity_kit import KitValidationError

from stacks import ENVIRONMENTS, RemoteState, build_app, default_settings
from stacks.auth import AUTH_MODES, resolve_auth
from stacks.backend import STATE_ENV, resolve_remote_state

REPO = Path(__file__).resolve().parent.parent
ALL_STACKS = [*ENVIRONMENTS, "bootstrap"]
STATE_VARS = {
    "IDKIT_STATE_STORAGE_ACCOUNT": "stidkitstate01",
    "IDKIT_STATE_CONTAINER": "tfstate",
    "IDKIT_STATE_RESOURCE_GROUP": "rg-idkit-deploy",
}
MSI_CLIENT_ID = "00000000-1111-2222-3333-444444444444"
DEPLOY_VARS = (
    *STATE_ENV.values(),
    "IDKIT_AUTH",
    "IDKIT_MSI_CLIENT_ID",
    "IDKIT_GITHUB_REPOSITORY",
)
# Field names that hold a credential in azurerm/azapi/backends, or look like one.
# (A container app `secret` block is checked separately: it may hold a Key Vault
# reference, never a value.)
SECRET_FIELD = re.compile(
    r"(_secret|password|access_key|sas_token|connection_string|client_certificate|"
    r"oidc_token|oidc_request_token|_primary_key|_secondary_key)$",
    re.IGNORECASE,
)


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    """No deployment variable from the caller's shell leaks into a test."""
    for name in DEPLOY_VARS:
        monkeypatch.delenv(name, raising=False)
    return monkeypatch


def synth(tmp_path: Path, names: list[str] | None = None) -> dict[str, dict]:
    """Full synth; stack name -> parsed cdk.tf.json."""
    build_app(names, outdir=str(tmp_path)).synth()
    return {
        path.parent.name: json.loads(path.read_text())
        for path in sorted((tmp_path / "stacks").glob("*/cdk.tf.json"))
    }


def keys(value, prefix=""):
    """Every key path in a JSON document, skipping cdktf's '//' metadata."""
    if isinstance(value, dict):
        for key, item in value.items():
            if key == "//":
                continue
            yield f"{prefix}{key}"
            yield from keys(item, f"{prefix}{key}.")
    elif isinstance(value, list):
        for item in value:
            yield from keys(item, prefix)


def with_remote_state(name: str, state: RemoteState, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(
        ENVIRONMENTS, name, dataclasses.replace(ENVIRONMENTS[name], remote_state=state)
    )


# --- the default: local state, Azure CLI ---------------------------------------------


def test_default_is_a_local_relative_state_file_and_the_cli(stack_json):
    for env in ENVIRONMENTS:
        doc = stack_json(env)
        backend = doc["terraform"]["backend"]
        assert backend == {"local": {"path": f"../../../terraform.{env}.tfstate"}}, (
            f"{env}: without remote state settings the state must stay a relative local file, "
            f"got {backend}"
        )
        assert "import" not in doc, f"{env}: a local deployment creates its resource group"
        azurerm = doc["provider"]["azurerm"][0]
        assert azurerm["use_cli"] is True and azurerm["storage_use_azuread"] is True, azurerm
        assert not {"use_oidc", "use_msi", "resource_provider_registrations"} & set(azurerm), (
            f"{env}: CLI mode sets no pipeline-only switch: {azurerm}"
        )


# --- remote state ----------------------------------------------------------------------


def test_remote_state_from_environment_variables_with_oidc(tmp_path, clean_env):
    for name, value in STATE_VARS.items():
        clean_env.setenv(name, value)
    clean_env.setenv("IDKIT_AUTH", "oidc")
    docs = synth(tmp_path, ["dev", "prod"])
    for env in ("dev", "prod"):
        backend = docs[env]["terraform"]["backend"]
        assert backend == {
            "azurerm": {
                "storage_account_name": "stidkitstate01",
                "container_name": "tfstate",
                "resource_group_name": "rg-idkit-deploy",
                "key": f"{env}.tfstate",
                "use_azuread_auth": True,
                "use_oidc": True,
            }
        }, f"{env}: unexpected azurerm backend {backend}"
        imports = docs[env].get("import")
        assert imports == [
            {
                "to": "azurerm_resource_group.resource-group",
                "id": "/subscriptions/${data.azurerm_client_config.current.subscription_id}"
                f"/resourceGroups/rg-idkit-{env}",
            }
        ], f"{env}: with remote state the stack adopts the pre-created resource group: {imports}"


def test_remote_state_from_configuration_and_variables_win_field_by_field(tmp_path, clean_env):
    with_remote_state(
        "staging",
        RemoteState(
            storage_account_name="stconfigured",
            container_name="configured",
            resource_group_name="rg-configured",
            key="custom/staging.tfstate",
            subscription_id="11111111-2222-3333-4444-555555555555",
        ),
        clean_env,
    )
    docs = synth(tmp_path, ["staging", "dev"])
    assert docs["staging"]["terraform"]["backend"] == {
        "azurerm": {
            "storage_account_name": "stconfigured",
            "container_name": "configured",
            "resource_group_name": "rg-configured",
            "key": "custom/staging.tfstate",
            "subscription_id": "11111111-2222-3333-4444-555555555555",
            "use_azuread_auth": True,
        }
    }, "a configured backend (CLI auth) is used as given, with Entra ID auth only"
    assert list(docs["dev"]["terraform"]["backend"]) == ["local"], "dev has no remote state"

    clean_env.setenv("IDKIT_STATE_CONTAINER", "fromenv")
    state = resolve_remote_state(ENVIRONMENTS["staging"])
    assert state.container_name == "fromenv" and state.storage_account_name == "stconfigured", (
        f"a variable overrides its own field only: {state}"
    )


def test_half_filled_backend_names_the_missing_fields(clean_env):
    clean_env.setenv("IDKIT_STATE_STORAGE_ACCOUNT", "stidkitstate01")
    with pytest.raises(KitValidationError) as error:
        build_app(["dev"])
    assert error.value.rule_id == "backend-incomplete", error.value
    for missing in ("container_name", "resource_group_name"):
        assert missing in str(error.value), f"the error must name {missing}: {error.value}"
    assert "IDKIT_STATE_CONTAINER" in error.value.fix, error.value.fix

    clean_env.delenv("IDKIT_STATE_STORAGE_ACCOUNT")
    with_remote_state("prod", RemoteState(container_name="tfstate"), clean_env)
    with pytest.raises(KitValidationError) as error:
        build_app(["dev"])  # prod is not built, but its setting is checked
    assert error.value.rule_id == "backend-incomplete", error.value
    assert error.value.path == "prod" and "storage_account_name" in str(error.value)


def test_state_key_reused_by_two_environments_is_refused(clean_env):
    shared = RemoteState(
        storage_account_name="stidkitstate01",
        container_name="tfstate",
        resource_group_name="rg-idkit-deploy",
        key="shared.tfstate",
    )
    with_remote_state("dev", shared, clean_env)
    with_remote_state("staging", shared, clean_env)
    with pytest.raises(KitValidationError) as error:
        build_app(["prod"])
    assert error.value.rule_id == "backend-key-reused", error.value
    assert "dev" in str(error.value) and "staging" in str(error.value), error.value


@pytest.mark.parametrize(
    ("variable", "value", "rule_id"),
    [
        ("IDKIT_STATE_STORAGE_ACCOUNT", "Not_A_Name", "name-storage-account"),
        ("IDKIT_STATE_CONTAINER", "Bad_Container", "backend-invalid"),
        ("IDKIT_STATE_SUBSCRIPTION_ID", "my-subscription", "backend-invalid"),
    ],
)
def test_invalid_backend_values_are_refused(clean_env, variable, value, rule_id):
    for name, default in STATE_VARS.items():
        clean_env.setenv(name, default)
    clean_env.setenv(variable, value)
    with pytest.raises(KitValidationError) as error:
        build_app(["dev"])
    assert error.value.rule_id == rule_id, error.value


def test_main_explains_a_half_filled_backend_in_one_line(tmp_path):
    env = {
        **{k: v for k, v in os.environ.items() if k not in DEPLOY_VARS},
        "CDKTF_OUTDIR": str(tmp_path / "out"),
        "IDKIT_STATE_CONTAINER": "tfstate",
    }
    result = subprocess.run(
        [sys.executable, "main.py", "dev"], cwd=REPO, env=env, capture_output=True, text=True
    )
    assert result.returncode == 1, result.stdout + result.stderr
    assert "[backend-incomplete]" in result.stderr and "Traceback" not in result.stderr, (
        result.stderr
    )


# --- provider authentication -------------------------------------------------------------


@pytest.mark.parametrize("mode", AUTH_MODES)
def test_every_stack_in_every_auth_mode_is_secret_free(tmp_path, clean_env, mode):
    """All environments with remote state + bootstrap, per auth mode: the provider
    settings match the mode, and no field anywhere holds a credential."""
    for name, value in STATE_VARS.items():
        clean_env.setenv(name, value)
    clean_env.setenv("IDKIT_AUTH", mode)
    if mode == "msi":
        clean_env.setenv("IDKIT_MSI_CLIENT_ID", MSI_CLIENT_ID)
    docs = synth(tmp_path)
    assert sorted(docs) == sorted(ALL_STACKS), f"expected every stack, got {sorted(docs)}"
    expected = {
        "cli": {"use_cli": True},
        "oidc": {"use_oidc": True, "use_cli": False},
        "msi": {"use_msi": True, "use_cli": False, "client_id": MSI_CLIENT_ID},
    }[mode]
    for name, doc in docs.items():
        found = sorted({path for path in keys(doc) if SECRET_FIELD.search(path.rsplit(".")[-1])})
        assert found == [], f"{name} ({mode}): credential-like fields {found}"
        values = sorted(path for path in keys(doc) if re.search(r"(^|\.)secret\.value$", path))
        assert values == [], f"{name} ({mode}): secret blocks with a value {values}"
        text = json.dumps(doc).lower()
        for word in ("client_secret", "sharedaccesssignature", "accountkey=", "sig="):
            assert word not in text, f"{name} ({mode}) contains {word!r}"
        for provider_name, configs in doc["provider"].items():
            config = configs[0]
            if provider_name == "time":  # the propagation waits: no Azure, no settings
                assert configs == [{}], f"{name}: the time provider takes no settings"
                continue
            assert {k: config.get(k) for k in expected} == expected, (
                f"{name} ({mode}): provider {provider_name} auth settings {config}"
            )
            assert "subscription_id" not in config and "tenant_id" not in config, (
                f"{name}: subscription and tenant come from ARM_* at run time, not the JSON"
            )
        azurerm = doc["provider"]["azurerm"][0]
        assert azurerm["storage_use_azuread"] is True, f"{name} ({mode}): {azurerm}"
        if name != "bootstrap":
            backend = doc["terraform"]["backend"]["azurerm"]
            assert backend["use_azuread_auth"] is True, backend
            mode_flags = {k: v for k, v in backend.items() if k in ("use_oidc", "use_msi")}
            assert mode_flags == (
                {"oidc": {"use_oidc": True}, "msi": {"use_msi": True}}.get(mode, {})
            ), f"{name} ({mode}): backend auth flags {backend}"
            pipeline = mode in ("oidc", "msi")
            assert (azurerm.get("resource_provider_registrations") == "none") is pipeline, (
                f"{name} ({mode}): the pipeline identity cannot register resource providers"
            )
    assert "azapi" in docs["dev"]["provider"], "dev uses azapi: its auth must be checked too"


def test_auth_mode_errors_and_precedence(clean_env):
    clean_env.setenv("IDKIT_AUTH", "password")
    with pytest.raises(KitValidationError) as error:
        build_app(["dev"])
    assert error.value.rule_id == "auth-mode", error.value

    clean_env.setenv("IDKIT_AUTH", "msi")
    clean_env.setenv("IDKIT_MSI_CLIENT_ID", "not-a-guid")
    with pytest.raises(KitValidationError) as error:
        build_app(["dev"])
    assert error.value.rule_id == "auth-msi-client-id", error.value

    clean_env.delenv("IDKIT_MSI_CLIENT_ID")
    assert resolve_auth("oidc").mode == "msi", "IDKIT_AUTH wins over the configuration"
    assert resolve_auth("msi").provider_kwargs() == {"use_msi": True, "use_cli": False}, (
        "without a client ID, MSI uses the system-assigned identity"
    )
    clean_env.delenv("IDKIT_AUTH")
    assert resolve_auth("oidc").mode == "oidc" and resolve_auth().mode == "cli"
    assert resolve_auth("cli", MSI_CLIENT_ID).provider_kwargs() == {"use_cli": True}, (
        "a client ID matters only in msi mode"
    )


def test_environment_config_can_choose_the_auth_mode(tmp_path, clean_env):
    clean_env.setitem(
        ENVIRONMENTS,
        "dev",
        dataclasses.replace(ENVIRONMENTS["dev"], auth="msi", msi_client_id=MSI_CLIENT_ID),
    )
    doc = synth(tmp_path, ["dev"])["dev"]
    assert doc["provider"]["azurerm"][0]["use_msi"] is True
    assert doc["provider"]["azurerm"][0]["client_id"] == MSI_CLIENT_ID


def test_bootstrap_config_reads_the_same_variables_as_the_backends(clean_env):
    for name, value in STATE_VARS.items():
        clean_env.setenv(name, value)
    config = default_settings().bootstrap.with_state_env()
    assert (
        config.state_storage_account,
        config.state_container,
        config.resource_group_name,
        config.github_repository,
    ) == ("stidkitstate01", "tfstate", "rg-idkit-deploy", "your-org/azure-identity-kit"), (
        "the state names from IDKIT_STATE_*, the repository from environments.toml"
    )
