"""The bootstrap stack: state storage, the pipeline identities and their federated
credentials, and access that cannot grow into Owner."""

from __future__ import annotations

import json

import pytest
from azure_identity_kit import (
    GrantTarget,
    KitValidationError,
    UserAssignedIdentity,
    UserAssignedIdentityProps,
)
from azure_identity_kit.azurerm import FEDERATED_CREDENTIAL_IDENTITY_FIELD as IDENTITY_FIELD
from support import new_stack, only, ref, resources, settings_file, strip_metadata, synth

from stacks import ENVIRONMENTS, build_app, default_settings, load_settings
from stacks.bootstrap import (
    GITHUB_OIDC_AUDIENCE,
    GITHUB_OIDC_ISSUER,
    PRODUCT_ROLES,
    delegation_condition,
)

UAI = "azurerm_user_assigned_identity"
RA = "azurerm_role_assignment"
FIC = "azurerm_federated_identity_credential"
RG_DATA = "data.azurerm_resource_group"
REPOSITORY = "your-org/azure-identity-kit"
# Owner, Contributor, User Access Administrator, RBAC Administrator, Reservations
# Administrator: nothing that hands out or widens access.
PRIVILEGED_GUIDS = {
    "8e3af657-a8ff-443c-a75c-2fe8c4bcb635",
    "b24988ac-6180-42a0-ab88-20f7382dd24c",
    "18d7d88d-d35e-4fb5-a5c3-7773c20a72d9",
    "f58310d9-a9f6-439a-9e8d-f62e7b41a168",
}


@pytest.fixture(scope="module")
def doc(stack_json):
    return stack_json("bootstrap")


def identity_key(doc, name: str) -> str:
    matches = [key for key, value in resources(doc, UAI).items() if value["name"] == name]
    assert len(matches) == 1, f"expected one identity named {name}, found {matches}"
    return matches[0]


def grants_of(doc, identity: str) -> list[dict]:
    principal = ref(UAI, identity, "principal_id")
    return [ra for ra in resources(doc, RA).values() if ra["principal_id"] == principal]


def test_bootstrap_snapshot(doc, snapshot_json):
    assert strip_metadata(doc) == snapshot_json


def test_state_storage_is_identity_only_and_versioned(doc):
    _, account = only(doc, "azurerm_storage_account")
    assert account["shared_access_key_enabled"] is False, "no account keys for the state"
    assert account["default_to_oauth_authentication"] is True
    assert account["blob_properties"]["versioning_enabled"] is True, (
        "every earlier state version must be recoverable"
    )
    assert account["lifecycle"] == {"prevent_destroy": True}
    _, container = only(doc, "azurerm_storage_container")
    assert container["name"] == "tfstate" and container["container_access_type"] == "private"
    assert list(doc["terraform"]["backend"]) == ["local"], (
        "the bootstrap creates the state account, so its own state is local"
    )
    provider = doc["provider"]["azurerm"][0]
    assert provider["storage_use_azuread"] is True
    assert "Microsoft.App" in provider["resource_providers_to_register"], (
        "the administrator registers the resource providers the pipeline cannot"
    )


def test_federated_credentials_trust_only_the_repository_environments(doc):
    deploy = identity_key(doc, "id-idkit-deploy")
    plan = identity_key(doc, "id-idkit-plan")
    credentials = resources(doc, FIC)
    by_subject = {value["subject"]: value for value in credentials.values()}
    expected = {
        **{f"repo:{REPOSITORY}:environment:{env}": deploy for env in ENVIRONMENTS},
        f"repo:{REPOSITORY}:pull_request": plan,
    }
    assert set(by_subject) == set(expected), f"unexpected subjects {sorted(by_subject)}"
    for subject, identity in expected.items():
        credential = by_subject[subject]
        assert credential["issuer"] == GITHUB_OIDC_ISSUER, credential
        assert credential["audience"] == [GITHUB_OIDC_AUDIENCE], credential
        assert credential[IDENTITY_FIELD] == ref(UAI, identity, "id"), (
            f"{subject} must sign in as {identity}, got {credential[IDENTITY_FIELD]}"
        )
    # Azure refuses concurrent credential writes on one identity: they form a chain.
    deploy_credentials = [
        (key, value)
        for key, value in credentials.items()
        if value[IDENTITY_FIELD] == ref(UAI, deploy, "id")
    ]
    waiting = [value for _, value in deploy_credentials if value.get("depends_on")]
    assert len(waiting) == len(deploy_credentials) - 1, (
        "each federated credential of the deploy identity but the first waits for another"
    )


