"""What web apps and function apps share: the Linux plan, site settings that
leave no publishing credential and no plain-HTTP path, Key Vault references
resolved by a user-assigned identity, and the app settings the construct owns.

`LinuxSiteBase` builds one site (`resource`) on the workload identity core
(workload_identity.py); web_app.py and function_app.py say what differs.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Generic, Literal, Protocol, TypeVar

from ._cdktf import Construct
from .azurerm import (
    function_app_flex_consumption,
    linux_function_app,
    linux_web_app,
    service_plan,
)
from .constraints import (
    CrossField,
    Format,
    OneOf,
    Range,
    azure,
    checked,
    constrained,
    cross_field,
    enforce,
    is_unknown,
    provider,
)
from .constraints.common import (
    ResourceId,
    duration,
    secret_name_mismatch,
    secret_uri,
    subnet_id,
    vault_mismatch,
)
from .errors import ChildPath, KitValidationError, child_path, remember_path
from .identity import AnyUserAssignedIdentity, GrantTarget, ManagedIdentities, ResourceProps
from .naming import APP_SERVICE, SERVICE_PLAN, check_name
from .workload_identity import (
    WorkloadIdentityMixin,
    grant_secret_read,
    is_system,
    refuse_client_id_override,
)

LINUX_CONSUMPTION_SKUS = ("Y1",)
"""Linux Consumption: needs an Azure Files content share, which only works with a key."""
FLEX_CONSUMPTION_SKUS = ("FC1",)
ELASTIC_PREMIUM_SKUS = ("EP1", "EP2", "EP3")
FREE_AND_SHARED_SKUS = ("F1", "D1")
"""No Always On (and no custom containers on F1): the kit's default always_on is refused."""
MINIMUM_TLS_VERSION = "1.2"
# Every SKU azurerm 4.55 knows (helpers/service_plan.go): basic, standard, consumption,
# elastic, flex consumption, free, isolated, premium, shared, workflow.
PLAN_SKUS = (
    *("B1", "B2", "B3", "S1", "S2", "S3", "Y1", "EP1", "EP2", "EP3", "FC1", "F1"),
    *("I1", "I2", "I3", "I1v2", "I2v2", "I3v2", "I4v2", "I5v2", "I6v2"),
    *("I1mv2", "I2mv2", "I3mv2", "I4mv2", "I5mv2"),
    *("P1v2", "P2v2", "P3v2", "P0v3", "P1v3", "P2v3", "P3v3"),
    *("P1mv3", "P2mv3", "P3mv3", "P4mv3", "P5mv3", "P0v4", "P1v4", "P2v4", "P3v4"),
    *("P1mv4", "P2mv4", "P3mv4", "P4mv4", "P5mv4", "D1", "SHARED", "WS1", "WS2", "WS3"),
)
PLAN_SKU = OneOf(
    "app-plan-sku",
    provider(
        "internal/services/appservice/service_plan_resource.go",
        "sku_name StringInSlice(helpers.AllKnownServicePlanSkus())",
    ),
    values=PLAN_SKUS,
)
ZONE_REDUNDANT_PREFIXES = ("P", "I", "EP")
"""Zone balancing: Premium v2/v3/v4, Isolated v2 and Elastic Premium plans."""
_ZONES = azure("https://learn.microsoft.com/azure/reliability/reliability-app-service")
_VNET_INTEGRATION = azure(
    "https://learn.microsoft.com/azure/app-service/overview-vnet-integration"
    "#regional-virtual-network-integration"
)
NO_VNET_INTEGRATION_SKUS = ("F1", "D1", "SHARED", "Y1")
"""Free, Shared and Linux Consumption plans have no regional VNet integration."""
SITE_SUBNET_ID = subnet_id(
    "app-vnet-subnet-id",
    provider(
        "internal/services/appservice/linux_web_app_resource.go",
        "virtual_network_subnet_id commonids.ValidateSubnetID",
    ),
)
HEALTH_CHECK_PATH = Format(
    "app-health-check-path",
    azure("https://learn.microsoft.com/azure/app-service/monitor-instances-health-check"),
    pattern=re.compile(r"^/\S*$"),
    description="a path on the app starting with '/', e.g. '/healthz'",
)
WAIT = duration("wait-duration")


