"""SecretFreeGuardrails and PolicyExemption: what they synthesize, that every
parameter they write is valid for its definition, and the input they refuse."""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path

import pytest
from azure_identity_kit import (
    CustomPolicyDefinitions,
    KitValidationError,
    PolicyExemption,
    PolicyExemptionProps,
    PolicyScope,
    SecretFreeGuardrails,
    SecretFreeGuardrailsProps,
)
from azure_identity_kit import policy_exemption as exemption_module
from azure_identity_kit.policy_catalog import CUSTOM_DEFINITIONS, POLICIES, ExemptedResource
from support import new_stack, resources, synth

RG = "/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/rg-app"
SUB = "/subscriptions/00000000-0000-0000-0000-000000000001"
ACCOUNT = f"{RG}/providers/Microsoft.Storage/storageAccounts/stlegacy"
FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "azure-policy"
RG_ASSIGNMENT = "azurerm_resource_group_policy_assignment"
SUB_ASSIGNMENT = "azurerm_subscription_policy_assignment"
EXEMPTION = "azurerm_resource_policy_exemption"
REASON = "The legacy SFTP ingest signs with the account key until the Q3 migration."


def guardrails(stack, **props) -> SecretFreeGuardrails:
    props.setdefault("scope", PolicyScope.resource_group(RG))
    return SecretFreeGuardrails(stack, "guardrails", SecretFreeGuardrailsProps(**props))


def exempt(stack, made: SecretFreeGuardrails, **props) -> PolicyExemption:
    """The legacy account out of storage-shared-key, for 30 days unless props say otherwise."""
    props = {
        "policy": "storage-shared-key",
        "resource_id": ACCOUNT,
        "reason": REASON,
        "expires_on": date.today() + timedelta(days=30),
        **props,
    }
    return PolicyExemption(stack, "exemption", PolicyExemptionProps(guardrails=made, **props))


def by_name(doc: dict, rtype: str) -> dict[str, dict]:
    return {body["name"]: body for body in resources(doc, rtype).values()}


def assert_parameters_valid(assignment: dict, definitions: dict) -> None:
    """The assignment's parameters exist in its definition and each effect is one the
    definition allows: built-ins from their fixture, the custom one from the catalog."""
    parameters = json.loads(assignment["parameters"])
    definition_id = assignment["policy_definition_id"]
    if definition_id.startswith("${"):
        key = definition_id.split(".")[1].split("_")[-2]  # <path>_<key>_<hash>
        custom = CUSTOM_DEFINITIONS[key]
        allowed, names = custom.allowed_effects(), set(custom.parameters)
        assert definition_id == definitions[key]
    else:
        found = json.loads((FIXTURES / f"{definition_id.rsplit('/', 1)[-1]}.json").read_text())
        assert found["id"] == definition_id
        allowed, names = tuple(found["effect"]["allowedValues"]), set(found["parameters"])
    assert set(parameters) <= names, f"{assignment['name']}: unknown parameters {parameters}"
    assert parameters["effect"]["value"] in allowed, assignment["name"]


def test_one_assignment_per_policy_with_its_effect_written():
    stack = new_stack()
    guardrails(stack, label="dev")
    doc = synth(stack)
    assignments = by_name(doc, RG_ASSIGNMENT)
    assert set(assignments) == {f"secret-free-{key}" for key in POLICIES}
    (definition_key, definition), *rest = resources(doc, "azurerm_policy_definition").items()
    assert not rest, "the construct makes the custom definitions it needs, once"
    definitions = {"app-basic-auth-deny": "${azurerm_policy_definition." + definition_key + ".id}"}
    for key, policy in POLICIES.items():
        assignment = assignments[f"secret-free-{key}"]
        assert assignment["resource_group_id"] == RG
        assert assignment["enforce"] is True
        assert json.loads(assignment["parameters"]) == {"effect": {"value": policy.effect}}, (
            "every definition defaults to an audit: the effect is always written"
        )
        assert assignment["display_name"] == f"{policy.display_name} (dev)"
        assert len(assignment["display_name"]) <= 128 and len(assignment["name"]) <= 64
        assert policy.blocks in assignment["non_compliance_message"][0]["content"]
        assert_parameters_valid(assignment, definitions)
    custom = CUSTOM_DEFINITIONS["app-basic-auth-deny"]
    assert definition["policy_type"] == "Custom" and definition["mode"] == custom.mode
    assert json.loads(definition["policy_rule"]) == custom.policy_rule
    assert json.loads(definition["parameters"]) == custom.parameters


def test_enforcement_effects_exclusions_subscription_scope_and_shared_definitions():
    stack = new_stack()
    shared = CustomPolicyDefinitions(stack, "definitions")
    guardrails(
        stack,
        scope=PolicyScope.subscription(SUB),
        definitions=shared,
        enforce=False,
        effects={"storage-shared-key": "Audit"},
        exclude=("acr-repository-token",),
    )
    SecretFreeGuardrails(
        stack,
        "other",
        SecretFreeGuardrailsProps(
            scope=PolicyScope.resource_group(RG), definitions=shared, name_prefix="idkit"
        ),
    )
    doc = synth(stack)
    assert len(resources(doc, "azurerm_policy_definition")) == 1, "one set per subscription"
    on_subscription = by_name(doc, SUB_ASSIGNMENT)
    assert "secret-free-acr-repository-token" not in on_subscription
    assert len(on_subscription) == len(POLICIES) - 1
    assert all(
        a["subscription_id"] == SUB and a["enforce"] is False for a in on_subscription.values()
    )
    assert json.loads(on_subscription["secret-free-storage-shared-key"]["parameters"]) == {
        "effect": {"value": "Audit"}
    }
    assert len(by_name(doc, RG_ASSIGNMENT)) == len(POLICIES)
    assert "idkit-key-vault-rbac" in by_name(doc, RG_ASSIGNMENT)


