"""The identity and grant core: every construct in the kit uses it, and every
role assignment the kit makes is created by `grant()` below.

Why one place: the rules that make managed identities work on Azure are easy to
get wrong one resource at a time. Here they hold everywhere:
- `principal_type = "ServicePrincipal"` for managed identities, so a role
  assignment for a principal that Entra ID has not replicated yet does not fail
  with PrincipalNotFound (an `EntraGroup` grantee says "Group" instead);
- a description on every assignment, so the portal says why it exists;
- construct IDs derived from the role and the target's stable name, so adding
  a grant never renames (and so never replaces) another one;
- data-plane roles that are *not* Azure RBAC (Cosmos DB's built-in data roles)
  go through their own sibling, `cosmos_data_grant()`, which follows the same
  rules and returns the same handle; `grant()` refuses them;
- a `Grant` handle that resources can depend on, so a workload never starts
  before its permission exists.
"""

from __future__ import annotations

import re
import weakref
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, ClassVar, Protocol, TypeVar, cast

from ._cdktf import (
    Construct,
    TerraformResource,
    depends_on_address,
    is_token,
    object_key,
    resolve,
)
from .azurerm import (
    cosmosdb_sql_role_assignment,
    data_azurerm_user_assigned_identity,
    role_assignment,
    user_assigned_identity,
)
from .constraints import argument, check_argument, constrained, provider
from .constraints.common import ENTRA_OBJECT_IDS, guid
from .errors import KitValidationError, child_path, remember_path
from .naming import USER_ASSIGNED_IDENTITY, check_name

PRINCIPAL_TYPE = "ServicePrincipal"
AZURE_CLIENT_ID = "AZURE_CLIENT_ID"
"""Env var DefaultAzureCredential reads to pick a user-assigned identity."""
GROUP_PRINCIPAL_TYPE = "Group"
CONDITION_VERSION = "2.0"
"""The only ABAC condition version Azure accepts for role assignments."""
_SLUG = re.compile(r"[^a-z0-9]+")


def slug(text: str) -> str:
    return _SLUG.sub("-", text.lower()).strip("-")


class NetworkPath:
    """What a workload must wait for, besides its grant, before it reaches a
    resource's data plane: for a private resource, its private endpoint (with the
    DNS zone group in it) and the private DNS zone's VNet link, so the first pull
    or read does not race the DNS record.

    Order-independent: a resource made to wait before an endpoint is added
    waits for it too. Every grant on a target with a path carries it: whatever
    depends on the grant (`Grant.apply_before`, `add_depends_on`) waits for both.
    """

    def __init__(self) -> None:
        self.dependables: list[TerraformResource] = []
        self._waiting: list[TerraformResource] = []

    def add(self, *dependables: TerraformResource) -> None:
        self.dependables.extend(dependables)
        for resource in self._waiting:
            add_depends_on(resource, dependables)

    def apply_before(self, *resources: TerraformResource) -> None:
        for resource in resources:
            add_depends_on(resource, self._wait(resource))

    def _wait(self, resource: TerraformResource) -> list[TerraformResource]:
        """Remember `resource` for endpoints added later; what it must wait for now."""
        if all(resource is not seen for seen in self._waiting):
            self._waiting.append(resource)
        return self.dependables


# Role assignment -> the network path of its target; resource -> its own path.
_PATHS: weakref.WeakKeyDictionary[object, NetworkPath] = weakref.WeakKeyDictionary()
_RESOURCE_PATHS: weakref.WeakKeyDictionary[object, NetworkPath] = weakref.WeakKeyDictionary()


def network_path_of(resource: TerraformResource) -> NetworkPath:
    """The one NetworkPath of a resource (a registry, vault, storage account), so
    every reference to it, made before or after its private endpoint, shares it."""
    path = _RESOURCE_PATHS.get(resource)
    if path is None:
        path = _RESOURCE_PATHS[resource] = NetworkPath()
    return path


@dataclass(frozen=True)
class GrantTarget:
    """The scope a role is granted on.

    `name` is a stable, literal label (it becomes part of construct IDs, so it
    must not be a token); `resource_id` is the ARM ID, usually a token.
    """

    name: str
    """Stable label for construct IDs (not an Azure name); must not be a token."""
    resource_id: str
    """Resource ID of the scope the role is assigned on."""
    network: NetworkPath | None = field(default=None, compare=False, repr=False)
    """How a workload reaches the target privately, if it does (set by the kit's
    resource constructs). Default: None (public endpoint, nothing to wait for)."""

    @staticmethod
    def of(resource: TerraformResource, name: str | None = None) -> GrantTarget:
        """Target a resource of this stack; its construct ID is the default label."""
        return GrantTarget(
            name=name or resource.node.id,
            resource_id=resource.get_string_attribute("id"),
            network=network_path_of(resource),
        )


