"""Every Python sample in docs/ runs (issue 24: "every README code sample still runs",
and the README's manual is now docs/).

Each sample takes some names as given, as a user's own stack would have them (`stack`,
`rg`, `vault`, `api`, ...). `Given` builds only the names a sample reads without
defining them, in a fresh app, then the sample runs with the package's public API in
scope and the app is synthesized with `app.synth()`, which fails on error annotations.
Samples that cannot run here are listed in NOT_RUN, each with its reason, and a test
keeps that list exact.
"""

from __future__ import annotations

import ast
import builtins
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import azure_identity_kit
import pytest
from azure_identity_kit import (
    ContainerAppWithIdentity,
    ContainerAppWithIdentityProps,
    ContainerSpec,
    EntraGroup,
    EntraOnlySqlServer,
    EntraOnlySqlServerProps,
    GrantTarget,
    IdentityOnlyCosmosAccount,
    IdentityOnlyCosmosAccountProps,
    IdentityOnlyRegistry,
    IdentityOnlyRegistryProps,
    IdentityOnlyStorage,
    IdentityOnlyStorageProps,
    RbacKeyVault,
    RbacKeyVaultProps,
    UserAssignedIdentity,
    UserAssignedIdentityProps,
)
from azure_identity_kit._cdktf import App, TerraformStack
from azure_identity_kit.azurerm import (
    container_app_environment,
    container_registry,
    log_analytics_workspace,
    provider,
    resource_group,
    storage_account,
    storage_container,
    subnet,
    virtual_network,
)

REPO = Path(__file__).resolve().parent.parent
DOCS = REPO / "docs"
BLOCK = re.compile(r"```python\n(.*?)```", re.S)

NOT_RUN = {
    ("constraints.md", 0): "an excerpt of container_app.py's field declarations",
    ("constructs/container-app.md", 0): "the props it does not discuss are elided with '...'",
    ("constructs/cosmos-db.md", 1): "the app's own code (azure-cosmos, not a kit dependency)",
    ("constructs/sql.md", 1): "the app's own code (pyodbc, not a kit dependency)",
}

SUBSCRIPTION = "/subscriptions/6f1c2d3e-4a5b-4c6d-8e7f-8091a2b3c4d5/resourceGroups/rg-shared"
GUID = "3f2b8c1e-5d4a-4b6c-9e8f-0a1b2c3d4e5f"
SSH_KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHQ6Zq1vA8wY2s9xK3bT4cN5dE6fG7hJ8kL9mN0pQ1rS docs"
LOCATION = "westeurope"


def samples() -> list[tuple[str, int, str]]:
    found = []
    for page in sorted(DOCS.rglob("*.md")):
        for index, code in enumerate(BLOCK.findall(page.read_text(encoding="utf-8"))):
            found.append((str(page.relative_to(DOCS)), index, code))
    return found


def free_names(code: str) -> set[str]:
    """Names the sample reads but neither assigns nor imports."""
    tree = ast.parse(code)
    bound, read = set(), set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Name):
            (read if isinstance(node.ctx, ast.Load) else bound).add(node.id)
        elif isinstance(node, ast.Import | ast.ImportFrom):
            bound |= {(alias.asname or alias.name).split(".")[0] for alias in node.names}
    return read - bound - set(dir(builtins))


