"""SecretFreeGuardrails: Azure Policy keeps the secret-free settings after deploy.

The guard, checkov and the review check what the kit synthesizes; none of them sees
a portal click or a script the day after. Assigned with effect Deny, Microsoft's
built-in definitions (and the kit's own where none can deny) make Azure Resource
Manager refuse a request that turns a credential path back on, whoever sends it.
Assign them where the deploying pipeline cannot undo them: the bootstrap stack,
applied by an administrator, assigns them on every environment's resource group.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Literal

from ._cdktf import Construct, is_token
from .azurerm import resource_group_policy_assignment, subscription_policy_assignment
from .custom_policies import CustomPolicyDefinitions
from .errors import ChildPath, KitValidationError, child_path
from .policy_catalog import POLICIES, AssignedGuardrails, ExemptedResource

_RESOURCE_GROUP_ID = re.compile(r"^/subscriptions/[^/]+/resourceGroups/[^/]+$", re.IGNORECASE)
_SUBSCRIPTION_ID = re.compile(r"^/subscriptions/[0-9a-fA-F-]{36}$")
_ASSIGNMENT_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]*$")
MAX_ASSIGNMENT_NAME = 64  # azurerm (StringLenBetween(1, 64)) and Azure
PolicyAssignment = (
    resource_group_policy_assignment.ResourceGroupPolicyAssignment
    | subscription_policy_assignment.SubscriptionPolicyAssignment
)
# Scope kind -> (assignment resource, its non-compliance message block, its scope argument).
_ASSIGNMENT_TYPES: dict[str, tuple[Callable[..., PolicyAssignment], Callable[..., object], str]] = {
    "resource_group": (
        resource_group_policy_assignment.ResourceGroupPolicyAssignment,
        resource_group_policy_assignment.ResourceGroupPolicyAssignmentNonComplianceMessage,
        "resource_group_id",
    ),
    "subscription": (
        subscription_policy_assignment.SubscriptionPolicyAssignment,
        subscription_policy_assignment.SubscriptionPolicyAssignmentNonComplianceMessage,
        "subscription_id",
    ),
}


@dataclass(frozen=True)
class PolicyScope:
    """Where assignments apply: a resource group or a whole subscription."""

    kind: Literal["resource_group", "subscription"]
    """Whether the scope is a resource group or a subscription."""
    resource_id: str
    """The scope's resource ID."""

    @classmethod
    def resource_group(cls, resource_id: str) -> PolicyScope:
        """`/subscriptions/<id>/resourceGroups/<name>`, or a token (a data source's id)."""
        return cls("resource_group", resource_id)

    @classmethod
    def subscription(cls, resource_id: str) -> PolicyScope:
        """`/subscriptions/<GUID>`, or a token (data.azurerm_subscription's id)."""
        return cls("subscription", resource_id)


@dataclass(frozen=True, kw_only=True)
class SecretFreeGuardrailsProps:
    scope: PolicyScope
    """The resource group or subscription the policies apply to. Required."""
    definitions: CustomPolicyDefinitions | None = None
    """The kit's custom definitions, one set per subscription: pass the same one to
    every SecretFreeGuardrails there. Default: None, the construct makes its own (fine
    for a single scope)."""
    enforce: bool = True
    """True: each Deny refuses the request. False: DoNotEnforce, Azure evaluates and
    reports but refuses nothing (audit-only, while an existing environment is brought
    into line). Default: True."""
    effects: Mapping[str, str] = field(default_factory=dict)
    """Another effect for some policies, by key (e.g. {"storage-shared-key": "Audit"});
    each must be one the definition allows. Default: the catalog's (Deny where the
    definition allows it)."""
    exclude: tuple[str, ...] = ()
    """Keys of policies not to assign. Default: none (every policy of POLICIES)."""
    name_prefix: str = "secret-free"
    """Assignment names are `<name_prefix>-<policy key>`. Default: 'secret-free'."""
    label: str | None = None
    """Appended to display names, e.g. the environment. Default: none."""


