"""What the access map knows about Azure resource types: which ones are workloads, and
the words a picture uses for each type."""

from __future__ import annotations

# Compute that runs code as its identities: always drawn as a workload. Any other resource
# that carries an identity (a SQL server, a storage account with a customer-managed key) is
# drawn as one only when that identity reaches something.
WORKLOAD_TYPES = frozenset(
    {
        "azurerm_container_app",
        "azurerm_container_app_job",
        "azurerm_container_group",
        "azurerm_linux_web_app",
        "azurerm_windows_web_app",
        "azurerm_linux_web_app_slot",
        "azurerm_windows_web_app_slot",
        "azurerm_linux_function_app",
        "azurerm_windows_function_app",
        "azurerm_linux_function_app_slot",
        "azurerm_windows_function_app_slot",
        "azurerm_function_app_flex_consumption",
        "azurerm_linux_virtual_machine",
        "azurerm_windows_virtual_machine",
        "azurerm_linux_virtual_machine_scale_set",
        "azurerm_windows_virtual_machine_scale_set",
        "azurerm_orchestrated_virtual_machine_scale_set",
        "azurerm_kubernetes_cluster",
        "azurerm_logic_app_standard",
        "azurerm_logic_app_workflow",
        "azurerm_data_factory",
        "azurerm_api_management",
        "azurerm_spring_cloud_app",
    }
)

WEB_APP_TYPES = frozenset(
    t
    for t in WORKLOAD_TYPES
    if t.endswith(("web_app", "function_app", "web_app_slot", "function_app_slot"))
    or t == "azurerm_function_app_flex_consumption"
)

USER_IDENTITY_TYPES = frozenset(
    {"azurerm_user_assigned_identity", "data.azurerm_user_assigned_identity"}
)

_WORDS = {
    "azurerm_container_app": "container app",
    "azurerm_container_app_job": "container app job",
    "azurerm_container_group": "container group",
    "azurerm_linux_web_app": "web app",
    "azurerm_windows_web_app": "web app",
    "azurerm_linux_function_app": "function app",
    "azurerm_windows_function_app": "function app",
    "azurerm_function_app_flex_consumption": "function app",
    "azurerm_linux_virtual_machine": "virtual machine",
    "azurerm_windows_virtual_machine": "virtual machine",
    "azurerm_kubernetes_cluster": "AKS cluster",
    "azurerm_container_registry": "container registry",
    "azurerm_key_vault": "key vault",
    "azurerm_key_vault_secret": "secret",
    "azurerm_storage_account": "storage account",
    "azurerm_storage_container": "blob container",
    "azurerm_storage_queue": "queue",
    "azurerm_storage_table": "table",
    "azurerm_cosmosdb_account": "Cosmos DB account",
    "azurerm_cosmosdb_sql_database": "Cosmos DB database",
    "azurerm_cosmosdb_sql_container": "Cosmos DB container",
    "azurerm_mssql_server": "SQL server",
    "azurerm_mssql_database": "SQL database",
    "azurerm_resource_group": "resource group",
    "azurerm_subscription": "subscription",
    "azurerm_client_config": "deploying principal",
    "azurerm_federated_identity_credential": "federated subject",
}


def type_words(rtype: str) -> str:
    """`azurerm_storage_container` -> "blob container"; unknown types by their name."""
    bare = rtype.removeprefix("data.")
    return _WORDS.get(bare) or bare.removeprefix("azurerm_").replace("_", " ")