class SiteProps(ResourceProps, Protocol):
    """The props fields `LinuxSiteBase` and SITE_RULES read: what the props of a web app
    and of a function app share."""

    @property
    def name(self) -> str: ...
    @property
    def service_plan(self) -> ServicePlanRef | LinuxServicePlan: ...
    @property
    def runtime_identity(self) -> AnyUserAssignedIdentity | None: ...
    @property
    def system_assigned(self) -> bool: ...
    @property
    def user_assigned(self) -> Sequence[AnyUserAssignedIdentity]: ...
    @property
    def app_settings(self) -> Mapping[str, str]: ...
    @property
    def key_vault_references(self) -> Sequence[AppKeyVaultReference]: ...
    @property
    def key_vault_reference_identity(self) -> IdentityChoice: ...
    @property
    def public_network_access_enabled(self) -> bool: ...
    @property
    def virtual_network_subnet_id(self) -> str | None: ...
    @property
    def vnet_route_all_enabled(self) -> bool: ...
    @property
    def always_on(self) -> bool: ...
    @property
    def health_check_path(self) -> str | None: ...


SitePropsT = TypeVar("SitePropsT", bound=SiteProps)
SiteResource = (
    linux_web_app.LinuxWebApp
    | linux_function_app.LinuxFunctionApp
    | function_app_flex_consumption.FunctionAppFlexConsumption
)
"""The resource a Linux site is."""


def _plan_sku(props: SiteProps) -> str | None:
    sku = plan_ref(props.service_plan).sku_name
    return None if is_unknown(sku) else sku


def _always_on(props: SiteProps) -> str | None:
    sku = _plan_sku(props)
    if props.always_on and sku in FREE_AND_SHARED_SKUS:
        return f"Always On is not available on the {sku} plan."
    return None


def _vnet_integration(props: SiteProps) -> str | None:
    sku = _plan_sku(props)
    if props.virtual_network_subnet_id is not None and sku in NO_VNET_INTEGRATION_SKUS:
        return f"the {sku} plan has no VNet integration (virtual_network_subnet_id)."
    return None


SITE_RULES = (
    CrossField(
        "app-always-on-sku",
        azure(
            "https://learn.microsoft.com/azure/app-service/configure-common#configure-general-settings"
        ),
        fields=("always_on", "service_plan"),
        description="Always On only on Basic or higher plans (not F1, D1)",
        test=_always_on,
        how="Use a Basic or higher plan (B1, P0v3, ...), or set always_on=False.",
    ),
    CrossField(
        "app-vnet-integration-sku",
        _VNET_INTEGRATION,
        fields=("virtual_network_subnet_id", "service_plan"),
        description="VNet integration only on Basic or higher, Elastic Premium and Flex "
        "Consumption plans (not F1, D1, Y1)",
        test=_vnet_integration,
        how="Use a Basic or higher plan (B1, P0v3, ...), or drop virtual_network_subnet_id.",
    ),
)
"""Rules every Linux site's props share (web_app.py, function_app.py)."""
_SETTING_NAME = re.compile(r"^[A-Za-z0-9_.:-]+$")
_KEY_MARKERS = re.compile(r"AccountKey=|SharedAccessSignature=|[?&]sig=", re.IGNORECASE)


@dataclass(frozen=True)
class ServicePlanRef:
    """An App Service plan: the kit decides and refuses hosting models by its SKU."""

    resource_id: str = field(
        metadata=constrained(
            ResourceId(
                "app-service-plan-id",
                provider(
                    "internal/services/appservice/linux_web_app_resource.go",
                    "service_plan_id commonids.ValidateAppServicePlanID",
                ),
                namespace="Microsoft.Web",
                types=("serverFarms",),
            )
        )
    )
    """Resource ID of an existing Linux App Service plan."""
    sku_name: str = field(
        metadata=constrained(
            OneOf(
                "app-plan-sku",
                azure("https://learn.microsoft.com/azure/app-service/overview-hosting-plans"),
                values=PLAN_SKUS,
            )
        )
    )
    """The plan's SKU as Azure names it, e.g. 'B1', 'P0v3', 'P1v3', 'FC1' (the kit decides
    by it; it never reaches Terraform, so the provider's list does not check it here)."""