class SecretFreeGuardrails(Construct):
    """One policy assignment per policy of `policy_catalog.POLICIES` on one scope,
    each with its effect written explicitly (every definition defaults to Audit or
    AuditIfNotExists).

    `assigned` says what a stack deployed into that scope may not do; give it to
    the guard with `guard.declare_guardrails(stack, guardrails.assigned)` when
    that stack is another one (the environment stacks declare it from their
    EnvironmentConfig). Exempt one resource with PolicyExemption.
    """

    def __init__(
        self, scope: Construct, construct_id: str, props: SecretFreeGuardrailsProps
    ) -> None:
        path = child_path(scope, construct_id)
        keys = _validate(path, props)
        super().__init__(scope, construct_id)
        self.props = props
        definitions = props.definitions
        if definitions is None and any(not POLICIES[key].built_in for key in keys):
            definitions = CustomPolicyDefinitions(self, "definitions")
        self.assignments: dict[str, PolicyAssignment] = {}
        self._exemptions: list[ExemptedResource] = []
        suffix = f" ({props.label})" if props.label else ""
        for key in keys:
            policy = POLICIES[key]
            effect = props.effects.get(key, policy.effect)
            definition_id = policy.definition_id
            if definition_id is None:
                assert definitions is not None
                definition_id = definitions.ids[key]
            arguments = {
                "name": f"{props.name_prefix}-{key}",
                "policy_definition_id": definition_id,
                "display_name": f"{policy.display_name}{suffix}",
                "description": f"azure-identity-kit secret-free guardrail: {policy.blocks}",
                "enforce": props.enforce,
                "parameters": policy.parameters_json(effect),
            }
            message = (
                f"azure-identity-kit keeps this credential path closed: {policy.blocks} Exempt "
                "one resource with a PolicyExemption (reason, expiry) instead of turning it on."
            )
            resource, message_type, scope_argument = _ASSIGNMENT_TYPES[props.scope.kind]
            self.assignments[key] = resource(
                self,
                key,
                **{scope_argument: props.scope.resource_id},
                non_compliance_message=[message_type(content=message)],
                **arguments,
            )
        self.keys = keys

    @property
    def assigned(self) -> AssignedGuardrails:
        """What these assignments (and the exemptions made with them) refuse."""
        return AssignedGuardrails(
            policies=frozenset(self.keys),
            enforce=self.props.enforce,
            exemptions=tuple(self._exemptions),
            effects={key: value for key, value in self.props.effects.items() if key in self.keys},
        )

    def _record_exemption(self, exempted: ExemptedResource) -> None:
        self._exemptions.append(exempted)


def _validate(path: str | ChildPath, props: SecretFreeGuardrailsProps) -> tuple[str, ...]:
    unknown = sorted((set(props.exclude) | set(props.effects)) - set(POLICIES))
    if unknown:
        raise KitValidationError(
            path,
            "guardrails-unknown-policy",
            f"{', '.join(unknown)} is not a policy the guardrails know.",
            f"Use keys of policy_catalog.POLICIES: {', '.join(POLICIES)}.",
        )
    for key, effect in props.effects.items():
        allowed = POLICIES[key].allowed_effects
        if effect not in allowed:
            raise KitValidationError(
                path,
                "guardrails-effect",
                f"The definition of '{key}' does not allow the effect {effect!r}.",
                f"Use one of {', '.join(allowed)} (the definition's allowedValues).",
            )
    scope = props.scope
    shape = _SUBSCRIPTION_ID if scope.kind == "subscription" else _RESOURCE_GROUP_ID
    if not is_token(scope.resource_id) and not shape.match(scope.resource_id):
        raise KitValidationError(
            path,
            "guardrails-scope",
            f"{scope.resource_id!r} is not a {scope.kind.replace('_', ' ')} ID.",
            "Pass PolicyScope.resource_group('/subscriptions/<id>/resourceGroups/<name>'), "
            "PolicyScope.subscription('/subscriptions/<GUID>') or a resource's id.",
        )
    keys = tuple(key for key in POLICIES if key not in props.exclude)
    longest = max((len(key) for key in keys), default=0)
    if (
        not keys
        or not _ASSIGNMENT_NAME.match(props.name_prefix)
        or len(props.name_prefix) + 1 + longest > MAX_ASSIGNMENT_NAME
    ):
        raise KitValidationError(
            path,
            "guardrails-name",
            f"Assignment names '<{props.name_prefix}>-<policy key>' must be 1-"
            f"{MAX_ASSIGNMENT_NAME} letters, digits, '-' and '_', and at least one policy must "
            "be assigned.",
            f"Use a name_prefix of at most {MAX_ASSIGNMENT_NAME - 1 - longest} characters; "
            "exclude fewer policies.",
        )
    return keys
