"""The identity mechanics every workload construct shares (container app,
container group, VM, web app, function app), written once:

- the pull identity with its AcrPull binding, ordered before the workload;
- the Key Vault reference identity with its grant (Key Vault Secrets User on
  the one secret, or the vault);
- the runtime identity, exported to the code as AZURE_CLIENT_ID;
- every grant of an attached user-assigned identity ordered before the
  workload (`depends_on`), and the system-assigned identity, which can only
  be granted after it;
- the grants Azure uses when it *creates* the workload (pull, Key Vault
  references, host storage, Dapr components) behind one propagation wait
  (waits.py): workload -> wait -> grants.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Protocol, cast

from ._cdktf import TerraformResource
from .acr_pull_binding import ACR_PULL, AcrPullBinding, RegistryRef, check_registry
from .azurerm import container_registry
from .errors import ChildPath, KitValidationError, child_path
from .identity import (
    AZURE_CLIENT_ID,
    AnyUserAssignedIdentity,
    Grant,
    GrantTarget,
    ResourceProps,
    SystemAssignedIdentity,
    UserAssignedIdentity,
    UserAssignedIdentityProps,
    WorkloadGrantsMixin,
    add_depends_on,
    construction_depends_on,
    given_at_construction,
    granted_outside,
)
from .waits import DEFAULT_PROPAGATION_WAIT, WAIT_CONTEXT, PropagationWait, wait_duration

SYSTEM_ASSIGNED = "SystemAssigned"
KEY_VAULT_SECRETS_USER = "Key Vault Secrets User"

PULL_SYSTEM_ASSIGNED_PROBLEM = (
    "Image pulls through the system-assigned identity cannot work on first deploy: that "
    "identity only exists once the app exists, so AcrPull cannot be granted before the "
    "first revision pulls (it hangs 10-15 minutes, then fails with 'Operation expired')."
)
PULL_SYSTEM_ASSIGNED_FIX = (
    "Leave pull_identity unset (a pull-only user-assigned identity is created) or pass a "
    "UserAssignedIdentity."
)


class PullProps(ResourceProps, Protocol):
    """The props fields of a workload that pulls images (container app, container group,
    web app): what `check_pull_props` and `WorkloadIdentityMixin._bind_pull` read."""

    @property
    def name(self) -> str: ...
    @property
    def registry(self) -> RegistryRef | container_registry.ContainerRegistry | None: ...
    @property
    def pull_identity(self) -> AnyUserAssignedIdentity | str | None:
        """A string is a system-assigned choice, which `check_pull_props` refuses."""
        ...

    @property
    def pull_identity_name(self) -> str | None: ...


class _SystemIdentityOutput(Protocol):
    @property
    def principal_id(self) -> str: ...


class _WithIdentityBlock(Protocol):
    """A workload resource (every one has an `identity` block)."""

    @property
    def identity(self) -> _SystemIdentityOutput: ...


def is_system(identity: object) -> bool:
    """A string identity choice ("SystemAssigned", "system") means the resource's own."""
    return isinstance(identity, str) and identity.lower().startswith("system")


def refuse_system_pull(
    path: str | ChildPath,
    rule_id: str,
    pull_identity: object,
    problem: str = PULL_SYSTEM_ASSIGNED_PROBLEM,
    fix: str = PULL_SYSTEM_ASSIGNED_FIX,
) -> None:
    """Refuse an image pull through a system-assigned identity: it cannot hold
    AcrPull before the workload's first pull."""
    if isinstance(pull_identity, str):
        raise KitValidationError(path, rule_id, problem, fix)


def check_pull_props(path: str | ChildPath, props: PullProps) -> None:
    """Pull rules of a workload with an optional registry (container app, web app)."""
    refuse_system_pull(path, "pull-system-assigned", props.pull_identity)
    check_registry(path, props.registry)
    if props.pull_identity is not None and props.registry is None:
        raise KitValidationError(
            path,
            "pull-without-registry",
            "A pull identity was given but no registry to pull from.",
            "Set registry (a ContainerRegistry or RegistryRef.existing(...)), "
            "or drop pull_identity.",
        )


def refuse_client_id_override(
    path: str | ChildPath, rule_id: str, owner: str, env: Mapping[str, str], runtime: object
) -> None:
    """The construct owns AZURE_CLIENT_ID when there is a runtime identity."""
    if runtime is not None and AZURE_CLIENT_ID in env:
        raise KitValidationError(
            path,
            rule_id,
            f"{owner} sets {AZURE_CLIENT_ID} itself, but the construct sets it "
            "to the runtime identity's client ID.",
            f"Remove {AZURE_CLIENT_ID} from env.",
        )


def ensure_grant(
    identity: AnyUserAssignedIdentity | SystemAssignedIdentity,
    role: str,
    target: GrantTarget,
    description: str,
) -> Grant | None:
    """The identity's grant of role on target: reused when it exists already, so
    two features that need the same permission share one role assignment. None
    when it was granted outside this stack (`record_existing_grant`): nothing to
    create, nothing to wait for."""
    if granted_outside(identity, role, target):
        return None
    for existing in identity.grants:
        if existing.role == role and existing.target.name == target.name:
            return existing
    return identity.grant(role, target, description=description)


def grant_secret_read(
    identity: AnyUserAssignedIdentity,
    vault: GrantTarget,
    secret_name: str | None,
    description: str,
) -> Grant | None:
    """Key Vault Secrets User for a Key Vault reference: on the one secret when
    its name is known (`<vault>/secrets/<name>`), else on the vault."""
    target = vault
    if secret_name:
        target = GrantTarget(
            name=f"{vault.name}-{secret_name}",
            resource_id=f"{vault.resource_id}/secrets/{secret_name}",
            network=vault.network,
        )
    return ensure_grant(identity, KEY_VAULT_SECRETS_USER, target, description)