def _zone_balancing(props: LinuxServicePlanProps) -> str | None:
    sku, workers = props.sku_name, props.worker_count
    if not props.zone_balancing_enabled or is_unknown(sku) or is_unknown(workers):
        return None
    if not sku.startswith(ZONE_REDUNDANT_PREFIXES):
        return f"zone balancing is not available on {sku}."
    if workers is not None and workers < 2:
        return f"zone balancing needs 2 or more instances; worker_count is {workers}."
    return None


@cross_field(
    CrossField(
        "app-plan-zone-balancing",
        _ZONES,
        fields=("zone_balancing_enabled", "sku_name", "worker_count"),
        description="zone balancing only on Premium v2-v4, Isolated v2 and Elastic Premium "
        "plans, with 2 or more instances",
        test=_zone_balancing,
        how="Use a Premium plan (P0v3, P1v3, ...) with worker_count >= 2, or turn zone "
        "balancing off.",
    )
)
@dataclass(frozen=True)
class LinuxServicePlanProps:
    name: str
    """Azure name: 1-60 letters, digits and '-'. Convention: `asp-<workload>-<env>`."""
    resource_group_name: str
    """Resource group of the plan."""
    location: str
    """Azure region of the plan; the apps on it run there too."""
    sku_name: str = checked(PLAN_SKU, default="P0v3")
    """Dedicated SKUs (B1-B3, S1-S3, P0v3-P3mv3, ...) or FC1 (Flex Consumption). Y1 (Linux
    Consumption) and EP1-EP3 are refused by FunctionAppWithIdentity. Default: P0v3."""
    worker_count: int | None = checked(
        Range(
            "app-plan-workers",
            provider("internal/services/appservice/service_plan_resource.go", "IntAtLeast(1)"),
            low=1,
        ),
        default=None,
    )
    """Instances, 1 or more. Default: Azure's (1)."""
    zone_balancing_enabled: bool = False
    """Spread instances over availability zones (Premium v3, 2+ workers). Default: off."""
    tags: Mapping[str, str] = field(default_factory=dict)
    """Tags on the plan. Default: none."""


class LinuxServicePlan(Construct):
    """`azurerm_service_plan` with `os_type = "Linux"`."""

    def __init__(self, scope: Construct, construct_id: str, props: LinuxServicePlanProps) -> None:
        path = child_path(scope, construct_id)
        check_name(SERVICE_PLAN, props.name, path)
        enforce(path, props)
        super().__init__(scope, construct_id)
        self.resource = service_plan.ServicePlan(
            self,
            "plan",
            name=props.name,
            resource_group_name=props.resource_group_name,
            location=props.location,
            os_type="Linux",
            sku_name=props.sku_name,
            worker_count=props.worker_count,
            zone_balancing_enabled=props.zone_balancing_enabled or None,
            tags=dict(props.tags) or None,
        )
        self.ref = ServicePlanRef(resource_id=self.resource.id, sku_name=props.sku_name)


def plan_ref(plan: ServicePlanRef | LinuxServicePlan) -> ServicePlanRef:
    return plan.ref if isinstance(plan, LinuxServicePlan) else plan


def _reference_mismatch(ref: AppKeyVaultReference) -> str | None:
    return vault_mismatch(ref.secret_uri, ref.vault.resource_id) or secret_name_mismatch(
        ref.secret_uri, ref.secret_name
    )


@cross_field(
    CrossField(
        "keyvault-secret-vault",
        azure("https://learn.microsoft.com/azure/app-service/app-service-key-vault-references"),
        fields=("secret_uri", "vault", "secret_name"),
        description="the vault and secret the URI names, when both are literals",
        test=_reference_mismatch,
        how="Pass the vault (and secret_name) the URI names, or fix the URI.",
    )
)
@dataclass(frozen=True)
class AppKeyVaultReference:
    """An app setting whose value App Service reads from Key Vault
    (`@Microsoft.KeyVault(SecretUri=...)`) with the app's Key Vault reference identity."""

    setting: str
    """App setting name the code reads, e.g. 'API_CONFIG'."""
    secret_uri: str = field(
        metadata=constrained(
            secret_uri(
                "keyvault-secret-uri",
                azure(
                    "https://learn.microsoft.com/azure/app-service/app-service-key-vault-references"
                    "#understand-source-app-settings-from-key-vault"
                ),
            )
        )
    )
    """Versionless secret URI, e.g. f"{vault.vault_uri}secrets/api-config" (picks up rotations)."""
    vault: GrantTarget
    """The vault holding the secret (the vault the URI names)."""
    secret_name: str | None = None
    """Name of the secret in the vault: Key Vault Secrets User is then granted on that one
    secret; otherwise on the vault. Default: None (vault scope)."""


