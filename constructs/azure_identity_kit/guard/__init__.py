"""Least-privilege guardrails checked at synth.

    from azure_identity_kit.guard import apply_guard, suppress

    apply_guard(stack)  # stacks.build_app() does this for the project's stacks
    suppress(resource, "rbac-resource-group-scope", "the job cleans up the whole group")

Every rule, with why it matters and how to fix it, is in `rules.py`
(`python -m azure_identity_kit.guard` prints the table). The checkov gate
for `make check` is `python -m azure_identity_kit.guard.checkov_gate cdktf.out`.
"""

from typing import TYPE_CHECKING

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
from .rules import GUARD_RULES, Rule, all_rules, markdown_table, validation_rules

if TYPE_CHECKING:
    from .rules import RULES as RULES
    from .rules import VALIDATION_RULES as VALIDATION_RULES

__all__ = [
    "GUARD_RULES",
    "MIN_REASON_LENGTH",
    "RULES",
    "SUPPRESSIONS_KEY",
    "VALIDATION_RULES",
    "all_rules",
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
    "validation_rules",
]


def __getattr__(name: str) -> object:
    """`RULES` and `VALIDATION_RULES`, built on first access (rules.py)."""
    if name in ("RULES", "VALIDATION_RULES"):
        from . import rules

        return getattr(rules, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
