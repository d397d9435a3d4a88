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
- a `Grant` handle that resources can depend on, so a workload never starts
  before its permission exists.
"""

from __future__ import annotations

import re
import weakref
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar, Protocol, TypeVar

from ._cdktf import Construct, TerraformResource, depends_on_token, is_token
from .azurerm import data_azurerm_user_assigned_identity, role_assignment, user_assigned_identity
from .errors import KitValidationError, child_path
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
            if all(resource is not seen for seen in self._waiting):
                self._waiting.append(resource)
            add_depends_on(resource, self.dependables)


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
    resource_id: str
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
    object_id: str
    """The group's object ID (a GUID)."""
    principal_type: ClassVar[str] = GROUP_PRINCIPAL_TYPE

    @property
    def principal_id(self) -> str:
        return self.object_id


@dataclass
class Grant:
    """The result of a grant: depend on it before using the permission."""

    role_assignment: role_assignment.RoleAssignment
    role: str
    target: GrantTarget
    grantee_label: str

    def apply_before(self, *resources: TerraformResource) -> None:
        """Make each resource wait for this role assignment (`depends_on`)."""
        for resource in resources:
            add_depends_on(resource, [self.role_assignment])


def add_depends_on(resource: TerraformResource, dependables: Sequence[TerraformResource]) -> None:
    """Make `resource` wait for each dependable, once; one read and one write
    of `depends_on` (jsii calls). Entries are cdktf dependable tokens
    (`depends_on_token`), which synthesize to the bare address Terraform's JSON
    syntax requires."""
    if not dependables:
        return
    existing = list(resource.depends_on or [])
    for dependable in dependables:
        token = depends_on_token(dependable)
        if token not in existing:
            existing.append(token)
    resource.depends_on = existing
    for dependable in dependables:
        path = _PATHS.get(dependable)
        if path is not None:  # a grant on a private target: wait for its endpoint too
            path.apply_before(resource)


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
    if not target.name or is_token(target.name):
        raise KitValidationError(
            child_path(scope, id_prefix),
            "grant-target-label",
            "A grant target needs a literal, stable name; it is part of construct IDs.",
            "Use GrantTarget.of(resource) or GrantTarget(name='my-target', resource_id=...).",
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
    construct_id = f"{id_prefix}-{slug(role_label)}-on-{slug(target.name)}"
    if scope.node.try_find_child(construct_id) is not None:
        raise KitValidationError(
            child_path(scope, construct_id),
            "duplicate-grant",
            f"{grantee.label} is already granted '{role_label}' on '{target.name}'.",
            "Remove the second grant; one role assignment per principal, role and scope.",
        )
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
        result = grant(
            self,  # type: ignore[arg-type]
            self,  # type: ignore[arg-type]
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
    location: str
    tags: Mapping[str, str] = field(default_factory=dict)
    """Tags on the identity. Default: none."""


class UserAssignedIdentity(_GrantsMixin, Construct):
    """A user-assigned identity created by the kit. It exists before the workload
    that uses it, so its grants can be in place before that workload starts."""

    def __init__(
        self, scope: Construct, construct_id: str, props: UserAssignedIdentityProps
    ) -> None:
        check_name(USER_ASSIGNED_IDENTITY, props.name, child_path(scope, construct_id))
        super().__init__(scope, construct_id)
        self.grants = []
        self.resource = user_assigned_identity.UserAssignedIdentity(
            self,
            "identity",
            name=props.name,
            resource_group_name=props.resource_group_name,
            location=props.location,
            tags=dict(props.tags) or None,
        )
        self.label = f"user-assigned identity '{construct_id}'"

    @property
    def resource_id(self) -> str:
        return self.resource.id

    @property
    def principal_id(self) -> str:
        return self.resource.principal_id

    @property
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
        lookup = None
        if principal_id is None or client_id is None:
            match = None if is_token(resource_id) else self._ID_SHAPE.match(resource_id)
            if match is None:
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
            lookup = data_azurerm_user_assigned_identity.DataAzurermUserAssignedIdentity(
                self, "lookup", name=match.group("name"), resource_group_name=match.group("rg")
            )
        self.resource_id = resource_id
        self.principal_id = principal_id if principal_id is not None else lookup.principal_id
        self.client_id = client_id if client_id is not None else lookup.client_id
        self.label = f"existing user-assigned identity '{construct_id}'"


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


class WorkloadGrantsMixin:
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
        if self.runtime_identity is not None:
            result = self.runtime_identity.grant(
                role_definition_id_or_name, target, description=description
            )
            result.apply_before(self.resource)
            return result
        if self.system_assigned_identity is not None:
            return self.system_assigned_identity.grant(
                role_definition_id_or_name, target, description=description
            )
        raise KitValidationError(
            self.node.path,  # type: ignore[attr-defined]
            "grant-no-identity",
            self.no_identity_problem,
            self.no_identity_fix,
        )


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

    def render(self, block_class: type[BlockT]) -> BlockT | None:
        """The provider's typed `identity` block for this resource type, or None."""
        if self.type is None:
            return None
        kwargs: dict[str, Any] = {"type": self.type}
        if self.user_assigned:
            kwargs["identity_ids"] = self.user_assigned_resource_ids
        return block_class(**kwargs)
