"""The guardrails are assigned where the pipeline cannot undo them: from the role
definitions' own permissions (tests/fixtures/azure-roles, Microsoft Learn), neither
the deploy identity nor the plan identity may write or delete a policy assignment
or exemption, as the delegation check does for role assignments."""

from __future__ import annotations

import json
import re
from functools import cache
from pathlib import Path

import pytest
from support import ref, resources

from stacks import ENVIRONMENTS
from stacks.bootstrap import PRODUCT_ROLES

ROLES_FIXTURE = (
    Path(__file__).resolve().parents[1] / "fixtures" / "azure-roles" / "builtin-roles.json"
)
POLICY_WRITES = (
    "Microsoft.Authorization/policyAssignments/write",
    "Microsoft.Authorization/policyAssignments/delete",
    "Microsoft.Authorization/policyExemptions/write",
    "Microsoft.Authorization/policyExemptions/delete",
)
UAI = "azurerm_user_assigned_identity"


@cache
def role_permissions() -> dict[str, list[dict]]:
    roles = json.loads(ROLES_FIXTURE.read_text())["roles"]
    return {role["roleName"]: role["permissions"] for role in roles}


def matches(pattern: str, operation: str) -> bool:
    """Azure's rule for Actions and NotActions: case-insensitive, `*` stands for any
    run of characters (slashes included)."""
    regex = ".*".join(re.escape(part) for part in pattern.split("*"))
    return re.fullmatch(regex, operation, re.IGNORECASE) is not None


def allows(role: str, operation: str) -> bool:
    """Whether a role's permissions allow a control-plane operation: some block's
    Actions match it and none of that block's NotActions do."""
    return any(
        any(matches(action, operation) for action in block["actions"])
        and not any(matches(excluded, operation) for excluded in block["notActions"])
        for block in role_permissions()[role]
    )


def test_the_wildcard_matcher_is_azures():
    assert matches(
        "Microsoft.Authorization/*/Write", "microsoft.authorization/policyAssignments/write"
    )
    assert matches("*/read", "Microsoft.Storage/storageAccounts/read")
    assert matches("*", "Microsoft.Authorization/policyExemptions/delete")
    assert not matches("Microsoft.Authorization/*/Write", "Microsoft.Authorization/locks/delete")
    assert not matches("Microsoft.Support/*", "Microsoft.Authorization/policyAssignments/write")


def test_controls_roles_that_can_write_policy_do_so_here():
    """Owner and User Access Administrator can: the check is not vacuous."""
    for role in ("Owner", "User Access Administrator"):
        assert all(allows(role, operation) for operation in POLICY_WRITES), role
    assert allows(
        "Role Based Access Control Administrator", "Microsoft.Authorization/roleAssignments/write"
    )
    assert allows("Contributor", "Microsoft.Storage/storageAccounts/write")


def _roles_of(doc: dict, identity_name: str) -> set[str]:
    (key,) = [k for k, v in resources(doc, UAI).items() if v["name"] == identity_name]
    principal = ref(UAI, key, "principal_id")
    return {
        ra["role_definition_name"]
        for ra in resources(doc, "azurerm_role_assignment").values()
        if ra["principal_id"] == principal
    }


@pytest.mark.parametrize("identity", ["id-idkit-deploy", "id-idkit-plan"])
def test_pipeline_identities_cannot_write_or_delete_policy_assignments_or_exemptions(
    stack_json, identity
):
    roles = _roles_of(stack_json("bootstrap"), identity)
    assert roles and roles <= set(role_permissions()), (
        f"{identity}: every role it holds must be in the fixture to be proven: {sorted(roles)}"
    )
    for role in roles:
        for operation in POLICY_WRITES:
            assert not allows(role, operation), f"{identity}'s {role} allows {operation}"


def test_nor_can_the_deploy_identity_delegate_itself_a_role_that_does(stack_json):
    """Its RBAC administrator role may assign exactly PRODUCT_ROLES to service principals
    (the ABAC condition; its own principal is one): none of them may either."""
    by_id = {
        role["name"]: role["roleName"] for role in json.loads(ROLES_FIXTURE.read_text())["roles"]
    }
    assert set(PRODUCT_ROLES.values()) <= set(by_id), "every delegable role is in the fixture"
    for name, guid in PRODUCT_ROLES.items():
        assert by_id[guid] == name
        for operation in POLICY_WRITES:
            assert not allows(name, operation), f"delegable {name} allows {operation}"
    for env in ENVIRONMENTS:
        conditions = [
            ra["condition"]
            for ra in resources(stack_json("bootstrap"), "azurerm_role_assignment").values()
            if "condition" in ra and env in ra["description"]
        ]
        assert conditions, env
        for condition in conditions:
            allowed = set(re.findall(r"[0-9a-f]{8}-[0-9a-f-]{27}", condition))
            assert allowed == set(PRODUCT_ROLES.values()), "the condition allows only these"
