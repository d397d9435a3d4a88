"""The access map's model of every synthesized stack: one edge per access grant in the JSON,
the construct path of each, private scopes, a snapshot, and indifference to resources that
grant nothing."""

from __future__ import annotations

import copy
from collections import Counter

import pytest
from access_helpers import STACKS, grant_locations
from azure_identity_kit.access_map.build import build
from azure_identity_kit.access_map.graph import (
    CARRIES,
    COSMOS_DATA_ROLE,
    GRANT_KINDS,
    IDENTITY,
    KEY_VAULT_REFERENCE,
    PULL,
    RBAC,
    SCOPE,
    SQL_DATABASE_ROLE,
    SQL_ENTRA_ADMIN,
    WORKLOAD,
)


def metadata_paths(doc: dict) -> set[str]:
    return {
        attrs["//"]["metadata"]["path"]
        for section in ("resource", "data")
        for named in (doc.get(section) or {}).values()
        for attrs in named.values()
        if "//" in attrs
    }


@pytest.mark.parametrize("stack", STACKS)
def test_every_grant_in_the_json_is_exactly_one_edge(stack, stack_json):
    doc = stack_json(stack)
    expected = grant_locations(doc)
    access = build(stack, doc)
    origins = [e.origin for e in access.grants()]
    assert len(expected) >= 9, "the stack grants something: the walk must find it"
    assert Counter(origins) == Counter(expected)
    assert len(set(origins)) == len(origins), "no grant is drawn twice"
    kinds = Counter(e.kind for e in access.grants())
    resources = doc["resource"]
    assert kinds[RBAC] == len(resources.get("azurerm_role_assignment", {}))
    assert kinds[COSMOS_DATA_ROLE] == len(resources.get("azurerm_cosmosdb_sql_role_assignment", {}))


def test_an_environment_has_every_kind_of_grant(stack_json):
    access = build("dev", stack_json("dev"))
    kinds = {e.kind for e in access.edges}
    assert {
        RBAC,
        COSMOS_DATA_ROLE,
        SQL_DATABASE_ROLE,
        SQL_ENTRA_ADMIN,
        KEY_VAULT_REFERENCE,
        PULL,
    } <= kinds
    assert CARRIES in kinds
    sql = [e for e in access.edges if e.kind == SQL_DATABASE_ROLE]
    assert [(access.node(e.source).label, e.role, access.node(e.target).label) for e in sql] == [
        ("id-idkit-api-dev", "db_datareader", "app")
    ]


@pytest.mark.parametrize("stack", STACKS)
def test_every_edge_names_the_construct_that_created_it(stack, stack_json, synth_outdir):
    doc = stack_json(stack)
    paths = metadata_paths(doc)
    for edge in build(stack, doc).edges:
        if edge.kind == SQL_DATABASE_ROLE:
            # The T-SQL is a TerraformAsset of the SQL server construct: its folder is named
            # after that construct's unique ID, `<server construct>_grants-<db>_<hash>`.
            construct = edge.path.removeprefix(f"{stack}/").replace("/", "_")
            assert list((synth_outdir / "stacks" / stack / "assets").glob(f"{construct}_*")), edge
        else:
            assert edge.path in paths, edge


@pytest.mark.parametrize("stack", STACKS)
def test_nodes_are_identities_workloads_and_scopes(stack, stack_json):
    access = build(stack, stack_json(stack))
    for edge in access.edges:
        source, target = access.node(edge.source), access.node(edge.target)
        if edge.kind in GRANT_KINDS:
            assert (source.kind, target.kind) in ((IDENTITY, SCOPE), (IDENTITY, WORKLOAD)), edge
        else:
            assert (source.kind, target.kind) == (WORKLOAD, IDENTITY), edge
    unresolved = [n for n in access.nodes if n.startswith("unresolved:")]
    assert not unresolved, "every reference of the stack resolves to a node of it"
    names = {n.label for n in access.nodes.values() if n.kind == IDENTITY}
    created = {
        attrs["name"]
        for attrs in stack_json(stack)["resource"]["azurerm_user_assigned_identity"].values()
    }
    assert created <= names, "every user-assigned identity is a node, linked or not"


def test_private_scopes_follow_the_network_posture(stack_json):
    dev, staging = build("dev", stack_json("dev")), build("staging", stack_json("staging"))
    assert not [n for n in dev.nodes.values() if n.private]
    scopes = [n for n in staging.nodes.values() if n.kind == SCOPE]
    assert scopes and all(n.private for n in scopes)
    vault = next(n for n in scopes if n.type == "azurerm_key_vault")
    assert vault.private_because == [
        "public network access off",
        "private endpoint pe-kv-idkit-staging-vault (vault)",
    ]
    secret = next(n for n in scopes if n.label == "api-config")
    assert secret.parent == vault.id
    assert all(reason.endswith("(on kv-idkit-staging)") for reason in secret.private_because)


def test_deploy_identity_and_its_federated_subjects(stack_json):
    access = build("bootstrap", stack_json("bootstrap"))
    deploy = next(n for n in access.nodes.values() if n.label == "id-idkit-deploy")
    subjects = sorted(access.node(e.source).label for e in access.edges if e.target == deploy.id)
    assert subjects == [
        f"repo:your-org/azure-identity-kit:environment:{env}" for env in ("dev", "prod", "staging")
    ]
    roles = Counter(e.role for e in access.edges if e.source == deploy.id)
    assert roles["Contributor"] == 3
    assert roles["Role Based Access Control Administrator (with condition)"] == 3


def test_resources_that_grant_nothing_change_nothing(stack_json):
    """A `time_sleep` before a grant, a variable, a depends_on on them: not access."""
    doc = copy.deepcopy(stack_json("dev"))
    before = build("dev", doc).to_json()
    doc["variable"] = {"deploy_gate": {"type": "bool", "default": False}}
    doc["resource"]["time_sleep"] = {
        "wait": {"create_duration": "30s", "//": {"metadata": {"path": "dev/wait"}}}
    }
    for attrs in doc["resource"]["azurerm_cosmosdb_sql_role_assignment"].values():
        attrs["depends_on"] = ["time_sleep.wait"]
    assert build("dev", doc).to_json() == before


@pytest.mark.parametrize("stack", STACKS)
def test_model_snapshot(stack, stack_json, snapshot_json):
    assert build(stack, stack_json(stack)).to_json() == snapshot_json
