"""Waits where Azure needs time, written once (docs/concepts.md).

`depends_on` orders creation, not propagation. Two waits close that gap, each
one `time_sleep` (hashicorp/time, time_provider.py) that waits on create only:

- **Propagation wait**, one per workload: between the grants Azure itself uses
  when it creates the workload (an image pull, a Key Vault reference, function
  host storage, a Dapr component's identity) and the workload. Its `triggers`
  hold one entry per grant (the role assignment's ID), so it waits again only
  when that set changes; changing the duration alone does not wait again (time
  provider docs, r/sleep). A grant made outside the stack is no resource here
  and adds no wait.
- **Replication wait**, one per principal created in the stack: before its
  Cosmos DB SQL role assignments. Entra ID replicates a new service principal
  with a delay; ARM role assignments survive it (`principal_type`, and
  azurerm_role_assignment retries "principal not found"), but
  azurerm_cosmosdb_sql_role_assignment has neither and fails with "not found
  in the AAD tenant" (hashicorp/terraform-provider-azurerm issue 28070).
  Its trigger is the principal ID: it waits again only for a new principal.

Durations are what time_sleep takes: one number and a unit (`90s`, `2m`). Each
wait's duration comes from, in order: the construct's prop, cdktf context (`WAIT_CONTEXT` /
`REPLICATION_WAIT_CONTEXT`, set in cdktf.json or with `node.set_context` on
an app or stack), the default below. `0s` turns a wait off: the workload then
only `depends_on` the grants.
"""

from __future__ import annotations

import re
import weakref
from collections.abc import Sequence

from ._cdktf import Construct, TerraformResource, is_token
from .constraints.common import duration
from .errors import KitValidationError, child_path
from .identity import (
    Grant,
    Grantee,
    SystemAssignedIdentity,
    UserAssignedIdentity,
    add_depends_on,
    construction_depends_on,
    given_at_construction,
    slug,
)
from .time_provider import sleep, time_provider_of

WAIT_CONTEXT = "azure-identity-kit:propagation-wait"
PROPAGATION_WAIT_CONTEXT = WAIT_CONTEXT
"""The cdktf context key of the propagation waits' duration (the public name)."""
REPLICATION_WAIT_CONTEXT = "azure-identity-kit:replication-wait"
DEFAULT_PROPAGATION_WAIT = "120s"
"""How long a workload waits after the grants Azure uses to create it.
Microsoft: "When you assign roles or remove role assignments, it can take up to
10 minutes for changes to take effect" (Azure RBAC troubleshooting,
https://learn.microsoft.com/azure/role-based-access-control/troubleshooting);
Azure Storage says up to 30 minutes in places (authorize-access-azure-active-directory).
Waiting the worst case on every first deploy is too slow: 120 s is the upper end
of what maintained modules wait (Azure Verified Modules' Key Vault module: 30 s,
`wait_for_rbac_before_secret_operations`; its examples 60 s) and covers the
failures users report (60-120 s, Azure/azure-dev issue 7529). Raise it for a
workload that still fails (docs/concepts.md)."""
DEFAULT_REPLICATION_WAIT = "60s"
"""How long a Cosmos DB SQL role assignment waits after its principal is created.
Entra ID replicates a new service principal with a delay; ARM role assignments
survive it (principal_type; azurerm_role_assignment retries PrincipalNotFound,
internal/services/authorization/role_assignment_resource.go), Cosmos DB's have
neither (the REST model has only principalId, roleDefinitionId and scope) and
fail with "The provided principal ID ... was not found in the AAD tenant(s)"
(hashicorp/terraform-provider-azurerm issue 28070)."""
WAIT_DURATION = duration("wait-duration")
"""The one definition of a wait's duration (constraints/common.py): the props'
`propagation_wait` fields carry it, and the context values are checked with it."""
_NUMBER = re.compile(r"(\d+(?:\.\d*)?|\.\d+)")


