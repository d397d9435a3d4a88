"""ContainerAppWithIdentity: snapshots of a minimal and a full app, and its rules."""

from __future__ import annotations

import pytest
from azure_identity_kit import (
    ContainerAppWithIdentity,
    ContainerAppWithIdentityProps,
    ContainerSpec,
    GrantTarget,
    IdentityOnlyRegistry,
    IdentityOnlyRegistryProps,
    IngressSpec,
    KitValidationError,
    RegistryRef,
    UserAssignedIdentity,
    UserAssignedIdentityProps,
)
from support import by_name, new_stack, only, propagation_wait, ref, resources, synth

RA = "azurerm_role_assignment"
UAI = "azurerm_user_assigned_identity"
ENV_ID = "/subscriptions/0/resourceGroups/rg/providers/Microsoft.App/managedEnvironments/cae"
CONTAINER_ID = (
    "/subscriptions/0/resourceGroups/rg/providers/Microsoft.Storage/storageAccounts/st"
    "/blobServices/default/containers/data"
)


def _props(**overrides) -> ContainerAppWithIdentityProps:
    values = dict(
        name="ca-app-dev",
        resource_group_name="rg-app",
        location="westeurope",
        container_app_environment_id=ENV_ID,
        containers=[ContainerSpec(name="app", image="mcr.microsoft.com/k8se/quickstart:latest")],
    )
    values.update(overrides)
    return ContainerAppWithIdentityProps(**values)


def _registry(stack):
    return IdentityOnlyRegistry(
        stack,
        "registry",
        IdentityOnlyRegistryProps(name="crappdev", resource_group_name="rg", location="westeurope"),
    )


def _full(stack):
    registry = _registry(stack)
    runtime = UserAssignedIdentity(
        stack,
        "runtime",
        UserAssignedIdentityProps(
            name="id-app-dev", resource_group_name="rg", location="westeurope"
        ),
    )
    extra = UserAssignedIdentity.from_existing(
        stack,
        "shared",
        "/subscriptions/0/resourceGroups/rg/providers/"
        "Microsoft.ManagedIdentity/userAssignedIdentities/id-shared",
        principal_id="aaaaaaaa-0000-4000-8000-000000000001",
        client_id="bbbbbbbb-0000-4000-8000-000000000002",
    )
    app = ContainerAppWithIdentity(
        stack,
        "app",
        _props(
            registry=registry.resource,
            runtime_identity=runtime,
            system_assigned=True,
            user_assigned=[extra, runtime],
            containers=[
                ContainerSpec(
                    name="app",
                    image=f"{registry.resource.login_server}/app:1.2.3",
                    cpu=0.5,
                    memory="1Gi",
                    env={"MODE": "full"},
                    args=["--port", "8080"],
                ),
                ContainerSpec(name="sidecar", image=f"{registry.resource.login_server}/side:1"),
            ],
            ingress=IngressSpec(target_port=8080, external=False),
            min_replicas=1,
            max_replicas=3,
            tags={"team": "a"},
        ),
    )
    app.grant("Storage Blob Data Reader", GrantTarget("data", CONTAINER_ID))
    app.system_assigned_identity.grant(
        "Monitoring Metrics Publisher", GrantTarget("rg", "/subscriptions/0/resourceGroups/rg")
    )
    return app


def test_minimal_snapshot(snapshot_json):
    stack = new_stack()
    app = ContainerAppWithIdentity(stack, "app", _props())
    doc = synth(stack)
    _, resource = only(doc, "azurerm_container_app")
    assert "identity" not in resource and "registry" not in resource, "no registry, no identity"
    assert app.fqdn is None and app.system_principal_id is None
    assert doc == snapshot_json


def test_full_snapshot(snapshot_json):
    stack = new_stack()
    _full(stack)
    assert synth(stack) == snapshot_json


def test_full_identity_type_and_attached_identities():
    stack = new_stack()
    _full(stack)
    doc = synth(stack)
    _, app = only(doc, "azurerm_container_app")
    pull_key, _ = by_name(doc, UAI, "id-ca-app-dev-pull")
    runtime_key, _ = by_name(doc, UAI, "id-app-dev")
    assert app["identity"]["type"] == "SystemAssigned, UserAssigned"
    assert app["identity"]["identity_ids"] == [
        ref(UAI, pull_key, "id"),
        ref(UAI, runtime_key, "id"),
        "/subscriptions/0/resourceGroups/rg/providers/Microsoft.ManagedIdentity/"
        "userAssignedIdentities/id-shared",
    ], "pull, runtime, then extra identities, each once"


