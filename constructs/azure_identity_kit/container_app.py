"""A Container App whose image pulls and runtime access go through managed
identities, in the order Azure needs them."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, TypeVar, cast

from ._cdktf import Annotations, Construct, TerraformResourceLifecycle
from .acr_pull_binding import RegistryRef, check_image_registry
from .azapi import AzapiResourceAction
from .azurerm import (
    SCALE_RULE_IDENTITY_NATIVE,
    container_app,
    container_app_environment_dapr_component,
    container_registry,
    scale_rule_identity,
)
from .constraints import (
    CrossField,
    Format,
    OneOf,
    Range,
    argument,
    azure,
    check_argument,
    checked,
    constrained,
    cross_field,
    enforce,
    is_unknown,
    provider,
)
from .constraints.common import (
    SECRET_NAME,
    ResourceId,
    duration,
    port,
    secret_name_mismatch,
    secret_uri,
    vault_mismatch,
)
from .errors import ChildPath, KitValidationError, child_path, remember_path
from .identity import (
    AnyUserAssignedIdentity,
    Grant,
    GrantTarget,
    ManagedIdentities,
    add_depends_on,
    construction_depends_on,
    given_at_construction,
)
from .naming import CONTAINER_APP, check_name
from .workload_identity import (
    WorkloadIdentityMixin,
    check_pull_props,
    ensure_grant,
    grant_secret_read,
    is_system,
    refuse_client_id_override,
)

STORAGE_QUEUE_DATA_READER = "Storage Queue Data Reader"
STORAGE_BLOB_DATA_CONTRIBUTOR = "Storage Blob Data Contributor"
# The oldest GA API version with both properties the kit PATCHes:
# `configuration.identitySettings` and a scale rule's `identity` (absent from
# 2024-03-01; checked against Azure/bicep-types-az, the definitions azapi
# validates bodies with, in tests/test_azapi_bodies.py).
CONTAINER_APPS_API = "Microsoft.App/containerApps@2025-01-01"
LIFECYCLES = ("All", "Init", "Main", "None")
_BlockT = TypeVar("_BlockT")

# Where Container Apps' limits come from.
_CA_HELPERS = "internal/services/containerapps/helpers/container_apps.go"
_CA_RESOURCE = "internal/services/containerapps/container_app_resource.go"
_ALLOCATIONS = azure("https://learn.microsoft.com/azure/container-apps/containers#allocations")
_SCALING = azure("https://learn.microsoft.com/azure/container-apps/scale-app")
_SECRETS = azure(
    "https://learn.microsoft.com/azure/container-apps/manage-secrets#reference-secret-from-key-vault"
)
CONSUMPTION_MAX_CPU = 4.0
"""vCPU of the largest Consumption combination (4.0 vCPU / 8.0Gi on the Consumption
workload profile; a Consumption-only environment stops at 2.0 / 4.0Gi)."""
_MEMORY = Format(
    "container-app-memory",
    _ALLOCATIONS,
    pattern=re.compile(r"^(?:\d+(?:\.\d+)?|\.\d+)Gi$"),
    description="memory in Gi, e.g. '0.5Gi' or '2Gi'",
)
DAPR_COMPONENT_NAME = argument(
    "ContainerAppWithIdentity.add_dapr_blob_state_store",
    "component_name",
    Format(
        "name-dapr-component",
        provider("internal/services/containerapps/validate/validate.go", "DaprComponentName"),
        pattern=re.compile(r"^(?!.*--)(?!.*-$)[a-z](?:[a-z0-9-]{0,58}[a-z]|[a-z0-9-]{0,58})$"),
        description="a Dapr component name: 1-60 lowercase letters, digits and '-', starting "
        "with a letter, not ending with '-', no '--'",
    ),
)
_PORT = port(
    "container-app-port", provider(_CA_HELPERS, "ContainerAppIngressSchema IntBetween(1, 65535)")
)


@dataclass(frozen=True)
class ContainerSpec:
    name: str
    """Container name, unique in the app."""
    image: str
    """Full image reference, e.g. f"{registry.login_server}/api:1.4.2". Must not be empty."""
    cpu: float = checked(
        Range(
            "container-app-cpu",
            provider(_CA_HELPERS, "ContainerAppContainerSchema FloatAtLeast(0.1)"),
            low=0.1,
            integer=False,
            unit=" vCPU",
        ),
        default=0.25,
    )
    """vCPU, 0.1 or more. On the Consumption profile the app's containers add up to one of
    Azure's pairs (0.25 vCPU steps, memory twice the vCPU, `container-app-resources`).
    Default: 0.25 (pairs with 0.5Gi)."""
    memory: str = checked(_MEMORY, default="0.5Gi")
    """Memory in Gi, e.g. '0.5Gi'. Default: 0.5Gi."""
    env: Mapping[str, str] = field(default_factory=dict)
    """Plain environment variables; AZURE_CLIENT_ID is set by the construct. Default: none."""
    args: Sequence[str] = ()
    """Arguments passed to the entrypoint. Default: the image's."""
    command: Sequence[str] = ()
    """Entrypoint override. Default: the image's."""
    secret_env: Mapping[str, str] = field(default_factory=dict)
    """Environment variable -> app secret name (e.g. a Key Vault reference). Default: none."""


