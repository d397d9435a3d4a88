"""The review flags a change that removes or weakens an Azure Policy assignment, or adds an
exemption, as high: on a plan fixture and on a synth diff of the real bootstrap stack."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest
from review_helpers import diff, plan, rc, review

FIXTURE = Path(__file__).resolve().parent / "fixtures" / "policy_plan.json"
RGA = "azurerm_resource_group_policy_assignment"


def test_the_plan_fixture_flags_removal_weakening_and_exemptions_high(tmp_path):
    result = review(tmp_path, json.loads(FIXTURE.read_text()), "--format", "json")
    assert result.code == 1, "high flags fail the review by default"
    flags = {(f["severity"], f["rule"], f["address"]) for f in result.json()["flags"]}
    assert flags == {
        ("high", "policy-assignment-removed", f"{RGA}.storage"),
        ("high", "policy-effect-weakened", f"{RGA}.registry"),  # Deny -> Audit
        ("high", "policy-effect-weakened", f"{RGA}.cosmos"),  # effect parameter removed
        ("high", "policy-enforcement-off", f"{RGA}.vault"),
        ("high", "policy-scope-excluded", f"{RGA}.sql"),
        ("high", "policy-parameter-changed", f"{RGA}.locations"),
        ("high", "policy-assignment-replaced", f"{RGA}.replaced"),
        ("high", "policy-exemption-added", "azurerm_resource_policy_exemption.legacy"),
        (
            "high",
            "policy-exemption-extended",
            "azurerm_resource_group_policy_exemption.extended",
        ),
        ("high", "policy-definition-changed", "azurerm_policy_definition.basic_auth"),
        ("medium", "policy-parameter-changed", f"{RGA}.unknown"),  # known after apply
        ("low", "policy-tightened", f"{RGA}.tightened"),
        ("low", "policy-exemption-removed", "azurerm_resource_policy_exemption.ended"),
        ("low", "other", f"{RGA}.created"),  # a new assignment only tightens
    }, sorted(flags)
    messages = {f["address"]: f["message"] for f in result.json()["flags"]}
    assert (
        "'Container registries should have local admin account disabled.'"
        in messages[f"{RGA}.registry"]
        and "from Deny to Audit" in messages[f"{RGA}.registry"]
    )
    assert "the parameter is gone" in messages[f"{RGA}.cosmos"]
    legacy = messages["azurerm_resource_policy_exemption.legacy"]
    assert "stlegacy" in legacy and "until 2027-03-31" in legacy and "Waiver" in legacy


def test_markdown_puts_the_policy_flags_in_the_table(tmp_path):
    result = review(tmp_path, json.loads(FIXTURE.read_text()), "--format", "markdown")
    assert "| **high** | `azurerm_resource_group_policy_assignment.vault` |" in result.out
    assert "DoNotEnforce" in result.out


@pytest.mark.parametrize(
    "rtype",
    [
        "azurerm_subscription_policy_assignment",
        "azurerm_management_group_policy_assignment",
        "azurerm_resource_policy_assignment",
    ],
)
def test_every_assignment_scope_is_reviewed(tmp_path, rtype):
    body = {"name": "a", "policy_definition_id": "/providers/x/policyDefinitions/y"}
    result = review(tmp_path, plan(rc(f"{rtype}.gone", ["delete"], body, None)), "--format", "json")
    assert result.rules("high") == {("policy-assignment-removed", f"{rtype}.gone")}


def test_an_exemption_without_expiry_says_so(tmp_path):
    body = {
        "name": "e",
        "subscription_id": "/subscriptions/00000000-0000-0000-0000-000000000001",
        "policy_assignment_id": "/subscriptions/0/providers/Microsoft.Authorization/"
        "policyAssignments/deny-keys",
        "exemption_category": "Waiver",
    }
    change = rc("azurerm_subscription_policy_exemption.forever", ["create"], None, body)
    result = review(tmp_path, plan(change), "--format", "json")
    ((flag,),) = [[f for f in result.json()["flags"] if f["severity"] == "high"]]
    assert flag["rule"] == "policy-exemption-added" and "with no expiry" in flag["message"]


@pytest.fixture(scope="module")
def bootstrap(stack_json) -> dict:
    return stack_json("bootstrap")


def _assignment(doc: dict, env: str, key: str) -> str:
    (name,) = [
        name
        for name, body in doc["resource"][RGA].items()
        if body["name"] == f"secret-free-{key}"
        and f"resource-group-{env}" in body["resource_group_id"]
    ]
    return name


def test_a_synth_diff_of_the_bootstrap_flags_what_would_weaken_the_guardrails(tmp_path, bootstrap):
    head = copy.deepcopy(bootstrap)
    assignments = head["resource"][RGA]
    removed = _assignment(head, "prod", "storage-shared-key")
    weakened = _assignment(head, "prod", "key-vault-rbac")
    unenforced = _assignment(head, "staging", "cosmos-local-auth")
    del assignments[removed]
    assignments[weakened]["parameters"] = json.dumps({"effect": {"value": "Disabled"}})
    assignments[unenforced]["enforce"] = False
    head["resource"]["azurerm_resource_policy_exemption"] = {
        "legacy": {
            "//": {"metadata": {"path": "bootstrap/legacy", "uniqueId": "legacy"}},
            "name": "secret-free-acr-admin-user",
            "resource_id": "${data.azurerm_resource_group.resource-group-prod.id}"
            "/providers/Microsoft.ContainerRegistry/registries/crlegacy",
            "policy_assignment_id": "${"
            + f"{RGA}.{_assignment(head, 'prod', 'acr-admin-user')}.id"
            + "}",
            "exemption_category": "Waiver",
            "description": "A vendor's build agent pushes with the admin user until June.",
            "expires_on": "2027-06-01T00:00:00Z",
        }
    }
    result = diff(tmp_path, {"bootstrap": bootstrap}, {"bootstrap": head}, "--format", "json")
    assert result.rules("high") == {
        ("policy-assignment-removed", f"{RGA}.{removed}"),
        ("policy-effect-weakened", f"{RGA}.{weakened}"),
        ("policy-enforcement-off", f"{RGA}.{unenforced}"),
        ("policy-exemption-added", "azurerm_resource_policy_exemption.legacy"),
    }, result.out
    messages = " ".join(f["message"] for f in result.json()["flags"])
    assert "from Deny to Disabled, so Azure no longer refuses" in messages
    assert "crlegacy of data.azurerm_resource_group.resource-group-prod" in messages


def test_an_unchanged_bootstrap_has_nothing_to_flag(tmp_path, bootstrap):
    result = diff(tmp_path, {"bootstrap": bootstrap}, {"bootstrap": bootstrap}, "--format", "json")
    assert result.json()["flags"] == []
