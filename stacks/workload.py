"""One environment's workload: the kit's constructs composed the way a platform
team would deploy an identity-only container app."""

from __future__ import annotations

from azure_identity_kit import (
    HOST_STORAGE_SUBRESOURCES,
    AciContainerSpec,
    AciPrivateNetwork,
    AciPublicNetwork,
    AppKeyVaultReference,
    ContainerAppWithIdentity,
    ContainerAppWithIdentityProps,
    ContainerInstanceFromAcr,
    ContainerInstanceFromAcrProps,
    ContainerSpec,
    CosmosContainer,
    DaprSpec,
    EntraGroup,
    EntraOnlySqlServer,
    EntraOnlySqlServerProps,
    FunctionAppWithIdentity,
    FunctionAppWithIdentityProps,
    FunctionTrigger,
    IdentityOnlyCosmosAccount,
    IdentityOnlyCosmosAccountProps,
    IdentityOnlyRegistry,
    IdentityOnlyRegistryProps,
    IdentityOnlyStorage,
    IdentityOnlyStorageProps,
    IngressSpec,
    KeyVaultSecretRef,
    LinuxServicePlan,
    LinuxServicePlanProps,
    PrivateEndpointFor,
    PrivateEndpointForProps,
    PrivateLinkService,
    RbacKeyVault,
    RbacKeyVaultProps,
    SqlDatabase,
    UserAssignedIdentity,
    UserAssignedIdentityProps,
    VmWithIdentity,
    VmWithIdentityProps,
    WebAppWithIdentity,
    WebAppWithIdentityProps,
)
from azure_identity_kit._cdktf import (
    Construct,
    TerraformOutput,
    TerraformResource,
    TerraformResourceLifecycle,
    TerraformStack,
)
from azure_identity_kit.azurerm import (
    container_app_environment,
    data_azurerm_client_config,
    log_analytics_workspace,
    resource_group,
)
from azure_identity_kit.guard import declare_guardrails, declare_private_network
from azure_identity_kit.waits import WAIT_CONTEXT

from .backend import configure_deployment
from .config import EnvironmentConfig
from .network import WORKER_PORT, Network, add_internal_apps_dns, build_network


