"""Network posture (issue 14): dev stays public, staging and prod are private;
private endpoints with linked DNS, NSGs, NAT egress, and workloads that wait for
the endpoint and its DNS as well as for their grant. Also the constructs on
their own, as a user's stack would use them."""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path

import pytest
from azure_identity_kit import (
    HOST_STORAGE_SUBRESOURCES,
    PRIVATE_DNS_ZONES,
    AciContainerSpec,
    AciPrivateNetwork,
    ContainerInstanceFromAcr,
    ContainerInstanceFromAcrProps,
    GrantTarget,
    IdentityOnlyRegistry,
    IdentityOnlyRegistryProps,
    IdentityOnlyStorage,
    IdentityOnlyStorageProps,
    KitValidationError,
    PrivateDnsZones,
    PrivateEndpointFor,
    PrivateEndpointForProps,
    PrivateLinkService,
    RbacKeyVault,
    RbacKeyVaultProps,
    UserAssignedIdentity,
    UserAssignedIdentityProps,
)
from azure_identity_kit.azurerm import AZURERM_MAJOR, storage_account, user_assigned_identity
from azure_identity_kit.guard.checkov_gate import skip_checks, stack_configs
from support import by_name, new_stack, only, ref, resources, synth
from support import waits_for as created_after

from stacks import ENVIRONMENTS

REPO = Path(__file__).resolve().parent.parent
ENVS = list(ENVIRONMENTS)
PRIVATE = [name for name, config in ENVIRONMENTS.items() if config.private]
PUBLIC = [name for name, config in ENVIRONMENTS.items() if not config.private]
PE = "azurerm_private_endpoint"
ZONE = "azurerm_private_dns_zone"
_ZONE_REF = re.compile(r"^\$\{azurerm_private_dns_zone\.([^.]+)\.(id|name)\}$")


def zone_key_of(block: dict) -> str:
    """The private DNS zone a record or VNet link is in: azurerm 4 names the zone
    (`zone_name` / `private_dns_zone_name` + resource group), azurerm 5 gives its
    ID (`private_dns_zone_id`; azurerm.private_dns_zone_parent)."""
    if AZURERM_MAJOR >= 5:
        value, attribute = block["private_dns_zone_id"], "id"
    else:
        value = block.get("zone_name") or block["private_dns_zone_name"]
        attribute = "name"
    found = _ZONE_REF.match(value)
    assert found and found.group(2) == attribute, block
    return found.group(1)


LINK = "azurerm_private_dns_zone_virtual_network_link"
SUBNET = "azurerm_subnet"
WEB_APP = "azurerm_linux_web_app"
FUNCTION_APP = "azurerm_linux_function_app"
DATA_SERVICES = {
    "azurerm_container_registry": "registry",
    "azurerm_key_vault": "vault",
    "azurerm_storage_account": "blob",
    "azurerm_cosmosdb_account": "Sql",
    "azurerm_mssql_server": "sqlServer",
}
NETWORK_CHECKS = {
    "CKV_AZURE_139",
    "CKV_AZURE_237",
    "CKV_AZURE_189",
    "CKV_AZURE_109",
    "CKV2_AZURE_32",
    "CKV_AZURE_59",
    "CKV2_AZURE_33",
    "CKV_AZURE_98",
    "CKV_AZURE_245",
    "CKV2_AZURE_31",
    "CKV_AZURE_99",
    "CKV_AZURE_101",
    "CKV_AZURE_113",
    "CKV2_AZURE_45",
    "CKV2_AZURE_34",
}


def test_postures():
    assert PUBLIC == ["dev"] and PRIVATE == ["staging", "prod"]
    assert all(ENVIRONMENTS[env].registry_sku == "Premium" for env in PRIVATE)


@pytest.mark.parametrize(
    ("change", "rule"),
    [
        ({"network_posture": "hidden"}, "network-posture"),
        ({"network_posture": "private", "registry_sku": "Standard"}, "private-registry-sku"),
        (
            {"network_posture": "private", "registry_sku": "Premium", "worker_private": False},
            "private-worker-public",
        ),
    ],
)
def test_bad_posture_config_is_refused(change, rule):
    with pytest.raises(KitValidationError) as raised:
        replace(ENVIRONMENTS["dev"], **change)
    assert raised.value.rule_id == rule


