"""The one rule table (guard/rules.py) lists every rule ID the package reports,
so the docs/guard.md table generated from it is complete."""

from __future__ import annotations

import ast
import re
import subprocess
import sys
from pathlib import Path

from azure_identity_kit import KitValidationError
from azure_identity_kit.guard import GUARD_RULES, RULES, VALIDATION_RULES, markdown_table
from azure_identity_kit.guard.rules import TABLE_BEGIN, TABLE_END, format_finding
from rule_ids import scan

REPO = Path(__file__).resolve().parents[2]
PACKAGE = REPO / "constructs" / "azure_identity_kit"
KEBAB = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)+$")


def _raised_ids() -> dict[str, list[str]]:
    ids, opaque = scan([PACKAGE, REPO / "stacks"])
    assert not opaque, f"rule IDs that are not literals cannot be checked: {opaque}"
    assert len(ids) > 20, f"the scanner found too few rule IDs to be working: {sorted(ids)}"
    return ids


def _guard_ids_in_checks() -> set[str]:
    tree = ast.parse((PACKAGE / "guard" / "checks.py").read_text())
    return {
        node.args[0].value
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr == "finding"
        and node.args
        and isinstance(node.args[0], ast.Constant)
    }


def test_every_raised_rule_id_is_in_the_table():
    missing = {
        rule_id: where[0] for rule_id, where in _raised_ids().items() if rule_id not in RULES
    }
    assert not missing, (
        f"add these rule IDs to guard/rules.py (_VALIDATION) so docs/guard.md lists them: {missing}"
    )


def test_raised_rule_ids_are_input_errors_not_guard_rules():
    clash = sorted(set(_raised_ids()) & {r.rule_id for r in GUARD_RULES})
    assert not clash, f"a guard rule ID must not also be a KitValidationError ID: {clash}"


def test_no_stale_input_rules_in_the_table():
    raised = set(_raised_ids())
    stale = sorted(r.rule_id for r in VALIDATION_RULES if r.rule_id not in raised)
    assert not stale, f"the table lists input rules nothing raises any more: {stale}"


def test_every_guard_rule_is_produced_by_a_check_and_vice_versa():
    produced = _guard_ids_in_checks()
    declared = {r.rule_id for r in GUARD_RULES}
    assert produced == declared, (
        f"checks.py reports {sorted(produced - declared)} without a table row; "
        f"table rows {sorted(declared - produced)} have no check"
    )


def test_ids_are_unique_kebab_case_and_described():
    all_rules = [*GUARD_RULES, *VALIDATION_RULES]
    ids = [r.rule_id for r in all_rules]
    assert len(ids) == len(set(ids)), "rule IDs must be unique"
    for rule in all_rules:
        assert KEBAB.match(rule.rule_id), f"{rule.rule_id} is not a kebab-case slug"
        assert rule.catches and rule.why and rule.fix, f"{rule.rule_id} needs every column"
        assert rule.suppressible == (rule.severity != "input"), rule.rule_id


def test_markdown_table_has_one_row_per_rule_and_says_what_is_suppressible():
    table = markdown_table()
    rows = [line for line in table.splitlines() if line.startswith("| `")]
    assert len(rows) == len(RULES), "one row per rule"
    for rule in RULES.values():
        (row,) = [r for r in rows if r.startswith(f"| `{rule.rule_id}` |")]
        if rule.suppressible:
            assert f'suppress(construct, "{rule.rule_id}", reason)' in row, row
        else:
            assert "Not suppressible: input error." in row, row
        assert row.count(" | ") == 4, f"a '|' inside a cell breaks the table: {row}"


def test_guard_messages_have_the_kit_validation_error_shape():
    error = str(KitValidationError("s/a", "some-rule", "Problem.", "Do this."))
    message = format_finding("s/a", "some-rule", "Problem.", "Do this.")
    assert message.startswith(error), f"guard message {message!r} should extend {error!r}"


def test_docs_guard_table_is_the_generated_one():
    text = (REPO / "docs" / "guard.md").read_text()
    assert TABLE_BEGIN in text, "docs/guard.md has no generated guard rule table (markers)"
    table = text.split(TABLE_BEGIN, 1)[1].split(TABLE_END, 1)[0]
    assert table.strip() == markdown_table().strip(), (
        "docs/guard.md's rule table is stale: python -m azure_identity_kit.guard "
        "--update docs/guard.md"
    )


def test_the_guard_builds_the_validation_rules_only_when_asked():
    """A synth that reports nothing never reads the constraint inventory (~90 ms):
    guard findings look their rule up among the guard's own."""
    program = (
        "import sys\n"
        "from azure_identity_kit.guard import rules\n"
        "from azure_identity_kit.guard.checks import Finding\n"
        "finding = Finding('rbac-privileged-role', 'a.b', 'x/y', 'problem')\n"
        "assert finding.severity == 'error' and 'problem' in finding.message\n"
        "assert 'azure_identity_kit.constraints.inventory' not in sys.modules\n"
        "assert rules.RULES['rbac-privileged-role'] is rules.rule('rbac-privileged-role')\n"
        "assert 'azure_identity_kit.constraints.inventory' in sys.modules\n"
    )
    done = subprocess.run([sys.executable, "-c", program], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
