"""ContainerInstanceFromAcr: snapshots of a minimal and a full group, and its rules."""

from __future__ import annotations

import json

import pytest
from azure_identity_kit import (
    AciContainerSpec,
    AciPort,
    AciPrivateNetwork,
    AciPublicNetwork,
    ContainerInstanceFromAcr,
    ContainerInstanceFromAcrProps,
    GrantTarget,
    IdentityOnlyRegistry,
    IdentityOnlyRegistryProps,
    KitValidationError,
    RegistryRef,
    UserAssignedIdentity,
    UserAssignedIdentityProps,
)
from azure_identity_kit.azurerm import container_registry
from support import by_name, new_stack, only, propagation_wait, ref, resources, synth

CG = "azurerm_container_group"
RA = "azurerm_role_assignment"
UAI = "azurerm_user_assigned_identity"
REGISTRY_ID = (
    "/subscriptions/0/resourceGroups/rg/providers/Microsoft.ContainerRegistry/registries/crshared"
)
SUBNET_ID = (
    "/subscriptions/0/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/vnet"
    "/subnets/snet-worker"
)
CONTAINER_ID = (
    "/subscriptions/0/resourceGroups/rg/providers/Microsoft.Storage/storageAccounts/st"
    "/blobServices/default/containers/results"
)
SHARED = RegistryRef.existing("shared-acr", REGISTRY_ID, "crshared.azurecr.io")


def _props(**overrides) -> ContainerInstanceFromAcrProps:
    values = dict(
        name="ci-worker-dev",
        resource_group_name="rg-app",
        location="westeurope",
        registry=SHARED,
        containers=[AciContainerSpec(name="worker", image="crshared.azurecr.io/worker:1.0.0")],
    )
    values.update(overrides)
    return ContainerInstanceFromAcrProps(**values)


def _identity(stack, construct_id: str, name: str) -> UserAssignedIdentity:
    return UserAssignedIdentity(
        stack,
        construct_id,
        UserAssignedIdentityProps(name=name, resource_group_name="rg", location="westeurope"),
    )


def _registry(stack, **registry_args):
    if registry_args:
        return container_registry.ContainerRegistry(
            stack,
            "registry",
            name="crappdev",
            resource_group_name="rg",
            location="westeurope",
            sku="Premium",
            **registry_args,
        )
    return IdentityOnlyRegistry(
        stack,
        "registry",
        IdentityOnlyRegistryProps(name="crappdev", resource_group_name="rg", location="westeurope"),
    ).resource


def _full(stack):
    registry = _registry(stack)
    runtime = _identity(stack, "runtime", "id-worker-dev")
    extra = UserAssignedIdentity.from_existing(
        stack,
        "shared",
        "/subscriptions/0/resourceGroups/rg/providers/"
        "Microsoft.ManagedIdentity/userAssignedIdentities/id-shared",
        principal_id="aaaaaaaa-0000-4000-8000-000000000001",
        client_id="bbbbbbbb-0000-4000-8000-000000000002",
    )
    group = ContainerInstanceFromAcr(
        stack,
        "worker",
        _props(
            registry=registry,
            pull_identity_name="id-worker-pull-custom",
            runtime_identity=runtime,
            system_assigned=True,
            user_assigned=[extra, runtime],
            containers=[
                AciContainerSpec(
                    name="worker",
                    image=f"{registry.login_server}/worker:1.2.3",
                    cpu=1,
                    memory_gb=1.5,
                    ports=[8080, AciPort(5353, "UDP")],
                    env={"MODE": "full"},
                    commands=["/app/worker", "--serve"],
                ),
                AciContainerSpec(name="sidecar", image=f"{registry.login_server}/side:1"),
            ],
            restart_policy="OnFailure",
            network=AciPrivateNetwork(subnet_id=SUBNET_ID),
            tags={"team": "a"},
        ),
    )
    group.grant("Storage Blob Data Contributor", GrantTarget("results", CONTAINER_ID))
    group.system_assigned_identity.grant(
        "Monitoring Metrics Publisher", GrantTarget("rg", "/subscriptions/0/resourceGroups/rg")
    )
    return group