@pytest.mark.parametrize("env", PUBLIC)
def test_public_posture_keeps_dev_as_it_was(env, stack_json):
    doc = stack_json(env)
    for rtype in (PE, ZONE, LINK, "azurerm_nat_gateway", "azurerm_public_ip"):
        assert not resources(doc, rtype), f"{env} must have no {rtype}"
    for rtype in DATA_SERVICES:
        for service in resources(doc, rtype).values():
            assert service.get("public_network_access_enabled", True) is not False
    for rtype in (WEB_APP, FUNCTION_APP):
        _, app = only(doc, rtype)
        assert "virtual_network_subnet_id" not in app and "vnet_image_pull_enabled" not in app
        assert "vnet_route_all_enabled" not in app["site_config"]
    assert not any(
        subnet.get("delegation") and subnet["delegation"][0]["name"] == "app-service"
        for subnet in resources(doc, SUBNET).values()
    )
    _, environment = only(doc, "azurerm_container_app_environment")
    assert "infrastructure_subnet_id" not in environment
    assert "workload_profile" not in environment


@pytest.mark.parametrize("env", PRIVATE)
def test_data_services_are_private_with_an_endpoint_and_linked_dns(env, stack_json):
    doc = stack_json(env)
    vnet_id, _ = only(doc, "azurerm_virtual_network")
    endpoints_subnet, _ = by_name(doc, SUBNET, "snet-endpoints")
    zones = {zone["name"]: key for key, zone in resources(doc, ZONE).items()}
    links = {zone_key_of(link): link for link in resources(doc, LINK).values()}
    endpoints = list(resources(doc, PE).values())
    host_key, _ = by_name(doc, "azurerm_storage_account", f"stfnidkit{env}")
    expected = [
        (rtype, key, [subresource])
        for rtype, subresource in DATA_SERVICES.items()
        for key in resources(doc, rtype)
        if key != host_key
    ]
    # The function host's own account: blob, queue and table, one endpoint each.
    expected.append(("azurerm_storage_account", host_key, list(HOST_STORAGE_SUBRESOURCES)))
    assert len(expected) == len(DATA_SERVICES) + 1, "two storage accounts, one of each other"
    for rtype, key, subresources in expected:
        service = resources(doc, rtype)[key]
        assert service["public_network_access_enabled"] is False, f"{key} must not be public"
        found = [
            e
            for e in endpoints
            if e["private_service_connection"]["private_connection_resource_id"]
            == ref(rtype, key, "id")
        ]
        assert sorted(
            e["private_service_connection"]["subresource_names"][0] for e in found
        ) == sorted(subresources), key
        for endpoint in found:
            (subresource,) = endpoint["private_service_connection"]["subresource_names"]
            assert endpoint["subnet_id"] == ref(SUBNET, endpoints_subnet, "id")
            zone_key = zones[PRIVATE_DNS_ZONES[subresource]]
            assert endpoint["private_dns_zone_group"]["private_dns_zone_ids"] == [
                ref(ZONE, zone_key, "id")
            ]
            link = links[zone_key]
            assert link["virtual_network_id"] == ref("azurerm_virtual_network", vnet_id, "id")
            assert link["registration_enabled"] is False
    assert len(endpoints) == sum(len(subresources) for *_, subresources in expected)


@pytest.mark.parametrize("env", PRIVATE)
def test_trusted_services_bypass_only_on_the_registry_for_aci_pulls(env, stack_json):
    doc = stack_json(env)
    _, registry = only(doc, "azurerm_container_registry")
    assert registry["network_rule_bypass_option"] == "AzureServices"
    assert registry["data_endpoint_enabled"] is True
    _, vault = only(doc, "azurerm_key_vault")
    assert vault["network_acls"] == {"bypass": "None", "default_action": "Deny"}
    for account in resources(doc, "azurerm_storage_account").values():
        assert account["network_rules"]["bypass"] == ["None"]
        assert account["network_rules"]["default_action"] == "Deny"


@pytest.mark.parametrize("env", ENVS)
def test_every_subnet_has_an_nsg(env, stack_json):
    doc = stack_json(env)
    associated = {
        a["subnet_id"]
        for a in resources(doc, "azurerm_subnet_network_security_group_association").values()
    }
    for key, subnet in resources(doc, SUBNET).items():
        assert ref(SUBNET, key, "id") in associated, f"{subnet['name']} has no NSG"


