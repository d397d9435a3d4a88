"""The guard refuses what the Azure Policy guardrails assigned to a stack's scope would
deny (`policy-deny`), warns where they only report (`policy-audit`), names the policy,
honours exemptions, and judges the user's own resources too."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta

import pytest
from azure_identity_kit._cdktf import TerraformStack
from azure_identity_kit.azurerm import (
    container_registry,
    cosmosdb_account,
    key_vault,
    linux_web_app,
    mssql_server,
    storage_account,
)
from azure_identity_kit.guard import declare_guardrails, suppress
from azure_identity_kit.guard.policy_breaches import breaches
from azure_identity_kit.policy_catalog import POLICIES, AssignedGuardrails, ExemptedResource
from guard_support import ERROR, WARNING, new_stack, synth_guarded
from support import guardrails_settings_file

from stacks import ENVIRONMENTS, build_app, load_settings

LOCATION = "westeurope"
PLAN_ID = "/subscriptions/0/resourceGroups/rg-bad/providers/Microsoft.Web/serverfarms/asp-bad"
TENANT = "00000000-0000-0000-0000-000000000001"


def test_the_environment_stacks_comply_with_the_guardrails_they_declare(good_findings):
    for env in ENVIRONMENTS:
        policy = [f for f in good_findings[env] if f.rule_id.startswith("policy-")]
        assert policy == [], f"{env}: {[f.message for f in policy]}"


def _storage(stack: TerraformStack) -> None:
    storage_account.StorageAccount(
        stack, "it", name="stkeyed", resource_group_name="rg-bad", location=LOCATION,
        account_tier="Standard", account_replication_type="LRS",
    )  # fmt: skip


def _registry(**flags: bool) -> Callable[[TerraformStack], None]:
    def build(stack: TerraformStack) -> None:
        container_registry.ContainerRegistry(
            stack, "it", name="crbad", resource_group_name="rg-bad", location=LOCATION,
            sku="Standard", **flags,
        )  # fmt: skip

    return build


def _cosmos(**extra: object) -> Callable[[TerraformStack], None]:
    def build(stack: TerraformStack) -> None:
        cosmosdb_account.CosmosdbAccount(
            stack, "it", name="cosmos-bad", resource_group_name="rg-bad", location=LOCATION,
            offer_type="Standard",
            consistency_policy=cosmosdb_account.CosmosdbAccountConsistencyPolicy(
                consistency_level="Session"
            ),
            geo_location=[
                cosmosdb_account.CosmosdbAccountGeoLocation(location=LOCATION, failover_priority=0)
            ],
            **extra,
        )  # fmt: skip

    return build


def _sql(stack: TerraformStack) -> None:
    mssql_server.MssqlServer(
        stack, "it", name="sql-bad", resource_group_name="rg-bad", location=LOCATION,
        version="12.0",
        azuread_administrator=mssql_server.MssqlServerAzureadAdministrator(
            login_username="sg-admins", object_id=TENANT, azuread_authentication_only=False
        ),
    )  # fmt: skip


def _vault(stack: TerraformStack) -> None:
    key_vault.KeyVault(
        stack, "it", name="kv-bad", resource_group_name="rg-bad", location=LOCATION,
        tenant_id=TENANT, sku_name="standard", rbac_authorization_enabled=False,
    )  # fmt: skip


def _web(stack: TerraformStack) -> None:
    linux_web_app.LinuxWebApp(
        stack, "it", name="app-bad", resource_group_name="rg-bad", location=LOCATION,
        service_plan_id=PLAN_ID, site_config=linux_web_app.LinuxWebAppSiteConfig(),
        webdeploy_publish_basic_authentication_enabled=False,
    )  # fmt: skip


# resource -> (the guard's rule on it besides the policy's, the policy keys it breaches)
USER_RESOURCES: dict[str, tuple[Callable[[TerraformStack], None], set[str], set[str]]] = {
    "storage-default": (_storage, set(), {"storage-shared-key"}),
    "registry-admin": (_registry(admin_enabled=True), {"acr-admin-user"}, {"acr-admin-user"}),
    "registry-anonymous": (
        _registry(anonymous_pull_enabled=True),
        {"acr-anonymous-pull"},
        {"acr-anonymous-pull"},
    ),
    "cosmos-default": (_cosmos(), {"cosmos-local-auth"}, {"cosmos-local-auth"}),
    "sql-not-entra-only": (_sql, {"sql-password-admin"}, {"sql-entra-only-create"}),
    "vault-access-policies": (_vault, {"keyvault-access-policy"}, {"key-vault-rbac"}),
    "web-ftp-on": (
        _web,
        {"app-basic-auth-publishing"},
        {"app-basic-auth-deny", "app-ftp-basic-auth-audit"},
    ),
}


@pytest.mark.parametrize("case", sorted(USER_RESOURCES))
def test_a_users_own_resource_is_refused_naming_the_policy(case):
    build, kit_rules, policies = USER_RESOURCES[case]
    stack = new_stack("bad")
    declare_guardrails(stack, AssignedGuardrails())
    build(stack)
    outcome = synth_guarded(stack)
    assert outcome.rule_ids() == kit_rules | {"policy-deny"}, outcome.annotations
    ((level, at, message),) = outcome.of("policy-deny")
    assert (level, at) == (ERROR, "bad/it")
    assert outcome.synth_error is not None and "[policy-deny]" in outcome.synth_error
    for key in policies:
        policy = POLICIES[key]
        assert f"'{policy.display_name}' ({policy.reference})" in message, (key, message)
    if "app-ftp-basic-auth-audit" in policies:
        assert "It is also reported by" in message, "the audit-only policy is named, not split"


def test_the_cosmos_definition_covers_nosql_only_so_the_guard_does_too():
    stack = new_stack("bad")
    declare_guardrails(stack, AssignedGuardrails())
    _cosmos(
        kind="MongoDB",
        capabilities=[cosmosdb_account.CosmosdbAccountCapabilities(name="EnableMongo")],
    )(stack)
    outcome = synth_guarded(stack)
    assert outcome.rule_ids() == {"cosmos-local-auth"}, "the kit's rule, not the policy's"


def test_not_enforced_or_an_audit_effect_warns_and_the_exemption_is_honoured():
    for assigned in (
        AssignedGuardrails(enforce=False),
        AssignedGuardrails(effects={"storage-shared-key": "Audit"}),
    ):
        stack = new_stack("bad")
        declare_guardrails(stack, assigned)
        _storage(stack)
        outcome = synth_guarded(stack)
        assert [(lvl, at) for lvl, at, _ in outcome.of("policy-audit")] == [(WARNING, "bad/it")]
        assert outcome.synth_error is None
    stack = new_stack("bad")
    exempt = ExemptedResource("storage-shared-key", "Microsoft.Storage/storageAccounts/stkeyed")
    declare_guardrails(stack, AssignedGuardrails(exemptions=(exempt,)))
    _storage(stack)
    assert synth_guarded(stack).annotations == []
    stack = new_stack("bad")  # an exemption from another policy covers nothing here
    other = ExemptedResource("key-vault-rbac", "Microsoft.Storage/storageAccounts/stkeyed")
    declare_guardrails(stack, AssignedGuardrails(exemptions=(other,)))
    _storage(stack)
    assert synth_guarded(stack).rule_ids() == {"policy-deny"}


def test_without_guardrails_or_without_that_policy_nothing_is_said():
    stack = new_stack("bad")
    _storage(stack)
    assert synth_guarded(stack).annotations == []
    stack = new_stack("bad")
    declare_guardrails(
        stack, AssignedGuardrails(policies=frozenset(POLICIES) - {"storage-shared-key"})
    )
    _storage(stack)
    assert synth_guarded(stack).annotations == []


def test_suppressing_the_kits_rule_does_not_get_past_azures_deny():
    stack = new_stack("bad")
    declare_guardrails(stack, AssignedGuardrails())
    _registry(admin_enabled=True)(stack)
    suppress(stack.node.find_child("it"), "acr-admin-user", "CI pushes with it until Q3")
    outcome = synth_guarded(stack)
    assert outcome.rule_ids() == {"policy-deny"}, "Azure refuses it whatever the guard accepts"


@pytest.mark.parametrize(
    ("rtype", "config", "expected"),
    [
        ("azurerm_storage_account", {"name": "st", "shared_access_key_enabled": False}, []),
        ("azurerm_storage_account", {"name": "st", "shared_access_key_enabled": "${var.x}"}, []),
        (
            "azurerm_storage_account",
            {"name": "${var.name}"},
            [("storage-shared-key", None)],
        ),
        (
            "azurerm_container_registry_token",
            {"name": "pusher", "container_registry_name": "crapp"},
            [
                (
                    "acr-repository-token",
                    "Microsoft.ContainerRegistry/registries/crapp/tokens/pusher",
                )
            ],
        ),
        (
            "azurerm_container_registry_token",
            {"name": "pusher", "container_registry_name": "crapp", "enabled": False},
            [],
        ),
        (
            "azurerm_cosmosdb_account",
            {"name": "c", "local_authentication_enabled": False},  # azurerm 5
            [],
        ),
        (
            "azurerm_cosmosdb_account",
            {"name": "c", "capabilities": [{"name": "EnableCassandra"}]},
            [],
        ),
        (
            "azurerm_mssql_server",
            {"name": "s"},
            [("sql-entra-only-create", "Microsoft.Sql/servers/s")],
        ),
        (
            "azurerm_mssql_server",
            {"name": "s", "azuread_administrator": {"azuread_authentication_only": True}},
            [],
        ),
        ("azurerm_key_vault", {"name": "kv", "enable_rbac_authorization": True}, []),
        (
            "azurerm_linux_web_app_slot",
            {
                "name": "staging",
                "app_service_id": "/subscriptions/0/resourceGroups/rg/providers/Microsoft.Web/"
                "sites/app-x",
                "ftp_publish_basic_authentication_enabled": False,
            },
            [
                ("app-basic-auth-deny", "Microsoft.Web/sites/app-x/slots/staging"),
                ("slot-scm-basic-auth-audit", "Microsoft.Web/sites/app-x/slots/staging"),
            ],
        ),
        (
            "azurerm_function_app_flex_consumption",
            {"name": "func", "webdeploy_publish_basic_authentication_enabled": False},
            [],
        ),
        (
            "azurerm_function_app_flex_consumption",
            {"name": "func"},
            [
                ("app-basic-auth-deny", "Microsoft.Web/sites/func"),
                ("app-scm-basic-auth-audit", "Microsoft.Web/sites/func"),
            ],
        ),
    ],
)
def test_breaches_read_the_configuration_as_azurerm_sends_it(rtype, config, expected):
    assert [(b.policy, b.resource) for b in breaches(rtype, config)] == expected


def test_each_environment_stack_guard_knows_its_groups_guardrails(tmp_path):
    """From environments.toml: dev audit-only (DoNotEnforce), staging without guardrails,
    prod enforced with one account exempt. The same user resources in each."""
    ends = (date.today() + timedelta(days=60)).isoformat()
    path = guardrails_settings_file(tmp_path, ends)
    app = build_app(outdir=str(tmp_path / "out"), settings=load_settings(path))
    stacks = {name: app.node.find_child(name) for name in ENVIRONMENTS}
    for stack in stacks.values():
        for name in ("stlegacyprod", "stother"):
            storage_account.StorageAccount(
                stack, name, name=name, resource_group_name="rg-shop-x", location=LOCATION,
                account_tier="Standard", account_replication_type="LRS",
            )  # fmt: skip
    from azure_identity_kit.guard import check_stack

    found = {
        name: sorted(
            (f.rule_id, f.path.rsplit("/", 1)[-1])
            for f in check_stack(stack)
            if f.rule_id.startswith("policy-")
        )
        for name, stack in stacks.items()
    }
    assert found == {
        "dev": [("policy-audit", "stlegacyprod"), ("policy-audit", "stother")],
        "staging": [],
        "prod": [("policy-deny", "stother")],
    }, found
