"""Each guard rule fires on a deliberately bad stack, at its severity, on the
construct at fault, and nothing else fires there."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from azure_identity_kit import UserAssignedIdentity, UserAssignedIdentityProps
from azure_identity_kit._cdktf import Construct, TerraformStack
from azure_identity_kit.azurerm import (
    container_app,
    container_registry,
    cosmosdb_account,
    data_azurerm_client_config,
    key_vault,
    linux_function_app,
    linux_virtual_machine,
    linux_web_app,
    mssql_server,
    private_endpoint,
    resource_group,
    role_assignment,
    service_plan,
    storage_account,
    storage_container,
)
from azure_identity_kit.guard import GUARD_RULES, RULES
from guard_support import ERROR, WARNING, new_stack, synth_guarded

SUB = "/subscriptions/00000000-0000-0000-0000-000000000000"
RG_ID = f"{SUB}/resourceGroups/rg-bad"
ST_ID = f"{RG_ID}/providers/Microsoft.Storage/storageAccounts/stbad"
UAI_ID = f"{RG_ID}/providers/Microsoft.ManagedIdentity/userAssignedIdentities/id-bad"
PRINCIPAL = "11111111-1111-1111-1111-111111111111"
LOCATION = "westeurope"


def _grant(scope, construct_id, *, role="Storage Blob Data Reader", target=ST_ID, **kwargs):
    return role_assignment.RoleAssignment(
        scope,
        construct_id,
        scope=target,
        role_definition_name=role,
        principal_id=kwargs.pop("principal_id", PRINCIPAL),
        **kwargs,
    )


def _app(stack, *, registry=None, secret=None, env=None):
    container = container_app.ContainerAppTemplateContainer(
        name="api", image="crbad.azurecr.io/api:1", cpu=0.25, memory="0.5Gi", env=env
    )
    return container_app.ContainerApp(
        stack,
        "app",
        name="ca-bad",
        resource_group_name="rg-bad",
        container_app_environment_id=f"{RG_ID}/providers/Microsoft.App/managedEnvironments/cae",
        revision_mode="Single",
        template=container_app.ContainerAppTemplate(container=[container]),
        registry=registry,
        secret=secret,
        identity=container_app.ContainerAppIdentity(type="UserAssigned", identity_ids=[UAI_ID]),
    )


def privileged_role(stack: TerraformStack) -> str:
    _grant(stack, "owner", role="Owner")
    return "bad/owner"


def broad_scope(stack: TerraformStack) -> str:
    client = data_azurerm_client_config.DataAzurermClientConfig(stack, "current")
    _grant(
        stack, "subscription-wide", role="Reader", target=f"/subscriptions/{client.subscription_id}"
    )
    return "bad/subscription-wide"


def resource_group_scope(stack: TerraformStack) -> str:
    group = resource_group.ResourceGroup(stack, "rg", name="rg-bad", location=LOCATION)
    container_registry.ContainerRegistry(
        stack,
        "acr",
        name="crbad",
        resource_group_name=group.name,
        location=LOCATION,
        sku="Standard",
        admin_enabled=False,
    )
    _grant(stack, "group-wide", role="AcrPull", target=group.id)
    return "bad/group-wide"


def duplicate_grant(stack: TerraformStack) -> str:
    _grant(stack, "first")
    _grant(Construct(stack, "team-b"), "again")
    return "bad/team-b/again"


def idle_identity(stack: TerraformStack) -> str:
    UserAssignedIdentity(
        stack,
        "idle",
        UserAssignedIdentityProps(name="id-idle", resource_group_name="rg-bad", location=LOCATION),
    )
    return "bad/idle/identity"


def acr_admin(stack: TerraformStack) -> str:
    container_registry.ContainerRegistry(
        stack, "acr", name="crbad", resource_group_name="rg-bad", location=LOCATION, sku="Basic",
        admin_enabled=True,
    )  # fmt: skip
    return "bad/acr"


def acr_anonymous(stack: TerraformStack) -> str:
    container_registry.ContainerRegistry(
        stack, "acr", name="crbad", resource_group_name="rg-bad", location=LOCATION,
        sku="Standard", anonymous_pull_enabled=True,
    )  # fmt: skip
    return "bad/acr"


def vm_password(stack: TerraformStack) -> str:
    linux_virtual_machine.LinuxVirtualMachine(
        stack,
        "vm",
        name="vm-bad",
        resource_group_name="rg-bad",
        location=LOCATION,
        size="Standard_B1s",
        admin_username="azureuser",
        admin_password="Correct-Horse-9",
        disable_password_authentication=False,
        network_interface_ids=[f"{RG_ID}/providers/Microsoft.Network/networkInterfaces/nic"],
        os_disk=linux_virtual_machine.LinuxVirtualMachineOsDisk(
            caching="ReadWrite", storage_account_type="Standard_LRS"
        ),
    )
    return "bad/vm"


def registry_password(stack: TerraformStack) -> str:
    _app(
        stack,
        registry=[
            container_app.ContainerAppRegistry(
                server="crbad.azurecr.io", username="crbad", password_secret_name="acr-password"
            )
        ],
        # Even read from Key Vault by identity, a registry password is a password.
        secret=[
            container_app.ContainerAppSecret(
                name="acr-password",
                key_vault_secret_id="https://kv-bad.vault.azure.net/secrets/acr-password",
                identity=UAI_ID,
            )
        ],
    )
    return "bad/app"


def app_secret_value(stack: TerraformStack) -> str:
    _app(stack, secret=[container_app.ContainerAppSecret(name="db", value="not-a-vault-ref")])
    return "bad/app"


def env_credential(stack: TerraformStack) -> str:
    connection = "DefaultEndpointsProtocol=https;AccountName=stbad;AccountKey=bm90IGEga2V5;"
    _app(
        stack,
        env=[
            container_app.ContainerAppTemplateContainerEnv(
                name="STORAGE_CONNECTION", value=connection
            )
        ],
    )
    return "bad/app"


def key_vault_access_policy(stack: TerraformStack) -> str:
    key_vault.KeyVault(
        stack,
        "vault",
        name="kv-bad",
        resource_group_name="rg-bad",
        location=LOCATION,
        tenant_id="22222222-2222-2222-2222-222222222222",
        sku_name="standard",
        rbac_authorization_enabled=False,  # required from azurerm 5 on
        access_policy=[
            key_vault.KeyVaultAccessPolicy(
                tenant_id="22222222-2222-2222-2222-222222222222",
                object_id=PRINCIPAL,
                secret_permissions=["Get"],
            )
        ],
    )
    return "bad/vault"


def storage_shared_key(stack: TerraformStack) -> str:
    account = storage_account.StorageAccount(
        stack,
        "st",
        name="stbad",
        resource_group_name="rg-bad",
        location=LOCATION,
        account_tier="Standard",
        account_replication_type="LRS",
    )
    data = storage_container.StorageContainer(
        stack, "data", name="data", storage_account_id=account.id
    )
    _grant(stack, "reader", target=data.id)
    return "bad/st"


def _rbac_vault(stack: TerraformStack, construct_id: str, public: bool | None = None):
    return key_vault.KeyVault(
        stack,
        construct_id,
        name=f"kv-bad-{construct_id}",
        resource_group_name="rg-bad",
        location=LOCATION,
        tenant_id="22222222-2222-2222-2222-222222222222",
        sku_name="standard",
        rbac_authorization_enabled=True,
        public_network_access_enabled=public,
    )


def private_data_service_public(stack: TerraformStack) -> str:
    # One vault behind a private endpoint (public access off), one left public.
    vaults = {
        name: _rbac_vault(stack, f"{name}-vault", public)
        for name, public in (
            ("private", False),
            ("public", None),
        )
    }
    private_endpoint.PrivateEndpoint(
        stack,
        "endpoint",
        name="pe-bad",
        resource_group_name="rg-bad",
        location=LOCATION,
        subnet_id=f"{RG_ID}/providers/Microsoft.Network/virtualNetworks/vnet/subnets/pe",
        private_service_connection=private_endpoint.PrivateEndpointPrivateServiceConnection(
            name="pe-bad",
            private_connection_resource_id=vaults["private"].id,
            subresource_names=["vault"],
            is_manual_connection=False,
        ),
    )
    return "bad/public-vault"


COSMOS_ID = f"{RG_ID}/providers/Microsoft.DocumentDB/databaseAccounts/cosmos-bad"


def cosmos_data_role_arm(stack: TerraformStack) -> str:
    # What `identity.grant("Cosmos DB Built-in Data Contributor", ...)` would write
    # (grant() refuses it: grant-cosmos-data-role).
    _grant(stack, "cosmos-writer", role="Cosmos DB Built-in Data Contributor", target=COSMOS_ID)
    return "bad/cosmos-writer"


def sql_contributor(stack: TerraformStack) -> str:
    server = f"{RG_ID}/providers/Microsoft.Sql/servers/sql-bad/databases/app"
    _grant(stack, "db-contributor", role="SQL DB Contributor", target=server,
           principal_type="ServicePrincipal")  # fmt: skip
    return "bad/db-contributor"


def cosmos_local_auth(stack: TerraformStack) -> str:
    cosmosdb_account.CosmosdbAccount(
        stack,
        "cosmos",
        name="cosmos-bad",
        resource_group_name="rg-bad",
        location=LOCATION,
        offer_type="Standard",
        consistency_policy=cosmosdb_account.CosmosdbAccountConsistencyPolicy(
            consistency_level="Session"
        ),
        geo_location=[
            cosmosdb_account.CosmosdbAccountGeoLocation(location=LOCATION, failover_priority=0)
        ],
    )
    return "bad/cosmos"


def sql_password_admin(stack: TerraformStack) -> str:
    # A SQL login admin without Entra-only authentication (no password literal needed).
    mssql_server.MssqlServer(
        stack, "sql", name="sql-bad", resource_group_name="rg-bad", location=LOCATION,
        version="12.0", administrator_login="sqladmin",
    )  # fmt: skip
    return "bad/sql"


PLAN_ID = f"{RG_ID}/providers/Microsoft.Web/serverfarms/asp-bad"
_NO_BASIC_AUTH = dict(
    ftp_publish_basic_authentication_enabled=False,
    webdeploy_publish_basic_authentication_enabled=False,
)


def _web_app(stack, *, site_config=None, **kwargs):
    return linux_web_app.LinuxWebApp(
        stack, "web", name="app-bad", resource_group_name="rg-bad", location=LOCATION,
        service_plan_id=PLAN_ID, site_config=site_config or linux_web_app.LinuxWebAppSiteConfig(),
        identity=linux_web_app.LinuxWebAppIdentity(type="UserAssigned", identity_ids=[UAI_ID]),
        **{**_NO_BASIC_AUTH, **kwargs},
    )  # fmt: skip


def function_storage_key(stack: TerraformStack) -> str:
    linux_function_app.LinuxFunctionApp(
        stack, "func", name="func-bad", resource_group_name="rg-bad", location=LOCATION,
        service_plan_id=PLAN_ID, storage_account_name="stbad",
        storage_account_access_key="${var.key}",
        site_config=linux_function_app.LinuxFunctionAppSiteConfig(), **_NO_BASIC_AUTH,
    )  # fmt: skip
    return "bad/func"


def linux_consumption_plan(stack: TerraformStack) -> str:
    service_plan.ServicePlan(
        stack, "plan", name="asp-bad", resource_group_name="rg-bad", location=LOCATION,
        os_type="Linux", sku_name="Y1",
    )  # fmt: skip
    return "bad/plan"


def site_basic_auth(stack: TerraformStack) -> str:
    _web_app(stack, webdeploy_publish_basic_authentication_enabled=None)
    return "bad/web"


def site_pull_system_identity(stack: TerraformStack) -> str:
    _web_app(
        stack,
        site_config=linux_web_app.LinuxWebAppSiteConfig(
            container_registry_use_managed_identity=True
        ),
    )
    return "bad/web"


def _keyed_storage(stack: TerraformStack) -> None:
    # Shared keys on (azurerm's default), no data role granted: only the policy fires.
    storage_account.StorageAccount(
        stack, "keyed", name="stkeyed", resource_group_name="rg-bad", location=LOCATION,
        account_tier="Standard", account_replication_type="LRS",
    )  # fmt: skip


def policy_deny(stack: TerraformStack) -> str:
    from azure_identity_kit.guard import declare_guardrails
    from azure_identity_kit.policy_catalog import AssignedGuardrails

    declare_guardrails(stack, AssignedGuardrails())
    _keyed_storage(stack)
    return "bad/keyed"


def policy_audit(stack: TerraformStack) -> str:
    from azure_identity_kit.guard import declare_guardrails
    from azure_identity_kit.policy_catalog import AssignedGuardrails

    declare_guardrails(stack, AssignedGuardrails(enforce=False))
    _keyed_storage(stack)
    return "bad/keyed"


BAD: dict[str, Callable[[TerraformStack], str]] = {
    "rbac-privileged-role": privileged_role,
    "rbac-broad-scope": broad_scope,
    "rbac-resource-group-scope": resource_group_scope,
    "rbac-duplicate-grant": duplicate_grant,
    "identity-idle": idle_identity,
    "acr-admin-user": acr_admin,
    "acr-anonymous-pull": acr_anonymous,
    "vm-password-enabled": vm_password,
    "secret-registry-password": registry_password,
    "secret-app-secret-value": app_secret_value,
    "secret-env-credential": env_credential,
    "keyvault-access-policy": key_vault_access_policy,
    "storage-shared-key-with-rbac": storage_shared_key,
    "private-data-service-public": private_data_service_public,
    "cosmos-data-role-arm": cosmos_data_role_arm,
    "sql-contributor-no-data-access": sql_contributor,
    "cosmos-local-auth": cosmos_local_auth,
    "sql-password-admin": sql_password_admin,
    "function-host-storage-key": function_storage_key,
    "plan-linux-consumption": linux_consumption_plan,
    "app-basic-auth-publishing": site_basic_auth,
    "app-pull-system-identity": site_pull_system_identity,
    "policy-deny": policy_deny,
    "policy-audit": policy_audit,
}


def test_every_guard_rule_has_a_bad_stack():
    missing = sorted({rule.rule_id for rule in GUARD_RULES} - set(BAD))
    assert not missing, f"guard rules without a test that makes them fire: {missing}"


@pytest.mark.parametrize("rule_id", sorted(BAD))
def test_rule_fires_on_bad_stack(rule_id):
    stack = new_stack("bad")
    path = BAD[rule_id](stack)
    outcome = synth_guarded(stack)

    assert outcome.rule_ids() == {rule_id}, (
        f"expected only [{rule_id}] on this stack, got {outcome.annotations}"
    )
    ((level, at, message),) = outcome.of(rule_id)
    severity = RULES[rule_id].severity
    assert level == (ERROR if severity == "error" else WARNING), (
        f"[{rule_id}] is a {severity} rule, but it was annotated as {level}"
    )
    assert at == path, f"[{rule_id}] should be on the construct at fault {path}, not {at}"
    assert message.startswith(f"{path}: [{rule_id}] "), f"message must lead with path: {message}"
    assert "Fix: " in message and f'suppress(<{path}>, "{rule_id}"' in message, (
        f"message must say how to fix and how to suppress: {message}"
    )
    if severity == "error":
        assert outcome.synth_error is not None, f"synth must fail on [{rule_id}]"
        assert f"[{rule_id}]" in outcome.synth_error and path in outcome.synth_error, (
            f"cdktf's synth error must name the rule and path: {outcome.synth_error}"
        )
        assert not outcome.stack_json().exists(), "a stack with errors must not be written"
    else:
        assert outcome.synth_error is None, f"a warning must not fail synth: {outcome.synth_error}"
        assert outcome.stack_json().exists(), "a stack with only warnings is still written"


def test_same_bad_stack_without_the_guard_synthesizes_silently():
    stack = new_stack("bad")
    acr_admin(stack)
    outcome = synth_guarded(stack, guard=False)
    assert outcome.synth_error is None and not outcome.annotations, (
        "without apply_guard nothing should check the stack; the guard is what fails it"
    )


def test_apply_guard_twice_and_synth_twice_reports_once():
    stack = new_stack("bad")
    acr_admin(stack)
    synth_guarded(stack)
    outcome = synth_guarded(stack)  # applies the guard again, synthesizes again
    assert len(outcome.of("acr-admin-user")) == 1, (
        f"one finding must give one annotation, got {outcome.annotations}"
    )


def test_the_guard_is_called_once_per_stack_and_sees_what_came_after_it(monkeypatch):
    """apply_guard() puts the Aspect on a leaf of its own: cdktf calls it back
    once per stack instead of once per construct (a jsii round trip each). A
    stack guarded before its resources exist is still checked whole, under a
    full synth and under Testing.synth alike."""
    from azure_identity_kit._cdktf import Aspects, Testing
    from azure_identity_kit.guard import apply_guard
    from azure_identity_kit.guard.aspect import GUARD_CONSTRUCT_ID, GuardAspect, is_guarded

    visits: list[str] = []
    visit = GuardAspect.visit

    def counting_visit(self, node) -> None:
        visits.append(node.node.path)
        visit(self, node)

    monkeypatch.setattr(GuardAspect, "visit", counting_visit)
    stack = new_stack("bad")
    apply_guard(stack)  # before anything is in it
    acr_admin(stack)
    assert is_guarded(stack) and Aspects.of(stack).all == []
    outcome = synth_guarded(stack)
    assert visits == [f"bad/{GUARD_CONSTRUCT_ID}"], visits
    assert outcome.of("acr-admin-user") and outcome.synth_error is not None

    visits.clear()
    monkeypatch.setenv("AZURE_IDENTITY_KIT_GUARD_LEAF", "0")  # the switch: on the stack
    switched = new_stack("switched")
    acr_admin(switched)
    apply_guard(switched)
    assert len(synth_guarded(switched).of("acr-admin-user")) == 1
    assert visits[0] == "switched" and len(visits) > 2, visits
    monkeypatch.delenv("AZURE_IDENTITY_KIT_GUARD_LEAF")

    tested = new_stack("tested")
    acr_admin(tested)
    apply_guard(tested)
    Testing.synth(tested)
    assert any(
        "[acr-admin-user]" in str(e.data) for c in tested.node.find_all() for e in c.node.metadata
    ), "Testing.synth runs the guard too"


def test_a_guard_aspect_added_to_the_stack_by_hand_still_checks_it():
    from azure_identity_kit._cdktf import Aspects
    from azure_identity_kit.guard.aspect import GuardAspect, is_guarded

    stack = new_stack("bad")
    acr_admin(stack)
    Aspects.of(stack).add(GuardAspect(stack))
    assert is_guarded(stack)
    outcome = synth_guarded(stack, guard=False)
    assert len(outcome.of("acr-admin-user")) == 1


def test_kit_identity_with_a_grant_is_not_idle_and_raw_identities_are_not_checked():
    from azure_identity_kit import GrantTarget
    from azure_identity_kit.azurerm import user_assigned_identity

    stack = new_stack("bad")
    used = UserAssignedIdentity(
        stack,
        "used",
        UserAssignedIdentityProps(name="id-used", resource_group_name="rg-bad", location=LOCATION),
    )
    used.grant("Storage Blob Data Reader", GrantTarget(name="st", resource_id=ST_ID))
    user_assigned_identity.UserAssignedIdentity(
        stack, "raw", name="id-raw", resource_group_name="rg-bad", location=LOCATION
    )
    outcome = synth_guarded(stack)
    assert not outcome.of("identity-idle"), (
        "an identity with a grant, and an identity the kit did not create, are not idle: "
        f"{outcome.annotations}"
    )


def test_site_registry_password_and_connection_setting_fire():
    """App Service pulls with a password, and a function app's AzureWebJobsStorage
    connection string, are findings too (not only the flags above)."""
    stack = new_stack("bad")
    _web_app(
        stack,
        site_config=linux_web_app.LinuxWebAppSiteConfig(
            application_stack=linux_web_app.LinuxWebAppSiteConfigApplicationStack(
                docker_image_name="web:1",
                docker_registry_url="https://crbad.azurecr.io",
                docker_registry_username="crbad",
                docker_registry_password="${var.password}",
            )
        ),
    )
    linux_function_app.LinuxFunctionApp(
        stack, "func", name="func-bad", resource_group_name="rg-bad", location=LOCATION,
        service_plan_id=PLAN_ID, storage_account_name="stbad", storage_uses_managed_identity=True,
        app_settings={"AzureWebJobsStorage": "${var.connection}"},
        site_config=linux_function_app.LinuxFunctionAppSiteConfig(), **_NO_BASIC_AUTH,
    )  # fmt: skip
    outcome = synth_guarded(stack)
    assert outcome.rule_ids() == {"secret-registry-password", "function-host-storage-key"}
    ((_, at, _),) = outcome.of("secret-registry-password")
    assert at == "bad/web"
    ((_, at, message),) = outcome.of("function-host-storage-key")
    assert at == "bad/func" and "AzureWebJobsStorage" in message


@pytest.mark.parametrize("declared", [True, False])
def test_a_stack_declared_private_is_warned_without_any_endpoint(declared):
    from azure_identity_kit.guard import declare_private_network

    stack = new_stack("bad")
    _rbac_vault(stack, "vault")
    if declared:
        declare_private_network(stack)
    outcome = synth_guarded(stack)
    expected = [(WARNING, "bad/vault")] if declared else []
    assert [(level, at) for level, at, _ in outcome.of("private-data-service-public")] == expected