@pytest.mark.parametrize("env", ENVS)
def test_nsgs_close_inbound_to_what_the_workload_declares(env, stack_json):
    doc = stack_json(env)
    nsgs = {nsg["name"]: nsg for nsg in resources(doc, "azurerm_network_security_group").values()}
    for purpose, port in (("worker", "8080"), ("ops", "22"), ("endpoints", "443")):
        nsg = nsgs.get(f"nsg-idkit-{purpose}-{env}")
        if nsg is None:
            assert purpose == "endpoints" and env in PUBLIC
            continue
        allow, deny = sorted(nsg["security_rule"], key=lambda rule: rule["priority"])
        assert (allow["access"], allow["source_address_prefix"]) == ("Allow", "VirtualNetwork")
        assert allow["destination_port_range"] == port
        assert (deny["access"], deny["source_address_prefix"], deny["priority"]) == (
            "Deny",
            "*",
            4096,
        )
    for nsg in nsgs.values():
        for rule in nsg.get("security_rule") or []:
            if rule["source_address_prefix"] == "Internet":
                assert (rule["access"], rule["destination_port_range"]) == ("Allow", "443")


@pytest.mark.parametrize("env", PRIVATE)
def test_worker_and_vm_subnets_leave_through_nat_with_a_static_ip(env, stack_json):
    doc = stack_json(env)
    nat_key, _ = only(doc, "azurerm_nat_gateway")
    ip_key, ip = only(doc, "azurerm_public_ip")
    assert (ip["sku"], ip["allocation_method"]) == ("Standard", "Static")
    protected = ip.get("lifecycle", {}).get("prevent_destroy", False)
    assert protected is ENVIRONMENTS[env].prevent_destroy, "prod keeps its allow-listed egress IP"
    _, association = only(doc, "azurerm_nat_gateway_public_ip_association")
    assert association["public_ip_address_id"] == ref("azurerm_public_ip", ip_key, "id")
    nat_subnets = {
        a["subnet_id"]
        for a in resources(doc, "azurerm_subnet_nat_gateway_association").values()
        if a["nat_gateway_id"] == ref("azurerm_nat_gateway", nat_key, "id")
    }
    for name in ("snet-worker", "snet-ops"):
        key, subnet = by_name(doc, SUBNET, name)
        assert subnet["default_outbound_access_enabled"] is False
        assert ref(SUBNET, key, "id") in nat_subnets


@pytest.mark.parametrize("env", PRIVATE)
def test_container_apps_environment_is_in_the_vnet(env, stack_json):
    doc = stack_json(env)
    config = ENVIRONMENTS[env]
    apps_key, apps = by_name(doc, SUBNET, "snet-apps")
    assert apps["delegation"][0]["service_delegation"]["name"] == "Microsoft.App/environments"
    assert int(apps["address_prefixes"][0].rsplit("/", 1)[1]) <= 27
    _, environment = only(doc, "azurerm_container_app_environment")
    assert environment["infrastructure_subnet_id"] == ref(SUBNET, apps_key, "id")
    assert environment["internal_load_balancer_enabled"] is (not config.api_public_ingress)
    assert environment["workload_profile"] == [
        {"name": "Consumption", "workload_profile_type": "Consumption"}
    ]
    nsg = by_name(doc, "azurerm_network_security_group", f"nsg-idkit-apps-{env}")[1]
    internet = [
        r for r in nsg.get("security_rule") or [] if r["source_address_prefix"] == "Internet"
    ]
    assert bool(internet) is config.api_public_ingress
    # An internal environment's app names resolve in the VNet through a private zone.
    cae = "azurerm_container_app_environment"
    cae_key = only(doc, cae)[0]
    apps_zones = [
        key
        for key, zone in resources(doc, ZONE).items()
        if zone["name"] == ref(cae, cae_key, "default_domain")
    ]
    if config.api_public_ingress:
        assert not apps_zones and not resources(doc, "azurerm_private_dns_a_record")
        return
    (zone_key,) = apps_zones
    _, record = only(doc, "azurerm_private_dns_a_record")
    assert (record["name"], zone_key_of(record)) == ("*", zone_key)
    assert record["records"] == [ref(cae, cae_key, "static_ip_address")]
    assert any(zone_key_of(link) == zone_key for link in resources(doc, LINK).values())


