"""A Linux web app whose image pulls, Key Vault references and runtime access go
through managed identities, with no publishing credentials."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from ._cdktf import is_token
from .acr_pull_binding import RegistryRef
from .app_service import (
    ELASTIC_PREMIUM_SKUS,
    FLEX_CONSUMPTION_SKUS,
    HEALTH_CHECK_PATH,
    LINUX_CONSUMPTION_SKUS,
    SITE_RULES,
    SITE_SUBNET_ID,
    WAIT,
    AppKeyVaultReference,
    IdentityChoice,
    LinuxServicePlan,
    LinuxSiteBase,
    ServicePlanRef,
    plan_ref,
    vnet_integrated,
)
from .azurerm import container_registry, linux_web_app
from .constraints import CrossField, Range, azure, checked, cross_field, provider
from .errors import ChildPath, KitValidationError
from .identity import AnyUserAssignedIdentity
from .workload_identity import check_pull_props

FUNCTIONS_ONLY_SKUS = (*LINUX_CONSUMPTION_SKUS, *FLEX_CONSUMPTION_SKUS, *ELASTIC_PREMIUM_SKUS)


def _functions_only(props: WebAppWithIdentityProps) -> str | None:
    sku = plan_ref(props.service_plan).sku_name
    if sku in FUNCTIONS_ONLY_SKUS:
        return f"the {sku} plan hosts function apps only; a web app cannot run on it."
    return None


@cross_field(
    CrossField(
        "app-plan-functions-only",
        azure("https://learn.microsoft.com/azure/azure-functions/functions-scale"),
        fields=("service_plan",),
        description="a web app on a Dedicated plan, not on Y1, FC1 or EP1-EP3 (functions only)",
        test=_functions_only,
        how="Put the web app on a Dedicated plan (B1, S1, P0v3, P1v3, ...).",
    ),
    *SITE_RULES,
)
@dataclass(frozen=True)
class WebAppWithIdentityProps:
    name: str
    """Azure name: 2-60 letters, digits and '-'. Convention: `app-<workload>-<purpose>-<env>`."""
    resource_group_name: str
    """Resource group of the app and of the identities the construct creates."""
    location: str
    """Location of the app and of identities the construct creates (the plan's region)."""
    service_plan: ServicePlanRef | LinuxServicePlan
    """The Linux plan the app runs on."""
    image: str | None = None
    """Repository and tag in `registry`, without the registry host, e.g. 'web:1.0.0'
    (`application_stack.docker_image_name`). Default: none (a code app)."""
    registry: RegistryRef | container_registry.ContainerRegistry | None = None
    """ACR to pull `image` from (`docker_registry_url` is its https login server). Default: none."""
    pull_identity: IdentityChoice = None
    """Identity for image pulls; App Service gets its *client* ID. Default: a new identity
    `id-<name>-pull` used for nothing else. A system-assigned identity is refused, as for
    container apps: it cannot be granted AcrPull before the app's first pull."""
    pull_identity_name: str | None = None
    """Azure name of the pull identity when the construct creates it. Default: `id-<name>-pull`."""
    runtime_identity: AnyUserAssignedIdentity | None = None
    """Identity the code uses; its client ID becomes the AZURE_CLIENT_ID app setting, and
    grant() targets it (ordered before the app). Default: none."""
    system_assigned: bool = False
    """Also give the app a system-assigned identity (granted only after the app exists).
    Default: off."""
    user_assigned: Sequence[AnyUserAssignedIdentity] = ()
    """Further user-assigned identities to attach. Default: none."""
    app_settings: Mapping[str, str] = field(default_factory=dict)
    """Plain settings: endpoints and names, never credentials. Default: none."""
    key_vault_references: Sequence[AppKeyVaultReference] = ()
    """Settings read from Key Vault by identity. Default: none."""
    key_vault_reference_identity: IdentityChoice = None
    """The one identity that resolves *every* Key Vault reference of the app
    (`key_vault_reference_identity_id`, a resource ID). Default: the runtime identity, else
    the pull identity. The system-assigned identity is refused: it exists too late."""
    public_network_access_enabled: bool = True
    """Reachable from the internet; follow the environment's network design. Default: on."""
    virtual_network_subnet_id: str | None = checked(SITE_SUBNET_ID, default=None)
    """Regional VNet integration: the app's outbound traffic leaves through this subnet
    (delegated to Microsoft.Web/serverFarms, /28 or larger, used by this one plan), so it
    reaches private endpoints through the VNet's private DNS zones. Default: none."""
    vnet_route_all_enabled: bool = True
    """With virtual_network_subnet_id: route *all* outbound traffic into the VNet, not only
    private (RFC 1918) addresses, so NSGs and the NAT gateway apply to all of it
    (`site_config.vnet_route_all_enabled`). Default: on."""
    vnet_image_pull_enabled: bool = True
    """With virtual_network_subnet_id and a registry: pull the image through the VNet
    (`vnet_image_pull_enabled`), as a registry with public access off requires. Default: on."""
    always_on: bool = True
    """Keep the app loaded (not available on F1/D1). Default: on."""
    health_check_path: str | None = checked(HEALTH_CHECK_PATH, default=None)
    """Path App Service probes, e.g. '/healthz'; unhealthy instances are replaced after
    2 minutes. Default: none."""
    propagation_wait: str | None = checked(WAIT, default=None)
    """How long the app waits after the grants App Service uses to start it (AcrPull, Key
    Vault references) are made, before it is created: a duration such as '90s' or '2m', '0s'
    for no wait. Default: the `azure-identity-kit:propagation-wait` context value, else 120s
    (docs/concepts.md)."""
    log_retention_days: int = checked(
        Range(
            "app-log-retention",
            provider(
                "internal/services/appservice/helpers/common_web_app_schema.go",
                "http_logs file_system retention_in_days IntAtLeast(0)",
            ),
            low=0,
        ),
        default=7,
    )
    """Days HTTP logs stay on the app's file system (35 MB cap), 0 (no limit) or more.
    Default: 7."""
    tags: Mapping[str, str] = field(default_factory=dict)
    """Tags on the app and on identities it creates. Default: none."""


class WebAppWithIdentity(LinuxSiteBase[WebAppWithIdentityProps]):
    """`azurerm_linux_web_app` on a given plan.

    A container image is pulled by a user-assigned identity that holds AcrPull on
    the one registry (`site_config.container_registry_use_managed_identity` with
    that identity's client ID), and the app `depends_on` the grant. Key Vault
    references are resolved by a user-assigned identity granted Key Vault Secrets
    User before the app exists. FTP and Web Deploy basic authentication are off,
    HTTPS only, TLS 1.2 for the app and its SCM site, FTPS disabled.
    """

    site_kind = "web app"
    no_identity_problem = "The web app has no runtime identity to grant a role to."

    def _prepare(self, props: WebAppWithIdentityProps) -> None:
        if props.registry is not None:
            self._bind_pull(props)

    def _create_site(
        self, props: WebAppWithIdentityProps, app_settings: dict[str, str]
    ) -> linux_web_app.LinuxWebApp:
        site_config: dict[str, Any] = self.site_config_arguments(props)
        puller = self.pull_identity  # set with pull_registry (_bind_pull)
        if self.pull_registry is not None and puller is not None:
            site_config.update(
                container_registry_use_managed_identity=True,
                container_registry_managed_identity_client_id=puller.client_id,
                application_stack=linux_web_app.LinuxWebAppSiteConfigApplicationStack(
                    docker_image_name=props.image,
                    docker_registry_url=f"https://{self.pull_registry.login_server}",
                ),
            )
        # A registry behind a private endpoint is reached only through the VNet.
        image_over_vnet = (
            vnet_integrated(props)
            and self.pull_registry is not None
            and props.vnet_image_pull_enabled
        )
        return linux_web_app.LinuxWebApp(
            self,
            "app",
            **self.site_arguments(props, app_settings),
            vnet_image_pull_enabled=True if image_over_vnet else None,
            identity=self.identities.render(linux_web_app.LinuxWebAppIdentity),
            site_config=linux_web_app.LinuxWebAppSiteConfig(**site_config),
            # HTTP logs, detailed errors and failed-request traces on the app's own file
            # system: diagnosable without a storage account (a blob sink needs a SAS URL).
            logs=linux_web_app.LinuxWebAppLogs(
                detailed_error_messages=True,
                failed_request_tracing=True,
                http_logs=linux_web_app.LinuxWebAppLogsHttpLogs(
                    file_system=linux_web_app.LinuxWebAppLogsHttpLogsFileSystem(
                        retention_in_days=props.log_retention_days, retention_in_mb=35
                    )
                ),
            ),
        )

    def _validate(self, path: str | ChildPath, props: WebAppWithIdentityProps) -> None:
        check_pull_props(path, props)
        if (props.image is None) != (props.registry is None):
            raise KitValidationError(
                path,
                "app-image-registry",
                "A web app container needs both an image and the registry it is pulled from.",
                "Set image='<repository>:<tag>' and registry together, or neither.",
            )
        registry = props.registry
        over_vnet = vnet_integrated(props) and props.vnet_image_pull_enabled
        if isinstance(registry, RegistryRef) and registry.network_restricted and not over_vnet:
            raise KitValidationError(
                path,
                "app-private-registry-pull",
                "The registry's public network access is off (it has a private endpoint), and "
                "App Service pulls the image over the internet unless the app is integrated "
                "with the VNet and pulls through it, so the pull would fail.",
                "Set virtual_network_subnet_id (a subnet delegated to Microsoft.Web/serverFarms "
                "in the registry's VNet) and leave vnet_image_pull_enabled on.",
            )
        image = props.image
        if isinstance(image, str) and not is_token(image):
            first = image.split("/", 1)[0]
            if not image.strip() or ("/" in image and ("." in first or ":" in first)):
                raise KitValidationError(
                    path,
                    "app-image-host",
                    f"'{image}' is empty or names a registry host; App Service takes the host "
                    "separately (docker_registry_url, from the registry).",
                    "Pass only '<repository>:<tag>', e.g. 'web:1.0.0'.",
                )
        super()._validate(path, props)
