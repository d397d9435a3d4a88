"""The scale series: one stack holding N container apps, each with its own
identities and grants, built from the kit's public constructs.

Per app: a runtime UserAssignedIdentity, a ContainerAppWithIdentity that pulls
from the stack's registry (so it creates its own pull-only identity and AcrPull
grant) and two grants for the runtime identity (Storage Blob Data Reader on a
blob container, Key Vault Secrets User on a vault). With the kit's azapi action
for the identity settings that is seven resources per app, plus ten shared.

`python bench/scale_app.py N` synthesizes into $CDKTF_OUTDIR and prints one JSON
line of wall-clock marks (time.time()) that bench/run.py turns into phases. Run
as a script it uses main.py's entry-point speed-ups too (same switches).
"""

from __future__ import annotations

import gc
import json
import os
import sys
import time

T_START = time.time()

# The same entry-point speed-ups as main.py (import_for_synth), same switches.
_PAUSE_GC = (
    __name__ == "__main__"
    and os.environ.get("AZURE_IDENTITY_KIT_EAGER_PROVIDER", "") in ("", "0")
    and os.environ.get("AZURE_IDENTITY_KIT_GC_FREEZE", "") != "0"
    and gc.isenabled()
)
if _PAUSE_GC:
    gc.disable()

from azure_identity_kit import (  # noqa: E402
    ContainerAppWithIdentity,
    ContainerAppWithIdentityProps,
    ContainerSpec,
    IdentityOnlyRegistry,
    IdentityOnlyRegistryProps,
    IdentityOnlyStorage,
    IdentityOnlyStorageProps,
    IngressSpec,
    RbacKeyVault,
    RbacKeyVaultProps,
    UserAssignedIdentity,
    UserAssignedIdentityProps,
)
from azure_identity_kit._cdktf import App, TerraformStack, skip_type_checks  # noqa: E402
from azure_identity_kit.azurerm import (  # noqa: E402
    container_app_environment,
    log_analytics_workspace,
    provider,
    resource_group,
)

LOCATION = "westeurope"
TENANT_ID = "00000000-0000-0000-0000-000000000000"


class ScaleStack(TerraformStack):
    def __init__(self, scope: App, name: str, apps: int) -> None:
        super().__init__(scope, name)
        provider.AzurermProvider(
            self, "azurerm", features=[provider.AzurermProviderFeatures()], storage_use_azuread=True
        )
        rg = resource_group.ResourceGroup(
            self, "resource-group", name="rg-bench-scale", location=LOCATION
        )
        logs = log_analytics_workspace.LogAnalyticsWorkspace(
            self, "logs", name="log-bench-scale", resource_group_name=rg.name, location=LOCATION
        )
        environment = container_app_environment.ContainerAppEnvironment(
            self,
            "container-apps",
            name="cae-bench-scale",
            resource_group_name=rg.name,
            location=LOCATION,
            log_analytics_workspace_id=logs.id,
        )
        registry = IdentityOnlyRegistry(
            self,
            "registry",
            IdentityOnlyRegistryProps(
                name="crbenchscale", resource_group_name=rg.name, location=LOCATION
            ),
        )
        storage = IdentityOnlyStorage(
            self,
            "storage",
            IdentityOnlyStorageProps(
                name="stbenchscale", resource_group_name=rg.name, location=LOCATION
            ),
        )
        data = storage.add_container("data")
        vault = RbacKeyVault(
            self,
            "vault",
            RbacKeyVaultProps(
                name="kv-bench-scale",
                resource_group_name=rg.name,
                location=LOCATION,
                tenant_id=TENANT_ID,
            ),
        )
        # Token strings read once, as stacks/workload.py does (each read is a jsii call).
        rg_name, environment_id, login_server = rg.name, environment.id, registry.ref.login_server
        self.apps = []
        for index in range(apps):
            runtime = UserAssignedIdentity(
                self,
                f"app{index}-identity",
                UserAssignedIdentityProps(
                    name=f"id-bench-app{index}", resource_group_name=rg_name, location=LOCATION
                ),
            )
            app = ContainerAppWithIdentity(
                self,
                f"app{index}",
                ContainerAppWithIdentityProps(
                    name=f"ca-bench-app{index}",
                    resource_group_name=rg_name,
                    location=LOCATION,
                    container_app_environment_id=environment_id,
                    registry=registry.ref,
                    runtime_identity=runtime,
                    containers=[
                        ContainerSpec(name="app", image=f"{login_server}/app{index}:1.0.0")
                    ],
                    ingress=IngressSpec(target_port=8080),
                ),
            )
            app.grant("Storage Blob Data Reader", data)
            app.grant("Key Vault Secrets User", vault.target)
            self.apps.append(app)


def build_scale_app(apps: int, outdir: str) -> App:
    app = App(outdir=outdir)
    ScaleStack(app, "scale", apps)
    return app


def main(argv: list[str]) -> None:
    if _PAUSE_GC:
        gc.enable()
        gc.freeze()
    skip_type_checks()
    apps = int(argv[0]) if argv else 1
    t_imported = time.time()
    app = build_scale_app(apps, os.environ.get("CDKTF_OUTDIR", "cdktf.out"))
    t_built = time.time()
    app.synth()
    t_synthed = time.time()
    marks = {"start": T_START, "imported": t_imported, "built": t_built, "synthed": t_synthed}
    print(json.dumps(marks), flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
