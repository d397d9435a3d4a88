"""A small typed wrapper for the two azapi things the kit needs.

No prebuilt cdktf package exists for azure/azapi with cdktf 0.21, so the
provider and `azapi_resource_action` are declared with cdktf's generic
TerraformProvider/TerraformResource. The version is pinned here, in one place.
"""

from __future__ import annotations

import weakref
from collections.abc import Mapping, Sequence
from typing import Any

from ._cdktf import (
    Construct,
    TerraformProvider,
    TerraformResource,
    TerraformResourceLifecycle,
    TerraformStack,
)

AZAPI_SOURCE = "azure/azapi"
AZAPI_VERSION = "2.4.0"
_PROVIDER_ID = "azapi"


_PROVIDERS: weakref.WeakKeyDictionary[TerraformStack, TerraformProvider] = (
    weakref.WeakKeyDictionary()
)


class AzapiProvider(TerraformProvider):
    """`provider "azapi"`. Authentication comes from the environment, like azurerm."""

    def __init__(self, scope: Construct, construct_id: str = _PROVIDER_ID, **config: Any) -> None:
        super().__init__(
            scope,
            construct_id,
            terraform_resource_type="azapi",
            terraform_generator_metadata={
                "provider_name": "azapi",
                "provider_version_constraint": AZAPI_VERSION,
            },
            terraform_provider_source=AZAPI_SOURCE,
        )
        for key, value in config.items():
            self.add_override(key, value)

    @staticmethod
    def of(scope: Construct) -> AzapiProvider:
        """The stack's azapi provider, created on first use (remembered per
        stack in Python: asking the tree is two jsii round trips per call)."""
        stack = TerraformStack.of(scope)
        provider = _PROVIDERS.get(stack)
        if provider is None:
            found = stack.node.try_find_child(_PROVIDER_ID)
            provider = _PROVIDERS[stack] = found if found is not None else AzapiProvider(stack)
        return provider  # type: ignore[return-value]


class AzapiResourceAction(TerraformResource):
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
        super().__init__(
            scope,
            construct_id,
            terraform_resource_type="azapi_resource_action",
            terraform_generator_metadata={
                "provider_name": "azapi",
                "provider_version_constraint": AZAPI_VERSION,
            },
            provider=AzapiProvider.of(scope),
            depends_on=list(depends_on) or None,
        )
        self.add_override("type", resource_type)
        self.add_override("resource_id", resource_id)
        self.add_override("method", method)
        self.add_override("body", dict(body))
        if replace_triggered_by:
            self.lifecycle = TerraformResourceLifecycle(
                replace_triggered_by=list(replace_triggered_by)
            )
