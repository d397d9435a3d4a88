"""Fast access to the azurerm provider bindings of the loaded toolchain.

cdktf (the default): `cdktf-cdktf-provider-azurerm` 14.23.1, azurerm 4.55.0.
cdktn (the fork): `cdktn-provider-azurerm` 18.9.0, azurerm 5.10.0. Both packages
have the same submodule and class names; what azurerm 5 changed in the fields
the kit writes is handled by the constructs through AZURERM_MAJOR (docs/toolchains.md).

`import cdktf_cdktf_provider_azurerm` runs a package `__init__` that imports all
~1,500 resource submodules (about 6 s and 400 MB) although each submodule needs
only the package's `_jsii` module. Before the first import we register a light
parent package instead: the same `__path__`, no eager imports, and a PEP 562
`__getattr__` that imports any submodule on first attribute access. Code that
imports the provider package directly therefore keeps working, and the
synthesized JSON is byte-identical (tests/test_fast_import.py). The fork's
package is lazy like this by itself, so it is used as it is.

Turn it off with AZURE_IDENTITY_KIT_EAGER_PROVIDER=1; if the real package was
imported first, it is used as it is.
"""

import importlib
import importlib.util
import os
import pkgutil
import sys
import types
from typing import Any

# _cdktf first: it starts jsii's Node kernel, which then loads the provider's
# JavaScript lazily too (see _cdktf.py); tune_bindings caches type hints.
from ._cdktf import CDKTN, EAGER_ENV, TOOLCHAIN, tune_bindings

PACKAGE = {"cdktf": "cdktf_cdktf_provider_azurerm", "cdktn": "cdktn_provider_azurerm"}[TOOLCHAIN]
# The azurerm provider major version the bindings are generated for.
AZURERM_MAJOR = {"cdktf": 4, "cdktn": 5}[TOOLCHAIN]