def test_created_pull_identity_is_granted_acrpull_before_the_app():
    stack = new_stack()
    _full(stack)
    doc = synth(stack)
    _, app = only(doc, "azurerm_container_app")
    pull_key, _ = by_name(doc, UAI, "id-ca-app-dev-pull")
    assert app["registry"][0]["identity"] == ref(UAI, pull_key, "id")
    acr_pull = {
        k: v for k, v in resources(doc, RA).items() if v["role_definition_name"] == "AcrPull"
    }
    ((key, assignment),) = acr_pull.items()
    assert assignment["principal_id"] == ref(UAI, pull_key, "principal_id")
    _, wait = propagation_wait(doc, app)
    assert f"{RA}.{key}" in wait["depends_on"], "the app waits for AcrPull to take effect"


def test_runtime_grants_are_ordered_before_the_app_system_grants_after():
    stack = new_stack()
    app = _full(stack)
    doc = synth(stack)
    _, resource = only(doc, "azurerm_container_app")
    grants = resources(doc, RA)
    blob = next(
        k for k, v in grants.items() if v["role_definition_name"] == "Storage Blob Data Reader"
    )
    system = next(
        k for k, v in grants.items() if v["role_definition_name"] == "Monitoring Metrics Publisher"
    )
    assert f"{RA}.{blob}" in resource["depends_on"]
    assert f"{RA}.{system}" not in resource["depends_on"], "would be a cycle"
    app_key, _ = only(doc, "azurerm_container_app")
    assert grants[system]["principal_id"] == ref(
        "azurerm_container_app", app_key, "identity[0].principal_id"
    ), "a system-assigned grant goes to the app's own principal"
    assert app.system_principal_id is not None


def test_every_container_gets_azure_client_id_of_the_runtime_identity():
    stack = new_stack()
    _full(stack)
    doc = synth(stack)
    _, app = only(doc, "azurerm_container_app")
    runtime_key, _ = by_name(doc, UAI, "id-app-dev")
    for container in app["template"]["container"]:
        values = {e["name"]: e["value"] for e in container["env"]}
        assert values["AZURE_CLIENT_ID"] == ref(UAI, runtime_key, "client_id"), container["name"]


def test_no_azure_client_id_without_a_user_assigned_runtime_identity():
    stack = new_stack()
    ContainerAppWithIdentity(
        stack, "app", _props(system_assigned=True, registry=_registry(stack).resource)
    )
    doc = synth(stack)
    _, app = only(doc, "azurerm_container_app")
    assert "env" not in app["template"]["container"][0], "the pull identity is not for the code"


def test_grant_without_any_identity_is_refused():
    stack = new_stack()
    app = ContainerAppWithIdentity(stack, "app", _props())
    with pytest.raises(KitValidationError, match=r"test/app: \[grant-no-identity\]"):
        app.grant("Storage Blob Data Reader", GrantTarget("data", CONTAINER_ID))


def test_fqdn_is_exposed_with_ingress():
    stack = new_stack()
    app = ContainerAppWithIdentity(stack, "app", _props(ingress=IngressSpec(target_port=80)))
    assert app.fqdn is not None and app.fqdn.startswith("${")


@pytest.mark.parametrize("pull", ["SystemAssigned", "system"])
def test_pull_through_system_assigned_identity_is_refused(pull):
    stack = new_stack()
    with pytest.raises(KitValidationError) as error:
        ContainerAppWithIdentity(
            stack, "app", _props(registry=_registry(stack).resource, pull_identity=pull)
        )
    message = str(error.value)
    assert error.value.rule_id == "pull-system-assigned"
    assert message.startswith("test/app: [pull-system-assigned]"), message
    assert "Operation expired" in message and "user-assigned" in message
    assert stack.node.try_find_child("app") is None, "nothing may be half-built"


@pytest.mark.parametrize(
    ("overrides", "rule"),
    [
        ({"name": "Api"}, "name-container-app"),
        ({"name": "a"}, "name-container-app"),
        ({"name": "1api"}, "name-container-app"),
        ({"name": "api-"}, "name-container-app"),
        ({"name": "my--api"}, "name-container-app"),
        ({"name": "a" * 33}, "name-container-app"),
        ({"containers": [ContainerSpec(name="app", image="")]}, "image-empty"),
        ({"containers": [ContainerSpec(name="app", image="   ")]}, "image-empty"),
        ({"containers": []}, "containers-missing"),
    ],
)
def test_bad_input_is_refused_with_path_and_rule(overrides, rule):
    stack = new_stack()
    with pytest.raises(KitValidationError) as error:
        ContainerAppWithIdentity(stack, "app", _props(**overrides))
    assert error.value.rule_id == rule
    assert str(error.value).startswith(f"test/app: [{rule}]"), str(error.value)
    assert "Fix:" in str(error.value)