@pytest.mark.parametrize("env", PRIVATE)
def test_workloads_wait_for_endpoint_and_dns_as_well_as_the_grant(env, stack_json):
    doc = stack_json(env)
    services = {
        rtype: next(k for k, v in resources(doc, rtype).items() if v["name"] == name)
        for rtype, name in (
            ("azurerm_container_registry", f"cridkit{env}"),
            ("azurerm_key_vault", f"kv-idkit-{env}"),
            ("azurerm_storage_account", f"stidkit{env}"),
            ("azurerm_cosmosdb_account", f"cosmos-idkit-{env}"),
        )
    }
    host_storage, _ = by_name(doc, "azurerm_storage_account", f"stfnidkit{env}")
    endpoint_of = {
        (
            e["private_service_connection"]["private_connection_resource_id"],
            e["private_service_connection"]["subresource_names"][0],
        ): key
        for key, e in resources(doc, PE).items()
    }
    group_of = {sub: rtype for rtype, sub in DATA_SERVICES.items()}
    group_of.update(queue="azurerm_storage_account", table="azurerm_storage_account")
    link_of = {
        zone["name"]: next(
            key for key, link in resources(doc, LINK).items() if zone_key_of(link) == zone_key
        )
        for zone_key, zone in resources(doc, ZONE).items()
    }

    def waits_for(resource, subresource, key=None):
        rtype = group_of[subresource]
        resource_id = ref(rtype, key or services[rtype], "id")
        return {
            f"{PE}.{endpoint_of[(resource_id, subresource)]}",
            f"{LINK}.{link_of[PRIVATE_DNS_ZONES[subresource]]}",
        } <= created_after(doc, resource)

    _, app = by_name(doc, "azurerm_container_app", f"ca-idkit-api-{env}")
    _, worker = only(doc, "azurerm_container_group")
    assert waits_for(app, "registry") and waits_for(app, "vault") and waits_for(app, "blob")
    assert waits_for(app, "Sql"), "Cosmos DB data grants carry the account's endpoint"
    assert waits_for(worker, "registry") and waits_for(worker, "blob")
    assert any(d.startswith("azurerm_role_assignment.") for d in created_after(doc, worker))
    # web: the image pull (registry) and its Key Vault reference (vault), besides `data`.
    _, web = only(doc, WEB_APP)
    assert waits_for(web, "registry") and waits_for(web, "vault") and waits_for(web, "blob")
    # func: its host storage's blob, queue and table endpoints, and Cosmos DB.
    _, func = only(doc, FUNCTION_APP)
    for subresource in HOST_STORAGE_SUBRESOURCES:
        assert waits_for(func, subresource, host_storage), subresource
    assert waits_for(func, "Sql")
    assert not waits_for(func, "blob"), "func reads nothing from the `data` account"
    for app_ in (web, func):
        assert any(d.startswith("azurerm_role_assignment.") for d in created_after(doc, app_))


@pytest.mark.parametrize("env", PRIVATE)
def test_web_and_function_apps_go_out_through_the_vnet(env, stack_json):
    doc = stack_json(env)
    subnet_key, subnet = by_name(doc, SUBNET, "snet-appservice")
    (delegation,) = subnet["delegation"]
    assert delegation["service_delegation"]["name"] == "Microsoft.Web/serverFarms"
    assert subnet["default_outbound_access_enabled"] is False
    subnet_id = ref(SUBNET, subnet_key, "id")
    nats = resources(doc, "azurerm_subnet_nat_gateway_association").values()
    assert any(a["subnet_id"] == subnet_id for a in nats), "egress through the NAT gateway"
    nsg = by_name(doc, "azurerm_network_security_group", f"nsg-idkit-appservice-{env}")[1]
    assert [(r["access"], r["source_address_prefix"]) for r in nsg["security_rule"]] == [
        ("Deny", "*")
    ], "outbound-only subnet: inbound closed"
    web, func = only(doc, WEB_APP)[1], only(doc, FUNCTION_APP)[1]
    for app in (web, func):
        assert app["virtual_network_subnet_id"] == subnet_id
        assert app["site_config"]["vnet_route_all_enabled"] is True
    assert web["vnet_image_pull_enabled"] is True, "the private registry is reached via the VNet"
    assert web["public_network_access_enabled"] is True, "inbound stays as configured"


def test_only_public_stacks_and_the_state_backend_have_network_skips(synth_outdir):
    base = set(skip_checks(REPO / ".checkov.yaml"))
    assert not base & NETWORK_CHECKS, "network skips belong in .checkov.<stack>.yaml"
    own = stack_configs(REPO / ".checkov.yaml", synth_outdir / "stacks")
    assert set(own) == {*PUBLIC, "bootstrap"}, own
    for env in PUBLIC:
        assert set(skip_checks(own[env])) <= NETWORK_CHECKS