def key_vault_reference(secret_uri: str) -> str:
    return f"@Microsoft.KeyVault(SecretUri={secret_uri})"


def holds_key(value: object) -> bool:
    """A literal connection string or SAS that carries a key or signature."""
    return isinstance(value, str) and bool(_KEY_MARKERS.search(value))


class LinuxSiteBase(WorkloadIdentityMixin, Construct, Generic[SitePropsT]):
    """One Linux site with the kit's identity guarantees. Subclasses set
    `site_kind` and implement `_create_site`; they may extend `_validate`,
    `_prepare` (before the site: pulls, host-storage grants) and `_settings`.
    Generic in its props class (a SiteProps)."""

    site_kind = "app"
    reserved_settings: tuple[str, ...] = ()
    """Settings the construct writes itself (refused in app_settings)."""
    props: SitePropsT
    resource: SiteResource

    def __init__(self, scope: Construct, construct_id: str, props: SitePropsT) -> None:
        path = child_path(scope, construct_id)
        self._validate(path, props)
        super().__init__(scope, construct_id)
        remember_path(self, path)  # its pull identity's path, for the guard
        self.props = props
        self.plan = plan_ref(props.service_plan)
        self.runtime_identity: AnyUserAssignedIdentity | None = props.runtime_identity
        self._prepare(props)

        # Key Vault references are resolved by one user-assigned identity for the
        # whole app; it is granted before the app exists.
        reader = self.key_vault_reference_identity = self._reference_identity(props)
        self.key_vault_grants = [
            grant
            for grant in (
                grant_secret_read(
                    reader,
                    ref.vault,
                    ref.secret_name,
                    f"{self.site_kind.capitalize()} '{props.name}' resolves Key Vault "
                    f"reference '{ref.setting}'",
                )
                for ref in props.key_vault_references
                if reader is not None  # there is one when there are references (_validate)
            )
            if grant is not None  # None: granted outside this stack
        ]
        # App Service resolves them when the site starts; unresolved, a setting
        # keeps its literal `@Microsoft.KeyVault(...)` text until a refresh.
        self._needs_at_create(*self.key_vault_grants)
        self.identities = ManagedIdentities.of(
            props.system_assigned,
            self.pull_identity,
            self.runtime_identity,
            *props.user_assigned,
            self.key_vault_reference_identity,
            *self._platform_identities(),
        )
        # Every permission the site needs at start exists before it starts
        # (site_arguments gives it as depends_on).
        self.resource = self._create_site(props, self._app_settings(props))
        self._order_grants_before()
        self._attach_system_assigned(props.system_assigned)
        self._finish(props)

    # Hooks --------------------------------------------------------------------
    def _prepare(self, props: SitePropsT) -> None:
        """Before the site: grants the platform needs at start."""

    def _platform_identities(self) -> list[AnyUserAssignedIdentity]:
        return []

    def _settings(self, props: SitePropsT) -> dict[str, str]:
        """Settings the subclass writes (identity-based connections)."""
        return {}

    def _finish(self, props: SitePropsT) -> None:
        """After the site: what needs its ID or its system-assigned identity."""

    def _create_site(self, props: SitePropsT, app_settings: dict[str, str]) -> SiteResource:
        raise NotImplementedError

    # Shared pieces ----------------------------------------------------------------
    def _reference_identity(self, props: SitePropsT) -> AnyUserAssignedIdentity | None:
        chosen = props.key_vault_reference_identity
        if chosen is not None and not isinstance(chosen, str):  # a string: refused (_validate)
            return chosen
        if not props.key_vault_references:
            return None
        return self.runtime_identity or self.pull_identity

    def _app_settings(self, props: SitePropsT) -> dict[str, str]:
        settings = dict(props.app_settings)
        for ref in props.key_vault_references:
            settings[ref.setting] = key_vault_reference(ref.secret_uri)
        settings.update(self._settings(props))
        settings.update(self.runtime_env())
        return settings

    def site_arguments(self, props: SitePropsT, app_settings: Mapping[str, str]) -> dict[str, Any]:
        """Arguments every Linux site resource takes, the same for each: identity,
        Key Vault reference identity, no publishing credentials, HTTPS only."""
        return dict(
            name=props.name,
            resource_group_name=props.resource_group_name,
            location=props.location,
            service_plan_id=self.plan.resource_id,
            https_only=True,
            ftp_publish_basic_authentication_enabled=False,
            webdeploy_publish_basic_authentication_enabled=False,
            key_vault_reference_identity_id=(
                self.key_vault_reference_identity.resource_id
                if self.key_vault_reference_identity
                else None
            ),
            public_network_access_enabled=props.public_network_access_enabled,
            virtual_network_subnet_id=props.virtual_network_subnet_id,
            app_settings=dict(app_settings) or None,
            tags=dict(props.tags) or None,
            depends_on=self._startup_depends_on(self.identities.user_assigned),
        )

    def site_config_arguments(self, props: SitePropsT) -> dict[str, Any]:
        """site_config arguments every Linux site takes: no FTP(S), TLS 1.2 for app
        and SCM, HTTP/2, no remote debugging; with VNet integration, all outbound
        traffic through the VNet."""
        route_all = vnet_integrated(props) and props.vnet_route_all_enabled
        return dict(
            vnet_route_all_enabled=True if route_all else None,
            always_on=props.always_on,
            ftps_state="Disabled",
            minimum_tls_version=MINIMUM_TLS_VERSION,
            scm_minimum_tls_version=MINIMUM_TLS_VERSION,
            http2_enabled=True,
            remote_debugging_enabled=False,
            health_check_path=props.health_check_path,
            health_check_eviction_time_in_min=2 if props.health_check_path else None,
        )

    @property
    def default_hostname(self) -> str:
        return self.resource.default_hostname

    # Validation -----------------------------------------------------------------
    def _validate(self, path: str | ChildPath, props: SitePropsT) -> None:
        check_name(APP_SERVICE, props.name, path)
        enforce(path, props)
        enforce(path, plan_ref(props.service_plan), "service_plan.")
        if is_system(props.key_vault_reference_identity):
            raise KitValidationError(
                path,
                "keyvault-ref-system-assigned",
                "Key Vault references would be resolved by the system-assigned identity, which "
                "cannot be granted Key Vault Secrets User before the app exists, so the "
                "references fail when the app starts.",
                "Leave key_vault_reference_identity unset (the runtime identity is used) or pass "
                "a user-assigned identity.",
            )
        has_identity = (
            props.key_vault_reference_identity is not None
            or props.runtime_identity is not None
            or getattr(props, "registry", None) is not None
        )
        if props.key_vault_references and not has_identity:
            raise KitValidationError(
                path,
                "keyvault-ref-no-identity",
                "Key Vault references need a user-assigned identity to resolve them (App "
                "Service's default, the system-assigned identity, exists too late to be granted).",
                "Set runtime_identity or key_vault_reference_identity.",
            )
        _validate_settings(path, props, self.reserved_settings)


