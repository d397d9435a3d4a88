"""cdktf constructs for Azure workloads that use managed identities, not secrets.

Exports load lazily (PEP 562): `azure_identity_kit.review` and other light
tools import this package without starting jsii or loading the provider.
"""

import importlib
from importlib.metadata import PackageNotFoundError, version
from typing import TYPE_CHECKING, Any

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

if TYPE_CHECKING:  # each export's own type for type checkers; at run time they load lazily
    from .acr_pull_binding import ACR_PULL as ACR_PULL
    from .acr_pull_binding import AcrPullBinding as AcrPullBinding
    from .acr_pull_binding import RegistryRef as RegistryRef
    from .app_service import AppKeyVaultReference as AppKeyVaultReference
    from .app_service import LinuxServicePlan as LinuxServicePlan
    from .app_service import LinuxServicePlanProps as LinuxServicePlanProps
    from .app_service import ServicePlanRef as ServicePlanRef
    from .container_app import ContainerAppWithIdentity as ContainerAppWithIdentity
    from .container_app import ContainerAppWithIdentityProps as ContainerAppWithIdentityProps
    from .container_app import ContainerSpec as ContainerSpec
    from .container_app import DaprSpec as DaprSpec
    from .container_app import IdentitySetting as IdentitySetting
    from .container_app import IngressSpec as IngressSpec
    from .container_app import KeyVaultSecretRef as KeyVaultSecretRef
    from .container_app import QueueScaleRule as QueueScaleRule
    from .container_instance import ACI_SUBNET_DELEGATION as ACI_SUBNET_DELEGATION
    from .container_instance import AciContainerSpec as AciContainerSpec
    from .container_instance import AciPort as AciPort
    from .container_instance import AciPrivateNetwork as AciPrivateNetwork
    from .container_instance import AciPublicNetwork as AciPublicNetwork
    from .container_instance import ContainerInstanceFromAcr as ContainerInstanceFromAcr
    from .container_instance import ContainerInstanceFromAcrProps as ContainerInstanceFromAcrProps
    from .cosmos import CosmosContainer as CosmosContainer
    from .cosmos import CosmosDatabase as CosmosDatabase
    from .cosmos import IdentityOnlyCosmosAccount as IdentityOnlyCosmosAccount
    from .cosmos import IdentityOnlyCosmosAccountProps as IdentityOnlyCosmosAccountProps
    from .custom_policies import CustomPolicyDefinitions as CustomPolicyDefinitions
    from .deploy_gate import GateFinding as GateFinding
    from .deploy_gate import refuse_deploy as refuse_deploy
    from .errors import KitValidationError as KitValidationError
    from .function_app import HOST_STORAGE_SUBRESOURCES as HOST_STORAGE_SUBRESOURCES
    from .function_app import TRIGGER_ROLES as TRIGGER_ROLES
    from .function_app import FunctionAppWithIdentity as FunctionAppWithIdentity
    from .function_app import FunctionAppWithIdentityProps as FunctionAppWithIdentityProps
    from .function_app import FunctionRuntime as FunctionRuntime
    from .function_app import FunctionTrigger as FunctionTrigger
    from .function_app import HostStorage as HostStorage
    from .guardrails import PolicyScope as PolicyScope
    from .guardrails import SecretFreeGuardrails as SecretFreeGuardrails
    from .guardrails import SecretFreeGuardrailsProps as SecretFreeGuardrailsProps
    from .identity import COSMOS_DATA_CONTRIBUTOR as COSMOS_DATA_CONTRIBUTOR
    from .identity import COSMOS_DATA_READER as COSMOS_DATA_READER
    from .identity import GROUP_PRINCIPAL_TYPE as GROUP_PRINCIPAL_TYPE
    from .identity import PRINCIPAL_TYPE as PRINCIPAL_TYPE
    from .identity import CosmosAccountRef as CosmosAccountRef
    from .identity import EntraGroup as EntraGroup
    from .identity import ExistingGrant as ExistingGrant
    from .identity import ExistingUserAssignedIdentity as ExistingUserAssignedIdentity
    from .identity import Grant as Grant
    from .identity import Grantable as Grantable
    from .identity import GrantTarget as GrantTarget
    from .identity import ManagedIdentities as ManagedIdentities
    from .identity import NetworkPath as NetworkPath
    from .identity import SystemAssignedIdentity as SystemAssignedIdentity
    from .identity import UserAssignedIdentity as UserAssignedIdentity
    from .identity import UserAssignedIdentityProps as UserAssignedIdentityProps
    from .identity import cosmos_data_grant as cosmos_data_grant
    from .identity import grant as grant
    from .identity import grant_to as grant_to
    from .identity import network_path_of as network_path_of
    from .key_vault import RbacKeyVault as RbacKeyVault
    from .key_vault import RbacKeyVaultProps as RbacKeyVaultProps
    from .policy_exemption import PolicyExemption as PolicyExemption
    from .policy_exemption import PolicyExemptionProps as PolicyExemptionProps
    from .private_link import PRIVATE_DNS_ZONES as PRIVATE_DNS_ZONES
    from .private_link import LinkedDnsZone as LinkedDnsZone
    from .private_link import PrivateDnsZones as PrivateDnsZones
    from .private_link import PrivateEndpointFor as PrivateEndpointFor
    from .private_link import PrivateEndpointForProps as PrivateEndpointForProps
    from .private_link import PrivateLinkService as PrivateLinkService
    from .registry import IdentityOnlyRegistry as IdentityOnlyRegistry
    from .registry import IdentityOnlyRegistryProps as IdentityOnlyRegistryProps
    from .sql import EntraOnlySqlServer as EntraOnlySqlServer
    from .sql import EntraOnlySqlServerProps as EntraOnlySqlServerProps
    from .sql import SqlDatabase as SqlDatabase
    from .sql import SqlDatabaseGrant as SqlDatabaseGrant
    from .storage import IdentityOnlyStorage as IdentityOnlyStorage
    from .storage import IdentityOnlyStorageProps as IdentityOnlyStorageProps
    from .synth import enable_fast_synth as enable_fast_synth
    from .vm import UBUNTU_2204_LTS_GEN2 as UBUNTU_2204_LTS_GEN2
    from .vm import VM_ADMIN_LOGIN as VM_ADMIN_LOGIN
    from .vm import VM_USER_LOGIN as VM_USER_LOGIN
    from .vm import EntraLogin as EntraLogin
    from .vm import VmImage as VmImage
    from .vm import VmOsDisk as VmOsDisk
    from .vm import VmWithIdentity as VmWithIdentity
    from .vm import VmWithIdentityProps as VmWithIdentityProps
    from .waits import PROPAGATION_WAIT_CONTEXT as PROPAGATION_WAIT_CONTEXT
    from .waits import REPLICATION_WAIT_CONTEXT as REPLICATION_WAIT_CONTEXT
    from .waits import PropagationWait as PropagationWait
    from .waits import replication_wait as replication_wait
    from .web_app import WebAppWithIdentity as WebAppWithIdentity
    from .web_app import WebAppWithIdentityProps as WebAppWithIdentityProps
    from .workload_identity import SYSTEM_ASSIGNED as SYSTEM_ASSIGNED

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
