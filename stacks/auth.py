"""How Terraform's Azure providers authenticate: never with a secret.

Three modes, chosen by IDKIT_AUTH (or `EnvironmentConfig.auth`; the variable wins):

- `cli` (default): the Azure CLI session of the person at the keyboard (`az login`).
- `oidc`: GitHub Actions' OpenID Connect token, exchanged for an Entra ID token of
  the deployment identity through its federated credential (no client secret).
  The provider reads ARM_CLIENT_ID, ARM_TENANT_ID and the token request URL/token
  that GitHub sets for jobs with `id-token: write`.
- `msi`: the managed identity of the machine running Terraform (a self-hosted
  runner or a VM). IDKIT_MSI_CLIENT_ID picks a user-assigned identity by client
  ID (a client ID is not a secret); without it the system-assigned one is used.

The subscription and tenant are never written into the synthesized JSON: the
providers read ARM_SUBSCRIPTION_ID and ARM_TENANT_ID when Terraform runs.
`auth.provider_kwargs()` fits both azurerm and azapi (same argument names).
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from azure_identity_kit._cdktf import IConstruct
from azure_identity_kit.azurerm import provider
from azure_identity_kit.errors import KitValidationError

CLI, OIDC, MSI = "cli", "oidc", "msi"
AUTH_MODES = (CLI, OIDC, MSI)
AUTH_ENV = "IDKIT_AUTH"
MSI_CLIENT_ID_ENV = "IDKIT_MSI_CLIENT_ID"
_GUID = re.compile(r"^[0-9a-fA-F]{8}-([0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}$")

# Registered once by the bootstrap (run by an administrator who may register
# resource providers on the subscription); the pipeline identity may not.
PRODUCT_RESOURCE_PROVIDERS = (
    "Microsoft.App",
    "Microsoft.Compute",
    "Microsoft.ContainerInstance",
    "Microsoft.ContainerRegistry",
    "Microsoft.KeyVault",
    "Microsoft.ManagedIdentity",
    "Microsoft.Network",
    "Microsoft.OperationalInsights",
    "Microsoft.Storage",
)


@dataclass(frozen=True)
class ProviderAuth:
    """One authentication mode for the azurerm/azapi providers and the azurerm backend."""

    mode: str = CLI
    msi_client_id: str | None = None
    """Client ID of the user-assigned identity to use in `msi` mode. Default: system-assigned."""

    @property
    def is_pipeline(self) -> bool:
        """OIDC and MSI run as the deployment identity, which only holds rights on the
        environment's resource group (see stacks/bootstrap.py)."""
        return self.mode in (OIDC, MSI)

    def provider_kwargs(self) -> dict[str, Any]:
        """Authentication arguments for `provider "azurerm"` and `provider "azapi"`.

        The pipeline modes turn the CLI off, so a failed OIDC or MSI login fails
        instead of silently falling back to whatever `az` session the runner has.
        """
        if self.mode == OIDC:
            return {"use_oidc": True, "use_cli": False}
        if self.mode == MSI:
            kwargs: dict[str, Any] = {"use_msi": True, "use_cli": False}
            if self.msi_client_id:
                kwargs["client_id"] = self.msi_client_id
            return kwargs
        return {"use_cli": True}

    def backend_kwargs(self) -> dict[str, Any]:
        """Authentication arguments for `backend "azurerm"` (Entra ID, never a key).

        The backend uses the Azure CLI when neither OIDC nor MSI is set.
        """
        kwargs: dict[str, Any] = {"use_azuread_auth": True}
        if self.mode == OIDC:
            kwargs["use_oidc"] = True
        elif self.mode == MSI:
            kwargs["use_msi"] = True
            if self.msi_client_id:
                kwargs["client_id"] = self.msi_client_id
        return kwargs


def resolve_auth(
    configured: str | None = None,
    msi_client_id: str | None = None,
    *,
    environ: Mapping[str, str] | None = None,
    path: str = "app",
) -> ProviderAuth:
    """The mode from IDKIT_AUTH, else `configured`, else `cli`; IDKIT_MSI_CLIENT_ID
    likewise wins over `msi_client_id`. The client ID only matters in `msi` mode."""
    env = os.environ if environ is None else environ
    mode = (env.get(AUTH_ENV) or configured or CLI).strip().lower()
    if mode not in AUTH_MODES:
        raise KitValidationError(
            path,
            "auth-mode",
            f"Unknown provider authentication mode '{mode}'.",
            f"Set {AUTH_ENV} (or EnvironmentConfig.auth) to one of {', '.join(AUTH_MODES)}.",
        )
    client_id = (env.get(MSI_CLIENT_ID_ENV) or msi_client_id or "").strip() or None
    if mode != MSI:
        client_id = None
    elif client_id is not None and not _GUID.match(client_id):
        raise KitValidationError(
            path,
            "auth-msi-client-id",
            f"'{client_id}' is not a client ID (a GUID).",
            f"Set {MSI_CLIENT_ID_ENV} to the user-assigned identity's client ID, or unset it "
            "to use the machine's system-assigned identity.",
        )
    return ProviderAuth(mode, client_id)


def azurerm_provider(
    scope: IConstruct, auth: ProviderAuth, *, register_resource_providers: bool = False
) -> provider.AzurermProvider:
    """`provider "azurerm"` with the given authentication and no secret.

    - `storage_use_azuread = true`: storage calls use Entra ID, never account keys.
    - `features.storage.data_plane_available = false`: the provider does not read a
      storage account's queue/static-website properties through the data plane;
      with shared keys off that would need data roles the deployer does not hold.
      (The kit manages blob containers through the management plane.)
    - Resource providers: the pipeline identity cannot register them (a
      subscription-wide action), so in `oidc`/`msi` mode none are registered; the
      bootstrap (`register_resource_providers=True`) registers what the product uses.
    """
    kwargs: dict[str, Any] = dict(auth.provider_kwargs())
    if register_resource_providers:
        kwargs["resource_provider_registrations"] = "none"
        kwargs["resource_providers_to_register"] = list(PRODUCT_RESOURCE_PROVIDERS)
    elif auth.is_pipeline:
        kwargs["resource_provider_registrations"] = "none"
    return provider.AzurermProvider(
        scope,
        "azurerm",
        features=[
            provider.AzurermProviderFeatures(
                storage=[provider.AzurermProviderFeaturesStorage(data_plane_available=False)]
            )
        ],
        storage_use_azuread=True,
        **kwargs,
    )