def _secret_ref_mismatch(ref: KeyVaultSecretRef) -> str | None:
    return vault_mismatch(ref.key_vault_secret_id, ref.vault.resource_id) or secret_name_mismatch(
        ref.key_vault_secret_id, ref.secret_name
    )


_SECRET_NAME_IN_VAULT = Format(
    "keyvault-secret-name",
    azure(
        "https://learn.microsoft.com/azure/azure-resource-manager/management/"
        "resource-name-rules#microsoftkeyvault"
    ),
    pattern=re.compile(rf"^{SECRET_NAME}$"),
    description="a Key Vault secret name: 1-127 letters, digits and '-'",
)


@cross_field(
    CrossField(
        "keyvault-secret-vault",
        _SECRETS,
        fields=("key_vault_secret_id", "vault", "secret_name"),
        description="the vault and secret the URI names, when both are literals",
        test=_secret_ref_mismatch,
        how="Pass the vault (and secret_name) the URI names, or fix the URI.",
    )
)
@dataclass(frozen=True)
class KeyVaultSecretRef:
    """An app secret that Container Apps reads from Key Vault with a managed identity."""

    name: str = field(
        metadata=constrained(
            Format(
                "secret-name",
                # azurerm has validate.SecretName for it, but `secret` is a set of blocks whose
                # identity is a reference: Terraform cannot see the element at validate and the
                # check never runs (the real-provider oracle, tests/constraints): only Azure
                # refuses it.
                _SECRETS,
                pattern=re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,251}[a-z0-9])?$"),
                description="a container app secret name: 1-253 lowercase letters, digits and '-', "
                "starting and ending alphanumeric",
            )
        )
    )
    """App secret name: lowercase letters, digits and '-'."""
    key_vault_secret_id: str = field(
        metadata=constrained(
            # NestedItemIdWithOptionalVersion in azurerm: never run, as for `name`.
            secret_uri("keyvault-secret-uri", _SECRETS)
        )
    )
    """Versionless secret URI, e.g. f"{vault.vault_uri}secrets/api-config"."""
    vault: GrantTarget
    """The vault holding the secret (the vault the URI names)."""
    secret_name: str | None = checked(_SECRET_NAME_IN_VAULT, default=None)
    """Name of the secret in the vault. When set, Key Vault Secrets User is granted on that
    one secret; otherwise on the vault. Default: None (vault scope)."""
    identity: AnyUserAssignedIdentity | Literal["SystemAssigned"] | None = None
    """Who reads it. Default: the pull identity (platform-only, invisible to the code), else
    the runtime identity. A system-assigned identity is refused, as for pulls."""


@dataclass(frozen=True)
class IdentitySetting:
    """Which containers may use an identity (Container Apps `identitySettings`)."""

    identity: AnyUserAssignedIdentity | Literal["system"]
    """The identity the setting is for: one attached to the app, or 'system'."""
    lifecycle: str = field(
        metadata=constrained(
            OneOf(
                "identity-lifecycle",
                azure(
                    "https://learn.microsoft.com/azure/templates/microsoft.app/2025-01-01/"
                    "containerapps#identitysettings"
                ),
                values=LIFECYCLES,
            )
        )
    )
    """`All`, `Init` (init containers only), `Main` (main containers only) or `None`."""


