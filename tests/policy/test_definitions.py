"""The guardrails' policy catalog against the definitions themselves: each built-in's
GUID, display name, effects and parameters as Azure/azure-policy has them
(tests/fixtures/azure-policy), and the issue's facts about them, checked on the
fixtures rather than taken on trust."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from azure_identity_kit.guard.policy_breaches import ALIASES, NON_NOSQL_CAPABILITIES
from azure_identity_kit.policy_catalog import (
    BUILT_IN_PREFIX,
    CUSTOM_DEFINITIONS,
    POLICIES,
    SOURCE_COMMIT,
    SOURCE_REPOSITORY,
)

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "azure-policy"
BUILT_INS = [policy for policy in POLICIES.values() if policy.built_in]
BASIC_AUTH = "basicPublishingCredentialsPolicies"


def fixture(guid: str) -> dict:
    return json.loads((FIXTURES / f"{guid}.json").read_text())


def all_fixtures() -> list[dict]:
    return [json.loads(path.read_text()) for path in sorted(FIXTURES.glob("*.json"))]


def conditions_on(found: dict, alias: str) -> list[dict]:
    return [c for c in found["conditions"] if c.get("field") == alias]


@pytest.mark.parametrize("policy", BUILT_INS, ids=lambda p: p.key)
def test_each_built_in_is_the_definition_azure_policy_has(policy):
    found = fixture(policy.guid)
    assert found["source"]["repository"] == SOURCE_REPOSITORY
    assert found["source"]["snapshot"] == SOURCE_COMMIT
    assert found["source"]["path"] == policy.source
    assert found["policyType"] == "BuiltIn"
    assert found["id"] == policy.definition_id == f"{BUILT_IN_PREFIX}{policy.guid}"
    assert found["displayName"] == policy.display_name
    assert tuple(found["effect"]["allowedValues"]) == policy.allowed_effects
    assert found["effect"]["defaultValue"] == policy.default_effect
    assert tuple(found["parameters"]) == policy.parameters


def test_every_fixture_of_a_policy_the_kit_assigns_is_in_the_catalog():
    assigned = {policy.guid for policy in BUILT_INS}
    for found in all_fixtures():
        if found["name"] not in assigned:  # the DeployIfNotExists remediations, cited only
            assert "DeployIfNotExists" in found["effect"]["allowedValues"], found["name"]


@pytest.mark.parametrize("policy", list(POLICIES.values()), ids=lambda p: p.key)
def test_the_kit_assigns_deny_wherever_the_definition_allows_it(policy):
    assert policy.effect in policy.allowed_effects
    if "Deny" in policy.allowed_effects:
        assert policy.effect == "Deny", f"{policy.key} allows Deny but is assigned {policy.effect}"
    else:
        assert policy.effect == "AuditIfNotExists", policy.key


def test_fact_every_definition_defaults_to_an_audit_so_the_effect_must_be_written():
    """Verified: all default to Audit, or (App Service) AuditIfNotExists; none to Deny.
    The assignments therefore always carry the effect (test_guardrails)."""
    defaults = {policy.key: fixture(policy.guid)["effect"]["defaultValue"] for policy in BUILT_INS}
    assert set(defaults.values()) == {"Audit", "AuditIfNotExists"}, defaults
    audit_deny = [key for key, policy in POLICIES.items() if "Deny" in policy.allowed_effects]
    assert all(POLICIES[key].default_effect == "Audit" for key in audit_deny)


@pytest.mark.parametrize(
    ("key", "alias"),
    [
        ("storage-shared-key", "Microsoft.Storage/storageAccounts/allowSharedKeyAccess"),
        ("key-vault-rbac", "Microsoft.KeyVault/vaults/enableRbacAuthorization"),
        ("sql-entra-only-create", "Microsoft.Sql/servers/administrators.azureADOnlyAuthentication"),
        (
            "sql-entra-only-update",
            "Microsoft.Sql/servers/azureADOnlyAuthentications/azureADOnlyAuthentication",
        ),
    ],
)
def test_fact_a_missing_setting_is_a_violation(key, alias):
    found = conditions_on(fixture(POLICIES[key].guid), alias)
    assert any(str(c.get("exists")).lower() == "false" for c in found), found


def test_fact_cosmos_treats_anything_but_true_as_a_violation_and_acr_only_true():
    (cosmos,) = conditions_on(
        fixture(POLICIES["cosmos-local-auth"].guid),
        "Microsoft.DocumentDB/databaseAccounts/disableLocalAuth",
    )
    assert cosmos == {
        "field": "Microsoft.DocumentDB/databaseAccounts/disableLocalAuth",
        "notEquals": True,
    }, "missing is not true: a violation"
    for key, alias in (
        ("acr-admin-user", "adminUserEnabled"),
        ("acr-anonymous-pull", "anonymousPullEnabled"),
    ):
        (condition,) = conditions_on(
            fixture(POLICIES[key].guid), f"Microsoft.ContainerRegistry/registries/{alias}"
        )
        assert condition.get("equals") is True, "only an explicit true violates"


def test_fact_sql_entra_only_is_two_definitions_one_at_create_one_on_later_changes():
    create = fixture(POLICIES["sql-entra-only-create"].guid)
    later = fixture(POLICIES["sql-entra-only-update"].guid)
    assert {"field": "type", "equals": "Microsoft.Sql/servers"} in create["conditions"]
    assert "during creation" in create["displayName"]
    assert {
        "field": "type",
        "equals": "Microsoft.Sql/servers/azureADOnlyAuthentications",
    } in later["conditions"], "the later one evaluates the server's Entra-only setting resource"
    assert (create["mode"], later["mode"]) == ("Indexed", "All")


def test_fact_the_cosmos_definition_covers_nosql_accounts_only():
    (condition,) = conditions_on(
        fixture(POLICIES["cosmos-local-auth"].guid),
        "Microsoft.DocumentDB/databaseAccounts/capabilities[*].name",
    )
    assert {name.lower() for name in condition["notin"]} == NON_NOSQL_CAPABILITIES


def test_fact_no_built_in_can_deny_app_service_basic_auth():
    """Every built-in of the snapshot whose rule reads the publishing-credentials
    policies (README of the fixtures): four audits, four remediations, no Deny."""
    found = [f for f in all_fixtures() if any(BASIC_AUTH in alias for alias in f["aliases"])]
    assert len(found) == 8
    effects = sorted(tuple(f["effect"]["allowedValues"]) for f in found)
    assert (
        effects == [("AuditIfNotExists", "Disabled")] * 4 + [("DeployIfNotExists", "Disabled")] * 4
    ), effects


def test_the_custom_definition_denies_on_the_built_ins_aliases_for_sites_and_slots():
    custom = CUSTOM_DEFINITIONS["app-basic-auth-deny"]
    built_in_aliases = {
        alias
        for f in all_fixtures()
        for alias in f["aliases"] + [c["field"] for c in f.get("existenceCondition", [])]
        if BASIC_AUTH in alias
    }
    assert (
        custom.aliases()
        == built_in_aliases
        == {
            "Microsoft.Web/sites/basicPublishingCredentialsPolicies/allow",
            "Microsoft.Web/sites/slots/basicPublishingCredentialsPolicies/allow",
        }
    )
    types = {
        leaf["equals"]
        for branch in custom.policy_rule["if"]["anyOf"]
        for leaf in branch["allOf"]
        if leaf["field"] == "type"
    }
    assert types == {
        "Microsoft.Web/sites/basicPublishingCredentialsPolicies",
        "Microsoft.Web/sites/slots/basicPublishingCredentialsPolicies",
    }
    policy = POLICIES["app-basic-auth-deny"]
    assert custom.allowed_effects() == policy.allowed_effects
    assert custom.parameters["effect"]["defaultValue"] == policy.default_effect == "Audit"
    assert tuple(custom.parameters) == policy.parameters
    assert custom.mode == "All", "child (proxy) resources: Indexed would skip them"
    assert custom.display_name == policy.display_name and len(custom.name) <= 64


@pytest.mark.parametrize("key", sorted(ALIASES))
def test_the_guard_reads_the_aliases_the_definition_reads(key):
    policy = POLICIES[key]
    read = set(ALIASES[key])
    if not policy.built_in:
        assert read == CUSTOM_DEFINITIONS[key].aliases()
        return
    found = fixture(policy.guid)
    theirs = set(found["aliases"]) | {c["field"] for c in found.get("existenceCondition", [])}
    assert read <= theirs, f"{key}: the guard reads aliases the rule does not: {read - theirs}"
    # What the guard leaves out: a vault recovered from soft delete, a restored server.
    assert {alias.rsplit("/", 1)[-1] for alias in theirs - read} <= {"createMode"}


def test_every_policy_but_the_sql_update_one_is_judged_by_the_guard():
    assert set(ALIASES) == set(POLICIES) - {"sql-entra-only-update"}


def test_the_docs_table_lists_exactly_the_catalog():
    page = (Path(__file__).resolve().parents[2] / "docs" / "policy.md").read_text()
    section = page.split("The built-ins are", 1)[0]
    rows = [line for line in section.splitlines() if line.startswith("| `")]
    found = {}
    for row in rows:
        key, name, reference, effect, _ = (cell.strip() for cell in row.strip("|").split("|"))
        found[key.strip("`")] = (name, reference.split("`")[1], effect)
    assert found == {
        key: (
            policy.display_name,
            policy.guid or CUSTOM_DEFINITIONS[key].name,
            policy.effect,
        )
        for key, policy in POLICIES.items()
    }
