"""Propagation and replication waits (waits.py, docs/first-deploy.md):
grant -> wait -> workload for every workload kind, no wait where nothing is
needed at creation, stable triggers, the duration settings, grants made
outside the stack, and the Cosmos DB replication wait."""

from __future__ import annotations

import pytest
from azure_identity_kit import (
    AciContainerSpec,
    AppKeyVaultReference,
    ContainerAppWithIdentity,
    ContainerAppWithIdentityProps,
    ContainerInstanceFromAcr,
    ContainerInstanceFromAcrProps,
    ContainerSpec,
    DaprSpec,
    FunctionAppWithIdentity,
    FunctionAppWithIdentityProps,
    GrantTarget,
    HostStorage,
    IdentityOnlyCosmosAccount,
    IdentityOnlyCosmosAccountProps,
    KeyVaultSecretRef,
    KitValidationError,
    RegistryRef,
    ServicePlanRef,
    UserAssignedIdentity,
    UserAssignedIdentityProps,
    VmWithIdentity,
    VmWithIdentityProps,
    WebAppWithIdentity,
    WebAppWithIdentityProps,
    _cdktf,
)
from azure_identity_kit.azurerm import provider
from azure_identity_kit.function_app import HOST_STORAGE_ROLES
from azure_identity_kit.time_provider import TIME_VERSION
from azure_identity_kit.waits import (
    DEFAULT_PROPAGATION_WAIT,
    DEFAULT_REPLICATION_WAIT,
    REPLICATION_WAIT_CONTEXT,
    WAIT_CONTEXT,
)
from support import new_stack, only, propagation_wait, ref, resources, synth

RA = "azurerm_role_assignment"
SLEEP = "time_sleep"
UAI = "azurerm_user_assigned_identity"
RG = "/subscriptions/0/resourceGroups/rg"
REGISTRY = RegistryRef.existing(
    "shared-acr", f"{RG}/providers/Microsoft.ContainerRegistry/registries/crshared",
    "crshared.azurecr.io",
)  # fmt: skip
VAULT = GrantTarget("vault", f"{RG}/providers/Microsoft.KeyVault/vaults/kv-app")
DATA = GrantTarget("data", f"{RG}/providers/Microsoft.Storage/storageAccounts/st/x/data")
SECRET = "https://kv-app.vault.azure.net/secrets/app-config"
HOST = HostStorage(
    account_name="stjobs",
    account=GrantTarget("host", f"{RG}/providers/Microsoft.Storage/storageAccounts/stjobs"),
    primary_blob_endpoint="https://stjobs.blob.core.windows.net/",
)
COMMON = dict(resource_group_name="rg", location="westeurope")


def _stack_with_context(context: dict[str, str]) -> _cdktf.TerraformStack:
    """A test stack whose app carries cdktf context, as cdktf.json's "context" does."""
    stack = _cdktf.TerraformStack(_cdktf.Testing.app(context=context), "test")
    provider.AzurermProvider(stack, "azurerm", features=[provider.AzurermProviderFeatures()])
    return stack


def _identity(stack, construct_id: str = "runtime") -> UserAssignedIdentity:
    return UserAssignedIdentity(
        stack, construct_id, UserAssignedIdentityProps(name=f"id-{construct_id}", **COMMON)
    )


def _container_app(stack, **overrides) -> ContainerAppWithIdentity:
    values = dict(
        name="ca-app-dev",
        container_app_environment_id=f"{RG}/providers/Microsoft.App/managedEnvironments/cae",
        registry=REGISTRY,
        runtime_identity=_identity(stack),
        containers=[ContainerSpec(name="app", image="crshared.azurecr.io/app:1")],
        key_vault_secrets=[KeyVaultSecretRef("app-config", SECRET, VAULT, "app-config")],
        **COMMON,
    )
    values.update(overrides)
    return ContainerAppWithIdentity(stack, "app", ContainerAppWithIdentityProps(**values))