def _acr_pull(doc) -> tuple[str, dict]:
    found = {k: v for k, v in resources(doc, RA).items() if v["role_definition_name"] == "AcrPull"}
    assert len(found) == 1, f"expected exactly one AcrPull assignment, found {sorted(found)}"
    return next(iter(found.items()))


# Snapshots -------------------------------------------------------------------


def test_minimal_snapshot(snapshot_json):
    stack = new_stack()
    group = ContainerInstanceFromAcr(stack, "worker", _props())
    doc = synth(stack)
    _, resource = only(doc, CG)
    assert resource["ip_address_type"] == "None", "no network given: no IP address at all"
    assert group.fqdn is None and group.ip_address is None and group.system_principal_id is None
    assert doc == snapshot_json


def test_full_snapshot(snapshot_json):
    stack = new_stack()
    _full(stack)
    assert synth(stack) == snapshot_json


# Image pull ------------------------------------------------------------------


def test_registry_credential_is_the_created_pull_identity_and_never_a_password():
    stack = new_stack()
    ContainerInstanceFromAcr(stack, "worker", _props())
    doc = synth(stack)
    _, group = only(doc, CG)
    pull_key, _ = by_name(doc, UAI, "id-ci-worker-dev-pull")
    assert group["image_registry_credential"] == [
        {"server": "crshared.azurecr.io", "user_assigned_identity_id": ref(UAI, pull_key, "id")}
    ], "one credential: the registry's login server and the pull identity, nothing else"
    text = json.dumps(doc)
    assert '"username"' not in text and '"password"' not in text, "no registry credentials"
    assert group["identity"] == {"type": "UserAssigned", "identity_ids": [ref(UAI, pull_key, "id")]}


def test_pull_waits_for_the_acrpull_role_assignment():
    stack = new_stack()
    ContainerInstanceFromAcr(stack, "worker", _props())
    doc = synth(stack)
    _, group = only(doc, CG)
    pull_key, _ = by_name(doc, UAI, "id-ci-worker-dev-pull")
    key, assignment = _acr_pull(doc)
    assert assignment["principal_id"] == ref(UAI, pull_key, "principal_id")
    assert assignment["scope"] == REGISTRY_ID, "AcrPull is scoped to the one registry"
    assert assignment["principal_type"] == "ServicePrincipal"
    _, wait = propagation_wait(doc, group)
    assert f"{RA}.{key}" in wait["depends_on"], "the group waits for AcrPull to take effect"


def test_given_pull_identity_is_used_and_none_is_created():
    stack = new_stack()
    pull = _identity(stack, "pull", "id-shared-pull")
    group = ContainerInstanceFromAcr(stack, "worker", _props(pull_identity=pull))
    doc = synth(stack)
    assert list(resources(doc, UAI)) == [only(doc, UAI)[0]], "only the given identity exists"
    _, resource = only(doc, CG)
    pull_key, _ = by_name(doc, UAI, "id-shared-pull")
    assert resource["image_registry_credential"][0]["user_assigned_identity_id"] == ref(
        UAI, pull_key, "id"
    )
    assert group.acr_pull.grant in pull.grants, "the AcrPull grant is recorded on the identity"


def test_full_identity_type_and_attached_identities():
    stack = new_stack()
    _full(stack)
    doc = synth(stack)
    _, group = only(doc, CG)
    pull_key, _ = by_name(doc, UAI, "id-worker-pull-custom")
    runtime_key, _ = by_name(doc, UAI, "id-worker-dev")
    assert group["identity"]["type"] == "SystemAssigned, UserAssigned"
    assert group["identity"]["identity_ids"] == [
        ref(UAI, pull_key, "id"),
        ref(UAI, runtime_key, "id"),
        "/subscriptions/0/resourceGroups/rg/providers/Microsoft.ManagedIdentity/"
        "userAssignedIdentities/id-shared",
    ], "pull, runtime, then extra identities, each once"