def test_skip_checks_reads_ids_and_ignores_comments(tmp_path):
    config = tmp_path / "c.yaml"
    config.write_text(
        "# head\nskip-check:\n  # group\n  - CKV_A   # reason\n                # more reason\n"
        "  - CKV2_B\nframework:\n  - terraform_json\n"
    )
    assert skip_checks(config) == ["CKV_A", "CKV2_B"]


# --- the constructs in a user's own stack ---------------------------------------


def _registry(stack, sku="Premium", bypass=False):
    return IdentityOnlyRegistry(
        stack,
        "acr",
        IdentityOnlyRegistryProps(
            name="crshop",
            resource_group_name="rg",
            location="westeurope",
            sku=sku,
            trusted_services_bypass=bypass,
        ),
    )


SUBNET_ID = (
    "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/v/subnets/"
)
VNET_ID = "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/v"


def test_a_workload_made_before_the_endpoint_still_waits_for_it():
    stack = new_stack()
    registry = _registry(stack, bypass=True)
    ContainerInstanceFromAcr(
        stack,
        "worker",
        ContainerInstanceFromAcrProps(
            name="ci-shop",
            resource_group_name="rg",
            location="westeurope",
            registry=registry.ref,
            containers=[AciContainerSpec(name="w", image="crshop.azurecr.io/w:1")],
            network=AciPrivateNetwork(subnet_id=SUBNET_ID + "aci"),
        ),
    )
    zones = PrivateDnsZones(stack, "dns", resource_group_name="rg", virtual_network_id=VNET_ID)
    endpoint = registry.add_private_endpoint(SUBNET_ID + "pe", zones)
    doc = synth(stack)
    group = only(doc, "azurerm_container_group")[1]
    pe_key = only(doc, PE)[0]
    link_key = only(doc, LINK)[0]
    assert {f"{PE}.{pe_key}", f"{LINK}.{link_key}"} <= created_after(doc, group)
    assert endpoint.dns_zone is zones.zones["privatelink.azurecr.io"]
    assert registry.ref.network_restricted and registry.ref.trusted_services_bypass


def test_private_endpoint_for_any_resource_in_one_call():
    stack = new_stack()
    account = storage_account.StorageAccount(
        stack,
        "account",
        name="stshop",
        resource_group_name="rg",
        location="westeurope",
        account_tier="Standard",
        account_replication_type="LRS",
        public_network_access_enabled=False,
    )
    zones = PrivateDnsZones(stack, "dns", resource_group_name="rg", virtual_network_id=VNET_ID)
    for subresource in ("blob", "queue"):
        PrivateEndpointFor(
            stack,
            f"pe-{subresource}",
            PrivateEndpointForProps(
                service=PrivateLinkService.of(account, subresource, name="stshop"),
                subnet_id=SUBNET_ID + "pe",
                dns_zones=zones,
                resource_group_name="rg",
                location="westeurope",
            ),
        )
    reader = UserAssignedIdentity(
        stack, "reader", UserAssignedIdentityProps("id-reader", "rg", "westeurope")
    )
    workload = user_assigned_identity.UserAssignedIdentity(
        stack, "workload", name="id-workload", resource_group_name="rg", location="westeurope"
    )
    reader.grant("Storage Queue Data Reader", GrantTarget.of(account)).apply_before(workload)
    doc = synth(stack)
    waits = set(resources(doc, "azurerm_user_assigned_identity")["workload"]["depends_on"])
    assert {f"{PE}.{key}" for key in resources(doc, PE)} <= waits, "a raw resource's grant waits"
    names = sorted(e["name"] for e in resources(doc, PE).values())
    assert names == ["pe-stshop-blob", "pe-stshop-queue"]
    assert sorted(z["name"] for z in resources(doc, ZONE).values()) == [
        "privatelink.blob.core.windows.net",
        "privatelink.queue.core.windows.net",
    ]
    assert len(resources(doc, LINK)) == 2


def _storage(stack, construct_id="st", name="stshop"):
    return IdentityOnlyStorage(
        stack, construct_id, IdentityOnlyStorageProps(name, "rg", "westeurope")
    )


