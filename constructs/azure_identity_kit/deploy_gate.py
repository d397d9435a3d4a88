"""A deploy gate: a stack that may be synthesized but must not be deployed as
it is (it still holds demo values, or misses a value only its owner knows).

`cdktf synth` and `cdktf deploy` run the same app, so the app cannot tell them
apart. The gate therefore lives in the synthesized stack, where Terraform
itself enforces it: a variable whose default lists each finding and whose
validation rule requires that list to be empty. `terraform validate` (and so
`make validate`) does not evaluate a variable's default, so synth and
validation stay green; `terraform plan`, which `cdktf deploy`, `cdktf diff` and
the deploy workflow run first, fails before it touches Azure with one line per
finding, each with its rule ID. `python -m azure_identity_kit.preflight` reads
the same list from the synthesized JSON.

A stack with nothing to refuse has no gate: its output is unchanged.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from ._cdktf import TerraformStack, TerraformVariable, TerraformVariableValidationConfig

GATE_VARIABLE = "azure_identity_kit_deploy_gate"
"""The variable's name in the synthesized stack (preflight.py reads it)."""
_NO_TEMPLATE = re.compile(r"[$%]\{")


@dataclass(frozen=True)
class GateFinding:
    """One reason a stack must not be deployed."""

    rule_id: str
    """Kebab-case rule ID, e.g. 'demo-sql-admin-group-object-id'."""
    setting: str
    """Where the value is set, e.g. 'environments.toml [defaults] sql_admin_group_object_id'."""
    problem: str
    fix: str

    def line(self) -> str:
        """`[rule] setting: problem Fix: fix`."""
        return f"[{self.rule_id}] {self.setting}: {self.problem} Fix: {self.fix}"


def _literal(text: str) -> str:
    """`text` as a literal inside a Terraform JSON string, which is a template:
    `${` and `%{` are escaped as `$${` and `%%{`. (A variable's default is a
    literal value already.)"""
    return _NO_TEMPLATE.sub(lambda found: found.group(0)[0] * 2 + "{", text)


def refuse_deploy(
    stack: TerraformStack, findings: Sequence[GateFinding]
) -> TerraformVariable | None:
    """Add the deploy gate to `stack` for `findings` (none: nothing is added)."""
    if not findings:
        return None
    lines = [finding.line() for finding in findings]
    message = (
        f"This stack cannot be deployed: it holds {len(lines)} value(s) that must be "
        "replaced first (docs/first-deploy.md; make preflight ENV=<stack> lists them too).\n"
        + "\n".join(lines)
        + "\nThis deploy was refused."
    )
    return TerraformVariable(
        stack,
        GATE_VARIABLE,
        type="list(string)",
        default=lines,
        description="Deploy gate (azure-identity-kit): what must be fixed before this stack "
        "can be deployed. Do not override it: fix the values.",
        validation=[
            TerraformVariableValidationConfig(
                condition=f"${{length(var.{GATE_VARIABLE}) == 0}}",
                error_message=_literal(message),
            )
        ],
    )