def test_assigned_says_what_the_guard_must_refuse():
    stack = new_stack()
    made = guardrails(stack, enforce=False, effects={"key-vault-rbac": "Audit"})
    exempt(stack, made)
    assigned = made.assigned
    assert assigned.policies == frozenset(POLICIES) and assigned.enforce is False
    assert assigned.effect_of("key-vault-rbac") == "Audit"
    assert assigned.exemptions == (
        ExemptedResource("storage-shared-key", "Microsoft.Storage/storageAccounts/stlegacy"),
    )
    assert assigned.exempts("storage-shared-key", "microsoft.storage/storageaccounts/STLEGACY")
    assert not assigned.exempts("key-vault-rbac", "Microsoft.Storage/storageAccounts/stlegacy")
    assert not assigned.exempts("storage-shared-key", "Microsoft.Storage/storageAccounts/other")
    assert not assigned.refuses("storage-shared-key"), "DoNotEnforce refuses nothing"


def test_an_exemption_names_one_resource_one_assignment_a_reason_and_an_end():
    stack = new_stack()
    made = guardrails(stack)
    ends = date.today() + timedelta(days=90)
    exempt(stack, made, reason=f"  {REASON} ", expires_on=ends, category="Mitigated")
    doc = synth(stack)
    ((_, exemption),) = resources(doc, EXEMPTION).items()
    (assignment_key,) = [
        key
        for key, body in resources(doc, RG_ASSIGNMENT).items()
        if body["name"] == "secret-free-storage-shared-key"
    ]
    assert exemption == {
        "name": "secret-free-storage-shared-key",
        "resource_id": ACCOUNT,
        "policy_assignment_id": "${" + f"{RG_ASSIGNMENT}.{assignment_key}.id" + "}",
        "exemption_category": "Mitigated",
        "display_name": "Exemption from storage-shared-key (Mitigated)",
        "description": REASON,
        "expires_on": f"{ends.isoformat()}T00:00:00Z",
    }


def _refused(rule_id: str, build) -> KitValidationError:
    with pytest.raises(KitValidationError) as error:
        build(new_stack())
    assert error.value.rule_id == rule_id, error.value
    return error.value


@pytest.mark.parametrize(
    ("rule_id", "props"),
    [
        ("guardrails-unknown-policy", {"exclude": ("storage-keys",)}),
        ("guardrails-unknown-policy", {"effects": {"nope": "Deny"}}),
        ("guardrails-effect", {"effects": {"app-ftp-basic-auth-audit": "Deny"}}),
        ("guardrails-effect", {"effects": {"storage-shared-key": "deny"}}),
        ("guardrails-scope", {"scope": PolicyScope.resource_group(f"{RG}/providers/x/y/z")}),
        ("guardrails-scope", {"scope": PolicyScope.subscription("00000000-0000")}),
        ("guardrails-name", {"name_prefix": "a" * 40}),
        ("guardrails-name", {"name_prefix": "bad/name"}),
        ("guardrails-name", {"exclude": tuple(POLICIES)}),
    ],
)
def test_bad_guardrails_are_refused(rule_id, props):
    _refused(rule_id, lambda stack: guardrails(stack, **props))


@pytest.mark.parametrize(
    ("rule_id", "change"),
    [
        ("exemption-policy", {"policy": "acr-repository-token"}),  # excluded below
        ("exemption-policy", {"policy": "storage-keys"}),
        ("exemption-resource", {"resource_id": RG}),
        ("exemption-resource", {"resource_id": f"{RG}/providers/Microsoft.Storage"}),
        ("exemption-reason", {"reason": "legacy"}),
        ("exemption-reason", {"reason": "x" * 513}),
        ("exemption-expiry", {"expires_on": date(2026, 12, 2)}),  # today in the patched clock
        ("exemption-expiry", {"expires_on": date(2027, 12, 3)}),  # 366 days ahead
        ("exemption-expiry", {"expires_on": "2027-01-31"}),
        ("exemption-category", {"category": "Temporary"}),
    ],
)
def test_bad_exemptions_are_refused(rule_id, change, monkeypatch):
    monkeypatch.setattr(exemption_module, "today", lambda: date(2026, 12, 2))

    def build(stack):
        made = guardrails(stack, exclude=("acr-repository-token",))
        exempt(stack, made, **{"expires_on": date(2027, 1, 31), **change})

    _refused(rule_id, build)


def test_an_exemption_a_year_ahead_is_the_limit(monkeypatch):
    monkeypatch.setattr(exemption_module, "today", lambda: date(2026, 12, 2))
    stack = new_stack()
    exempt(stack, guardrails(stack), expires_on=date(2027, 12, 2))
    assert resources(synth(stack), EXEMPTION)