# Runtime identities and grants -----------------------------------------------


def test_every_container_gets_azure_client_id_of_the_runtime_identity():
    stack = new_stack()
    _full(stack)
    doc = synth(stack)
    _, group = only(doc, CG)
    runtime_key, _ = by_name(doc, UAI, "id-worker-dev")
    for container in group["container"]:
        assert container["environment_variables"]["AZURE_CLIENT_ID"] == ref(
            UAI, runtime_key, "client_id"
        ), f"container {container['name']} should get the runtime identity's client ID"


def test_no_azure_client_id_without_a_user_assigned_runtime_identity():
    stack = new_stack()
    ContainerInstanceFromAcr(stack, "worker", _props(system_assigned=True))
    doc = synth(stack)
    _, group = only(doc, CG)
    assert "environment_variables" not in group["container"][0], (
        "the pull identity is not for the code, and a system-assigned identity needs no client ID"
    )


def test_runtime_grants_are_ordered_before_the_group_system_grants_after():
    stack = new_stack()
    group = _full(stack)
    doc = synth(stack)
    group_key, resource = only(doc, CG)
    grants = resources(doc, RA)
    blob = next(
        k for k, v in grants.items() if v["role_definition_name"] == "Storage Blob Data Contributor"
    )
    system = next(
        k for k, v in grants.items() if v["role_definition_name"] == "Monitoring Metrics Publisher"
    )
    runtime_key, _ = by_name(doc, UAI, "id-worker-dev")
    assert grants[blob]["principal_id"] == ref(UAI, runtime_key, "principal_id")
    assert grants[blob]["scope"] == CONTAINER_ID, "blob role scoped to the one container"
    assert f"{RA}.{blob}" in resource["depends_on"], "runtime grant before the group"
    assert f"{RA}.{system}" not in resource["depends_on"], "would be a cycle"
    assert grants[system]["principal_id"] == ref(CG, group_key, "identity[0].principal_id"), (
        "a system-assigned grant goes to the group's own principal"
    )
    assert group.system_principal_id is not None


def test_system_assigned_grant_when_there_is_no_runtime_identity():
    stack = new_stack()
    group = ContainerInstanceFromAcr(stack, "worker", _props(system_assigned=True))
    group.grant("Storage Blob Data Contributor", GrantTarget("results", CONTAINER_ID))
    doc = synth(stack)
    group_key, resource = only(doc, CG)
    key, assignment = next(
        (k, v)
        for k, v in resources(doc, RA).items()
        if v["role_definition_name"] == "Storage Blob Data Contributor"
    )
    assert assignment["principal_id"] == ref(CG, group_key, "identity[0].principal_id")
    assert key.startswith("worker_system-identity-grant-"), "lives under the construct"
    assert f"{RA}.{key}" not in resource["depends_on"]


def test_grant_without_a_runtime_identity_is_refused():
    stack = new_stack()
    group = ContainerInstanceFromAcr(stack, "worker", _props())
    with pytest.raises(KitValidationError, match=r"test/worker: \[grant-no-identity\]"):
        group.grant("Storage Blob Data Contributor", GrantTarget("results", CONTAINER_ID))


# Networking ------------------------------------------------------------------


def test_public_network_with_dns_label():
    stack = new_stack()
    group = ContainerInstanceFromAcr(
        stack,
        "worker",
        _props(
            containers=[AciContainerSpec(name="web", image="i", ports=[80])],
            network=AciPublicNetwork(dns_name_label="idkit-worker-dev"),
        ),
    )
    doc = synth(stack)
    _, resource = only(doc, CG)
    assert resource["ip_address_type"] == "Public"
    assert resource["dns_name_label"] == "idkit-worker-dev"
    assert resource["dns_name_label_reuse_policy"] == "TenantReuse", "no subdomain takeover"
    assert "subnet_ids" not in resource
    assert group.fqdn is not None and group.fqdn.startswith("${")
    assert group.ip_address is not None