@dataclass(frozen=True)
class QueueScaleRule:
    """KEDA azure-queue scale rule authenticated by a managed identity, not a connection string."""

    name: str
    """Name of the scale rule, unique in the app."""
    account_name: str
    """Storage account name (not its ID)."""
    queue_name: str
    """The Storage queue whose length scales the app."""
    queue: GrantTarget
    """The queue (narrowest) or its account; Storage Queue Data Reader is granted on it."""
    queue_length: int = checked(
        Range(
            "scale-rule-queue-length",
            azure("https://keda.sh/docs/2.17/scalers/azure-storage-queue/"),
            low=1,
        ),
        default=5,
    )
    """Messages per replica before scaling out, 1 or more. Default: 5."""
    identity: AnyUserAssignedIdentity | Literal["system"] | None = None
    """Identity KEDA uses. Default: the runtime identity; "system" for the app's own."""


@dataclass(frozen=True)
class DaprSpec:
    app_id: str
    """Dapr app ID; components are scoped to it."""
    app_port: int | None = checked(
        port(
            "container-app-dapr-port",
            azure("https://learn.microsoft.com/azure/container-apps/dapr-overview"),
        ),
        default=None,
    )
    """Port the app listens on for Dapr, 1-65535. Default: none."""
    app_protocol: str = checked(
        OneOf(
            "container-app-dapr-protocol",
            provider(_CA_HELPERS, "ContainerDaprSchema StringInSlice"),
            values=("http", "grpc"),
        ),
        default="http",
    )
    """http or grpc. Default: http."""


@dataclass(frozen=True)
class IngressSpec:
    target_port: int = field(metadata=constrained(_PORT))
    """Port the container listens on, 1-65535."""
    external: bool = True
    """Reachable from outside the environment. Default: True."""


def _replica_order(props: ContainerAppWithIdentityProps) -> str | None:
    low, high = props.min_replicas, props.max_replicas
    if is_unknown(low) or is_unknown(high) or not isinstance(low, int) or low <= high:
        return None
    return f"min_replicas {low} is above max_replicas {high}."


def _consumption_resources(props: ContainerAppWithIdentityProps) -> str | None:
    """The app's containers on a Consumption profile add up to one of Azure's pairs:
    0.25 vCPU steps up to 4.0, memory twice the vCPU. A dedicated profile (any other
    workload_profile_name) takes any sizes its nodes hold."""
    if props.workload_profile_name not in (None, "Consumption") or not props.containers:
        return None
    cpus = [spec.cpu for spec in props.containers]
    memories = [spec.memory for spec in props.containers]
    if any(is_unknown(v) for v in (*cpus, *memories)):
        return None
    if not all(isinstance(m, str) and _MEMORY.problem(m) is None for m in memories):
        return None  # container-app-memory says what is wrong
    cpu = round(sum(cpus), 4)
    memory = round(sum(float(m[:-2]) for m in memories), 4)
    quarters = cpu / 0.25
    if 0.25 <= cpu <= CONSUMPTION_MAX_CPU and quarters == round(quarters) and memory == 2 * cpu:
        return None
    return (
        f"the containers add up to {cpu:g} vCPU and {memory:g}Gi, which is not a Consumption "
        "combination (0.25-4.0 vCPU in 0.25 steps, with twice as many Gi of memory)."
    )


