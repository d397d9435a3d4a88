"""The bootstrap assigns the guardrails on every environment's resource group, from
environments.toml (enforcement and exemptions per environment)."""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path

import pytest
from azure_identity_kit.policy_catalog import CUSTOM_DEFINITIONS, POLICIES
from support import guardrails_settings_file, resources

from stacks import ENVIRONMENTS, build_app, load_settings

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "azure-policy"
ASSIGNMENT = "azurerm_resource_group_policy_assignment"
EXEMPTION = "azurerm_resource_policy_exemption"
DEFINITION = "azurerm_policy_definition"


def group(env: str) -> str:
    return "${data.azurerm_resource_group.resource-group-" + env + ".id}"


@pytest.fixture(scope="module")
def bootstrap(stack_json) -> dict:
    return stack_json("bootstrap")


def test_every_environment_group_gets_every_policy_enforced_with_a_valid_effect(bootstrap):
    (definition_key, definition), *more = resources(bootstrap, DEFINITION).items()
    assert not more, "the custom definition is made once, for the subscription"
    assert definition["name"] == CUSTOM_DEFINITIONS["app-basic-auth-deny"].name
    custom_id = "${" + f"{DEFINITION}.{definition_key}.id" + "}"
    assignments = list(resources(bootstrap, ASSIGNMENT).values())
    assert len(assignments) == len(POLICIES) * len(ENVIRONMENTS)
    for env in ENVIRONMENTS:
        mine = {a["name"]: a for a in assignments if a["resource_group_id"] == group(env)}
        assert set(mine) == {f"secret-free-{key}" for key in POLICIES}, env
        for key, policy in POLICIES.items():
            assignment = mine[f"secret-free-{key}"]
            assert assignment["enforce"] is True, f"{env}: enforced by default"
            assert assignment["display_name"].endswith(f" ({env})")
            effect = json.loads(assignment["parameters"])["effect"]["value"]
            if policy.built_in:
                found = json.loads((FIXTURES / f"{policy.guid}.json").read_text())
                assert assignment["policy_definition_id"] == found["id"]
                assert effect in found["effect"]["allowedValues"]
            else:
                assert assignment["policy_definition_id"] == custom_id
                assert effect in CUSTOM_DEFINITIONS[key].allowed_effects()
            assert effect == policy.effect
    assert not resources(bootstrap, EXEMPTION), "the demo settings exempt nothing"


def _settings(tmp_path: Path, ends: date):
    return load_settings(guardrails_settings_file(tmp_path, ends.isoformat(), "Mitigated"))


def test_enforcement_guardrails_and_exemptions_come_from_environments_toml(tmp_path):
    ends = date.today() + timedelta(days=60)
    settings = _settings(tmp_path, ends)
    app = build_app(outdir=str(tmp_path / "out"), settings=settings)
    app.synth()
    doc = json.loads((tmp_path / "out" / "stacks" / "bootstrap" / "cdk.tf.json").read_text())
    assignments = list(resources(doc, ASSIGNMENT).values())
    enforced = {
        env: {a["enforce"] for a in assignments if a["resource_group_id"] == group(env)}
        for env in ENVIRONMENTS
    }
    assert enforced == {"dev": {False}, "staging": set(), "prod": {True}}, enforced
    ((_, exemption),) = resources(doc, EXEMPTION).items()
    assert exemption["resource_id"] == (
        "${data.azurerm_resource_group.resource-group-prod.id}"
        "/providers/Microsoft.Storage/storageAccounts/stlegacyprod"
    )
    assert exemption["expires_on"] == f"{ends.isoformat()}T00:00:00Z"
    assert exemption["exemption_category"] == "Mitigated"
    assert exemption["description"].startswith("The legacy SFTP ingest")


def test_policy_assignments_are_not_access_grants_in_the_access_map(bootstrap):
    """The access map of the bootstrap is the same with and without the guardrails: an
    assignment, exemption or definition grants no identity anything."""
    import copy

    from azure_identity_kit.access_map.build import build

    without = copy.deepcopy(bootstrap)
    for rtype in (ASSIGNMENT, EXEMPTION, DEFINITION):
        without["resource"].pop(rtype, None)
    with_map, without_map = build("bootstrap", bootstrap), build("bootstrap", without)
    assert with_map.edges == without_map.edges and with_map.edges
    assert with_map.nodes == without_map.nodes
    assert not [n for n in with_map.nodes.values() if "policy" in n.address]
