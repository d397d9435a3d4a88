"""A small typed wrapper for the two azapi things the kit needs.

cdktf: no prebuilt cdktf package exists for azure/azapi with cdktf 0.21, so the
provider and `azapi_resource_action` are declared with cdktf's generic
TerraformProvider/TerraformResource, pinned to AZAPI_VERSION here.
cdktn: the fork's typed bindings (`cdktn-provider-azapi` 1.0.0, azapi 2.13.0)
are used instead. The constructs see the same two classes either way, and the
synthesized addresses and attributes are the same (docs/toolchains.md).
"""

from __future__ import annotations

import weakref
from collections.abc import Mapping, Sequence
from typing import Any

from ._cdktf import (
    CDKTN,
    Construct,
    TerraformProvider,
    TerraformResource,
    TerraformResourceLifecycle,
    TerraformStack,
    tune_bindings,
)
from .stack_scope import one_per_stack

_PROVIDER_ID = "azapi"

if CDKTN:
    from cdktn_provider_azapi import provider as _typed_provider
    from cdktn_provider_azapi import resource_action as _typed_action

    tune_bindings(_typed_provider)
    tune_bindings(_typed_action)
    # What cdktn-provider-azapi 1.0.0 is generated for and declares (Terraform reads
    # provider source namespaces case-insensitively: the same provider as azure/azapi).
    AZAPI_SOURCE = "Azure/azapi"
    AZAPI_VERSION = "2.13.0"
    _ProviderBase = _typed_provider.AzapiProvider
    _ActionBase = _typed_action.ResourceAction
else:
    AZAPI_SOURCE = "azure/azapi"
    AZAPI_VERSION = "2.4.0"
    _ProviderBase = TerraformProvider
    _ActionBase = TerraformResource

_GENERIC_METADATA = {"provider_name": "azapi", "provider_version_constraint": AZAPI_VERSION}


_PROVIDERS: weakref.WeakKeyDictionary[TerraformStack, AzapiProvider] = weakref.WeakKeyDictionary()


class AzapiProvider(_ProviderBase):
    """`provider "azapi"`. Authentication comes from the environment, like azurerm.
    `config` takes the provider's argument names (use_oidc, use_cli, client_id, ...)."""

    def __init__(self, scope: Construct, construct_id: str = _PROVIDER_ID, **config: Any) -> None:
        if CDKTN:
            super().__init__(scope, construct_id, **config)
            return
        super().__init__(
            scope,
            construct_id,
            terraform_resource_type="azapi",
            terraform_generator_metadata=_GENERIC_METADATA,
            terraform_provider_source=AZAPI_SOURCE,
        )
        for key, value in config.items():
            self.add_override(key, value)

    @staticmethod
    def of(scope: Construct) -> AzapiProvider:
        """The stack's azapi provider, created on first use (stack_scope.one_per_stack)."""
        return one_per_stack(scope, _PROVIDER_ID, _PROVIDERS, AzapiProvider)


class AzapiResourceAction(_ActionBase):
    """`azapi_resource_action`: one REST call (here: a PATCH) against a resource."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        resource_type: str,
        resource_id: str,
        body: Mapping[str, Any],
        method: str = "PATCH",
        depends_on: Sequence[TerraformResource] = (),
        replace_triggered_by: Sequence[TerraformResource] = (),
    ) -> None:
        lifecycle = (
            TerraformResourceLifecycle(replace_triggered_by=list(replace_triggered_by))
            if replace_triggered_by
            else None
        )
        provider = AzapiProvider.of(scope)
        dependencies = list(depends_on) or None
        if CDKTN:
            super().__init__(
                scope,
                construct_id,
                type=resource_type,
                resource_id=resource_id,
                method=method,
                body=dict(body),
                provider=provider,
                depends_on=dependencies,
                lifecycle=lifecycle,
            )
            return
        super().__init__(
            scope,
            construct_id,
            terraform_resource_type="azapi_resource_action",
            terraform_generator_metadata=_GENERIC_METADATA,
            provider=provider,
            depends_on=dependencies,
            lifecycle=lifecycle,
        )
        self.add_override("type", resource_type)
        self.add_override("resource_id", resource_id)
        self.add_override("method", method)
        self.add_override("body", dict(body))