@cross_field(
    CrossField(
        "container-app-replica-order",
        _SCALING,
        fields=("min_replicas", "max_replicas"),
        description="min_replicas no larger than max_replicas",
        test=_replica_order,
        how="Set min_replicas <= max_replicas.",
    ),
    CrossField(
        "container-app-resources",
        _ALLOCATIONS,
        fields=("containers", "workload_profile_name"),
        description="on the Consumption profile, the containers' vCPU and memory add up to "
        "0.25-4.0 vCPU in 0.25 steps with twice as many Gi (e.g. 0.5 / 1Gi); a dedicated "
        "workload profile takes any pair its nodes hold",
        test=_consumption_resources,
        how="Size the containers so their total is a Consumption pair such as 0.25/0.5Gi, "
        "1.0/2Gi or 2.0/4Gi, or run the app on a dedicated workload profile.",
    ),
)
@dataclass(frozen=True)
class ContainerAppWithIdentityProps:
    name: str
    """Azure name: 2-32 lowercase letters, digits and '-'. Convention: `ca-<workload>-<env>`."""
    resource_group_name: str
    """Resource group of the app and of the identities the construct creates."""
    location: str
    """Location for identities the construct creates (the app follows its environment)."""
    container_app_environment_id: str = field(
        metadata=constrained(
            ResourceId(
                "container-app-environment-id",
                provider(_CA_RESOURCE, "managedenvironments.ValidateManagedEnvironmentID"),
                namespace="Microsoft.App",
                types=("managedEnvironments",),
            )
        )
    )
    """The environment's resource ID (usually `environment.id`)."""
    containers: Sequence[ContainerSpec]
    """The app's containers; none is refused (`containers-missing`). Their vCPU and memory
    together follow the rule below."""
    registry: RegistryRef | container_registry.ContainerRegistry | None = None
    """ACR to pull images from. Default: none (public images, no pull identity)."""
    pull_identity: AnyUserAssignedIdentity | Literal["SystemAssigned"] | None = None
    """Identity for image pulls. Default: a new identity `id-<name>-pull` used for nothing else.
    A system-assigned identity is refused: it cannot be granted AcrPull before the app exists."""
    pull_identity_name: str | None = None
    """Azure name of the pull identity when the construct creates it. Default: `id-<name>-pull`."""
    runtime_identity: AnyUserAssignedIdentity | None = None
    """Identity the app's code uses; its client ID becomes AZURE_CLIENT_ID. Default: none."""
    system_assigned: bool = False
    """Also give the app a system-assigned identity. Default: off."""
    user_assigned: Sequence[AnyUserAssignedIdentity] = ()
    """Further user-assigned identities to attach. Default: none."""
    ingress: IngressSpec | None = None
    """HTTP ingress. Default: none (no FQDN)."""
    init_containers: Sequence[ContainerSpec] = ()
    """Init containers. Default: none."""
    key_vault_secrets: Sequence[KeyVaultSecretRef] = ()
    """App secrets read from Key Vault by identity. Default: none."""
    identity_settings: Sequence[IdentitySetting] = ()
    """Lifecycle overrides. Defaults: pull identity `None`, runtime identity `Main`, any other
    identity Azure's default `All`."""
    queue_scale_rules: Sequence[QueueScaleRule] = ()
    """Identity-authenticated queue scale rules (set through azapi). Default: none."""
    dapr: DaprSpec | None = None
    """Enable the Dapr sidecar. Default: off."""
    propagation_wait: str | None = checked(duration("wait-duration"), default=None)
    """How long the app waits after the grants Azure uses to create it (AcrPull, Key Vault
    references, Dapr components) are made, before it is created: a duration such as '90s'
    or '2m', '0s' for no wait. Default: the `azure-identity-kit:propagation-wait` context
    value, else 120s (docs/concepts.md)."""
    min_replicas: int = checked(
        Range(
            "container-app-replicas",
            provider(_CA_HELPERS, "ContainerTemplateSchema min_replicas IntBetween(0, 300)"),
            low=0,
            high=300,
        ),
        default=0,
    )
    """Replicas kept running, 0-300 (no more than max_replicas). Default: 0."""
    max_replicas: int = checked(
        Range(
            "container-app-replicas",
            provider(_CA_HELPERS, "ContainerTemplateSchema max_replicas IntBetween(1, 300)"),
            low=1,
            high=300,
        ),
        default=1,
    )
    """Most replicas, 1-300. Default: 1."""
    revision_mode: str = checked(
        OneOf(
            "container-app-revision-mode",
            provider(_CA_RESOURCE, "revision_mode StringInSlice"),
            values=("Single", "Multiple"),
        ),
        default="Single",
    )
    """Single or Multiple. Default: Single."""
    workload_profile_name: str | None = None
    """The environment's workload profile the app runs on. Default: none (Consumption)."""
    tags: Mapping[str, str] = field(default_factory=dict)
    """Tags on the app and on the identities the construct creates. Default: none."""


