"""One environment's workload: the kit's constructs composed the way a platform
team would deploy an identity-only container app."""

from __future__ import annotations

from azure_identity_kit import (
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
from azure_identity_kit._cdktf import (
    Construct,
    LocalBackend,
    TerraformOutput,
    TerraformResource,
    TerraformResourceLifecycle,
    TerraformStack,
)
from azure_identity_kit.azurerm import (
    container_app_environment,
    data_azurerm_client_config,
    log_analytics_workspace,
    provider,
    resource_group,
)

from .config import EnvironmentConfig


class WorkloadStack(TerraformStack):
    def __init__(self, scope: Construct, config: EnvironmentConfig) -> None:
        super().__init__(scope, config.name)
        self.config = config
        # Relative to cdktf.out/stacks/<stack>/, where Terraform runs: the state
        # lands in the project root and no absolute path enters the JSON.
        LocalBackend(self, path=f"../../../terraform.{config.name}.tfstate")
        # Credentials come from the environment (Azure CLI, OIDC or managed
        # identity); storage data-plane calls use Entra ID, never account keys.
        provider.AzurermProvider(
            self,
            "azurerm",
            features=[provider.AzurermProviderFeatures()],
            storage_use_azuread=True,
        )
        client = data_azurerm_client_config.DataAzurermClientConfig(self, "current")
        tags = dict(config.tags)
        location = config.location

        rg = resource_group.ResourceGroup(
            self, "resource-group", name=config.resource_name("rg"), location=location, tags=tags
        )
        rg_name = rg.name
        logs = log_analytics_workspace.LogAnalyticsWorkspace(
            self,
            "logs",
            name=config.resource_name("log"),
            resource_group_name=rg_name,
            location=location,
            sku="PerGB2018",
            retention_in_days=30,
            tags=tags,
        )
        environment = container_app_environment.ContainerAppEnvironment(
            self,
            "container-apps",
            name=config.resource_name("cae"),
            resource_group_name=rg_name,
            location=location,
            log_analytics_workspace_id=logs.id,
            tags=tags,
        )
        registry = IdentityOnlyRegistry(
            self,
            "registry",
            IdentityOnlyRegistryProps(
                name=config.compact_name("cr"),
                resource_group_name=rg_name,
                location=location,
                sku=config.registry_sku,
                tags=tags,
            ),
        )
        storage = IdentityOnlyStorage(
            self,
            "storage",
            IdentityOnlyStorageProps(
                name=config.compact_name("st"),
                resource_group_name=rg_name,
                location=location,
                replication_type=config.storage_replication,
                tags=tags,
            ),
        )
        data_container = storage.add_container("data")
        vault = RbacKeyVault(
            self,
            "vault",
            RbacKeyVaultProps(
                name=config.resource_name("kv"),
                resource_group_name=rg_name,
                location=location,
                tenant_id=client.tenant_id,
                tags=tags,
            ),
        )

        # Two identities: one that can only pull, one the code uses.
        pull_identity = self._identity("api-pull-identity", "api-pull", rg_name)
        runtime_identity = self._identity("api-identity", "api", rg_name)
        api = ContainerAppWithIdentity(
            self,
            "api",
            ContainerAppWithIdentityProps(
                name=config.resource_name("ca", "api"),
                resource_group_name=rg_name,
                location=location,
                container_app_environment_id=environment.id,
                registry=registry.ref,
                pull_identity=pull_identity,
                runtime_identity=runtime_identity,
                containers=[
                    ContainerSpec(
                        name="api",
                        image=f"{registry.resource.login_server}/{config.api_image}",
                        env={
                            "BLOB_CONTAINER_URL": f"{storage.resource.primary_blob_endpoint}data",
                            "KEY_VAULT_URL": vault.resource.vault_uri,
                        },
                    )
                ],
                ingress=IngressSpec(target_port=8080),
                min_replicas=config.api_min_replicas,
                max_replicas=config.api_max_replicas,
                tags=tags,
            ),
        )
        api.grant("Storage Blob Data Reader", data_container)
        api.grant("Key Vault Secrets User", vault.target)

        self.identities = {"api_pull_identity": pull_identity, "api_identity": runtime_identity}
        for name, identity in self.identities.items():
            TerraformOutput(self, f"{name}_resource_id", value=identity.resource_id)
            TerraformOutput(self, f"{name}_principal_id", value=identity.principal_id)
            TerraformOutput(self, f"{name}_client_id", value=identity.client_id)
        TerraformOutput(self, "api_fqdn", value=api.fqdn)
        self.api = api

        if config.prevent_destroy:
            _prevent_destroy(
                pull_identity.resource,
                runtime_identity.resource,
                registry.resource,
                vault.resource,
                storage.resource,
            )

    def _identity(self, construct_id: str, purpose: str, rg_name: str) -> UserAssignedIdentity:
        return UserAssignedIdentity(
            self,
            construct_id,
            UserAssignedIdentityProps(
                name=self.config.resource_name("id", purpose),
                resource_group_name=rg_name,
                location=self.config.location,
                tags=dict(self.config.tags),
            ),
        )


def _prevent_destroy(*resources: TerraformResource) -> None:
    for resource in resources:
        resource.lifecycle = TerraformResourceLifecycle(prevent_destroy=True)