def test_a_storage_account_gets_one_endpoint_and_zone_per_subresource():
    stack = new_stack()
    zones = PrivateDnsZones(stack, "dns", resource_group_name="rg", virtual_network_id=VNET_ID)
    storage = _storage(stack)
    reader = UserAssignedIdentity(
        stack, "reader", UserAssignedIdentityProps("id-reader", "rg", "westeurope")
    )
    workload = user_assigned_identity.UserAssignedIdentity(
        stack, "workload", name="id-workload", resource_group_name="rg", location="westeurope"
    )
    reader.grant("Storage Queue Data Contributor", storage.target).apply_before(workload)
    made = storage.add_private_endpoints(SUBNET_ID + "pe", zones, HOST_STORAGE_SUBRESOURCES)
    doc = synth(stack)
    _, account = only(doc, "azurerm_storage_account")
    assert account["public_network_access_enabled"] is False
    by_sub = {
        e["private_service_connection"]["subresource_names"][0]: e
        for e in resources(doc, PE).values()
    }
    assert sorted(by_sub) == sorted(HOST_STORAGE_SUBRESOURCES)
    assert len(made) == 3 and all(isinstance(e, PrivateEndpointFor) for e in made)
    assert {sub: e["name"] for sub, e in by_sub.items()} == {
        "blob": "pe-stshop-blob",
        "queue": "pe-stshop-queue",
        "table": "pe-stshop-table",
    }
    zone_names = {key: z["name"] for key, z in resources(doc, ZONE).items()}
    for sub, endpoint in by_sub.items():
        (zone_id,) = endpoint["private_dns_zone_group"]["private_dns_zone_ids"]
        assert zone_names[zone_id.split(".")[1]] == PRIVATE_DNS_ZONES[sub]
    assert len(resources(doc, LINK)) == 3
    # A grant on the account (made before the endpoints) waits for all three.
    waits = set(resources(doc, "azurerm_user_assigned_identity")["workload"]["depends_on"])
    assert {f"{PE}.{key}" for key in resources(doc, PE)} <= waits
    assert {f"{LINK}.{key}" for key in resources(doc, LINK)} <= waits
    # The blob endpoint keeps the construct path add_private_endpoint() always gave it.
    assert made[0].node.path == "test/st/private-endpoint"


def test_endpoints_of_one_service_share_its_zone():
    stack = new_stack()
    zones = PrivateDnsZones(stack, "dns", resource_group_name="rg", virtual_network_id=VNET_ID)
    for name in ("kv-a", "kv-b"):
        RbacKeyVault(
            stack,
            name,
            RbacKeyVaultProps(
                name=name,
                resource_group_name="rg",
                location="westeurope",
                tenant_id="cccccccc-0000-4000-8000-000000000003",
            ),
        ).add_private_endpoint(SUBNET_ID + "pe", zones)
    doc = synth(stack)
    assert len(resources(doc, PE)) == 2 and len(resources(doc, ZONE)) == 1


@pytest.mark.parametrize(
    ("build", "rule"),
    [
        (
            lambda stack, zones: _registry(stack, sku="Standard").add_private_endpoint(
                SUBNET_ID + "pe", zones
            ),
            "acr-private-endpoint-sku",
        ),
        (
            lambda stack, zones: [
                registry := _registry(stack),
                *(registry.add_private_endpoint(SUBNET_ID + "pe", zones) for _ in "ab"),
            ],
            "private-endpoint-twice",
        ),
        (
            lambda stack, zones: _registry(stack).add_private_endpoint("", zones),
            "private-endpoint-subnet",
        ),
        (
            lambda stack, zones: PrivateEndpointFor(
                stack,
                "pe",
                PrivateEndpointForProps(
                    service=PrivateLinkService("x", "id", "unknownGroup"),
                    subnet_id="s",
                    dns_zones=zones,
                    resource_group_name="rg",
                    location="westeurope",
                ),
            ),
            "private-endpoint-dns-zone",
        ),
        (lambda stack, zones: zones.zone(""), "private-dns-zone-name"),
        (
            lambda stack, zones: _storage(stack).add_private_endpoint(
                SUBNET_ID + "pe", zones, subresource="registry"
            ),
            "private-endpoint-subresource",
        ),
        (
            lambda stack, zones: _storage(stack).add_private_endpoints(SUBNET_ID + "pe", zones, ()),
            "private-endpoint-subresource",
        ),
        (
            lambda stack, zones: _storage(stack).add_private_endpoints(
                SUBNET_ID + "pe", zones, ("blob", "queue", "queue")
            ),
            "private-endpoint-twice",
        ),
    ],
)
def test_bad_private_endpoint_input_is_refused(build, rule):
    stack = new_stack()
    zones = PrivateDnsZones(stack, "dns", resource_group_name="rg", virtual_network_id=VNET_ID)
    with pytest.raises(KitValidationError) as raised:
        build(stack, zones)
    assert raised.value.rule_id == rule
