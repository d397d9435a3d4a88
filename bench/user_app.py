"""A user's own app: the README's reuse pattern ("Using the constructs in your
own stack"), N container apps built from the public API only, with the guard
on, in the user's own entry point: none of main.py's import-time speed-ups.

    python bench/user_app.py N [--fast]

`--fast` adds the one documented call, `enable_fast_synth()`, after the imports
(docs/performance.md). Prints one JSON line of wall-clock marks, as
bench/scale_app.py does, for bench/run.py.
"""

from __future__ import annotations

import json
import os
import sys
import time

T_START = time.time()

from azure_identity_kit import (  # noqa: E402
    ContainerAppWithIdentity,
    ContainerAppWithIdentityProps,
    ContainerSpec,
    GrantTarget,
    IngressSpec,
    RegistryRef,
    UserAssignedIdentity,
    UserAssignedIdentityProps,
    enable_fast_synth,
)
from azure_identity_kit.guard import apply_guard  # noqa: E402

try:
    from cdktf import App, TerraformStack
    from cdktf_cdktf_provider_azurerm.container_app_environment import (
        ContainerAppEnvironment,
    )
    from cdktf_cdktf_provider_azurerm.provider import (
        AzurermProvider,
        AzurermProviderFeatures,
    )
    from cdktf_cdktf_provider_azurerm.resource_group import ResourceGroup
except ModuleNotFoundError:  # the fork's venv (docs/toolchains.md)
    from cdktn import App, TerraformStack  # type: ignore[no-redef]
    from cdktn_provider_azurerm.container_app_environment import (  # type: ignore[no-redef]
        ContainerAppEnvironment,
    )
    from cdktn_provider_azurerm.provider import (  # type: ignore[no-redef]
        AzurermProvider,
        AzurermProviderFeatures,
    )
    from cdktn_provider_azurerm.resource_group import ResourceGroup  # type: ignore[no-redef]

LOCATION = "westeurope"
ACR_ID = (
    "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-shared/providers/"
    "Microsoft.ContainerRegistry/registries/crshared"
)
VAULT_ID = (
    "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-shared/providers/"
    "Microsoft.KeyVault/vaults/kv-shop"
)
BLOB_ID = (
    "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-shared/providers/"
    "Microsoft.Storage/storageAccounts/stshop/blobServices/default/containers/orders"
)


class ShopStack(TerraformStack):
    def __init__(self, scope: App, name: str, apps: int) -> None:
        super().__init__(scope, name)
        AzurermProvider(self, "azurerm", features=[AzurermProviderFeatures()])
        rg = ResourceGroup(self, "rg", name="rg-shop-dev", location=LOCATION)
        cae = ContainerAppEnvironment(
            self, "cae", name="cae-shop-dev", resource_group_name=rg.name, location=LOCATION
        )
        registry = RegistryRef.existing("shared-acr", ACR_ID, "crshared.azurecr.io")
        for index in range(apps):
            runtime = UserAssignedIdentity(
                self,
                f"api{index}-identity",
                UserAssignedIdentityProps(
                    name=f"id-shop-api{index}-dev", resource_group_name=rg.name, location=LOCATION
                ),
            )
            api = ContainerAppWithIdentity(
                self,
                f"api{index}",
                ContainerAppWithIdentityProps(
                    name=f"ca-shop-api{index}-dev",
                    resource_group_name=rg.name,
                    location=LOCATION,
                    container_app_environment_id=cae.id,
                    registry=registry,
                    runtime_identity=runtime,
                    containers=[
                        ContainerSpec(
                            name="api", image=f"crshared.azurecr.io/shop/api{index}:1.4.2"
                        )
                    ],
                    ingress=IngressSpec(target_port=8080),
                ),
            )
            api.grant("Storage Blob Data Reader", GrantTarget("orders", BLOB_ID))
            api.grant("Key Vault Secrets User", GrantTarget("orders-vault", VAULT_ID))
        apply_guard(self)


def main(argv: list[str]) -> None:
    if "--fast" in argv:
        enable_fast_synth()
    apps = int(next((a for a in argv if a.isdigit()), "1"))
    t_imported = time.time()
    app = App(outdir=os.environ.get("CDKTF_OUTDIR", "cdktf.out"))
    ShopStack(app, "shop", apps)
    t_built = time.time()
    app.synth()
    t_synthed = time.time()
    marks = {"start": T_START, "imported": t_imported, "built": t_built, "synthed": t_synthed}
    print(json.dumps(marks), flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