class WorkloadStack(TerraformStack):
    def __init__(self, scope: Construct, config: EnvironmentConfig) -> None:
        super().__init__(scope, config.name)
        self.config = config
        if config.propagation_wait is not None:  # before any child: cdktf context
            self.node.set_context(WAIT_CONTEXT, config.propagation_wait)
        # State: a relative local file, or `backend "azurerm"` with Entra ID auth when
        # configured (stacks/backend.py). Provider credentials come from the
        # environment (Azure CLI, OIDC or managed identity; stacks/auth.py); storage
        # calls use Entra ID, never account keys.
        self.auth = configure_deployment(self, config)
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
        network = build_network(self, config, rg_name)
        if config.private:  # the guard warns on any data service left public
            declare_private_network(self)
        if config.assigned_guardrails is not None:  # the bootstrap assigns them on the group
            declare_guardrails(self, config.assigned_guardrails)
        environment = container_app_environment.ContainerAppEnvironment(
            self,
            "container-apps",
            name=config.resource_name("cae"),
            resource_group_name=rg_name,
            location=location,
            log_analytics_workspace_id=logs.id,
            **_environment_network(config, network),
            tags=tags,
        )
        if config.private and not config.api_public_ingress:
            add_internal_apps_dns(self, config, network, environment, rg_name)
        registry = IdentityOnlyRegistry(
            self,
            "registry",
            IdentityOnlyRegistryProps(
                name=config.compact_name("cr"),
                resource_group_name=rg_name,
                location=location,
                sku=config.registry_sku,
                # The worker (Container Instances) pulls through the platform, which
                # reaches a private registry only as a trusted service.
                trusted_services_bypass=config.private,
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
        storage.add_container("data")
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

        cosmos, items, sql, app_database = self._add_data_stores(rg_name, logs.id)
        if network.dns_zones is not None and network.endpoints_subnet is not None:
            for service in (registry, storage, vault):
                service.add_private_endpoint(network.endpoints_subnet.id, network.dns_zones)
            # Cosmos DB and SQL are private by configuration (public access off).
            for purpose, store, group in (
                ("cosmos", cosmos, "Sql"),
                ("sql", sql, "sqlServer"),
            ):
                PrivateEndpointFor(
                    self,
                    f"{purpose}-endpoint",
                    PrivateEndpointForProps(
                        service=PrivateLinkService.of(
                            store.resource, group, name=config.resource_name(purpose)
                        ),
                        subnet_id=network.endpoints_subnet.id,
                        dns_zones=network.dns_zones,
                        resource_group_name=rg_name,
                        location=location,
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
                            "COSMOS_ENDPOINT": cosmos.endpoint,
                            "SQL_SERVER": sql.fqdn,
                            "SQL_DATABASE": app_database.name,
                        },
                        secret_env={"API_CONFIG": "api-config"},
                    )
                ],
                # The secret's value is set in the vault by an operator; Terraform
                # only knows its versionless URI. The pull identity reads it
                # (lifecycle None: the code cannot use that identity).
                key_vault_secrets=[
                    KeyVaultSecretRef(
                        name="api-config",
                        key_vault_secret_id=f"{vault.resource.vault_uri}secrets/api-config",
                        vault=vault.target,
                        secret_name="api-config",
                    )
                ],
                dapr=DaprSpec(app_id="api", app_port=8080) if config.dapr_state_store else None,
                ingress=IngressSpec(target_port=8080),
                min_replicas=config.api_min_replicas,
                max_replicas=config.api_max_replicas,
                tags=tags,
            ),
        )
        storage.grant_blob_read(api, container="data")
        vault.grant_secrets_read(api)
        # Data planes that are not Azure RBAC (docs/constructs/sql.md).
        cosmos.grant_data_read(api, scope=items)
        sql.grant_database_role(api, app_database, roles=["db_datareader"])
        if config.dapr_state_store:
            api.add_dapr_blob_state_store(
                "statestore",
                container_app_environment_id=environment.id,
                account_name=storage.resource.name,
                container_name="dapr-state",
                container=storage.add_container("dapr-state"),
            )

        self.identities = {"api_pull_identity": pull_identity, "api_identity": runtime_identity}
        self._output_identities(self.identities)
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

        self._add_worker_and_ops(rg_name, network, registry, storage, vault)
        self._add_web_and_functions(rg_name, network, registry, storage, vault, cosmos, items)

    def _add_data_stores(
        self, rg_name: str, workspace_id: str
    ) -> tuple[IdentityOnlyCosmosAccount, CosmosContainer, EntraOnlySqlServer, SqlDatabase]:
        """A Cosmos DB account with the `app` database and `items` container, and an
        Entra-only SQL server with the `app` database (issue 13)."""
        config = self.config
        tags = dict(config.tags)
        cosmos = IdentityOnlyCosmosAccount(
            self,
            "cosmos",
            IdentityOnlyCosmosAccountProps(
                name=config.resource_name("cosmos"),
                resource_group_name=rg_name,
                location=config.location,
                public_network_access_enabled=config.cosmos_public_network_access,
                tags=tags,
            ),
        )
        items = cosmos.add_container(cosmos.add_database("app"), "items")
        sql = EntraOnlySqlServer(
            self,
            "sql",
            EntraOnlySqlServerProps(
                name=config.resource_name("sql"),
                resource_group_name=rg_name,
                location=config.location,
                administrators=EntraGroup(
                    label=config.sql_admin_group_name,
                    object_id=config.sql_admin_group_object_id,
                ),
                public_network_access_enabled=config.sql_public_network_access,
                allow_azure_services=config.sql_public_network_access,
                audit_log_analytics_workspace_id=workspace_id,
                tags=tags,
            ),
        )
        app_database = sql.add_database("app")
        TerraformOutput(self, "cosmos_endpoint", value=cosmos.endpoint)
        TerraformOutput(self, "sql_server_fqdn", value=sql.fqdn)
        TerraformOutput(self, "sql_server_principal_id", value=sql.principal_id)
        if config.prevent_destroy:
            _prevent_destroy(
                cosmos.resource,
                items.database.resource,
                items.resource,
                sql.resource,
                app_database.resource,
            )
        return cosmos, items, sql, app_database

    def _add_worker_and_ops(
        self,
        rg_name: str,
        network: Network,
        registry: IdentityOnlyRegistry,
        storage: IdentityOnlyStorage,
        vault: RbacKeyVault,
    ) -> None:
        """The `worker` container group and the `ops` VM in the VNet (issue 3)."""
        config = self.config
        tags = dict(config.tags)
        location = config.location
        worker_subnet, ops_subnet = network.worker_subnet, network.ops_subnet
        storage.add_container("results")

        # The worker pulls with its own pull-only identity and writes results
        # with its runtime identity (AZURE_CLIENT_ID).
        worker_pull_identity = self._identity("worker-pull-identity", "worker-pull", rg_name)
        worker_identity = self._identity("worker-identity", "worker", rg_name)
        worker = ContainerInstanceFromAcr(
            self,
            "worker",
            ContainerInstanceFromAcrProps(
                name=config.resource_name("ci", "worker"),
                resource_group_name=rg_name,
                location=location,
                registry=registry.ref,
                pull_identity=worker_pull_identity,
                runtime_identity=worker_identity,
                containers=[
                    AciContainerSpec(
                        name="worker",
                        image=f"{registry.resource.login_server}/{config.worker_image}",
                        ports=[WORKER_PORT],
                        env={
                            "RESULTS_CONTAINER_URL": (
                                f"{storage.resource.primary_blob_endpoint}results"
                            ),
                        },
                    )
                ],
                network=(
                    AciPrivateNetwork(subnet_id=worker_subnet.id)
                    if config.worker_private
                    else AciPublicNetwork(dns_name_label=f"{config.workload}-worker-{config.name}")
                ),
                tags=tags,
            ),
        )
        storage.grant_blob_write(worker, container="results")

        ops = VmWithIdentity(
            self,
            "ops",
            VmWithIdentityProps(
                name=config.resource_name("vm", "ops"),
                resource_group_name=rg_name,
                location=location,
                subnet_id=ops_subnet.id,
                size=config.ops_vm_size,
                ssh_public_keys=config.ops_ssh_public_keys,
                tags=tags,
            ),
        )
        vault.grant_secrets_read(ops)
        storage.grant_blob_write(ops, container="results")

        new_identities = {
            "worker_pull_identity": worker_pull_identity,
            "worker_identity": worker_identity,
        }
        self._output_identities(new_identities)
        TerraformOutput(self, "ops_vm_principal_id", value=ops.system_principal_id)
        self.identities.update(new_identities)
        self.network = network.vnet
        self.worker = worker
        self.ops = ops

        if config.prevent_destroy:
            _prevent_destroy(worker_pull_identity.resource, worker_identity.resource)
            if network.egress_ip is not None:  # a new one would break partners' allow-lists
                _prevent_destroy(network.egress_ip)

    def _add_web_and_functions(
        self,
        rg_name: str,
        network: Network,
        registry: IdentityOnlyRegistry,
        storage: IdentityOnlyStorage,
        vault: RbacKeyVault,
        cosmos: IdentityOnlyCosmosAccount,
        items: CosmosContainer,
    ) -> None:
        """One Linux plan, the `web` app and the `func` app (issue 12); `func`
        writes to the Cosmos `items` container (issue 13). With `private`, both
        are integrated with the VNet (outbound) and func's host storage is
        reached through private endpoints (issue 14)."""
        config = self.config
        tags = dict(config.tags)
        location = config.location
        # Outbound through the VNet: the private registry, vault and storage
        # resolve to their private endpoints (nothing for `public`: dev unchanged).
        vnet = (
            {"virtual_network_subnet_id": network.app_service_subnet.id}
            if network.app_service_subnet is not None
            else {}
        )
        plan = LinuxServicePlan(
            self,
            "app-plan",
            LinuxServicePlanProps(
                name=config.resource_name("asp"),
                resource_group_name=rg_name,
                location=location,
                sku_name=config.app_plan_sku,
                worker_count=config.app_plan_workers,
                zone_balancing_enabled=config.app_plan_zone_balancing,
                tags=tags,
            ),
        )

        # The web app pulls with its own pull-only identity; its runtime identity
        # reads `data` and resolves the Key Vault reference.
        web_pull_identity = self._identity("web-pull-identity", "web-pull", rg_name)
        web_identity = self._identity("web-identity", "web", rg_name)
        web = WebAppWithIdentity(
            self,
            "web",
            WebAppWithIdentityProps(
                name=config.resource_name("app", "web"),
                resource_group_name=rg_name,
                location=location,
                service_plan=plan,
                image=config.web_image,
                registry=registry.ref,
                pull_identity=web_pull_identity,
                runtime_identity=web_identity,
                app_settings={
                    "BLOB_CONTAINER_URL": f"{storage.resource.primary_blob_endpoint}data",
                },
                key_vault_references=[
                    AppKeyVaultReference(
                        setting="WEB_CONFIG",
                        secret_uri=f"{vault.resource.vault_uri}secrets/web-config",
                        vault=vault.target,
                        secret_name="web-config",
                    )
                ],
                public_network_access_enabled=config.apps_public,
                **vnet,
                health_check_path="/healthz",
                tags=tags,
            ),
        )
        storage.grant_blob_read(web, container="data")

        # The function app's host storage is its own account, reached by its
        # runtime identity with the roles of one queue trigger.
        func_storage = IdentityOnlyStorage(
            self,
            "func-storage",
            IdentityOnlyStorageProps(
                name=config.compact_name("stfn"),
                resource_group_name=rg_name,
                location=location,
                replication_type=config.storage_replication,
                tags=tags,
            ),
        )
        if network.dns_zones is not None and network.endpoints_subnet is not None:
            # Blob, queue and table, each with its endpoint and DNS zone; the host
            # storage grants carry them, so func waits for all three.
            func_storage.add_private_endpoints(
                network.endpoints_subnet.id, network.dns_zones, HOST_STORAGE_SUBRESOURCES
            )
        func_identity = self._identity("func-identity", "func", rg_name)
        func = FunctionAppWithIdentity(
            self,
            "func",
            FunctionAppWithIdentityProps(
                name=config.resource_name("func", "jobs"),
                resource_group_name=rg_name,
                location=location,
                service_plan=plan,
                host_storage=func_storage,
                runtime_identity=func_identity,
                triggers=[FunctionTrigger.QUEUE],
                public_network_access_enabled=config.apps_public,
                **vnet,
                tags=tags,
            ),
        )
        cosmos.grant_data_write(func, scope=items)

        new_identities = {
            "web_pull_identity": web_pull_identity,
            "web_identity": web_identity,
            "func_identity": func_identity,
        }
        self._output_identities(new_identities)
        TerraformOutput(self, "web_hostname", value=web.default_hostname)
        TerraformOutput(self, "func_hostname", value=func.default_hostname)
        self.identities.update(new_identities)
        self.app_plan, self.web, self.func = plan, web, func

        if config.prevent_destroy:
            _prevent_destroy(
                web_pull_identity.resource,
                web_identity.resource,
                func_identity.resource,
                func_storage.resource,
            )

    def _output_identities(self, identities: dict[str, UserAssignedIdentity]) -> None:
        """`<name>_resource_id`, `_principal_id` and `_client_id` for each identity."""
        for name, identity in identities.items():
            TerraformOutput(self, f"{name}_resource_id", value=identity.resource_id)
            TerraformOutput(self, f"{name}_principal_id", value=identity.principal_id)
            TerraformOutput(self, f"{name}_client_id", value=identity.client_id)

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


def _environment_network(config: EnvironmentConfig, network: Network) -> dict[str, object]:
    """Container Apps in the VNet (`private`): a workload profiles environment (the
    type that takes a /27 or larger delegated subnet, NSGs and NAT egress; only its
    free Consumption profile, no dedicated nodes), with an internal load balancer
    unless the API is public. Nothing for `public`: dev's environment is unchanged."""
    if network.apps_subnet is None:
        return {}
    return {
        "infrastructure_subnet_id": network.apps_subnet.id,
        "internal_load_balancer_enabled": not config.api_public_ingress,
        "workload_profile": [
            container_app_environment.ContainerAppEnvironmentWorkloadProfile(
                name="Consumption", workload_profile_type="Consumption"
            )
        ],
    }


def _prevent_destroy(*resources: TerraformResource) -> None:
    for resource in resources:
        resource.lifecycle = TerraformResourceLifecycle(prevent_destroy=True)