class ResourceProps(Protocol):
    """The props fields of every construct that creates a resource: where it goes, its
    tags. The shared bases read these (and what their own Protocols add), not `Any`."""

    @property
    def resource_group_name(self) -> str: ...
    @property
    def location(self) -> str: ...
    @property
    def tags(self) -> Mapping[str, str]: ...


class Grantee(Protocol):
    """Anything with a principal ID that a role can be granted to.

    A grantee may also have a `principal_type` attribute; without one it is a
    service principal (every managed identity is).
    """

    @property
    def principal_id(self) -> str: ...

    @property
    def label(self) -> str: ...


@dataclass(frozen=True)
class EntraGroup:
    """An Entra ID security group as a grantee, e.g. the people allowed to sign
    in to a VM. Grants to it say `principal_type = "Group"`."""

    label: str
    """Stable, literal name for descriptions and construct IDs, e.g. 'ops-admins'."""
    object_id: str = field(
        metadata=constrained(
            guid(
                "entra-object-id",
                provider(
                    "internal/services/mssql/mssql_server_resource.go",
                    "azuread_administrator object_id IsUUID",
                ),
            )
        )
    )
    """The group's object ID (a GUID), not its name."""
    principal_type: ClassVar[str] = GROUP_PRINCIPAL_TYPE

    @property
    def principal_id(self) -> str:
        return self.object_id


@dataclass
class Grant:
    """The result of a grant: depend on it before using the permission.

    `role_assignment` is the resource that holds the permission: an
    `azurerm_role_assignment` (Azure RBAC, from `grant()`) or an
    `azurerm_cosmosdb_sql_role_assignment` (Cosmos DB data plane, from
    `cosmos_data_grant()`)."""

    role_assignment: TerraformResource
    role: str
    target: GrantTarget
    grantee_label: str

    def apply_before(self, *resources: TerraformResource) -> None:
        """Make each resource wait for this role assignment (`depends_on`)."""
        for resource in resources:
            add_depends_on(resource, [self.role_assignment])


def construction_depends_on(
    dependables: Sequence[TerraformResource],
) -> list[TerraformResource] | None:
    """`depends_on=[...]` for a resource about to be built that must wait for
    `dependables` (and, for a grant on a private target, its endpoint and DNS
    link): each once, in the order add_depends_on would write them. cdktf's own
    dependable token resolves to the same bare address, with no jsii read or
    write of `depends_on`. Call `given_at_construction` once the resource exists."""
    return _with_network_paths(dependables, None) or None


def given_at_construction(
    resource: TerraformResource, dependables: Sequence[TerraformResource]
) -> None:
    """Remember what `resource` got from `construction_depends_on(dependables)`:
    endpoints added later to a private target's path are added to it, and a
    later add_depends_on does not write one of them twice."""
    _GIVEN[resource] = tuple(_with_network_paths(dependables, resource))


def _with_network_paths(
    dependables: Sequence[TerraformResource], resource: TerraformResource | None
) -> list[TerraformResource]:
    """`dependables`, then what their network paths hold, each once (by identity:
    two elements of a stack never share an address). With `resource`, it is
    registered to wait for endpoints added to those paths later."""
    paths = [path for d in dependables if (path := _PATHS.get(d)) is not None]
    extra = [d for path in paths for d in (path._wait(resource) if resource else path.dependables)]
    wanted: list[TerraformResource] = []
    for dependable in (*dependables, *extra):
        if all(dependable is not seen for seen in wanted):
            wanted.append(dependable)
    return wanted


# Resource -> the dependables it was given at construction (construction_depends_on).
_GIVEN: weakref.WeakKeyDictionary[object, tuple[TerraformResource, ...]] = (
    weakref.WeakKeyDictionary()
)


