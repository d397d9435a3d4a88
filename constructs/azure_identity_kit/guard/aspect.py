"""The guard as a cdktf Aspect, and suppressions.

How it runs: cdktf invokes aspects at the start of each stack's synthesis, top
down, so the stack node is visited first and the whole tree is already built.
The guard therefore does all its work when it visits the stack: it reads the
stack's Terraform JSON once (`to_terraform()`, the document synthesis writes),
evaluates every rule on it (checks.py), and annotates the construct each finding
is about. Error annotations make cdktf refuse to write the stack
("Encountered Annotations with level ERROR"), so `app.synth()`, `make synth`
and `cdktf synth` fail; warnings are recorded and printed by `synth_or_explain`.
"""

from __future__ import annotations

import weakref
from typing import Any

import jsii

from .._cdktf import Annotations, Aspects, IAspect, IConstruct, TerraformResource, TerraformStack
from ..errors import KitValidationError
from ..identity import UserAssignedIdentity
from .checks import Finding, evaluate
from .rules import GUARD_RULE_IDS, RULES

SUPPRESSION_METADATA = "azure-identity-kit/guard-suppression"
"""Node metadata type a suppression is stored under."""
SUPPRESSIONS_KEY = "guard_suppressions"
"""Key under a resource's "//" in cdk.tf.json listing the suppressions that cover it."""
MIN_REASON_LENGTH = 10

_PRIVATE_NETWORK: weakref.WeakSet[Any] = weakref.WeakSet()


def declare_private_network(stack: IConstruct) -> None:
    """Say that a stack's data services are meant to be private: the guard then
    warns on every one with public access on (`private-data-service-public`),
    even before any private endpoint exists. (A stack with private endpoints
    is treated as private without this.)"""
    _PRIVATE_NETWORK.add(stack)


_ERROR = "@cdktf/error"
_WARNING = "@cdktf/warn"


def suppress(
    construct: IConstruct, rule_id: str, reason: str, apply_to_children: bool = False
) -> None:
    """Accept one guard finding on `construct`, for a stated reason.

    Findings are reported on Terraform resources (the L1 construct, e.g. a kit
    construct's `.resource`). With `apply_to_children=True` the suppression also
    covers every construct below `construct`. The rule ID and reason are written
    to each covered resource's "//" metadata in cdk.tf.json, so a reviewer sees
    them in the diff.
    """
    path = construct.node.path
    rule = RULES.get(rule_id)
    if rule is None or rule_id not in GUARD_RULE_IDS:
        known = ", ".join(sorted(GUARD_RULE_IDS))
        problem = (
            f"'{rule_id}' is an input-validation rule: it is fixed, not suppressed."
            if rule is not None
            else f"There is no guard rule '{rule_id}'."
        )
        raise KitValidationError(
            path, "suppression-unknown-rule", problem, f"Use one of the guard rules: {known}."
        )
    if not isinstance(reason, str) or len(reason.strip()) < MIN_REASON_LENGTH:
        raise KitValidationError(
            path,
            "suppression-reason",
            f"The reason for suppressing '{rule_id}' is {reason!r}; a reviewer needs more.",
            f"Say in at least {MIN_REASON_LENGTH} characters why the finding is acceptable here.",
        )
    if not apply_to_children and not TerraformResource.is_terraform_element(construct):
        raise KitValidationError(
            path,
            "suppression-target",
            f"'{path}' is not a Terraform resource, and guard findings are reported on "
            "resources, so this suppression would cover nothing.",
            "Pass the resource itself (e.g. identity.resource, app.resource) or "
            "apply_to_children=True.",
        )
    construct.node.add_metadata(
        SUPPRESSION_METADATA,
        {"ruleId": rule_id, "reason": reason.strip(), "applyToChildren": bool(apply_to_children)},
    )


def _own_suppressions(construct: IConstruct) -> list[dict[str, Any]]:
    return [
        entry.data
        for entry in construct.node.metadata
        if entry.type == SUPPRESSION_METADATA and isinstance(entry.data, dict)
    ]


def suppressions_covering(construct: IConstruct) -> list[dict[str, Any]]:
    """Suppressions on the construct itself, and inherited ones from ancestors."""
    scopes = {scope.node.path: scope for scope in construct.node.scopes}
    return _covering(construct.node.path, _suppressions_by_path(scopes))