class Given:
    """What a sample takes as given, each made on first use (IDs prefixed 'given-',
    so they never clash with what the sample itself creates)."""

    def __init__(self, outdir: Path) -> None:
        self.app = App(outdir=str(outdir))
        self.made: dict[str, Any] = {}

    def __getitem__(self, name: str) -> Any:
        if name not in self.made:
            factory: Callable[[], Any] = getattr(self, f"_{name}")
            self.made[name] = factory()
        return self.made[name]

    def _new_stack(self, name: str) -> TerraformStack:
        stack = TerraformStack(self.app, name)
        provider.AzurermProvider(stack, "azurerm", features=[provider.AzurermProviderFeatures()])
        return stack

    def _stack(self) -> TerraformStack:
        return self._new_stack("docs")

    def _admin_stack(self) -> TerraformStack:
        return self._new_stack("docs-admin")

    def _workload_stack(self) -> TerraformStack:
        return self["stack"]

    def _rg(self) -> Any:
        return resource_group.ResourceGroup(
            self["stack"], "given-rg", name="rg-shop-dev", location=LOCATION
        )

    def _group(self) -> Any:
        return resource_group.ResourceGroup(
            self["admin_stack"], "given-group", name="rg-shop-dev", location=LOCATION
        )

    def _cae(self) -> Any:
        return container_app_environment.ContainerAppEnvironment(
            self["stack"],
            "given-cae",
            name="cae-shop-dev",
            location=LOCATION,
            resource_group_name=self["rg"].name,
        )

    def _sql_admins_object_id(self) -> str:
        return GUID

    def _ops_admins_object_id(self) -> str:
        return GUID

    def _acr_id(self) -> str:
        return f"{SUBSCRIPTION}/providers/Microsoft.ContainerRegistry/registries/crshared"

    def _vault_id(self) -> str:
        return f"{SUBSCRIPTION}/providers/Microsoft.KeyVault/vaults/kv-orders"

    def _account(self) -> Any:
        return storage_account.StorageAccount(
            self["stack"],
            "given-account",
            name="stshopqueuesdev",
            resource_group_name=self["rg"].name,
            location=LOCATION,
            account_tier="Standard",
            account_replication_type="LRS",
            shared_access_key_enabled=False,
        )

    def _blob_container(self) -> Any:
        return storage_container.StorageContainer(
            self["stack"], "given-orders", name="orders", storage_account_id=self["account"].id
        )

    def _storage(self) -> IdentityOnlyStorage:
        storage = IdentityOnlyStorage(
            self["stack"],
            "given-storage",
            IdentityOnlyStorageProps(
                name="stshopdatadev", resource_group_name=self["rg"].name, location=LOCATION
            ),
        )
        for name in ("data", "results"):
            storage.add_container(name)
        return storage

    def _func_storage(self) -> IdentityOnlyStorage:
        return IdentityOnlyStorage(
            self["stack"],
            "given-func-storage",
            IdentityOnlyStorageProps(
                name="stshopfuncdev", resource_group_name=self["rg"].name, location=LOCATION
            ),
        )

    def _results_container(self) -> GrantTarget:
        return self["storage"].add_container("worker-results")

    def _data_container(self) -> GrantTarget:
        return self["storage"].add_container("web-data")

    def _vault(self) -> RbacKeyVault:
        return RbacKeyVault(
            self["stack"],
            "given-vault",
            RbacKeyVaultProps(
                name="kv-shop-dev",
                resource_group_name=self["rg"].name,
                location=LOCATION,
                tenant_id=GUID,
            ),
        )

    def _registry(self) -> IdentityOnlyRegistry:
        return IdentityOnlyRegistry(
            self["stack"],
            "given-registry",
            IdentityOnlyRegistryProps(
                name="crshopdev",
                resource_group_name=self["rg"].name,
                location=LOCATION,
                sku="Premium",
            ),
        )

    def _identity(self, name: str = "identity") -> UserAssignedIdentity:
        return UserAssignedIdentity(
            self["stack"],
            f"given-{name}",
            UserAssignedIdentityProps(
                name=f"id-shop-{name}-dev", resource_group_name=self["rg"].name, location=LOCATION
            ),
        )

    def _worker_identity(self) -> UserAssignedIdentity:
        return self._identity("worker-identity")

    def _web_identity(self) -> UserAssignedIdentity:
        return self._identity("web-identity")

    def _func_identity(self) -> UserAssignedIdentity:
        return self._identity("func-identity")

    def _container_app(self, name: str) -> ContainerAppWithIdentity:
        return ContainerAppWithIdentity(
            self["stack"],
            f"given-{name}",
            ContainerAppWithIdentityProps(
                name=f"ca-shop-{name}-dev",
                resource_group_name=self["rg"].name,
                location=LOCATION,
                container_app_environment_id=self["cae"].id,
                registry=self["registry"].ref,
                runtime_identity=self._identity(f"{name}-runtime"),
                containers=[ContainerSpec(name=name, image=f"crshopdev.azurecr.io/{name}:1.0.0")],
            ),
        )

    def _api(self) -> ContainerAppWithIdentity:
        return self._container_app("api")

    def _worker(self) -> ContainerAppWithIdentity:
        return self._container_app("worker")

    def _cosmos(self) -> IdentityOnlyCosmosAccount:
        return IdentityOnlyCosmosAccount(
            self["stack"],
            "given-cosmos",
            IdentityOnlyCosmosAccountProps(
                name="cosmos-shop-dev", resource_group_name=self["rg"].name, location=LOCATION
            ),
        )

    def _items(self) -> Any:
        cosmos = self["cosmos"]
        return cosmos.add_container(cosmos.add_database("app"), "items", partition_key_path="/id")

    def _logs(self) -> Any:
        return log_analytics_workspace.LogAnalyticsWorkspace(
            self["stack"],
            "given-logs",
            name="log-shop-dev",
            resource_group_name=self["rg"].name,
            location=LOCATION,
        )

    def _sql(self) -> EntraOnlySqlServer:
        return EntraOnlySqlServer(
            self["stack"],
            "given-sql",
            EntraOnlySqlServerProps(
                name="sql-shop-dev",
                resource_group_name=self["rg"].name,
                location=LOCATION,
                administrators=EntraGroup(label="sg-shop-sql-admins", object_id=GUID),
            ),
        )

    def _app_db(self) -> Any:
        return self["sql"].add_database("app")

    def _vnet(self) -> Any:
        return virtual_network.VirtualNetwork(
            self["stack"],
            "given-vnet",
            name="vnet-shop-dev",
            resource_group_name=self["rg"].name,
            location=LOCATION,
            address_space=["10.20.0.0/16"],
        )

    def _subnet(self, name: str, prefix: str, delegation: str | None = None) -> Any:
        delegations = (
            [
                subnet.SubnetDelegation(
                    name=delegation,
                    service_delegation=subnet.SubnetDelegationServiceDelegation(name=delegation),
                )
            ]
            if delegation
            else None
        )
        return subnet.Subnet(
            self["stack"],
            f"given-{name}",
            name=f"snet-{name}",
            resource_group_name=self["rg"].name,
            virtual_network_name=self["vnet"].name,
            address_prefixes=[prefix],
            delegation=delegations,
        )

    def _aci_subnet(self) -> Any:
        return self._subnet("aci", "10.20.1.0/24", "Microsoft.ContainerInstance/containerGroups")

    def _ops_subnet(self) -> Any:
        return self._subnet("ops", "10.20.2.0/24")

    def _pe_subnet(self) -> Any:
        return self._subnet("pe", "10.20.3.0/24")

    def _grant(self) -> Any:
        return self["identity"].grant("Storage Blob Data Reader", GrantTarget.of(self["account"]))

    def _legacy(self) -> Any:
        return container_registry.ContainerRegistry(
            self["stack"],
            "given-legacy",
            name="crlegacydev",
            resource_group_name=self["rg"].name,
            location=LOCATION,
            sku="Standard",
            admin_enabled=True,
        )