def _install_light_parent() -> None:
    if (
        TOOLCHAIN != "cdktf"
        or PACKAGE in sys.modules
        or os.environ.get(EAGER_ENV, "") not in ("", "0")
    ):
        return
    spec = importlib.util.find_spec(PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        return
    parent = importlib.util.module_from_spec(spec)
    search_path = list(spec.submodule_search_locations)

    def __getattr__(name: str) -> types.ModuleType:
        if name.startswith("__"):
            raise AttributeError(name)
        try:
            module = importlib.import_module(f"{PACKAGE}.{name}")
        except ModuleNotFoundError as missing:
            raise AttributeError(f"module {PACKAGE!r} has no attribute {name!r}") from missing
        tune_bindings(module)
        return module

    # A module's attributes are its __dict__ (PEP 562 looks __getattr__ up there too).
    vars(parent).update(
        __all__=sorted(
            info.name for info in pkgutil.iter_modules(search_path) if not info.name.startswith("_")
        ),
        __getattr__=__getattr__,
        __azure_identity_kit_light__=True,  # what an import changed (docs/using.md)
    )
    sys.modules[PACKAGE] = parent


_install_light_parent()
# The loaded provider package under one name (docs/using.md, what importing the kit changes).
sys.modules[f"{__name__}_bindings"] = importlib.import_module(PACKAGE)

# Only what the kit uses. Adding a resource type means adding one line to each list (the
# two toolchains' packages; `make lint` and `make lint CDK=cdktn` check each against its
# bindings) and to __all__.
if CDKTN:
    from cdktn_provider_azurerm import (
        container_app,
        container_app_environment,
        container_app_environment_dapr_component,
        container_group,
        container_registry,
        cosmosdb_account,
        cosmosdb_sql_container,
        cosmosdb_sql_database,
        cosmosdb_sql_role_assignment,
        data_azurerm_client_config,
        data_azurerm_resource_group,
        data_azurerm_user_assigned_identity,
        federated_identity_credential,
        function_app_flex_consumption,
        key_vault,
        linux_function_app,
        linux_virtual_machine,
        linux_web_app,
        log_analytics_workspace,
        monitor_diagnostic_setting,
        mssql_database,
        mssql_firewall_rule,
        mssql_server,
        mssql_server_extended_auditing_policy,
        nat_gateway,
        nat_gateway_public_ip_association,
        network_interface,
        network_security_group,
        policy_definition,
        private_dns_a_record,
        private_dns_zone,
        private_dns_zone_virtual_network_link,
        private_endpoint,
        provider,
        public_ip,
        resource_group,
        resource_group_policy_assignment,
        resource_policy_exemption,
        role_assignment,
        service_plan,
        storage_account,
        storage_container,
        subnet,
        subnet_nat_gateway_association,
        subnet_network_security_group_association,
        subscription_policy_assignment,
        user_assigned_identity,
        virtual_machine_extension,
        virtual_network,
    )
else:
    from cdktf_cdktf_provider_azurerm import (
        container_app,
        container_app_environment,
        container_app_environment_dapr_component,
        container_group,
        container_registry,
        cosmosdb_account,
        cosmosdb_sql_container,
        cosmosdb_sql_database,
        cosmosdb_sql_role_assignment,
        data_azurerm_client_config,
        data_azurerm_resource_group,
        data_azurerm_user_assigned_identity,
        federated_identity_credential,
        function_app_flex_consumption,
        key_vault,
        linux_function_app,
        linux_virtual_machine,
        linux_web_app,
        log_analytics_workspace,
        monitor_diagnostic_setting,
        mssql_database,
        mssql_firewall_rule,
        mssql_server,
        mssql_server_extended_auditing_policy,
        nat_gateway,
        nat_gateway_public_ip_association,
        network_interface,
        network_security_group,
        policy_definition,
        private_dns_a_record,
        private_dns_zone,
        private_dns_zone_virtual_network_link,
        private_endpoint,
        provider,
        public_ip,
        resource_group,
        resource_group_policy_assignment,
        resource_policy_exemption,
        role_assignment,
        service_plan,
        storage_account,
        storage_container,
        subnet,
        subnet_nat_gateway_association,
        subnet_network_security_group_association,
        subscription_policy_assignment,
        user_assigned_identity,
        virtual_machine_extension,
        virtual_network,
    )

for _name, _module in list(sys.modules.items()):
    if _name.startswith(PACKAGE + "."):
        tune_bindings(_module)

__all__ = [
    "container_app",
    "container_app_environment",
    "container_app_environment_dapr_component",
    "container_group",
    "container_registry",
    "cosmosdb_account",
    "cosmosdb_sql_container",
    "cosmosdb_sql_database",
    "cosmosdb_sql_role_assignment",
    "data_azurerm_client_config",
    "data_azurerm_resource_group",
    "data_azurerm_user_assigned_identity",
    "federated_identity_credential",
    "function_app_flex_consumption",
    "key_vault",
    "linux_function_app",
    "linux_virtual_machine",
    "linux_web_app",
    "log_analytics_workspace",
    "monitor_diagnostic_setting",
    "mssql_database",
    "mssql_firewall_rule",
    "mssql_server",
    "mssql_server_extended_auditing_policy",
    "nat_gateway",
    "nat_gateway_public_ip_association",
    "network_interface",
    "network_security_group",
    "policy_definition",
    "private_dns_a_record",
    "private_dns_zone",
    "private_dns_zone_virtual_network_link",
    "private_endpoint",
    "provider",
    "public_ip",
    "resource_group",
    "resource_group_policy_assignment",
    "resource_policy_exemption",
    "role_assignment",
    "service_plan",
    "storage_account",
    "storage_container",
    "subnet",
    "subnet_nat_gateway_association",
    "subnet_network_security_group_association",
    "subscription_policy_assignment",
    "user_assigned_identity",
    "virtual_machine_extension",
    "virtual_network",
]


# --- azurerm 4 -> 5: the fields the kit writes that changed (docs/toolchains.md) ---
# Each difference has one function here; constructs call it instead of naming the field.

# The azurerm field that names a federated credential's identity.
FEDERATED_CREDENTIAL_IDENTITY_FIELD = {4: "parent_id", 5: "user_assigned_identity_id"}[
    AZURERM_MAJOR
]


def federated_credential_identity(identity_id: str, resource_group_name: str) -> dict[str, Any]:
    """Keyword arguments of `FederatedIdentityCredential` that name its identity.
    azurerm 4: `parent_id` + `resource_group_name`; azurerm 5 replaced both by
    `user_assigned_identity_id` (5.0 upgrade guide; azurerm 5.x docs,
    r/federated_identity_credential)."""
    if AZURERM_MAJOR >= 5:
        return {"user_assigned_identity_id": identity_id}
    return {"parent_id": identity_id, "resource_group_name": resource_group_name}


def private_dns_zone_parent(
    zone: "private_dns_zone.PrivateDnsZone", resource_group_name: str, *, name_field: str
) -> dict[str, Any]:
    """Keyword arguments that put a private DNS record or VNet link in its zone.
    azurerm 4: the zone's name (`name_field`: `zone_name` on records,
    `private_dns_zone_name` on links) + `resource_group_name`; azurerm 5 replaced
    both by `private_dns_zone_id` (5.10 bindings, r/private_dns_a_record and
    r/private_dns_zone_virtual_network_link)."""
    if AZURERM_MAJOR >= 5:
        return {"private_dns_zone_id": zone.id}
    return {name_field: zone.name, "resource_group_name": resource_group_name}


# azurerm 5 turned `local_authentication_disabled` (true = keys off) into
# `local_authentication_enabled` (false = keys off) on azurerm_cosmosdb_account
# (5.0 upgrade guide). The guard and the review accept either name.
COSMOS_LOCAL_AUTH_OFF: dict[str, Any] = (
    {"local_authentication_enabled": False}
    if AZURERM_MAJOR >= 5
    else {"local_authentication_disabled": True}
)

# azurerm 5 added `identity_id` to a container app's `custom_scale_rule` (5.x docs,
# r/container_app); azurerm 4 has no identity on any scale rule, so the kit adds
# identity-authenticated scale rules there with an azapi PATCH (container_app.py).
SCALE_RULE_IDENTITY_NATIVE = AZURERM_MAJOR >= 5


def scale_rule_identity(identity_id: str) -> dict[str, Any]:
    """Keyword arguments of `ContainerAppTemplateCustomScaleRule` that name the identity
    KEDA authenticates with: azurerm 5's `identity_id`; azurerm 4 has none (the kit then
    PATCHes the rules with azapi, and does not build this block)."""
    return {"identity_id": identity_id} if SCALE_RULE_IDENTITY_NATIVE else {}