def test_boundary_names_are_accepted():
    stack = new_stack()
    ContainerAppWithIdentity(stack, "short", _props(name="ab"))
    ContainerAppWithIdentity(stack, "long", _props(name="a" + "b" * 30 + "1"))


def test_azure_client_id_set_by_hand_conflicts_with_runtime_identity():
    stack = new_stack()
    runtime = UserAssignedIdentity(
        stack, "rt", UserAssignedIdentityProps(name="id-rt", resource_group_name="rg", location="x")
    )
    with pytest.raises(KitValidationError, match="azure-client-id-conflict"):
        ContainerAppWithIdentity(
            stack,
            "app",
            _props(
                runtime_identity=runtime,
                containers=[ContainerSpec(name="a", image="i", env={"AZURE_CLIENT_ID": "x"})],
            ),
        )


SHARED = RegistryRef.existing("shared-acr", "/subscriptions/s/acr", "crx.azurecr.io")


@pytest.mark.parametrize("where", ["containers", "init_containers"])
def test_image_from_another_acr_is_refused(where):
    stack = new_stack()
    other = [ContainerSpec(name="app", image="crother.azurecr.io/a:1")]
    overrides = {"containers": other} if where == "containers" else {"init_containers": other}
    with pytest.raises(KitValidationError) as error:
        ContainerAppWithIdentity(stack, "app", _props(registry=SHARED, **overrides))
    assert error.value.rule_id == "image-registry-mismatch"
    message = str(error.value)
    assert message.startswith("test/app: [image-registry-mismatch]"), message
    assert "crother.azurecr.io" in message and "crx.azurecr.io" in message and "Fix:" in message


@pytest.mark.parametrize(
    "image",
    [
        "crx.azurecr.io/a:1",
        "CRX.azurecr.io/a:1",  # login servers are case-insensitive
        "mcr.microsoft.com/k8se/quickstart:latest",  # not an ACR: may be public
        "nginx:1.27",
        "${var.image}",  # a token: stay silent
    ],
)
def test_images_that_can_pull_are_accepted(image):
    stack = new_stack()
    containers = [ContainerSpec(name="app", image=image)]
    ContainerAppWithIdentity(stack, "app", _props(registry=SHARED, containers=containers))


def test_registry_login_server_token_is_not_judged():
    stack = new_stack()
    registry = _registry(stack).resource  # login_server is a token
    containers = [ContainerSpec(name="app", image="crother.azurecr.io/a:1")]
    ContainerAppWithIdentity(stack, "app", _props(registry=registry, containers=containers))


def _pulling_app(stack):
    registry = _registry(stack)
    runtime = UserAssignedIdentity(
        stack,
        "runtime",
        UserAssignedIdentityProps(name="id-app-dev", resource_group_name="rg", location="x"),
    )
    app = ContainerAppWithIdentity(
        stack,
        "app",
        _props(
            registry=registry.ref,
            runtime_identity=runtime,
            containers=[ContainerSpec(name="app", image="crappdev.azurecr.io/app:1")],
            # These tests are about merging depends_on entries: AcrPull is given to
            # the app itself (no propagation wait; tests/test_waits.py has the wait).
            propagation_wait="0s",
        ),
    )
    return app


def _app_depends_on(stack) -> list[str]:
    return only(synth(stack), "azurerm_container_app")[1]["depends_on"]


def test_later_grants_merge_with_the_construction_depends_on_and_a_users_entries():
    """The AcrPull binding is given at construction (cdktf's dependable token); a
    grant made afterwards, and an entry the user set, are kept together, each once,
    in the order they were added."""
    stack = new_stack()
    app = _pulling_app(stack)
    app.resource.depends_on = [*(app.resource.depends_on or []), "azurerm_resource_group.mine"]
    blob = app.grant("Storage Blob Data Reader", GrantTarget("data", CONTAINER_ID))
    app.acr_pull.apply_before(app.resource)  # given at construction: not written twice
    blob.apply_before(app.resource)
    acr = f"{RA}.{only_key(stack, 'AcrPull')}"
    reader = f"{RA}.{only_key(stack, 'Storage Blob Data Reader')}"
    assert _app_depends_on(stack) == [acr, "azurerm_resource_group.mine", reader]


def test_a_construction_entry_the_user_removed_is_written_again_when_asked_for():
    """The user replaces the app's depends_on (with cdktf tokens of their own, here
    another resource's construction entries): re-applying the AcrPull binding that
    was given at construction writes it again."""
    from azure_identity_kit.azurerm import resource_group

    stack = new_stack()
    app = _pulling_app(stack)
    mine = resource_group.ResourceGroup(stack, "mine", name="rg-mine", location="x")
    other = resource_group.ResourceGroup(stack, "o", name="rg-o", location="x", depends_on=[mine])
    app.resource.depends_on = other.depends_on
    app.grant("Storage Blob Data Reader", GrantTarget("data", CONTAINER_ID))
    reader = f"{RA}.{only_key(stack, 'Storage Blob Data Reader')}"
    assert _app_depends_on(stack) == ["azurerm_resource_group.mine", reader]
    app.acr_pull.apply_before(app.resource)
    acr = f"{RA}.{only_key(stack, 'AcrPull')}"
    assert _app_depends_on(stack) == ["azurerm_resource_group.mine", reader, acr]