def _container_instance(stack, **overrides) -> ContainerInstanceFromAcr:
    values = dict(
        name="ci-worker-dev",
        registry=REGISTRY,
        containers=[AciContainerSpec(name="worker", image="crshared.azurecr.io/worker:1")],
        runtime_identity=_identity(stack, "worker-runtime"),
        **COMMON,
    )
    values.update(overrides)
    return ContainerInstanceFromAcr(stack, "worker", ContainerInstanceFromAcrProps(**values))


def _web_app(stack, **overrides) -> WebAppWithIdentity:
    values = dict(
        name="app-web-dev",
        service_plan=ServicePlanRef(f"{RG}/providers/Microsoft.Web/serverFarms/asp", "P0v3"),
        image="web:1",
        registry=REGISTRY,
        runtime_identity=_identity(stack, "web-runtime"),
        key_vault_references=[AppKeyVaultReference("APP_CONFIG", SECRET, VAULT, "app-config")],
        **COMMON,
    )
    values.update(overrides)
    return WebAppWithIdentity(stack, "web", WebAppWithIdentityProps(**values))


def _function_app(stack, sku: str = "P0v3", **overrides) -> FunctionAppWithIdentity:
    values = dict(
        name="func-jobs-dev",
        service_plan=ServicePlanRef(f"{RG}/providers/Microsoft.Web/serverFarms/asp", sku),
        host_storage=HOST,
        runtime_identity=_identity(stack, "func-runtime"),
        **COMMON,
    )
    values.update(overrides)
    return FunctionAppWithIdentity(stack, "func", FunctionAppWithIdentityProps(**values))


WORKLOADS = {
    # kind: (builder, resource type, roles Azure uses to create it)
    "container app": (
        _container_app,
        "azurerm_container_app",
        {"AcrPull", "Key Vault Secrets User"},
    ),
    "container instance": (_container_instance, "azurerm_container_group", {"AcrPull"}),
    "web app": (_web_app, "azurerm_linux_web_app", {"AcrPull", "Key Vault Secrets User"}),
    "function app": (
        _function_app,
        "azurerm_linux_function_app",
        set(HOST_STORAGE_ROLES),
    ),
    "flex function app": (
        lambda stack: _function_app(stack, sku="FC1"),
        "azurerm_function_app_flex_consumption",
        set(HOST_STORAGE_ROLES),
    ),
}


@pytest.mark.parametrize("kind", WORKLOADS)
def test_grant_then_wait_then_workload(kind):
    """The workload depends on one wait; the wait depends on exactly the grants
    Azure uses to create it, with one trigger per grant (its role assignment ID)."""
    build, resource_type, roles = WORKLOADS[kind]
    stack = new_stack()
    workload = build(stack)
    workload.grant("Storage Blob Data Reader", DATA)  # a runtime grant: ordered, no wait
    doc = synth(stack)
    _, resource = only(doc, resource_type)
    wait_name, wait = propagation_wait(doc, resource)
    assignments = resources(doc, RA)
    waited = {e.partition(".")[2] for e in wait["depends_on"] if e.startswith(f"{RA}.")}
    assert {assignments[key]["role_definition_name"] for key in waited} == roles
    assert sorted(wait["triggers"].values()) == sorted(ref(RA, key, "id") for key in waited)
    assert wait["create_duration"] == DEFAULT_PROPAGATION_WAIT
    assert "destroy_duration" not in wait, "it waits on create only"
    reader = next(
        k for k, v in assignments.items() if v["role_definition_name"] == "Storage Blob Data Reader"
    )
    assert f"{RA}.{reader}" in resource["depends_on"] and reader not in waited
    assert workload.propagation_wait is not None
    assert doc["terraform"]["required_providers"]["time"]["source"] == "hashicorp/time"
    assert doc["provider"]["time"] == [{}], "the kit added the time provider by itself"


