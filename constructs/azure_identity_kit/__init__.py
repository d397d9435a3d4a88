"""cdktf constructs for Azure workloads that use managed identities, not secrets.

Exports load lazily (PEP 562): `azure_identity_kit.review` and other light
tools import this package without starting jsii or loading the provider.
"""

import importlib
from importlib.metadata import PackageNotFoundError, version
from typing import Any

try:
    __version__ = version("azure-identity-kit")
    """The installed distribution's version; pyproject.toml is its one source."""
except PackageNotFoundError:  # imported from a source tree that is not installed
    __version__ = "0+unknown"

_EXPORTS = {
    "ACI_SUBNET_DELEGATION": "container_instance",
    "ACR_PULL": "acr_pull_binding",
    "AciContainerSpec": "container_instance",
    "AciPort": "container_instance",
    "AciPrivateNetwork": "container_instance",
    "AciPublicNetwork": "container_instance",
    "AcrPullBinding": "acr_pull_binding",
    "COSMOS_DATA_CONTRIBUTOR": "identity",
    "COSMOS_DATA_READER": "identity",
    "AppKeyVaultReference": "app_service",
    "ContainerAppWithIdentity": "container_app",
    "ContainerAppWithIdentityProps": "container_app",
    "ContainerInstanceFromAcr": "container_instance",
    "ContainerInstanceFromAcrProps": "container_instance",
    "ContainerSpec": "container_app",
    "CosmosAccountRef": "identity",
    "CosmosContainer": "cosmos",
    "CosmosDatabase": "cosmos",
    "DaprSpec": "container_app",
    "EntraGroup": "identity",
    "EntraLogin": "vm",
    "EntraOnlySqlServer": "sql",
    "EntraOnlySqlServerProps": "sql",
    "ExistingGrant": "identity",
    "ExistingUserAssignedIdentity": "identity",
    "FunctionAppWithIdentity": "function_app",
    "FunctionAppWithIdentityProps": "function_app",
    "FunctionRuntime": "function_app",
    "FunctionTrigger": "function_app",
    "GateFinding": "deploy_gate",
    "GROUP_PRINCIPAL_TYPE": "identity",
    "Grant": "identity",
    "GrantTarget": "identity",
    "Grantable": "identity",
    "IdentityOnlyCosmosAccount": "cosmos",
    "IdentityOnlyCosmosAccountProps": "cosmos",
    "HOST_STORAGE_SUBRESOURCES": "function_app",
    "HostStorage": "function_app",
    "IdentityOnlyRegistry": "registry",
    "IdentityOnlyRegistryProps": "registry",
    "IdentityOnlyStorage": "storage",
    "IdentityOnlyStorageProps": "storage",
    "IdentitySetting": "container_app",
    "IngressSpec": "container_app",
    "KeyVaultSecretRef": "container_app",
    "KitValidationError": "errors",
    "LinuxServicePlan": "app_service",
    "LinuxServicePlanProps": "app_service",
    "LinkedDnsZone": "private_link",
    "ManagedIdentities": "identity",
    "NetworkPath": "identity",
    "PRINCIPAL_TYPE": "identity",
    "PRIVATE_DNS_ZONES": "private_link",
    "PrivateDnsZones": "private_link",
    "PrivateEndpointFor": "private_link",
    "PrivateEndpointForProps": "private_link",
    "PrivateLinkService": "private_link",
    "PropagationWait": "waits",
    "PROPAGATION_WAIT_CONTEXT": "waits",
    "CustomPolicyDefinitions": "custom_policies",
    "PolicyExemption": "policy_exemption",
    "PolicyExemptionProps": "policy_exemption",
    "PolicyScope": "guardrails",
    "SecretFreeGuardrails": "guardrails",
    "SecretFreeGuardrailsProps": "guardrails",
    "QueueScaleRule": "container_app",
    "REPLICATION_WAIT_CONTEXT": "waits",
    "RbacKeyVault": "key_vault",
    "RbacKeyVaultProps": "key_vault",
    "RegistryRef": "acr_pull_binding",
    "SqlDatabase": "sql",
    "SqlDatabaseGrant": "sql",
    "SYSTEM_ASSIGNED": "workload_identity",
    "ServicePlanRef": "app_service",
    "SystemAssignedIdentity": "identity",
    "TRIGGER_ROLES": "function_app",
    "UBUNTU_2204_LTS_GEN2": "vm",
    "UserAssignedIdentity": "identity",
    "UserAssignedIdentityProps": "identity",
    "VM_ADMIN_LOGIN": "vm",
    "VM_USER_LOGIN": "vm",
    "VmImage": "vm",
    "VmOsDisk": "vm",
    "VmWithIdentity": "vm",
    "VmWithIdentityProps": "vm",
    "cosmos_data_grant": "identity",
    "WebAppWithIdentity": "web_app",
    "WebAppWithIdentityProps": "web_app",
    "enable_fast_synth": "synth",
    "grant": "identity",
    "grant_to": "identity",
    "network_path_of": "identity",
    "refuse_deploy": "deploy_gate",
    "replication_wait": "waits",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{module}", __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return __all__