def test_public_network_without_label_has_no_fqdn():
    stack = new_stack()
    group = ContainerInstanceFromAcr(stack, "worker", _props(network=AciPublicNetwork()))
    _, resource = only(synth(stack), CG)
    assert resource["ip_address_type"] == "Public"
    assert "dns_name_label" not in resource and "dns_name_label_reuse_policy" not in resource
    assert group.fqdn is None


def test_private_network_is_in_the_subnet_without_dns_label():
    stack = new_stack()
    ContainerInstanceFromAcr(stack, "worker", _props(network=AciPrivateNetwork(SUBNET_ID)))
    _, resource = only(synth(stack), CG)
    assert resource["ip_address_type"] == "Private"
    assert resource["subnet_ids"] == [SUBNET_ID]
    assert "dns_name_label" not in resource


def test_ports_and_restart_policy_render():
    stack = new_stack()
    _full(stack)
    _, group = only(synth(stack), CG)
    assert group["restart_policy"] == "OnFailure"
    assert group["container"][0]["ports"] == [
        {"port": 8080, "protocol": "TCP"},
        {"port": 5353, "protocol": "UDP"},
    ]
    assert group["container"][0]["cpu"] == 1 and group["container"][0]["memory"] == 1.5


# Network-restricted registries ----------------------------------------------


@pytest.mark.parametrize("bypass", [None, False])
def test_restricted_registry_ref_without_trusted_services_bypass_is_refused(bypass):
    stack = new_stack()
    registry = RegistryRef(
        "private-acr",
        REGISTRY_ID,
        "crshared.azurecr.io",
        network_restricted=True,
        trusted_services_bypass=bypass,
    )
    with pytest.raises(KitValidationError) as error:
        ContainerInstanceFromAcr(
            stack,
            "worker",
            _props(registry=registry, network=AciPrivateNetwork(SUBNET_ID)),
        )
    assert error.value.rule_id == "acr-trusted-services-bypass"
    assert str(error.value).startswith("test/worker: [acr-trusted-services-bypass]")
    assert "AzureServices" in str(error.value)
    assert stack.node.try_find_child("worker") is None, "nothing may be half-built"


def test_restricted_registry_resource_with_bypass_off_is_refused():
    stack = new_stack()
    registry = _registry(
        stack, public_network_access_enabled=False, network_rule_bypass_option="None"
    )
    with pytest.raises(KitValidationError, match=r"test/worker: \[acr-trusted-services-bypass\]"):
        ContainerInstanceFromAcr(
            stack, "worker", _props(registry=registry, network=AciPrivateNetwork(SUBNET_ID))
        )


def test_registry_with_deny_rules_counts_as_restricted():
    stack = new_stack()
    registry = _registry(
        stack,
        network_rule_bypass_option="None",
        network_rule_set=[
            container_registry.ContainerRegistryNetworkRuleSet(default_action="Deny")
        ],
    )
    with pytest.raises(KitValidationError, match=r"\[acr-trusted-services-bypass\]"):
        ContainerInstanceFromAcr(
            stack, "worker", _props(registry=registry, network=AciPrivateNetwork(SUBNET_ID))
        )


def test_restricted_registry_needs_a_private_group():
    stack = new_stack()
    registry = _registry(stack, public_network_access_enabled=False)  # bypass: provider default
    with pytest.raises(KitValidationError) as error:
        ContainerInstanceFromAcr(
            stack, "worker", _props(registry=registry, network=AciPublicNetwork("idkit-w"))
        )
    assert error.value.rule_id == "aci-restricted-registry-public"
    assert str(error.value).startswith("test/worker: [aci-restricted-registry-public]")