class ContainerAppWithIdentity(WorkloadIdentityMixin, Construct):
    """`azurerm_container_app` with identity-based pulls and grants.

    The pull always goes through a user-assigned identity with an AcrPull
    binding, and the app `depends_on` that role assignment, so the first
    revision never pulls before the permission exists. (A system-assigned
    identity can only be granted after the app exists; the first pull then
    hangs for 10-15 minutes and ends in "Operation expired".)
    """

    no_identity_problem = "The app has no runtime identity to grant a role to."
    props: ContainerAppWithIdentityProps
    resource: container_app.ContainerApp

    def __init__(
        self, scope: Construct, construct_id: str, props: ContainerAppWithIdentityProps
    ) -> None:
        path = child_path(scope, construct_id)
        _validate(path, props)
        super().__init__(scope, construct_id)
        remember_path(self, path)  # its pull identity's path, for the guard
        self.props = props

        if props.registry is not None:
            self._bind_pull(props)
        self.runtime_identity = props.runtime_identity

        # Key Vault references and queue scale rules are read by the platform
        # through user-assigned identities granted before the app exists.
        self._secret_blocks = [self._key_vault_secret(ref) for ref in props.key_vault_secrets]
        platform_identities = [
            rule.identity or self.runtime_identity
            for rule in props.queue_scale_rules
            if rule.identity != "system"
        ]

        self.identities = ManagedIdentities.of(
            props.system_assigned,
            self.pull_identity,
            self.runtime_identity,
            *props.user_assigned,
            *self._secret_identities,
            *platform_identities,
        )
        attached = self.identities.user_assigned
        self.lifecycles = self._lifecycles(props)

        self.resource = container_app.ContainerApp(
            self,
            "app",
            name=props.name,
            resource_group_name=props.resource_group_name,
            container_app_environment_id=props.container_app_environment_id,
            revision_mode=props.revision_mode,
            workload_profile_name=props.workload_profile_name,
            identity=self.identities.render(container_app.ContainerAppIdentity),
            registry=self._registry_blocks(),
            secret=self._secret_blocks or None,
            ingress=self._ingress_block(),
            dapr=self._dapr_block(),
            template=container_app.ContainerAppTemplate(
                min_replicas=props.min_replicas,
                max_replicas=props.max_replicas,
                container=[
                    self._container_block(spec, "Main", container_app.ContainerAppTemplateContainer)
                    for spec in props.containers
                ],
                init_container=[
                    self._container_block(
                        spec, "Init", container_app.ContainerAppTemplateInitContainer
                    )
                    for spec in props.init_containers
                ]
                or None,
            ),
            tags=dict(props.tags) or None,
            # Every permission the first revision needs exists before it starts.
            depends_on=self._startup_depends_on(attached),
        )
        self._order_grants_before()
        self._attach_system_assigned(props.system_assigned)
        self.identity_settings_action = self._identity_settings_action()
        self.scale_rules_action = self._queue_scale_rules_action(props.queue_scale_rules)

    # What consumers and outputs need.
    @property
    def fqdn(self) -> str | None:
        return self.resource.ingress.fqdn if self.props.ingress else None

    def _registry_blocks(self) -> list[container_app.ContainerAppRegistry] | None:
        if self.pull_registry is None or self.pull_identity is None:
            return None
        return [
            container_app.ContainerAppRegistry(
                server=self.pull_registry.login_server, identity=self.pull_identity.resource_id
            )
        ]

    def _ingress_block(self) -> container_app.ContainerAppIngress | None:
        ingress = self.props.ingress
        if ingress is None:
            return None
        return container_app.ContainerAppIngress(
            target_port=ingress.target_port,
            external_enabled=ingress.external,
            traffic_weight=[
                container_app.ContainerAppIngressTrafficWeight(percentage=100, latest_revision=True)
            ],
        )

    def _container_block(
        self, spec: ContainerSpec, stage: str, block_class: Callable[..., _BlockT]
    ) -> _BlockT:
        """Main containers get AZURE_CLIENT_ID when the runtime identity's lifecycle
        is Main or All; init containers when it is Init or All."""
        env_class: Callable[..., object] = (
            container_app.ContainerAppTemplateInitContainerEnv
            if stage == "Init"
            else container_app.ContainerAppTemplateContainerEnv
        )
        env = [env_class(name=key, value=value) for key, value in spec.env.items()]
        env += [env_class(name=key, secret_name=secret) for key, secret in spec.secret_env.items()]
        runtime = self.runtime_identity
        if runtime is not None and self.lifecycle_of(runtime) in (stage, "All"):
            env += [env_class(name=key, value=value) for key, value in self.runtime_env().items()]
        return block_class(
            name=spec.name,
            image=spec.image,
            cpu=spec.cpu,
            memory=spec.memory,
            env=env or None,
            args=list(spec.args) or None,
            command=list(spec.command) or None,
        )

    # Key Vault references -------------------------------------------------
    @property
    def _secret_identities(self) -> list[AnyUserAssignedIdentity]:
        return [self._secret_identity(ref) for ref in self.props.key_vault_secrets]

    def _secret_identity(self, ref: KeyVaultSecretRef) -> AnyUserAssignedIdentity:
        chosen = None if isinstance(ref.identity, str) else ref.identity  # a string: refused
        identity = chosen or self.pull_identity or self.runtime_identity
        assert identity is not None  # else _validate refused the reference
        return identity

    def _key_vault_secret(self, ref: KeyVaultSecretRef) -> container_app.ContainerAppSecret:
        identity = self._secret_identity(ref)
        # Container Apps reads the secret when it creates the app, and refuses
        # the app if it cannot (docs/first-deploy.md).
        self._needs_at_create(
            grant_secret_read(
                identity,
                ref.vault,
                ref.secret_name,
                f"Container app '{self.props.name}' reads Key Vault reference '{ref.name}'",
            )
        )
        return container_app.ContainerAppSecret(
            name=ref.name,
            key_vault_secret_id=ref.key_vault_secret_id,
            identity=identity.resource_id,
        )

    # Identity lifecycle (azapi) ---------------------------------------------
    def _lifecycles(
        self, props: ContainerAppWithIdentityProps
    ) -> list[list[AnyUserAssignedIdentity | str]]:
        """[identity or "system", lifecycle] pairs with the defaults applied. Keyed by
        object, not resource ID: every read of a resource ID is a fresh token."""
        lifecycles: list[list[AnyUserAssignedIdentity | str]] = []

        def put(
            identity: AnyUserAssignedIdentity | str, lifecycle: str, override: bool = True
        ) -> None:
            for entry in lifecycles:
                if entry[0] is identity or entry[0] == identity == "system":
                    if override:
                        entry[1] = lifecycle
                    return
            lifecycles.append([identity, lifecycle])

        if self.pull_identity is not None:
            put(self.pull_identity, "None")
        for identity in self._secret_identities:
            put(identity, "None", override=False)
        if self.runtime_identity is not None:
            put(self.runtime_identity, "Main")
        for setting in props.identity_settings:
            put(setting.identity, setting.lifecycle)
            if setting.lifecycle == "Init":
                Annotations.of(self).add_warning(
                    "[identity-lifecycle-init] An identity with lifecycle 'Init' is available to "
                    "init containers only in workload-profile consumption environments."
                )
        return lifecycles

    def lifecycle_of(self, identity: AnyUserAssignedIdentity | Literal["system"]) -> str:
        """The lifecycle in effect for an attached identity (Azure's default: All)."""
        for entry, lifecycle in self.lifecycles:
            if entry is identity:
                return cast(str, lifecycle)  # the pair's second item
        return "All"

    def _identity_settings_action(self) -> AzapiResourceAction | None:
        settings = [
            {
                "identity": "system" if isinstance(identity, str) else identity.resource_id,
                "lifecycle": lifecycle,
            }
            for identity, lifecycle in self.lifecycles
        ]
        if not settings:
            return None
        # A PATCH touches only identitySettings; a full PUT (azapi_update_resource)
        # would resend the app without its secrets and break them.
        return AzapiResourceAction(
            self,
            "identity-settings",
            resource_type=CONTAINER_APPS_API,
            resource_id=self.resource.id,
            body={"properties": {"configuration": {"identitySettings": settings}}},
            depends_on=[self.resource],
        )

    # Identity-authenticated queue scale rules (azapi) ------------------------
    def _queue_scale_rules_action(
        self, rules: Sequence[QueueScaleRule]
    ) -> AzapiResourceAction | None:
        if not rules:
            return None
        body_rules: list[dict[str, Any]] = []
        native_rules: list[container_app.ContainerAppTemplateCustomScaleRule] = []
        grants: list[Grant] = []
        for rule in rules:
            system = rule.identity == "system"
            user = (
                None if isinstance(rule.identity, str) else rule.identity or self.runtime_identity
            )
            identity = self.system_assigned_identity if system else user
            assert identity is not None  # else _validate refused the rule
            identity_key = "system" if user is None else user.resource_id
            result = ensure_grant(
                identity,
                STORAGE_QUEUE_DATA_READER,
                rule.queue,
                f"KEDA scale rule '{rule.name}' of '{self.props.name}' reads queue length",
            )
            if result is not None:  # None: granted outside this stack
                grants.append(result)
                if not system:  # a system-assigned grant can only follow the app
                    result.apply_before(self.resource)
            if SCALE_RULE_IDENTITY_NATIVE:
                native_rules.append(
                    container_app.ContainerAppTemplateCustomScaleRule(
                        name=rule.name,
                        custom_rule_type="azure-queue",  # the KEDA scaler azureQueue runs
                        metadata={
                            "accountName": rule.account_name,
                            "queueName": rule.queue_name,
                            "queueLength": str(rule.queue_length),
                        },
                        **scale_rule_identity(identity_key),
                    )
                )
                continue
            body_rules.append(
                {
                    "name": rule.name,
                    "azureQueue": {
                        "accountName": rule.account_name,
                        "queueName": rule.queue_name,
                        "queueLength": rule.queue_length,
                        "identity": identity_key,
                    },
                }
            )
        if native_rules:  # azurerm 5: the app carries the rules, no PATCH needed
            self.resource.template.put_custom_scale_rule(native_rules)
            return None
        # azurerm 4.55 cannot express these rules: it must not plan them away,
        # and every azurerm update of the app rewrites the template, so the
        # PATCH is replaced (re-run) whenever the app changes.
        self.resource.lifecycle = TerraformResourceLifecycle(
            ignore_changes=["template[0].azure_queue_scale_rule"]
        )
        after = [self.resource] + (
            [self.identity_settings_action] if self.identity_settings_action else []
        )
        return AzapiResourceAction(
            self,
            "queue-scale-rules",
            resource_type=CONTAINER_APPS_API,
            resource_id=self.resource.id,
            body={
                "properties": {
                    "template": {
                        "scale": {
                            "minReplicas": self.props.min_replicas,
                            "maxReplicas": self.props.max_replicas,
                            "rules": body_rules,
                        }
                    }
                }
            },
            depends_on=after + [g.role_assignment for g in grants],
            replace_triggered_by=[self.resource],
        )

    # Dapr -------------------------------------------------------------------
    def _dapr_block(self) -> container_app.ContainerAppDapr | None:
        dapr = self.props.dapr
        if dapr is None:
            return None
        return container_app.ContainerAppDapr(
            app_id=dapr.app_id, app_port=dapr.app_port, app_protocol=dapr.app_protocol
        )

    def add_dapr_blob_state_store(
        self,
        component_name: str,
        *,
        container_app_environment_id: str,
        account_name: str,
        container_name: str,
        container: GrantTarget,
        identity: AnyUserAssignedIdentity | None = None,
    ) -> container_app_environment_dapr_component.ContainerAppEnvironmentDaprComponent:
        """A `state.azure.blobstorage` component that authenticates with a user-assigned
        identity (`azureClientId`, no account key), scoped to this app's Dapr app ID,
        with Storage Blob Data Contributor on the one container."""
        path = child_path(self, f"dapr-{component_name}")
        if self.props.dapr is None:
            raise KitValidationError(
                path,
                "dapr-not-enabled",
                "A Dapr component was added to an app without Dapr.",
                "Set dapr=DaprSpec(app_id=...) in the app's props.",
            )
        identity = identity or self.runtime_identity
        if identity is None or not any(identity is seen for seen in self.identities.user_assigned):
            raise KitValidationError(
                path,
                "dapr-identity",
                "The Dapr component needs a user-assigned identity attached to the app "
                "(its client ID goes into azureClientId).",
                "Set runtime_identity on the app, or pass one of its user-assigned identities.",
            )
        check_argument(path, DAPR_COMPONENT_NAME, component_name)
        result = ensure_grant(
            identity,
            STORAGE_BLOB_DATA_CONTRIBUTOR,
            container,
            f"Dapr state store '{component_name}' of '{self.props.name}'",
        )
        granted = [result.role_assignment] if result is not None else []  # None: made elsewhere
        component = container_app_environment_dapr_component.ContainerAppEnvironmentDaprComponent(
            self,
            f"dapr-{component_name}",
            name=component_name,
            container_app_environment_id=container_app_environment_id,
            component_type="state.azure.blobstorage",
            version="v1",
            scopes=[self.props.dapr.app_id],
            metadata=[
                _dapr_metadata("accountName", account_name),
                _dapr_metadata("containerName", container_name),
                _dapr_metadata("azureClientId", identity.client_id),
            ],
            depends_on=construction_depends_on(granted),
        )
        given_at_construction(component, granted)
        # The sidecar loads the component when a revision starts: the app waits
        # for the component and, through its propagation wait, for the grant.
        add_depends_on(self.resource, [component])
        if result is not None:
            self._needs_at_create_later(result)
        return component


