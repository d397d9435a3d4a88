"""Least-privilege guardrails checked at synth.

    from azure_identity_kit.guard import apply_guard, suppress

    apply_guard(stack)  # stacks.build_app() does this for the project's stacks
    suppress(resource, "rbac-resource-group-scope", "the job cleans up the whole group")

Every rule, with why it matters and how to fix it, is in `rules.py`
(`python -m azure_identity_kit.guard` prints the table). The checkov gate
for `make check` is `python -m azure_identity_kit.guard.checkov_gate cdktf.out`.
"""

from .aspect import (
    MIN_REASON_LENGTH,
    SUPPRESSIONS_KEY,
    GuardAspect,
    annotations,
    apply_guard,
    check_app,
    check_stack,
    declare_guardrails,
    declare_private_network,
    suppress,
)
from .checks import Finding, evaluate
from .rules import GUARD_RULES, RULES, VALIDATION_RULES, Rule, markdown_table

__all__ = [
    "GUARD_RULES",
    "MIN_REASON_LENGTH",
    "RULES",
    "SUPPRESSIONS_KEY",
    "VALIDATION_RULES",
    "Finding",
    "GuardAspect",
    "Rule",
    "annotations",
    "apply_guard",
    "check_app",
    "check_stack",
    "declare_guardrails",
    "declare_private_network",
    "evaluate",
    "markdown_table",
    "suppress",
]
