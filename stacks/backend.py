"""Where an environment's Terraform state lives, and how Terraform reaches it.

Without configuration the state is a local file (`terraform.<env>.tfstate` in the
project root, by a relative path), so `make synth` and `make test` never need
Azure. With a remote state (`EnvironmentConfig.remote_state`, or the IDKIT_STATE_*
variables below, which win field by field) the stack uses `backend "azurerm"`
with Entra ID authentication (`use_azuread_auth = true`): no access key, no SAS
token. The key defaults to `<env>.tfstate`.

| variable | field |
| --- | --- |
| IDKIT_STATE_STORAGE_ACCOUNT | storage_account_name (required) |
| IDKIT_STATE_CONTAINER | container_name (required) |
| IDKIT_STATE_RESOURCE_GROUP | resource_group_name (required) |
| IDKIT_STATE_SUBSCRIPTION_ID | subscription_id (optional; default ARM_SUBSCRIPTION_ID at init) |
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, fields, replace
from typing import TYPE_CHECKING

from azure_identity_kit._cdktf import AzurermBackend, LocalBackend, TerraformStack
from azure_identity_kit.azapi import AzapiProvider
from azure_identity_kit.azurerm import data_azurerm_client_config, resource_group
from azure_identity_kit.errors import KitValidationError
from azure_identity_kit.naming import STORAGE_ACCOUNT, check_name

from .auth import ProviderAuth, azurerm_provider, resolve_auth

if TYPE_CHECKING:
    from .config import EnvironmentConfig

STATE_ENV = {
    "storage_account_name": "IDKIT_STATE_STORAGE_ACCOUNT",
    "container_name": "IDKIT_STATE_CONTAINER",
    "resource_group_name": "IDKIT_STATE_RESOURCE_GROUP",
    "subscription_id": "IDKIT_STATE_SUBSCRIPTION_ID",
}
REQUIRED = ("storage_account_name", "container_name", "resource_group_name")
_GUID = re.compile(r"^[0-9a-fA-F]{8}-([0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}$")
_CONTAINER = re.compile(r"^(?!.*--)[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$")


@dataclass(frozen=True)
class RemoteState:
    """An azurerm backend for one environment. Unset fields may come from the
    IDKIT_STATE_* variables; the storage account is reached with Entra ID only."""

    storage_account_name: str | None = None
    container_name: str | None = None
    resource_group_name: str | None = None
    """Resource group of the storage account."""
    key: str | None = None
    """Blob name of this environment's state. Default: `<env>.tfstate`."""
    subscription_id: str | None = None
    """Subscription of the storage account. Default: ARM_SUBSCRIPTION_ID when Terraform runs."""


def resolve_remote_state(
    config: EnvironmentConfig, environ: Mapping[str, str] | None = None
) -> RemoteState | None:
    """The environment's complete remote state, or None for the local default.

    Raises `backend-incomplete` for a half-filled backend (naming what is
    missing) and `backend-invalid` for values Azure would refuse.
    """
    env = os.environ if environ is None else environ
    state = config.remote_state or RemoteState()
    overrides = {
        name: env[var].strip() for name, var in STATE_ENV.items() if env.get(var, "").strip()
    }
    state = replace(state, **overrides)
    if all(getattr(state, f.name) in (None, "") for f in fields(state)):
        return None
    path = config.name
    missing = [name for name in REQUIRED if not getattr(state, name)]
    if missing:
        raise KitValidationError(
            path,
            "backend-incomplete",
            f"The remote state of '{config.name}' is half configured: "
            f"{', '.join(missing)} {'is' if len(missing) == 1 else 'are'} missing.",
            "Set "
            + ", ".join(f"{name} (or {STATE_ENV[name]})" for name in missing)
            + ", or unset every remote state setting to use the local state file.",
        )
    check_name(STORAGE_ACCOUNT, state.storage_account_name, f"{path}/backend")
    if not _CONTAINER.match(state.container_name or ""):
        raise KitValidationError(
            f"{path}/backend",
            "backend-invalid",
            f"'{state.container_name}' is not a valid blob container name.",
            "Use 3-63 lowercase letters, digits and '-', starting and ending alphanumeric.",
        )
    if state.subscription_id and not _GUID.match(state.subscription_id):
        raise KitValidationError(
            f"{path}/backend",
            "backend-invalid",
            f"'{state.subscription_id}' is not a subscription ID (a GUID).",
            f"Set subscription_id (or {STATE_ENV['subscription_id']}) to a GUID, or leave it "
            "unset to use ARM_SUBSCRIPTION_ID.",
        )
    key = state.key if state.key is not None else f"{config.name}.tfstate"
    if not key.strip() or key.startswith("/") or key != key.strip():
        raise KitValidationError(
            f"{path}/backend",
            "backend-invalid",
            f"'{key}' is not a usable state key (blob name).",
            "Use a relative blob name such as '<env>.tfstate', or leave key unset.",
        )
    return replace(state, key=key)