def _dapr_metadata(
    name: str, value: str
) -> container_app_environment_dapr_component.ContainerAppEnvironmentDaprComponentMetadata:
    return container_app_environment_dapr_component.ContainerAppEnvironmentDaprComponentMetadata(
        name=name, value=value
    )


def _validate(path: str | ChildPath, props: ContainerAppWithIdentityProps) -> None:
    check_name(CONTAINER_APP, props.name, path)
    enforce(path, props)
    check_pull_props(path, props)
    if props.registry is not None:
        specs = (*props.containers, *props.init_containers)
        check_image_registry(path, props.registry.login_server, {s.name: s.image for s in specs})
    _validate_identity_features(path, props)
    if not props.containers:
        raise KitValidationError(
            path,
            "containers-missing",
            "The app has no containers.",
            "Add at least one ContainerSpec.",
        )
    secret_names = {ref.name for ref in props.key_vault_secrets}
    for spec in (*props.containers, *props.init_containers):
        for variable, secret in spec.secret_env.items():
            if secret not in secret_names:
                raise KitValidationError(
                    path,
                    "unknown-secret-ref",
                    f"Container '{spec.name}' maps {variable} to secret '{secret}', which the app "
                    "does not define.",
                    f"Add a KeyVaultSecretRef named '{secret}', "
                    f"or use one of {sorted(secret_names)}.",
                )
        if not isinstance(spec.image, str) or not spec.image.strip():
            raise KitValidationError(
                path,
                "image-empty",
                f"Container '{spec.name}' has an empty image.",
                "Set image to a full reference such as '<registry>.azurecr.io/api:1.0.0'.",
            )
        refuse_client_id_override(
            path,
            "azure-client-id-conflict",
            f"Container '{spec.name}'",
            spec.env,
            props.runtime_identity,
        )