def only_key(stack, role: str) -> str:
    (key,) = [
        k for k, v in resources(synth(stack), RA).items() if v["role_definition_name"] == role
    ]
    return key


def test_azapi_provider_of_finds_each_stack_through_recorded_scopes():
    """AzapiProvider.of walks the scopes the kit recorded in Python (a workload in
    a stack) and asks cdktf only past them: one provider per stack either way."""
    from azure_identity_kit._cdktf import Construct, TerraformStack
    from azure_identity_kit.azapi import AzapiProvider

    first, second = new_stack("first"), new_stack("second")
    apps = [
        ContainerAppWithIdentity(scope, "app", _props(registry=_registry(stack).ref))
        for stack, scope in ((first, first), (second, Construct(second, "team")))
    ]
    plain = Construct(apps[1], "plain")
    for stack, app in zip((first, second), apps, strict=True):
        provider = AzapiProvider.of(stack)
        assert AzapiProvider.of(app) is provider
        assert TerraformStack.of(provider) is stack
    assert AzapiProvider.of(plain) is AzapiProvider.of(second)
    assert AzapiProvider.of(first) is not AzapiProvider.of(second)


def test_a_workload_ordered_the_old_way_gets_the_same_depends_on():
    """`depends_on` given at construction (`_startup_depends_on`) synthesizes
    exactly what add_depends_on after building the resource (a read and a write)
    gives for the same grants."""
    from types import SimpleNamespace

    from azure_identity_kit._cdktf import Construct
    from azure_identity_kit.azurerm import resource_group
    from azure_identity_kit.identity import add_depends_on
    from azure_identity_kit.workload_identity import WorkloadIdentityMixin

    class OwnWorkload(WorkloadIdentityMixin, Construct):
        def __init__(self, scope, props, old_style: bool) -> None:
            super().__init__(scope, "own")
            self.props = props
            self.runtime_identity = props.runtime_identity
            self._bind_pull(props)
            startup = None if old_style else self._startup_depends_on([self.runtime_identity])
            self.resource = resource_group.ResourceGroup(
                self, "rg", name="rg-own", location="x", depends_on=startup
            )
            if old_style:
                grants = [g.role_assignment for g in self.runtime_identity.grants]
                add_depends_on(self.resource, [self.acr_pull.role_assignment, *grants])
            else:
                self._order_grants_before()

    docs = []
    for old_style in (True, False):
        stack = new_stack()
        runtime = UserAssignedIdentity(
            stack,
            "runtime",
            UserAssignedIdentityProps(name="id-own", resource_group_name="rg", location="x"),
        )
        runtime.grant("Key Vault Secrets User", GrantTarget("vault", "/subscriptions/0/vault"))
        props = SimpleNamespace(
            registry=_registry(stack).ref,
            pull_identity=None,
            pull_identity_name=None,
            name="own",
            resource_group_name="rg",
            location="x",
            tags={},
            runtime_identity=runtime,
            propagation_wait="0s",  # the merge of entries, not the wait (test_waits.py)
        )
        workload = OwnWorkload(stack, props, old_style)
        workload.grant("Storage Blob Data Reader", GrantTarget("data", CONTAINER_ID))
        docs.append(synth(stack))
    assert docs[0] == docs[1]
    (own,) = [v for v in resources(docs[0], "azurerm_resource_group").values()]
    assert len(own["depends_on"]) == 3, "AcrPull, the vault grant and the later blob grant"


@pytest.mark.parametrize("given", ["construct", "other"])
def test_a_registry_that_is_not_a_ref_or_container_registry_is_refused(given):
    """The kit's IdentityOnlyRegistry itself (its .ref is the registry), or anything
    else: a clear error, not an AttributeError from deep inside the construct."""
    stack = new_stack()
    registry = _registry(stack) if given == "construct" else "crappdev.azurecr.io"
    with pytest.raises(KitValidationError) as error:
        ContainerAppWithIdentity(stack, "app", _props(registry=registry))
    assert error.value.rule_id == "registry-type"
    assert str(error.value).startswith("test/app: [registry-type]")
    fix = "Pass its .ref" if given == "construct" else "Pass RegistryRef.existing("
    assert fix in str(error.value)
    assert stack.node.try_find_child("app") is None