def test_deploy_identity_access(doc):
    deploy = identity_key(doc, "id-idkit-deploy")
    grants = grants_of(doc, deploy)
    container_key, _ = only(doc, "azurerm_storage_container")
    by_role: dict[str, list[str]] = {}
    for ra in grants:
        by_role.setdefault(ra["role_definition_name"], []).append(ra["scope"])
        assert ra["principal_type"] == "ServicePrincipal" and ra["description"], ra
    groups = sorted("${" + f"{RG_DATA}.resource-group-{env}.id" + "}" for env in ENVIRONMENTS)
    assert sorted(by_role.get("Contributor", [])) == groups, by_role
    assert sorted(by_role.get("Role Based Access Control Administrator", [])) == groups, by_role
    assert by_role.get("Storage Blob Data Contributor") == [
        ref("azurerm_storage_container", container_key, "id")
    ], by_role
    assert set(by_role) == {
        "Contributor",
        "Role Based Access Control Administrator",
        "Storage Blob Data Contributor",
    }, f"the deploy identity holds nothing else: {sorted(by_role)}"
    for env in ENVIRONMENTS:
        group = strip_metadata(doc["data"]["azurerm_resource_group"][f"resource-group-{env}"])
        assert group == {"name": f"rg-idkit-{env}"}, f"{env}: the group is read, not created"


def test_rbac_administrator_is_constrained_to_the_product_roles_and_service_principals(doc):
    deploy = identity_key(doc, "id-idkit-deploy")
    delegated = [
        ra
        for ra in grants_of(doc, deploy)
        if ra["role_definition_name"] == "Role Based Access Control Administrator"
    ]
    assert len(delegated) == len(ENVIRONMENTS)
    for ra in delegated:
        condition = ra["condition"]
        assert ra["condition_version"] == "2.0", ra
        for source, action in (("@Request", "write"), ("@Resource", "delete")):
            matches = f"ActionMatches{{'Microsoft.Authorization/roleAssignments/{action}'}}"
            assert matches in condition, f"the condition must cover {action}"
            assert (
                f"{source}[Microsoft.Authorization/roleAssignments:RoleDefinitionId] "
                "ForAnyOfAnyValues:GuidEquals {"
            ) in condition, f"{source}: roles must be constrained"
            assert (
                f"{source}[Microsoft.Authorization/roleAssignments:PrincipalType] "
                "ForAnyOfAnyValues:StringEqualsIgnoreCase {'ServicePrincipal'}"
            ) in condition, f"{source}: principal types must be constrained"
        for name, guid in PRODUCT_ROLES.items():
            assert guid in condition, f"{name} ({guid}) must be assignable"
        for guid in PRIVILEGED_GUIDS:
            assert guid not in condition, f"privileged role {guid} must never be assignable"
    assert condition == delegation_condition(PRODUCT_ROLES.values(), ["ServicePrincipal"])


def test_plan_identity_touches_only_the_plan_environment(doc):
    plan = identity_key(doc, "id-idkit-plan")
    container_key, _ = only(doc, "azurerm_storage_container")
    grants = {(ra["role_definition_name"], ra["scope"]) for ra in grants_of(doc, plan)}
    assert grants == {
        ("Contributor", "${" + f"{RG_DATA}.resource-group-dev.id" + "}"),
        ("Storage Blob Data Reader", ref("azurerm_storage_container", container_key, "id")),
    }, f"pull-request plans must not reach staging or prod, nor write state: {grants}"


def test_privileged_grants_are_suppressed_with_reasons_only_there(synth_outdir):
    raw = json.loads((synth_outdir / "stacks" / "bootstrap" / "cdk.tf.json").read_text())
    for key, ra in raw["resource"][RA].items():
        suppressions = ra["//"].get("guard_suppressions", [])
        privileged = ra["role_definition_name"] in {
            "Contributor",
            "Role Based Access Control Administrator",
        }
        if privileged:
            assert [s["rule"] for s in suppressions] == ["rbac-privileged-role"], (
                key,
                suppressions,
            )
            assert all(len(s["reason"]) > 40 for s in suppressions), suppressions
        else:
            assert suppressions == [], f"{key}: only the privileged grants are suppressed"


def test_pipeline_may_assign_every_role_the_environments_assign(stack_json):
    """Cross-check with the environment stacks: the ABAC condition must allow each
    role they assign, to the principal type they assign it to, or deploys fail."""
    config = default_settings().bootstrap
    by_guid = {guid: name for name, guid in config.delegable_roles.items()}
    for env in ENVIRONMENTS:
        for key, ra in resources(stack_json(env), RA).items():
            role = ra.get("role_definition_name") or by_guid.get(
                ra.get("role_definition_id", "").rsplit("/", 1)[-1]
            )
            assert role in config.delegable_roles, (
                f"{env}: {key} assigns {role!r}, which the pipeline may not assign; add it to "
                "stacks/bootstrap.py PRODUCT_ROLES (or grant a narrower role)"
            )
            assert ra["principal_type"] in config.delegable_principal_types, (
                f"{env}: {key} assigns to a {ra['principal_type']}; allow it in "
                "BootstrapConfig.delegable_principal_types"
            )