class WorkloadIdentityMixin(WorkloadGrantsMixin):
    """What a workload construct does with its identities, in the order Azure
    needs. Set `runtime_identity`, call `_bind_pull` (if it pulls images) and
    `_needs_at_create` for the other grants Azure uses to create it, build
    `resource` with `depends_on=self._startup_depends_on(...)`, then
    `_order_grants_before` and `_attach_system_assigned`."""

    pull_identity: AnyUserAssignedIdentity | None = None
    pull_registry: RegistryRef | None = None
    """The registry images are pulled from (None: public images only)."""
    acr_pull: AcrPullBinding | None = None
    """The AcrPull grant made for the pull; None when there is no pull, or the pull
    identity holds AcrPull through a grant made outside this stack."""
    propagation_wait: PropagationWait | None = None
    """The wait between the grants Azure uses to create the workload and the
    workload; None when there are none, or the wait is off."""
    props: object
    """The workload's props (each construct declares their type); `propagation_wait` is
    read from them where they have it."""

    def _bind_pull(self, props: PullProps) -> AcrPullBinding | None:
        """The pull identity for `props.registry`: `props.pull_identity` (user-assigned)
        or a new pull-only one (`pull-identity`, Azure name `props.pull_identity_name` or
        `id-<name>-pull`), with AcrPull on the registry (`acr-pull`), unless it holds
        AcrPull through a grant made outside this stack."""
        chosen = props.pull_identity  # a string (system-assigned) was refused already
        identity = (
            chosen
            if chosen is not None and not isinstance(chosen, str)
            else UserAssignedIdentity(
                self,
                "pull-identity",
                UserAssignedIdentityProps(
                    name=props.pull_identity_name or f"id-{props.name}-pull",
                    resource_group_name=props.resource_group_name,
                    location=props.location,
                    tags=props.tags,
                ),
            )
        )
        registry = props.registry
        assert registry is not None  # a pull is bound only for a workload with a registry
        self.pull_registry = (
            registry if isinstance(registry, RegistryRef) else RegistryRef.of(registry)
        )
        self.pull_identity = identity
        if granted_outside(identity, ACR_PULL, self.pull_registry.target):
            return None
        self.acr_pull = AcrPullBinding(
            self, "acr-pull", identity=identity, registry=self.pull_registry
        )
        self._needs_at_create(self.acr_pull.grant)
        return self.acr_pull

    @property
    def create_grants(self) -> list[Grant]:
        """The grants Azure uses when it creates the workload, in order."""
        grants: list[Grant] = self.__dict__.setdefault("_create_grants", [])
        return grants

    def _needs_at_create(self, *grants: Grant | None) -> None:
        """Before the resource exists: Azure uses these grants to create it (a
        pull, a Key Vault reference, host storage), so it waits for them. None
        (a grant made outside this stack) adds nothing."""
        for grant in grants:
            if grant is not None and all(grant is not known for known in self.create_grants):
                self.create_grants.append(grant)

    def runtime_env(self) -> dict[str, str]:
        """{AZURE_CLIENT_ID: <client ID>} for the runtime identity, else {}."""
        runtime = self.runtime_identity
        return {AZURE_CLIENT_ID: runtime.client_id} if runtime is not None else {}

    def _wait_duration(self) -> str | None:
        """The propagation wait's duration (prop, context, default); None: off."""
        chosen = getattr(self.props, "propagation_wait", None)
        return wait_duration(
            self,
            child_path(self, "propagation-wait"),
            chosen,
            WAIT_CONTEXT,
            DEFAULT_PROPAGATION_WAIT,
        )

    def _startup_depends_on(
        self, identities: Iterable[AnyUserAssignedIdentity | None]
    ) -> list[TerraformResource] | None:
        """`depends_on` for the workload's resource, given at construction (no
        jsii call): the propagation wait for the grants Azure uses to create it
        (or those grants, with the wait off), then every other grant these
        identities hold so far. Call `_order_grants_before()` once the resource
        exists; later grants order themselves through grant() (add_depends_on)."""
        create = self.create_grants
        duration = self._wait_duration() if create else None
        if duration is not None:
            self.propagation_wait = PropagationWait(self, "propagation-wait", create, duration)
            first: list[TerraformResource] = [self.propagation_wait.sleep]
        else:
            first = [grant.role_assignment for grant in create]
        self._startup_grants = first + [
            g.role_assignment
            for identity in identities
            if identity
            for g in identity.grants
            if all(g is not known for known in create)
        ]
        return construction_depends_on(self._startup_grants)

    def _order_grants_before(self) -> None:
        """Once the resource exists: it waits for what `_startup_depends_on` gave
        it, and for private endpoints added to those grants' targets later."""
        given_at_construction(self.resource, self._startup_grants)

    def _needs_at_create_later(self, grant: Grant) -> None:
        """After the resource exists (a Dapr component added to an app): the
        workload waits for this grant too, through its propagation wait."""
        self._needs_at_create(grant)
        if self.propagation_wait is not None:
            self.propagation_wait.add(grant)
            return
        duration = self._wait_duration()
        if duration is None:
            add_depends_on(self.resource, [grant.role_assignment])
            return
        self.propagation_wait = PropagationWait(self, "propagation-wait", [grant], duration)
        add_depends_on(self.resource, [self.propagation_wait.sleep])

    def _attach_system_assigned(self, enabled: bool) -> None:
        self.system_assigned_identity = (
            SystemAssignedIdentity(
                self, cast(_WithIdentityBlock, self.resource).identity.principal_id
            )
            if enabled
            else None
        )

    @property
    def system_principal_id(self) -> str | None:
        identity = self.system_assigned_identity
        return identity.principal_id if identity else None