def add_depends_on(resource: TerraformResource, dependables: Sequence[TerraformResource]) -> None:
    """Make `resource` wait for each dependable, once, keeping what is there
    (entries a user set included); one read and one write of `depends_on` (jsii
    calls). Entries are bare addresses (`depends_on_address`: what cdktf's own
    dependable() resolves to), the form Terraform's JSON syntax requires. Where
    the dependable exists before the resource, `construction_depends_on` costs
    no jsii call."""
    if not dependables:
        return
    wanted = _with_network_paths(dependables, resource)
    existing = list(resource.depends_on or [])
    present = existing
    given = _GIVEN.get(resource, ())
    if any(d is g for d in wanted for g in given) and any(is_token(e) for e in existing):
        # Entries given at construction are cdktf tokens; resolve the list (cdktf's
        # own resolution) to see which addresses it still holds. Only when a
        # dependable given at construction is asked for again.
        present = resolve(resource, existing)
    for dependable in wanted:
        address = depends_on_address(dependable)
        if address not in present and address not in existing:
            existing.append(address)
    resource.depends_on = existing


COSMOS_DATA_READER = "Cosmos DB Built-in Data Reader"
COSMOS_DATA_CONTRIBUTOR = "Cosmos DB Built-in Data Contributor"
# Cosmos DB's built-in SQL (NoSQL API) role definitions: the same IDs in every
# account, under <account id>/sqlRoleDefinitions/. They live in Cosmos DB's own
# data-plane RBAC, not in Azure RBAC.
# https://learn.microsoft.com/azure/cosmos-db/how-to-setup-rbac#built-in-role-definitions
COSMOS_DATA_ROLES = {
    COSMOS_DATA_READER.lower(): "00000000-0000-0000-0000-000000000001",
    COSMOS_DATA_CONTRIBUTOR.lower(): "00000000-0000-0000-0000-000000000002",
}
COSMOS_DATA_ROLE_IDS = frozenset(COSMOS_DATA_ROLES.values())


_GRANT_IDS: dict[str, set[str]] = {}
"""Grant construct IDs made under each scope, kept in Python: every grant goes
through _grant_construct_id, and asking the tree (node.try_find_child) costs
two jsii round trips per grant."""


def _grant_construct_id(
    scope: Construct, grantee: Grantee, role_label: str, target: GrantTarget, id_prefix: str
) -> str:
    """`<prefix>-<role>-on-<target>`, refused when the scope already has it."""
    if not target.name or is_token(target.name):
        raise KitValidationError(
            child_path(scope, id_prefix),
            "grant-target-label",
            "A grant target needs a literal, stable name; it is part of construct IDs.",
            "Use GrantTarget.of(resource) or GrantTarget(name='my-target', resource_id=...).",
        )
    construct_id = f"{id_prefix}-{slug(role_label)}-on-{slug(target.name)}"
    made_here = _GRANT_IDS.setdefault(object_key(scope), set())
    if construct_id in made_here:
        raise KitValidationError(
            child_path(scope, construct_id),
            "duplicate-grant",
            f"{grantee.label} is already granted '{role_label}' on '{target.name}'.",
            "Remove the second grant; one role assignment per principal, role and scope.",
        )
    made_here.add(construct_id)
    return construct_id