def _refuse(path: str | ChildPath, rule_id: str, problem: str, fix: str) -> None:
    raise KitValidationError(path, rule_id, problem, fix)


def _validate_identity_features(
    path: str | ChildPath, props: ContainerAppWithIdentityProps
) -> None:
    platform_default = props.pull_identity is not None or props.registry is not None
    seen: set[str] = set()
    for ref in props.key_vault_secrets:
        if ref.name in seen:
            _refuse(
                path,
                "secret-name",
                f"Secret name '{ref.name}' is used twice.",
                "Give each Key Vault reference its own name.",
            )
        seen.add(ref.name)
        if is_system(ref.identity):
            _refuse(
                path,
                "keyvault-ref-system-assigned",
                f"Key Vault reference '{ref.name}' would be read by the system-assigned "
                "identity, which cannot be granted Key Vault Secrets User before the app "
                "exists, so the first revision fails to start.",
                "Leave identity unset (the pull identity is used) or pass a user-assigned one.",
            )
        if ref.identity is None and not platform_default and props.runtime_identity is None:
            _refuse(
                path,
                "keyvault-ref-no-identity",
                f"Key Vault reference '{ref.name}' has no user-assigned identity to read it.",
                "Set registry (a pull identity is created), runtime_identity, or identity.",
            )
    for setting in props.identity_settings:
        if setting.identity == "system" and not props.system_assigned:
            _refuse(
                path,
                "identity-lifecycle-system",
                "A lifecycle is set for the system-assigned identity, but the app has none.",
                "Set system_assigned=True or drop the setting.",
            )
    for rule in props.queue_scale_rules:
        if rule.identity == "system" and not props.system_assigned:
            _refuse(
                path,
                "scale-rule-system-identity",
                f"Scale rule '{rule.name}' uses the system-assigned identity, but the app "
                "has none.",
                "Set system_assigned=True, or use a user-assigned identity.",
            )
        if rule.identity is None and props.runtime_identity is None:
            _refuse(
                path,
                "scale-rule-no-identity",
                f"Scale rule '{rule.name}' has no identity; it is never authenticated by a "
                "connection string.",
                "Set runtime_identity on the app or identity on the rule.",
            )
