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

# No `from __future__ import annotations`: this module defines a function of that name.
import weakref
from typing import Any, cast

from .._cdktf import (
    Annotations,
    Aspects,
    Construct,
    IAspect,
    IConstruct,
    TerraformElement,
    TerraformResource,
    TerraformStack,
    implements,
    object_key,
    speedup_enabled,
)
from ..errors import KitValidationError, construct_path
from ..identity import UserAssignedIdentity
from ..policy_catalog import AssignedGuardrails
from .checks import Finding, evaluate
from .rules import GUARD_RULE_IDS, all_rules

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


_GUARDRAILS: weakref.WeakKeyDictionary[Any, AssignedGuardrails] = weakref.WeakKeyDictionary()


def declare_guardrails(stack: IConstruct, assigned: AssignedGuardrails) -> None:
    """Say which Azure Policy guardrails are assigned to the scope a stack deploys into
    (SecretFreeGuardrails.assigned, or EnvironmentConfig.assigned_guardrails): the guard
    then refuses each resource an assigned Deny policy would refuse (`policy-deny`),
    and warns where it would only be reported (`policy-audit`), exemptions excepted."""
    _GUARDRAILS[stack] = assigned


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
    if rule_id not in GUARD_RULE_IDS:
        known = ", ".join(sorted(GUARD_RULE_IDS))
        problem = (
            f"'{rule_id}' is an input-validation rule: it is fixed, not suppressed."
            if rule_id in all_rules()
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
    entry = {
        "ruleId": rule_id,
        "reason": reason.strip(),
        "applyToChildren": bool(apply_to_children),
    }
    construct.node.add_metadata(SUPPRESSION_METADATA, entry)
    by_path = _SUPPRESSED.setdefault(_root_key(construct), {})
    by_path.setdefault(path, (construct, []))[1].append(entry)


# Suppressions by the root (App) of their construct's tree: path -> (construct, entries).
# Kept in Python as suppress() records them, so the guard reads no node's metadata
# (two jsii round trips per node of the stack; docs/performance.md). Keyed by the
# root's jsii reference: an object made in Node may get a new Python proxy per read.
_SUPPRESSED: dict[str, dict[str, tuple[IConstruct, list[dict[str, Any]]]]] = {}


def _root_key(construct: IConstruct) -> str:
    return object_key(construct.node.root)


def _suppressions_for(
    stack: IConstruct, stack_path: str
) -> dict[str, tuple[IConstruct, list[dict[str, Any]]]]:
    """The suppressions that can cover something in `stack`: on the stack, inside
    it, or on an ancestor (the app)."""
    registry = _SUPPRESSED.get(_root_key(stack), {})
    return {
        path: found
        for path, found in registry.items()
        if path in ("", stack_path)
        or path.startswith(f"{stack_path}/")
        or stack_path.startswith(f"{path}/")
    }


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


GUARD_CONSTRUCT_ID = "azure-identity-kit-guard"
GUARD_LEAF_ENV = "AZURE_IDENTITY_KIT_GUARD_LEAF"
"""The leaf construct apply_guard() adds to a stack to carry its GuardAspect."""


@implements(IAspect)
class GuardAspect:
    """Least-privilege guardrails for one stack; use `apply_guard(stack)`.

    It checks the whole stack in one visit: the stack's own, or that of the
    leaf construct apply_guard() attaches it to."""

    def __init__(self, stack: TerraformStack, anchor: IConstruct | None = None) -> None:
        self._stack = stack
        self._anchor = anchor

    def visit(self, node: IConstruct) -> None:
        # An identity test costs no jsii call.
        if node is self._stack or (node is self._anchor and node is not None):
            check_stack(self._stack)


# Stacks apply_guard() has guarded, by object_key (asking the tree is a round trip).
_GUARDED: set[str] = set()


def apply_guard(scope: IConstruct) -> None:
    """Guard a stack (or every stack of an App). Idempotent.

    The Aspect goes on a leaf construct of its own (`<stack>/azure-identity-kit-guard`,
    which synthesizes nothing), not on the stack: cdktf calls an Aspect back from
    Node for every construct below the one it is added to, a jsii round trip each
    (~11 per container app), and the guard needs only one call per stack. It is
    still invoked with the stack's aspects, so `app.synth()` and `Testing.synth`
    run it, whatever `skip_validation` says. AZURE_IDENTITY_KIT_GUARD_LEAF=0 (or
    AZURE_IDENTITY_KIT_EAGER_PROVIDER=1) adds it to the stack instead."""
    # is_stack() is cdktf's own test; what passes it is a TerraformStack.
    if TerraformStack.is_stack(scope):
        stacks = [cast(TerraformStack, scope)]
    else:
        stacks = [
            cast(TerraformStack, child)
            for child in scope.node.children
            if TerraformStack.is_stack(child)
        ]
        if not stacks:
            raise TypeError(
                "apply_guard() needs a TerraformStack or an App with stacks, got "
                f"'{scope.node.path}'"
            )
    for stack in stacks:
        if not is_guarded(stack):
            if speedup_enabled(GUARD_LEAF_ENV):
                anchor = Construct(stack, GUARD_CONSTRUCT_ID)
                Aspects.of(anchor).add(GuardAspect(stack, anchor))
            else:  # the switch: on the stack, called back once per construct
                Aspects.of(stack).add(GuardAspect(stack))
            _GUARDED.add(object_key(stack))


def is_guarded(stack: IConstruct) -> bool:
    """True after apply_guard(stack), or when a GuardAspect was added to the stack."""
    return object_key(stack) in _GUARDED or any(
        isinstance(aspect, GuardAspect) for aspect in Aspects.of(stack).all
    )


def check_stack(stack: TerraformStack) -> list[Finding]:
    """Evaluate the rules on one stack and annotate it; safe to repeat.

    Returns every finding, suppressed or not. jsii round trips stay per finding,
    per kit identity and per suppressed subtree, not per node of the stack.
    """
    stack_path = stack.node.path
    identities = [
        construct_path(construct.resource)  # recorded at construction: no jsii read
        for construct in stack.node.find_all()
        if isinstance(construct, UserAssignedIdentity)
    ]
    findings = evaluate(
        stack.to_terraform(),
        identities,
        private_network=stack in _PRIVATE_NETWORK,
        guardrails=_GUARDRAILS.get(stack),
    )
    suppressed = _suppressions_for(stack, stack_path)
    by_path = {path: entries for path, (_, entries) in suppressed.items()}
    for finding in findings:
        target = _find(stack, stack_path, finding.path)
        target_path = finding.path if target is not None else stack_path
        if any(s["ruleId"] == finding.rule_id for s in _covering(target_path, by_path)):
            continue
        _annotate(target if target is not None else stack, finding)
    _record_suppressions(stack, stack_path, suppressed, by_path)
    return findings


def _find(stack: IConstruct, stack_path: str, path: str) -> IConstruct | None:
    """The construct at `path` inside the stack, looked up segment by segment."""
    if path == stack_path:
        return stack
    if not path.startswith(f"{stack_path}/"):
        return None
    found: IConstruct | None = stack
    for segment in path[len(stack_path) + 1 :].split("/"):
        found = found.node.try_find_child(segment) if found is not None else None
    return found


def check_app(app: IConstruct) -> None:
    """Run the guard of every guarded stack of an app now (for error listings)."""
    for construct in app.node.find_all():
        if TerraformStack.is_stack(construct) and is_guarded(construct):
            check_stack(cast(TerraformStack, construct))  # is_stack() said so


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
    stack: IConstruct,
    stack_path: str,
    suppressed: dict[str, tuple[IConstruct, list[dict[str, Any]]]],
    by_path: dict[str, list[dict[str, Any]]],
) -> None:
    """Write each covered resource's suppressions into its "//" metadata."""
    if not by_path:
        return
    covered: dict[str, IConstruct] = {}
    for path, (construct, entries) in sorted(suppressed.items()):
        if not path.startswith(f"{stack_path}/") and path != stack_path:
            construct = stack  # an app-level suppression: the stack is its subtree here
        subtree = (
            construct.node.find_all()
            if any(e.get("applyToChildren") for e in entries) or construct is stack
            else [construct]
        )
        for node in subtree:
            covered.setdefault(node.node.path, node)
    for path, construct in covered.items():
        covering = _covering(path, by_path)
        if covering and TerraformResource.is_terraform_element(construct):
            record = [
                {"rule": s["ruleId"], "reason": s["reason"], "suppressedAt": s["path"]}
                for s in covering
            ]
            element = cast(TerraformElement, construct)  # is_terraform_element() said so
            element.add_override(f"//.{SUPPRESSIONS_KEY}", record)


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
