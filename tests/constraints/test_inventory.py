"""The inventory is complete, sourced and published: every public prop with a
documented limit has a constraint, each constraint cites a provider validator or
an Azure page, and the docs/constraints.md table is the generated one."""

from __future__ import annotations

import ast
import inspect
import re
from pathlib import Path

import pytest
from azure_identity_kit.constraints import plan_of
from azure_identity_kit.constraints.inventory import (
    TABLE_BEGIN,
    TABLE_END,
    inventory,
    markdown_table,
    props_classes,
)
from azure_identity_kit.guard import RULES
from cases import PLACERS, examples

REPO = Path(__file__).resolve().parents[2]
PROVIDER_SOURCE = re.compile(
    r"^(?:terraform-provider-time v0\.13\.1 )?(?:internal|vendor)/[\w/.-]+\.go \S.*$"
)
# Words in a prop's docstring that announce a limit: a range ('1-65535', '40-1000'),
# a list of choices ('Basic, Standard or Premium'), a format ('a GUID', 'starting with').
LIMIT_WORDS = re.compile(
    r"\b\d+(?:\.\d+)?-\d+\b|\bone of\b|\b[A-Z]\w*, [A-Z]\w* or [A-Z]\w*\b|\bGUID\b"
    r"|\bor more\b|\bat least\b|\bstarting with\b|\bduration\b|\(a number: one of its limits\)",
)
# Public props whose docstring names a limit the kit does not check, and why.
NOT_CHECKED = {
    "ContainerAppWithIdentityProps.name": "a name: naming.py's NameRule (check_name)",
    "ContainerInstanceFromAcrProps.name": "a name: naming.py's NameRule (check_name)",
    "AciContainerSpec.name": "a name: naming.py's NameRule (check_name)",
    "AciPublicNetwork.dns_name_label": "a name: naming.py's NameRule (check_name)",
    "VmWithIdentityProps.name": "a name: naming.py's NameRule (check_name)",
    "WebAppWithIdentityProps.name": "a name: naming.py's NameRule (check_name)",
    "FunctionAppWithIdentityProps.name": "a name: naming.py's NameRule (check_name)",
    "LinuxServicePlanProps.name": "a name: naming.py's NameRule (check_name)",
    "IdentityOnlyCosmosAccountProps.name": "a name: naming.py's NameRule (check_name)",
    "EntraOnlySqlServerProps.name": "a name: naming.py's NameRule (check_name)",
    "RbacKeyVaultProps.name": "a name: naming.py's NameRule (check_name)",
    "IdentityOnlyStorageProps.name": "a name: naming.py's NameRule (check_name)",
    "IdentityOnlyRegistryProps.name": "a name: naming.py's NameRule (check_name)",
    "UserAssignedIdentityProps.name": "a name: naming.py's NameRule (check_name)",
    "FunctionRuntime.version": "checked with the plan: function-runtime-version and "
    "function-flex-runtime-version (cross-field rules of FunctionAppWithIdentityProps)",
}


NUMBERS = {"int", "float", "int | None", "float | None"}


def _documented_fields() -> dict[str, str]:
    """'Class.field' -> the field's docstring (a number's annotation counts as a limit
    announced: every number the kit passes on has a range), for every props class the
    kit defines."""
    found: dict[str, str] = {}
    for cls in props_classes():
        tree = ast.parse(inspect.getsource(cls))
        body = tree.body[0].body  # type: ignore[attr-defined]
        for node, after in zip(body, [*body[1:], None], strict=True):
            if isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
                doc = ""
                if isinstance(after, ast.Expr) and isinstance(after.value, ast.Constant):
                    doc = str(after.value.value)
                if ast.unparse(node.annotation) in NUMBERS:
                    doc = f"{doc} (a number: one of its limits)"
                found[f"{cls.__name__}.{node.target.id}"] = doc
    return found


def test_every_prop_with_a_documented_limit_has_a_constraint():
    constrained = {entry.where for entry in inventory()}
    constrained |= {
        f"{entry.owner}.{field}"
        for entry in inventory()
        for field in getattr(entry.constraint, "fields", ())
    }
    missing = {
        where: doc.split("\n")[0]
        for where, doc in _documented_fields().items()
        if LIMIT_WORDS.search(doc) and where not in constrained and where not in NOT_CHECKED
    }
    assert not missing, (
        "these props document a limit but have no constraint (add checked(...) next to the "
        f"prop, or say in NOT_CHECKED why not): {missing}"
    )