def test_restricted_registry_with_bypass_and_private_group_is_accepted():
    stack = new_stack()
    registry = _registry(
        stack, public_network_access_enabled=False, network_rule_bypass_option="AzureServices"
    )
    ContainerInstanceFromAcr(
        stack, "worker", _props(registry=registry, network=AciPrivateNetwork(SUBNET_ID))
    )
    ref_registry = RegistryRef(
        "private-acr",
        REGISTRY_ID,
        "crshared.azurecr.io",
        network_restricted=True,
        trusted_services_bypass=True,
    )
    ContainerInstanceFromAcr(
        stack,
        "worker2",
        _props(name="ci-worker2", registry=ref_registry, network=AciPrivateNetwork(SUBNET_ID)),
    )
    assert len(resources(synth(stack), CG)) == 2


# Windows ---------------------------------------------------------------------


def test_windows_group_with_one_container_pulls_with_a_user_assigned_identity():
    stack = new_stack()
    ContainerInstanceFromAcr(
        stack, "worker", _props(os_type="Windows", network=AciPublicNetwork("idkit-win"))
    )
    doc = synth(stack)
    _, group = only(doc, CG)
    pull_key, _ = by_name(doc, UAI, "id-ci-worker-dev-pull")
    assert group["os_type"] == "Windows"
    assert group["image_registry_credential"][0]["user_assigned_identity_id"] == ref(
        UAI, pull_key, "id"
    ), "Windows pulls go through the user-assigned pull identity"


def test_windows_allows_only_one_container():
    stack = new_stack()
    two = [AciContainerSpec(name="a", image="i"), AciContainerSpec(name="b", image="i")]
    with pytest.raises(KitValidationError) as error:
        ContainerInstanceFromAcr(stack, "worker", _props(os_type="Windows", containers=two))
    assert error.value.rule_id == "aci-windows-single-container"
    assert str(error.value).startswith("test/worker: [aci-windows-single-container]")


def test_windows_cannot_join_a_virtual_network():
    stack = new_stack()
    with pytest.raises(KitValidationError) as error:
        ContainerInstanceFromAcr(
            stack, "worker", _props(os_type="Windows", network=AciPrivateNetwork(SUBNET_ID))
        )
    assert error.value.rule_id == "aci-windows-vnet"
    assert str(error.value).startswith("test/worker: [aci-windows-vnet]")


@pytest.mark.parametrize("os_type", ["Linux", "Windows"])
def test_pull_through_system_assigned_identity_is_refused(os_type):
    stack = new_stack()
    with pytest.raises(KitValidationError) as error:
        ContainerInstanceFromAcr(
            stack, "worker", _props(os_type=os_type, pull_identity="SystemAssigned")
        )
    message = str(error.value)
    assert error.value.rule_id == "aci-pull-system-assigned"
    assert message.startswith("test/worker: [aci-pull-system-assigned]"), message
    assert "InvalidImageRegistryIdentity" in message and "user-assigned" in message.lower()
    assert ("on Windows" in message) == (os_type == "Windows")
    assert stack.node.try_find_child("worker") is None, "nothing may be half-built"


# Every other rule ------------------------------------------------------------


def _c(**overrides) -> list[AciContainerSpec]:
    values = dict(name="worker", image="crshared.azurecr.io/worker:1")
    values.update(overrides)
    return [AciContainerSpec(**values)]


