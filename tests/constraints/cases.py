"""Where each inventory entry's value goes, and its boundary values.

`placer(entry)` puts one value of an inventory entry into the construct (or method)
it limits, in a `World`: the rest of the props are valid literals, realistic enough
for the real providers (GUIDs, typed resource IDs), so that whatever Terraform says
about the planted construct is about the planted value. `examples(entry)` gives the
values at and around its boundaries: (good, bad), derived from the constraint's own
parameters (a range's ends, an allowed set's members) or listed here for formats
and cross-field rules.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

from azure_identity_kit import (
    AciContainerSpec,
    AciPort,
    AciPrivateNetwork,
    AciPublicNetwork,
    AppKeyVaultReference,
    ContainerAppWithIdentity,
    ContainerAppWithIdentityProps,
    ContainerInstanceFromAcr,
    ContainerInstanceFromAcrProps,
    ContainerSpec,
    DaprSpec,
    EntraGroup,
    EntraOnlySqlServer,
    EntraOnlySqlServerProps,
    FunctionAppWithIdentity,
    FunctionAppWithIdentityProps,
    FunctionRuntime,
    GrantTarget,
    HostStorage,
    IdentityOnlyCosmosAccount,
    IdentityOnlyCosmosAccountProps,
    IdentityOnlyRegistry,
    IdentityOnlyRegistryProps,
    IdentityOnlyStorage,
    IdentityOnlyStorageProps,
    IdentitySetting,
    IngressSpec,
    KeyVaultSecretRef,
    LinuxServicePlan,
    LinuxServicePlanProps,
    PrivateDnsZones,
    PrivateEndpointFor,
    PrivateEndpointForProps,
    PrivateLinkService,
    QueueScaleRule,
    RbacKeyVault,
    RbacKeyVaultProps,
    RegistryRef,
    ServicePlanRef,
    UserAssignedIdentity,
    UserAssignedIdentityProps,
    VmOsDisk,
    VmWithIdentity,
    VmWithIdentityProps,
    WebAppWithIdentity,
    WebAppWithIdentityProps,
)
from azure_identity_kit._cdktf import Construct, TerraformStack
from azure_identity_kit.constraints import Items, OneOf, Range
from azure_identity_kit.constraints.common import Cidr, check_subnet
from azure_identity_kit.constraints.inventory import Entry
from azure_identity_kit.errors import child_path
from azure_identity_kit.function_app import FLEX_VERSIONS

SUB = "/subscriptions/6f1c2d3e-4a5b-4c6d-8e7f-8091a2b3c4d5"
RG = f"{SUB}/resourceGroups/rg-case"
SUBNET = f"{RG}/providers/Microsoft.Network/virtualNetworks/vnet-case/subnets/snet-case"
ENV_ID = f"{RG}/providers/Microsoft.App/managedEnvironments/cae-case"
PLAN_ID = f"{RG}/providers/Microsoft.Web/serverFarms/asp-case"
VAULT_ID = f"{RG}/providers/Microsoft.KeyVault/vaults/kv-case"
WORKSPACE_ID = f"{RG}/providers/Microsoft.OperationalInsights/workspaces/log-case"
REGISTRY = RegistryRef.existing(
    "cr", f"{RG}/providers/Microsoft.ContainerRegistry/registries/crcase", "crcase.azurecr.io"
)
TENANT = "72f988bf-86f1-41af-91ab-2d7cd011db47"
GROUP = "0b1c2d3e-4f5a-4b6c-8d7e-9f0a1b2c3d4e"
SECRET_URI = "https://kv-case.vault.azure.net/secrets/case"
ED25519 = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIMHZtuQiQa9Oc8Wa7gxtyVvRfLoefHQFS7MOW1OBv3eQ case"
VAULT = GrantTarget("kv-case", VAULT_ID)
HOST = HostStorage(
    account_name="stcasehost",
    account=GrantTarget("host", f"{RG}/providers/Microsoft.Storage/storageAccounts/stcasehost"),
    primary_blob_endpoint="https://stcasehost.blob.core.windows.net/",
)
QUEUE = GrantTarget(
    "jobs",
    f"{RG}/providers/Microsoft.Storage/storageAccounts/stcasehost/queueServices/default/queues/jobs",
)
DEDICATED = ServicePlanRef(PLAN_ID, "P0v3")
FLEX = ServicePlanRef(PLAN_ID, "FC1")
SPEC = ContainerSpec(name="app", image="crcase.azurecr.io/app:1.0.0")
ACI_SPEC = AciContainerSpec(name="worker", image="crcase.azurecr.io/worker:1.0.0")


@dataclass
class World:
    """One stack with what the planted constructs need: an identity, and the
    parents whose methods take constrained arguments."""

    stack: TerraformStack
    identity: UserAssignedIdentity
    cosmos: IdentityOnlyCosmosAccount
    sql: EntraOnlySqlServer
    dapr_app: ContainerAppWithIdentity
    vault_uri: str

    @staticmethod
    def of(stack: TerraformStack) -> World:
        identity = UserAssignedIdentity(
            stack,
            "world-identity",
            UserAssignedIdentityProps(
                name="id-case", resource_group_name="rg-case", location="westeurope"
            ),
        )
        cosmos = IdentityOnlyCosmosAccount(
            stack,
            "world-cosmos",
            IdentityOnlyCosmosAccountProps(
                name="cosmos-case", resource_group_name="rg-case", location="westeurope"
            ),
        )
        sql = EntraOnlySqlServer(
            stack,
            "world-sql",
            EntraOnlySqlServerProps(
                name="sql-case",
                resource_group_name="rg-case",
                location="westeurope",
                administrators=EntraGroup("sg-case", GROUP),
            ),
        )
        dapr_app = ContainerAppWithIdentity(
            stack, "world-dapr", _app_props(runtime_identity=identity, dapr=DaprSpec("case"))
        )
        vault = RbacKeyVault(
            stack,
            "world-vault",
            RbacKeyVaultProps(
                name="kv-case",
                resource_group_name="rg-case",
                location="westeurope",
                tenant_id=TENANT,
            ),
        )
        return World(stack, identity, cosmos, sql, dapr_app, vault.resource.vault_uri)


def _app_props(**changes: Any) -> ContainerAppWithIdentityProps:
    base = ContainerAppWithIdentityProps(
        name="ca-case",
        resource_group_name="rg-case",
        location="westeurope",
        container_app_environment_id=ENV_ID,
        containers=[SPEC],
        registry=REGISTRY,
    )
    return replace(base, **changes)


def _aci_props(**changes: Any) -> ContainerInstanceFromAcrProps:
    base = ContainerInstanceFromAcrProps(
        name="ci-case",
        resource_group_name="rg-case",
        location="westeurope",
        registry=REGISTRY,
        containers=[ACI_SPEC],
    )
    return replace(base, **changes)


def _vm_props(**changes: Any) -> VmWithIdentityProps:
    base = VmWithIdentityProps(
        name="vm-case",
        resource_group_name="rg-case",
        location="westeurope",
        subnet_id=SUBNET,
        ssh_public_keys=[ED25519],
    )
    return replace(base, **changes)


def _web_props(w: World, **changes: Any) -> WebAppWithIdentityProps:
    base = WebAppWithIdentityProps(
        name="app-case",
        resource_group_name="rg-case",
        location="westeurope",
        service_plan=DEDICATED,
        runtime_identity=w.identity,
        key_vault_references=[AppKeyVaultReference("CFG", SECRET_URI, VAULT, "case")],
    )
    return replace(base, **changes)


def _func_props(w: World, **changes: Any) -> FunctionAppWithIdentityProps:
    base = FunctionAppWithIdentityProps(
        name="func-case",
        resource_group_name="rg-case",
        location="westeurope",
        service_plan=DEDICATED,
        host_storage=HOST,
        runtime_identity=w.identity,
    )
    return replace(base, **changes)


Act = Callable[[str], object]
"""Build the planted construct (or call the method) under this construct ID."""
Placer = Callable[[World, Any], tuple[Construct, Act]]
"""(the scope that must stay unchanged when the value is refused, the act)."""


def _new(cls: type, props: Callable[[World, Any], Any]) -> Placer:
    return lambda w, v: (w.stack, lambda cid: cls(w.stack, cid, props(w, v)))


def _app(**fixed: Any) -> Callable[[str], Placer]:
    def field(name: str) -> Placer:
        return _new(ContainerAppWithIdentity, lambda w, v: _app_props(**fixed, **{name: v}))

    return field


def _spec(name: str) -> Placer:
    return _new(
        ContainerAppWithIdentity,
        lambda w, v: _app_props(
            containers=[replace(SPEC, **{name: v})], workload_profile_name="D4"
        ),
    )


def _secret(w: World, v: Any, name: str) -> KeyVaultSecretRef:
    ref = KeyVaultSecretRef("case", SECRET_URI, VAULT, "case")
    if name == "secret_name":  # a URI with no literal secret name, so only this field speaks
        return replace(ref, key_vault_secret_id=w.vault_uri, secret_name=v)
    if name == "key_vault_secret_id":
        return replace(ref, key_vault_secret_id=v, secret_name=None)
    return replace(ref, **{name: v})


def _aci_spec(name: str) -> Placer:
    return _new(
        ContainerInstanceFromAcr,
        lambda w, v: _aci_props(containers=[replace(ACI_SPEC, **{name: v})]),
    )


def _aci(name: str) -> Placer:
    return _new(ContainerInstanceFromAcr, lambda w, v: _aci_props(**{name: v}))


def _vm(name: str) -> Placer:
    return _new(VmWithIdentity, lambda w, v: _vm_props(**{name: v}))


def _disk(name: str) -> Placer:
    return _new(VmWithIdentity, lambda w, v: _vm_props(os_disk=replace(VmOsDisk(), **{name: v})))


def _web(name: str | None = None) -> Placer:
    """A field of the web app; without a name, `v` is a dict of fields."""
    return _new(WebAppWithIdentity, lambda w, v: _web_props(w, **({name: v} if name else v)))


def _func(name: str | None = None, **fixed: Any) -> Placer:
    return _new(
        FunctionAppWithIdentity,
        lambda w, v: _func_props(w, **fixed, **({name: v} if name else v)),
    )


def _plan(name: str | None = None) -> Placer:
    base = LinuxServicePlanProps(
        name="asp-case", resource_group_name="rg-case", location="westeurope"
    )
    return _new(LinuxServicePlan, lambda w, v: replace(base, **({name: v} if name else v)))


def _runtime(w: World, v: Any) -> FunctionAppWithIdentityProps:
    versions = FLEX_VERSIONS.get(v, ("3.11",))
    return _func_props(w, service_plan=FLEX, runtime=FunctionRuntime(v, versions[-1]))


def _sql_database(name: str) -> Placer:
    fixed = {"sku_name": "P15"} if name == "max_size_gb" else {}

    def place(w: World, v: Any) -> tuple[Construct, Act]:
        arguments = {**fixed, name: v} if name else v
        return w.sql, lambda cid: w.sql.add_database(cid.replace("-", ""), **arguments)

    return place


def _cosmos(method: str, name: str) -> Placer:
    def place(w: World, v: Any) -> tuple[Construct, Act]:
        if method == "add_database":
            return w.cosmos, lambda cid: w.cosmos.add_database(cid, autoscale_max_throughput=v)
        database = w.cosmos.databases.get("world") or w.cosmos.add_database("world")
        return w.cosmos, lambda cid: w.cosmos.add_container(database, cid, **{name: v})

    return place


def _dapr(w: World, v: Any) -> tuple[Construct, Act]:
    container = GrantTarget("dapr", f"{RG}/providers/Microsoft.Storage/storageAccounts/st/x")
    return w.dapr_app, lambda cid: w.dapr_app.add_dapr_blob_state_store(
        v if isinstance(v, str) else cid,
        container_app_environment_id=ENV_ID,
        account_name="stcase",
        container_name="state",
        container=replace(container, name=f"dapr-{cid}"),
    )


def _existing(name: str) -> Placer:
    def place(w: World, v: Any) -> tuple[Construct, Act]:
        other = "principal_id" if name == "client_id" else "client_id"
        ids = {name: v, other: "0b1c2d3e-4f5a-4b6c-8d7e-9f0a1b2c3d4f"}
        return w.stack, lambda cid: UserAssignedIdentity.from_existing(
            w.stack,
            cid,
            f"{RG}/providers/Microsoft.ManagedIdentity/userAssignedIdentities/x",
            **ids,
        )

    return place


def _subnet(service: str | None) -> Placer:
    def place(w: World, v: Any) -> tuple[Construct, Act]:
        if service is None:  # v: (prefix, address space)
            return w.stack, lambda cid: check_subnet(
                child_path(w.stack, cid), v[0], "private endpoints", v[1]
            )
        return w.stack, lambda cid: check_subnet(child_path(w.stack, cid), v, service, "10.0.0.0/8")

    return place


def _endpoint(w: World, v: Any) -> tuple[Construct, Act]:
    zones = _zones(w)

    def act(cid: str) -> object:
        return PrivateEndpointFor(
            w.stack,
            cid,
            PrivateEndpointForProps(
                service=PrivateLinkService(
                    name="kv-case", resource_id=VAULT_ID, subresource="vault"
                ),
                subnet_id=v,
                dns_zones=zones,
                resource_group_name="rg-case",
                location="westeurope",
                name=f"pe-{cid}",
            ),
        )

    return w.stack, act


def _zones(w: World) -> PrivateDnsZones:
    found = getattr(w, "_zones", None)
    if found is None:
        found = PrivateDnsZones(
            w.stack,
            "world-zones",
            resource_group_name="rg-case",
            virtual_network_id=f"{RG}/providers/Microsoft.Network/virtualNetworks/vnet-case",
        )
        w._zones = found  # type: ignore[attr-defined]
    return found


_VAULT_FIELDS = ("tenant_id", "sku_name", "soft_delete_retention_days")
_STORAGE_FIELDS = ("replication_type", "soft_delete_days")
_REGISTRY_FIELDS = ("sku", "untagged_retention_days")
_SECRET_FIELDS = ("name", "key_vault_secret_id", "secret_name")


def _secret_ref(name: str) -> Placer:
    return _new(
        ContainerAppWithIdentity, lambda w, v: _app_props(key_vault_secrets=[_secret(w, v, name)])
    )


def _vault(name: str) -> Placer:
    base = RbacKeyVaultProps(
        name="kv-case2", resource_group_name="rg-case", location="westeurope", tenant_id=TENANT
    )
    return _new(RbacKeyVault, lambda w, v: replace(base, **{name: v}))


def _storage(name: str) -> Placer:
    base = IdentityOnlyStorageProps(
        name="stcase2", resource_group_name="rg-case", location="westeurope"
    )
    return _new(IdentityOnlyStorage, lambda w, v: replace(base, **{name: v}))


def _registry(name: str) -> Placer:
    base = IdentityOnlyRegistryProps(
        name="crcase2", resource_group_name="rg-case", location="westeurope", sku="Premium"
    )
    return _new(IdentityOnlyRegistry, lambda w, v: replace(base, **{name: v}))


PLACERS: dict[str, Placer] = {
    # Where the provider checks it (azuread_administrator.object_id); a group's grants
    # (role assignments' principal_id) are not checked by azurerm at all.
    "EntraGroup.object_id": _new(
        EntraOnlySqlServer,
        lambda w, v: EntraOnlySqlServerProps(
            name="sql-case3",
            resource_group_name="rg-case",
            location="westeurope",
            administrators=EntraGroup("sg-case", v),
        ),
    ),
    "ContainerAppWithIdentityProps.container_app_environment_id": _app()(
        "container_app_environment_id"
    ),
    "ContainerAppWithIdentityProps.propagation_wait": _app()("propagation_wait"),
    "ContainerAppWithIdentityProps.min_replicas": _app(max_replicas=300)("min_replicas"),
    "ContainerAppWithIdentityProps.max_replicas": _app()("max_replicas"),
    "ContainerAppWithIdentityProps.revision_mode": _app()("revision_mode"),
    "ContainerAppWithIdentityProps.min_replicas + max_replicas": _new(
        ContainerAppWithIdentity, lambda w, v: _app_props(**v)
    ),
    "ContainerAppWithIdentityProps.containers + workload_profile_name": _new(
        ContainerAppWithIdentity, lambda w, v: _app_props(**v)
    ),
    "ContainerSpec.cpu": _spec("cpu"),
    "ContainerSpec.memory": _spec("memory"),
    "DaprSpec.app_port": _new(
        ContainerAppWithIdentity, lambda w, v: _app_props(dapr=DaprSpec("case", app_port=v))
    ),
    "DaprSpec.app_protocol": _new(
        ContainerAppWithIdentity, lambda w, v: _app_props(dapr=DaprSpec("case", app_protocol=v))
    ),
    "IdentitySetting.lifecycle": _new(
        ContainerAppWithIdentity,
        lambda w, v: _app_props(
            runtime_identity=w.identity, identity_settings=[IdentitySetting(w.identity, v)]
        ),
    ),
    "IngressSpec.target_port": _new(
        ContainerAppWithIdentity, lambda w, v: _app_props(ingress=IngressSpec(v))
    ),
    **{f"KeyVaultSecretRef.{name}": _secret_ref(name) for name in _SECRET_FIELDS},
    "KeyVaultSecretRef.key_vault_secret_id + vault + secret_name": _new(
        ContainerAppWithIdentity,
        lambda w, v: _app_props(
            key_vault_secrets=[replace(KeyVaultSecretRef("case", SECRET_URI, VAULT), **v)]
        ),
    ),
    "QueueScaleRule.queue_length": _new(
        ContainerAppWithIdentity,
        lambda w, v: _app_props(
            runtime_identity=w.identity,
            queue_scale_rules=[QueueScaleRule("q", "stcasehost", "jobs", QUEUE, queue_length=v)],
        ),
    ),
    "AciContainerSpec.cpu": _aci_spec("cpu"),
    "AciContainerSpec.memory_gb": _aci_spec("memory_gb"),
    "AciContainerSpec.ports": _aci_spec("ports"),
    "AciPort.port": _new(
        ContainerInstanceFromAcr,
        lambda w, v: _aci_props(containers=[replace(ACI_SPEC, ports=[AciPort(v)])]),
    ),
    "AciPort.protocol": _new(
        ContainerInstanceFromAcr,
        lambda w, v: _aci_props(containers=[replace(ACI_SPEC, ports=[AciPort(80, v)])]),
    ),
    "AciPrivateNetwork.subnet_id": _new(
        ContainerInstanceFromAcr, lambda w, v: _aci_props(network=AciPrivateNetwork(v))
    ),
    "AciPublicNetwork.dns_name_label_reuse_policy": _new(
        ContainerInstanceFromAcr,
        lambda w, v: _aci_props(network=AciPublicNetwork("case-label", v)),
    ),
    "ContainerInstanceFromAcrProps.os_type": _aci("os_type"),
    "ContainerInstanceFromAcrProps.restart_policy": _aci("restart_policy"),
    "ContainerInstanceFromAcrProps.propagation_wait": _aci("propagation_wait"),
    "ContainerInstanceFromAcrProps.containers": _aci("containers"),
    "VmOsDisk.caching": _disk("caching"),
    "VmOsDisk.storage_account_type": _disk("storage_account_type"),
    "VmOsDisk.disk_size_gb": _disk("disk_size_gb"),
    "VmWithIdentityProps.subnet_id": _vm("subnet_id"),
    "VmWithIdentityProps.ssh_public_keys": _vm("ssh_public_keys"),
    "VmWithIdentityProps.admin_username": _vm("admin_username"),
    "VmWithIdentityProps.patch_mode": _vm("patch_mode"),
    "AppKeyVaultReference.secret_uri": _new(
        WebAppWithIdentity,
        lambda w, v: _web_props(w, key_vault_references=[AppKeyVaultReference("CFG", v, VAULT)]),
    ),
    "AppKeyVaultReference.secret_uri + vault + secret_name": _new(
        WebAppWithIdentity,
        lambda w, v: _web_props(
            w, key_vault_references=[replace(AppKeyVaultReference("CFG", SECRET_URI, VAULT), **v)]
        ),
    ),
    "LinuxServicePlanProps.sku_name": _plan("sku_name"),
    "LinuxServicePlanProps.worker_count": _plan("worker_count"),
    "LinuxServicePlanProps.zone_balancing_enabled + sku_name + worker_count": _plan(),
    "ServicePlanRef.resource_id": _new(
        WebAppWithIdentity, lambda w, v: _web_props(w, service_plan=ServicePlanRef(v, "P0v3"))
    ),
    "ServicePlanRef.sku_name": _new(
        WebAppWithIdentity, lambda w, v: _web_props(w, service_plan=ServicePlanRef(PLAN_ID, v))
    ),
    "WebAppWithIdentityProps.virtual_network_subnet_id": _web("virtual_network_subnet_id"),
    "WebAppWithIdentityProps.health_check_path": _web("health_check_path"),
    "WebAppWithIdentityProps.propagation_wait": _web("propagation_wait"),
    "WebAppWithIdentityProps.log_retention_days": _web("log_retention_days"),
    "WebAppWithIdentityProps.service_plan": _web(),
    "WebAppWithIdentityProps.always_on + service_plan": _web(),
    "WebAppWithIdentityProps.virtual_network_subnet_id + service_plan": _web(),
    "FunctionAppWithIdentityProps.deployment_container": _func(
        "deployment_container", service_plan=FLEX
    ),
    "FunctionAppWithIdentityProps.maximum_instance_count": _func(
        "maximum_instance_count", service_plan=FLEX
    ),
    "FunctionAppWithIdentityProps.instance_memory_in_mb": _func(
        "instance_memory_in_mb", service_plan=FLEX
    ),
    "FunctionAppWithIdentityProps.virtual_network_subnet_id": _func("virtual_network_subnet_id"),
    "FunctionAppWithIdentityProps.health_check_path": _func("health_check_path"),
    "FunctionAppWithIdentityProps.propagation_wait": _func("propagation_wait"),
    "FunctionAppWithIdentityProps.runtime + service_plan": _func(),
    "FunctionAppWithIdentityProps.always_on + service_plan": _func(),
    "FunctionAppWithIdentityProps.virtual_network_subnet_id + service_plan": _func(),
    "FunctionRuntime.name": _new(FunctionAppWithIdentity, _runtime),
    "IdentityOnlyCosmosAccountProps.consistency_level": _new(
        IdentityOnlyCosmosAccount,
        lambda w, v: IdentityOnlyCosmosAccountProps(
            name="cosmos-case2",
            resource_group_name="rg-case",
            location="westeurope",
            consistency_level=v,
        ),
    ),
    "EntraOnlySqlServerProps.audit_log_analytics_workspace_id": _new(
        EntraOnlySqlServer,
        lambda w, v: EntraOnlySqlServerProps(
            name="sql-case2",
            resource_group_name="rg-case",
            location="westeurope",
            administrators=EntraGroup("sg-case", GROUP),
            audit_log_analytics_workspace_id=v,
        ),
    ),
    "SqlDatabaseSettings.sku_name": _sql_database("sku_name"),
    "SqlDatabaseSettings.max_size_gb": _sql_database("max_size_gb"),
    "SqlDatabaseSettings.sku_name + max_size_gb": _sql_database(""),
    **{f"RbacKeyVaultProps.{name}": _vault(name) for name in _VAULT_FIELDS},
    **{f"IdentityOnlyStorageProps.{name}": _storage(name) for name in _STORAGE_FIELDS},
    **{f"IdentityOnlyRegistryProps.{name}": _registry(name) for name in _REGISTRY_FIELDS},
    "PrivateEndpointForProps.subnet_id": _endpoint,
    "UserAssignedIdentity.from_existing(principal_id)": _existing("principal_id"),
    "UserAssignedIdentity.from_existing(client_id)": _existing("client_id"),
    "ContainerAppWithIdentity.add_dapr_blob_state_store(component_name)": _dapr,
    "IdentityOnlyCosmosAccount.add_database(autoscale_max_throughput)": _cosmos(
        "add_database", "autoscale_max_throughput"
    ),
    "IdentityOnlyCosmosAccount.add_container(autoscale_max_throughput)": _cosmos(
        "add_container", "autoscale_max_throughput"
    ),
    "IdentityOnlyCosmosAccount.add_container(partition_key_path)": _cosmos(
        "add_container", "partition_key_path"
    ),
    "check_subnet(prefix, address_space)": _subnet(None),
}
for _service in (
    "Microsoft.App/environments",
    "Microsoft.App/environments (Consumption only)",
    "Microsoft.Web/serverFarms",
    "Microsoft.ContainerInstance/containerGroups",
    "private endpoints",
    "virtual machines",
):
    PLACERS[f"check_subnet(prefix, service={_service!r})"] = _subnet(_service)


# --- boundary values --------------------------------------------------------------

_ID_BAD = [
    f"{RG}/providers/Microsoft.Network/virtualNetworks/vnet-case",
    f"{RG}/providers/Microsoft.Storage/storageAccounts/st",
    "snet-case",
    f"{RG}/providers/Microsoft.Network/virtualNetworks/vnet-case/subnets/",
]
_GUID_GOOD = ["6f1c2d3e-4a5b-4c6d-8e7f-8091a2b3c4d5", "00000000-0000-0000-0000-000000000000"]
_GUID_BAD = [
    "sg-ops",
    "6f1c2d3e4a5b4c6d8e7f8091a2b3c4d5",
    "6f1c2d3e-4a5b-4c6d-8e7f-8091a2b3c4d",
    "{6f1c2d3e-4a5b-4c6d-8e7f-8091a2b3c4d5}",
]
_DURATION = (
    ["0s", "90s", "2m", "1.5h", "250ms"],
    ["1m30s", "2 minutes", "120", "-5s", "5d", ".5s", "5us"],
)
_SECRET_URI = (
    [
        SECRET_URI,
        f"{SECRET_URI}/0123456789abcdef0123456789abcdef",
        "https://kv-case.vault.azure.net/secrets/" + "a" * 127,
    ],
    [
        "https://kv-case.vault.azure.net/keys/case",
        "https://kv-case.vault.azure.net/secrets/",
        "http://kv-case.vault.azure.net/secrets/case",
        "kv-case/secrets/case",
        "https://kv-case.vault.azure.net/secrets/bad_name",
    ],
)
_VAULT_RULE = (
    [{}, {"secret_name": "case"}],
    [
        {"vault": GrantTarget("other", f"{RG}/providers/Microsoft.KeyVault/vaults/kv-other")},
        {"secret_name": "other"},
    ],
)

EXAMPLES: dict[str, tuple[list[Any], list[Any]]] = {
    "EntraGroup.object_id": (_GUID_GOOD, _GUID_BAD),
    "RbacKeyVaultProps.tenant_id": (_GUID_GOOD, _GUID_BAD),
    "UserAssignedIdentity.from_existing(principal_id)": (_GUID_GOOD, _GUID_BAD),
    "UserAssignedIdentity.from_existing(client_id)": (_GUID_GOOD, _GUID_BAD),
    "ContainerAppWithIdentityProps.container_app_environment_id": (
        [ENV_ID],
        [
            ENV_ID.replace("managedEnvironments", "managedenvironments"),
            f"{RG}/providers/Microsoft.App/containerApps/ca",
            f"{RG}/providers/Microsoft.Web/serverFarms/asp",
            "cae-case",
        ],
    ),
    "ContainerAppWithIdentityProps.propagation_wait": _DURATION,
    "ContainerInstanceFromAcrProps.propagation_wait": _DURATION,
    "WebAppWithIdentityProps.propagation_wait": _DURATION,
    "FunctionAppWithIdentityProps.propagation_wait": _DURATION,
    "ContainerAppWithIdentityProps.min_replicas + max_replicas": (
        [{"min_replicas": 3, "max_replicas": 3}, {"min_replicas": 0, "max_replicas": 1}],
        [{"min_replicas": 4, "max_replicas": 3}, {"min_replicas": 300, "max_replicas": 1}],
    ),
    "ContainerAppWithIdentityProps.containers + workload_profile_name": (
        [
            {"containers": [replace(SPEC, cpu=0.25, memory="0.5Gi")]},
            {"containers": [replace(SPEC, cpu=4.0, memory="8Gi")]},
            {
                "containers": [
                    replace(SPEC, cpu=0.75, memory="1.5Gi"),
                    replace(SPEC, name="side", cpu=0.25, memory="0.5Gi"),
                ]
            },
            {"containers": [replace(SPEC, cpu=3.0, memory="12Gi")], "workload_profile_name": "D4"},
        ],
        [
            {"containers": [replace(SPEC, cpu=0.5, memory="0.5Gi")]},
            {"containers": [replace(SPEC, cpu=4.25, memory="8.5Gi")]},
            {"containers": [replace(SPEC, cpu=0.3, memory="0.6Gi")]},
            {"containers": [replace(SPEC, cpu=3.0, memory="12Gi")]},
        ],
    ),
    "ContainerSpec.memory": (["0.5Gi", "2Gi", "1.75Gi"], ["512Mi", "0.5GB", "2", "", "Gi"]),
    "KeyVaultSecretRef.name": (
        ["a", "api-config", "a" * 253],
        ["API", "api.config", "-api", "api-", "a" * 254, "api_config"],
    ),
    "KeyVaultSecretRef.key_vault_secret_id": _SECRET_URI,
    "AppKeyVaultReference.secret_uri": _SECRET_URI,
    "KeyVaultSecretRef.secret_name": (
        ["a", "api-config", "A" * 127],
        ["a" * 128, "api_config", "", "api.config"],
    ),
    "KeyVaultSecretRef.key_vault_secret_id + vault + secret_name": _VAULT_RULE,
    "AppKeyVaultReference.secret_uri + vault + secret_name": _VAULT_RULE,
    "AciContainerSpec.ports": ([[80], [1, 65535], []], [[0], [65536], [80, 70000]]),
    "AciPrivateNetwork.subnet_id": ([SUBNET], _ID_BAD),
    "VmWithIdentityProps.subnet_id": ([SUBNET], _ID_BAD),
    "WebAppWithIdentityProps.virtual_network_subnet_id": ([SUBNET], _ID_BAD),
    "FunctionAppWithIdentityProps.virtual_network_subnet_id": ([SUBNET], _ID_BAD),
    "PrivateEndpointForProps.subnet_id": ([SUBNET], _ID_BAD),
    "ServicePlanRef.resource_id": (
        [PLAN_ID],
        [
            PLAN_ID.replace("serverFarms", "serverfarms"),
            f"{RG}/providers/Microsoft.Web/sites/app",
            "asp-case",
            f"{RG}/providers/Microsoft.Web/serverFarms",
        ],
    ),
    "EntraOnlySqlServerProps.audit_log_analytics_workspace_id": (
        [WORKSPACE_ID],
        [f"{RG}/providers/Microsoft.Insights/components/appi", "log-case"],
    ),
    "ContainerInstanceFromAcrProps.containers": (
        [
            [replace(ACI_SPEC, cpu=4, memory_gb=16)],
            [
                replace(ACI_SPEC, cpu=2, memory_gb=8),
                replace(ACI_SPEC, name="b", cpu=2, memory_gb=8),
            ],
        ],
        [
            [
                replace(ACI_SPEC, cpu=3, memory_gb=8),
                replace(ACI_SPEC, name="b", cpu=2, memory_gb=1),
            ],
            [
                replace(ACI_SPEC, cpu=1, memory_gb=10),
                replace(ACI_SPEC, name="b", cpu=1, memory_gb=7),
            ],
        ],
    ),
    "VmWithIdentityProps.ssh_public_keys": (
        [[ED25519]],
        [
            ["ssh-dss AAAAB3NzaC1kc3MAAACBAP case"],
            ["AAAAC3NzaC1lZDI1NTE5AAAAIMHZ"],
            [ED25519, "not a key"],
        ],
    ),
    "VmWithIdentityProps.admin_username#provider": (
        ["azureuser", "_ops", "a" * 32, "ops-admin"],
        ["admin", "root", "administrator", "test1", "a" * 65],
    ),
    "VmWithIdentityProps.admin_username#azure": (
        ["azureuser", "_ops", "a" * 32, "ops-admin"],
        ["Azureuser", "a" * 33, "1ops", "ops user"],
    ),
    "WebAppWithIdentityProps.health_check_path": (
        ["/", "/healthz"],
        ["healthz", "/health check", ""],
    ),
    "FunctionAppWithIdentityProps.health_check_path": (["/", "/healthz"], ["healthz", ""]),
    "WebAppWithIdentityProps.service_plan": (
        [{"service_plan": ServicePlanRef(PLAN_ID, "B1")}],
        [{"service_plan": ServicePlanRef(PLAN_ID, sku)} for sku in ("FC1", "Y1", "EP1")],
    ),
    "WebAppWithIdentityProps.always_on + service_plan": (
        [{"service_plan": ServicePlanRef(PLAN_ID, "F1"), "always_on": False}],
        [
            {"service_plan": ServicePlanRef(PLAN_ID, "F1")},
            {"service_plan": ServicePlanRef(PLAN_ID, "D1")},
        ],
    ),
    "FunctionAppWithIdentityProps.always_on + service_plan": (
        [{"service_plan": ServicePlanRef(PLAN_ID, "B1")}],
        [{"service_plan": ServicePlanRef(PLAN_ID, "F1")}],
    ),
    "WebAppWithIdentityProps.virtual_network_subnet_id + service_plan": (
        [{"service_plan": ServicePlanRef(PLAN_ID, "B1"), "virtual_network_subnet_id": SUBNET}],
        [
            {
                "service_plan": ServicePlanRef(PLAN_ID, "F1"),
                "always_on": False,
                "virtual_network_subnet_id": SUBNET,
            }
        ],
    ),
    "FunctionAppWithIdentityProps.virtual_network_subnet_id + service_plan": (
        [{"service_plan": FLEX, "virtual_network_subnet_id": SUBNET}],
        [
            {
                "service_plan": ServicePlanRef(PLAN_ID, "F1"),
                "always_on": False,
                "virtual_network_subnet_id": SUBNET,
            }
        ],
    ),
    "FunctionAppWithIdentityProps.deployment_container": (
        ["abc", "deployments", "a" * 63],
        ["ab", "a" * 64, "Deployments", "-app", "app--x"],
    ),
    "FunctionAppWithIdentityProps.runtime + service_plan": (
        [{"runtime": FunctionRuntime("python", "3.13")}, {"runtime": FunctionRuntime("java", "8")}],
        [{"runtime": FunctionRuntime("python", "3.6")}, {"runtime": FunctionRuntime("node", "24")}],
    ),
    "FunctionAppWithIdentityProps.runtime + service_plan#function-flex-runtime-version": (
        [{"service_plan": FLEX, "runtime": FunctionRuntime("node", "22")}],
        [
            {"service_plan": FLEX, "runtime": FunctionRuntime("python", "3.9")},
            {"service_plan": FLEX, "runtime": FunctionRuntime("node", "18")},
        ],
    ),
    "LinuxServicePlanProps.zone_balancing_enabled + sku_name + worker_count": (
        [
            {"zone_balancing_enabled": True, "sku_name": "P1v3", "worker_count": 2},
            {"zone_balancing_enabled": False, "sku_name": "B1"},
        ],
        [
            {"zone_balancing_enabled": True, "sku_name": "B1", "worker_count": 2},
            {"zone_balancing_enabled": True, "sku_name": "P1v3", "worker_count": 1},
        ],
    ),
    "ServicePlanRef.sku_name": (
        ["B1", "P0v3", "P5mv4", "S3", "I1v2"],
        ["p0v3", "P0V3", "Basic", "", "P4v3"],
    ),
    "SqlDatabaseSettings.sku_name": (
        ["Basic", "S0", "P15", "GP_Gen5_2", "GP_S_Gen5_1", "basic", "HS_Gen5_128"],
        ["S5", "GP_Gen5_3", "Standard", "", "GP_Gen6_2"],
    ),
    "SqlDatabaseSettings.sku_name + max_size_gb": (
        [
            {"sku_name": "Basic", "max_size_gb": 2},
            {"sku_name": "S2", "max_size_gb": 250},
            {"sku_name": "GP_Gen5_2", "max_size_gb": 1024},
        ],
        [
            {"sku_name": "Basic", "max_size_gb": 5},
            {"sku_name": "S2", "max_size_gb": 500},
            {"sku_name": "P6", "max_size_gb": 2048},
        ],
    ),
    "ContainerAppWithIdentity.add_dapr_blob_state_store(component_name)": (
        ["a", "statestore", "state-1", "a" * 60],
        ["1state", "state-", "state--x", "State", "a" * 61],
    ),
    "IdentityOnlyCosmosAccount.add_container(partition_key_path)": (
        ["/id", "/tenantId", "/a/b"],
        ["id", "/", "//id", "/id/", "/te nant"],
    ),
    "check_subnet(prefix, address_space)": (
        [("10.40.1.0/24", "10.40.0.0/16"), ("10.40.0.0/16", "10.40.0.0/16")],
        [("10.41.1.0/24", "10.40.0.0/16"), ("10.40.0.0/15", "10.40.0.0/16")],
    ),
}


def _cidr_examples(constraint: Cidr) -> tuple[list[Any], list[Any]]:
    largest = constraint.max_prefix
    return (
        [f"10.40.0.0/{largest}", f"10.40.0.0/{largest - 1}", "10.40.0.0/16"],
        [f"10.40.0.0/{largest + 1}", "10.40.0.1/24", "10.40.0.0", "10.40.0.0/33", "fd00::/64"],
    )


def _range_examples(constraint: Range) -> tuple[list[Any], list[Any]]:
    good: list[Any] = []
    bad: list[Any] = ["1", True] if constraint.integer else ["0.5"]
    step = constraint.step or (1 if constraint.integer else 0.01)
    low, high = constraint.low, constraint.high
    if low is not None:
        first = low + step if constraint.exclusive_low else low
        good.append(_number(constraint, first))
        below = low - (1 if constraint.integer else step)  # 999 RU/s, not 0 (no autoscale)
        bad.append(_number(constraint, low if constraint.exclusive_low else below))
    if high is not None:
        good.append(_number(constraint, high))
        bad.append(_number(constraint, high + step))
    if constraint.step is not None and low is not None:
        good.append(_number(constraint, low + 2 * constraint.step))
        bad.append(_number(constraint, low + constraint.step / 2))
    if constraint.integer:
        bad.append(float(good[0]) + 0.5)
    return good, bad


def _number(constraint: Range, value: float) -> int | float:
    return int(value) if constraint.integer else round(value, 6)


def _one_of_examples(constraint: OneOf) -> tuple[list[Any], list[Any]]:
    good = list(constraint.values)
    bad: list[Any] = []
    for value in constraint.values[:3]:
        if isinstance(value, str):
            for variant in (value.lower(), value.upper(), f"{value}x", f" {value}"):
                if variant not in constraint.values and variant not in bad:
                    bad.append(variant)
        else:
            bad += [value + 1, str(value)]
    return good, bad + [""] if isinstance(good[0], str) else bad


def examples(entry: Entry) -> tuple[list[Any], list[Any]]:
    """(good, bad) values for an entry, at and around its boundaries."""
    constraint = entry.constraint
    keys = (f"{entry.where}#{constraint.rule_id}", f"{entry.where}#{constraint.source.kind}")
    for key in (*keys, entry.where):
        if key in EXAMPLES:
            return EXAMPLES[key]
    constraint = entry.constraint
    if isinstance(constraint, Items) and isinstance(constraint.inner, Range):
        good, bad = _range_examples(constraint.inner)
        return [good], [[v] for v in bad]
    if isinstance(constraint, Range):
        return _range_examples(constraint)
    if isinstance(constraint, OneOf):
        return _one_of_examples(constraint)
    if isinstance(constraint, Cidr):
        return _cidr_examples(constraint)
    raise KeyError(f"no examples for {entry.where}: add them to EXAMPLES")


def placer(entry: Entry) -> Placer:
    return PLACERS[entry.where]