def _suppressions_by_path(constructs: dict[str, IConstruct]) -> dict[str, list[dict[str, Any]]]:
    """Each construct's own suppressions, read once (every read is a jsii call)."""
    found = {}
    for path, construct in constructs.items():
        own = _own_suppressions(construct)
        if own:
            found[path] = own
    return found


def _covering(path: str, by_path: dict[str, list[dict[str, Any]]]) -> list[dict[str, Any]]:
    """Suppressions that cover `path`: its own, then those of ancestors that apply
    to children, outermost first."""
    found = []
    for scope_path in sorted(by_path, key=len):
        if scope_path == path or path.startswith(f"{scope_path}/") or scope_path == "":
            for entry in by_path[scope_path]:
                if scope_path == path or entry.get("applyToChildren"):
                    found.append({**entry, "path": scope_path})
    return found


@jsii.implements(IAspect)
class GuardAspect:
    """Least-privilege guardrails for one stack; use `apply_guard(stack)`."""

    def __init__(self, stack: IConstruct) -> None:
        self._stack = stack

    def visit(self, node: IConstruct) -> None:
        # Called for every node of the stack; an identity test costs no jsii call.
        if node is self._stack:
            check_stack(node)  # type: ignore[arg-type]


def apply_guard(scope: IConstruct) -> None:
    """Guard a stack (or every stack of an App). Idempotent."""
    if TerraformStack.is_stack(scope):
        stacks = [scope]
    else:
        stacks = [child for child in scope.node.children if TerraformStack.is_stack(child)]
        if not stacks:
            raise TypeError(
                "apply_guard() needs a TerraformStack or an App with stacks, got "
                f"'{scope.node.path}'"
            )
    for stack in stacks:
        if not is_guarded(stack):
            Aspects.of(stack).add(GuardAspect(stack))


def is_guarded(stack: IConstruct) -> bool:
    return any(isinstance(aspect, GuardAspect) for aspect in Aspects.of(stack).all)


def check_stack(stack: TerraformStack) -> list[Finding]:
    """Evaluate the rules on one stack and annotate it; safe to repeat.

    Returns every finding, suppressed or not.
    """
    constructs = {construct.node.path: construct for construct in stack.node.find_all()}
    for scope in stack.node.scopes:  # the app: a suppression there may cover the stack
        constructs.setdefault(scope.node.path, scope)
    identities = [
        construct.resource.node.path
        for construct in constructs.values()
        if isinstance(construct, UserAssignedIdentity)
    ]
    findings = evaluate(stack.to_terraform(), identities, private_network=stack in _PRIVATE_NETWORK)
    by_path = _suppressions_by_path(constructs)
    for finding in findings:
        target_path = finding.path if finding.path in constructs else stack.node.path
        if any(s["ruleId"] == finding.rule_id for s in _covering(target_path, by_path)):
            continue
        _annotate(constructs.get(finding.path, stack), finding)
    _record_suppressions(constructs, by_path)
    return findings


def check_app(app: IConstruct) -> None:
    """Run the guard of every guarded stack of an app now (for error listings)."""
    for construct in app.node.find_all():
        if TerraformStack.is_stack(construct) and is_guarded(construct):
            check_stack(construct)  # type: ignore[arg-type]


def _annotate(target: IConstruct, finding: Finding) -> None:
    level = _ERROR if finding.severity == "error" else _WARNING
    message = finding.message
    if any(e.type == level and e.data == message for e in target.node.metadata):
        return  # visited again (a second synth): do not repeat the message
    if level == _ERROR:
        Annotations.of(target).add_error(message)
    else:
        Annotations.of(target).add_warning(message)


def _record_suppressions(
    constructs: dict[str, IConstruct], by_path: dict[str, list[dict[str, Any]]]
) -> None:
    if not by_path:
        return
    for path, construct in constructs.items():
        covering = _covering(path, by_path)
        if covering and TerraformResource.is_terraform_element(construct):
            record = [
                {"rule": s["ruleId"], "reason": s["reason"], "suppressedAt": s["path"]}
                for s in covering
            ]
            construct.add_override(f"//.{SUPPRESSIONS_KEY}", record)


def annotations(app: IConstruct, level: str) -> list[str]:
    """Messages of one annotation level ('error' or 'warning') in the whole app."""
    wanted = _ERROR if level == "error" else _WARNING
    messages = []
    for construct in app.node.find_all():
        for entry in construct.node.metadata:
            if entry.type == wanted:
                text = str(entry.data)
                path = construct.node.path
                messages.append(text if text.startswith(f"{path}: ") else f"{path}: {text}")
    return messages