def grant(
    scope: Construct,
    grantee: Grantee,
    role_definition_id_or_name: str,
    target: GrantTarget,
    *,
    description: str | None = None,
    id_prefix: str = "grant",
    condition: str | None = None,
    condition_version: str | None = None,
) -> Grant:
    """Create the one `azurerm_role_assignment` for grantee + role + target.

    A role given as an ID (it starts with '/') goes to `role_definition_id`,
    anything else to `role_definition_name`, as in Azure Verified Modules.
    `condition` is an Azure ABAC condition that narrows the assignment (for
    example which roles a delegated RBAC administrator may assign); its
    `condition_version` defaults to "2.0", the only version Azure accepts.
    """
    role = role_definition_id_or_name
    if not role or not isinstance(role, str):
        raise KitValidationError(
            child_path(scope, id_prefix),
            "grant-role-missing",
            f"A grant to {grantee.label} names no role.",
            "Pass the narrowest built-in role name (e.g. 'Storage Blob Data Reader') or a role ID.",
        )
    if condition_version is not None and not condition:
        raise KitValidationError(
            child_path(scope, id_prefix),
            "grant-condition-version",
            f"A grant to {grantee.label} sets condition_version but no condition.",
            "Pass the ABAC condition too, or drop condition_version.",
        )
    role_label = role.rsplit("/", 1)[-1] if role.startswith("/") else role
    if is_token(role_label):
        role_label = "custom-role"
    if role_label.lower() in COSMOS_DATA_ROLES or role_label.lower() in COSMOS_DATA_ROLE_IDS:
        raise KitValidationError(
            child_path(scope, id_prefix),
            "grant-cosmos-data-role",
            f"'{role_label}' is a Cosmos DB data role, not an Azure RBAC role: an "
            "azurerm_role_assignment naming it fails with 'could not find role'.",
            "Use IdentityOnlyCosmosAccount.grant_data_read(...) / grant_data_write(...), "
            "which write azurerm_cosmosdb_sql_role_assignment.",
        )
    construct_id = _grant_construct_id(scope, grantee, role_label, target, id_prefix)
    by_id = role.startswith("/")
    assignment = role_assignment.RoleAssignment(
        scope,
        construct_id,
        scope=target.resource_id,
        principal_id=grantee.principal_id,
        principal_type=getattr(grantee, "principal_type", PRINCIPAL_TYPE),
        role_definition_id=role if by_id else None,
        role_definition_name=None if by_id else role,
        description=description or f"{role_label} for {grantee.label} on {target.name}",
        condition=condition or None,
        condition_version=(condition_version or CONDITION_VERSION) if condition else None,
    )
    if target.network is not None:
        _PATHS[assignment] = target.network
    return Grant(assignment, role, target, grantee.label)


@dataclass(frozen=True)
class CosmosAccountRef:
    """The Cosmos DB account a data-plane grant is made in."""

    resource_id: str
    """ARM ID of the account (usually a token)."""
    name: str
    """Name of the Cosmos DB account."""
    resource_group_name: str
    """Resource group of the Cosmos DB account."""


def cosmos_data_grant(
    scope: Construct,
    grantee: Grantee,
    role: str,
    account: CosmosAccountRef,
    target: GrantTarget,
    *,
    id_prefix: str = "grant",
) -> Grant:
    """The sibling of `grant()` for Cosmos DB (NoSQL) data access: one
    `azurerm_cosmosdb_sql_role_assignment` for grantee + built-in data role +
    data-plane scope, with the same construct IDs, duplicate check and handle.

    `role` is "Cosmos DB Built-in Data Reader" or "... Contributor"; it becomes
    `<account id>/sqlRoleDefinitions/<guid>`. `target.resource_id` is the
    data-plane path: the account ID, `<account id>/dbs/<db>` or
    `<account id>/dbs/<db>/colls/<container>` (not the ARM IDs of the database
    or container resources, which Cosmos DB refuses as scopes).

    For a principal created in this stack it waits for Entra ID to replicate
    it first (`waits.replication_wait`): this resource has no principal_type
    and nothing in azurerm retries its "not found in the AAD tenant" failure.
    """
    guid = COSMOS_DATA_ROLES.get(role.lower()) if isinstance(role, str) else None
    if guid is None:
        raise KitValidationError(
            child_path(scope, id_prefix),
            "cosmos-data-role-unknown",
            f"'{role}' is not a Cosmos DB built-in data role.",
            f"Use '{COSMOS_DATA_READER}' or '{COSMOS_DATA_CONTRIBUTOR}'.",
        )
    construct_id = _grant_construct_id(scope, grantee, role, target, id_prefix)
    # A principal created in this stack is not yet visible to Cosmos DB: wait for
    # Entra ID to replicate it (waits.py; imported here because it builds on this module).
    from .waits import replication_wait

    wait = replication_wait(grantee)
    assignment = cosmosdb_sql_role_assignment.CosmosdbSqlRoleAssignment(
        scope,
        construct_id,
        account_name=account.name,
        resource_group_name=account.resource_group_name,
        principal_id=grantee.principal_id,
        role_definition_id=f"{account.resource_id}/sqlRoleDefinitions/{guid}",
        scope=target.resource_id,
        depends_on=[wait] if wait is not None else None,
    )
    if target.network is not None:  # a private account: wait for its endpoint too
        _PATHS[assignment] = target.network
    return Grant(assignment, role, target, grantee.label)