def test_cosmos_data_grants_are_in_the_environment_group_the_pipeline_contributes_to(
    stack_json,
):
    """Cosmos SQL role assignments are an ARM write on the account
    (Microsoft.DocumentDB/databaseAccounts/sqlRoleAssignments/write), which the
    pipeline's Contributor on the environment's group allows, not a role
    assignment its ABAC condition would have to allow: each one must be in that
    group, on an account of that group."""
    group = ref("azurerm_resource_group", "resource-group", "name")
    for env in ENVIRONMENTS:
        doc = stack_json(env)
        assignments = resources(doc, "azurerm_cosmosdb_sql_role_assignment")
        assert assignments, f"{env} grants Cosmos DB data access"
        accounts = resources(doc, "azurerm_cosmosdb_account")
        for key, assignment in assignments.items():
            assert assignment["resource_group_name"] == group, key
            (account,) = [
                name
                for name in accounts
                if f"azurerm_cosmosdb_account.{name}." in assignment["scope"]
            ]
            assert accounts[account]["resource_group_name"] == group, key


def test_repository_comes_from_the_settings_and_state_names_from_the_environment(
    tmp_path, monkeypatch
):
    settings = load_settings(settings_file(tmp_path))
    # A complete remote state (a half-filled one is refused, see test_deploy.py).
    monkeypatch.setenv("IDKIT_STATE_STORAGE_ACCOUNT", "stcontosostate")
    monkeypatch.setenv("IDKIT_STATE_CONTAINER", "tfstate")
    monkeypatch.setenv("IDKIT_STATE_RESOURCE_GROUP", "rg-contoso-deploy")
    build_app(["bootstrap"], outdir=str(tmp_path), settings=settings).synth()
    doc = json.loads((tmp_path / "stacks" / "bootstrap" / "cdk.tf.json").read_text())
    subjects = sorted(value["subject"] for value in resources(doc, FIC).values())
    assert all(subject.startswith("repo:contoso/shop-infra:") for subject in subjects), subjects
    assert only(doc, "azurerm_storage_account")[1]["name"] == "stcontosostate"
    assert "variable" not in doc, "no demo value left: no deploy gate"
    assert sorted(p.name for p in (tmp_path / "stacks").iterdir()) == ["bootstrap"], (
        "`python main.py bootstrap` synthesizes the bootstrap stack alone"
    )


def test_bad_repository_is_refused(tmp_path):
    path = settings_file(
        tmp_path, {'"your-org/azure-identity-kit"': '"https://github.com/contoso/shop"'}
    )
    with pytest.raises(KitValidationError) as error:
        build_app(["bootstrap"], settings=load_settings(path))
    assert error.value.rule_id == "bootstrap-github-repository", error.value


# --- the grant core's ABAC condition ----------------------------------------------------


def _identity(stack):
    return UserAssignedIdentity(
        stack,
        "deployer",
        UserAssignedIdentityProps(name="id-deployer", resource_group_name="rg", location="x"),
    )


def test_grant_with_condition_sets_version_2():
    stack = new_stack()
    identity = _identity(stack)
    target = GrantTarget("rg-app", "/subscriptions/s/resourceGroups/rg-app")
    identity.grant("Role Based Access Control Administrator", target, condition="X")
    identity.grant("Reader", target)
    assignments = {ra["role_definition_name"]: ra for ra in resources(synth(stack), RA).values()}
    delegated = assignments["Role Based Access Control Administrator"]
    assert (delegated["condition"], delegated["condition_version"]) == ("X", "2.0")
    assert "condition" not in assignments["Reader"], "no condition unless asked for"
    assert "condition_version" not in assignments["Reader"]


def test_condition_version_without_condition_is_refused():
    stack = new_stack()
    identity = _identity(stack)
    target = GrantTarget("rg-app", "/subscriptions/s/resourceGroups/rg-app")
    with pytest.raises(KitValidationError) as error:
        identity.grant("Reader", target, condition_version="2.0")
    assert error.value.rule_id == "grant-condition-version", error.value


def test_every_identity_the_stacks_create_has_client_and_principal_id_outputs(stack_json):
    """A role assignment made elsewhere needs the principal ID; a workload or
    pipeline signing in needs the client ID (issue 11: the plan identity had none)."""
    for name in ("bootstrap", "dev", "staging", "prod"):
        doc = stack_json(name)
        values = {output["value"] for output in doc.get("output", {}).values()}
        identities = doc["resource"].get("azurerm_user_assigned_identity", {})
        assert identities, name
        for key in identities:
            for attribute in ("client_id", "principal_id"):
                expected = "${azurerm_user_assigned_identity." + f"{key}.{attribute}" + "}"
                assert expected in values, f"{name}: {key} has no {attribute} output"


def test_federated_credential_names_its_identity_in_the_providers_field(doc):
    """azurerm 4: parent_id + resource_group_name; azurerm 5 (cdktn): only
    user_assigned_identity_id (azurerm 5.0 upgrade guide). Same address either way."""
    for credential in resources(doc, FIC).values():
        assert credential[IDENTITY_FIELD].startswith("${" + UAI + ".")
        others = {"parent_id", "resource_group_name", "user_assigned_identity_id"} - {
            IDENTITY_FIELD
        }
        if IDENTITY_FIELD == "parent_id":
            others.discard("resource_group_name")
            assert credential["resource_group_name"] == "rg-idkit-deploy"
        assert not others & set(credential), credential