def test_workloads_that_need_nothing_at_creation_wait_for_nothing():
    stack = new_stack()
    app = _container_app(
        stack, registry=None, key_vault_secrets=[], containers=[ContainerSpec("app", "nginx:1")]
    )
    app.grant("Storage Blob Data Reader", DATA)
    VmWithIdentity(
        stack,
        "vm",
        VmWithIdentityProps(
            name="vm-ops-dev",
            subnet_id=f"{RG}/providers/Microsoft.Network/virtualNetworks/v/subnets/s",
            ssh_public_keys=[
                "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIMHZtuQiQa9Oc8Wa7gxtyVvRfLoefHQFS7MOW1OBv3eQ x"
            ],
            runtime_identity=_identity(stack, "ops"),
            **COMMON,
        ),
    )
    # A system-assigned host identity is granted after the app: nothing to wait for first.
    _function_app(stack, runtime_identity=None, system_assigned=True)
    doc = synth(stack)
    assert resources(doc, SLEEP) == {}
    assert "time" not in doc["provider"], "no wait, no time provider"


def test_two_synths_with_the_same_grants_give_the_same_triggers():
    def triggers() -> dict[str, str]:
        stack = new_stack()
        _container_app(stack)
        return only(synth(stack), SLEEP)[1]["triggers"]

    assert triggers() == triggers()


def test_a_new_create_grant_is_a_new_trigger():
    """A Dapr component added after the app: its grant joins the same wait (so
    Terraform replaces the wait, which waits again), not a second wait."""
    stack = new_stack()
    app = _container_app(stack, dapr=DaprSpec(app_id="app"))
    before = len(app.propagation_wait.grants)  # type: ignore[union-attr]
    app.add_dapr_blob_state_store(
        "state",
        container_app_environment_id=f"{RG}/providers/Microsoft.App/managedEnvironments/cae",
        account_name="st",
        container_name="dapr-state",
        container=DATA,
    )
    doc = synth(stack)
    ((_, wait),) = resources(doc, SLEEP).items()
    assert len(wait["triggers"]) == before + 1 == 3, "AcrPull, the secret, the Dapr grant"
    contributor = next(
        k
        for k, v in resources(doc, RA).items()
        if v["role_definition_name"] == "Storage Blob Data Contributor"
    )
    assert ref(RA, contributor, "id") in wait["triggers"].values()
    assert f"{RA}.{contributor}" in wait["depends_on"]


def test_the_prop_wins_over_the_context_which_wins_over_the_default():
    stack = _stack_with_context({WAIT_CONTEXT: "45s"})
    _container_instance(stack)
    _web_app(stack, propagation_wait="5m")
    doc = synth(stack)
    durations = {
        name.split("_", 1)[0]: wait["create_duration"]
        for name, wait in resources(doc, SLEEP).items()
    }
    assert durations == {"worker": "45s", "web": "5m"}


def test_zero_turns_the_wait_off_and_the_workload_depends_on_the_grants():
    stack = new_stack()
    _container_instance(stack, propagation_wait="0s")
    doc = synth(stack)
    assert resources(doc, SLEEP) == {}
    (key,) = resources(doc, RA)
    assert only(doc, "azurerm_container_group")[1]["depends_on"] == [f"{RA}.{key}"]


@pytest.mark.parametrize("value", ["2 minutes", "120", "-5s", "", "5d"])
def test_a_bad_duration_is_refused_with_its_rule(value):
    with pytest.raises(KitValidationError) as caught:
        _container_instance(new_stack(), propagation_wait=value)
    assert caught.value.rule_id == "wait-duration"
    assert caught.value.path == "test/worker"  # the props are checked before anything exists
    assert "propagation_wait" in caught.value.problem and "'90s'" in caught.value.fix


def test_a_bad_context_value_names_the_context_key():
    stack = _stack_with_context({WAIT_CONTEXT: "soon"})
    with pytest.raises(KitValidationError) as caught:
        _container_instance(stack)
    assert caught.value.rule_id == "wait-duration" and WAIT_CONTEXT in caught.value.problem


def test_grants_made_outside_the_stack_add_no_wait_and_no_role_assignment():
    """The structural alternative: identities and their grants live in an earlier
    stack; this one says so and creates neither the grant nor a wait."""
    stack = new_stack()
    pull = UserAssignedIdentity.from_existing(
        stack,
        "pull",
        f"{RG}/providers/Microsoft.ManagedIdentity/userAssignedIdentities/id-pull",
        principal_id="11111111-1111-1111-1111-111111111111",
        client_id="22222222-2222-2222-2222-222222222222",
    )
    pull.record_existing_grant("AcrPull", REGISTRY.target)
    pull.record_existing_grant("Key Vault Secrets User", GrantTarget("vault-app-config", ""))
    _container_app(stack, pull_identity=pull)
    doc = synth(stack)
    assert resources(doc, RA) == {} and resources(doc, SLEEP) == {}
    _, app = only(doc, "azurerm_container_app")
    assert app["registry"] == [{"identity": pull.resource_id, "server": REGISTRY.login_server}], (
        "the pull still goes through the identity"
    )
    assert "depends_on" not in app