class _GrantsMixin:
    """`grant()` for identities whose grants live under their own construct."""

    grants: list[Grant]

    def grant(
        self,
        role_definition_id_or_name: str,
        target: GrantTarget,
        *,
        description: str | None = None,
        condition: str | None = None,
        condition_version: str | None = None,
    ) -> Grant:
        identity = cast("AnyUserAssignedIdentity", self)  # the mixin's two classes
        result = grant(
            identity,
            identity,
            role_definition_id_or_name,
            target,
            description=description,
            condition=condition,
            condition_version=condition_version,
        )
        self.grants.append(result)
        return result


@dataclass(frozen=True)
class UserAssignedIdentityProps:
    name: str
    """Azure name: 3-128 characters. Convention: `id-<workload>-<purpose>-<env>`."""
    resource_group_name: str
    """Resource group of the identity."""
    location: str
    """Azure region of the identity (its metadata; it can be used from any region)."""
    tags: Mapping[str, str] = field(default_factory=dict)
    """Tags on the identity. Default: none."""


class UserAssignedIdentity(_GrantsMixin, Construct):
    """A user-assigned identity created by the kit. It exists before the workload
    that uses it, so its grants can be in place before that workload starts."""

    def __init__(
        self, scope: Construct, construct_id: str, props: UserAssignedIdentityProps
    ) -> None:
        path = child_path(scope, construct_id)
        check_name(USER_ASSIGNED_IDENTITY, props.name, path)
        super().__init__(scope, construct_id)
        remember_path(self, path)
        self.grants = []
        self.resource = user_assigned_identity.UserAssignedIdentity(
            self,
            "identity",
            name=props.name,
            resource_group_name=props.resource_group_name,
            location=props.location,
            tags=dict(props.tags) or None,
        )
        # The guard's identity-idle rule needs it (guard/aspect.py), without jsii reads.
        remember_path(self.resource, child_path(self, "identity"))
        self.label = f"user-assigned identity '{construct_id}'"
        self.azure_name: str | None = props.name
        """The identity's name in Entra ID (its service principal's display name)."""

    # Each attribute read is a jsii round trip that mints a new token for the
    # same reference: read once (docs/performance.md).
    @cached_property
    def resource_id(self) -> str:
        return self.resource.id

    @cached_property
    def principal_id(self) -> str:
        return self.resource.principal_id

    @cached_property
    def client_id(self) -> str:
        return self.resource.client_id

    @staticmethod
    def from_existing(
        scope: Construct,
        construct_id: str,
        resource_id: str,
        *,
        principal_id: str | None = None,
        client_id: str | None = None,
    ) -> ExistingUserAssignedIdentity:
        """Use an identity created elsewhere, by its resource ID."""
        return ExistingUserAssignedIdentity(
            scope, construct_id, resource_id, principal_id, client_id
        )


@dataclass(frozen=True)
class ExistingGrant:
    """A role an existing identity already holds on a target, assigned outside
    this stack (an earlier stack, a script): the kit makes no role assignment
    for it and waits for nothing (docs/concepts.md, the structural
    alternative)."""

    role: str
    """Built-in role name of the assignment made outside the stack."""
    target_name: str
    """The GrantTarget's name the kit's own grant would use (a registry's label for
    AcrPull, `<vault>-<secret>` for a Key Vault reference on one secret)."""


def granted_outside(identity: object, role: str, target: GrantTarget) -> bool:
    """Whether `identity` holds `role` on `target` through a grant made outside
    this stack (ExistingUserAssignedIdentity.record_existing_grant)."""
    return any(
        grant.role == role and grant.target_name == target.name
        for grant in getattr(identity, "existing_grants", ())
    )


EXISTING_PRINCIPAL_ID = argument(
    "UserAssignedIdentity.from_existing", "principal_id", guid("identity-id-guid", ENTRA_OBJECT_IDS)
)
EXISTING_CLIENT_ID = argument(
    "UserAssignedIdentity.from_existing", "client_id", guid("identity-id-guid", ENTRA_OBJECT_IDS)
)