def check_duration(path: object, setting: str, value: object) -> str:
    """`value` if time_sleep's create_duration takes it (WAIT_DURATION: `90s`,
    `2m`, `1.5h`; `0s` turns the wait off), else a KitValidationError
    naming `setting` (the prop or context key it came from)."""
    found = WAIT_DURATION.problem(value)
    if found is None and isinstance(value, str):
        return value
    raise KitValidationError(
        str(path),
        WAIT_DURATION.rule_id,
        f"{setting} {found or 'is not a string'} time_sleep cannot wait for it.",
        WAIT_DURATION.fix(),
    )


def is_zero(duration: str) -> bool:
    return all(float(number) == 0 for number in _NUMBER.findall(duration))


def wait_duration(
    scope: Construct, path: object, chosen: str | None, context_key: str, default: str
) -> str | None:
    """The duration of a wait in `scope`: `chosen` (the construct's
    `propagation_wait` prop), else the context value (one jsii call), else
    `default`. None when it is zero (no wait)."""
    if chosen is not None:
        duration = check_duration(path, "propagation_wait", chosen)
    else:
        found = scope.node.try_get_context(context_key)
        duration = (
            default if found is None else check_duration(path, f"context {context_key}", found)
        )
    return None if is_zero(duration) else duration


def trigger_key(grant: Grant) -> str:
    """The triggers key of one grant: stable across synths (no token), unique
    per grantee, role and target, and readable in a plan."""
    role = grant.role.rsplit("/", 1)[-1] if grant.role.startswith("/") else grant.role
    if is_token(role):
        role = "custom-role"
    return f"{slug(grant.grantee_label)}:{slug(role)}-on-{slug(grant.target.name)}"


class PropagationWait:
    """One `time_sleep` between a workload and the grants Azure uses when it
    creates the workload: the workload depends on `sleep`; `sleep` depends on
    every grant (and a private target's endpoint and DNS link) and has one
    trigger per grant. The sleep is the workload construct's child
    `propagation-wait` (no construct of its own: one jsii create less)."""

    def __init__(
        self, scope: Construct, construct_id: str, grants: Sequence[Grant], duration: str
    ) -> None:
        time_provider_of(scope)
        self.grants: list[Grant] = []
        self._triggers: dict[str, str] = {}
        for grant in grants:
            self._remember(grant)
        dependables = [grant.role_assignment for grant in self.grants]
        self.sleep = sleep.Sleep(
            scope,
            construct_id,
            create_duration=duration,
            triggers=dict(self._triggers),
            depends_on=construction_depends_on(dependables),
        )
        given_at_construction(self.sleep, dependables)

    def _remember(self, grant: Grant) -> bool:
        if any(grant is known for known in self.grants):
            return False
        self.grants.append(grant)
        self._triggers[trigger_key(grant)] = grant.role_assignment.get_string_attribute("id")
        return True

    def add(self, grant: Grant) -> None:
        """Wait for one more grant (e.g. a Dapr component's, added after the app)."""
        if self._remember(grant):
            self.sleep.triggers = dict(self._triggers)
            add_depends_on(self.sleep, [grant.role_assignment])


_REPLICATION_WAITS: weakref.WeakKeyDictionary[object, TerraformResource] = (
    weakref.WeakKeyDictionary()
)


def replication_wait(grantee: Grantee) -> TerraformResource | None:
    """The `time_sleep` after a principal this stack creates (a user-assigned
    identity, or a workload's system-assigned identity), before grants that
    cannot tolerate replication (Cosmos DB SQL role assignments). One per
    principal, created on first use; None for a principal made elsewhere (an
    existing identity, a group) or with the wait off."""
    if isinstance(grantee, UserAssignedIdentity):
        owner: Construct = grantee
        construct_id = "replication-wait"
    elif isinstance(grantee, SystemAssignedIdentity):
        owner = grantee._owner
        construct_id = "system-identity-replication-wait"
    else:
        return None
    known = _REPLICATION_WAITS.get(grantee)
    if known is not None:
        return known
    duration = wait_duration(
        owner,
        child_path(owner, construct_id),
        None,
        REPLICATION_WAIT_CONTEXT,
        DEFAULT_REPLICATION_WAIT,
    )
    if duration is None:
        return None
    time_provider_of(owner)
    wait = _REPLICATION_WAITS[grantee] = sleep.Sleep(
        owner,
        construct_id,
        create_duration=duration,
        triggers={"principal_id": grantee.principal_id},
    )
    return wait