@pytest.mark.parametrize(
    ("overrides", "rule"),
    [
        ({"name": "Worker"}, "name-container-group"),
        ({"name": "-worker"}, "name-container-group"),
        ({"name": "worker-"}, "name-container-group"),
        ({"name": "my--worker"}, "name-container-group"),
        ({"name": "w" * 64}, "name-container-group"),
        ({"name": ""}, "name-container-group"),
        ({"os_type": "linux"}, "aci-os-type"),
        ({"restart_policy": "Sometimes"}, "aci-restart-policy"),
        ({"registry": None}, "aci-registry-missing"),
        ({"containers": []}, "aci-containers-missing"),
        ({"containers": _c(name="Worker")}, "name-aci-container"),
        ({"containers": _c() + _c()}, "aci-container-name-duplicate"),
        ({"containers": _c(image="")}, "aci-image-empty"),
        ({"containers": _c(image="  ")}, "aci-image-empty"),
        ({"containers": _c(cpu=0)}, "aci-cpu"),
        ({"containers": _c(cpu=-1)}, "aci-cpu"),
        ({"containers": _c(memory_gb=0)}, "aci-memory"),
        ({"containers": _c(ports=[0])}, "aci-port"),
        ({"containers": _c(ports=[65536])}, "aci-port"),
        ({"containers": _c(ports=[AciPort(80, "HTTP")])}, "aci-port"),
        ({"network": AciPublicNetwork(dns_name_label="Worker")}, "name-aci-dns-label"),
        ({"network": AciPublicNetwork(dns_name_label="ab")}, "name-aci-dns-label"),
        ({"network": AciPublicNetwork(dns_name_label="1worker")}, "name-aci-dns-label"),
        (
            {"network": AciPublicNetwork(dns_name_label="w-dev", dns_name_label_reuse_policy="x")},
            "aci-dns-reuse-policy",
        ),
        ({"network": AciPrivateNetwork(subnet_id="")}, "aci-private-subnet-missing"),
    ],
)
def test_bad_input_is_refused_with_path_and_rule(overrides, rule):
    stack = new_stack()
    with pytest.raises(KitValidationError) as error:
        ContainerInstanceFromAcr(stack, "worker", _props(**overrides))
    assert error.value.rule_id == rule, f"expected rule {rule}, got {error.value}"
    assert str(error.value).startswith(f"test/worker: [{rule}]"), str(error.value)
    assert "Fix:" in str(error.value)
    assert stack.node.try_find_child("worker") is None, "nothing may be half-built"


def test_azure_client_id_set_by_hand_conflicts_with_runtime_identity():
    stack = new_stack()
    runtime = _identity(stack, "rt", "id-rt")
    with pytest.raises(KitValidationError, match=r"test/worker: \[aci-azure-client-id-conflict\]"):
        ContainerInstanceFromAcr(
            stack,
            "worker",
            _props(runtime_identity=runtime, containers=_c(env={"AZURE_CLIENT_ID": "x"})),
        )


def test_boundary_names_are_accepted():
    stack = new_stack()
    ContainerInstanceFromAcr(stack, "short", _props(name="w"))
    ContainerInstanceFromAcr(stack, "long", _props(name="w" * 63))
    ContainerInstanceFromAcr(
        stack, "label", _props(name="w-3", network=AciPublicNetwork(dns_name_label="abc"))
    )


def test_image_from_another_acr_is_refused():
    stack = new_stack()
    with pytest.raises(KitValidationError) as error:
        ContainerInstanceFromAcr(
            stack, "worker", _props(containers=_c(image="crother.azurecr.io/worker:1"))
        )
    assert error.value.rule_id == "image-registry-mismatch"
    assert str(error.value).startswith("test/worker: [image-registry-mismatch]")
    assert "crother.azurecr.io" in str(error.value)


def test_an_identity_only_registry_must_be_passed_as_its_ref():
    stack = new_stack()
    registry = IdentityOnlyRegistry(
        stack,
        "registry",
        IdentityOnlyRegistryProps(name="crshared", resource_group_name="rg", location="westeurope"),
    )
    with pytest.raises(KitValidationError) as error:
        ContainerInstanceFromAcr(stack, "worker", _props(registry=registry))
    assert error.value.rule_id == "registry-type"
    assert "Pass its .ref as registry." in str(error.value)
    assert stack.node.try_find_child("worker") is None