class ExistingUserAssignedIdentity(_GrantsMixin, Construct):
    """An identity this stack does not manage. Without its principal and client
    IDs they are read with a data source, which needs a literal resource ID."""

    _ID_SHAPE = re.compile(
        r"^/subscriptions/[^/]+/resourceGroups/(?P<rg>[^/]+)/providers/"
        r"Microsoft\.ManagedIdentity/userAssignedIdentities/(?P<name>[^/]+)$",
        re.IGNORECASE,
    )

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        resource_id: str,
        principal_id: str | None,
        client_id: str | None,
    ) -> None:
        path = child_path(scope, construct_id)
        check_argument(path, EXISTING_PRINCIPAL_ID, principal_id)
        check_argument(path, EXISTING_CLIENT_ID, client_id)
        shape = None if is_token(resource_id) else self._ID_SHAPE.match(resource_id)
        if principal_id is None or client_id is None:
            if shape is None:
                raise KitValidationError(
                    path,
                    "existing-identity-id",
                    f"'{resource_id}' is not a literal user-assigned identity resource ID, so its "
                    "principal and client IDs cannot be looked up.",
                    "Pass principal_id and client_id, or a literal ID of the form /subscriptions/"
                    "<sub>/resourceGroups/<rg>/providers/Microsoft.ManagedIdentity/"
                    "userAssignedIdentities/<name>.",
                )
        super().__init__(scope, construct_id)
        self.grants = []
        if principal_id is None or client_id is None:
            assert shape is not None  # refused above, before the construct existed
            lookup = data_azurerm_user_assigned_identity.DataAzurermUserAssignedIdentity(
                self, "lookup", name=shape.group("name"), resource_group_name=shape.group("rg")
            )
            principal_id = principal_id if principal_id is not None else lookup.principal_id
            client_id = client_id if client_id is not None else lookup.client_id
        self.resource_id = resource_id
        self.azure_name: str | None = shape.group("name") if shape else None
        self.principal_id: str = principal_id
        self.client_id: str = client_id
        self.label = f"existing user-assigned identity '{construct_id}'"
        self.existing_grants: list[ExistingGrant] = []

    def record_existing_grant(self, role: str, target: GrantTarget) -> ExistingGrant:
        """Say that this identity already holds `role` on `target`, granted outside
        this stack (e.g. in an earlier stack that creates identities and their
        grants). A workload that needs it then makes no role assignment for it
        and has nothing to wait for."""
        existing = ExistingGrant(role, target.name)
        self.existing_grants.append(existing)
        return existing


AnyUserAssignedIdentity = UserAssignedIdentity | ExistingUserAssignedIdentity


class SystemAssignedIdentity:
    """The system-assigned identity of one resource. It exists only once that
    resource exists, so nothing the resource itself needs at creation (an image
    pull, a Key Vault reference) can be granted to it in time."""

    def __init__(self, owner: Construct, principal_id: str) -> None:
        self._owner = owner
        self.principal_id = principal_id
        self.label = f"system-assigned identity of '{owner.node.id}'"
        self.grants: list[Grant] = []

    def grant(
        self,
        role_definition_id_or_name: str,
        target: GrantTarget,
        *,
        description: str | None = None,
    ) -> Grant:
        result = grant(
            self._owner,
            self,
            role_definition_id_or_name,
            target,
            description=description,
            id_prefix="system-identity-grant",
        )
        self.grants.append(result)
        return result


class WorkloadGrantsMixin(Construct):
    """`grant()` for a workload construct (app, container group, VM): to the
    identity its code uses. A user-assigned runtime identity comes first and its
    grant is ordered before the workload; otherwise the system-assigned identity,
    whose grant can only follow the workload."""

    runtime_identity: AnyUserAssignedIdentity | None
    system_assigned_identity: SystemAssignedIdentity | None
    resource: TerraformResource
    no_identity_problem = "The workload has no runtime identity to grant a role to."
    no_identity_fix = "Set runtime_identity (preferred) or system_assigned=True in its props."

    def grant(
        self,
        role_definition_id_or_name: str,
        target: GrantTarget,
        *,
        description: str | None = None,
    ) -> Grant:
        return grant_to(
            self,
            self,
            role_definition_id_or_name,
            target,
            description=description,
        )


Grantable = (
    UserAssignedIdentity
    | ExistingUserAssignedIdentity
    | SystemAssignedIdentity
    | EntraGroup
    | WorkloadGrantsMixin
)
"""What a resource's grant verb accepts: an identity, a group, or a workload
(whose runtime identity, else system-assigned identity, is granted)."""


@dataclass(frozen=True)
class _GrantHome:
    scope: Construct
    """Where the assignment construct lives."""
    grantee: Grantee
    id_prefix: str
    grants: list[Grant] | None
    """The grantee's list of grants, if it keeps one."""
    ordered: tuple[TerraformResource, ...] = ()
    """Workloads that must wait for the grant."""