def _runnable() -> list[tuple[str, int, str]]:
    return [(page, index, code) for page, index, code in samples() if (page, index) not in NOT_RUN]


@pytest.mark.parametrize(
    "page, index, code", _runnable(), ids=[f"{p}#{i}" for p, i, _ in _runnable()]
)
def test_the_docs_sample_runs_and_synthesizes(
    page: str, index: int, code: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "ops_key.pub").write_text(SSH_KEY + "\n")  # docs/constructs/vm.md reads it
    given = Given(tmp_path / "out")
    kit = azure_identity_kit
    scope: dict[str, Any] = {name: getattr(kit, name) for name in kit.__all__}
    for name in sorted(free_names(code)):
        if hasattr(Given, f"_{name}"):  # before the kit's own names: `grant` is a Grant here
            scope[name] = given[name]
        assert name in scope, f"{page} sample {index} takes '{name}' as given"
    exec(compile(code, f"docs/{page}", "exec"), scope)  # noqa: S102  (the docs' own sample)
    given.app.synth()
    written = list((tmp_path / "out" / "stacks").glob("*/cdk.tf.json"))
    assert written, "the sample's stack was synthesized"


def test_the_samples_not_run_are_exactly_those_listed():
    present = {(page, index) for page, index, _ in samples()}
    assert sorted(set(NOT_RUN) - present) == [], "a listed sample is gone: drop it from NOT_RUN"
