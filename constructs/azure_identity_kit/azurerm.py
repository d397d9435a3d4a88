"""Fast access to the azurerm provider bindings.

`import cdktf_cdktf_provider_azurerm` runs a package `__init__` that imports all
~1,500 resource submodules (about 6 s and 400 MB) although each submodule needs
only the package's `_jsii` module. Before the first import we register a light
parent package instead: the same `__path__`, no eager imports, and a PEP 562
`__getattr__` that imports any submodule on first attribute access. Code that
imports the provider package directly therefore keeps working, and the
synthesized JSON is byte-identical (tests/test_fast_import.py).

Turn it off with AZURE_IDENTITY_KIT_EAGER_PROVIDER=1; if the real package was
imported first, it is used as it is.
"""

import importlib
import importlib.util
import os
import pkgutil
import sys
import types

# _cdktf first: it starts jsii's Node kernel, which then loads the provider's
# JavaScript lazily too (see _cdktf.py); tune_bindings caches type hints.
from ._cdktf import EAGER_ENV, tune_bindings

PACKAGE = "cdktf_cdktf_provider_azurerm"


def _install_light_parent() -> None:
    if PACKAGE in sys.modules or os.environ.get(EAGER_ENV, "") not in ("", "0"):
        return
    spec = importlib.util.find_spec(PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        return
    parent = importlib.util.module_from_spec(spec)
    search_path = list(spec.submodule_search_locations)
    parent.__all__ = sorted(
        info.name for info in pkgutil.iter_modules(search_path) if not info.name.startswith("_")
    )

    def __getattr__(name: str) -> types.ModuleType:
        if name.startswith("__"):
            raise AttributeError(name)
        try:
            module = importlib.import_module(f"{PACKAGE}.{name}")
        except ModuleNotFoundError as missing:
            raise AttributeError(f"module {PACKAGE!r} has no attribute {name!r}") from missing
        tune_bindings(module)
        return module

    parent.__getattr__ = __getattr__
    sys.modules[PACKAGE] = parent


_install_light_parent()

# Only what the kit uses. Adding a resource type means adding one line here.
from cdktf_cdktf_provider_azurerm import (  # noqa: E402
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
    private_dns_a_record,
    private_dns_zone,
    private_dns_zone_virtual_network_link,
    private_endpoint,
    provider,
    public_ip,
    resource_group,
    role_assignment,
    service_plan,
    storage_account,
    storage_container,
    subnet,
    subnet_nat_gateway_association,
    subnet_network_security_group_association,
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
    "private_dns_a_record",
    "private_dns_zone",
    "private_dns_zone_virtual_network_link",
    "private_endpoint",
    "provider",
    "public_ip",
    "resource_group",
    "role_assignment",
    "service_plan",
    "storage_account",
    "storage_container",
    "subnet",
    "subnet_nat_gateway_association",
    "subnet_network_security_group_association",
    "user_assigned_identity",
    "virtual_machine_extension",
    "virtual_network",
]