def test_cosmos_grants_wait_for_the_new_principal_to_replicate():
    stack = new_stack()
    runtime, other = _identity(stack), _identity(stack, "other")
    cosmos = IdentityOnlyCosmosAccount(
        stack, "cosmos", IdentityOnlyCosmosAccountProps(name="cosmos-app-dev", **COMMON)
    )
    items = cosmos.add_container(cosmos.add_database("app"), "items")
    cosmos.grant_data_read(runtime, scope=items)
    cosmos.grant_data_write(runtime)
    cosmos.grant_data_read(other)
    existing = UserAssignedIdentity.from_existing(
        stack,
        "old",
        f"{RG}/providers/Microsoft.ManagedIdentity/userAssignedIdentities/x",
        principal_id="aaaaaaaa-0000-4000-8000-000000000001",
        client_id="bbbbbbbb-0000-4000-8000-000000000002",
    )
    cosmos.grant_data_read(existing, scope=items)
    doc = synth(stack)
    sleeps = resources(doc, SLEEP)
    assert len(sleeps) == 2, "one replication wait per new principal, none for an existing one"
    for assignment in resources(doc, "azurerm_cosmosdb_sql_role_assignment").values():
        if assignment["principal_id"] == "aaaaaaaa-0000-4000-8000-000000000001":
            assert "depends_on" not in assignment
            continue
        ((_, name),) = [e.partition(".")[::2] for e in assignment["depends_on"]]
        wait = sleeps[name]
        assert wait["triggers"] == {"principal_id": assignment["principal_id"]}
        assert wait["create_duration"] == DEFAULT_REPLICATION_WAIT


def test_the_replication_wait_follows_its_context_and_turns_off():
    stack = _stack_with_context({REPLICATION_WAIT_CONTEXT: "0s"})
    cosmos = IdentityOnlyCosmosAccount(
        stack, "cosmos", IdentityOnlyCosmosAccountProps(name="cosmos-app-dev", **COMMON)
    )
    cosmos.grant_data_read(_identity(stack))
    doc = synth(stack)
    assert resources(doc, SLEEP) == {}
    assert "depends_on" not in only(doc, "azurerm_cosmosdb_sql_role_assignment")[1]


@pytest.mark.parametrize("env", ["dev", "staging", "prod"])
def test_every_workload_in_every_stack_waits_and_every_cosmos_grant_waits_for_replication(
    env, stack_json
):
    doc = stack_json(env)
    sleeps = resources(doc, SLEEP)
    for resource_type in (
        "azurerm_container_app",
        "azurerm_container_group",
        "azurerm_linux_web_app",
        "azurerm_linux_function_app",
    ):
        for _, workload in resources(doc, resource_type).items():
            _, wait = propagation_wait(doc, workload)
            waited = [e for e in wait["depends_on"] if e.startswith(f"{RA}.")]
            assert len(waited) == len(wait["triggers"]) >= 1
    assert resources(doc, "azurerm_linux_virtual_machine"), "the VM is there"
    for vm in resources(doc, "azurerm_linux_virtual_machine").values():
        assert not any(e.startswith(f"{SLEEP}.") for e in vm.get("depends_on", []))
    for assignment in resources(doc, "azurerm_cosmosdb_sql_role_assignment").values():
        (entry,) = [e for e in assignment["depends_on"] if e.startswith(f"{SLEEP}.")]
        wait = sleeps[entry.partition(".")[2]]
        assert wait["triggers"] == {"principal_id": assignment["principal_id"]}
    assert doc["terraform"]["required_providers"]["time"]["version"] == TIME_VERSION