def vnet_integrated(props: SiteProps) -> bool:
    """The app has regional VNet integration (its outbound traffic leaves through a subnet)."""
    return props.virtual_network_subnet_id is not None


def _validate_settings(path: str | ChildPath, props: SiteProps, reserved: Sequence[str]) -> None:
    refuse_client_id_override(
        path, "azure-client-id-conflict", "app_settings", props.app_settings, props.runtime_identity
    )
    names = [ref.setting for ref in props.key_vault_references]
    for name in (*props.app_settings, *names):
        if not isinstance(name, str) or not _SETTING_NAME.match(name):
            raise KitValidationError(
                path,
                "app-setting-name",
                f"App setting name {name!r} is empty or has characters App Service refuses.",
                "Use letters, digits, '_', '.', ':' and '-'.",
            )
    for name in names:
        if name in props.app_settings or names.count(name) > 1:
            raise KitValidationError(
                path,
                "app-setting-name",
                f"App setting '{name}' is set twice (app_settings and/or a Key Vault reference).",
                "Keep one value per setting name.",
            )
    for name in reserved:
        if name in props.app_settings:
            raise KitValidationError(
                path,
                "app-setting-reserved",
                f"app_settings sets '{name}', which the construct writes itself.",
                f"Remove '{name}' from app_settings.",
            )


IdentityChoice = AnyUserAssignedIdentity | Literal["SystemAssigned"] | None