def _grant_home(grantee: Grantable | Grantee, owner: Construct) -> _GrantHome:
    """The same home `identity.grant()` / `workload.grant()` use, so a verb and
    the equivalent grant() call produce the same construct ID (no replacement
    when a stack moves to verbs). A group has no construct of its own: its
    assignments live under the granting resource, prefixed with the group."""
    if isinstance(grantee, WorkloadGrantsMixin):
        if grantee.runtime_identity is not None:
            home = _grant_home(grantee.runtime_identity, owner)
            return _GrantHome(
                home.scope, home.grantee, home.id_prefix, home.grants, (grantee.resource,)
            )
        if grantee.system_assigned_identity is not None:
            return _grant_home(grantee.system_assigned_identity, owner)
        raise KitValidationError(
            grantee.node.path,
            "grant-no-identity",
            grantee.no_identity_problem,
            grantee.no_identity_fix,
        )
    if isinstance(grantee, SystemAssignedIdentity):
        return _GrantHome(grantee._owner, grantee, "system-identity-grant", grantee.grants)
    if isinstance(grantee, UserAssignedIdentity | ExistingUserAssignedIdentity):
        return _GrantHome(grantee, grantee, "grant", grantee.grants)
    if not isinstance(getattr(grantee, "label", None), str):
        raise KitValidationError(
            owner.node.path,
            "grant-grantee",
            f"{grantee!r} cannot be granted a role: it is no identity, group or workload.",
            "Pass a UserAssignedIdentity, SystemAssignedIdentity, EntraGroup or a kit workload.",
        )
    return _GrantHome(owner, grantee, f"grant-{slug(grantee.label)}", None)


def resolve_grantee(grantee: Grantable, owner: Construct) -> Grantee:
    """The principal a verb grants to: the grantee itself, or a workload's
    runtime identity (else its system-assigned identity)."""
    return _grant_home(grantee, owner).grantee


def grant_to(
    owner: Construct,
    grantee: Grantable,
    role: str,
    target: GrantTarget,
    *,
    description: str | None = None,
    cosmos_account: CosmosAccountRef | None = None,
) -> Grant:
    """What resources' grant verbs call: `role` on `target` for an identity, a
    group or a workload, through `grant()` (Azure RBAC) or, with
    `cosmos_account`, `cosmos_data_grant()` (Cosmos DB data plane). A workload's
    user-assigned runtime identity is granted and the workload waits for it."""
    home = _grant_home(grantee, owner)
    if cosmos_account is not None:
        result = cosmos_data_grant(
            home.scope, home.grantee, role, cosmos_account, target, id_prefix=home.id_prefix
        )
    else:
        result = grant(
            home.scope,
            home.grantee,
            role,
            target,
            description=description,
            id_prefix=home.id_prefix,
        )
    if home.grants is not None:
        home.grants.append(result)
    result.apply_before(*home.ordered)
    return result


BlockT = TypeVar("BlockT")


@dataclass(frozen=True)
class ManagedIdentities:
    """Which identities a resource carries (Azure Verified Modules' shape)."""

    system_assigned: bool = False
    """Give the resource its own identity, deleted with it. Default: off."""
    user_assigned: tuple[AnyUserAssignedIdentity, ...] = ()
    """User-assigned identities to attach. Default: none."""

    @staticmethod
    def of(system_assigned: bool, *identities: AnyUserAssignedIdentity | None) -> ManagedIdentities:
        """Attach each given identity once, in order; None entries are skipped."""
        attached: list[AnyUserAssignedIdentity] = []
        for identity in identities:
            if identity is not None and all(identity is not seen for seen in attached):
                attached.append(identity)
        return ManagedIdentities(system_assigned, tuple(attached))

    @property
    def user_assigned_resource_ids(self) -> list[str]:
        return [identity.resource_id for identity in self.user_assigned]

    @property
    def type(self) -> str | None:
        if self.system_assigned and self.user_assigned:
            return "SystemAssigned, UserAssigned"
        if self.system_assigned:
            return "SystemAssigned"
        if self.user_assigned:
            return "UserAssigned"
        return None

    def render(self, block_class: Callable[..., BlockT]) -> BlockT | None:
        """The provider's typed `identity` block for this resource type, or None."""
        if self.type is None:
            return None
        kwargs: dict[str, Any] = {"type": self.type}
        if self.user_assigned:
            kwargs["identity_ids"] = self.user_assigned_resource_ids
        return block_class(**kwargs)