def check_unique_state_keys(
    configs: Iterable[EnvironmentConfig], environ: Mapping[str, str] | None = None
) -> None:
    """Two environments writing the same state blob would destroy each other's
    resources on the next apply: refuse it (`backend-key-reused`)."""
    seen: dict[tuple[str, str, str], str] = {}
    for config in configs:
        state = resolve_remote_state(config, environ)
        if state is None:
            continue
        where = (state.storage_account_name.lower(), state.container_name, state.key)
        other = seen.setdefault(where, config.name)
        if other != config.name:
            raise KitValidationError(
                config.name,
                "backend-key-reused",
                f"Environments '{other}' and '{config.name}' both keep their state in "
                f"'{state.key}' of {state.storage_account_name}/{state.container_name}.",
                "Give each environment its own key (the default '<env>.tfstate' is unique).",
            )


def configure_backend(
    stack: TerraformStack,
    config: EnvironmentConfig,
    auth: ProviderAuth,
    environ: Mapping[str, str] | None = None,
) -> RemoteState | None:
    """`backend "azurerm"` for a configured remote state, else the local file."""
    state = resolve_remote_state(config, environ)
    if state is None:
        # Relative to cdktf.out/stacks/<stack>/, where Terraform runs: the state
        # lands in the project root and no absolute path enters the JSON.
        LocalBackend(stack, path=f"../../../terraform.{stack.node.id}.tfstate")
        return None
    AzurermBackend(
        stack,
        storage_account_name=state.storage_account_name,
        container_name=state.container_name,
        key=state.key,
        resource_group_name=state.resource_group_name,
        subscription_id=state.subscription_id or None,
        **auth.backend_kwargs(),
    )
    return state


def adopt_existing_resource_group(stack: TerraformStack, config: EnvironmentConfig) -> bool:
    """With remote state, the environment's resource group already exists: an
    administrator created it before the bootstrap (which grants the pipeline
    access on it). The stack takes it over with an `import` block, which
    Terraform skips once the group is in the state. Returns whether it did."""
    name = config.resource_name("rg")
    groups = [
        node
        for node in stack.node.find_all()
        if isinstance(node, resource_group.ResourceGroup) and node.name_input == name
    ]
    if len(groups) != 1:
        return False
    client = next(
        (
            node
            for node in stack.node.children
            if isinstance(node, data_azurerm_client_config.DataAzurermClientConfig)
        ),
        None,
    ) or data_azurerm_client_config.DataAzurermClientConfig(stack, "adopt-resource-group")
    groups[0].import_from(f"/subscriptions/{client.subscription_id}/resourceGroups/{name}")
    return True


def configure_deployment(
    stack: TerraformStack, config: EnvironmentConfig, environ: Mapping[str, str] | None = None
) -> ProviderAuth:
    """The state backend and provider authentication of one environment's stack:
    `backend "azurerm"` or a local file, and `provider "azurerm"` and
    `provider "azapi"` with the same authentication (the constructs that PATCH
    through azapi find this provider instead of creating their own)."""
    auth = resolve_auth(config.auth, config.msi_client_id, environ=environ, path=config.name)
    configure_backend(stack, config, auth, environ)
    azurerm_provider(stack, auth)
    AzapiProvider(stack, **auth.provider_kwargs())
    return auth