def test_the_check_would_notice_a_new_unchecked_limit():
    """The detector itself: a docstring with a range and no constraint is reported."""
    assert LIMIT_WORDS.search("Scale-out limit, 40-1000. Default: 40.")
    assert LIMIT_WORDS.search("Basic, Standard or Premium. Default: Standard.")
    assert not LIMIT_WORDS.search("Tags on the group. Default: none.")


def test_every_entry_cites_a_source_of_its_kind():
    for entry in inventory():
        source = entry.constraint.source
        if source.kind == "provider":
            assert PROVIDER_SOURCE.match(source.where), (entry.where, source.where)
        else:
            assert source.where.startswith(("https://learn.microsoft.com/", "https://keda.sh/")), (
                entry.where,
                source.where,
            )


def test_the_inventory_covers_what_the_issue_lists():
    rules = {entry.constraint.rule_id for entry in inventory()}
    expected = {
        "container-app-resources",  # CPU/memory pairs (Consumption and workload profiles)
        "aci-cpu",
        "aci-memory",
        "aci-group-resources",  # Container Instances limits
        "container-app-replicas",
        "container-app-replica-order",
        "container-app-port",
        "aci-port",
        "cosmos-autoscale-throughput",
        "cosmos-consistency-level",
        "sql-database-sku",
        "sql-database-size",
        "app-plan-sku",
        "app-always-on-sku",
        "app-vnet-integration-sku",
        "app-plan-zone-balancing",
        "keyvault-retention-days",
        "storage-retention-days",
        "acr-retention-days",
        "entra-object-id",
        "keyvault-tenant-id",
        "identity-id-guid",
        "keyvault-secret-uri",
        "keyvault-secret-vault",
        "container-app-environment-id",
        "app-service-plan-id",
        "subnet-size",
        "wait-duration",
        "function-runtime",
        "function-runtime-version",
        "function-flex-runtime-version",
    }
    assert expected <= rules, sorted(expected - rules)
    assert len(inventory()) >= 80


def test_every_constraint_rule_is_in_the_rule_table():
    missing = sorted({e.constraint.rule_id for e in inventory()} - set(RULES))
    assert not missing, missing


def test_every_entry_has_a_placement_and_boundary_values():
    for entry in inventory():
        assert entry.where in PLACERS, f"tests/constraints/cases.py: place {entry.where}"
        good, bad = examples(entry)
        assert good and bad, entry.where


def test_constrained_classes_are_frozen_dataclasses_planned_once():
    constrained = [cls for cls in props_classes() if not plan_of(cls).empty]
    assert len(constrained) >= 25
    for cls in constrained:
        assert cls.__dataclass_params__.frozen, cls  # type: ignore[attr-defined]
        assert plan_of(cls) is plan_of(cls), "planned once per class"


def test_docs_constraint_table_is_the_generated_one():
    text = (REPO / "docs" / "constraints.md").read_text()
    if TABLE_BEGIN not in text:
        pytest.fail("docs/constraints.md has no constraint table markers")
    table = text.split(TABLE_BEGIN, 1)[1].split(TABLE_END, 1)[0]
    assert table.strip() == markdown_table().strip(), (
        "docs/constraints.md's table is stale: python -m azure_identity_kit.constraints "
        "--update docs/constraints.md"
    )
    rows = [line for line in table.splitlines() if line.startswith("| `")]
    assert len(rows) == len(inventory())


def test_update_rewrites_only_between_the_markers(tmp_path):
    from azure_identity_kit.doc_table import main

    readme = tmp_path / "README.md"
    readme.write_text(f"# Title\n{TABLE_BEGIN}\nold\n{TABLE_END}\nafter\n")
    main(["--update", str(readme)], "x", markdown_table, TABLE_BEGIN, TABLE_END)
    assert readme.read_text() == f"# Title\n{TABLE_BEGIN}\n{markdown_table()}{TABLE_END}\nafter\n"
    bare = tmp_path / "BARE.md"
    bare.write_text("no markers\n")
    with pytest.raises(SystemExit, match="has no"):
        main(["--update", str(bare)], "x", markdown_table, TABLE_BEGIN, TABLE_END)
    assert bare.read_text() == "no markers\n"
    with pytest.raises(SystemExit, match="usage"):
        main(["--bad"], "x", markdown_table, TABLE_BEGIN, TABLE_END)
