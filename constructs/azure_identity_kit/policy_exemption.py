"""PolicyExemption: one resource out of one guardrail, with a reason and an end.

An exemption is how a known exception is made without weakening the guardrail for
everything else: it names one resource, says why, and expires, so it is reviewed
again rather than forgotten. The review flags every new or extended exemption as
high; the guard stops refusing that resource for that policy.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Literal

from ._cdktf import Construct, is_token
from .azurerm import resource_policy_exemption
from .errors import ChildPath, KitValidationError, child_path
from .guardrails import SecretFreeGuardrails
from .policy_catalog import POLICIES, ExemptedResource

MIN_REASON = 20
MAX_REASON = 512  # azurerm: description StringLenBetween(1, 512)
MAX_DAYS = 365
CATEGORIES = ("Waiver", "Mitigated")


@dataclass(frozen=True, kw_only=True)
class PolicyExemptionProps:
    guardrails: SecretFreeGuardrails
    """The guardrails whose assignment the exemption applies to. Required."""
    policy: str
    """Key of the policy (policy_catalog.POLICIES) the resource is exempt from. Required."""
    resource_id: str
    """ARM ID of the one resource (its child resources are exempt with it), inside the
    guardrails' scope; may start with a token, e.g. `f"{group.id}/providers/..."`. Required."""
    reason: str
    """Why the exception is acceptable, for the reviewer (20-512 characters). Required."""
    expires_on: date
    """The exemption ends at 00:00 UTC on this day: after today, at most 365 days ahead.
    Required: an exemption without an end is never looked at again."""
    category: Literal["Waiver", "Mitigated"] = "Waiver"
    """Waiver (accepted as it is) or Mitigated (handled another way). Default: Waiver."""


def today() -> date:
    """The day synthesis runs (UTC), against which expiry dates are checked."""
    return datetime.now(UTC).date()


class PolicyExemption(Construct):
    """`azurerm_resource_policy_exemption` of one resource from one assignment of
    the guardrails; the guard honours it (guardrails.assigned)."""

    def __init__(self, scope: Construct, construct_id: str, props: PolicyExemptionProps) -> None:
        relative = _validate(child_path(scope, construct_id), props)
        super().__init__(scope, construct_id)
        policy = POLICIES[props.policy]
        self.resource = resource_policy_exemption.ResourcePolicyExemption(
            self,
            "exemption",
            name=f"{props.guardrails.props.name_prefix}-{props.policy}",
            resource_id=props.resource_id,
            policy_assignment_id=props.guardrails.assignments[props.policy].id,
            exemption_category=props.category,
            display_name=f"Exemption from {policy.key} ({props.category})",
            description=props.reason.strip(),
            expires_on=f"{props.expires_on.isoformat()}T00:00:00Z",
        )
        self.exempted = ExemptedResource(props.policy, relative)
        props.guardrails._record_exemption(self.exempted)


def _validate(path: str | ChildPath, props: PolicyExemptionProps) -> str:
    """The resource's `<Namespace>/<type>/<name>...` below its group, once props pass."""
    if props.policy not in props.guardrails.keys:
        raise KitValidationError(
            path,
            "exemption-policy",
            f"'{props.policy}' is not a policy these guardrails assign.",
            f"Use one of {', '.join(props.guardrails.keys)}.",
        )
    _, providers, relative = props.resource_id.rpartition("/providers/")
    if not providers or is_token(relative) or relative.count("/") < 2:
        raise KitValidationError(
            path,
            "exemption-resource",
            f"{props.resource_id!r} does not name one resource.",
            "Pass the resource's ARM ID: '<group id>/providers/<Namespace>/<type>/<name>'.",
        )
    reason = props.reason.strip() if isinstance(props.reason, str) else ""
    if not MIN_REASON <= len(reason) <= MAX_REASON or is_token(reason):
        raise KitValidationError(
            path,
            "exemption-reason",
            f"The reason for exempting it is {props.reason!r}; a reviewer needs to know why.",
            f"Say in {MIN_REASON}-{MAX_REASON} characters why the exception is acceptable and "
            "what replaces the control.",
        )
    now = today()
    if not isinstance(props.expires_on, date) or not (
        now < props.expires_on <= now + timedelta(days=MAX_DAYS)
    ):
        raise KitValidationError(
            path,
            "exemption-expiry",
            f"The exemption would end on {props.expires_on!s}, which is not after today "
            f"({now.isoformat()}) and within {MAX_DAYS} days.",
            "Set expires_on to a date within the next year; renew it deliberately, or fix the "
            "resource and remove the exemption.",
        )
    if props.category not in CATEGORIES:
        raise KitValidationError(
            path,
            "exemption-category",
            f"{props.category!r} is not an exemption category.",
            "Use 'Waiver' or 'Mitigated'.",
        )
    return relative
